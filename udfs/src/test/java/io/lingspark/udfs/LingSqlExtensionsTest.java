package io.lingspark.udfs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataType;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The functions in a session that only configures them (spark.sql.extensions), as the spark-sql shell does. */
class LingSqlExtensionsTest {
    @TempDir
    static Path tmp;
    static SparkSession spark;

    @BeforeAll
    static void start() {
        Path model = TestModel.write(tmp.resolve("model"));
        spark = TestModel.session(tmp).config("spark.sql.extensions", LingSqlExtensions.class.getName())
            .config("spark.lingspark.udfs.model", model.toString())
            .config("spark.lingspark.udfs.kv_cache_memory", "64m").config("spark.lingspark.udfs.cpu_threads", "2")
            .getOrCreate();
    }

    @AfterAll
    static void stop() {
        spark.stop();
        UdfEngines.closeAll();
    }

    @Test
    void functionsComeFromTheConf() {
        List<Row> rows = spark.sql("SELECT ling_classify(t, array('spam', 'ham')) "
            + "FROM VALUES ('win a prize now'), ('lunch at noon?') AS v(t)").collectAsList();
        for (Row r : rows) {
            assertTrue(List.of("spam", "ham").contains(r.getString(0)), "a label: " + r);
        }
        assertEquals(DataType.fromDDL("who STRING, n INT"),
            spark.sql("SELECT ling_extract('Ann has 3 cats', 'who STRING, n INT') AS e").schema().apply("e").dataType());
        assertTrue(spark.sql("DESCRIBE FUNCTION ling_extract").collectAsList().toString().contains("constant DDL")
            || spark.sql("DESCRIBE FUNCTION ling_extract").collectAsList().toString().contains("DDL field list"));
    }
}
