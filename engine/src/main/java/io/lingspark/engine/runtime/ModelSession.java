package io.lingspark.engine.runtime;

import io.lingspark.engine.model.CausalLm;
import io.lingspark.engine.step.ForwardBatch;
import java.util.Arrays;
import java.util.List;

/**
 * A model with its own cache, driven step by step by the caller: no scheduler, no sampling, logits
 * back on the host. What reference checks ({@code logits}, {@link Greedy}), benchmarks and tests use.
 * Each sequence is a {@link Seq}; a step is a list of {@link SeqInput}s, each appending tokens to its
 * sequence. Not thread-safe.
 */
public final class ModelSession implements AutoCloseable {
    private final ModelRunner runner;
    private final MemoryPlan plan;
    private final KvCacheManager cache;
    private final boolean stateful;
    private long nextId;

    /** One sequence's place in the cache. */
    public final class Seq implements AutoCloseable {
        final long id = nextId++;
        final KvCacheManager.BlockTable table = new KvCacheManager.BlockTable();
        int length;
        int sampled;
        private boolean closed;

        /** Tokens in the cache. */
        public int length() {
            return length;
        }

        /**
         * Forgets everything after the first n tokens. A linear-attention state folds every past token
         * in and cannot be rewound without a snapshot: such models truncate only to 0 (or not at all).
         */
        public void truncate(int n) {
            if (n >= length) {
                return;
            }
            if (stateful && n != 0) {
                throw new UnsupportedOperationException("a hybrid (linear-attention) cache can only be truncated to 0, not to "
                    + n + " of " + length + " tokens: the recurrent state has no snapshot there; recompute from 0");
            }
            cache.truncate(table, Math.max(0, n));
            if (stateful) {
                runner.resetState(table.slot());
            }
            length = Math.max(0, n);
        }

        /** Bytes held: its blocks, and its state slot. */
        public long bytes() {
            return table.blocks() * plan.kvBlockBytes() + (table.slot() >= 0 ? plan.slotBytes() : 0);
        }

        @Override
        public void close() {
            if (!closed) {
                closed = true;
                cache.free(table);
                length = 0;
            }
        }
    }

    /** Tokens appended to a sequence by one step; allLogits asks for every position's logits, else the last's. */
    public record SeqInput(Seq seq, int[] tokens, boolean allLogits) {
        public SeqInput(Seq seq, int[] tokens) {
            this(seq, tokens, false);
        }
    }

    /**
     * @param logits  per input: [V] for its last token, or [n·V] row-major when it asked for all positions
     * @param routing per MoE layer (in layer order): chosen expert ids [T·k] for the step's T tokens, or null
     */
    public record StepOutput(float[][] logits, int[][] routing) {
    }

    /** A session over any runner (a whole model here, or a pipeline of stages); closing it closes the runner. */
    public ModelSession(ModelRunner runner) {
        this.runner = runner;
        this.plan = runner.plan();
        this.cache = new KvCacheManager(plan.kvBlocks(), plan.blockSize(), plan.slots());
        this.stateful = plan.slots() > 0;
    }

    /** A session whose steps hold up to maxStepTokens rows, with the backend's cache memory setting. */
    public static ModelSession open(CausalLm model, int maxStepTokens) {
        return open(model, maxStepTokens, 256, 1);
    }

    /**
     * @param maxSequences    sequences open at once (state slots of linear-attention models)
     * @param samplingThreads threads of the host sampler ({@link #sampleStep})
     */
    public static ModelSession open(CausalLm model, int maxStepTokens, int maxSequences, int samplingThreads) {
        return new ModelSession(new LocalModelRunner(model, MemoryPlan.forModel(model, maxStepTokens, maxSequences),
            samplingThreads));
    }

    public static ModelSession open(CausalLm model) {
        return open(model, EngineOptions.DEFAULT_MAX_BATCH_TOKENS);
    }

    public io.lingspark.engine.config.LingConfig config() {
        return runner.config();
    }

    public ModelRunner runner() {
        return runner;
    }

    public MemoryPlan plan() {
        return plan;
    }

    public KvCacheManager cacheManager() {
        return cache;
    }

    public Seq newSequence() {
        Seq s = new Seq();
        if (stateful && !cache.takeSlot(s.table)) {
            throw new IllegalStateException("all " + cache.totalSlots() + " state slots are taken");
        }
        if (stateful) {
            runner.resetState(s.table.slot());
        }
        return s;
    }

