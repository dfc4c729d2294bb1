package io.lingspark.udfs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lingspark.engine.tokenizer.HfTokenizer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataType;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every function in a session that only configures them (spark.sql.extensions and spark.lingspark.model), as
 * the spark-sql shell and PySpark do; and the shipped SQL example, run statement by statement as written.
 */
class LingSqlExtensionsTest {
    @TempDir
    static Path tmp;
    static Path model;
    static SparkSession spark;

    @BeforeAll
    static void start() {
        model = TestModel.write(tmp.resolve("model"));
        spark = TestModel.session(tmp).config("spark.sql.extensions", LingSqlExtensions.class.getName())
            .config("spark.lingspark.model", model.toString())
            .config("spark.lingspark.udfs.kv_cache_memory", "64m").config("spark.lingspark.udfs.cpu_threads", "2")
            .getOrCreate();
    }

    @AfterAll
    static void stop() {
        spark.stop();
        UdfEngines.closeAll();
    }

    @Test
    void generatingFunctionsComeFromTheConf() {
        List<Row> rows = spark.sql("SELECT ling_classify(t, array('spam', 'ham')) "
            + "FROM VALUES ('win a prize now'), ('lunch at noon?') AS v(t)").collectAsList();
        for (Row r : rows) {
            assertTrue(List.of("spam", "ham").contains(r.getString(0)), "a label: " + r);
        }
        assertEquals(DataType.fromDDL("who STRING, n INT"),
            spark.sql("SELECT ling_extract('Ann has 3 cats', 'who STRING, n INT') AS e").schema().apply("e").dataType());
        assertTrue(spark.sql("DESCRIBE FUNCTION ling_extract").collectAsList().toString().contains("DDL field list"));
    }

    @Test
    void textFunctionsComeFromTheConf() {
        Row r = spark.sql("SELECT ling_chat_prompt('[{\"role\": \"user\", \"content\": \"hi there\"}]') AS p, "
            + "ling_token_count('hello world') AS n, ling_token_count(12345) AS digits, "
            + "ling_parse_tool_calls('<tool_call>\n{\"name\": \"f\", \"arguments\": {}}\n</tool_call>')[0].name AS tool, "
            + "ling_parse_reasoning('<think>why</think>so').content AS content").first();
        String prompt = TextModel.get(model.toString()).template().render(
            List.of(java.util.Map.of("role", "user", "content", "hi there")), null, true, java.util.Map.of());
        assertEquals(prompt, r.getString(0));
        var tokenizer = HfTokenizer.load(model);
        assertEquals(tokenizer.encode("hello world").length, r.getInt(1));
        assertEquals(tokenizer.encode("12345").length, r.getInt(2), "a number is counted as its text");
        assertEquals("f", r.getString(3));
        assertEquals("so", r.getString(4));
        assertTrue(spark.sql("DESCRIBE FUNCTION ling_chat_prompt").collectAsList().toString().contains("chat template"));
        assertEquals(prompt, spark.sql("SELECT ling_chat_prompt('[{\"role\": \"user\", \"content\": "
            + "[{\"type\": \"text\", \"text\": \"hi there\"}]}]')").first().getString(0), "OpenAI text parts");
    }

    @Test
    void scoreIsTheEnginesLogLikelihoodOfEachContinuation() {
        List<Row> scores = spark.sql("SELECT ling_score('The capital of France is', array(' Paris', ' a city in Europe')) AS s")
            .first().getList(0);
        assertEquals(2, scores.size());
        try (var engine = io.lingspark.engine.runtime.LingEngine.open(io.lingspark.engine.runtime.EngineOptions.of(model))) {
            var r = engine.score(io.lingspark.engine.runtime.ScoringRequest.ofText("t", "The capital of France is",
                List.of(" Paris", " a city in Europe"))).join();
            assertTrue(r.ok(), r.errorMessage());
            for (int i = 0; i < 2; i++) {
                assertEquals(List.of(" Paris", " a city in Europe").get(i), scores.get(i).getString(0));
                assertEquals(r.continuations().get(i).logprob(), scores.get(i).getDouble(1), 1e-6);
                assertEquals(r.continuations().get(i).tokens(), scores.get(i).getInt(2));
                assertEquals(r.continuations().get(i).greedy(), scores.get(i).getBoolean(3));
            }
        }
        assertTrue(scores.get(1).getInt(2) > scores.get(0).getInt(2));
        assertTrue(scores.get(1).getDouble(1) < 0);
        Exception e = assertThrows(IllegalArgumentException.class, () -> spark.sql("SELECT ling_score('x', 'y')"));
        assertTrue(e.getMessage().contains("continuations must be an ARRAY<STRING>"), e.getMessage());
    }

    @Test
    void badArgumentsAreOneLineErrors() {
        Exception role = assertThrows(Exception.class, () -> spark.sql(
            "SELECT ling_chat_prompt('[{\"role\": \"admin\", \"content\": \"x\"}]')").collect());
        assertTrue(rootMessage(role).contains("message 0 has unknown role 'admin'"), rootMessage(role));
        Exception nested = assertThrows(IllegalArgumentException.class,
            () -> spark.sql("SELECT ling_token_count(array('a', 'b'))"));
        assertEquals("ling_token_count: text must be a STRING (or a scalar cast to one), got ARRAY<STRING>",
            nested.getMessage());
        Exception arity = assertThrows(IllegalArgumentException.class, () -> spark.sql("SELECT ling_parse_reasoning('a', 'b')"));
        assertTrue(arity.getMessage().contains("takes 1 argument(s), got 2"), arity.getMessage());
    }

    @Test
    void withoutAModelTheErrorNamesTheKey() {
        SparkSession other = spark.newSession();
        other.conf().unset("spark.lingspark.model");
        SparkSession.setActiveSession(other);
        try {
            Exception e = assertThrows(IllegalArgumentException.class, () -> other.sql("SELECT ling_token_count('x')"));
            assertTrue(e.getMessage().contains("set spark.lingspark.model"), e.getMessage());
            // the tool-call parser needs no model
            assertEquals(0, other.sql("SELECT ling_parse_tool_calls('no calls')").first().getList(0).size());
        } finally {
            SparkSession.setActiveSession(spark);
        }
    }

    @Test
    void theShippedSqlExampleRunsAsWritten() throws Exception {
        List<List<Row>> results = new ArrayList<>();
        for (String statement : Files.readString(Path.of("../examples/sql/functions.sql")).split(";\\s*\n")) {
            String sql = statement.lines().filter(l -> !l.trim().startsWith("--")).reduce("", (a, b) -> a + b + "\n").trim();
            if (!sql.isEmpty()) {
                results.add(spark.sql(sql).collectAsList());
            }
        }
        assertEquals(4, results.size());
        assertEquals(2, results.get(1).size());
        assertTrue(results.get(1).get(0).getInt(1) > results.get(1).get(1).getInt(1) - 100);
        assertEquals("get_weather", results.get(2).get(0).getString(0));
        assertEquals("The answer.", results.get(2).get(0).getString(1));
        for (Row r : results.get(3)) {
            assertTrue(List.of("question", "instruction").contains(r.getString(1)), r.toString());
        }
    }

    private static String rootMessage(Throwable t) {
        while (t.getCause() != null) {
            t = t.getCause();
        }
        return t.getMessage();
    }
}
