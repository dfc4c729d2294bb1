package io.lingspark.engine.backend.cuda;

import io.lingspark.engine.backend.AttentionSpec;
import io.lingspark.engine.backend.Backend;
import io.lingspark.engine.backend.Backend.MoeWeights;
import io.lingspark.engine.backend.CachePool;
import io.lingspark.engine.backend.CacheSpec;
import io.lingspark.engine.backend.MoeSpec;
import io.lingspark.engine.backend.Tensor;
import io.lingspark.engine.backend.Weight;
import io.lingspark.engine.backend.cpu.CpuBackend;
import io.lingspark.engine.config.LingConfig;
import io.lingspark.engine.config.Presets;
import io.lingspark.engine.model.Rope;
import io.lingspark.engine.step.ForwardBatch;
import io.lingspark.engine.weights.HostMatrix;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.Function;

/**
 * Every kernel the model uses, against the CPU backend, through the Backend interface on both
 * sides (so the check covers the Java dispatch too): Ling-mini-2.0 shapes plus odd sizes. Each
 * entry is max |gpu − cpu| / max |cpu| of the op's output; MoE also reports how many expert
 * choices differ (a near-tie in the router may flip one in bf16).
 */
public final class CudaKernelParity {
    private CudaKernelParity() {
    }

    /** A [rows, cols] activation holding m's values (bf16 inputs on both sides), f32 if asked. */
    static Tensor input(Backend be, HostMatrix m, boolean f32) {
        if (be instanceof CudaBackend cb) {
            return cb.hostTensor(m, f32);
        }
        Weight w = be.upload(m);
        Tensor t = f32 ? be.allocF32(m.rows(), m.cols()) : be.alloc(m.rows(), m.cols());
        int[] ids = new int[m.rows()];
        for (int i = 0; i < ids.length; i++) {
            ids[i] = i;
        }
        be.embedding(w, ids, t);
        return t;
    }

    public static Map<String, Object> run(CudaBackend gpu, CpuBackend cpu) {
        Map<String, Object> out = new LinkedHashMap<>();
        LingConfig c = Presets.get("ling-mini-2.0");
        for (int t : new int[] {1, 37}) {
            HostMatrix x = CudaParity.bf16Matrix("x", t, 2048, new SplittableRandom(t), 2f);
            HostMatrix y = CudaParity.bf16Matrix("y", t, 2048, new SplittableRandom(t + 1), 1f);
            HostMatrix w = CudaParity.bf16Matrix("w", 1, 2048, new SplittableRandom(3), 1f);
            for (int variant = 0; variant < 3; variant++) { // bf16 stream; fp32 stream + bf16 / fp32 update
                boolean f32 = variant > 0;
                boolean yf32 = variant == 2;
                Function<Backend, float[]> norm = be -> {
                    Tensor tx = input(be, x, f32);
                    Tensor ty = input(be, y, yf32);
                    be.add(tx, ty);
                    Tensor o = be.alloc(t, 2048);
                    be.rmsNorm(tx, be.upload(w), 1e-6f, o);
                    return be.toHost(o).clone();
                };
                out.put("add+rmsNorm " + (f32 ? "f32" : "bf16") + " residual" + (yf32 ? " f32 update" : "") + " T=" + t,
                    rel(norm.apply(gpu), norm.apply(cpu)));
            }
            HostMatrix gu = CudaParity.bf16Matrix("gu", t, 1024, new SplittableRandom(5), 3f);
            for (boolean f32 : new boolean[] {false, true}) {
                Function<Backend, float[]> silu = be -> {
                    Tensor o = be.alloc(t, 512);
                    be.siluMul(input(be, gu, f32), o);
                    return be.toHost(o).clone();
                };
                out.put("siluMul " + (f32 ? "f32" : "bf16") + " in T=" + t, rel(silu.apply(gpu), silu.apply(cpu)));
            }
            HostMatrix qkv = CudaParity.bf16Matrix("qkv", t, c.qkvWidth(), new SplittableRandom(7), 2f);
            HostMatrix qn = CudaParity.bf16Matrix("qn", 1, 128, new SplittableRandom(8), 1f);
            HostMatrix kn = CudaParity.bf16Matrix("kn", 1, 128, new SplittableRandom(9), 1f);
            int[] pos = new SplittableRandom(10).ints(t, 0, 4000).toArray();
            Rope rope = Rope.of(c);
            Function<Backend, float[]> qk = be -> {
                Tensor a = input(be, qkv, false);
                be.qkNormRope(a, 0, 16, 128, be.upload(qn), 1e-6f, c.ropeDim, rope.invFreq, rope.factor, pos);
                be.qkNormRope(a, 2048, 4, 128, be.upload(kn), 1e-6f, c.ropeDim, rope.invFreq, rope.factor, pos);
                return be.toHost(a).clone();
            };
            out.put("qkNormRope T=" + t, rel(qk.apply(gpu), qk.apply(cpu)));
        }
        out.putAll(attention(gpu, cpu, c));
        out.putAll(moe(gpu, cpu));
        out.putAll(sampling(gpu));
        return out;
    }

