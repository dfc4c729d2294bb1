package io.lingspark.udfs;

import io.lingspark.engine.pipeline.Pipelines;
import io.lingspark.engine.runtime.Engine;
import io.lingspark.engine.runtime.EngineOptions;
import java.io.Serializable;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The engines the generating SQL functions run: one per executor JVM and {@link Spec}, loaded by the first
 * task that needs it and shared by all tasks of the executor (Spark runs them as threads of one JVM and
 * keeps statics across tasks and jobs), so concurrent tasks fill one continuous batch. The jobs module keeps
 * its own holder (jobs.generate.EngineHolder) for the generate job; udfs cannot see it (jobs depends on udfs).
 */
public final class UdfEngines {
    private static final Logger LOG = LoggerFactory.getLogger(UdfEngines.class);
    private static final Map<String, Engine> ENGINES = new ConcurrentHashMap<>();
    /** Engines opened by this JVM so far (tests check that tasks share one). */
    static final AtomicInteger LOADS = new AtomicInteger();

    /** Engine option names a registration accepts, as the generate job spells them (with '_' or '-'). */
    static final Set<String> OPTION_NAMES = Set.of("device", "max_running", "max_batch_tokens", "max_model_len",
        "cpu_threads", "cpu_weights", "kv_cache_memory", "prefix_caching");

    private UdfEngines() {
    }

    /**
     * What to open, in a form the functions' closures can carry to executors (EngineOptions holds a Path,
     * which does not serialize): the model directory, the same path on every executor, and engine options.
     */
    public record Spec(String modelDir, Map<String, String> options) implements Serializable {
        public Spec {
            if (modelDir == null || modelDir.isBlank()) {
                throw new IllegalArgumentException("a model directory is required");
            }
            TreeMap<String, String> norm = new TreeMap<>(); // sorted: equal options, equal key
            if (options != null) {
                options.forEach((k, v) -> {
                    String name = k.toLowerCase(Locale.ROOT).replace('-', '_');
                    if (!OPTION_NAMES.contains(name)) {
                        throw new IllegalArgumentException("unknown engine option '" + k + "' (known: "
                            + new TreeSet<>(OPTION_NAMES) + ")");
                    }
                    norm.put(name, v);
                });
            }
            options = norm;
            engineOptions(modelDir, norm); // bad values fail at registration, on the driver, not in every task
        }

        /** The engine options: the CPU unless {@code device} says otherwise; the engine's defaults elsewhere. */
        public EngineOptions toOptions() {
            return engineOptions(modelDir, options);
        }

        private static EngineOptions engineOptions(String modelDir, Map<String, String> options) {
            EngineOptions o = EngineOptions.of(Path.of(modelDir)).withDevice(options.getOrDefault("device", "cpu"));
            try {
                if (options.containsKey("max_running")) {
                    o = o.withMaxRunning(Integer.parseInt(options.get("max_running").trim()));
                }
                if (options.containsKey("max_batch_tokens")) {
                    o = o.withMaxBatchTokens(Integer.parseInt(options.get("max_batch_tokens").trim()));
                }
                if (options.containsKey("max_model_len")) {
                    o = o.withMaxModelLen(Integer.parseInt(options.get("max_model_len").trim()));
                }
                if (options.containsKey("cpu_threads")) {
                    o = o.withCpuThreads(Integer.parseInt(options.get("cpu_threads").trim()));
                }
                if (options.containsKey("kv_cache_memory")) {
                    o = o.withKvCacheMemory(bytes(options.get("kv_cache_memory")));
                }
                if (options.containsKey("cpu_weights")) {
                    o = o.withCpuWeights(io.lingspark.engine.runtime.CpuWeights.parse(options.get("cpu_weights")));
                }
                if (options.containsKey("prefix_caching")) {
                    o = o.withPrefixCaching(Boolean.parseBoolean(options.get("prefix_caching").trim()));
                }
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("engine options " + options + ": not a number: " + e.getMessage());
            }
            return o;
        }

        String key() {
            return Path.of(modelDir).toAbsolutePath().normalize() + "|" + options;
        }
    }

    /** The JVM's engine for the spec, opened on first use (the callers wait for it). */
    public static Engine get(Spec spec) {
        String key = spec.key();
        Engine e = ENGINES.get(key);
        if (e != null) {
            return e;
        }
        synchronized (ENGINES) {
            e = ENGINES.get(key);
            if (e == null) {
                long t0 = System.nanoTime();
                EngineOptions o = spec.toOptions();
                e = Pipelines.openEngine(o);
                LOADS.incrementAndGet();
                LOG.info("lingspark udfs: loaded model {} ({}) on {} in {} s", e.modelName(), e.modelRevision(),
                    o.device(), String.format("%.2f", (System.nanoTime() - t0) / 1e9));
                ENGINES.put(key, e);
            }
            return e;
        }
    }

    /** Closes every engine of this JVM (tests; executors exit anyway). */
    public static void closeAll() {
        synchronized (ENGINES) {
            ENGINES.values().forEach(Engine::close);
            ENGINES.clear();
        }
    }

    /** "1073741824", "512m", "2GiB", "64MB": bytes. */
    static long bytes(String s) {
        String t = s.trim().toLowerCase(Locale.ROOT).replace("ib", "").replace("b", "");
        long unit = 1;
        char last = t.isEmpty() ? ' ' : t.charAt(t.length() - 1);
        if (last == 'k' || last == 'm' || last == 'g') {
            unit = last == 'k' ? 1L << 10 : last == 'm' ? 1L << 20 : 1L << 30;
            t = t.substring(0, t.length() - 1).trim();
        }
        return Long.parseLong(t) * unit;
    }
}
