package io.lingspark.engine.command;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.lingspark.engine.structured.StructuredOutput;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import picocli.CommandLine.Option;

/**
 * Structured-output flags for one-off engine commands (chat): at most one of --choices, --regex,
 * --json-schema, --json-object. A schema file may hold the schema itself or an OpenAI
 * {@code json_schema} wrapper ({@code {"name": ..., "schema": {...}}}).
 */
public final class ConstraintOptionsMixin {
    @Option(names = "--choices", split = ",", description = "the answer must be one of these (comma separated)")
    public List<String> choices;

    @Option(names = "--regex", description = "the whole answer must match this regular expression")
    public String regex;

    @Option(names = "--json-schema", description = "JSON file: the answer is JSON valid against this JSON Schema")
    public Path jsonSchema;

    @Option(names = "--json-object", description = "the answer is a JSON object")
    public boolean jsonObject;

    /** The constraint the flags ask for, or null; a usage error for several at once or an unreadable file. */
    public StructuredOutput constraint() {
        int given = (choices != null ? 1 : 0) + (regex != null ? 1 : 0) + (jsonSchema != null ? 1 : 0) + (jsonObject ? 1 : 0);
        if (given > 1) {
            throw new ExitCodes.CommandException(ExitCodes.USAGE, "give at most one of --choices, --regex, --json-schema, --json-object");
        }
        if (choices != null) {
            return StructuredOutput.choice(choices);
        }
        if (regex != null) {
            return StructuredOutput.regex(regex);
        }
        if (jsonObject) {
            return StructuredOutput.jsonObject();
        }
        if (jsonSchema == null) {
            return null;
        }
        JsonNode root;
        try {
            root = new ObjectMapper().readTree(jsonSchema.toFile());
        } catch (IOException e) {
            throw new ExitCodes.CommandException(ExitCodes.INPUT, "cannot read JSON Schema " + jsonSchema + ": " + e.getMessage());
        }
        if (root == null || !root.isObject()) {
            throw new ExitCodes.CommandException(ExitCodes.INPUT, jsonSchema + ": a JSON Schema is a JSON object");
        }
        JsonNode schema = root.has("schema") && root.get("schema").isObject() && !root.has("type") ? root.get("schema") : root;
        return StructuredOutput.jsonSchema(schema.toString());
    }
}
