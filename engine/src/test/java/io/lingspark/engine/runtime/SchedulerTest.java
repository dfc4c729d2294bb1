package io.lingspark.engine.runtime;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lingspark.engine.model.Fixtures;
import io.lingspark.engine.step.ForwardBatch;
import io.lingspark.engine.tokenizer.HfTokenizer;
import io.lingspark.engine.tokenizer.Tokenizer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The scheduler on its own, with a fake model runner: admission (count and blocks), the token budget
 * (decode first, then prefill chunks), preemption of the newest sequence when blocks run out, and
 * aborts. The fake's token at position p of sequence s is a function of (s, p) only, and it checks
 * the step contract: positions follow the cache, tables hold the rows, no block is in two tables.
 */
class SchedulerTest {
    static Tokenizer tokenizer;

    @BeforeAll
    static void load() {
        tokenizer = HfTokenizer.load(Fixtures.model("tiny-ling-v2"));
    }

    /** Next token = f(sequence, position); records every step. */
    static final class FakeRunner implements ModelRunner {
        final int blockSize;
        int inFlight = 1;
        final List<ForwardBatch> steps = new ArrayList<>();
        final Map<Long, Integer> computed = new HashMap<>(); // what each sequence's cache holds, as the fake sees it

        FakeRunner(int blockSize) {
            this.blockSize = blockSize;
        }

        static int token(long seq, int position) {
            return 10 + (int) ((seq * 31 + position * 7) % 800);
        }

        @Override
        public StepResult execute(ForwardBatch batch, SamplingBatch sampling) {
            steps.add(batch);
            Set<Integer> blocks = new HashSet<>();
            int row = 0;
            int sampled = 0;
            for (ForwardBatch.Seq s : batch.seqs()) {
                assertEquals(row, s.firstRow());
                assertTrue(s.blockTable().length * blockSize >= s.length(), "the table holds the new rows");
                for (int b : s.blockTable()) {
                    assertTrue(blocks.add(b), "block " + b + " is in two tables");
                }
                int had = computed.getOrDefault(s.seqId(), 0);
                assertTrue(s.numComputed() == had || s.numComputed() == 0, "positions continue the cache (or restart)");
                for (int i = 0; i < s.numNew(); i++) {
                    assertEquals(s.numComputed() + i, batch.positions()[row + i]);
                }
                computed.put(s.seqId(), s.length());
                row += s.numNew();
                sampled += s.logits() == ForwardBatch.Logits.LAST ? 1 : 0;
            }
            assertEquals(sampled, sampling.size());
            Sampler.Sample[] out = new Sampler.Sample[sampling.size()];
            int i = 0;
            for (ForwardBatch.Seq s : batch.seqs()) {
                if (s.logits() == ForwardBatch.Logits.LAST) {
                    out[i++] = new Sampler.Sample(token(s.seqId(), s.length()), Double.NaN, new int[0], new double[0]);
                }
            }
            return new StepResult(out);
        }

        @Override
        public int vocabSize() {
            return 1024;
        }

        @Override
        public int maxInFlight() {
            return inFlight;
        }

        @Override
        public io.lingspark.engine.config.LingConfig config() {
            return io.lingspark.engine.config.Presets.get("tiny");
        }

        @Override
        public MemoryPlan plan() {
            throw new UnsupportedOperationException("the scheduler gets its cache manager directly");
        }

        @Override
        public float[] forwardLogits(ForwardBatch batch, int[][] routing) {
            throw new UnsupportedOperationException();
        }

        @Override
        public void resetState(int slot) {
        }

        @Override
        public float[] state(int slot, int layer) {
            throw new UnsupportedOperationException();
        }

        @Override
        public void close() {
        }
    }

    static final Sequence.RuntimeContext CTX = new Sequence.RuntimeContext() {
        @Override
        public boolean isEos(int id) {
            return false;
        }

        @Override
        public boolean keepInText(int id, SamplingParams p) {
            return true;
        }

        @Override
        public TokenLogprob logprob(Sampler.Sample s) {
            return null;
        }
    };

    private long order;

    GenerationState request(String id, int promptLen, int maxTokens) {
        SamplingParams p = SamplingParams.builder().temperature(0).maxTokens(maxTokens).ignoreEos(true).build();
        int[] prompt = new int[promptLen];
        for (int i = 0; i < promptLen; i++) {
            prompt[i] = 20 + i;
        }
        GenerationState r = new GenerationState(id, p, prompt, false, null, System.nanoTime());
        r.choices.add(new Sequence(r, 0, order++, prompt, maxTokens, 1, new int[0], tokenizer.newIncrementalDecoder(false), null));
        return r;
    }

