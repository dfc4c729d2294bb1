package io.lingspark.engine.cli;

import io.lingspark.engine.command.ExitCodes;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.lingspark.engine.model.Fixtures;
import io.lingspark.engine.weights.SafetensorsFile;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** The logits command end to end on a fixture: the files it writes hold the reference numbers. */
class LogitsCommandTest {
    @TempDir
    Path tmp;

    /** Both families through the same command: Ling 2.0 and the Ling 2.5 hybrid. */
    @ParameterizedTest
    @ValueSource(strings = {"tiny-ling-v2", "tiny-ling-v25"})
    void writesReferenceLogitsAndGreedyTokens(String fx) throws Exception {
        Path out = tmp.resolve("out");
        int rc = new CommandLine(new LogitsCommand()).execute("--model", Fixtures.model(fx).toString(),
            "--prompts-file", Fixtures.dir(fx).resolve("reference.json").toString(), "--out", out.toString(),
            "--greedy", "24", "--cpu-threads", "2");
        assertEquals(0, rc);
        JsonNode ref = Fixtures.reference(fx);
        int[][] prompts = Fixtures.ints2(ref.get("prompt_ids"));
        try (SafetensorsFile f = SafetensorsFile.open(out.resolve("logits.safetensors"))) {
            for (int p = 0; p < prompts.length; p++) {
                var t = f.tensors().get("logits." + p);
                assertArrayEquals(new long[] {prompts[p].length, 1024}, t.shape());
                float[] got = t.readFloats();
                float[] want = Fixtures.logits(fx, "logits_fp32." + p);
                double max = 0;
                for (int i = 0; i < want.length; i++) {
                    max = Math.max(max, Math.abs(got[i] - want[i]));
                }
                assertTrue(max < 1e-4, "prompt " + p + " max |dlogit| " + max);
            }
        }
        JsonNode greedy = new ObjectMapper().readTree(out.resolve("greedy.json").toFile()).get("greedy");
        int[][] want = Fixtures.ints2(ref.get("greedy_fp32"));
        for (int p = 0; p < want.length; p++) {
            assertArrayEquals(want[p], Fixtures.ints2(greedy)[p], "greedy tokens of prompt " + p);
        }
    }

    @Test
    void badInputsGiveTheirExitCodes() throws Exception {
        Path bad = Files.writeString(tmp.resolve("bad.json"), "{\"prompt_ids\": [[1, \"x\"]]}");
        Path outOfVocab = Files.writeString(tmp.resolve("oov.json"), "{\"prompt_ids\": [[1, 5000]]}");
        String model = Fixtures.model("tiny-ling-v2").toString();
        assertEquals(ExitCodes.INPUT, new CommandLine(new LogitsCommand()).execute("--model", model,
            "--prompts-file", bad.toString(), "--out", tmp.resolve("o1").toString()));
        assertEquals(ExitCodes.INPUT, new CommandLine(new LogitsCommand()).execute("--model", model,
            "--prompts-file", outOfVocab.toString(), "--out", tmp.resolve("o2").toString()));
        assertEquals(ExitCodes.MODEL, new CommandLine(new LogitsCommand()).execute("--model", tmp.resolve("none").toString(),
            "--prompts-file", outOfVocab.toString(), "--out", tmp.resolve("o3").toString()));
    }
}
