package io.lingspark.engine.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.lingspark.engine.command.ExitCodes;
import io.lingspark.engine.model.Fixtures;
import io.lingspark.engine.runtime.ScoringResult;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** The score command's output and exit codes on the tiny fixture model; bench-score's counts. */
class ScoreCommandTest {
    @TempDir
    Path tmp;

    final ByteArrayOutputStream out = new ByteArrayOutputStream();
    final ByteArrayOutputStream err = new ByteArrayOutputStream();

    int run(String... args) {
        ScoreCommand c = new ScoreCommand();
        c.out = new PrintStream(out, true, StandardCharsets.UTF_8);
        c.err = new PrintStream(err, true, StandardCharsets.UTF_8);
        CommandLine cl = new CommandLine(c);
        cl.setErr(new java.io.PrintWriter(err, true));
        return cl.execute(args);
    }

    String model() {
        return Fixtures.model("tiny-ling-v2").toString();
    }

    String out() {
        return out.toString(StandardCharsets.UTF_8);
    }

    @Test
    void choicesPrintOneLineEachWithTheLikeliestMarked() {
        assertEquals(ExitCodes.OK, run("--model", model(), "--context", "The capital of France is", "--continuation", " Paris",
            "--continuation", " London", "--max-batch-tokens", "32"));
        String[] lines = out().strip().split("\n");
        assertEquals(2, lines.length, out());
        assertEquals(1, out().chars().filter(ch -> ch == '*').count(), out());
        assertTrue(lines[0].contains("\" Paris\"") && lines[1].contains("\" London\""), out());
        assertTrue(err.toString(StandardCharsets.UTF_8).startsWith("lingspark score: "));
    }

    @Test
    void jsonHasTheResultInSnakeCase() throws Exception {
        assertEquals(ExitCodes.OK, run("--model", model(), "--user", "Is this positive? Great product!", "--continuation", "yes",
            "--continuation", "no", "--per-token", "--json"));
        JsonNode r = new ObjectMapper().readTree(out());
        assertEquals(2, r.get("continuations").size());
        JsonNode c = r.get("continuations").get(0);
        assertTrue(c.get("logprob").asDouble() < 0);
        assertEquals(c.get("tokens").asInt(), c.get("token_logprobs").size());
        assertTrue(r.get("context_tokens").asInt() > 5);
        assertTrue(r.get("error_code").isNull());
    }

    @Test
    void aWholeTextIsScoredInWindows() throws Exception {
        Path f = Files.writeString(tmp.resolve("doc.txt"), "The capital of France is Paris. ".repeat(8));
        assertEquals(ExitCodes.OK, run("--model", model(), "--text-file", f.toString(), "--max-model-len", "32", "--json"));
        JsonNode r = new ObjectMapper().readTree(out());
        int tokens = r.get("tokens").asInt();
        assertTrue(tokens > 32, out());
        assertEquals((tokens + 31) / 32, r.get("windows").asInt());
        assertTrue(r.get("logprob").asDouble() < 0);
    }

    @Test
    void exitCodes() {
        assertEquals(ExitCodes.USAGE, run("--model", model(), "--continuation", " a"));
        assertEquals(ExitCodes.USAGE, run("--model", model(), "--context", "a"));
        assertEquals(ExitCodes.USAGE, run("--model", model(), "--context", "a", "--text", "b"));
        assertEquals(ExitCodes.USAGE, run("--model", model(), "--context", "a", "--user", "b", "--continuation", "c"));
        assertEquals(ExitCodes.MODEL, run("--model", tmp.resolve("nope").toString(), "--context", "a", "--continuation", "b"));
        assertEquals(ExitCodes.INPUT, run("--model", model(), "--context", "a", "--continuation", ""));
        assertEquals(ExitCodes.INPUT, run("--model", model(), "--context-file", tmp.resolve("missing.txt").toString(),
            "--continuation", "b"));
        String e = err.toString(StandardCharsets.UTF_8);
        assertTrue(e.contains("EMPTY_PROMPT"), e);
    }

