package io.lingspark.engine.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import io.lingspark.engine.backend.cpu.CpuBackend;
import io.lingspark.engine.runtime.ModelSession;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The CPU backend computes a token the same way however the prompt is split into steps: a prefill in
 * one step, in chunks of any length, the last token alone, a batch of other sizes. Bit for bit: what
 * the prefix cache relies on (a prefix computed by another request, the rest in a step of its own)
 * to give exactly what computing the whole prompt gives.
 */
class ChunkInvarianceTest {
    private static float[] lastLogits(ModelSession s, int[] prompt, int... cuts) {
        ModelSession.Seq q = s.newSequence();
        int from = 0;
        float[] out = null;
        for (int c : cuts) {
            out = s.forward(List.of(new ModelSession.SeqInput(q, Arrays.copyOfRange(prompt, from, c)))).logits()[0];
            from = c;
        }
        q.close();
        return out;
    }

    @ParameterizedTest
    @ValueSource(strings = {"tiny-ling-v2", "tiny-ling-v25", "tiny-ling-v2-fp8"})
    void logitsDoNotDependOnHowThePromptIsSplit(String name) throws Exception {
        int[][] p = Fixtures.ints2(Fixtures.reference(name).get("prompt_ids"));
        int[] prompt = Arrays.copyOf(java.util.stream.IntStream.concat(Arrays.stream(p[3]), Arrays.stream(p[1])).toArray(), 200);
        try (CausalLm m = ModelFactory.open(Fixtures.model(name), new CpuBackend(2)); ModelSession s = ModelSession.open(m)) {
            float[] whole = lastLogits(s, prompt, 200);
            for (int[] cuts : new int[][] {{128, 200}, {192, 200}, {199, 200}, {1, 2, 3, 100, 193, 200}, {37, 64, 150, 200}}) {
                assertArrayEquals(whole, lastLogits(s, prompt, cuts), name + " split at " + Arrays.toString(cuts));
            }
            // Batched with another sequence (other row counts in every product), position for position.
            ModelSession.Seq a = s.newSequence();
            ModelSession.Seq b = s.newSequence();
            float[][] both = s.forward(List.of(new ModelSession.SeqInput(a, Arrays.copyOf(prompt, 150)),
                new ModelSession.SeqInput(b, Arrays.copyOf(p[2], 13)))).logits();
            assertArrayEquals(lastLogits(s, prompt, 150), both[0], name + " batched");
            a.close();
            b.close();
        }
    }
}
