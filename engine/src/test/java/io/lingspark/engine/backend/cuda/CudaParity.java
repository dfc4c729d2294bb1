package io.lingspark.engine.backend.cuda;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.lingspark.engine.backend.Backend;
import io.lingspark.engine.backend.Tensor;
import io.lingspark.engine.backend.Weight;
import io.lingspark.engine.backend.cpu.CpuBackend;
import io.lingspark.engine.model.LingModel;
import io.lingspark.engine.model.ModelFactory;
import io.lingspark.engine.runtime.Greedy;
import io.lingspark.engine.model.Fixtures;
import io.lingspark.engine.runtime.ModelSession;
import io.lingspark.engine.runtime.Sampler;
import io.lingspark.engine.weights.HostMatrix;
import io.lingspark.engine.weights.SafetensorsFile;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * The GPU parity checks, in main code so that the GPU machine (no Maven) runs them from the jar
 * through CudaSelfTest, and the JUnit GPU tests assert on the same numbers: each kernel against the
 * CPU backend, and the fixtures' logits and greedy tokens against the upstream references.
 */
public final class CudaParity {
    private CudaParity() {
    }

    /** Max |a-b| / max |b| over the output of x·Wᵀ on both backends (GEMM criterion: <= 1e-2). */
    public static double matmulRelError(CudaBackend gpu, CpuBackend cpu, int m, int n, int k, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        HostMatrix x = bf16Matrix("x", m, k, r, 1f);
        HostMatrix w = bf16Matrix("w", n, k, r, 0.05f);
        float[] want = run(cpu, x, w);
        float[] got = run(gpu, x, w);
        return relError(got, want);
    }

    private static float[] run(Backend be, HostMatrix x, HostMatrix w) {
        Weight wx = be.upload(x);
        Weight ww = be.upload(w);
        Tensor tx = be.alloc(x.rows(), x.cols());
        // copy x in: the embedding of row ids of an "x" table is the backend-neutral way
        int[] ids = new int[x.rows()];
        for (int i = 0; i < ids.length; i++) {
            ids[i] = i;
        }
        be.embedding(wx, ids, tx);
        Tensor out = be.alloc(x.rows(), w.rows());
        be.matmul(tx, ww, out);
        return be.toHost(out).clone();
    }

    static HostMatrix bf16Matrix(String name, int rows, int cols, SplittableRandom r, float scale) {
        short[] d = new short[rows * cols];
        for (int i = 0; i < d.length; i++) {
            d[i] = Bf16.round((float) (r.nextDouble() * 2 - 1) * scale);
        }
        return HostMatrix.ofBf16(name, rows, cols, d);
    }

    public static double relError(float[] got, float[] want) {
        double maxDiff = 0;
        double maxRef = 1e-30;
        for (int i = 0; i < want.length; i++) {
            maxDiff = Math.max(maxDiff, Math.abs(got[i] - want[i]));
            maxRef = Math.max(maxRef, Math.abs(want[i]));
        }
        return maxDiff / maxRef;
    }

    /**
     * One fixture through the CUDA backend: top-1 agreement with logits_fp32 over every prompt
     * position, mean |Δlogit|, and how many greedy steps (batched, KV cache) follow greedy_fp32 or
     * greedy_bf16 up to the first step whose reference margin is below 0.1 (failures counted).
     */
    public static Map<String, Object> fixture(CudaBackend gpu, Path fixtureDir) throws Exception {
        LingModel model = ModelFactory.open(fixtureDir.resolve("model"), gpu);
        ModelSession session = ModelSession.open(model);
        JsonNode ref = new ObjectMapper().readTree(fixtureDir.resolve("reference.json").toFile());
        int[][] prompts = Fixtures.ints2(ref.get("prompt_ids"));
        int v = model.config().vocabSize;
        long agree = 0;
        long rows = 0;
        double absSum = 0;
        try (SafetensorsFile f = SafetensorsFile.open(fixtureDir.resolve("reference.safetensors"))) {
            for (int p = 0; p < prompts.length; p++) {
                float[] want = f.tensors().get("logits_fp32." + p).readFloats();
                ModelSession.Seq seq = session.newSequence();
                float[] got = session.forward(List.of(new ModelSession.SeqInput(seq, prompts[p], true))).logits()[0];
                seq.close();
                for (int t = 0; t < prompts[p].length; t++) {
                    agree += Sampler.argmax(got, t * v, v) == Sampler.argmax(want, t * v, v) ? 1 : 0;
                    for (int i = 0; i < v; i++) {
                        absSum += Math.abs(got[t * v + i] - want[t * v + i]);
                    }
                    rows++;
                }
            }
        }
        int[][] greedy = Greedy.decode(session, prompts, 24);
        session.close();
        int[][] g32 = Fixtures.ints2(ref.get("greedy_fp32"));
        int[][] gbf = Fixtures.ints2(ref.get("greedy_bf16"));
        int diverged = 0;
        for (int p = 0; p < prompts.length; p++) {
            if (!follows(greedy[p], g32[p], ref.get("greedy_fp32_margins").get(p))
                    && !follows(greedy[p], gbf[p], ref.get("greedy_bf16_margins").get(p))) {
                diverged++;
            }
        }
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("top1", agree / (double) rows);
        r.put("meanAbsDelta", absSum / ((double) rows * v));
        r.put("greedyPromptsDiverged", diverged);
        r.put("graphCaptures", gpu.graphs.captures);
        r.put("graphReplays", gpu.graphs.replays);
        return r;
    }

