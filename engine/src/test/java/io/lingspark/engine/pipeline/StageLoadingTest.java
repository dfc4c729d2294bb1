package io.lingspark.engine.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lingspark.engine.backend.cpu.CpuBackend;
import io.lingspark.engine.config.LingConfig;
import io.lingspark.engine.model.Fixtures;
import io.lingspark.engine.model.LingModel;
import io.lingspark.engine.model.ModelFactory;
import io.lingspark.engine.model.ModelSlice;
import io.lingspark.engine.weights.Checkpoint;
import java.nio.file.Path;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * A stage reads only its part of the checkpoint: only the shards that hold its tensors are opened, and
 * the bytes it reads are its tensors (plus shard headers), so S stages together read the checkpoint
 * about once, not S times. The fixture tiny-ling-v2 has two shards: layers 0-2 and lm_head in the
 * first, layers 2-3, the final norm and the embedding in the second.
 */
class StageLoadingTest {
    static final Path DIR = Fixtures.model("tiny-ling-v2");
    static final String FIRST = "model-00001-of-00002.safetensors";
    static final String SECOND = "model-00002-of-00002.safetensors";

    record Read(Set<String> files, long bytes) {
    }

    static Read load(ModelSlice s) {
        LingConfig c = LingConfig.fromDirectory(DIR);
        try (CpuBackend be = new CpuBackend(1, 16L << 20);
             Checkpoint ckpt = s.isWhole(c) ? Checkpoint.open(DIR) : Checkpoint.open(DIR, s.tensors(c))) {
            LingModel m = ModelFactory.load(ckpt, c, be, s);
            Read r = new Read(Set.copyOf(ckpt.files()), ckpt.bytesRead());
            m.close();
            return r;
        }
    }

    @Test
    void eachStageOpensOnlyItsShardsAndReadsOnlyItsTensors() {
        LingConfig c = LingConfig.fromDirectory(DIR);
        Read whole = load(ModelSlice.whole(c));
        assertEquals(Set.of(FIRST, SECOND), whole.files());
        // layer 1 alone lives in the first shard; layer 3 alone in the second
        assertEquals(Set.of(FIRST), load(new ModelSlice(1, 2, false, false)).files());
        assertEquals(Set.of(SECOND), load(new ModelSlice(3, 4, false, false)).files());

        long sum = 0;
        for (int l = 0; l < c.numLayers; l++) {
            Read r = load(new ModelSlice(l, l + 1, l == 0, l == c.numLayers - 1));
            assertTrue(r.bytes() < whole.bytes() / 2, "stage " + l + " read " + r.bytes() + " of " + whole.bytes());
            sum += r.bytes();
        }
        // four one-layer stages read the tensors once; only the shard headers are read again
        long headers = 2L * 16_384;
        assertTrue(sum <= whole.bytes() + 4 * headers, "stages together read " + sum + ", the whole model " + whole.bytes());
        assertTrue(sum >= whole.bytes() - headers, "stages together read " + sum + ", the whole model " + whole.bytes());
        System.out.printf("tiny-ling-v2: whole model reads %d B; 4 one-layer stages read %d B together%n", whole.bytes(), sum);
    }

    @Test
    void aSliceWithoutTheEmbeddingOrHeadRefusesThoseOps() {
        LingConfig c = LingConfig.fromDirectory(DIR);
        try (CpuBackend be = new CpuBackend(1, 16L << 20)) {
            LingModel mid = ModelFactory.open(DIR, be, new ModelSlice(1, 3, false, false));
            assertEquals(new ModelSlice(1, 3, false, false), mid.slice());
            assertThrows(IllegalStateException.class, () -> mid.embed(null));
            mid.close();
        }
    }
}
