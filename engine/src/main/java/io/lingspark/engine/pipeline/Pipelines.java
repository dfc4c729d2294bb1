package io.lingspark.engine.pipeline;

import io.lingspark.engine.backend.Backend;
import io.lingspark.engine.backend.cpu.CpuBackend;
import io.lingspark.engine.backend.cuda.CudaBackend;
import io.lingspark.engine.backend.cuda.CudaContext;
import io.lingspark.engine.config.LingConfig;
import io.lingspark.engine.config.ModelLoadException;
import io.lingspark.engine.model.CausalLm;
import io.lingspark.engine.model.ModelFactory;
import io.lingspark.engine.model.ModelSlice;
import io.lingspark.engine.runtime.EngineOptions;
import io.lingspark.engine.runtime.LingEngine;
import io.lingspark.engine.runtime.MemoryPlan;
import io.lingspark.engine.runtime.ModelRunner;
import io.lingspark.engine.weights.Checkpoint;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.BiFunction;
import java.util.logging.Logger;

/**
 * Builds engines and runners from options, with pipeline stages when --pipeline-stages asks for more
 * than one: the stage plan (balanced, or --stage-layers), then per stage its own backend (a share of
 * the cores on the CPU, its own device on a GPU), its model slice (only its shards and tensors read)
 * and its cache. Stages run in this JVM; the same stage code is what a stage in another executor runs.
 */
public final class Pipelines {
    private Pipelines() {
    }

    /** An engine for the options: the whole model in one runner, or a pipeline of stages. */
    public static LingEngine openEngine(EngineOptions o) {
        return o.pipelined() ? LingEngine.open(o, Pipelines::load) : LingEngine.open(o);
    }

    /** The runner factory for LingEngine: a pipeline over the options' checkpoint. */
    static LingEngine.Loaded load(EngineOptions o, LingConfig config) {
        PipelineModelRunner r = open(o);
        return new LingEngine.Loaded(r, () -> { }, r.stages() + " stage(s) on " + o.device());
    }

    /** The stage plan of a checkpoint (exact sizes) for the options. */
    public static StagePlan plan(Path dir, LingConfig c, EngineOptions o) {
        LayerSizes sizes;
        try (Checkpoint ckpt = Checkpoint.open(dir)) {
            sizes = LayerSizes.of(ckpt, c, onCpu(o) ? 4 : 2);
        }
        return plan(sizes, c, o);
    }

    /** --stage-layers, else the default split: balanced by memory on GPUs, by estimated decode time on the CPU. */
    public static StagePlan plan(LayerSizes sizes, LingConfig c, EngineOptions o) {
        if (o.stageLayers() != null) {
            return StagePlan.parse(o.stageLayers(), sizes);
        }
        return onCpu(o) ? StagePlan.balancedForCpu(sizes, c, o.pipelineStages()) : StagePlan.balanced(sizes, o.pipelineStages());
    }

    /** A pipeline over a checkpoint directory: each stage loads only its own part of it. */
    public static PipelineModelRunner open(EngineOptions o) {
        LingConfig c = LingConfig.fromDirectory(o.modelDir());
        StagePlan plan = plan(o.modelDir(), c, o);
        return build(c, plan, o, (slice, be) -> ModelFactory.open(o.modelDir(), be, slice));
    }

    /** A pipeline over a random-weight model (benchmarks, tests): the same weights as the whole random model. */
    public static PipelineModelRunner random(LingConfig c, long seed, EngineOptions o) {
        StagePlan plan = plan(LayerSizes.of(c, false, onCpu(o) ? 4 : 2), c, o);
        return build(c, plan, o, (slice, be) -> ModelFactory.randomModel(c, be, seed, slice));
    }

    /** A runner for the options: a pipeline when they ask for stages, else null (the caller builds a local one). */
    public static ModelRunner runnerOrNull(LingConfig c, EngineOptions o, Long randomSeed) {
        if (!o.pipelined()) {
            return null;
        }
        return randomSeed != null ? random(c, randomSeed, o) : open(o);
    }

    private static PipelineModelRunner build(LingConfig c, StagePlan plan, EngineOptions o,
                                             BiFunction<ModelSlice, Backend, CausalLm> load) {
        StageGroup g = group(c, plan, 0, plan.size(), o, load);
        MemoryPlan joint = joint(g.plans, plan.size());
        g.allocate(joint);
        return new PipelineModelRunner(c, g, null, joint, plan.size(), true);
    }

    /**
     * Loads stages [from, to) of a plan in this process: per stage its backend (a share of the cores,
     * or device base + k − from), its model slice and its memory plan; caches wait for the joint plan.
     */
    static StageGroup group(LingConfig c, StagePlan plan, int from, int to, EngineOptions o,
                            BiFunction<ModelSlice, Backend, CausalLm> load) {
        int here = to - from;
        List<CausalLm> models = new ArrayList<>();
        List<MemoryPlan> plans = new ArrayList<>();
        try {
            for (StagePlan.Stage st : plan.stages().subList(from, to)) {
                Backend be = backend(o, st.index() - from, here);
                CausalLm m;
                try {
                    checkFits(c, st, be, o);
                    m = load.apply(new ModelSlice(st.firstLayer(), st.lastLayer(), st.embedding(), st.head()), be);
                } catch (RuntimeException e) {
                    be.close();
                    throw e;
                }
                models.add(m);
                plans.add(MemoryPlan.forModel(m, o.maxBatchTokens(), o.stateSlots()));
            }
        } catch (RuntimeException e) {
            models.forEach(CausalLm::close);
            throw e;
        }
        List<StageWorker> workers = new ArrayList<>();
        for (int i = 0; i < here; i++) {
            workers.add(new StageWorker(from + i, models.get(i), samplingThreads(o, here)));
        }
        return new StageGroup(c, workers, plans);
    }

