package io.lingspark.jobs.generate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.lingspark.engine.runtime.Engine;
import io.lingspark.engine.runtime.EngineOptions;
import io.lingspark.engine.runtime.GenerationRequest;
import io.lingspark.engine.runtime.GenerationResult;
import io.lingspark.engine.runtime.LingEngine;
import io.lingspark.engine.runtime.SamplingParams;
import io.lingspark.jobs.LocalSparkJobs;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.Test;

/** Generate where labeling work starts: a CSV of texts, a system prompt, an exported OpenAI batch file. */
class GenerateLabelingTest extends LocalSparkJobs {
    static final ObjectMapper JSON = new ObjectMapper();
    static final int MAX_TOKENS = 5;

    static JobRun generate(Path input, Path output, String... more) {
        List<String> a = new ArrayList<>(List.of("--model", model.toString(), "--input", input.toString(),
            "--output", output.toString(), "--device", "cpu", "--temperature", "0", "--max-tokens",
            Integer.toString(MAX_TOKENS), "--status-interval-ms", "200"));
        a.addAll(List.of(more));
        return JobRun.of(a);
    }

    static Map<String, Object> msg(String role, String content) {
        return Map.of("role", role, "content", content);
    }

    /** The engine's own greedy answer to these messages (a separate engine instance). */
    static GenerationResult direct(Engine engine, List<Map<String, Object>> messages) throws Exception {
        SamplingParams p = SamplingParams.builder().temperature(0).maxTokens(MAX_TOKENS).build();
        GenerationResult r = engine.submit(GenerationRequest.ofMessages("x", messages, null, p)).get();
        assertTrue(r.ok(), r.errorMessage());
        return r;
    }

    /** n -> (id, text, prompt_tokens, error code) */
    static Map<Integer, Row> byN(Path out) {
        Map<Integer, Row> m = new TreeMap<>();
        for (Row r : spark.read().parquet(out.toString()).selectExpr("CAST(n AS INT)", "id", "text", "prompt_tokens",
            "error.code").collectAsList()) {
            assertNull(m.put(r.getInt(0), r), "one row per input row");
        }
        return m;
    }

    @Test
    void aCsvOfTextsBecomesChatRequestsThroughTheTemplateAndSystem() throws Exception {
        Path in = tmp.resolve("texts.csv");
        Files.writeString(in, "n,text,lang\n0,great movie,en\n1,\"{braces}, kept\",fr\n2,,en\n");
        String system = "You label sentiment.";
        String template = "Classify ({lang}): {text} {{\"label\": ...}}";
        Path out = tmp.resolve("texts-out");
        JobRun run = generate(in, out, "--system", system, "--prompt-template", template, "--keep-columns", "n");
        assertEquals(0, run.code(), run.err());
        Map<Integer, Row> got = byN(out);
        String[] users = {"Classify (en): great movie {\"label\": ...}", "Classify (fr): {braces}, kept {\"label\": ...}",
            "Classify (en):  {\"label\": ...}"}; // a null text renders as empty text
        try (Engine engine = LingEngine.open(EngineOptions.of(model))) {
            for (int i = 0; i < users.length; i++) {
                GenerationResult r = direct(engine, List.of(msg("system", system), msg("user", users[i])));
                Row g = got.get(i);
                assertNull(g.get(4), "row " + i);
                assertEquals(r.choices().get(0).text(), g.getString(2), "row " + i);
                assertEquals(r.promptTokens(), g.getInt(3), "row " + i + " is the chat-templated request");
            }
        }
        // content-hash ids (no id column) are the same on a rerun
        Path again = tmp.resolve("texts-again");
        assertEquals(0, generate(in, again, "--system", system, "--prompt-template", template, "--keep-columns", "n")
            .code());
        Map<Integer, Row> second = byN(again);
        for (int i = 0; i < users.length; i++) {
            assertEquals(got.get(i).getString(1), second.get(i).getString(1));
        }
    }

