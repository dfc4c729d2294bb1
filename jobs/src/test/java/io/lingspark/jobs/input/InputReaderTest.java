package io.lingspark.jobs.input;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lingspark.engine.runtime.ErrorCode;
import io.lingspark.jobs.SparkTestSession;
import io.lingspark.jobs.output.OutputSchema;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Each row of an input is read on its own: what one row holds never changes how another is read
 * (Spark infers one type per column over the whole file), ids are never blank, and a malformed
 * line keeps the id it visibly has.
 */
class InputReaderTest {
    @TempDir
    static Path tmp;
    static SparkSession spark;
    static final RequestParser PARSER = new RequestParser("{}", null);

    @BeforeAll
    static void start() {
        spark = SparkTestSession.create("local[2]", tmp);
    }

    @AfterAll
    static void stop() {
        spark.stop();
    }

    static Path write(String name, String... lines) throws IOException {
        Path p = tmp.resolve(name);
        Files.write(p, List.of(lines));
        return p;
    }

    static List<Row> read(Path p, InputFormat f, String idColumn, List<String> keep) {
        return InputReader.read(spark, new InputSpec(p.toString(), f, idColumn, null, null, null, null, keep),
            OutputSchema.reservedNames()).collectAsList();
    }

    static List<Row> read(Path p, InputFormat f) {
        return read(p, f, null, List.of());
    }

    static RequestParser.Parsed parse(Row r) {
        return PARSER.parse(r.getString(0), r.getString(1), r.getString(2), r.getString(3), r.getString(4), r.getString(5));
    }

    @Test
    void oneOddParamsRowChangesNoOtherRow() throws IOException {
        Path p = write("odd-params.jsonl",
            "{\"prompt\": \"a\", \"params\": {\"max_tokens\": 8}}",
            "{\"prompt\": \"b\", \"params\": {\"max_tokens\": \"ten\"}}",
            "{\"prompt\": \"c\", \"params\": {\"max_tokens\": 8.0, \"temperature\": 0}}",
            "{\"prompt\": \"d\", \"params\": {\"max_tokens\": 1e30}}",
            "{\"prompt\": \"e\", \"params\": {\"max_tokens\": 8.5}}",
            "{\"prompt\": \"f\", \"params\": {\"max_tokens\": 9, \"stop\": [\"x\", 5]}}",
            "{\"prompt\": \"g\", \"params\": {\"max_tokens\": 7, \"stop\": \"y\"}}");
        List<Row> rows = read(p, InputFormat.JSONL);
        assertEquals(7, rows.size());
        assertEquals(8, parse(rows.get(0)).request().params().maxTokens());
        assertEquals(ErrorCode.INVALID_PARAMS, parse(rows.get(1)).errorCode());
        assertTrue(parse(rows.get(1)).errorMessage().contains("\"ten\""), parse(rows.get(1)).errorMessage());
        assertEquals(8, parse(rows.get(2)).request().params().maxTokens(), "a whole float is an integer");
        assertEquals(ErrorCode.INVALID_PARAMS, parse(rows.get(3)).errorCode());
        assertEquals(ErrorCode.INVALID_PARAMS, parse(rows.get(4)).errorCode());
        assertEquals(ErrorCode.INVALID_PARAMS, parse(rows.get(5)).errorCode(), "a stop list with a number");
        assertEquals(7, parse(rows.get(6)).request().params().maxTokens());
        assertEquals(List.of("y"), parse(rows.get(6)).request().params().stop());
    }

    @Test
    void nestedValuesKeepTheirKeyOrderAndSpelling() throws IOException {
        String tools = "[{\"type\": \"function\", \"function\": {\"name\": \"f\", \"parameters\": {\"type\": \"object\", "
            + "\"properties\": {\"zeta\": {\"type\": \"string\"}, \"alpha\": {\"type\": \"integer\"}}}}}]";
        String messages = "[{\"role\": \"user\", \"content\": \"hi\"}]";
        Path p = write("order.jsonl",
            "{\"id\": 1, \"messages\": " + messages + ", \"tools\": " + tools + "}",
            "{\"id\": 2.5, \"messages\": [{\"role\": \"user\", \"content\": [{\"type\": \"text\", \"text\": \"x\"}]}]}");
        List<Row> rows = read(p, InputFormat.JSONL);
        assertEquals("1", rows.get(0).getString(0), "an id is its own text, whatever the other rows' ids are");
        assertEquals("2.5", rows.get(1).getString(0));
        assertEquals(messages, rows.get(0).getString(2));
        assertEquals(tools, rows.get(0).getString(3), "tools as written: keys in their order");
        assertEquals("[{\"role\": \"user\", \"content\": [{\"type\": \"text\", \"text\": \"x\"}]}]", rows.get(1).getString(2),
            "content parts stay a list, not the text of one");

        Path batch = write("order-batch.jsonl",
            "{\"custom_id\": \"b1\", \"body\": {\"model\": \"m\", \"messages\": " + messages + ", \"tools\": " + tools
                + ", \"max_tokens\": 8.0, \"stop\": \"\\n\", \"user\": \"u\"}}",
            "{\"custom_id\": \"b2\", \"body\": {\"prompt\": \"p\", \"max_tokens\": \"ten\"}}");
        List<Row> b = read(batch, InputFormat.OPENAI_BATCH);
        assertEquals(messages.replace(" ", ""), b.get(0).getString(2).replace(" ", ""));
        assertEquals(tools.replace(" ", ""), b.get(0).getString(3).replace(" ", ""), "tools keys in their order");
        assertEquals(8, parse(b.get(0)).request().params().maxTokens());
        assertEquals(List.of("\n"), parse(b.get(0)).request().params().stop());
        assertEquals("p", b.get(1).getString(1));
        assertEquals(ErrorCode.INVALID_PARAMS, parse(b.get(1)).errorCode());
    }

