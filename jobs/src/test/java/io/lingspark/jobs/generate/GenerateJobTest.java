package io.lingspark.jobs.generate;

import static org.apache.spark.sql.functions.col;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.lingspark.engine.runtime.Engine;
import io.lingspark.engine.runtime.EngineOptions;
import io.lingspark.engine.runtime.GenerationRequest;
import io.lingspark.engine.runtime.GenerationResult;
import io.lingspark.engine.runtime.LingEngine;
import io.lingspark.engine.runtime.SamplingParams;
import io.lingspark.jobs.LocalSparkJobs;
import io.lingspark.jobs.progress.Summary;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** The generate job end to end on local[2] with the real engine on a small random-weight model. */
class GenerateJobTest extends LocalSparkJobs {
    static final ObjectMapper JSON = new ObjectMapper();
    static final int MAX_TOKENS = 6;
    /** The row kinds of the mixed input, by row % 15, and the error each must give (null: valid). */
    static final String[] KINDS = {"EMPTY_PROMPT", "EMPTY_PROMPT", "BAD_MESSAGES", "UNKNOWN_ROLE", "INVALID_PARAMS",
        "PROMPT_TOO_LONG", "TEMPLATE_ERROR", null, null, null, null, null, null, null, null};

    static GenerateJob job;

    static int generate(String... args) {
        job = new GenerateJob();
        return new CommandLine(job).execute(args);
    }

    static List<String> args(Path input, Path output, String... more) {
        List<String> a = new ArrayList<>(List.of("--model", model.toString(), "--input", input.toString(),
            "--output", output.toString(), "--device", "cpu", "--temperature", "0", "--max-tokens",
            Integer.toString(MAX_TOKENS), "--status-interval-ms", "200"));
        a.addAll(List.of(more));
        return a;
    }

    static ObjectNode message(String role, Object content) {
        ObjectNode m = JSON.createObjectNode();
        m.put("role", role);
        m.set("content", JSON.valueToTree(content));
        return m;
    }

    /** Row i of the mixed input: a valid prompt/chat row or one of every invalid kind. */
    static ObjectNode mixedRow(int i) {
        ObjectNode o = JSON.createObjectNode();
        o.put("row", i);
        if (i % 3 != 0) {
            o.put("id", "r" + i); // the others get content-hash ids
        }
        switch (i % 15) {
            case 0 -> o.putNull("prompt");
            case 1 -> o.put("prompt", "");
            case 2 -> o.put("messages", "[{\"role\": \"user\", \"content\": \"unterminated");
            case 3 -> o.putArray("messages").add(message("wizard", "cast a spell " + i));
            case 4 -> {
                o.put("prompt", "question " + i);
                o.putObject("params").put("temperature", -1);
            }
            case 5 -> o.put("prompt", "many words ".repeat(1500) + i);
            case 6 -> o.putArray("messages").addObject().put("role", "user"); // no content: the template raises
            case 7 -> {
                o.put("prompt", "two choices for " + i);
                o.putObject("params").put("n", 2);
            }
            case 8, 9, 10 -> {
                ArrayNode ms = o.putArray("messages");
                ms.add(message("system", "You are terse."));
                ms.add(message("user", "What is " + i + " plus one?"));
                if (i % 15 == 9) {
                    o.putArray("tools").addObject().put("type", "function").putObject("function")
                        .put("name", "add").putObject("parameters").put("type", "object");
                }
            }
            default -> o.put("prompt", "The number " + i + " is");
        }
        return o;
    }

    static Path writeJsonl(String name, List<? extends JsonNode> rows) throws IOException {
        Path p = tmp.resolve(name);
        List<String> lines = new ArrayList<>();
        for (JsonNode r : rows) {
            lines.add(JSON.writeValueAsString(r));
        }
        Files.write(p, lines);
        return p;
    }

    /** What the engine gives for the same request submitted directly (a separate engine instance). */
    static GenerationRequest direct(ObjectNode row) {
        int n = row.path("params").path("n").asInt(1);
        SamplingParams p = SamplingParams.builder().temperature(0).maxTokens(MAX_TOKENS).n(n).build();
        String id = row.path("id").asText("x");
        if (row.has("messages")) {
            List<Map<String, Object>> ms = JSON.convertValue(row.get("messages"), List.class);
            List<Map<String, Object>> tools = row.has("tools") ? JSON.convertValue(row.get("tools"), List.class) : null;
            return GenerationRequest.ofMessages(id, ms, tools, p);
        }
        return GenerationRequest.ofPrompt(id, row.get("prompt").asText(), p);
    }

