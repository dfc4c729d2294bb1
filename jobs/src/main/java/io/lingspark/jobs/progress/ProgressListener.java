package io.lingspark.jobs.progress;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.spark.scheduler.AccumulableInfo;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerExecutorMetricsUpdate;
import org.apache.spark.scheduler.SparkListenerTaskEnd;
import scala.Tuple4;
import scala.jdk.javaapi.CollectionConverters;

/**
 * Live job counters on the driver. Accumulators only merge when a task ends, and a generation task
 * can run for hours, so running tasks' current values are taken from the executor heartbeats
 * (every spark.executor.heartbeatInterval, 10 s by default) and added to the merged ones.
 */
public final class ProgressListener extends SparkListener {
    private final JobMetrics metrics;
    private final Map<Long, String> names;
    private final Map<Long, Map<String, Long>> running = new ConcurrentHashMap<>();

    public ProgressListener(JobMetrics metrics) {
        this.metrics = metrics;
        this.names = metrics.names();
    }

    @Override
    public void onExecutorMetricsUpdate(SparkListenerExecutorMetricsUpdate update) {
        for (Tuple4<Object, Object, Object, scala.collection.immutable.Seq<AccumulableInfo>> t
            : CollectionConverters.asJava(update.accumUpdates())) {
            long taskId = (Long) t._1();
            Map<String, Long> values = new LinkedHashMap<>();
            for (AccumulableInfo info : CollectionConverters.asJava(t._4())) {
                String name = names.get(info.id());
                if (name != null && info.update().isDefined() && info.update().get() instanceof Long v) {
                    values.put(name, v);
                }
            }
            if (!values.isEmpty()) {
                running.put(taskId, values);
            }
        }
    }

    @Override
    public void onTaskEnd(SparkListenerTaskEnd end) {
        running.remove(end.taskInfo().taskId());
    }

    /** Merged values plus the running tasks' latest heartbeat values, by short name. */
    public Map<String, Long> live() {
        Map<String, Long> m = metrics.merged();
        for (Map<String, Long> task : running.values()) {
            task.forEach((k, v) -> m.merge(k, v, Long::sum));
        }
        return m;
    }
}