    /** Steps until every request is answered (bounded). */
    static void runToEnd(Scheduler s, List<GenerationState> rs) {
        for (int i = 0; i < 10_000 && !rs.stream().allMatch(r -> r.future.isDone()); i++) {
            s.step();
        }
        assertTrue(rs.stream().allMatch(r -> r.future.isDone()), "every request finished");
    }

    static int[] expected(long seq, int promptLen, int n) {
        int[] out = new int[n];
        for (int i = 0; i < n; i++) {
            out[i] = FakeRunner.token(seq, promptLen + i);
        }
        return out;
    }

    @Test
    void admitsAtMostMaxRunningAndFillsTheTokenBudgetDecodeFirst() {
        FakeRunner runner = new FakeRunner(16);
        Scheduler s = new Scheduler(runner, new KvCacheManager(100, 16, 0), CTX, 8, 2, 1000);
        GenerationState a = request("a", 5, 3);
        GenerationState b = request("b", 6, 3);
        GenerationState c = request("c", 4, 3);
        for (GenerationState r : List.of(a, b, c)) {
            s.submit(r);
        }
        s.step();
        ForwardBatch first = runner.steps.get(0);
        assertEquals(2, first.seqs().size(), "max-running 2");
        assertEquals(5, first.seqs().get(0).numNew());
        assertEquals(3, first.seqs().get(1).numNew(), "b's prompt is chunked to the budget of 8");
        assertEquals(ForwardBatch.Logits.LAST, first.seqs().get(0).logits());
        assertEquals(ForwardBatch.Logits.NONE, first.seqs().get(1).logits(), "a chunk short of the end samples nothing");
        s.step();
        ForwardBatch second = runner.steps.get(1);
        assertEquals(1, second.seqs().get(0).numNew(), "a decodes first");
        assertEquals(3, second.seqs().get(1).numNew(), "then b's last chunk");
        runToEnd(s, List.of(a, b, c));
        assertArrayEquals(expected(0, 5, 3), a.future.join().choices().get(0).tokenIds());
        assertArrayEquals(expected(1, 6, 3), b.future.join().choices().get(0).tokenIds());
        assertArrayEquals(expected(2, 4, 3), c.future.join().choices().get(0).tokenIds());
        assertTrue(runner.steps.stream().allMatch(f -> f.seqs().size() <= 2));
        assertEquals(0, s.running().size());
    }

    @Test
    void exhaustedPoolPreemptsTheNewestAndOutputIsUnchanged() {
        // Three sequences of 10-token prompts growing to 40 tokens: 3 blocks of 16 each at the end, 9 in all.
        FakeRunner free = new FakeRunner(16);
        Scheduler roomy = new Scheduler(free, new KvCacheManager(100, 16, 0), CTX, 64, 8, 1000);
        List<GenerationState> ref = List.of(request("a", 10, 30), request("b", 10, 30), request("c", 10, 30));
        ref.forEach(roomy::submit);
        runToEnd(roomy, ref);
        assertEquals(0, roomy.preemptions.get());

        order = 0; // the same sequence ids, so the fake gives the same tokens
        FakeRunner tight = new FakeRunner(16);
        KvCacheManager cache = new KvCacheManager(6, 16, 0);
        Scheduler s = new Scheduler(tight, cache, CTX, 64, 8, 1000);
        List<GenerationState> rs = List.of(request("a", 10, 30), request("b", 10, 30), request("c", 10, 30));
        rs.forEach(s::submit);
        runToEnd(s, rs);
        assertTrue(s.preemptions.get() > 0, "6 blocks cannot hold three 40-token sequences");
        for (int i = 0; i < 3; i++) {
            assertArrayEquals(ref.get(i).future.join().choices().get(0).tokenIds(), rs.get(i).future.join().choices().get(0).tokenIds());
        }
        // The oldest sequence was never preempted: its cache only ever grew.
        long oldest = 0;
        int last = 0;
        for (ForwardBatch f : tight.steps) {
            for (ForwardBatch.Seq q : f.seqs()) {
                if (q.seqId() == oldest) {
                    assertTrue(q.numComputed() >= last, "the oldest never restarts");
                    last = q.numComputed();
                }
            }
        }
        // The first preemption took the newest sequence (c), which then restarted from position 0.
        boolean cRestarted = false;
        boolean cRan = false;
        for (ForwardBatch f : tight.steps) {
            for (ForwardBatch.Seq q : f.seqs()) {
                if (q.seqId() == 2) {
                    cRestarted |= cRan && q.numComputed() == 0;
                    cRan = true;
                }
                assertFalse(q.seqId() == 0 && cRestarted && q.numComputed() == 0, "a was not the one preempted");
            }
        }
        assertTrue(cRestarted, "the newest sequence was preempted and recomputed");
        assertEquals(0, cache.usedBlocks());
    }