    @Test
    void systemAloneWrapsThePromptAndARowsOwnMessagesWin() throws Exception {
        Path in = tmp.resolve("system.jsonl");
        Files.write(in, List.of("{\"n\": 0, \"prompt\": \"Say hi\"}",
            "{\"n\": 1, \"prompt\": \"ignored\", \"messages\": [{\"role\": \"user\", \"content\": \"Own words\"}]}",
            "{\"n\": 2, \"prompt\": null}"));
        Path out = tmp.resolve("system-out");
        JobRun run = generate(in, out, "--system", "Be brief.", "--keep-columns", "n");
        assertEquals(0, run.code(), run.err());
        Map<Integer, Row> got = byN(out);
        try (Engine engine = LingEngine.open(EngineOptions.of(model))) {
            GenerationResult a = direct(engine, List.of(msg("system", "Be brief."), msg("user", "Say hi")));
            assertEquals(a.choices().get(0).text(), got.get(0).getString(2));
            assertEquals(a.promptTokens(), got.get(0).getInt(3));
            GenerationResult b = direct(engine, List.of(msg("user", "Own words")));
            assertEquals(b.choices().get(0).text(), got.get(1).getString(2));
            assertEquals(b.promptTokens(), got.get(1).getInt(3));
        }
        assertEquals("EMPTY_PROMPT", got.get(2).getString(4), "a null prompt stays an error row with --system");
    }

    @Test
    void aTemplateNamingAMissingColumnIsAUsageErrorListingTheColumns() throws IOException {
        Path in = tmp.resolve("usage.csv");
        Files.writeString(in, "n,text\n0,hello\n");
        JobRun run = generate(in, tmp.resolve("usage-out"), "--prompt-template", "Classify: {txt}");
        assertEquals(2, run.code(), run.err());
        assertTrue(run.err().contains("'txt'") && run.err().contains("[n, text]"), run.err());
        JobRun bad = generate(in, tmp.resolve("usage-out2"), "--prompt-template", "Classify: {text");
        assertEquals(2, bad.code(), bad.err());
        assertTrue(bad.err().contains("{{"), bad.err());
    }

    @Test
    void anOpenAiBatchFileIsRecognisedByItsLinesAndNamedByModelName() throws IOException {
        List<String> lines = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            lines.add("{\"custom_id\": \"req-" + i + "\", \"method\": \"POST\", \"url\": \"/v1/chat/completions\", "
                + "\"body\": {\"model\": \"gpt-x\", \"messages\": [{\"role\": \"user\", \"content\": \"q " + i + "\"}]}}");
        }
        Path in = tmp.resolve("exported.jsonl");
        Files.write(in, lines);
        Path out = tmp.resolve("exported-out");
        JobRun run = generate(in, out, "--model-name", "ling-labeler-v2", "--run-id", "e1");
        assertEquals(0, run.code(), run.err());
        assertNotNull(run.job().result().openAiFile(), "an OpenAI batch file gets its OpenAI output");
        List<String> got = Files.readAllLines(Path.of(run.job().result().openAiFile()));
        assertEquals(3, got.size());
        for (String line : got) {
            JsonNode o = JSON.readTree(line);
            assertTrue(o.get("custom_id").asText().startsWith("req-"));
            assertEquals("ling-labeler-v2", o.get("response").get("body").get("model").asText());
        }
        for (Row r : spark.read().parquet(out.toString()).select("model", "error").collectAsList()) {
            assertEquals("ling-labeler-v2", r.getString(0));
            assertNull(r.get(1));
        }
    }

    @Test
    void aMissingPromptColumnPointsAtInputFormat() throws IOException {
        Path in = tmp.resolve("question.jsonl");
        Files.write(in, List.of("{\"question\": \"why?\"}"));
        JobRun run = generate(in, tmp.resolve("question-out"));
        assertEquals(4, run.code(), run.err());
        assertTrue(run.err().contains("--input-format"), run.err());
        assertTrue(run.err().contains("--prompt-template"), run.err());
    }
}
