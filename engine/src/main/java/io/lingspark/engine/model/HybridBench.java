package io.lingspark.engine.model;

import io.lingspark.engine.backend.KvCache;
import io.lingspark.engine.backend.cpu.CpuBackend;
import io.lingspark.engine.config.LingConfig;
import io.lingspark.engine.config.Presets;
import java.util.List;
import java.util.SplittableRandom;

/**
 * CPU throughput of a random-weight model: prefill of P tokens in one step, then batch-1 greedy
 * decode of N tokens. Run it for "bench-small" (Ling 2.0) and "bench-small-v25" (Ling 2.5, same
 * hidden size, layers and experts) to compare the families:
 * {@code java -cp … io.lingspark.engine.model.HybridBench <preset> [threads] [prefill] [decode]}.
 */
public final class HybridBench {
    private HybridBench() {
    }

    public static void main(String[] args) {
        String preset = args.length > 0 ? args[0] : "bench-small-v25";
        int threads = args.length > 1 ? Integer.parseInt(args[1]) : 0;
        int prefill = args.length > 2 ? Integer.parseInt(args[2]) : 256;
        int decode = args.length > 3 ? Integer.parseInt(args[3]) : 32;
        LingConfig c = Presets.get(preset);
        try (CpuBackend be = new CpuBackend(threads)) {
            long t0 = System.nanoTime();
            CausalLm model = ModelFactory.randomModel(c, be, 1234);
            System.out.printf("%s: %s on %s, random weights built in %.1f s%n", preset, c, be.name(), (System.nanoTime() - t0) / 1e9);
            int[] prompt = new SplittableRandom(5).ints(prefill, 0, Math.min(c.vocabSize, 30000)).toArray();
            run(model, prompt, Math.min(decode, 4)); // warm-up: JIT
            double[] r = run(model, prompt, decode);
            System.out.printf("%s: prefill %d tokens %.1f tok/s (%.2f s); decode batch 1, %d tokens: %.2f tok/s (%.1f ms/token)%n",
                    preset, prefill, prefill / r[0], r[0], decode, decode / r[1], 1000 * r[1] / decode);
        }
    }

    /** Seconds for the prefill step and for the decode steps. */
    private static double[] run(CausalLm model, int[] prompt, int decode) {
        KvCache cache = model.newCache();
        long t0 = System.nanoTime();
        float[] logits = model.forward(List.of(new SeqInput(cache, prompt))).logits()[0];
        long t1 = System.nanoTime();
        for (int s = 0; s < decode; s++) {
            int next = Greedy.argmax(logits);
            logits = model.forward(List.of(new SeqInput(cache, new int[] {next}))).logits()[0];
        }
        long t2 = System.nanoTime();
        cache.close();
        return new double[] {(t1 - t0) / 1e9, (t2 - t1) / 1e9};
    }
}
