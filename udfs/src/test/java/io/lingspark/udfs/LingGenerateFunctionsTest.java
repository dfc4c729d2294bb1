package io.lingspark.udfs;

import static org.apache.spark.sql.functions.call_function;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.expr;
import static org.apache.spark.sql.functions.lit;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * ling_classify and ling_extract in local[2] through the real engine, on a small random-weight model (the
 * demo's "tiny" shape, written here as jobs' DemoModel does). Random weights write garbage, so any valid
 * answer below is the constraint's doing: classify must give a label for every row, and extract a struct of
 * the right types, or NULL where max_tokens cut the answer. Few rows and small max_tokens: the CI has 2 cores.
 */
class LingGenerateFunctionsTest {
    @TempDir
    static Path tmp;
    static SparkSession spark;
    static int loadsBefore; // engines other test classes of this JVM opened
    static final List<String> TEXTS = List.of("I loved every minute of it.", "Terrible, would not buy again.",
        "Shipping took a week; the box was fine.");

    @BeforeAll
    static void start() {
        Path model = TestModel.write(tmp.resolve("model"));
        spark = TestModel.session(tmp).getOrCreate();
        loadsBefore = UdfEngines.LOADS.get();
        LingFunctions.registerGenerate(spark, model.toString(),
            Map.of("kv_cache_memory", "64m", "cpu-threads", 2, "max_running", 8)); // ints, as PySpark passes them
        spark.createDataFrame(TEXTS.stream().map(LingFunctionsTest.Text::new).toList(), LingFunctionsTest.Text.class)
            .union(spark.sql("SELECT CAST(NULL AS STRING) AS text")).repartition(2).createOrReplaceTempView("reviews");
    }

    @AfterAll
    static void stop() {
        spark.stop();
        UdfEngines.closeAll();
    }

    @Test
    void classifyAnswersWithALabelForEveryRow() {
        List<Row> rows = spark.sql("SELECT text, ling_classify(text, array('positive', 'negative')) AS label, "
            + "ling_classify(text, '[\"yes\", \"no\"]', map('max_tokens', 8)) AS yn FROM reviews").collectAsList();
        assertEquals(4, rows.size());
        for (Row r : rows) {
            if (r.isNullAt(0)) {
                assertNull(r.get(1), "NULL text, NULL label");
                assertNull(r.get(2));
            } else {
                assertTrue(List.of("positive", "negative").contains(r.getString(1)), "a label for " + r);
                assertTrue(List.of("yes", "no").contains(r.getString(2)), "a label for " + r);
            }
        }
        assertEquals(1, UdfEngines.LOADS.get() - loadsBefore, "all tasks and queries share one engine");
    }

    /**
     * Random weights never close a free string (they ramble to max_tokens), so the answers that complete
     * here are those without STRING fields: BOOLEAN and TINYINT, padded with the whitespace JSON allows
     * (about 60-80 tokens on this model). The STRING fields check the types and the NULL of a cut answer.
     */
    @Test
    void extractReturnsTheDdlsStructInSqlAndTheDataFrameApi() {
        Dataset<Row> sql = spark.sql("SELECT text, ling_extract(text, 'ok BOOLEAN, n TINYINT', '{\"max_tokens\": 160}') AS e, "
            + "ling_extract(text, 'label STRING, score DOUBLE', map('max_tokens', 24)).label AS label FROM reviews");
        assertEquals(DataType.fromDDL("ok BOOLEAN, n TINYINT"), sql.schema().apply("e").dataType());
        assertEquals(DataTypes.StringType, sql.schema().apply("label").dataType());
        // the DataFrame API resolves the same function (analysis first: types, before any generation)
        Dataset<Row> df = spark.table("reviews").select(col("text"),
            call_function("ling_extract", col("text"), lit("ok BOOLEAN")).alias("a"),
            expr("ling_extract(text, 'score DOUBLE, ok BOOLEAN', map('max_tokens', 32)).ok").alias("b"));
        assertEquals(DataType.fromDDL("ok BOOLEAN"), df.schema().apply("a").dataType());
        assertEquals(DataTypes.BooleanType, df.schema().apply("b").dataType());

        int complete = 0;
        for (Row r : sql.collectAsList()) {
            if (r.isNullAt(0)) {
                assertNull(r.get(1), "NULL text, NULL struct");
                assertNull(r.get(2));
                continue;
            }
            assertTrue(r.isNullAt(2) || r.get(2) instanceof String, "typed or cut: " + r);
            if (!r.isNullAt(1)) { // NULL when cut by max_tokens; when complete, every field has its type
                Row e = r.getStruct(1);
                assertTrue(e.get(0) instanceof Boolean && e.get(1) instanceof Byte, "typed fields: " + e);
                complete++;
            }
        }
        int completeDf = 0;
        for (Row r : df.collectAsList()) {
            if (r.isNullAt(0)) {
                assertNull(r.get(1));
                assertNull(r.get(2));
                continue;
            }
            assertTrue(r.isNullAt(2) || r.get(2) instanceof Boolean, "typed or cut: " + r);
            if (!r.isNullAt(1)) {
                assertTrue(r.getStruct(1).get(0) instanceof Boolean, "typed: " + r);
                completeDf++;
            }
        }
        assertTrue(complete > 0 && completeDf > 0, "some answers complete: " + complete + " (SQL) and " + completeDf
            + " (DataFrame) of 3");
    }