    @Test
    void mixedInputGivesOneRowPerIdAndChoiceWithTypedErrorsAndTheEnginesGreedyText() throws Exception {
        List<ObjectNode> rows = new ArrayList<>();
        for (int i = 0; i < 300; i++) {
            rows.add(mixedRow(i));
        }
        Path in = writeJsonl("mixed.jsonl", rows);
        Path out = tmp.resolve("mixed-out");
        Path status = tmp.resolve("status/mixed.json");
        List<String> a = args(in, out, "--partitions", "2", "--keep-columns", "row", "--max-error-rate", "0.3",
            "--status-file", status.toString(), "--run-id", "mixed");
        // 140 of 300 rows are invalid: everything is written, then the job exits 6.
        assertEquals(6, generate(a.toArray(String[]::new)));

        Dataset<Row> written = spark.read().parquet(out.toString());
        List<Row> all = written.select("row", "id", "choice", "text", "error", "finish_reason", "completion_tokens",
            "prompt_tokens", "run_id", "model").collectAsList();
        Map<Long, List<Row>> byRow = new HashMap<>();
        Set<String> idChoice = new HashSet<>();
        for (Row r : all) {
            byRow.computeIfAbsent(r.getLong(0), k -> new ArrayList<>()).add(r);
            assertTrue(idChoice.add(r.getString(1) + "#" + r.getInt(2)), "duplicate id/choice " + r);
            assertEquals("mixed", r.getString(8));
        }
        assertEquals(300, byRow.size(), "every input row has output");
        try (Engine engine = LingEngine.open(EngineOptions.of(model))) {
            Map<Integer, CompletableFuture<GenerationResult>> expected = new HashMap<>();
            for (int i = 0; i < 300; i++) {
                if (KINDS[i % 15] == null) {
                    expected.put(i, engine.submit(direct(rows.get(i))));
                }
            }
            for (int i = 0; i < 300; i++) {
                List<Row> got = byRow.get((long) i);
                String kind = KINDS[i % 15];
                if (kind != null) {
                    assertEquals(1, got.size(), "row " + i);
                    Row e = got.get(0).getStruct(4);
                    assertNotNull(e, "row " + i + " should be " + kind);
                    assertEquals(kind, e.getString(0), "row " + i + ": " + e.getString(1));
                    assertNotNull(e.getString(1));
                    continue;
                }
                GenerationResult r = expected.get(i).get();
                assertTrue(r.ok(), r.errorMessage());
                assertEquals(r.choices().size(), got.size(), "one row per choice, row " + i);
                for (Row g : got) {
                    assertNull(g.get(4), "row " + i);
                    assertEquals(r.choices().get(g.getInt(2)).text(), g.getString(3), "greedy text of row " + i);
                    assertTrue(g.getInt(6) <= MAX_TOKENS);
                    assertEquals(r.promptTokens(), g.getInt(7));
                    assertNotNull(g.getString(5));
                }
            }
        }
        JsonNode st = JSON.readTree(status.toFile());
        assertEquals("failed", st.get("state").asText());
        assertEquals(300, st.get("rows_total").asLong());
        assertEquals(300, st.get("rows_done").asLong());
        assertEquals(140, st.get("rows_error").asLong());
        assertEquals(40, st.get("errors_by_code").get("EMPTY_PROMPT").asLong());
        assertTrue(st.get("tokens_out").asLong() > 0);
        assertEquals(140, job.result().summary().errors());
    }

