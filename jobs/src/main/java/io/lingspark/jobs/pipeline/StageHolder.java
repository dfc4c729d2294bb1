package io.lingspark.jobs.pipeline;

import io.lingspark.engine.pipeline.PipelineRanks;
import io.lingspark.engine.pipeline.StageGroup;
import io.lingspark.engine.runtime.EngineOptions;
import java.util.LinkedHashMap;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The pipeline stages this executor JVM holds, loaded once and kept across the job's batches (each
 * batch is its own barrier stage). Spark may give this executor another rank in a later batch
 * (placement follows the partition, the driver asks for the same executors again by preferred
 * location): on a cluster the old rank's stages are then dropped first, since an executor's devices
 * hold one rank; in local mode every rank lives in this one JVM and all are kept.
 */
public final class StageHolder {
    private static final Logger LOG = LoggerFactory.getLogger(StageHolder.class);
    private static final Map<String, StageGroup> GROUPS = new LinkedHashMap<>();
    /** Stage loads by this JVM (tests check that batches reuse them). */
    static final java.util.concurrent.atomic.AtomicInteger LOADS = new java.util.concurrent.atomic.AtomicInteger();

    private StageHolder() {
    }

    static String key(EngineOptions o, int pipeline, int rank, int ranks) {
        return o.modelDir().toAbsolutePath().normalize() + "|" + o.device() + "|" + o.pipelineStages() + "|"
            + o.stageLayers() + "|" + o.threadsPerStage() + "|" + o.kvCacheMemory() + "|" + rank + "/" + ranks + "|" + pipeline;
    }

    /**
     * Rank `rank`'s stages, loaded on first use. keepOthers: several ranks share this JVM (local mode),
     * those of several pipelines too, so each pipeline has its own (two pipelines run at once).
     */
    public static synchronized StageGroup get(EngineOptions o, int pipeline, int rank, int ranks, boolean keepOthers) {
        String key = key(o, keepOthers ? pipeline : 0, rank, ranks);
        StageGroup g = GROUPS.get(key);
        if (g != null) {
            return g;
        }
        if (!keepOthers) {
            closeAll();
        }
        long t0 = System.nanoTime();
        g = PipelineRanks.load(o, rank, ranks);
        LOADS.incrementAndGet();
        LOG.info("lingspark: loaded pipeline rank {} of {} ({} stage(s)) on {} in {} s", rank, ranks, g.size(), o.device(),
            String.format("%.2f", (System.nanoTime() - t0) / 1e9));
        GROUPS.put(key, g);
        return g;
    }

    public static synchronized void closeAll() {
        for (StageGroup g : GROUPS.values()) {
            try {
                g.close();
            } catch (RuntimeException e) {
                LOG.warn("lingspark: closing pipeline stages failed: {}", e.toString());
            }
        }
        GROUPS.clear();
    }
}
