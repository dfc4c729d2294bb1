package io.lingspark.jobs.generate;

import static io.lingspark.jobs.generate.StructuredChecks.JSON;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.lingspark.jobs.LocalSparkJobs;
import io.lingspark.jobs.generate.StructuredChecks.Expect;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.apache.spark.sql.Row;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import picocli.CommandLine;

/**
 * The structured-output acceptance test: 300 rows over 16 constraints (JSON Schemas with nested
 * objects, enums, integer ranges, bounded arrays, optional properties, nullable unions, $defs/$ref and
 * a date format; regexes; choice lists with non-ASCII labels; json_object), given in every per-row
 * form the job reads, sampled at temperature 1 from random weights (garbage unless constrained) with
 * a max_tokens small enough that some answers are cut. Every answer that stopped must satisfy its
 * constraint, checked here independently of the engine (networknt's JSON Schema validator,
 * java.util.regex, list membership); every cut answer must say so (finish_reason length, parsed null,
 * INCOMPLETE_OUTPUT); and every id must come out exactly once.
 */
class StructuredAcceptanceTest extends LocalSparkJobs {
    static final int ROWS = 300;
    static final int MAX_TOKENS = 64;

    /** The constraints: a name, what the row's params say, and what the check expects. */
    record C(String name, ObjectNode params, Expect expect) {
    }

    static final String[] SCHEMAS = {
        // nested objects, a bounded string
        "{\"type\":\"object\",\"properties\":{\"user\":{\"type\":\"object\",\"properties\":{\"name\":{\"type\":\"string\","
            + "\"maxLength\":4},\"age\":{\"type\":\"integer\",\"minimum\":0,\"maximum\":120}},\"required\":[\"name\",\"age\"],"
            + "\"additionalProperties\":false}},\"required\":[\"user\"],\"additionalProperties\":false}",
        // enums (with and without a type)
        "{\"type\":\"object\",\"properties\":{\"color\":{\"enum\":[\"red\",\"green\",\"blue\"]},\"size\":{\"type\":\"string\","
            + "\"enum\":[\"S\",\"M\",\"L\",\"XL\"]}},\"required\":[\"color\",\"size\"],\"additionalProperties\":false}",
        // integer ranges, negative included
        "{\"type\":\"object\",\"properties\":{\"a\":{\"type\":\"integer\",\"minimum\":-5,\"maximum\":5},\"b\":{\"type\":\"integer\","
            + "\"minimum\":100,\"maximum\":999}},\"required\":[\"a\",\"b\"],\"additionalProperties\":false}",
        // an array with minItems/maxItems
        "{\"type\":\"array\",\"items\":{\"type\":\"integer\",\"minimum\":0,\"maximum\":9},\"minItems\":2,\"maxItems\":4}",
        // optional properties
        "{\"type\":\"object\",\"properties\":{\"id\":{\"type\":\"integer\",\"minimum\":1,\"maximum\":99},\"note\":{\"enum\":[\"x\",\"y\"]},"
            + "\"flag\":{\"type\":\"boolean\"}},\"required\":[\"id\"],\"additionalProperties\":false}",
        // anyOf and a nullable type list
        "{\"type\":\"object\",\"properties\":{\"v\":{\"anyOf\":[{\"type\":\"integer\",\"minimum\":0,\"maximum\":50},{\"type\":\"null\"}]},"
            + "\"w\":{\"type\":[\"boolean\",\"null\"]}},\"required\":[\"v\",\"w\"],\"additionalProperties\":false}",
        // $defs and $ref
        "{\"$defs\":{\"pt\":{\"type\":\"object\",\"properties\":{\"x\":{\"type\":\"integer\",\"minimum\":0,\"maximum\":9}},"
            + "\"required\":[\"x\"],\"additionalProperties\":false}},"
            + "\"type\":\"object\",\"properties\":{\"at\":{\"$ref\":\"#/$defs/pt\"}},"
            + "\"required\":[\"at\"],\"additionalProperties\":false}",
        // a date format
        "{\"type\":\"object\",\"properties\":{\"day\":{\"type\":\"string\",\"format\":\"date\"}},\"required\":[\"day\"],"
            + "\"additionalProperties\":false}",
    };
    static final String[] REGEXES = {"\\+1-[0-9]{3}-[0-9]{3}-[0-9]{4}", "[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])",
        "[a-z]+@[a-z]+\\.com"};
    static final List<List<String>> CHOICES = List.of(List.of("positive", "negative", "neutral"),
        List.of("是", "否", "也许"), List.of("très bien", "naïve", "Ünïcödé ✓"));

