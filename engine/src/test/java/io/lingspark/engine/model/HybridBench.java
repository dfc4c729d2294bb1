package io.lingspark.engine.model;

import io.lingspark.engine.backend.cpu.CpuBackend;
import io.lingspark.engine.config.LingConfig;
import io.lingspark.engine.config.Presets;
import io.lingspark.engine.runtime.ModelSession;
import io.lingspark.engine.runtime.Sampler;
import java.util.List;
import java.util.SplittableRandom;

/**
 * CPU throughput of random-weight models side by side: prefill of P tokens in one step, then
 * batch-1 greedy decode of N tokens, repeated R times with the models interleaved, best run kept
 * (the machine may be shared; the best run is the least disturbed one). Default: "bench-small"
 * (Ling 2.0) against "bench-small-v25" (Ling 2.5 with the same hidden size, layers and experts):
 * {@code java -cp … io.lingspark.engine.model.HybridBench [presets,comma,separated] [threads] [prefill] [decode] [reps]}.
 */
public final class HybridBench {
    private HybridBench() {
    }

    public static void main(String[] args) {
        String[] presets = (args.length > 0 ? args[0] : "bench-small,bench-small-v25").split(",");
        int threads = args.length > 1 ? Integer.parseInt(args[1]) : 0;
        int prefill = args.length > 2 ? Integer.parseInt(args[2]) : 256;
        int decode = args.length > 3 ? Integer.parseInt(args[3]) : 32;
        int reps = args.length > 4 ? Integer.parseInt(args[4]) : 3;
        try (CpuBackend be = new CpuBackend(threads)) {
            ModelSession[] models = new ModelSession[presets.length];
            double[][] best = new double[presets.length][] ;
            for (int i = 0; i < presets.length; i++) {
                LingConfig c = Presets.get(presets[i]);
                models[i] = ModelSession.open(ModelFactory.randomModel(c, be, 1234), prefill);
                System.out.printf("%s: %s on %s%n", presets[i], c, be.name());
                best[i] = new double[] {Double.MAX_VALUE, Double.MAX_VALUE};
            }
            int[] prompt = new SplittableRandom(5).ints(prefill, 0, 30000).toArray();
            for (ModelSession m : models) {
                run(m, prompt, Math.min(decode, 4)); // warm-up: JIT
            }
            for (int r = 0; r < reps; r++) {
                for (int i = 0; i < models.length; i++) {
                    double[] t = run(models[i], prompt, decode);
                    best[i][0] = Math.min(best[i][0], t[0]);
                    best[i][1] = Math.min(best[i][1], t[1]);
                }
            }
            for (int i = 0; i < models.length; i++) {
                System.out.printf("%-16s prefill %d tokens: %6.1f tok/s   decode batch 1 (%d tokens): %5.1f tok/s (%.1f ms/token)  [best of %d]%n",
                        presets[i], prefill, prefill / best[i][0], decode, decode / best[i][1], 1000 * best[i][1] / decode, reps);
            }
        }
    }

    /** Seconds for the prefill step and for the decode steps. */
    private static double[] run(ModelSession model, int[] prompt, int decode) {
        ModelSession.Seq cache = model.newSequence();
        long t0 = System.nanoTime();
        float[] logits = model.forward(List.of(new ModelSession.SeqInput(cache, prompt))).logits()[0];
        long t1 = System.nanoTime();
        for (int s = 0; s < decode; s++) {
            int next = Sampler.argmax(logits);
            logits = model.forward(List.of(new ModelSession.SeqInput(cache, new int[] {next}))).logits()[0];
        }
        long t2 = System.nanoTime();
        cache.close();
        return new double[] {(t1 - t0) / 1e9, (t2 - t1) / 1e9};
    }
}