    public StepOutput forward(List<SeqInput> inputs) {
        return forward(inputs, false);
    }

    /** One batched step over several sequences, each at its own position. */
    public StepOutput forward(List<SeqInput> inputs, boolean recordRouting) {
        ForwardBatch batch = batch(inputs);
        int[][] routing = recordRouting ? new int[config().numLayers - config().firstKDenseReplace][] : null;
        float[] all = runner.forwardLogits(batch, routing);
        int v = config().vocabSize;
        float[][] out = new float[inputs.size()][];
        int r = 0;
        for (int i = 0; i < inputs.size(); i++) {
            SeqInput in = inputs.get(i);
            int rows = in.allLogits() ? in.tokens().length : 1;
            out[i] = Arrays.copyOfRange(all, r * v, (r + rows) * v);
            r += rows;
            in.seq().length += in.tokens().length;
        }
        return new StepOutput(out, routing);
    }

    /**
     * One step through the engine's own path (the model runner: forward, then batched token choice on
     * the device or the host): each input's tokens are appended and its next token is chosen with p
     * (seeded per sequence); no logits reach the caller. Penalties see no history here. Benchmarks.
     */
    public int[] sampleStep(List<SeqInput> inputs, SamplingParams p) {
        try {
            return submitSample(inputs, p).join();
        } catch (java.util.concurrent.CompletionException e) {
            throw e.getCause() instanceof RuntimeException r ? r : e;
        }
    }

    /**
     * {@link #sampleStep} without waiting: the step is handed to the runner (up to its maxInFlight steps
     * of disjoint sequences may be in flight, as the pipeline keeps them) and the sequences advance now.
     */
    public java.util.concurrent.CompletableFuture<int[]> submitSample(List<SeqInput> inputs, SamplingParams p) {
        ForwardBatch batch = batch(inputs);
        List<Sampler.Row> rows = new java.util.ArrayList<>();
        long base = p.seed() != null ? p.seed() : 0;
        for (SeqInput in : inputs) {
            if (in.allLogits()) {
                throw new IllegalArgumentException("sampleStep samples the last position only");
            }
            Seq s = in.seq();
            rows.add(new Sampler.Row(p, Sampler.choiceSeed(base, (int) s.id), s.sampled, new int[0], new int[0], 0, 0));
        }
        for (SeqInput in : inputs) {
            in.seq().length += in.tokens().length;
            in.seq().sampled++;
        }
        return runner.submit(batch, new SamplingBatch(rows)).thenApply(r -> {
            int[] next = new int[inputs.size()];
            for (int i = 0; i < next.length; i++) {
                next[i] = r.samples()[i].token();
            }
            return next;
        });
    }

    private ForwardBatch batch(List<SeqInput> inputs) {
        ForwardBatch.Builder b = ForwardBatch.builder();
        for (SeqInput in : inputs) {
            Seq s = in.seq();
            int n = in.tokens().length;
            if (s.closed) {
                throw new IllegalStateException("sequence " + s.id + " is closed");
            }
            if (!cache.canGrow(s.table, s.length + n)) {
                throw new IllegalStateException("cache full: " + cache.freeBlocks() + " blocks free, "
                    + cache.blocksNeeded(s.table, s.length + n) + " needed (" + plan + ")");
            }
            cache.grow(s.table, s.length + n);
            b.add(s.id, in.tokens(), 0, n, s.length, s.table.snapshot(), s.table.slot(),
                in.allLogits() ? ForwardBatch.Logits.ALL : ForwardBatch.Logits.LAST);
        }
        return b.build();
    }

    /** The recurrent state [heads, d, d] of a sequence at its linear-attention layer number i (tests). */
    public float[] linearState(Seq s, int linearIndex) {
        io.lingspark.engine.config.LingConfig c = config();
        int n = -1;
        for (int l = 0; l < c.numLayers; l++) {
            if (c.layerKind(l) == io.lingspark.engine.config.LingConfig.LayerKind.LINEAR && ++n == linearIndex) {
                return runner.state(s.table.slot(), l);
            }
        }
        throw new IllegalArgumentException("the model has no linear layer number " + linearIndex);
    }

    /** Frees the cache (the runner's); the model stays open. */
    @Override
    public void close() {
        runner.close();
    }
}