    /** Prefill of two sequences (100 and 37 tokens) in one step, then one decode step of both. */
    static Map<String, Object> attention(CudaBackend gpu, CpuBackend cpu, LingConfig c) {
        HostMatrix pre = CudaParity.bf16Matrix("pre", 137, c.qkvWidth(), new SplittableRandom(11), 1f);
        HostMatrix dec = CudaParity.bf16Matrix("dec", 2, c.qkvWidth(), new SplittableRandom(12), 1f);
        AttentionSpec spec = new AttentionSpec(c.numHeads, c.numKvHeads, c.headDim, (float) (1.0 / Math.sqrt(c.headDim)));
        CacheSpec cs = new CacheSpec(16, List.of(new CacheSpec.Layer(CacheSpec.Kind.KV, spec.kvWidth())));
        int[] ta = {0, 1, 2, 3, 4, 5, 6};  // 101 tokens: 7 blocks
        int[] tb = {9, 7, 8};              // 38 tokens: 3 blocks, out of order on purpose
        Function<Backend, float[]> body = be -> {
            CachePool pool = be.allocateCache(cs, 10, 0);
            Tensor o1 = be.alloc(137, 2048);
            ForwardBatch first = ForwardBatch.builder().add(1, new int[100], 0, 100, 0, ta, -1, ForwardBatch.Logits.LAST)
                .add(2, new int[37], 0, 37, 0, tb, -1, ForwardBatch.Logits.LAST).build();
            be.attention(input(be, pre, false), first, pool, 0, spec, o1);
            float[] firstOut = be.toHost(o1).clone();
            Tensor o2 = be.alloc(2, 2048);
            ForwardBatch second = ForwardBatch.builder().add(1, new int[1], 0, 1, 100, ta, -1, ForwardBatch.Logits.LAST)
                .add(2, new int[1], 0, 1, 37, tb, -1, ForwardBatch.Logits.LAST).build();
            be.attention(input(be, dec, false), second, pool, 0, spec, o2);
            float[] secondOut = be.toHost(o2);
            pool.close();
            float[] all = java.util.Arrays.copyOf(firstOut, firstOut.length + secondOut.length);
            System.arraycopy(secondOut, 0, all, firstOut.length, secondOut.length);
            return all;
        };
        return Map.of("attention prefill 100+37 then decode", rel(body.apply(gpu), body.apply(cpu)));
    }

