package io.lingspark.engine.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.lingspark.engine.command.ExitCodes;
import io.lingspark.engine.model.Fixtures;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** `plan` says how a model splits over devices, and refuses a split that cannot fit with what would. */
class PlanCommandTest {
    record Run(int rc, String out, String err) {
    }

    static Run plan(String... args) {
        PlanCommand cmd = new PlanCommand();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        cmd.out = new PrintStream(out, true, StandardCharsets.UTF_8);
        PrintStream old = System.err;
        int rc;
        try {
            System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
            rc = new CommandLine(cmd).execute(args);
        } finally {
            System.setErr(old);
        }
        return new Run(rc, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    @Test
    void flashInBf16DoesNotFitTwo80GiBDevicesAndSaysWhatDoes() {
        Run r = plan("--preset", "ling-flash-2.0", "--pipeline-stages", "2", "--device-memory", "80GiB");
        assertEquals(ExitCodes.MODEL, r.rc(), r.err());
        assertTrue(r.err().contains("use --pipeline-stages 3"), r.err());
        assertTrue(r.err().contains("--quantization fp8 with --pipeline-stages 2"), r.err());
        assertEquals(ExitCodes.OK, plan("--preset", "ling-flash-2.0", "--pipeline-stages", "3").rc());
        assertEquals(ExitCodes.OK, plan("--preset", "ling-flash-2.0", "--pipeline-stages", "2", "--quantization", "fp8").rc());
    }

    @Test
    void oneTrillionModelsInFp8FitSixteen80GiBOrEight141GiBDevices() throws Exception {
        Run r = plan("--preset", "ling-1t", "--quantization", "fp8", "--pipeline-stages", "16", "--devices-per-executor", "8",
            "--json");
        assertEquals(ExitCodes.OK, r.rc(), r.err());
        JsonNode j = new ObjectMapper().readTree(r.out());
        assertEquals(16, j.get("stages").size());
        assertEquals(1, j.get("stages").get(15).get("executor").asInt());
        assertTrue(j.get("stages").get(15).get("head").asBoolean());
        assertEquals(ExitCodes.OK, plan("--preset", "ling-2.5-1t", "--quantization", "fp8", "--pipeline-stages", "8",
            "--device-memory", "141GiB").rc());
        assertEquals(ExitCodes.MODEL, plan("--preset", "ling-1t", "--pipeline-stages", "8").rc());
    }

    @Test
    void checkpointPlanUsesItsTensorsAndBadInputIsAUsageError() {
        Run r = plan("--model", Fixtures.model("tiny-ling-v2").toString(), "--stage-layers", "0-1,2-3");
        assertEquals(ExitCodes.OK, r.rc(), r.err());
        assertTrue(r.out().contains("0-1") && r.out().contains("2-3"), r.out());
        assertEquals(ExitCodes.USAGE, plan("--model", Fixtures.model("tiny-ling-v2").toString(), "--stage-layers", "0-2").rc());
        assertEquals(ExitCodes.USAGE, plan("--preset", "tiny", "--model", "x").rc());
        assertEquals(ExitCodes.USAGE, plan("--preset", "nope").rc());
    }
}