    @Test
    void parquetStructParamsFromPandasTakeWholeDoublesAsIntegers() {
        // pandas writes an integer column with missing values as doubles (NaN for the missing ones)
        spark.sql("select 0 row, 'a' prompt, named_struct('max_tokens', 8.0D, 'temperature', 0.5D) params "
                + "union all select 1, 'b', named_struct('max_tokens', 8.5D, 'temperature', 0.5D) "
                + "union all select 2, 'c', named_struct('max_tokens', double('NaN'), 'temperature', 0.0D)")
            .coalesce(1).write().mode("overwrite").parquet(tmp.resolve("pandas.parquet").toString());
        Map<Integer, Row> rows = read(tmp.resolve("pandas.parquet"), InputFormat.PARQUET, null, List.of("row"))
            .stream().collect(Collectors.toMap(r -> r.getInt(6), r -> r));
        assertEquals(8, parse(rows.get(0)).request().params().maxTokens());
        assertEquals(ErrorCode.INVALID_PARAMS, parse(rows.get(1)).errorCode());
        assertNull(parse(rows.get(2)).errorCode(), "NaN is pandas' missing value: not set");
    }

    @Test
    void blankIdsAreMissingIds() throws IOException {
        Path p = write("blank-ids.jsonl",
            "{\"id\": \"\", \"prompt\": \"one\"}",
            "{\"id\": \"\", \"prompt\": \"two\"}",
            "{\"id\": \" \\t\", \"prompt\": \"three\"}",
            "{\"id\": null, \"prompt\": \"four\"}",
            "{\"id\": \"k\", \"prompt\": \"five\"}");
        List<Row> rows = read(p, InputFormat.JSONL);
        assertEquals(5, new HashSet<>(rows.stream().map(r -> r.getString(0)).toList()).size(), "five rows, five ids");
        for (int i = 0; i < 4; i++) {
            assertTrue(rows.get(i).getString(0).matches("[0-9a-f]{32}"), rows.get(i).getString(0));
        }
        assertEquals(rows, read(p, InputFormat.JSONL), "deterministic");

        Path csv = write("blank-ids.csv", "id,prompt", ",one", "\"\",two", "\" \",three");
        assertEquals(3, read(csv, InputFormat.CSV).stream().map(r -> r.getString(0)).distinct().count());

        Path batch = write("blank-batch.jsonl",
            "{\"custom_id\": \"\", \"body\": {\"prompt\": \"one\"}}",
            "{\"custom_id\": \"  \", \"body\": {\"prompt\": \"two\"}}",
            "{\"body\": {\"prompt\": \"three\"}}");
        assertEquals(3, read(batch, InputFormat.OPENAI_BATCH).stream().map(r -> r.getString(0)).distinct().count());
    }

    @Test
    void pandasNaNIdsAreMissingIdsAndWholeDoubleIdsIntegers() {
        // pandas: integer ids with a missing one are doubles, the missing one NaN
        spark.sql("select 1.0D id, 'a' prompt union all select double('NaN'), 'b' union all select double('NaN'), 'c'")
            .coalesce(1).write().mode("overwrite").parquet(tmp.resolve("nan-ids.parquet").toString());
        List<String> ids = read(tmp.resolve("nan-ids.parquet"), InputFormat.PARQUET).stream().map(r -> r.getString(0)).toList();
        assertEquals("1", ids.get(0), "a whole double id is the integer it was");
        assertTrue(ids.get(1).matches("[0-9a-f]{32}") && ids.get(2).matches("[0-9a-f]{32}"), ids.toString());
        assertNotEquals(ids.get(1), ids.get(2), "NaN is a missing id, not one id shared by every row without one");
    }