    /** Device argmax and top-k sampling of fp32 logits against the host sampler's argmax. */
    static Map<String, Object> sampling(CudaBackend gpu) {
        int rows = 5;
        int v = 157_184;
        SplittableRandom r = new SplittableRandom(21);
        float[] host = new float[rows * v];
        for (int i = 0; i < host.length; i++) {
            host[i] = (float) (r.nextGaussian() * 3);
        }
        CudaTensor t = gpu.hostTensor(HostMatrix.ofF32("logits", rows, v, host), true);
        int[] greedy = gpu.sample(t, new float[rows], new int[] {1, 1, 1, 1, 1}, new float[] {1, 1, 1, 1, 1}, new long[rows]);
        // top_k 1 at any temperature is the argmax too; top_k 64 with a tiny temperature almost surely is.
        float[] temp = {0.7f, 1.0f, 1e-4f, 0.5f, 1.3f};
        int[] k = {1, 1, 64, 1, 1};
        int[] sampled = gpu.sample(t, temp, k, new float[] {1, 0.9f, 1, 0.5f, 1}, new long[] {1, 2, 3, 4, 5});
        int differ = 0;
        for (int i = 0; i < rows; i++) {
            int want = io.lingspark.engine.runtime.Sampler.argmax(java.util.Arrays.copyOfRange(host, i * v, (i + 1) * v));
            differ += greedy[i] != want ? 1 : 0;
            differ += sampled[i] != want ? 1 : 0;
        }
        return Map.of("device sampling rows differing from the host argmax (of 10)", differ);
    }

    /** 64 experts of Ling-mini's width (top-8, 8 groups keep 4, scale 2.5): T = 1 and T = 9. */
    static Map<String, Object> moe(CudaBackend gpu, CpuBackend cpu) {
        LingConfig.Builder cb = Presets.builder("ling-mini-2.0");
        cb.numExperts = 64;
        LingConfig c = cb.build();
        SplittableRandom r = new SplittableRandom(13);
        HostMatrix router = CudaParity.bf16Matrix("router", 64, 2048, r, 0.05f);
        float[] bias = new float[64];
        for (int i = 0; i < 64; i++) {
            bias[i] = (float) (r.nextDouble() * 0.02 - 0.01);
        }
        HostMatrix[] gu = new HostMatrix[64];
        HostMatrix[] dn = new HostMatrix[64];
        for (int e = 0; e < 64; e++) {
            gu[e] = CudaParity.bf16Matrix("gu" + e, 1024, 2048, r, 0.03f);
            dn[e] = CudaParity.bf16Matrix("dn" + e, 2048, 512, r, 0.03f);
        }
        Map<String, Object> out = new LinkedHashMap<>();
        for (int t : new int[] {1, 9}) {
            HostMatrix x = CudaParity.bf16Matrix("x", t, 2048, new SplittableRandom(14 + t), 1f);
            int[][] chosen = new int[2][t * 8];
            float[][] res = new float[2][];
            Backend[] bes = {gpu, cpu};
            for (int i = 0; i < 2; i++) {
                Backend be = bes[i];
                Weight[] g = new Weight[64];
                Weight[] d = new Weight[64];
                for (int e = 0; e < 64; e++) {
                    g[e] = be.upload(gu[e]);
                    d[e] = be.upload(dn[e]);
                }
                Tensor o = be.alloc(t, 2048);
                MoeSpec spec = new MoeSpec(c.numExperts, c.numExpertsPerTok, c.nGroup, c.topkGroup, (float) c.routedScalingFactor,
                    c.moeIntermediateSize);
                be.moe(input(be, x, false), new MoeWeights(be.upload(router), bias, g, d), spec, o, chosen[i]);
                res[i] = be.toHost(o).clone();
            }
            int diff = 0;
            for (int tok = 0; tok < t; tok++) {
                java.util.Set<Integer> a = new java.util.HashSet<>();
                java.util.Set<Integer> b = new java.util.HashSet<>();
                for (int j = 0; j < 8; j++) {
                    a.add(chosen[0][tok * 8 + j]);
                    b.add(chosen[1][tok * 8 + j]);
                }
                a.removeAll(b);
                diff += a.size();
            }
            out.put("moe T=" + t, rel(res[0], res[1]));
            out.put("moe T=" + t + " expert choices differing", diff);
        }
        return out;
    }

    static double rel(float[] got, float[] want) {
        return CudaParity.relError(got, want);
    }
}