    @Test
    void admissionWaitsForBlocks() {
        FakeRunner runner = new FakeRunner(16);
        KvCacheManager cache = new KvCacheManager(4, 16, 0);
        Scheduler s = new Scheduler(runner, cache, CTX, 256, 8, 64);
        GenerationState a = request("a", 40, 2);  // 3 blocks
        GenerationState b = request("b", 20, 2);  // 2 blocks: waits until a is done
        s.submit(a);
        s.submit(b);
        s.step();
        assertEquals(1, runner.steps.get(0).seqs().size(), "b is not admitted while its blocks are not free");
        runToEnd(s, List.of(a, b));
        assertEquals(0, s.preemptions.get());
        assertEquals(0, cache.usedBlocks());
    }

    @Test
    void anAnsweredRequestLeavesAtTheNextStepWithItsBlocks() {
        FakeRunner runner = new FakeRunner(16);
        KvCacheManager cache = new KvCacheManager(100, 16, 0);
        Scheduler s = new Scheduler(runner, cache, CTX, 256, 8, 1000);
        GenerationState a = request("a", 30, 500);
        GenerationState b = request("b", 30, 5);
        s.submit(a);
        s.submit(b);
        s.step();
        s.step();
        assertEquals(2, s.running().size());
        assertEquals(4, cache.usedBlocks());
        a.fail(ErrorCode.CANCELLED, "aborted"); // what Engine.abort does
        int before = runner.steps.size();
        s.step();
        assertEquals(before + 1, runner.steps.size());
        assertEquals(1, runner.steps.get(before).seqs().size(), "the aborted sequence is not in the next step");
        assertEquals(1, s.running().size());
        assertEquals(2, cache.usedBlocks(), "its blocks are back");
        assertEquals(1, s.aborted.get());
        runToEnd(s, List.of(b));
        assertEquals(0, cache.usedBlocks());
    }

    @Test
    void stepsInFlightTogetherHoldDisjointSequences() {
        // A pipeline of 2 stages: two micro-batches in flight, each with half the sequences.
        FakeRunner runner = new FakeRunner(16);
        runner.inFlight = 2;
        FakeRunner single = new FakeRunner(16);
        KvCacheManager cache = new KvCacheManager(100, 16, 0);
        Scheduler s = new Scheduler(runner, cache, CTX, 256, 8, 1000);
        List<GenerationState> rs = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            rs.add(request("r" + i, 6, 10));
        }
        rs.forEach(s::submit);
        runToEnd(s, rs);
        order = 0;
        Scheduler one = new Scheduler(single, new KvCacheManager(100, 16, 0), CTX, 256, 8, 1000);
        List<GenerationState> ref = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            ref.add(request("r" + i, 6, 10));
        }
        ref.forEach(one::submit);
        runToEnd(one, ref);
        for (int i = 0; i < 4; i++) {
            assertArrayEquals(ref.get(i).future.join().choices().get(0).tokenIds(), rs.get(i).future.join().choices().get(0).tokenIds());
        }
        // Consecutive steps (in flight together) never share a sequence; each holds at most half of them.
        for (int i = 0; i + 1 < runner.steps.size(); i++) {
            Set<Long> a = new HashSet<>();
            runner.steps.get(i).seqs().forEach(q -> a.add(q.seqId()));
            for (ForwardBatch.Seq q : runner.steps.get(i + 1).seqs()) {
                assertFalse(a.contains(q.seqId()), "step " + (i + 1) + " repeats sequence " + q.seqId() + " of the step in flight");
            }
            assertTrue(runner.steps.get(i).seqs().size() <= 2);
        }
        assertTrue(runner.steps.size() > single.steps.size(), "half-size micro-batches: more steps");
        assertEquals(0, cache.usedBlocks());
    }
}
