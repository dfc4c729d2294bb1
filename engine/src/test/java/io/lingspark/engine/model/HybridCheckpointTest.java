package io.lingspark.engine.model;

import io.lingspark.engine.runtime.ModelSession.SeqInput;
import io.lingspark.engine.runtime.ModelSession;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lingspark.engine.backend.cpu.CpuBackend;
import io.lingspark.engine.config.ModelLoadException;
import io.lingspark.engine.weights.SafetensorsFile;
import io.lingspark.engine.weights.SafetensorsWriter;
import io.lingspark.engine.weights.TensorInfo;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Loader checks on rewritten copies of the 2.5 fixture: a missing MLA tensor fails naming it; the
 * DeepSeek-style expert-bias name and extra MTP tensors load and give the same logits.
 */
class HybridCheckpointTest {
    @TempDir
    Path tmp;

    /**
     * Copies the fixture's model directory, rewriting model.safetensors: each tensor's name through
     * rename (null drops it), plus the extra BF16 tensors given.
     */
    private Path rewrite(UnaryOperator<String> rename, Map<String, long[]> extra) throws IOException {
        Path src = Fixtures.model(HybridModelFixtureTest.FIXTURE);
        Path dst = tmp.resolve("model");
        Files.createDirectories(dst);
        try (Stream<Path> files = Files.list(src)) {
            for (Path f : (Iterable<Path>) files::iterator) {
                if (!f.getFileName().toString().equals("model.safetensors")) {
                    Files.copy(f, dst.resolve(f.getFileName()));
                }
            }
        }
        SafetensorsWriter w = new SafetensorsWriter();
        try (SafetensorsFile in = SafetensorsFile.open(src.resolve("model.safetensors"))) {
            for (TensorInfo t : in.tensors().values()) {
                String name = rename.apply(t.name());
                if (name == null) {
                    continue;
                }
                int n = Math.toIntExact(t.elements());
                switch (t.dtype()) {
                    case BF16 -> {
                        short[] d = new short[n];
                        in.readShorts(t, 0, d, 0, n);
                        w.addShorts(name, t.dtype(), t.shape(), d);
                    }
                    case F32 -> w.addF32(name, t.shape(), t.readFloats());
                    default -> throw new IllegalStateException("unexpected dtype " + t.dtype());
                }
            }
            for (Map.Entry<String, long[]> e : extra.entrySet()) {
                long n = 1;
                for (long s : e.getValue()) {
                    n *= s;
                }
                w.addShorts(e.getKey(), io.lingspark.engine.weights.DType.BF16, e.getValue(), new short[(int) n]);
            }
            w.write(dst.resolve("model.safetensors"));
        }
        return dst;
    }

    @Test
    void missingMlaTensorIsNamed() throws IOException {
        String gone = "model.layers.3.attention.kv_b_proj.weight";
        Path dir = rewrite(n -> n.equals(gone) ? null : n, Map.of());
        try (CpuBackend be = new CpuBackend(1)) {
            ModelLoadException e = assertThrows(ModelLoadException.class, () -> ModelFactory.open(dir, be));
            assertTrue(e.getMessage().contains(gone), e.getMessage());
            assertThrows(ModelLoadException.class, () -> ModelFactory.validate(dir));
        }
    }

    @Test
    void missingLinearAttentionTensorIsNamed() throws IOException {
        String gone = "model.layers.2.attention.g_norm.weight";
        Path dir = rewrite(n -> n.equals(gone) ? null : n, Map.of());
        try (CpuBackend be = new CpuBackend(1)) {
            ModelLoadException e = assertThrows(ModelLoadException.class, () -> ModelFactory.open(dir, be));
            assertTrue(e.getMessage().contains(gone), e.getMessage());
        }
    }

    @Test
    void scoreCorrectionBiasAliasAndMtpTensorsLoad() throws IOException {
        Path dir = rewrite(n -> n.replace("mlp.gate.expert_bias", "mlp.gate.e_score_correction_bias"),
                Map.of("model.mtp.layers.0.eh_proj.weight", new long[] {64, 128},
                        "model.layers.4.enorm.weight", new long[] {64}));
        int[] prompt = Fixtures.ints2(Fixtures.reference(HybridModelFixtureTest.FIXTURE).get("prompt_ids"))[1];
        try (CpuBackend be = new CpuBackend(2)) {
            ModelSession session = ModelSession.open(ModelFactory.open(dir, be));
            ModelSession.Seq cache = session.newSequence();
            float[] got = session.forward(List.of(new SeqInput(cache, prompt, true))).logits()[0];
            assertArrayEquals(Fixtures.logits(HybridModelFixtureTest.FIXTURE, "logits_fp32.1"), got, 1e-3f);
        }
    }
}
