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
import io.lingspark.engine.runtime.TokenLogprob;
import io.lingspark.jobs.LocalSparkJobs;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.Test;

/** Rows that ask for logprobs get them: a logprobs column, and OpenAI's shape in the batch output. */
class GenerateLogprobsTest extends LocalSparkJobs {
    static final ObjectMapper JSON = new ObjectMapper();
    static final int MAX_TOKENS = 4;

    static JobRun generate(Path input, Path output, String... more) {
        List<String> a = new ArrayList<>(List.of("--model", model.toString(), "--input", input.toString(),
            "--output", output.toString(), "--device", "cpu", "--temperature", "0", "--max-tokens",
            Integer.toString(MAX_TOKENS), "--status-interval-ms", "200"));
        a.addAll(List.of(more));
        return JobRun.of(a);
    }

    static List<TokenLogprob> direct(Engine engine, String prompt, int top) throws Exception {
        SamplingParams p = SamplingParams.builder().temperature(0).maxTokens(MAX_TOKENS).logprobs(top).build();
        GenerationResult r = engine.submit(GenerationRequest.ofPrompt("x", prompt, p)).get();
        assertTrue(r.ok(), r.errorMessage());
        assertNotNull(r.choices().get(0).logprobs());
        return r.choices().get(0).logprobs();
    }

    static void assertSame(List<TokenLogprob> want, List<Row> got, int top) {
        assertEquals(want.size(), got.size());
        for (int i = 0; i < want.size(); i++) {
            Row g = got.get(i);
            assertEquals(want.get(i).token(), g.getString(0));
            assertEquals(want.get(i).logprob(), g.getDouble(1), 1e-9);
            List<Row> alts = g.getList(2);
            assertEquals(top, alts.size());
            for (int j = 0; j < top; j++) {
                assertEquals(want.get(i).top().get(j).token(), alts.get(j).getString(0));
                assertEquals(want.get(i).top().get(j).logprob(), alts.get(j).getDouble(1), 1e-9);
            }
        }
    }

    static Map<String, List<Row>> logprobs(Path out) {
        Map<String, List<Row>> m = new HashMap<>();
        for (Row r : spark.read().option("mergeSchema", "true").parquet(out.toString())
            .select("id", "logprobs", "error").collectAsList()) {
            assertNull(r.get(2), "row " + r.getString(0));
            m.put(r.getString(0), r.isNullAt(1) ? null : r.getList(1));
        }
        return m;
    }

    @Test
    void rowsAskingForLogprobsGetTheEnginesInTheLogprobsColumn() throws Exception {
        Path in = tmp.resolve("lp.jsonl");
        Files.write(in, List.of("{\"id\": \"a\", \"prompt\": \"The sky is\", \"params\": {\"logprobs\": true, \"top_logprobs\": 2}}",
            "{\"id\": \"b\", \"prompt\": \"Numbers:\", \"params\": {\"logprobs\": 3}}",
            "{\"id\": \"c\", \"prompt\": \"No logprobs here\"}"));
        Path out = tmp.resolve("lp-out");
        JobRun run = generate(in, out);
        assertEquals(0, run.code(), run.err());
        Map<String, List<Row>> got = logprobs(out);
        try (Engine engine = LingEngine.open(EngineOptions.of(model))) {
            assertSame(direct(engine, "The sky is", 2), got.get("a"), 2);
            assertSame(direct(engine, "Numbers:", 3), got.get("b"), 3);
        }
        assertNull(got.get("c"), "a row that did not ask has no logprobs");
    }

