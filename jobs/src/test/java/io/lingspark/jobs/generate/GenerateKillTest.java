package io.lingspark.jobs.generate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lingspark.engine.runtime.Engine;
import io.lingspark.jobs.SparkTestSession;
import io.lingspark.jobs.demo.DemoModel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * A Spark task killed mid-partition (the job cancelled while its requests decode) aborts what it had
 * submitted: the executor's shared engine is left with no running or waiting request and every cache
 * block back, instead of generating the dead task's requests to max_tokens.
 */
class GenerateKillTest {
    @TempDir
    static Path tmp;
    static SparkSession spark;
    static Path model;

    @BeforeAll
    static void start() {
        spark = SparkTestSession.create("local[2]", tmp);
        model = tmp.resolve("model");
        DemoModel.write(model, 9);
    }

    @AfterAll
    static void stop() {
        EngineHolder.closeAll();
        spark.stop();
    }

    static Engine awaitEngine() throws InterruptedException {
        for (int i = 0; i < 1200; i++) {
            Engine e = EngineHolder.loaded(model, "cpu");
            if (e != null && e.stats().running() >= 6) { // the tasks' requests, not the one-request warm-up
                return e;
            }
            Thread.sleep(50);
        }
        return null;
    }

    @Test
    void aKilledTaskLeavesNoRequestsOfItsOwnInTheEngine() throws Exception {
        List<String> lines = new ArrayList<>();
        for (int i = 0; i < 24; i++) {
            lines.add("{\"id\": \"k" + i + "\", \"prompt\": \"a long answer " + i + "\", \"params\": {\"ignore_eos\": true}}");
        }
        Path in = tmp.resolve("kill.jsonl");
        Files.write(in, lines);
        int[] code = {-1};
        Thread job = new Thread(() -> code[0] = new CommandLine(new GenerateJob()).execute("--model", model.toString(),
            "--input", in.toString(), "--output", tmp.resolve("kill-out").toString(), "--device", "cpu",
            "--temperature", "0", "--max-tokens", "1800", "--partitions", "2", "--max-in-flight", "6", "--run-id", "kill"));
        job.start();
        Engine engine = awaitEngine();
        assertNotNull(engine, "the tasks' requests are decoding");
        long abortedBefore = engine.stats().abortedRequests();
        spark.sparkContext().cancelAllJobs();
        job.join(120_000);
        assertNotEquals(0, code[0], "the cancelled job fails");
        for (int i = 0; i < 400 && (engine.stats().running() > 0 || engine.stats().waiting() > 0); i++) {
            Thread.sleep(50);
        }
        assertEquals(0, engine.stats().running(), "no request of the killed tasks is still running");
        assertEquals(0, engine.stats().waiting());
        assertEquals(0, engine.stats().cacheBlocksUsed(), "every cache block is back");
        assertTrue(engine.stats().abortedRequests() > abortedBefore, "the killed tasks aborted their requests");
    }
}