    @Test
    void aMalformedLineKeepsTheIdItVisiblyHas() throws IOException {
        Path p = write("corrupt.jsonl",
            "{\"id\": \"r1\", \"prompt\": \"fine\"}",
            "{\"id\": \"r2\", \"prompt\": \"unterminated",
            "{\"prompt\": \"a \\\"quoted\\\" }{ text\", \"id\": 17, oops}",
            "{\"meta\": {\"id\": \"inner\"}, \"prompt\": broken",
            "{garbage");
        List<Row> rows = read(p, InputFormat.JSONL);
        assertEquals(List.of("r1", "r2", "17"), rows.subList(0, 3).stream().map(r -> r.getString(0)).toList());
        assertTrue(rows.get(3).getString(0).matches("[0-9a-f]{32}"), "a nested id is not the row's");
        assertTrue(rows.get(4).getString(0).matches("[0-9a-f]{32}"));
        for (Row r : rows.subList(1, 5)) {
            assertEquals(ErrorCode.BAD_JSON, parse(r).errorCode(), r.toString());
        }
        Path byKey = write("corrupt-key.jsonl", "{\"key\": \"k1\", \"prompt\": \"ok\"}", "{\"key\": \"k2\", \"prompt\": ");
        assertEquals("k2", read(byKey, InputFormat.JSONL, "key", List.of()).get(1).getString(0), "--id-column");
        Path batch = write("corrupt-batch.jsonl", "{\"custom_id\": \"c1\", \"body\": {\"prompt\": \"x\"}}",
            "{\"custom_id\": \"c2\", \"body\": {\"prompt\": ");
        Row c2 = read(batch, InputFormat.OPENAI_BATCH).get(1);
        assertEquals("c2", c2.getString(0));
        assertEquals(ErrorCode.BAD_JSON, parse(c2).errorCode());
    }

    @Test
    void openAiBatchLinesThatCannotBeReadAreEachTheirOwnErrorRow() throws IOException {
        Path anonymous = write("corrupt-batch-anonymous.jsonl", "{\"body\": {\"prompt\": \"x\"}}", "{\"body\": oops",
            "{\"body\": {\"prompt\": ", "{\"custom_id\": \"s\", \"body\": \"a string\"}",
            "{\"custom_id\": \"n\", \"body\": 5}");
        List<Row> a = read(anonymous, InputFormat.OPENAI_BATCH);
        assertEquals(5, a.stream().map(r -> r.getString(0)).distinct().count(), "two malformed lines, two rows");
        assertEquals(List.of(true, false, false, false, false), a.stream().map(r -> parse(r).errorCode() == null).toList());
        assertEquals(ErrorCode.BAD_JSON, parse(a.get(3)).errorCode(), "a body that is not an object");
        assertEquals("the row is a JSON number, not an object", parse(a.get(4)).errorMessage());
    }

    @Test
    void emptyInputsAreZeroRowsNotErrors() throws IOException {
        assertEquals(0, read(write("empty.jsonl"), InputFormat.JSONL).size());
        assertEquals(0, read(write("blank.jsonl", "", "  "), InputFormat.JSONL).size());
        assertEquals(0, read(write("header.csv", "id,prompt"), InputFormat.CSV).size());
        assertEquals(0, read(write("empty-batch.jsonl"), InputFormat.OPENAI_BATCH).size());
        spark.sql("select 'x' id, 'p' prompt where false").write().mode("overwrite")
            .parquet(tmp.resolve("empty.parquet").toString());
        assertEquals(0, read(tmp.resolve("empty.parquet"), InputFormat.PARQUET).size());
    }

    @Test
    void aFileOfOnlyMalformedLinesIsErrorRows() throws IOException {
        List<Row> rows = read(write("all-corrupt.jsonl", "{\"id\": \"a\", oops", "not json at all"), InputFormat.JSONL);
        assertEquals(2, rows.size());
        assertEquals("a", rows.get(0).getString(0));
        assertNotEquals(rows.get(0).getString(0), rows.get(1).getString(0));
        assertEquals(ErrorCode.BAD_JSON, parse(rows.get(1)).errorCode());
        List<Row> named = read(write("all-corrupt-named.jsonl", "{\"key\": \"k9\", \"topic\": \"t\", oops"),
            InputFormat.JSONL, "key", List.of("topic"));
        assertEquals("k9", named.get(0).getString(0), "--id-column and --keep-columns on a file of malformed lines");
        assertNull(named.get(0).get(6));
        List<Row> batch = read(write("all-corrupt-batch.jsonl", "{\"custom_id\": \"z\", oops"), InputFormat.OPENAI_BATCH);
        assertEquals("z", batch.get(0).getString(0));
        assertEquals(ErrorCode.BAD_JSON, parse(batch.get(0)).errorCode());
    }
}
