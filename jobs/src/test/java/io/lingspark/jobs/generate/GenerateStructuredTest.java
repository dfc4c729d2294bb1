package io.lingspark.jobs.generate;

import static io.lingspark.jobs.generate.StructuredChecks.JSON;
import static io.lingspark.jobs.generate.StructuredChecks.check;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.lingspark.jobs.LocalSparkJobs;
import io.lingspark.jobs.generate.StructuredChecks.Expect;
import io.lingspark.udfs.StructuredSchemas;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.ArrayType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import picocli.CommandLine;

/**
 * Structured output through the generate job on local[2] and the random-weight model: the job-wide
 * flags, per-row constraints in JSONL and OpenAI batch input, the parsed column's types. Random weights
 * write garbage unless constrained, so every answer that stops satisfying its constraint is the engine's
 * enforcement showing through the job; answers cut by max_tokens must say so.
 */
class GenerateStructuredTest extends LocalSparkJobs {
    static final String ROW_SCHEMA = "{\"type\":\"object\",\"properties\":{\"mood\":{\"enum\":[\"good\",\"bad\"]},"
        + "\"n\":{\"type\":\"integer\",\"minimum\":0,\"maximum\":9}},\"required\":[\"mood\",\"n\"],"
        + "\"additionalProperties\":false}";

    static GenerateJob job;

    /** A run at temperature 1 (seeded): random weights write garbage unless constrained. */
    static int generate(Path input, Path output, String... more) {
        List<String> a = new ArrayList<>(List.of("--model", model.toString(), "--input", input.toString(),
            "--output", output.toString(), "--device", "cpu", "--temperature", "1", "--seed", "5",
            "--status-interval-ms", "200"));
        a.addAll(List.of(more));
        if (!a.contains("--max-tokens")) {
            a.addAll(List.of("--max-tokens", "24"));
        }
        job = new GenerateJob();
        return new CommandLine(job).execute(a.toArray(String[]::new));
    }

    static Path jsonl(String name, List<ObjectNode> rows) throws Exception {
        Path p = tmp.resolve(name);
        List<String> lines = new ArrayList<>();
        for (ObjectNode r : rows) {
            lines.add(JSON.writeValueAsString(r));
        }
        Files.write(p, lines);
        return p;
    }