    /**
     * The engine on the GPU (scheduler thread, model runner, paged pool) under a KV cache of 12 blocks
     * that the fixture's four greedy requests cannot share: it must preempt, and every request must
     * still give the tokens of a run with a roomy cache.
     */
    public static Map<String, Object> enginePreemption(Path fixtureDir) throws Exception {
        JsonNode ref = new ObjectMapper().readTree(fixtureDir.resolve("reference.json").toFile());
        int[][] prompts = Fixtures.ints2(ref.get("prompt_ids"));
        io.lingspark.engine.runtime.SamplingParams p = io.lingspark.engine.runtime.SamplingParams.builder()
            .temperature(0).ignoreEos(true).maxTokens(24).build();
        io.lingspark.engine.runtime.EngineOptions o = io.lingspark.engine.runtime.EngineOptions.of(fixtureDir.resolve("model"))
            .withDevice("cuda").withMaxBatchTokens(32);
        int[][][] out = new int[2][][];
        long[] preemptions = new long[2];
        // bf16 K and V of the tiny model: 4 layers · 2 · 2 heads · 16 · 2 B = 512 B a token, 8 KiB a block.
        long[] cacheBytes = {0, 12L * 16 * 512};
        for (int run = 0; run < 2; run++) {
            try (io.lingspark.engine.runtime.LingEngine e = io.lingspark.engine.runtime.LingEngine.open(o.withKvCacheMemory(cacheBytes[run]))) {
                java.util.List<java.util.concurrent.CompletableFuture<io.lingspark.engine.runtime.GenerationResult>> fs = new java.util.ArrayList<>();
                for (int i = 0; i < prompts.length; i++) {
                    fs.add(e.submit(io.lingspark.engine.runtime.GenerationRequest.ofIds("p" + i, prompts[i], p)));
                }
                out[run] = new int[prompts.length][];
                for (int i = 0; i < prompts.length; i++) {
                    out[run][i] = fs.get(i).join().choices().get(0).tokenIds();
                }
                preemptions[run] = e.preemptions();
            }
        }
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("preemptions", preemptions[1]);
        r.put("sameTokensAsRoomyCache", java.util.Arrays.deepEquals(out[0], out[1]));
        r.put("pass", preemptions[1] > 0 && java.util.Arrays.deepEquals(out[0], out[1]));
        return r;
    }

    /**
     * Pipeline stages on the GPU (on a one-GPU machine both stages share it): each prompt's prefill
     * logits against the single CUDA engine's (limit 1e-5, the same kernels on the same rows) and the
     * 24 greedy tokens of all prompts batched through the stages against the single engine's.
     */
    public static Map<String, Object> pipeline(Path fixtureDir, int stages) throws Exception {
        JsonNode ref = new ObjectMapper().readTree(fixtureDir.resolve("reference.json").toFile());
        int[][] prompts = Fixtures.ints2(ref.get("prompt_ids"));
        io.lingspark.engine.runtime.EngineOptions o = io.lingspark.engine.runtime.EngineOptions.of(fixtureDir.resolve("model"))
            .withDevice("cuda").withKvCacheMemory(64L << 20);
        double worst = 0;
        int[][] want;
        int[][] got;
        try (CudaBackend gpu = new CudaBackend(0, 0.3, 64L << 20);
             ModelSession whole = ModelSession.open(ModelFactory.open(fixtureDir.resolve("model"), gpu));
             ModelSession split = new ModelSession(io.lingspark.engine.pipeline.Pipelines.open(o.withPipeline(stages, null, 0)))) {
            for (int[] p : prompts) {
                float[] a = whole.forward(List.of(new ModelSession.SeqInput(whole.newSequence(), p, true)), true).logits()[0];
                float[] b = split.forward(List.of(new ModelSession.SeqInput(split.newSequence(), p, true)), true).logits()[0];
                for (int i = 0; i < a.length; i++) {
                    worst = Math.max(worst, Math.abs(a[i] - b[i]));
                }
            }
            want = Greedy.decode(whole, prompts, 24);
            got = Greedy.decode(split, prompts, 24);
        }
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("stages", stages);
        r.put("maxAbsDeltaVsSingleGpu", worst);
        r.put("greedyEqual", java.util.Arrays.deepEquals(want, got));
        r.put("pass", worst <= 1e-5 && java.util.Arrays.deepEquals(want, got));
        return r;
    }

    /** got follows want until the first step whose reference margin (top1 − top2) is below 0.1. */
    static boolean follows(int[] got, int[] want, JsonNode margins) {
        for (int i = 0; i < Math.min(got.length, want.length); i++) {
            if (margins != null && margins.size() > i && margins.get(i).asDouble() < 0.1) {
                return true;
            }
            if (got[i] != want[i]) {
                return false;
            }
        }
        return true;
    }

}