    @Test
    void resumeGeneratesOnlyTheMissingIdsAsANewRun() throws IOException {
        List<ObjectNode> rows = new ArrayList<>();
        for (int i = 0; i < 100; i++) {
            rows.add(JSON.createObjectNode().put("prompt", "resume prompt " + i));
        }
        rows.add(rows.get(99).deepCopy()); // an identical row: same hash id, generated once
        Path in = writeJsonl("resume.jsonl", rows);
        Path out = tmp.resolve("resume-out");
        assertEquals(0, generate(args(in, out, "--limit", "40", "--output-format", "jsonl", "--run-id", "first")
            .toArray(String[]::new)));
        assertEquals(40, job.result().rowsTotal());
        assertEquals(5, generate(args(in, out, "--output-format", "jsonl").toArray(String[]::new)),
            "an output with runs needs --resume or --overwrite");
        // The status file is updated while the run goes: a poller sees "running" before "succeeded".
        Path status = tmp.resolve("resume-status.json");
        Set<String> seen = java.util.concurrent.ConcurrentHashMap.newKeySet();
        Thread poller = new Thread(() -> {
            while (!Thread.currentThread().isInterrupted()) {
                try {
                    JsonNode st = JSON.readTree(status.toFile());
                    seen.add(st.get("state").asText() + ":" + st.get("rows_total").asLong());
                    Thread.sleep(50);
                } catch (IOException e) {
                    // not written yet
                } catch (InterruptedException e) {
                    return;
                }
            }
        });
        poller.start();
        try {
            assertEquals(0, generate(args(in, out, "--resume", "--output-format", "jsonl", "--run-id", "second",
                "--partitions", "3", "--status-file", status.toString()).toArray(String[]::new)));
        } finally {
            poller.interrupt();
        }
        assertEquals(60, job.result().rowsTotal());
        // While running, the total is the rows read (61) less the duplicates folded so far.
        assertTrue(seen.contains("running:60") || seen.contains("running:61"), "states seen: " + seen);
        JsonNode last = JSON.readTree(status.toFile());
        assertEquals("succeeded", last.get("state").asText());
        assertEquals(60, last.get("rows_total").asLong());

        Dataset<Row> all = spark.read().json(out.toString());
        assertEquals(100, all.count());
        assertEquals(100, all.select("id").distinct().count());
        assertEquals(40, all.where(col("run_id").equalTo("first")).count());
        assertEquals(60, all.where(col("run_id").equalTo("second")).count());
        assertEquals(0, generate(args(in, out, "--resume", "--output-format", "jsonl").toArray(String[]::new)));
        assertEquals(0, job.result().rowsTotal(), "nothing left to do");
    }

    @Test
    void aRepeatedIdIsGeneratedOnceFromTheSameRowEveryTime() throws Exception {
        List<ObjectNode> rows = new ArrayList<>();
        for (int i = 0; i < 30; i++) {
            // "dup" three times (rows 4, 14, 24) with different prompts, spread over the file
            String id = i % 10 == 4 ? "dup" : "u" + i;
            rows.add(JSON.createObjectNode().put("id", id).put("row", i)
                .put("prompt", "The word " + (char) ('z' - i % 26) + " is"));
        }
        Path in = writeJsonl("dups.jsonl", rows);
        for (String parts : List.of("3", "1")) {
            Path out = tmp.resolve("dups-out-" + parts);
            assertEquals(0, generate(args(in, out, "--partitions", parts, "--keep-columns", "row",
                "--status-file", tmp.resolve("dups-" + parts + ".json").toString()).toArray(String[]::new)));
            assertEquals(28, job.result().rowsTotal(), "30 rows, 28 distinct ids");
            assertEquals(28, JSON.readTree(tmp.resolve("dups-" + parts + ".json").toFile()).get("rows_total").asLong());
            Dataset<Row> got = spark.read().parquet(out.toString());
            assertEquals(28, got.count());
            assertEquals(28, got.select("id").distinct().count());
            List<Row> dup = got.where(col("id").equalTo("dup")).select("row").collectAsList();
            assertEquals(1, dup.size());
            // The first by content wins, whatever the partitioning: "The word b is" (row 24) sorts
            // before "... l is" (row 14) and "... v is" (row 4).
            assertEquals(24L, dup.get(0).getLong(0));
        }
    }

