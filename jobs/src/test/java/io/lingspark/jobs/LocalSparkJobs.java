package io.lingspark.jobs;

import io.lingspark.jobs.demo.DemoModel;
import io.lingspark.jobs.generate.EngineHolder;
import java.nio.file.Path;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;

/**
 * What most job tests start from: a local[2] session (spark-notes §5.3 settings) in a folder of the
 * test class's own, the demo model (random weights, seed 11) written there, and at the end the
 * executors' engines closed before the session stops. Test classes run one at a time (one active
 * session per JVM), so the static fields belong to the class running.
 */
public abstract class LocalSparkJobs {
    @TempDir
    protected static Path tmp;
    protected static SparkSession spark;
    protected static Path model;

    @BeforeAll
    static void startSparkAndWriteModel() {
        spark = SparkTestSession.create("local[2]", tmp);
        model = tmp.resolve("model");
        DemoModel.write(model, 11);
    }

    @AfterAll
    static void closeEnginesAndStopSpark() {
        EngineHolder.closeAll();
        spark.stop();
        model = null;
    }
}
