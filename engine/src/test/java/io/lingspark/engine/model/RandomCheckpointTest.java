package io.lingspark.engine.model;

import io.lingspark.engine.runtime.ModelSession.SeqInput;
import io.lingspark.engine.runtime.ModelSession;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lingspark.engine.backend.cpu.CpuBackend;
import io.lingspark.engine.config.LingConfig;
import io.lingspark.engine.config.Presets;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A generated checkpoint loads through the same checks as a published one, deterministically. */
class RandomCheckpointTest {
    @TempDir
    Path tmp;

    @Test
    void writesALoadableDeterministicCheckpoint() {
        LingConfig c = Presets.get("tiny");
        RandomCheckpoint.write(tmp.resolve("a"), c, 7);
        RandomCheckpoint.write(tmp.resolve("b"), c, 7);
        assertEquals(c.toString(), ModelFactory.validate(tmp.resolve("a")).toString());
        float[] la;
        float[] lb;
        int[] prompt = {1, 2, 3, 4, 5};
        try (CausalLm ma = ModelFactory.open(tmp.resolve("a"), new CpuBackend(1));
             CausalLm mb = ModelFactory.open(tmp.resolve("b"), new CpuBackend(1));
             ModelSession a = ModelSession.open(ma); ModelSession b = ModelSession.open(mb)) {
            la = a.forward(List.of(new SeqInput(a.newSequence(), prompt))).logits()[0];
            lb = b.forward(List.of(new SeqInput(b.newSequence(), prompt))).logits()[0];
        }
        assertEquals(c.vocabSize, la.length);
        assertTrue(java.util.Arrays.equals(la, lb));
        double spread = 0;
        for (float v : la) {
            spread = Math.max(spread, Math.abs(v));
        }
        assertTrue(spread > 0, "random weights give non-zero logits");
    }
}
