package io.lingspark.engine.runtime;

import java.util.ArrayList;
import java.util.List;

/**
 * Batched greedy decoding with the KV cache, not stopping at eos: prefill every prompt in one step,
 * then one step per token for all sequences together. The reference check of the engine
 * ({@code logits --greedy N}); real requests go through the scheduler and the sampler.
 */
public final class Greedy {
    private Greedy() {
    }

    public static int[][] decode(ModelSession session, int[][] prompts, int steps) {
        int n = prompts.length;
        List<ModelSession.Seq> seqs = new ArrayList<>();
        List<ModelSession.SeqInput> inputs = new ArrayList<>();
        for (int[] p : prompts) {
            ModelSession.Seq s = session.newSequence();
            seqs.add(s);
            inputs.add(new ModelSession.SeqInput(s, p));
        }
        int[][] out = new int[n][steps];
        try {
            float[][] logits = session.forward(inputs).logits();
            for (int s = 0; s < steps; s++) {
                inputs.clear();
                for (int i = 0; i < n; i++) {
                    out[i][s] = Sampler.argmax(logits[i]);
                    inputs.add(new ModelSession.SeqInput(seqs.get(i), new int[] {out[i][s]}));
                }
                if (s + 1 < steps) {
                    logits = session.forward(inputs).logits();
                }
            }
        } finally {
            seqs.forEach(ModelSession.Seq::close);
        }
        return out;
    }
}
