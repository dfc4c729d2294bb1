package io.lingspark.engine.model;

import io.lingspark.engine.backend.KvCache;
import java.util.ArrayList;
import java.util.List;

/**
 * Batched greedy decoding with the KV cache, not stopping at eos: prefill every prompt in one step,
 * then one step per token for all sequences together. The reference check of the engine
 * ({@code logits --greedy N}); real requests go through the runtime's scheduler and sampler.
 */
public final class Greedy {
    private Greedy() {
    }

    public static int[][] decode(CausalLm model, int[][] prompts, int steps) {
        int n = prompts.length;
        KvCache[] caches = new KvCache[n];
        List<SeqInput> inputs = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            caches[i] = model.newCache();
            inputs.add(new SeqInput(caches[i], prompts[i]));
        }
        int[][] out = new int[n][steps];
        float[][] logits = model.forward(inputs).logits();
        for (int s = 0; s < steps; s++) {
            inputs.clear();
            for (int i = 0; i < n; i++) {
                out[i][s] = argmax(logits[i]);
                inputs.add(new SeqInput(caches[i], new int[] {out[i][s]}));
            }
            if (s + 1 < steps) {
                logits = model.forward(inputs).logits();
            }
        }
        for (KvCache c : caches) {
            c.close();
        }
        return out;
    }

    /** Index of the largest value; the lowest index on ties (torch.argmax behaviour). */
    public static int argmax(float[] v) {
        int best = 0;
        for (int i = 1; i < v.length; i++) {
            if (v[i] > v[best]) {
                best = i;
            }
        }
        return best;
    }
}
