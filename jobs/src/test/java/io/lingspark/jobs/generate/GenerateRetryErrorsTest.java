package io.lingspark.jobs.generate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lingspark.jobs.SparkTestSession;
import io.lingspark.jobs.demo.DemoModel;
import io.lingspark.jobs.progress.Summary;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A run that failed --max-error-rate does not turn green on a plain --resume (which skips the failed
 * ids: the output's rate is still over); --resume --retry-errors generates the ids whose latest row
 * failed again, and the summary says how many ids it skipped and retried. "Latest" is commit order:
 * the run ids here sort the other way round. The first run's rows fail for a reason the retry does
 * not have: a --max-model-len too small for half of the prompts (PROMPT_TOO_LONG).
 */
@Timeout(300)
class GenerateRetryErrorsTest {
    @TempDir
    static Path tmp;
    static SparkSession spark;
    static Path model;

    @BeforeAll
    static void start() {
        spark = SparkTestSession.create("local[2]", tmp);
        model = tmp.resolve("model");
        DemoModel.write(model, 13);
    }

    @AfterAll
    static void stop() {
        EngineHolder.closeAll();
        spark.stop();
    }

    /** The query the README gives readers: every id's rows from the last run that committed it. */
    static List<Row> latestRows(Path out) {
        return spark.sql("SELECT id, run_id, error FROM ("
            + " SELECT o.*, r.seq, max(r.seq) OVER (PARTITION BY o.id) AS latest_seq"
            + " FROM parquet.`" + out + "` o JOIN json.`" + out + "/_lingspark/runs` r USING (run_id))"
            + " WHERE seq = latest_seq ORDER BY id").collectAsList();
    }

    @Test
    void aPlainResumeOfAFailedRunStaysFailedAndRetryErrorsGeneratesTheFailedIdsAgain() throws Exception {
        List<String> lines = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            lines.add("{\"id\": \"s" + i + "\", \"prompt\": \"short " + i + "\"}");
            lines.add("{\"id\": \"l" + i + "\", \"prompt\": \"" + "many words ".repeat(30) + i + "\"}");
        }
        Path in = Files.write(tmp.resolve("in.jsonl"), lines);
        Path out = tmp.resolve("out");
        List<String> base = List.of("--model", model.toString(), "--input", in.toString(), "--output", out.toString(),
            "--device", "cpu", "--temperature", "0", "--max-tokens", "3", "--max-error-rate", "0.1");

        JobRun first = JobRun.of(with(base, "--max-model-len", "32", "--run-id", "zzz-first"));
        assertEquals(6, first.code(), first.err());
        assertEquals(6, spark.read().parquet(out.toString()).where("error.code = 'PROMPT_TOO_LONG'").count());
        assertFalse(Files.exists(out.resolve("_lingspark/lock")), "the claim is released after exit 6 too");

        // Airflow's retry without --retry-errors: nothing left to generate, and still over the rate.
        JobRun plain = JobRun.of(with(base, "--resume", "--run-id", "mmm-plain"));
        assertEquals(6, plain.code(), plain.err());
        assertEquals(0, plain.job().result().rowsTotal());
        assertTrue(plain.ownLines().get(0).contains("6 of the output's 12 ids failed, by the latest row of each id")
            && plain.ownLines().get(0).contains("--retry-errors"), plain.ownLines().get(0));

        JobRun retry = JobRun.of(with(base, "--resume", "--retry-errors", "--run-id", "aaa-retry"));
        assertEquals(0, retry.code(), retry.err());
        assertEquals(6, retry.job().result().rowsTotal(), "the 6 failed ids, generated again");
        Summary s = retry.job().result().summary();
        assertEquals(new Summary.Resume(6, 6, 12, 0), s.resume(), "6 skipped (done), 6 retried; none failed now");
        assertTrue(s.table().contains("6 id(s) skipped (done), 6 retried (failed before)"), s.table());

        assertEquals(18, spark.read().parquet(out.toString()).count(), "every run's rows stay: 12 + 6");
        List<Row> latest = latestRows(out);
        assertEquals(12, latest.size());
        for (Row r : latest) {
            assertNull(r.get(2), "the latest row of " + r.getString(0) + " is fine");
            assertEquals(r.getString(0).startsWith("l") ? "aaa-retry" : "zzz-first", r.getString(1), r.toString());
        }

        JobRun again = JobRun.of(with(base, "--resume", "--retry-errors", "--run-id", "bbb-again"));
        assertEquals(0, again.code(), again.err());
        assertEquals(0, again.job().result().rowsTotal(), "nothing failed is left");
        assertEquals(new Summary.Resume(12, 0, 12, 0), again.job().result().summary().resume());
    }

    static List<String> with(List<String> base, String... more) {
        List<String> a = new ArrayList<>(base);
        a.addAll(List.of(more));
        return a;
    }
}
