package io.lingspark.jobs;

import java.nio.file.Path;
import org.apache.spark.sql.SparkSession;

/** The test session settings from spark-notes.md §5.3: loopback, no UI, 2 shuffle partitions. */
public final class SparkTestSession {
    private SparkTestSession() {
    }

    public static SparkSession create(String master, Path tmp) {
        return create(master, tmp, java.util.Map.of());
    }

    /** The same, plus settings a test needs from the start (e.g. spark.barrier.sync.timeout). */
    public static SparkSession create(String master, Path tmp, java.util.Map<String, String> extra) {
        SparkSession.Builder b = SparkSession.builder().master(master).appName("lingspark-test")
            .config("spark.ui.enabled", "false")
            .config("spark.ui.showConsoleProgress", "false")
            .config("spark.sql.shuffle.partitions", "2")
            .config("spark.default.parallelism", "2")
            .config("spark.driver.host", "127.0.0.1")
            .config("spark.driver.bindAddress", "127.0.0.1")
            .config("spark.sql.warehouse.dir", tmp.resolve("warehouse").toString());
        extra.forEach(b::config);
        return b.getOrCreate();
    }

    /**
     * local-cluster[2,1,1024]: two executor JVMs on the test classpath (spark-notes §5.3; the launcher
     * needs a SPARK_HOME with a jars/ folder, which the jobs pom points at and this creates), started
     * and registered before it returns. Skips the test without SPARK_HOME.
     */
    public static SparkSession localCluster(Path tmp, java.util.Map<String, String> extra) throws Exception {
        String home = System.getenv("SPARK_HOME");
        org.junit.jupiter.api.Assumptions.assumeTrue(home != null,
            "SPARK_HOME (set by the jobs pom for surefire) is needed for local-cluster");
        java.nio.file.Files.createDirectories(Path.of(home, "jars"));
        java.util.Map<String, String> conf = new java.util.HashMap<>(java.util.Map.of("spark.executor.memory", "768m",
            "spark.executor.extraClassPath", System.getProperty("java.class.path")));
        conf.putAll(extra);
        SparkSession spark = create("local-cluster[2,1,1024]", tmp, conf);
        long deadline = System.currentTimeMillis() + 60_000;
        while (spark.sparkContext().getExecutorMemoryStatus().size() < 3 && System.currentTimeMillis() < deadline) {
            Thread.sleep(200);
        }
        return spark;
    }
}
