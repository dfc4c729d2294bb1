package io.lingspark.engine.cli;

import io.lingspark.engine.command.ExitCodes;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import io.lingspark.engine.command.ConstraintOptionsMixin;
import io.lingspark.engine.command.EngineOptionsMixin;
import io.lingspark.engine.command.SamplingOptionsMixin;
import io.lingspark.engine.runtime.CompletionChoice;
import io.lingspark.engine.runtime.EngineOptions;
import io.lingspark.engine.runtime.ErrorCode;
import io.lingspark.engine.runtime.GenerationRequest;
import io.lingspark.engine.runtime.GenerationResult;
import io.lingspark.engine.runtime.LingEngine;
import io.lingspark.engine.runtime.SamplingParams;
import io.lingspark.engine.output.ToolCall;
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
import picocli.CommandLine.Parameters;

/**
 * {@code lingspark chat}: one user message through the model's chat template and the full engine
 * (sampling, stop rules, reasoning and tool-call parsing), for quick manual runs. Prints the answer, or
 * the whole {@code GenerationResult} as JSON with {@code --json}.
 */
@Command(name = "chat", mixinStandardHelpOptions = true,
    description = "Send one chat message to a model and print the answer.")
public final class ChatCommand implements Callable<Integer> {
    @Option(names = "--model", required = true, description = "Hugging Face checkpoint directory")
    Path model;

    @Mixin
    EngineOptionsMixin engine = new EngineOptionsMixin();

    @Mixin
    SamplingOptionsMixin sampling = new SamplingOptionsMixin();

    @Mixin
    ConstraintOptionsMixin constraint = new ConstraintOptionsMixin();

    @Option(names = "--system", description = "system message")
    String system;

    @Option(names = "--tools-file", description = "JSON file: an array of OpenAI tool definitions, or {\"tools\": [...]}")
    Path toolsFile;

    @Option(names = "--json", description = "print the full result as JSON")
    boolean json;

    @Parameters(index = "0", paramLabel = "MESSAGE", description = "the user message")
    String message;

    PrintStream out = new PrintStream(System.out, true, StandardCharsets.UTF_8);
    PrintStream err = System.err;

    @Override
    public Integer call() {
        return ExitCodes.run("chat", err, this::execute);
    }

    private int execute() throws IOException {
        List<Map<String, Object>> tools = toolsFile == null ? null : readTools(toolsFile);
        List<Map<String, Object>> messages = new ArrayList<>();
        if (system != null) {
            messages.add(Map.of("role", "system", "content", system));
        }
        messages.add(Map.of("role", "user", "content", message));
        SamplingParams params = sampling.params().toBuilder().structuredOutput(constraint.constraint()).build();
        EngineOptions options = engine.options(model);
        if (!Files.isDirectory(model)) {
            throw new ExitCodes.CommandException(ExitCodes.MODEL, "model directory " + model + " does not exist");
        }
        LingEngine lingEngine;
        try {
            lingEngine = io.lingspark.engine.pipeline.Pipelines.openEngine(options);
        } catch (IllegalArgumentException e) {
            throw e; // an unknown --device: usage
        } catch (RuntimeException e) {
            throw new ExitCodes.CommandException(ExitCodes.MODEL, "cannot load " + model + ": " + e.getMessage(), e);
        }
        GenerationResult r;
        try (lingEngine) {
            r = lingEngine.submit(GenerationRequest.ofMessages("chat", messages, tools, params)).join();
        }
        if (!r.ok()) {
            int code = r.errorCode() == ErrorCode.ENGINE_ERROR ? ExitCodes.UNEXPECTED : ExitCodes.INPUT;
            throw new ExitCodes.CommandException(code, r.errorCode() + ": " + r.errorMessage());
        }
        if (json) {
            // snake_case like the OpenAI and vLLM responses users read next to it (finish_reason, prompt_tokens)
            out.println(new ObjectMapper().setPropertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
                .writerWithDefaultPrettyPrinter().writeValueAsString(r));
        } else {
            for (CompletionChoice c : r.choices()) {
                if (r.choices().size() > 1) {
                    out.println("[choice " + c.index() + "]");
                }
                printReadable(c);
            }
        }
        double secs = r.totalMs() / 1000;
        err.printf("lingspark chat: %d prompt + %d completion tokens, first token %.0f ms, %.1f tok/s, finish %s%n",
            r.promptTokens(), r.completionTokens(), r.ttftMs(), secs > 0 ? r.completionTokens() / secs : 0,
            r.choices().get(0).finishReason());
        return ExitCodes.OK;
    }

    private void printReadable(CompletionChoice c) {
        if (c.reasoningContent() != null) {
            out.println("[reasoning]");
            out.println(c.reasoningContent());
            out.println("[answer]");
        }
        out.println(c.text());
        for (ToolCall t : c.toolCalls()) {
            out.println("[tool call " + t.id() + "] " + t.name() + " " + t.arguments());
        }
        if (c.parseError() != null) {
            out.println("[tool call parse error] " + c.parseError());
        }
        if (c.outputError() != null) {
            out.println("[" + c.outputError() + "] the answer ended (" + c.finishReason() + ") before its constraint was satisfied");
        }
    }

    @SuppressWarnings("unchecked")
    static List<Map<String, Object>> readTools(Path f) {
        JsonNode root;
        try {
            root = new ObjectMapper().readTree(f.toFile());
        } catch (JsonProcessingException e) {
            throw new ExitCodes.CommandException(ExitCodes.INPUT, f + " is not valid JSON: " + e.getOriginalMessage());
        } catch (IOException e) {
            throw new ExitCodes.CommandException(ExitCodes.INPUT, "cannot read tools file " + f + ": " + e.getMessage());
        }
        JsonNode arr = root != null && root.isObject() ? root.get("tools") : root;
        if (arr == null || !arr.isArray()) {
            throw new ExitCodes.CommandException(ExitCodes.INPUT, f + ": expected an array of tools or {\"tools\": [...]}");
        }
        List<Map<String, Object>> tools = new ArrayList<>();
        for (JsonNode t : arr) {
            if (!t.isObject()) {
                throw new ExitCodes.CommandException(ExitCodes.INPUT, f + ": every tool must be a JSON object");
            }
            tools.add(new ObjectMapper().convertValue(t, Map.class));
        }
        return tools;
    }
}