    /** The pipeline's plan: every stage gets the smallest stage's blocks and slots; bytes add up over stages. */
    static MemoryPlan joint(List<MemoryPlan> plans, int s) {
        int blocks = Integer.MAX_VALUE;
        int slots = Integer.MAX_VALUE;
        long budget = 0;
        long weights = 0;
        long act = 0;
        long blockBytes = 0;
        long slotBytes = 0;
        for (MemoryPlan p : plans) {
            blocks = Math.min(blocks, p.kvBlocks());
            if (p.slots() > 0) {
                slots = Math.min(slots, p.slots());
            }
            budget += p.cacheBudget();
            weights += p.weightBytes();
            act = Math.max(act, p.activationBytes());
            blockBytes += p.kvBlockBytes();
            slotBytes += p.slotBytes();
        }
        return new MemoryPlan(budget, weights, act, blockBytes, blocks, plans.get(0).blockSize(), plans.get(0).maxBatchTokens(),
            slotBytes, slots == Integer.MAX_VALUE ? 0 : slots);
    }

    public static boolean onCpu(EngineOptions o) {
        String d = o.device() == null ? "cpu" : o.device().toLowerCase(Locale.ROOT);
        return d.equals("cpu") || (d.equals("auto") && !(CudaContext.kernelsBuilt() && CudaContext.deviceAvailable()));
    }

    /**
     * Stage k's backend: on the CPU a share of the cores (--threads-per-stage, default cores / S) and of
     * the cache memory; on GPUs device base + k (--device cuda:N starts at N). With fewer devices than
     * stages the stages wrap around the visible devices, each sharing one taking its share of the
     * memory utilization (for checks on a one-GPU machine; it buys no speed).
     */
    static Backend backend(EngineOptions o, int k, int s) {
        if (onCpu(o)) {
            int threads = cpuThreads(o, s);
            long memory = (o.kvCacheMemory() > 0 ? o.kvCacheMemory() : CpuBackend.defaultCacheMemory()) / s;
            return new CpuBackend(threads, memory, o.cpuWeights() == io.lingspark.engine.runtime.CpuWeights.INT8);
        }
        if (!CudaContext.kernelsBuilt()) {
            throw new ModelLoadException("CUDA kernels were not built (nvcc was not found at build time)");
        }
        String d = o.device().toLowerCase(Locale.ROOT);
        int base = d.startsWith("cuda:") ? Integer.parseInt(d.substring(5)) : 0;
        int visible = CudaContext.deviceCount();
        if (visible <= base) {
            throw new ModelLoadException("CUDA device " + base + " does not exist (" + visible + " visible)");
        }
        int ordinal = stageDevice(base, k, visible);
        int sharing = stagesOn(ordinal, base, s, visible);
        if (sharing > 1 && k == 0) {
            Logger.getLogger(Pipelines.class.getName()).warning(String.format("%d pipeline stages on %d visible GPU(s) from "
                + "cuda:%d: stages share devices, each with 1/%d of --gpu-memory-utilization", s, visible, base, sharing));
        }
        return new CudaBackend(ordinal, o.gpuMemoryUtilization() / sharing,
            o.kvCacheMemory() > 0 ? Math.max(1, o.kvCacheMemory() / sharing) : 0);
    }

    /** The device of stage k: base + k, wrapping around the visible devices [base, visible). */
    static int stageDevice(int base, int k, int visible) {
        return base + k % (visible - base);
    }

    /** How many of the S stages land on device `ordinal`. */
    static int stagesOn(int ordinal, int base, int s, int visible) {
        int n = 0;
        for (int k = 0; k < s; k++) {
            n += stageDevice(base, k, visible) == ordinal ? 1 : 0;
        }
        return n;
    }

    /** A stage must hold its weights, the activation reserve and one short sequence's cache on its device. */
    static void checkFits(LingConfig c, StagePlan.Stage st, Backend be, EngineOptions o) {
        long capacity = be.memoryCapacity();
        if (capacity == Long.MAX_VALUE) {
            return;
        }
        long need = PlanFit.need(c, st, MemoryPlan.activationBytes(c, o.maxBatchTokens()));
        if (need > capacity) {
            throw new ModelLoadException(String.format(Locale.ROOT, "pipeline stage %d (layers %s) needs %.1f GiB on %s, "
                + "which gives %.1f GiB: more stages (lingspark plan says how many), FP8 weights, or a larger device",
                st.index(), st.range(), need / (double) (1L << 30), be.name(), capacity / (double) (1L << 30)));
        }
    }

    /** The last stage samples on its own share of the cores (the stage's threads on the CPU). */
    static int samplingThreads(EngineOptions o, int s) {
        return onCpu(o) ? cpuThreads(o, s) : (o.cpuThreads() > 0 ? o.cpuThreads() : Runtime.getRuntime().availableProcessors());
    }

    static int cpuThreads(EngineOptions o, int s) {
        return o.threadsPerStage() > 0 ? o.threadsPerStage()
            : Math.max(1, (o.cpuThreads() > 0 ? o.cpuThreads() : Runtime.getRuntime().availableProcessors()) / s);
    }
}