    @Test
    void anAnswerCutByMaxTokensIsNull() {
        List<Row> rows = spark.sql("SELECT ling_extract(text, 'label STRING, score DOUBLE', map('max_tokens', 2)), "
            + "ling_classify(text, array('a long label one', 'a long label two'), '{\"max_tokens\": 1}') "
            + "FROM reviews WHERE text IS NOT NULL").collectAsList();
        assertEquals(3, rows.size());
        for (Row r : rows) {
            assertNull(r.get(0), "2 tokens cannot hold the object");
            assertNull(r.get(1), "1 token cannot hold the label");
        }
    }

    /** The engine compiles the schema of every type jsonSchemaFromDdl maps (an INVALID_PARAMS would fail the query). */
    @Test
    void everyDdlTypeBecomesAConstraintTheEngineCompiles() {
        Row r = spark.sql("SELECT ling_extract('x', 's STRING, v VARCHAR(5), b BOOLEAN, t TINYINT, sm SMALLINT, i INT, "
            + "l BIGINT, f FLOAT, d DOUBLE, m DECIMAL(10,2), dt DATE, ts TIMESTAMP, nt TIMESTAMP_NTZ, a ARRAY<INT>, "
            + "st STRUCT<x: STRING, y: ARRAY<STRUCT<z: BOOLEAN>>>', map('max_tokens', 1)) AS e").first();
        assertNull(r.get(0), "cut at one token");
    }

    @Test
    void badArgumentsFailAtAnalysisOrInTheTask() {
        assertMessage("constant DDL", () -> spark.sql("SELECT ling_extract(text, text) FROM reviews").schema());
        assertMessage("'m'", () -> spark.sql("SELECT ling_extract(text, 'm MAP<STRING, INT>') FROM reviews").schema());
        assertMessage("invalid DDL", () -> spark.sql("SELECT ling_extract(text, 'x NOPE') FROM reviews").schema());
        assertMessage("takes (text, labels", () -> spark.sql("SELECT ling_classify(text) FROM reviews").schema());
        assertMessage("unknown option 'max_token'", () -> spark.sql(
            "SELECT ling_classify(text, array('a'), map('max_token', 3)) FROM reviews WHERE text IS NOT NULL").collect());
        assertMessage("labels must be", () -> spark.sql(
            "SELECT ling_classify(text, array()) FROM reviews WHERE text IS NOT NULL").collect());
        assertThrows(IllegalArgumentException.class,
            () -> LingFunctions.registerGenerate(spark, tmp.toString(), Map.of("devise", "cpu")));
    }

    private static void assertMessage(String part, org.junit.jupiter.api.function.Executable query) {
        Throwable t = assertThrows(Throwable.class, query);
        StringBuilder all = new StringBuilder();
        for (Throwable c = t; c != null; c = c.getCause()) {
            all.append(c.getMessage()).append('\n');
        }
        assertTrue(all.toString().contains(part), "expected '" + part + "' in: " + all);
    }
}
