package io.lingspark.engine.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import io.lingspark.engine.command.EngineOptionsMixin;
import io.lingspark.engine.command.ExitCodes;
import io.lingspark.engine.runtime.ErrorCode;
import io.lingspark.engine.runtime.LingEngine;
import io.lingspark.engine.runtime.RollingRequest;
import io.lingspark.engine.runtime.RollingResult;
import io.lingspark.engine.runtime.ScoringRequest;
import io.lingspark.engine.runtime.ScoringResult;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code lingspark score}: the log-likelihood of continuations after a context (multiple-choice
 * evaluation, labeling by the likeliest label), or with {@code --text} of a whole text in windows of
 * the context length (perplexity), through the engine's scoring requests. Prints one line per
 * continuation, or the whole result as JSON with {@code --json}.
 */
@Command(name = "score", mixinStandardHelpOptions = true,
    description = "Score continuations after a context (log-likelihood, lm-eval's rules), or a whole text (--text: perplexity).")
public final class ScoreCommand implements Callable<Integer> {
    @Option(names = "--model", required = true, description = "Hugging Face checkpoint directory")
    Path model;

    @Mixin
    EngineOptionsMixin engine = new EngineOptionsMixin();

    @Option(names = "--context", description = "the context as text (\"\" for none: the BOS token)")
    String context;

    @Option(names = "--context-file", description = "the context as a UTF-8 text file")
    Path contextFile;

    @Option(names = "--user", description = "the context as one user chat message, rendered with the model's template and "
        + "its generation prompt: the continuations are scored as the assistant's answer")
    String user;

    @Option(names = "--system", description = "a system message before --user")
    String system;

    @Option(names = "--continuation", description = "a continuation to score (repeat for each choice)")
    List<String> continuations;

    @Option(names = "--text", description = "score this whole text instead (rolling windows of the context length)")
    String text;

    @Option(names = "--text-file", description = "score this UTF-8 text file instead")
    Path textFile;

    @Option(names = "--per-token", description = "also print each token's log-probability")
    boolean perToken;

    @Option(names = "--json", description = "print the whole result as JSON")
    boolean json;

    PrintStream out = new PrintStream(System.out, true, StandardCharsets.UTF_8);
    PrintStream err = System.err;

    @Override
    public Integer call() {
        return ExitCodes.run("score", err, this::execute);
    }

    private int execute() throws IOException {
        boolean rolling = text != null || textFile != null;
        int contexts = (context != null ? 1 : 0) + (contextFile != null ? 1 : 0) + (user != null ? 1 : 0);
        EngineOptionsMixin.usage(!(text != null && textFile != null), "give --text or --text-file, not both");
        EngineOptionsMixin.usage(rolling ? contexts == 0 && continuations == null : contexts == 1,
            "give one context (--context, --context-file or --user) with --continuation ..., or --text / --text-file alone");
        EngineOptionsMixin.usage(rolling || (continuations != null && !continuations.isEmpty()), "give at least one --continuation");
        EngineOptionsMixin.usage(system == null || user != null, "--system goes with --user");
        String body = rolling ? (text != null ? text : read(textFile)) : contextFile != null ? read(contextFile) : context;
        if (!Files.isDirectory(model)) {
            throw new ExitCodes.CommandException(ExitCodes.MODEL, "model directory " + model + " does not exist");
        }
        LingEngine e;
        try {
            e = io.lingspark.engine.pipeline.Pipelines.openEngine(engine.options(model));
        } catch (IllegalArgumentException ex) {
            throw ex; // an unknown --device: usage
        } catch (RuntimeException ex) {
            throw new ExitCodes.CommandException(ExitCodes.MODEL, "cannot load " + model + ": " + ex.getMessage(), ex);
        }
        try (e) {
            if (rolling) {
                RollingResult r = e.scoreRolling(new RollingRequest("text", body, null, perToken, null)).join();
                check(r.errorCode(), r.errorMessage());
                if (json) {
                    print(r);
                } else {
                    out.printf("logprob %.6f  tokens %d  windows %d  perplexity %.4f%n", r.logprob(), r.tokens(), r.windows(),
                        r.perplexity());
                    if (perToken) {
                        out.println("token logprobs " + java.util.Arrays.toString(r.tokenLogprobs()));
                    }
                }
                err.printf("lingspark score: %d tokens in %d window(s) of %d, %.0f ms%n", r.tokens(), r.windows(),
                    e.contextLength(), r.totalMs());
                return ExitCodes.OK;
            }
            ScoringRequest req = user != null
                ? new ScoringRequest("score", null, null, messages(), null, null, continuations, null, perToken, null)
                : new ScoringRequest("score", body, null, null, null, null, continuations, null, perToken, null);
            ScoringResult r = e.score(req).join();
            check(r.errorCode(), r.errorMessage());
            if (json) {
                print(r);
            } else {
                int best = 0;
                for (ScoringResult.ContinuationScore c : r.continuations()) {
                    best = c.logprob() > r.continuations().get(best).logprob() ? c.index() : best;
                }
                for (ScoringResult.ContinuationScore c : r.continuations()) {
                    out.printf("%s %d  logprob %.6f  tokens %d  greedy %s  %s%n", c.index() == best ? "*" : " ", c.index(), c.logprob(),
                        c.tokens(), c.greedy(), new ObjectMapper().writeValueAsString(continuations.get(c.index())));
                    if (perToken) {
                        out.println("    token logprobs " + java.util.Arrays.toString(c.tokenLogprobs()));
                    }
                }
            }
            err.printf("lingspark score: %d context tokens, %d continuations, %d tokens from the cache, %.0f ms%n",
                r.contextTokens(), r.continuations().size(), r.cachedTokens(), r.totalMs());
        }
        return ExitCodes.OK;
    }

    private List<Map<String, Object>> messages() {
        List<Map<String, Object>> m = new ArrayList<>();
        if (system != null) {
            m.add(Map.of("role", "system", "content", system));
        }
        m.add(Map.of("role", "user", "content", user));
        return m;
    }

    private static void check(ErrorCode code, String message) {
        if (code != null) {
            throw new ExitCodes.CommandException(code == ErrorCode.ENGINE_ERROR ? ExitCodes.UNEXPECTED : ExitCodes.INPUT,
                code + ": " + message);
        }
    }

    private void print(Object result) throws IOException {
        // snake_case, like chat --json
        out.println(new ObjectMapper().setPropertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
            .writerWithDefaultPrettyPrinter().writeValueAsString(result));
    }

    private static String read(Path f) {
        try {
            return Files.readString(f, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new ExitCodes.CommandException(ExitCodes.INPUT, "cannot read " + f + ": " + e.getMessage());
        }
    }
}