    @Test
    void theOpenAiBatchOutputHasOpenAisLogprobsShape() throws IOException {
        Path in = tmp.resolve("lp-batch.jsonl");
        Files.write(in, List.of(
            "{\"custom_id\": \"q1\", \"body\": {\"messages\": [{\"role\": \"user\", \"content\": \"hi\"}], "
                + "\"logprobs\": true, \"top_logprobs\": 2}}",
            "{\"custom_id\": \"q2\", \"body\": {\"messages\": [{\"role\": \"user\", \"content\": \"hello\"}]}}"));
        Path out = tmp.resolve("lp-batch-out");
        JobRun run = generate(in, out, "--input-format", "openai-batch");
        assertEquals(0, run.code(), run.err());
        Map<String, List<Row>> column = logprobs(out);
        Map<String, JsonNode> lines = new HashMap<>();
        for (String l : Files.readAllLines(Path.of(run.job().result().openAiFile()))) {
            JsonNode o = JSON.readTree(l);
            lines.put(o.get("custom_id").asText(), o.get("response").get("body").get("choices").get(0));
        }
        assertTrue(lines.get("q2").get("logprobs").isNull());
        JsonNode content = lines.get("q1").get("logprobs").get("content");
        List<Row> want = column.get("q1");
        assertEquals(want.size(), content.size());
        for (int i = 0; i < want.size(); i++) {
            JsonNode t = content.get(i);
            assertEquals(want.get(i).getString(0), t.get("token").asText());
            assertEquals(want.get(i).getDouble(1), t.get("logprob").asDouble(), 1e-12);
            byte[] bytes = want.get(i).getString(0).getBytes(StandardCharsets.UTF_8);
            assertEquals(bytes.length, t.get("bytes").size());
            for (int b = 0; b < bytes.length; b++) {
                assertEquals(bytes[b] & 0xFF, t.get("bytes").get(b).asInt());
            }
            assertEquals(2, t.get("top_logprobs").size());
            JsonNode alt = t.get("top_logprobs").get(0);
            assertTrue(alt.has("token") && alt.has("logprob") && alt.has("bytes"), alt.toString());
        }
    }

    @Test
    void aResumeOverAnOutputWrittenWithoutTheColumnReadsAndAddsIt() throws Exception {
        Path first = tmp.resolve("old.jsonl");
        Files.write(first, List.of("{\"id\": \"o1\", \"prompt\": \"old one\"}", "{\"id\": \"o2\", \"prompt\": \"old two\"}"));
        Path out = tmp.resolve("old-out");
        assertEquals(0, generate(first, out, "--run-id", "a-old").code());
        // Make that run what a version without the column wrote: the same files, without logprobs.
        Path runDir = out.resolve("run_id=a-old");
        List<Path> parts;
        try (Stream<Path> s = Files.list(runDir)) {
            parts = s.filter(p -> p.getFileName().toString().startsWith("part-")).toList();
        }
        for (Path p : parts) {
            Path staged = tmp.resolve("restage-" + p.getFileName());
            spark.read().parquet(p.toString()).drop("logprobs").coalesce(1).write().parquet(staged.toString());
            try (Stream<Path> s = Files.list(staged)) {
                Path written = s.filter(f -> f.getFileName().toString().startsWith("part-")).findFirst().orElseThrow();
                Files.move(written, p, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            }
            Files.deleteIfExists(p.resolveSibling("." + p.getFileName() + ".crc"));
        }
        assertTrue(spark.read().parquet(runDir.toString()).schema().getFieldIndex("logprobs").isEmpty());

        Path second = tmp.resolve("new.jsonl");
        Files.write(second, List.of("{\"id\": \"o1\", \"prompt\": \"old one\"}", "{\"id\": \"o2\", \"prompt\": \"old two\"}",
            "{\"id\": \"n1\", \"prompt\": \"new one\", \"params\": {\"logprobs\": true, \"top_logprobs\": 1}}"));
        JobRun run = generate(second, out, "--resume", "--run-id", "b-new");
        assertEquals(0, run.code(), run.err());
        assertEquals(1, spark.read().parquet(out.resolve("run_id=b-new").toString()).count(),
            "only the missing id is generated");
        Map<String, List<Row>> got = logprobs(out);
        assertEquals(3, got.size());
        assertNull(got.get("o1"));
        assertNull(got.get("o2"));
        assertNotNull(got.get("n1"), "the new run's logprobs are read back next to the old run");
        assertEquals(1, got.get("n1").get(0).getList(2).size());
    }
}