    static List<ObjectNode> prompts(int n) {
        List<ObjectNode> rows = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            rows.add(JSON.createObjectNode().put("id", "p" + i).put("prompt", "Review " + i + ": it arrived."));
        }
        return rows;
    }

    static List<Row> select(Dataset<Row> out) {
        return out.selectExpr("id", "text", "parsed", "finish_reason", "error.code").collectAsList();
    }

    @Test
    void flagsAreCheckedBeforeAnythingRuns() throws Exception {
        Path in = jsonl("flags.jsonl", prompts(1));
        Path out = tmp.resolve("flags-out");
        assertEquals(2, generate(in, out, "--choices", "a,b", "--regex", "x+"));
        assertEquals(2, generate(in, out, "--choices", "a,,b"));
        assertEquals(2, generate(in, out, "--regex", "[a-"));
        assertEquals(2, generate(in, out, "--json-schema", tmp.resolve("missing.json").toString()));
        Path bad = Files.writeString(tmp.resolve("bad.json"), "{\"type\": \"object\",");
        assertEquals(2, generate(in, out, "--json-schema", bad.toString()));
        Path array = Files.writeString(tmp.resolve("array.json"), "[1]");
        assertEquals(2, generate(in, out, "--json-schema", array.toString()));
        assertEquals(2, generate(in, out, "--output-schema", "label STRING,"));
        assertEquals(2, generate(in, out, "--output-schema", "m MAP<STRING, INT>"));
        Path unsupported = Files.writeString(tmp.resolve("unsupported.json"),
            "{\"type\": \"object\", \"patternProperties\": {\"^x\": {\"type\": \"integer\"}}}");
        assertEquals(2, generate(in, out, "--json-schema", unsupported.toString()), "refused on the driver");
        assertTrue(Files.notExists(out), "nothing ran");
    }

    @Test
    void choicesFlagGivesTheLabelAndARowsOwnConstraintOverridesIt() throws Exception {
        List<String> labels = List.of("positive", "negative", "neutral", "très bien", "好");
        List<ObjectNode> rows = prompts(30);
        rows.get(0).putObject("params").putArray("guided_choice").add("yes").add("no");
        rows.get(1).putObject("params").put("guided_regex", "[0-9]{3}");
        rows.get(2).putObject("params").put("n", 3); // three rows, each with its own parsed
        Path out = tmp.resolve("choices-out");
        assertEquals(0, generate(jsonl("choices.jsonl", rows), out, "--choices", String.join(",", labels),
            "--run-id", "c1"));
        Dataset<Row> written = spark.read().parquet(out.toString());
        assertEquals(DataTypes.StringType, written.schema().apply("parsed").dataType());
        int parsed = 0;
        List<Row> all = select(written);
        assertEquals(32, all.size());
        assertEquals(3, written.where("id = 'p2'").select("choice").distinct().count());
        for (Row r : all) {
            Expect e = switch (r.getString(0)) {
                case "p0" -> Expect.choice(List.of("yes", "no"));
                case "p1" -> Expect.regex("[0-9]{3}");
                default -> Expect.choice(labels);
            };
            parsed += "cut".equals(check(e, r, true)) ? 0 : 1;
        }
        assertTrue(parsed >= 20, parsed + " of 32 labels finished within 24 tokens");
        assertEquals(32 - parsed, job.result().summary().incompleteOutputs());
        assertEquals(0, job.result().summary().errors(), "an incomplete output is not a failed request");
        // A resume must keep the parsed column's type: the same flag is fine, a typed schema is not.
        assertEquals(0, generate(jsonl("choices.jsonl", rows), out, "--choices", String.join(",", labels), "--resume"));
        assertEquals(0, job.result().rowsTotal());
        assertEquals(5, generate(jsonl("choices.jsonl", rows), out, "--output-schema", "a BOOLEAN", "--resume"));
    }

    @Test
    void outputSchemaGivesATypedStructColumnQueryableInSql() throws Exception {
        // Random weights seldom close a string (and JSON allows whitespace between tokens, which they
        // like), so many objects are cut at max_tokens; the seeded rows give the same answers every run.
        String ddl = "label STRING, score DOUBLE, tags ARRAY<STRING>";
        Path out = tmp.resolve("typed-out");
        assertEquals(0, generate(jsonl("typed.jsonl", prompts(40)), out, "--output-schema", ddl, "--max-tokens", "128"));
        Dataset<Row> written = spark.read().parquet(out.toString());
        StructType type = (StructType) written.schema().apply("parsed").dataType();
        assertEquals(List.of("label", "score", "tags"), List.of(type.fieldNames()));
        assertEquals(DataTypes.StringType, type.apply("label").dataType());
        assertEquals(DataTypes.DoubleType, type.apply("score").dataType());
        assertEquals(DataTypes.StringType, ((ArrayType) type.apply("tags").dataType()).elementType());
        JsonNode schema = JSON.readTree(StructuredSchemas.jsonSchemaFromDdl(ddl));
        written.createOrReplaceTempView("typed");
        int parsed = 0;
        for (Row r : spark.sql("SELECT id, text, to_json(parsed), finish_reason, error.code FROM typed").collectAsList()) {
            parsed += "cut".equals(check(Expect.schema(schema), r, false)) ? 0 : 1;
        }
        // The typed column holds the same document as the text: field by field
        for (Row r : spark.sql("SELECT text, parsed.label, parsed.score, parsed.tags FROM typed WHERE parsed IS NOT NULL")
            .collectAsList()) {
            JsonNode doc = JSON.readTree(r.getString(0));
            assertEquals(doc.get("label").asText(), r.getString(1));
            assertEquals(doc.get("score").asDouble(), r.getDouble(2));
            assertEquals(doc.get("tags").size(), r.getList(3).size());
        }
        System.out.printf("typed parsed column: %d of 40 objects finished within 128 tokens%n", parsed);
        assertTrue(parsed >= 2, parsed + " of 40 objects finished within 128 tokens");
    }

    /** JSONL as it is, and the same rows as Parquet with params a struct (what Spark infers from the JSON). */
    @ParameterizedTest
    @ValueSource(strings = {"jsonl", "parquet"})
    void perRowConstraintsGiveValidatedJsonText(String format) throws Exception {
        List<ObjectNode> rows = prompts(24);
        Map<String, Expect> expect = new HashMap<>();
        for (int i = 0; i < rows.size(); i++) {
            ObjectNode p = rows.get(i).putObject("params");
            String id = "p" + i;
            switch (i % 6) {
                case 0 -> {
                    p.putArray("guided_choice").add("oui").add("non").add("peut-être");
                    expect.put(id, Expect.choice(List.of("oui", "non", "peut-être")));
                }
                case 1 -> {
                    p.putObject("structured_outputs").put("regex", "[a-z]{2,4}-[0-9]{2}");
                    expect.put(id, Expect.regex("[a-z]{2,4}-[0-9]{2}"));
                }
                case 2 -> {
                    ObjectNode rf = p.putObject("response_format").put("type", "json_schema");
                    rf.putObject("json_schema").put("name", "m").set("schema", JSON.readTree(ROW_SCHEMA));
                    expect.put(id, Expect.schema(JSON.readTree(ROW_SCHEMA)));
                }
                case 3 -> {
                    p.put("guided_json", ROW_SCHEMA); // as JSON text
                    expect.put(id, Expect.schema(JSON.readTree(ROW_SCHEMA)));
                }
                case 4 -> p.put("max_tokens", 4); // no constraint: parsed stays null
                default -> {
                    p.putArray("guided_choice").add("a");
                    p.put("guided_regex", "b+"); // two constraints: an error row naming both
                }
            }
        }
        Path in = jsonl("rows.jsonl", rows);
        if (format.equals("parquet")) {
            Path pq = tmp.resolve("rows.parquet");
            spark.read().json(in.toString()).write().parquet(pq.toString());
            assertTrue(spark.read().parquet(pq.toString()).schema().apply("params").dataType() instanceof StructType);
            in = pq;
        }
        Path out = tmp.resolve("rows-out-" + format);
        assertEquals(0, generate(in, out, "--output-format", "jsonl", "--max-tokens", "48"));
        Dataset<Row> written = spark.read().json(out.toString());
        int parsed = 0;
        for (Row r : select(written)) {
            int i = Integer.parseInt(r.getString(0).substring(1));
            if (i % 6 == 4) {
                assertNull(r.get(2));
                assertNull(r.get(4));
            } else if (i % 6 == 5) {
                assertEquals("INVALID_PARAMS", r.getString(4));
                String m = written.where("id = 'p" + i + "'").selectExpr("error.message").first().getString(0);
                assertTrue(m.contains("guided_choice") && m.contains("guided_regex"), m);
            } else {
                parsed += "cut".equals(check(expect.get(r.getString(0)), r, false)) ? 0 : 1;
            }
        }
        assertTrue(parsed >= 8, parsed + " of 16 constrained rows finished");
    }

    @Test
    void openAiBatchBodiesCarryConstraintsAndTheOutputHasMessageParsed() throws Exception {
        List<ObjectNode> lines = new ArrayList<>();
        for (int i = 0; i < 12; i++) {
            ObjectNode l = JSON.createObjectNode().put("custom_id", "b" + i).put("method", "POST")
                .put("url", "/v1/chat/completions");
            ObjectNode body = l.putObject("body").put("model", "ling");
            body.putArray("messages").addObject().put("role", "user").put("content", "Item " + i);
            if (i % 3 == 0) {
                ObjectNode rf = body.putObject("response_format").put("type", "json_schema");
                rf.putObject("json_schema").put("name", "m").put("strict", true).set("schema", JSON.readTree(ROW_SCHEMA));
            } else if (i % 3 == 1) {
                body.putArray("guided_choice").add("cat").add("dog");
            }
            lines.add(l);
        }
        Path out = tmp.resolve("batch-out");
        assertEquals(0, generate(jsonl("batch.jsonl", lines), out, "--input-format", "openai-batch", "--max-tokens", "48"));
        Map<String, Row> rows = new HashMap<>();
        for (Row r : select(spark.read().parquet(out.toString()))) {
            rows.put(r.getString(0), r);
        }
        int parsedSeen = 0;
        for (String line : Files.readAllLines(Path.of(job.result().openAiFile()))) {
            JsonNode o = JSON.readTree(line);
            String id = o.get("custom_id").asText();
            int i = Integer.parseInt(id.substring(1));
            Row r = rows.get(id);
            assertTrue(o.get("error").isNull(), "an incomplete output is still a response: " + line);
            JsonNode choice = o.get("response").get("body").get("choices").get(0);
            JsonNode msg = choice.get("message");
            assertEquals(r.getString(1), msg.get("content").asText(), "content stays the text");
            if (i % 3 == 2) {
                assertTrue(msg.path("parsed").isMissingNode());
                continue;
            }
            Expect e = i % 3 == 0 ? Expect.schema(JSON.readTree(ROW_SCHEMA)) : Expect.choice(List.of("cat", "dog"));
            if (!"cut".equals(check(e, r, false))) {
                parsedSeen++;
                assertEquals(JSON.readTree(r.getString(2)), msg.get("parsed"), "parsed as JSON, like the SDK's");
            } else {
                assertTrue(msg.path("parsed").isMissingNode());
                assertEquals("length", choice.get("finish_reason").asText());
            }
        }
        assertTrue(parsedSeen >= 4, parsedSeen + " of 8 constrained answers finished");
    }
}
