package io.lingspark.engine.backend.cuda;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.lingspark.engine.backend.AttentionSpec;
import io.lingspark.engine.backend.Backend.MoeWeights;
import io.lingspark.engine.backend.CachePool;
import io.lingspark.engine.backend.CacheSpec;
import io.lingspark.engine.backend.MoeSpec;
import io.lingspark.engine.backend.Tensor;
import io.lingspark.engine.backend.Weight;
import io.lingspark.engine.config.LingConfig;
import io.lingspark.engine.config.Presets;
import io.lingspark.engine.model.Rope;
import io.lingspark.engine.runtime.ModelSession;
import io.lingspark.engine.step.ForwardBatch;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Where a decode step's time goes: each op of a Ling-mini-2.0 layer timed alone on the GPU (random
 * weights generated there), with the weight bytes it streams and the bandwidth that implies, at
 * T = 1 and T = 64 tokens. Run with -Dlingspark.cuda.graphs=false: every op is synchronised, so
 * the times include one launch each, as a step without graphs would.
 *
 *   java -Dlingspark.cuda.graphs=false -cp 'lib/*' io.lingspark.engine.backend.cuda.CudaOpBench
 */
public final class CudaOpBench {
    private CudaOpBench() {
    }

    public static void main(String[] args) throws Exception {
        LingConfig c = Presets.get("ling-mini-2.0");
        Map<String, Object> out = new LinkedHashMap<>();
        boolean decodeOnly = args.length > 0 && args[0].equals("decode-only");
        CudaBackend be0 = decodeOnly ? null : new CudaBackend(0, 0.9);
        if (!decodeOnly) {
            CudaBackend be = be0;
            out.put("device", be.name());
            Weight qkv = be.random("qkv", c.qkvWidth(), 2048, 1, 0.03f);
            Weight dense = be.random("dense", 2048, 2048, 2, 0.03f);
            Weight head = be.random("head", c.vocabSize, 2048, 3, 0.03f);
            Weight norm = be.random("norm", 1, 2048, 4, 1f);
            Weight qn = be.random("qn", 1, 128, 5, 1f);
            Weight sgu = be.random("sgu", 1024, 2048, 6, 0.03f);
            Weight sdn = be.random("sdn", 2048, 512, 7, 0.03f);
            Weight router = be.random("router", 256, 2048, 8, 0.03f);
            Weight[] gu = new Weight[256];
            Weight[] dn = new Weight[256];
            for (int e = 0; e < 256; e++) {
                gu[e] = be.random("gu" + e, 1024, 2048, 100 + e, 0.03f);
                dn[e] = be.random("dn" + e, 2048, 512, 1000 + e, 0.03f);
            }
            MoeWeights moe = new MoeWeights(router, new float[256], gu, dn);
            MoeSpec moeSpec = new MoeSpec(256, 8, 8, 4, 2.5f, 512);
            Rope rope = Rope.of(c);
            for (int t : new int[] {1, 64}) {
                Map<String, Object> ops = new LinkedHashMap<>();
                Tensor x = be.alloc(t, 2048);
                Tensor xf = be.allocF32(t, 2048);
                Tensor tq = be.alloc(t, c.qkvWidth());
                Tensor o = be.alloc(t, 2048);
                Tensor g = be.alloc(t, 1024);
                Tensor a = be.alloc(t, 512);
                Tensor lg = be.allocF32(t, c.vocabSize);
                int[] pos = new int[t];
                int[] ids = new int[t];
                for (int i = 0; i < t; i++) {
                    ids[i] = 17 * i + 5;
                }
                be.embedding(head, ids, xf); // real values, so the router sees a real distribution
                be.rmsNorm(xf, norm, 1e-6f, x);
                be.matmul(x, qkv, tq);
                ops.put("rmsNorm", time(be, () -> be.rmsNorm(xf, norm, 1e-6f, x), 0));
                ops.put("matmul qkv", time(be, () -> be.matmul(x, qkv, tq), 2L * c.qkvWidth() * 2048));
                ops.put("qkNormRope", time(be, () -> be.qkNormRope(tq, 0, 16, 128, qn, 1e-6f, 64, rope.invFreq, 1f, pos), 0));
                ops.put("matmul dense", time(be, () -> be.matmul(x, dense, o), 2L * 2048 * 2048));
                ops.put("shared expert", time(be, () -> {
                    be.matmul(x, sgu, g);
                    be.siluMul(g, a);
                    be.matmul(a, sdn, o);
                }, 2L * 3 * 512 * 2048));
                ops.put("moe (256 experts top-8)", time(be, () -> be.moe(x, moe, moeSpec, o, null), 2L * 3 * 512 * 2048 * Math.min(256, 8L * t)));
                ops.put("lm_head", time(be, () -> be.matmul(x, head, lg), 2L * c.vocabSize * 2048));
                ops.put("attention decode ctx 1024", attention(be, c, t));
                out.put("T=" + t, ops);
            }
            // Host cost of one launch: a one-thread kernel, 2000 times, then one synchronisation.
            DevPtr cell = be.context().alloc(64);
            be.context().sync();
            long t0 = System.nanoTime();
            for (int i = 0; i < 2000; i++) {
                be.launch(new Launch("ls_fill_i32", 1, 1, 1, 32, 0), cell, i, 1);
            }
            be.context().sync();
            out.put("host us per launch", (System.nanoTime() - t0) / 2000e3);
        }
        System.out.println(new ObjectMapper().writerWithDefaultPrettyPrinter().writeValueAsString(out));
        out.clear();
        try {
            if (be0 != null) {
                be0.close();
            }
        } catch (RuntimeException e) {
            System.out.println("{\"close failed\": \"" + e + "\"}");
        }
        // A whole decode step of the full model (random weights), batch 1 and 16, context 256.
        CudaBackend be = new CudaBackend(0, 0.9);
        io.lingspark.engine.model.CausalLm m = io.lingspark.engine.model.ModelFactory.randomModel(c, be, 1);
        try (ModelSession session = ModelSession.open(m, 16 * 256)) {
            for (int b : decodeOnly ? new int[] {1} : new int[] {1, 16}) {
                java.util.List<ModelSession.Seq> seqs = new java.util.ArrayList<>();
                java.util.List<ModelSession.SeqInput> in = new java.util.ArrayList<>();
                for (int s = 0; s < b; s++) {
                    seqs.add(session.newSequence());
                    in.add(new ModelSession.SeqInput(seqs.get(s), new int[256]));
                }
                session.forward(in);
                double[] ms = new double[decodeOnly ? 3 : 24];
                for (int step = 0; step < ms.length; step++) {
                    in.clear();
                    for (ModelSession.Seq k : seqs) {
                        in.add(new ModelSession.SeqInput(k, new int[] {step + 1}));
                    }
                    long t0 = System.nanoTime();
                    session.forward(in);
                    ms[step] = (System.nanoTime() - t0) / 1e6;
                }
                Map<String, Object> r = new LinkedHashMap<>();
                r.put("step ms (each)", ms);
                r.put("graph captures", be.graphs.captures);
                r.put("graph replays", be.graphs.replays);
                out.put("decode step, batch " + b + ", graphs " + System.getProperty("lingspark.cuda.graphs", "true"), r);
                seqs.forEach(ModelSession.Seq::close);
            }
        }
        System.out.println(new ObjectMapper().writerWithDefaultPrettyPrinter().writeValueAsString(out));
    }