    @Test
    void openAiBatchRoundTrips() throws IOException {
        List<ObjectNode> lines = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            ObjectNode l = JSON.createObjectNode().put("custom_id", "req-" + i).put("method", "POST")
                .put("url", "/v1/chat/completions");
            ObjectNode body = l.putObject("body").put("model", "ling").put("max_tokens", 4 + i);
            body.putArray("messages").add(message(i == 3 ? "narrator" : "user", "batch question " + i));
            lines.add(l);
        }
        Path in = writeJsonl("batch-in.jsonl", lines);
        Path out = tmp.resolve("batch-out");
        assertEquals(0, generate(args(in, out, "--input-format", "openai-batch", "--run-id", "b1").toArray(String[]::new)));
        Path file = Path.of(job.result().openAiFile());
        assertEquals(out.resolve("_openai_batch/b1.jsonl"), file);
        Map<String, Row> texts = new HashMap<>();
        for (Row r : spark.read().parquet(out.toString()).select("id", "text", "completion_tokens", "prompt_tokens")
            .collectAsList()) {
            texts.put(r.getString(0), r);
        }
        List<String> got = Files.readAllLines(file);
        assertEquals(4, got.size());
        Set<String> ids = new HashSet<>();
        for (String line : got) {
            JsonNode o = JSON.readTree(line);
            String id = o.get("custom_id").asText();
            ids.add(id);
            if (id.equals("req-3")) {
                assertTrue(o.get("response").isNull());
                assertEquals("UNKNOWN_ROLE", o.get("error").get("code").asText());
                continue;
            }
            assertTrue(o.get("error").isNull());
            JsonNode body = o.get("response").get("body");
            assertEquals(200, o.get("response").get("status_code").asInt());
            assertEquals("chat.completion", body.get("object").asText());
            JsonNode msg = body.get("choices").get(0).get("message");
            assertEquals("assistant", msg.get("role").asText());
            assertEquals(texts.get(id).getString(1), msg.get("content").asText());
            JsonNode usage = body.get("usage");
            int completion = texts.get(id).getInt(2);
            assertTrue(completion <= 4 + Integer.parseInt(id.substring(4)), "max_tokens from the body is used");
            assertEquals(completion, usage.get("completion_tokens").asInt());
            assertEquals(usage.get("prompt_tokens").asInt() + completion, usage.get("total_tokens").asInt());
        }
        assertEquals(Set.of("req-0", "req-1", "req-2", "req-3"), ids);
    }

    @Test
    void shippedExamplesRunAsTheyAre() throws IOException {
        Path examples = Path.of("..", "examples"); // surefire runs in jobs/
        Path chatOut = tmp.resolve("examples-chat");
        assertEquals(0, generate(args(examples.resolve("chat.jsonl"), chatOut).toArray(String[]::new)));
        long lines = Files.readAllLines(examples.resolve("chat.jsonl")).stream().filter(l -> !l.isBlank()).count();
        assertEquals(lines, job.result().summary().requests());
        assertEquals(0, job.result().summary().errors(), "chat rows with tools render through the template");
        assertEquals(0, generate(args(examples.resolve("openai-batch.jsonl"), tmp.resolve("examples-batch"),
            "--input-format", "openai-batch").toArray(String[]::new)));
        assertEquals(Files.readAllLines(examples.resolve("openai-batch.jsonl")).size(),
            Files.readAllLines(Path.of(job.result().openAiFile())).size());
    }

    /** A labeling input: one long instruction as the system prompt of every row, a short text per row. */
    static List<ObjectNode> labelingRows(int n) {
        String instruction = ("You label customer reviews as positive, negative or neutral. Read the review, weigh "
            + "what the customer praises against what they complain about, and answer with one word. ").repeat(4);
        List<ObjectNode> rows = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            ObjectNode o = JSON.createObjectNode().put("id", "L" + i);
            ArrayNode ms = o.putArray("messages");
            ms.add(message("system", instruction));
            ms.add(message("user", "Review " + i + ": the parcel came " + (i % 7) + " days late."));
            rows.add(o);
        }
        return rows;
    }

    @Test
    void labelingRowsComputeTheirSharedInstructionOnceAndGiveTheSameText() throws Exception {
        Path in = writeJsonl("labeling.jsonl", labelingRows(40));
        Path status = tmp.resolve("labeling-status.json");
        Path out = tmp.resolve("labeling-out");
        assertEquals(0, generate(args(in, out, "--partitions", "2", "--status-file", status.toString())
            .toArray(String[]::new)));
        Summary cached = job.result().summary();
        assertEquals(0, cached.errors());
        assertTrue(cached.prefixCacheHitRate() > 0.8, "40 rows, 2 tasks, one shared instruction: hit rate "
            + cached.prefixCacheHitRate());
        assertEquals(cached.prefixCacheHitRate(), JSON.readTree(status.toFile()).get("prefix_cache_hit_rate").asDouble(),
            1e-4);
        Path plainOut = tmp.resolve("labeling-plain");
        assertEquals(0, generate(args(in, plainOut, "--partitions", "2", "--no-prefix-cache").toArray(String[]::new)));
        assertEquals(0.0, job.result().summary().prefixCacheHitRate());
        assertEquals(cached.tokensIn(), job.result().summary().tokensIn());
        Map<String, String> a = texts(out);
        assertEquals(40, a.size());
        assertEquals(a, texts(plainOut), "the cache changes no output");
    }

    static Map<String, String> texts(Path out) {
        Map<String, String> m = new java.util.TreeMap<>();
        for (Row r : spark.read().parquet(out.toString()).select("id", "text").collectAsList()) {
            m.put(r.getString(0), r.getString(1));
        }
        return m;
    }
}
