package io.lingspark.jobs.generate;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.lingspark.engine.command.ExitCodes;
import io.lingspark.engine.command.ExitCodes.CommandException;
import io.lingspark.engine.runtime.LingException;
import io.lingspark.engine.structured.GrammarCompiler;
import io.lingspark.engine.structured.StructuredOutput;
import io.lingspark.jobs.output.ParsedColumn;
import io.lingspark.udfs.StructuredSchemas;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The job-wide output constraint of generate (--choices, --regex, --json-schema, --output-schema),
 * resolved on the driver before Spark starts: a bad flag, file or DDL is a usage error (exit 2)
 * before any task runs. It becomes every row's default constraint (a {@code structured_outputs} entry
 * of the parser's defaults, which a row's own constraint overrides) and decides the type of the
 * output's parsed column, so the output schema depends on the flags only (stable across --resume).
 *
 * @param defaults the {@code structured_outputs} object for the parser's defaults, or null for none
 */
record JobConstraint(ObjectNode defaults, ParsedColumn parsed) {
    private static final ObjectMapper JSON = new ObjectMapper();

    static JobConstraint of(List<String> choices, String regex, Path jsonSchemaFile, String outputSchemaDdl) {
        List<String> given = new ArrayList<>();
        if (choices != null && !choices.isEmpty()) {
            given.add("--choices");
        }
        if (regex != null) {
            given.add("--regex");
        }
        if (jsonSchemaFile != null) {
            given.add("--json-schema");
        }
        if (outputSchemaDdl != null) {
            given.add("--output-schema");
        }
        if (given.size() > 1) {
            throw usage(String.join(", ", given) + ": give at most one output constraint");
        }
        if (given.isEmpty()) {
            return new JobConstraint(null, ParsedColumn.jsonText());
        }
        ObjectNode so = JSON.createObjectNode();
        switch (given.get(0)) {
            case "--choices" -> {
                List<String> cs = choices.stream().map(String::trim).toList();
                if (cs.stream().anyMatch(String::isEmpty)) {
                    throw usage("--choices: empty choice in '" + String.join(",", choices) + "'");
                }
                so.set("choice", JSON.valueToTree(cs));
                compiles(StructuredOutput.choice(cs), "--choices");
                return new JobConstraint(so, ParsedColumn.answer());
            }
            case "--regex" -> {
                if (regex.isEmpty()) {
                    throw usage("--regex: the pattern is empty");
                }
                so.put("regex", regex);
                compiles(StructuredOutput.regex(regex), "--regex");
                return new JobConstraint(so, ParsedColumn.answer());
            }
            case "--json-schema" -> {
                return typed(so, readSchemaFile(jsonSchemaFile), "--json-schema " + jsonSchemaFile);
            }
            default -> {
                String schema;
                try {
                    schema = StructuredSchemas.jsonSchemaFromDdl(outputSchemaDdl);
                } catch (IllegalArgumentException e) {
                    throw usage("--output-schema: " + e.getMessage());
                }
                return typed(so, tree(schema, "--output-schema"), "--output-schema");
            }
        }
    }

    /** A JSON Schema constraint whose documents fill a typed parsed column. */
    private static JobConstraint typed(ObjectNode so, JsonNode schema, String what) {
        so.set("json", schema);
        String text = schema.toString(); // the parser's spelling too (compact), so rows under it compare equal
        compiles(StructuredOutput.jsonSchema(text), what);
        try {
            return new JobConstraint(so, ParsedColumn.typed(text, StructuredSchemas.sparkTypeOf(text)));
        } catch (IllegalArgumentException e) {
            throw usage(what + ": " + e.getMessage());
        }
    }

    /**
     * The engine's grammar compiler on the driver: a bad regex or a schema keyword the engine does not
     * support would otherwise make every row an INVALID_PARAMS error row, one task at a time. The
     * compiler needs no model (the tokenizer comes in later, on the executors).
     */
    private static void compiles(StructuredOutput c, String what) {
        try {
            GrammarCompiler.compile(c.validate());
        } catch (LingException | IllegalArgumentException e) { // (a pattern the regex parser refuses)
            throw usage(what + ": " + e.getMessage());
        }
    }

    private static JsonNode readSchemaFile(Path file) {
        String text;
        try {
            text = Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw usage("--json-schema: cannot read " + file + ": " + e);
        }
        JsonNode schema = tree(text, "--json-schema " + file);
        if (!schema.isObject()) {
            throw usage("--json-schema " + file + ": a JSON Schema must be a JSON object, got " + schema.getNodeType());
        }
        return schema;
    }

    private static JsonNode tree(String text, String what) {
        try {
            JsonNode n = JSON.readTree(text);
            if (n == null || n.isMissingNode()) {
                throw usage(what + ": the file is empty");
            }
            return n;
        } catch (JsonProcessingException e) {
            throw usage(what + " is not valid JSON: " + e.getOriginalMessage() + " (line "
                + e.getLocation().getLineNr() + ")");
        }
    }

    /** The parser's defaults with this constraint added. */
    Map<String, Object> addTo(Map<String, Object> requestFields) {
        if (defaults != null) {
            requestFields.put("structured_outputs", defaults);
        }
        return requestFields;
    }

    private static CommandException usage(String message) {
        return new CommandException(ExitCodes.USAGE, message);
    }
}