    /** Microseconds per call (median of 5 runs of 20 calls) and, for weight-streaming ops, GB/s. */
    static Map<String, Object> time(CudaBackend be, Runnable op, long weightBytes) {
        for (int i = 0; i < 5; i++) {
            op.run();
        }
        be.context().sync();
        double[] runs = new double[5];
        for (int r = 0; r < 5; r++) {
            long t0 = System.nanoTime();
            for (int i = 0; i < 20; i++) {
                op.run();
            }
            be.context().sync();
            runs[r] = (System.nanoTime() - t0) / 20e3;
        }
        java.util.Arrays.sort(runs);
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("us", Math.round(runs[2] * 10) / 10.0);
        if (weightBytes > 0) {
            m.put("GB/s", Math.round(weightBytes / (runs[2] * 1e3)));
        }
        return m;
    }

    static Map<String, Object> attention(CudaBackend be, LingConfig c, int t) {
        AttentionSpec spec = new AttentionSpec(c.numHeads, c.numKvHeads, c.headDim, (float) (1.0 / Math.sqrt(c.headDim)));
        CachePool pool = be.allocateCache(new CacheSpec(16, List.of(new CacheSpec.Layer(CacheSpec.Kind.KV, spec.kvWidth()))),
            t * 65, 0);
        Tensor pre = be.alloc(1024, c.qkvWidth());
        Tensor po = be.alloc(1024, 2048);
        int[][] tables = new int[t][65];
        for (int s = 0; s < t; s++) {
            for (int b = 0; b < 65; b++) {
                tables[s][b] = s * 65 + b;
            }
            ForwardBatch fb = ForwardBatch.builder().add(s, new int[1024], 0, 1024, 0, tables[s], -1, ForwardBatch.Logits.LAST).build();
            be.attention(pre, fb, pool, 0, spec, po);
        }
        Tensor q = be.alloc(t, c.qkvWidth());
        Tensor o = be.alloc(t, 2048);
        ForwardBatch.Builder b = ForwardBatch.builder();
        for (int s = 0; s < t; s++) {
            b.add(s, new int[1], 0, 1, 1024, tables[s], -1, ForwardBatch.Logits.LAST);
        }
        ForwardBatch decode = b.build();
        Map<String, Object> m = time(be, () -> be.attention(q, decode, pool, 0, spec, o), 0);
        pool.close();
        return m;
    }
}
