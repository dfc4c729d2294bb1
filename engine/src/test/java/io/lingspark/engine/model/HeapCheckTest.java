package io.lingspark.engine.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.lingspark.engine.config.LingConfig;
import io.lingspark.engine.config.ModelLoadException;
import io.lingspark.engine.config.ParameterCount;
import io.lingspark.engine.config.Presets;
import io.lingspark.engine.runtime.EngineOptions;
import io.lingspark.engine.runtime.LingEngine;
import io.lingspark.engine.tokenizer.TokenizerWriter;
import io.lingspark.engine.weights.Checkpoint;
import io.lingspark.engine.weights.TensorInfo;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A heap too small for the model is a ModelLoadException before anything is allocated, saying what
 * the model needs and how to give it, never an OutOfMemoryError half-way through the load.
 */
class HeapCheckTest {
    @TempDir
    Path tmp;

    /** bench-small's shapes with every tensor F32 (widened onto the heap on the CPU) over a sparse data section. */
    static LingConfig writeSparseF32(Path dir) throws IOException {
        int size = TokenizerWriter.write(dir);
        LingConfig.Builder b = Presets.builder("bench-small");
        b.vocabSize = Math.max(b.vocabSize, (size + 63) / 64 * 64);
        b.eosTokenIds = TokenizerWriter.eosIds(dir);
        b.padTokenId = b.eosTokenIds[0];
        LingConfig c = b.build();
        ObjectMapper om = new ObjectMapper();
        ObjectNode header = om.createObjectNode();
        long offset = 0;
        TensorPlan plan = TensorPlan.of(c);
        for (int l = c.firstKDenseReplace; l < c.numLayers; l++) {
            plan.shapes.put(TensorPlan.expertBiasNames(l)[0], new long[] {c.numExperts});
        }
        for (Map.Entry<String, long[]> e : plan.shapes.entrySet()) {
            long n = 1;
            ObjectNode t = header.putObject(e.getKey());
            t.put("dtype", "F32");
            var shape = t.putArray("shape");
            for (long s : e.getValue()) {
                shape.add(s);
                n *= s;
            }
            t.putArray("data_offsets").add(offset).add(offset + 4 * n);
            offset += 4 * n;
        }
        byte[] h = om.writeValueAsString(header).getBytes(StandardCharsets.UTF_8);
        try (RandomAccessFile f = new RandomAccessFile(dir.resolve("model.safetensors").toFile(), "rw")) {
            f.write(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(h.length).array());
            f.write(h);
            f.setLength(8 + h.length + offset); // sparse: gigabytes of F32 without writing them
        }
        om.writeValue(dir.resolve("config.json").toFile(), c.toJson());
        om.writeValue(dir.resolve("generation_config.json").toFile(), c.generationConfigJson());
        return c;
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void anF32CheckpointTooLargeForTheHeapIsRefusedWithWhatItNeeds() throws Exception {
        LingConfig c = writeSparseF32(tmp);
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process p = new ProcessBuilder(java, "-Xmx256m", "--add-modules", "jdk.incubator.vector",
            "-cp", System.getProperty("java.class.path"), HeapProbe.class.getName(), tmp.toString())
            .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        int code = p.waitFor();
        assertEquals(3, code, out);
        assertTrue(!out.contains("OutOfMemoryError") && !out.contains("\tat "), "no stack trace: " + out);
        String line = out.lines().filter(l -> l.startsWith("MODEL_LOAD_EXCEPTION")).findFirst().orElseThrow(() -> new AssertionError(out));
        double weightsGib = 4.0 * ParameterCount.total(c) / (1L << 30);
        assertTrue(line.contains("max heap is 0.25 GiB") && line.contains(String.format(Locale.ROOT, "%.2f GiB of F32/F16 weights",
            weightsGib)), line);
        assertTrue(line.contains("-Xmx") && line.contains("spark.executor.memory"), line);
    }

    @Test
    void aKvCacheLargerThanTheHeapIsRefusedAtLoad() {
        long max = Runtime.getRuntime().maxMemory();
        EngineOptions o = EngineOptions.of(Fixtures.model("tiny-ling-v2")).withKvCacheMemory(2 * max);
        ModelLoadException e = assertThrows(ModelLoadException.class, () -> LingEngine.open(o).close());
        assertTrue(e.getMessage().contains("--kv-cache-memory") && e.getMessage().contains("a smaller --kv-cache-memory"), e.getMessage());
    }

    @Test
    void theArithmetic() {
        long gib = 1L << 30;
        HeapCheck.check(gib, gib, false, 3 * gib); // fits
        ModelLoadException e = assertThrows(ModelLoadException.class, () -> HeapCheck.check(3 * gib, gib, false, 2 * gib));
        assertTrue(e.getMessage().startsWith("the model needs about 4.06 GiB of heap but this JVM's max heap is 2.00 GiB"), e.getMessage());
        assertTrue(e.getMessage().contains("-Xmx5g"), e.getMessage());
        // the default cache is half the heap: a larger heap needs room for twice the weights
        e = assertThrows(ModelLoadException.class, () -> HeapCheck.check(3 * gib, gib, true, 2 * gib));
        assertTrue(e.getMessage().contains("-Xmx7g"), e.getMessage());
    }

    /** --cpu-weights int8 holds its copies on the heap: counted before loading, with the way back to stored weights. */
    @Test
    void int8WeightsAreCountedBeforeLoading() throws Exception {
        long gib = 1L << 30;
        HeapCheck.check(0, gib, gib / 2, true, 3 * gib); // fits: 1 + (3 - 1) / 2 + reserve
        ModelLoadException e = assertThrows(ModelLoadException.class, () -> HeapCheck.check(0, 2 * gib, gib, true, 2 * gib));
        assertTrue(e.getMessage().contains("2.00 GiB of int8 weights (--cpu-weights int8)"), e.getMessage());
        assertTrue(e.getMessage().contains("or --cpu-weights stored") && e.getMessage().contains("-Xmx3g"), e.getMessage());
        try (Checkpoint ckpt = Checkpoint.open(Fixtures.model("tiny-ling-v2"))) {
            LingConfig c = LingConfig.fromDirectory(Fixtures.model("tiny-ling-v2"));
            long want = 0;
            for (TensorInfo t : ckpt.tensors().values()) {
                if (Q8FixtureTest.quantized(t)) { // the rule as the quantisation fixture restates it
                    want += t.elements() + 4 * t.shape()[0];
                }
            }
            assertTrue(want > 0);
            assertEquals(want, HeapCheck.int8WeightBytes(ckpt, c, name -> true));
        }
    }

    @Test
    void anOutOfMemoryErrorWhileLoadingBecomesAModelLoadException() {
        ModelLoadException e = assertThrows(ModelLoadException.class, () -> HeapCheck.whileLoading("the weights", () -> {
            throw new OutOfMemoryError("Java heap space");
        }));
        assertTrue(e.getMessage().startsWith("out of memory while loading the weights (Java heap space)"), e.getMessage());
        assertTrue(e.getMessage().contains("-Xmx"), e.getMessage());
    }
}
