package io.lingspark.jobs.generate;

import io.lingspark.engine.runtime.Engine;
import io.lingspark.engine.runtime.EngineOptions;
import io.lingspark.engine.pipeline.Pipelines;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One engine per executor JVM, shared by all of its concurrent tasks so they fill one continuous
 * batch. Spark runs an executor's tasks as threads of one JVM and keeps statics alive across tasks
 * and jobs, so a lazily filled static map keyed by the engine options (model dir, device, and every
 * option that shapes the engine: a later job with other options gets its own) loads each model once; the
 * first task pays the load (logged), the others wait for it. A daemon thread logs the engine's
 * tokens/s every 30 s, which is the per-executor throughput line in the executor logs.
 */
public final class EngineHolder {
    private static final Logger LOG = LoggerFactory.getLogger(EngineHolder.class);
    private static final Map<String, Engine> ENGINES = new ConcurrentHashMap<>();
    private static final Object LOCK = new Object();
    private static ScheduledExecutorService reporter;
    static volatile long reportIntervalMs = 30_000;
    /** Engines opened by this JVM so far (tests check that tasks share one). */
    public static final java.util.concurrent.atomic.AtomicInteger LOADS = new java.util.concurrent.atomic.AtomicInteger();

    private EngineHolder() {
    }

    public static Engine get(EngineOptions options) {
        String key = key(options);
        Engine e = ENGINES.get(key);
        if (e != null) {
            return e;
        }
        synchronized (LOCK) {
            e = ENGINES.get(key);
            if (e == null) {
                long t0 = System.nanoTime();
                e = open(options);
                LOADS.incrementAndGet();
                LOG.info("lingspark: loaded model {} ({}) on {} in {} s", e.modelName(), e.modelRevision(),
                    options.device(), String.format("%.2f", (System.nanoTime() - t0) / 1e9));
                ENGINES.put(key, e);
                startReporter();
            }
            return e;
        }
    }

    /** The engine implementation is chosen here only; everything else sees the Engine interface. */
    static Engine open(EngineOptions options) {
        return Pipelines.openEngine(options); // the whole model, or --pipeline-stages on this executor's devices
    }

    /** Closes every engine of this JVM (local runs call it when the job ends; executors exit anyway). */
    public static void closeAll() {
        synchronized (LOCK) {
            for (Engine e : ENGINES.values()) {
                try {
                    e.close();
                } catch (RuntimeException ex) {
                    LOG.warn("lingspark: closing engine failed: {}", ex.toString());
                }
            }
            ENGINES.clear();
            if (reporter != null) {
                reporter.shutdownNow();
                reporter = null;
            }
        }
    }

    private static String key(EngineOptions o) {
        return o.modelDir().toAbsolutePath().normalize() + "|" + o.device() + "|" + o; // the record's fields
    }

    /** An engine this JVM holds for a model and device (any options), or null (tests look inside). */
    static Engine loaded(Path modelDir, String device) {
        String prefix = modelDir.toAbsolutePath().normalize() + "|" + device + "|";
        return ENGINES.entrySet().stream().filter(e -> e.getKey().startsWith(prefix)).map(Map.Entry::getValue)
            .findFirst().orElse(null);
    }

    private static String executorId() {
        org.apache.spark.SparkEnv env = org.apache.spark.SparkEnv.get();
        return env == null ? "?" : env.executorId();
    }

    private static void startReporter() {
        if (reporter != null) {
            return;
        }
        reporter = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "lingspark-throughput");
            t.setDaemon(true);
            return t;
        });
        Map<String, long[]> last = new ConcurrentHashMap<>();
        long interval = reportIntervalMs;
        reporter.scheduleAtFixedRate(() -> {
            for (Map.Entry<String, Engine> en : ENGINES.entrySet()) {
                Engine.EngineStats s = en.getValue().stats();
                long now = System.nanoTime();
                long[] prev = last.put(en.getKey(), new long[] {now, s.promptTokens(), s.generatedTokens()});
                if (prev == null) {
                    continue;
                }
                double dt = (now - prev[0]) / 1e9;
                LOG.info("lingspark throughput [executor {} {}]: {} tok/s generated, {} tok/s prompt, running {}, waiting {}, finished {}",
                    executorId(), en.getValue().modelName(), String.format("%.1f", (s.generatedTokens() - prev[2]) / dt),
                    String.format("%.1f", (s.promptTokens() - prev[1]) / dt), s.running(), s.waiting(),
                    s.finishedRequests());
            }
        }, interval, interval, TimeUnit.MILLISECONDS);
    }
}
