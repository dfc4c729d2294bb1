package io.lingspark.jobs;

import java.nio.file.Path;
import org.apache.spark.sql.SparkSession;

/** The test session settings from spark-notes.md §5.3: loopback, no UI, 2 shuffle partitions. */
public final class SparkTestSession {
    private SparkTestSession() {
    }

    public static SparkSession create(String master, Path tmp) {
        return SparkSession.builder().master(master).appName("lingspark-test")
            .config("spark.ui.enabled", "false")
            .config("spark.ui.showConsoleProgress", "false")
            .config("spark.sql.shuffle.partitions", "2")
            .config("spark.default.parallelism", "2")
            .config("spark.driver.host", "127.0.0.1")
            .config("spark.driver.bindAddress", "127.0.0.1")
            .config("spark.sql.warehouse.dir", tmp.resolve("warehouse").toString())
            .getOrCreate();
    }
}