    static List<C> constraints() throws Exception {
        List<C> cs = new ArrayList<>();
        for (int i = 0; i < SCHEMAS.length; i++) {
            JsonNode s = JSON.readTree(SCHEMAS[i]);
            ObjectNode p = JSON.createObjectNode();
            switch (i % 4) { // every form the job reads a schema in
                case 0 -> p.set("guided_json", s);
                case 1 -> p.put("guided_json", SCHEMAS[i]);
                case 2 -> p.putObject("response_format").put("type", "json_schema").putObject("json_schema")
                    .put("name", "s" + i).put("strict", true).set("schema", s);
                default -> p.putObject("structured_outputs").set("json", s);
            }
            cs.add(new C("schema" + i, p, Expect.schema(s)));
        }
        for (int i = 0; i < REGEXES.length; i++) {
            ObjectNode p = JSON.createObjectNode();
            if (i % 2 == 0) {
                p.put("guided_regex", REGEXES[i]);
            } else {
                p.putObject("structured_outputs").put("regex", REGEXES[i]);
            }
            cs.add(new C("regex" + i, p, Expect.regex(REGEXES[i])));
        }
        for (int i = 0; i < CHOICES.size(); i++) {
            ObjectNode p = JSON.createObjectNode();
            ArrayNode a = i % 2 == 0 ? p.putArray("guided_choice") : p.putObject("structured_outputs").putArray("choice");
            CHOICES.get(i).forEach(a::add);
            cs.add(new C("choice" + i, p, Expect.choice(CHOICES.get(i))));
        }
        ObjectNode obj = JSON.createObjectNode();
        obj.putObject("response_format").put("type", "json_object");
        cs.add(new C("json_object", obj, Expect.object()));
        ObjectNode obj2 = JSON.createObjectNode();
        obj2.putObject("structured_outputs").put("json_object", true);
        cs.add(new C("json_object2", obj2, Expect.object()));
        return cs;
    }

    static Path model(String which) {
        if (which.equals("ling-2.0")) {
            return model; // the demo model
        }
        // the engine's random-weight Ling 2.5 fixture (MLA + linear attention), used where it lies
        return Path.of("..", "engine", "src", "test", "resources", "fixtures", "ling-v25", "tiny-ling-v25", "model");
    }

    @ParameterizedTest
    @ValueSource(strings = {"ling-2.0", "ling-2.5"})
    void everyFinishedAnswerSatisfiesItsConstraintAndEveryCutOneSaysSo(String which) throws Exception {
        List<C> cs = constraints();
        assertTrue(cs.size() >= 12);
        List<String> lines = new ArrayList<>();
        for (int i = 0; i < ROWS; i++) {
            C c = cs.get(i % cs.size());
            ObjectNode row = JSON.createObjectNode().put("id", "r" + i).put("kind", c.name());
            if (i % 2 == 0) {
                row.put("prompt", "Answer " + i + ":");
            } else {
                row.putArray("messages").addObject().put("role", "user").put("content", "Question " + i + "?");
            }
            row.set("params", c.params());
            lines.add(JSON.writeValueAsString(row));
        }
        Path in = Files.write(tmp.resolve("acceptance-" + which + ".jsonl"), lines);
        Path out = tmp.resolve("acceptance-out-" + which);
        long t0 = System.nanoTime();
        int code = new CommandLine(new GenerateJob()).execute("--model", model(which).toString(), "--input", in.toString(),
            "--output", out.toString(), "--device", "cpu", "--temperature", "1", "--seed", "17",
            "--max-tokens", Integer.toString(MAX_TOKENS), "--keep-columns", "kind", "--partitions", "2");
        double s = (System.nanoTime() - t0) / 1e9;
        assertEquals(0, code);

        Map<String, Expect> expect = new TreeMap<>();
        cs.forEach(c -> expect.put(c.name(), c.expect()));
        List<Row> rows = spark.read().parquet(out.toString())
            .selectExpr("id", "text", "parsed", "finish_reason", "error.code", "kind", "choice").collectAsList();
        assertEquals(ROWS, rows.size(), "one row per id (n = 1)");
        Set<String> ids = new HashSet<>();
        Map<String, int[]> counts = new TreeMap<>(); // kind -> {stop, length but complete, cut}
        for (Row r : rows) {
            assertTrue(ids.add(r.getString(0)), "duplicate " + r);
            String finish = StructuredChecks.check(expect.get(r.getString(5)), r, false);
            counts.computeIfAbsent(r.getString(5), k -> new int[3])[finish.equals("stop") ? 0 : finish.equals("length") ? 1 : 2]++;
        }
        for (int i = 0; i < ROWS; i++) {
            assertTrue(ids.contains("r" + i), "r" + i + " is missing");
        }
        int stops = counts.values().stream().mapToInt(c -> c[0]).sum();
        int complete = counts.values().stream().mapToInt(c -> c[1]).sum();
        int cut = counts.values().stream().mapToInt(c -> c[2]).sum();
        StringBuilder report = new StringBuilder();
        counts.forEach((k, v) -> report.append(' ').append(k).append('=').append(v[0]).append('/').append(v[1])
            .append('/').append(v[2]));
        System.out.printf("structured acceptance (%s): %d rows in %.1f s: %d stop, %d length (accepted), %d length (cut);"
            + " per constraint stop/accepted/cut:%s%n", which, ROWS, s, stops, complete, cut, report);
        assertTrue(stops >= ROWS / 2, "most answers finish within " + MAX_TOKENS + " tokens: " + report);
        counts.forEach((k, v) -> assertTrue(v[0] + v[1] > 0, k + ": no answer finished, so nothing was checked: " + report
            + "; e.g. " + rows.stream().filter(r -> r.getString(5).equals(k)).limit(2).map(r -> r.getString(1)).toList()));
        assertTrue(cut > 0, "max_tokens cuts some answers: " + report);
    }
}
