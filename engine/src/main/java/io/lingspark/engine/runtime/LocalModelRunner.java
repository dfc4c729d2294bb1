package io.lingspark.engine.runtime;

import io.lingspark.engine.backend.Backend;
import io.lingspark.engine.backend.CachePool;
import io.lingspark.engine.backend.Tensor;
import io.lingspark.engine.model.CausalLm;
import io.lingspark.engine.model.IntermediateTensors;
import io.lingspark.engine.step.ForwardBatch;
import java.util.List;

/**
 * The whole model in this JVM on one backend: block copies → beginStep → embed → layers [0, L) →
 * logits (on the device) → endStep, then token choice: on the device where the backend samples and
 * every row's parameters allow it (only ids come back), else on the host over the step's logits in one
 * pass; and scores of the scored rows, on the host. Sampled and scored rows get separate LM-head calls,
 * so the device sampling path sees only the rows it samples.
 */
public final class LocalModelRunner implements ModelRunner {
    private final CausalLm model;
    private final Backend be;
    private final MemoryPlan plan;
    private final CachePool cache;
    private final BatchSampler sampler;

    /** Allocates the plan's cache on the model's backend. */
    public LocalModelRunner(CausalLm model, MemoryPlan plan, int samplingThreads) {
        if (!model.slice().isWhole(model.config())) {
            throw new IllegalArgumentException("a local runner needs the whole model; a slice belongs to a pipeline stage");
        }
        this.model = model;
        this.be = model.backend();
        this.plan = plan;
        this.cache = be.allocateCache(model.cacheSpec(plan.blockSize()), plan.kvBlocks(), plan.slots());
        this.sampler = new BatchSampler(samplingThreads);
    }

    @Override
    public io.lingspark.engine.config.LingConfig config() {
        return model.config();
    }

    @Override
    public MemoryPlan plan() {
        return plan;
    }

    public CausalLm model() {
        return model;
    }

    public CachePool cache() {
        return cache;
    }

    /**
     * Runs the step (after the block copies it asks for) and returns the device logits of each row set,
     * null where a set is empty.
     */
    private Tensor[] forward(ForwardBatch batch, int[][] routing, int[]... rowSets) {
        copyBlocks(cache, batch);
        be.beginStep(batch);
        try {
            IntermediateTensors h = model.embed(batch);
            model.layers(batch, cache, h, 0, model.numLayers(), routing);
            Tensor[] out = new Tensor[rowSets.length];
            for (int i = 0; i < rowSets.length; i++) {
                out[i] = rowSets[i].length > 0 ? model.logits(h, rowSets[i]) : null;
            }
            model.release(h);
            be.endStep();
            return out;
        } catch (RuntimeException | Error e) {
            be.abortStep();
            throw e;
        }
    }

    /** The copy-on-write block copies a step carries, before anything of the step runs (and outside a decode graph). */
    public static void copyBlocks(CachePool pool, ForwardBatch batch) {
        int[] c = batch.blockCopies();
        for (int i = 0; i < c.length; i += 2) {
            pool.copyBlock(c[i], c[i + 1]);
        }
    }

    @Override
    public float[] forwardLogits(ForwardBatch batch, int[][] routing) {
        Tensor logits = forward(batch, routing, batch.logitRows())[0];
        return logits == null ? new float[0] : be.toHost(logits);
    }

    @Override
    public StepResult execute(ForwardBatch batch, SamplingBatch sampling) {
        Tensor[] logits = forward(batch, null, batch.sampleRows(), batch.scoreRows());
        return finish(be, sampler, logits[0], logits[1], vocabSize(), sampling);
    }

    /**
     * A step's outcome from its logits: tokens for the sample rows (on the device when it samples and
     * every row allows it, else on the host), scores for the score rows (on the host: fp32 logits,
     * double sums; the same code whatever the backend).
     */
    public static StepResult finish(Backend be, BatchSampler sampler, Tensor sampleLogits, Tensor scoreLogits, int vocab,
                                    SamplingBatch sampling) {
        int sampledRows = sampleLogits == null ? 0 : sampleLogits.rows();
        int scoredRows = scoreLogits == null ? 0 : scoreLogits.rows();
        if (sampledRows != sampling.size() || scoredRows != sampling.scoreTargets().size()) {
            throw new IllegalArgumentException("a step samples " + sampling.size() + " and scores "
                + sampling.scoreTargets().size() + " rows from " + sampledRows + " and " + scoredRows + " logit rows");
        }
        Sampler.Sample[] samples = sampledRows == 0 ? new Sampler.Sample[0]
            : sample(be, sampler, sampleLogits, vocab, sampling).samples();
        StepResult.Score[] scores = scoredRows == 0 ? new StepResult.Score[0]
            : sampler.score(be.toHost(scoreLogits), vocab, sampling.scoreTargets());
        return new StepResult(samples, scores);
    }

    /** Token choice for a step's logits: on the device when it samples and every row allows it, else on the host. */
    public static StepResult sample(Backend be, BatchSampler sampler, Tensor logits, int vocab, SamplingBatch sampling) {
        if (be.supports(Backend.Feature.DEVICE_SAMPLING) && deviceSamplable(sampling.rows())) {
            return new StepResult(sampleOnDevice(be, logits, sampling.rows()));
        }
        return new StepResult(sampler.sample(be.toHost(logits), vocab, sampling));
    }

    /**
     * Rows the device kernel serves exactly: greedy, or temperature with 1 ≤ top_k ≤ 64 (top_p over
     * the top-k) and nothing the kernel lacks (penalties, min_p, an active min_tokens mask, logprobs, a
     * structured-output mask: until a device bitmask kernel has passed the GPU parity suite, constrained
     * rows are sampled on the host).
     */
    static boolean deviceSamplable(List<Sampler.Row> rows) {
        for (Sampler.Row r : rows) {
            SamplingParams p = r.params();
            boolean greedy = p.temperature() < Sampler.GREEDY_EPS;
            if (r.allowed() != null || p.logprobs() != null || p.minP() > 0 || p.repetitionPenalty() != 1 || p.frequencyPenalty() != 0
                || p.presencePenalty() != 0 || (r.generated() < p.minTokens() && r.blocked().length > 0)
                || (!greedy && (p.topK() < 1 || p.topK() > 64))) {
                return false;
            }
        }
        return true;
    }

    private static Sampler.Sample[] sampleOnDevice(Backend be, Tensor logits, List<Sampler.Row> rows) {
        int n = rows.size();
        float[] temp = new float[n];
        int[] topK = new int[n];
        float[] topP = new float[n];
        long[] seeds = new long[n];
        for (int i = 0; i < n; i++) {
            Sampler.Row r = rows.get(i);
            SamplingParams p = r.params();
            boolean greedy = p.temperature() < Sampler.GREEDY_EPS;
            temp[i] = greedy ? 0f : (float) p.temperature();
            topK[i] = greedy ? 1 : p.topK();
            topP[i] = (float) p.topP();
            seeds[i] = Sampler.drawSeed(r.seed(), r.generated());
        }
        int[] ids = be.sample(logits, temp, topK, topP, seeds);
        Sampler.Sample[] out = new Sampler.Sample[n];
        for (int i = 0; i < n; i++) {
            out[i] = new Sampler.Sample(ids[i], Double.NaN, new int[0], new double[0]);
        }
        return out;
    }

    @Override
    public void resetState(int slot) {
        cache.resetState(slot);
    }

    @Override
    public float[] state(int slot, int layer) {
        return cache.state(slot, layer);
    }

    @Override
    public void close() {
        sampler.close();
        cache.close();
    }
}
