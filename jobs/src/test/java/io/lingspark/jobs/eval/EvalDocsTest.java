package io.lingspark.jobs.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lingspark.jobs.SparkTestSession;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** A split's documents as the eval job reads them: file after file, every column in every document, typed. */
@Timeout(120)
class EvalDocsTest {
    @TempDir
    static Path tmp;
    static SparkSession spark;

    @BeforeAll
    static void start() {
        spark = SparkTestSession.create("local[2]", tmp);
    }

    @AfterAll
    static void stop() {
        spark.stop();
    }

    @Test
    void jsonLinesAndAJsonArrayFileAfterFileWithEveryColumn() throws Exception {
        Path a = Files.writeString(tmp.resolve("a.jsonl"), "{\"q\": \"one\", \"label\": 1, \"choices\": [\"x\", \"y\"]}\n"
            + "{\"q\": \"two\", \"label\": 0, \"choices\": [\"x\", \"y\"]}\n");
        Path b = Files.writeString(tmp.resolve("b.json"), "[\n {\"q\": \"three\", \"label\": 1, \"extra\": \"e\"},\n"
            + " {\"q\": \"four\", \"label\": 0}\n]\n");
        List<Map<String, Object>> docs = EvalDocs.read(spark, new DataSpec("json", Map.of("test", List.of(a, b))), "test");
        assertEquals(List.of("one", "two", "three", "four"), docs.stream().map(d -> d.get("q")).toList());
        for (Map<String, Object> d : docs) {
            assertTrue(d.keySet().containsAll(List.of("q", "label", "choices", "extra")), d.toString());
        }
        assertEquals(1L, docs.get(0).get("label"));
        assertEquals(List.of("x", "y"), docs.get(0).get("choices"));
        assertEquals(null, docs.get(0).get("extra"));
        assertEquals("e", docs.get(2).get("extra"));
    }

    @Test
    void csvColumnsAreTypedAsTheDatasetsCsvBuilderTypesThem() throws Exception {
        Path f = Files.write(tmp.resolve("t.csv"), Arrays.asList("question,label", "\"a, b\",2", "c,0"));
        List<Map<String, Object>> docs = EvalDocs.read(spark, new DataSpec("csv", Map.of("test", List.of(f))), "test");
        assertEquals(2, docs.size());
        assertEquals("a, b", docs.get(0).get("question"));
        assertEquals(2L, ((Number) docs.get(0).get("label")).longValue());
        assertTrue(docs.get(0).get("label") instanceof Long, "an integer label, not the string \"2\"");
    }
}
