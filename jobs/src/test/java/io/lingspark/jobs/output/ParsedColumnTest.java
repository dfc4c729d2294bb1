package io.lingspark.jobs.output;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.lingspark.engine.runtime.CompletionChoice;
import io.lingspark.engine.runtime.ErrorCode;
import io.lingspark.engine.runtime.GenerationResult;
import io.lingspark.engine.structured.StructuredOutput;
import io.lingspark.jobs.SparkTestSession;
import io.lingspark.udfs.StructuredSchemas;
import java.nio.file.Path;
import java.util.List;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The parsed column's value per mode and constraint, from hand-made engine choices (so it does not
 * depend on the engine enforcing anything), and a typed value through Spark's row encoder and Parquet.
 */
class ParsedColumnTest {
    static final String DDL = "label STRING, score DOUBLE, tags ARRAY<STRING>, inner STRUCT<n: INT, xs: ARRAY<INT>>";

    static CompletionChoice choice(int index, String text, String parsed, String finish, ErrorCode outputError) {
        return new CompletionChoice(index, text, null, List.of(), finish, 3, new int[0], null, null, parsed, outputError);
    }

    @Test
    void eachModeSaysTheSameAnswerItsOwnWay() {
        StructuredOutput yesNo = StructuredOutput.choice(List.of("yes", "no"));
        StructuredOutput obj = StructuredOutput.jsonObject();
        CompletionChoice yes = choice(0, "yes", "yes", "stop", null);
        CompletionChoice doc = choice(0, "{\"a\": 1}", "{\"a\": 1}", "stop", null);
        assertEquals("\"yes\"", ParsedColumn.jsonText().value(yes, yesNo), "JSON text: the answer as a JSON string");
        assertEquals("{\"a\": 1}", ParsedColumn.jsonText().value(doc, obj));
        assertEquals("yes", ParsedColumn.answer().value(yes, yesNo), "--choices/--regex: the answer itself");
        assertEquals("{\"a\": 1}", ParsedColumn.answer().value(doc, obj));
        assertNull(ParsedColumn.jsonText().value(choice(0, "ye", null, "length", ErrorCode.INCOMPLETE_OUTPUT), yesNo));
        assertNull(ParsedColumn.jsonText().value(yes, null), "no constraint: nothing parsed");
        assertNull(ParsedColumn.jsonText().value(choice(0, "{", "{", "stop", null), obj), "never invalid JSON");
    }

    @Test
    void aTypedColumnTakesOnlyTheJobsSchema(@TempDir Path tmp) {
        String schema = StructuredSchemas.jsonSchemaFromDdl(DDL);
        DataType type = StructuredSchemas.sparkTypeOf(schema);
        ParsedColumn typed = ParsedColumn.typed(schema, type);
        String doc = "{\"label\":\"ok\",\"score\":0.5,\"tags\":[\"a\",\"b\"],\"inner\":{\"n\":3,\"xs\":[1,2]}}";
        CompletionChoice c = choice(0, doc, doc, "stop", null);
        // the same schema respelled (the parser's compact text vs a row's own spacing) still counts as the job's
        assertEquals("ok", ((Row) typed.value(c, StructuredOutput.jsonSchema(schema.replace(",", ", ")))).getString(0));
        assertNull(typed.value(c, StructuredOutput.jsonObject()), "a row's own constraint: not the column's type");

        ResultRows rows = new ResultRows("m", "rev", "run1", 0, typed);
        GenerationResult r = new GenerationResult("id1", List.of(c, choice(1, "{\"label\":\"o", null, "length",
            ErrorCode.INCOMPLETE_OUTPUT)), 5, null, null, 1.0, 1.0, 0);
        List<Row> out = rows.rows("id1", r, new Object[0], StructuredOutput.jsonSchema(schema));
        assertEquals(2, out.size());
        assertNull(out.get(0).get(14), "choice 0 is fine");
        assertEquals("INCOMPLETE_OUTPUT", out.get(1).getStruct(14).getString(0));
        assertEquals("{\"label\":\"o", out.get(1).getString(4), "a cut answer keeps its text");

        SparkSession spark = SparkTestSession.create("local[1]", tmp);
        StructType outSchema = OutputSchema.withKept(new StructType(), List.of(), type);
        spark.createDataFrame(out, outSchema).write().parquet(tmp.resolve("p").toString());
        spark.read().parquet(tmp.resolve("p").toString()).createOrReplaceTempView("t");
        Row got = spark.sql("SELECT parsed.label, parsed.score, parsed.tags[1], parsed.inner.xs[1] FROM t "
            + "WHERE parsed IS NOT NULL").collectAsList().get(0);
        assertEquals("ok", got.getString(0));
        assertEquals(0.5, got.getDouble(1));
        assertEquals("b", got.getString(2));
        assertEquals(2L, ((Number) got.get(3)).longValue());
        assertEquals(1, spark.sql("SELECT * FROM t WHERE parsed IS NULL AND error.code = 'INCOMPLETE_OUTPUT'").count());
    }
}