    /** Continuations the reference does not hold (other tokens after the context) against the logits command's output. */
    @org.junit.jupiter.params.ParameterizedTest
    @org.junit.jupiter.params.provider.ValueSource(strings = {"tiny-ling-v2", "tiny-ling-v25"})
    void scoresEqualLogSoftmaxOfTheLogitsCommandsOutput(String fixture) throws Exception {
        int[] prompt = io.lingspark.engine.model.Fixtures.ints2(Fixtures.reference(fixture).get("prompt_ids"))[3];
        int[] ctx = java.util.Arrays.copyOf(prompt, 50);
        java.util.List<int[]> conts = java.util.List.of(new int[] {5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22},
            new int[] {300, 301}, new int[] {17});
        StringBuilder ids = new StringBuilder("{\"prompt_ids\": [");
        for (int i = 0; i < conts.size(); i++) {
            int[] in = java.util.Arrays.copyOf(ctx, ctx.length + conts.get(i).length - 1);
            System.arraycopy(conts.get(i), 0, in, ctx.length, conts.get(i).length - 1);
            ids.append(i > 0 ? ", " : "").append(java.util.Arrays.toString(in));
        }
        Path prompts = Files.writeString(tmp.resolve("prompts.json"), ids.append("]}").toString());
        Path dir = tmp.resolve("logits");
        assertEquals(0, new CommandLine(new LogitsCommand()).execute("--model", Fixtures.model(fixture).toString(),
            "--prompts-file", prompts.toString(), "--out", dir.toString()));
        ScoringResult r;
        try (io.lingspark.engine.runtime.LingEngine e = io.lingspark.engine.runtime.LingEngine.open(
            io.lingspark.engine.runtime.EngineOptions.of(Fixtures.model(fixture)).withMaxBatchTokens(32))) {
            r = e.score(io.lingspark.engine.runtime.ScoringRequest.ofIds("x", ctx, conts).withPerTokenLogprobs(true)).join();
        }
        assertTrue(r.ok(), r.errorMessage());
        try (io.lingspark.engine.weights.SafetensorsFile f = io.lingspark.engine.weights.SafetensorsFile.open(
            dir.resolve("logits.safetensors"))) {
            for (int i = 0; i < conts.size(); i++) {
                float[] l = f.tensors().get("logits." + i).readFloats();
                int[] k = conts.get(i);
                for (int j = 0; j < k.length; j++) {
                    double want = logprob(l, (ctx.length - 1 + j) * 1024, 1024, k[j]);
                    assertEquals(want, r.continuations().get(i).tokenLogprobs()[j], 1e-4, fixture + " continuation " + i + " token " + j);
                }
            }
        }
    }

    static double logprob(float[] l, int off, int v, int t) {
        double max = Double.NEGATIVE_INFINITY;
        for (int i = 0; i < v; i++) {
            max = Math.max(max, l[off + i]);
        }
        double sum = 0;
        for (int i = 0; i < v; i++) {
            sum += Math.exp(l[off + i] - max);
        }
        return l[off + t] - max - Math.log(sum);
    }

    JsonNode benchScore(String... more) throws Exception {
        PrintStream old = System.out;
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        int rc;
        try {
            System.setOut(new PrintStream(buf, true, StandardCharsets.UTF_8));
            String[] base = {"--preset", "tiny", "--dir", tmp.resolve("m").toString(), "--documents", "2", "--warmup", "1",
                "--context-len", "40", "--continuation-len", "5", "--cpu-threads", "1"};
            rc = new CommandLine(new ScoreBenchCommand()).execute(java.util.stream.Stream.concat(java.util.Arrays.stream(base),
                java.util.Arrays.stream(more)).toArray(String[]::new));
        } finally {
            System.setOut(old);
        }
        assertEquals(0, rc);
        return new ObjectMapper().readTree(buf.toString(StandardCharsets.UTF_8));
    }

    @Test
    void benchScoreCountsTheContextOnce() throws Exception {
        for (JsonNode r : new JsonNode[] {benchScore(), benchScore("--concurrent")}) {
            assertEquals(40, r.get("prefill_tokens_per_document").asInt());
            assertEquals(40 + 4 * 4, r.get("score_tokens_per_document").asInt(), "the context once, each choice's own tokens");
            assertEquals(4 * 44, r.get("tokens_without_sharing").asInt());
            assertTrue(r.get("score_over_prefill").asDouble() > 0);
            assertEquals(0, r.get("errors").asInt());
        }
        assertEquals(ExitCodes.USAGE, new CommandLine(new ScoreBenchCommand()).execute("--sides", "neither"));
    }
}
