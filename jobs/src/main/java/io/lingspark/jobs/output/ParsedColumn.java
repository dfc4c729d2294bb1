package io.lingspark.jobs.output;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.lingspark.engine.runtime.CompletionChoice;
import io.lingspark.engine.structured.StructuredOutput;
import java.io.Serializable;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;

/**
 * What the output's {@code parsed} column holds. Its type is decided on the driver from the job's
 * flags alone, never from the rows, so every task and every resumed run writes the same schema:
 * <ul>
 *   <li>{@link Mode#TYPED} (--output-schema, --json-schema): the Spark type of the job's schema (a struct
 *       queryable as parsed.label; a string of JSON text where the schema has no Spark type). Only rows
 *       under the job's schema fill it; a row that brought its own different constraint gets null
 *       (its answer is in text).</li>
 *   <li>{@link Mode#ANSWER} (--choices, --regex): a string, the answer as it is (a row with its own
 *       JSON constraint: the JSON text).</li>
 *   <li>{@link Mode#JSON_TEXT} (no job-wide constraint): a string of JSON text, always valid JSON, so
 *       from_json and get_json_object work on it: the document for JSON constraints, the answer as a JSON
 *       string for choice and regex rows.</li>
 * </ul>
 * Null whenever the constraint did not accept the whole answer (the engine's parsed is null), so
 * nothing that fails the constraint is ever put here.
 *
 * @param jobSchema TYPED: the job's JSON Schema text (compared with each row's)
 */
public record ParsedColumn(Mode mode, DataType type, String jobSchema) implements Serializable {
    public enum Mode { JSON_TEXT, ANSWER, TYPED }

    private static final ObjectMapper JSON = new ObjectMapper();

    public static ParsedColumn jsonText() {
        return new ParsedColumn(Mode.JSON_TEXT, DataTypes.StringType, null);
    }

    public static ParsedColumn answer() {
        return new ParsedColumn(Mode.ANSWER, DataTypes.StringType, null);
    }

    public static ParsedColumn typed(String jobSchema, DataType type) {
        return new ParsedColumn(Mode.TYPED, type, jobSchema);
    }

    /** Whether the column's strings are JSON text (so the OpenAI output can nest them as JSON). */
    public boolean holdsJson() {
        return mode != Mode.ANSWER;
    }

    /**
     * The column's value for one choice of a request under {@code constraint} (null: none), as an
     * external Spark value (String, Row, Seq, ...) for the row encoder.
     */
    public Object value(CompletionChoice c, StructuredOutput constraint) {
        String p = c.parsed();
        if (p == null || constraint == null) {
            return null;
        }
        return switch (mode) {
            case ANSWER -> constraint.isJson() ? validJson(p) : p;
            case JSON_TEXT -> constraint.isJson() ? validJson(p) : quote(p);
            case TYPED -> {
                if (!isJobSchema(constraint)) {
                    yield null;
                }
                JsonNode doc = tree(p);
                yield doc == null ? null : TypedValues.of(doc, type);
            }
        };
    }

    private boolean isJobSchema(StructuredOutput c) {
        if (c.kind() != StructuredOutput.Kind.JSON_SCHEMA) {
            return false;
        }
        // Rows without a constraint of their own carry the job's in the parser's one spelling: the common case is equal text.
        return c.jsonSchema().equals(jobSchema) || (tree(c.jsonSchema()) != null && tree(c.jsonSchema()).equals(tree(jobSchema)));
    }

    /** The engine's JSON text, checked once more: a document that does not parse never reaches the column. */
    private static String validJson(String p) {
        return tree(p) == null ? null : p;
    }

    private static String quote(String p) {
        try {
            return JSON.writeValueAsString(p);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    private static JsonNode tree(String json) {
        try {
            return json == null ? null : JSON.readTree(json);
        } catch (JsonProcessingException e) {
            return null;
        }
    }
}
