package io.lingspark.engine.cli;

import io.lingspark.engine.command.ExitCodes;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** The benchmark program runs and reports every figure it promises (no timing is asserted). */
class BenchCommandTest {
    @Test
    void printsJsonWithPrefillDecodeAndTheBandwidthBound() throws Exception {
        PrintStream old = System.out;
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        int rc;
        try {
            System.setOut(new PrintStream(buf, true, StandardCharsets.UTF_8));
            rc = new CommandLine(new BenchCommand()).execute("--preset", "tiny", "--prompt-len", "16",
                "--context", "8", "--batches", "1,3", "--decode-steps", "2", "--warmup-steps", "3", "--cpu-threads", "1");
        } finally {
            System.setOut(old);
        }
        assertEquals(0, rc);
        JsonNode j = new ObjectMapper().readTree(buf.toString(StandardCharsets.UTF_8));
        assertTrue(j.get("prefill_tokens_per_s").asDouble() > 0);
        assertEquals(3, j.get("prefill_runs").asInt(), "the median of 3 timed prefills, after an untimed one");
        assertEquals(2, j.get("decode").size());
        assertEquals(3, j.get("decode").get(1).get("batch").asInt());
        assertEquals(3, j.get("decode").get(1).get("warmup_steps").asInt());
        assertTrue(j.get("batch1_bound").get("tokens_per_s").asDouble() > 0);
        assertTrue(j.get("batch1_bound").get("read_tokens_per_s").asDouble() > 0);
        assertTrue(j.get("batch1_bound").get("read_bandwidth_gb_per_s").asDouble() > 0);
        assertTrue(j.get("machine_probe").get("fma_gflops_per_core_before").asDouble() > 0);
        assertTrue(j.get("machine_probe").get("fma_gflops_per_core_after").asDouble() > 0);
        assertTrue(j.get("params_total").asLong() > 0);
    }

    /** --cpu-weights int8 reaches the backend: the weights quantized (half the resident bytes) and the bound in int8 bytes. */
    @Test
    void int8WeightsAreReportedAndHalveTheBytes() throws Exception {
        JsonNode stored = run("--cpu-weights", "stored");
        JsonNode int8 = run("--cpu-weights", "INT8");
        assertTrue(int8.get("backend").asText().contains("int8"), int8.get("backend").asText());
        assertTrue(int8.get("weights").asText().startsWith("int8"), int8.get("weights").asText());
        assertEquals("bf16", stored.get("weights").asText());
        assertTrue(int8.get("resident_weight_bytes").asLong() < 0.7 * stored.get("resident_weight_bytes").asLong());
        assertTrue(int8.get("batch1_bound").get("weight_bytes_per_token").asLong()
            < 0.6 * stored.get("batch1_bound").get("weight_bytes_per_token").asLong());
        assertEquals(ExitCodes.USAGE, new CommandLine(new BenchCommand()).execute("--preset", "tiny", "--cpu-weights", "int4"));
    }

    private static JsonNode run(String... extra) throws Exception {
        PrintStream old = System.out;
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        int rc;
        try {
            System.setOut(new PrintStream(buf, true, StandardCharsets.UTF_8));
            String[] args = java.util.stream.Stream.concat(java.util.stream.Stream.of("--preset", "tiny", "--prompt-len", "16",
                "--context", "8", "--batches", "1", "--decode-steps", "2", "--warmup-steps", "1", "--prefill-runs", "1",
                "--cpu-threads", "1"), java.util.stream.Stream.of(extra)).toArray(String[]::new);
            rc = new CommandLine(new BenchCommand()).execute(args);
        } finally {
            System.setOut(old);
        }
        assertEquals(0, rc);
        return new ObjectMapper().readTree(buf.toString(StandardCharsets.UTF_8));
    }

    @Test
    void unknownPresetIsAUsageError() {
        assertEquals(ExitCodes.USAGE, new CommandLine(new BenchCommand()).execute("--preset", "nope"));
    }

    @Test
    void negativeWarmupIsAUsageError() {
        assertEquals(ExitCodes.USAGE, new CommandLine(new BenchCommand()).execute("--preset", "tiny", "--warmup-steps", "-1"));
    }
}
