package io.lingspark.jobs.generate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.lingspark.jobs.SparkTestSession;
import io.lingspark.jobs.demo.DemoModel;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * The generate job under real inputs: empty ones, and a fuzzed one where good rows and bad rows of
 * every kind are mixed. Each bad row must become its own typed error row and change nothing for
 * the others; the job must finish (exit 0) with exactly one row per id.
 */
class GenerateInputFaultsTest {
    private static final String HASH = "[0-9a-f]{32}";

    @TempDir
    static Path tmp;
    static SparkSession spark;
    static Path model;
    static GenerateJob job;

    @BeforeAll
    static void start() {
        spark = SparkTestSession.create("local[2]", tmp);
        model = tmp.resolve("model");
        DemoModel.write(model, 18);
    }

    @AfterAll
    static void stop() {
        EngineHolder.closeAll();
        spark.stop();
    }

    static int generate(Path in, Path out, Path status, String... more) {
        List<String> a = new ArrayList<>(List.of("--model", model.toString(), "--input", in.toString(), "--output",
            out.toString(), "--device", "cpu", "--temperature", "0", "--max-tokens", "1", "--status-file",
            status.toString(), "--status-interval-ms", "500"));
        a.addAll(List.of(more));
        job = new GenerateJob();
        return new CommandLine(job).execute(a.toArray(String[]::new));
    }

    @Test
    @Timeout(value = 180, unit = TimeUnit.SECONDS)
    void emptyInputsAreSuccessfulRunsOfNoRequests() throws IOException {
        spark.sql("select 'x' id, 'p' prompt where false").write().parquet(tmp.resolve("empty.parquet").toString());
        Map<String, Path> inputs = new LinkedHashMap<>();
        inputs.put("jsonl", Files.writeString(tmp.resolve("empty.jsonl"), ""));
        inputs.put("csv", Files.writeString(tmp.resolve("header-only.csv"), "id,prompt\n"));
        inputs.put("parquet", tmp.resolve("empty.parquet"));
        inputs.put("openai-batch", Files.writeString(tmp.resolve("empty-batch.jsonl"), "\n"));
        for (Map.Entry<String, Path> e : inputs.entrySet()) {
            Path status = tmp.resolve("empty-status-" + e.getKey() + ".json");
            String[] more = e.getKey().equals("openai-batch") ? new String[] {"--input-format", "openai-batch"} : new String[0];
            assertEquals(0, generate(e.getValue(), tmp.resolve("empty-out-" + e.getKey()), status, more), e.getKey());
            assertEquals(0, job.result().summary().requests(), e.getKey());
            assertEquals(0, job.result().rowsTotal(), e.getKey());
            JsonNode st = FuzzedInput.JSON.readTree(status.toFile());
            assertEquals("succeeded", st.get("state").asText(), e.getKey());
            assertEquals(0, st.get("rows_total").asLong(), e.getKey());
            assertEquals(0, st.get("rows_done").asLong(), e.getKey());
            if (e.getKey().equals("openai-batch")) {
                assertEquals(0, Files.size(Path.of(job.result().openAiFile())), "an empty OpenAI batch output file");
            }
        }
    }

    @Test
    @Timeout(value = 180, unit = TimeUnit.SECONDS)
    void fuzzedInputGivesOneTypedRowPerIdAndLosesNothing() throws IOException {
        List<FuzzedInput.Line> lines = FuzzedInput.lines(18, 400);
        Path in = tmp.resolve("fuzzed.jsonl");
        Files.write(in, lines.stream().map(FuzzedInput.Line::text).toList());
        Path out = tmp.resolve("fuzzed-out");
        Path status = tmp.resolve("fuzzed-status.json");
        assertEquals(0, generate(in, out, status, "--partitions", "2", "--keep-columns", "row"));

        // What each line must give, by its id, or by its row number where it has a hash id.
        Map<String, String> byId = new HashMap<>();
        Map<Long, String> byRow = new HashMap<>();
        int anonymousBadJson = 0;
        for (FuzzedInput.Line l : lines) {
            if (l.id() != null) {
                byId.put(l.id(), l.code() == null ? "ok" : l.code());
            } else if ("BAD_JSON".equals(l.code())) {
                anonymousBadJson++;
            } else {
                byRow.put((long) l.row(), l.code() == null ? "ok" : l.code());
            }
        }
        List<Row> rows = spark.read().parquet(out.toString()).select("id", "row", "error.code", "choice").collectAsList();
        Map<String, Row> outById = new HashMap<>();
        int hashedBadJson = 0;
        for (Row r : rows) {
            assertNull(outById.put(r.getString(0), r), "one row per id: " + r.getString(0));
            assertEquals(0, r.getInt(3));
            if (r.isNullAt(1) && r.getString(0).matches(HASH)) {
                assertEquals("BAD_JSON", r.getString(2), "only a malformed line without an id has no row number");
                hashedBadJson++;
            }
        }
        byId.forEach((id, code) -> {
            Row r = outById.get(id);
            assertNotNull(r, "id " + id + " has its row");
            assertEquals(code, r.isNullAt(2) ? "ok" : r.getString(2), "id " + id);
        });
        Map<Long, Row> outByRow = new HashMap<>();
        for (Row r : rows) {
            if (!r.isNullAt(1) && r.getString(0).matches(HASH)) {
                outByRow.put(r.getLong(1), r);
            }
        }
        byRow.forEach((row, code) -> {
            Row r = outByRow.get(row);
            assertNotNull(r, "row " + row + " (no id or a blank one) has its own row under a hash id");
            assertEquals(code, r.isNullAt(2) ? "ok" : r.getString(2), "row " + row);
        });
        assertEquals(anonymousBadJson, hashedBadJson);
        assertEquals(byId.size() + byRow.size() + anonymousBadJson, rows.size(), "no row lost, none made up");

        Map<String, Long> expected = new TreeMap<>();
        byId.values().forEach(c -> expected.merge(c, 1L, Long::sum));
        byRow.values().forEach(c -> expected.merge(c, 1L, Long::sum));
        expected.merge("BAD_JSON", (long) anonymousBadJson, Long::sum);
        long ok = expected.remove("ok");
        assertTrue(ok > 300 && expected.values().stream().mapToLong(Long::longValue).sum() >= 50,
            "a real mix: " + ok + " good, " + expected);
        assertEquals(expected, job.result().summary().errorsByCode());
        JsonNode st = FuzzedInput.JSON.readTree(status.toFile());
        assertEquals("succeeded", st.get("state").asText());
        assertEquals(rows.size(), st.get("rows_total").asLong());
        Map<String, Long> inStatus = new TreeMap<>();
        st.get("errors_by_code").fields().forEachRemaining(e -> inStatus.put(e.getKey(), e.getValue().asLong()));
        assertEquals(expected, inStatus);
    }
}
