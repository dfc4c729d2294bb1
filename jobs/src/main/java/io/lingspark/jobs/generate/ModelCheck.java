package io.lingspark.jobs.generate;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.lingspark.engine.config.LingConfig;
import io.lingspark.engine.config.ModelLoadException;
import io.lingspark.engine.model.ModelFactory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Driver-side model directory check before any task starts: the engine core's loader checks
 * (config, shards, tensor names, shapes and dtypes, without loading weights) plus the text files
 * the engine needs (tokenizer.json and a chat template). A broken model fails the job in seconds
 * with one line instead of failing every task after an executor spent minutes loading.
 */
public final class ModelCheck {
    private ModelCheck() {
    }

    public static LingConfig validate(Path dir) {
        if (!Files.isDirectory(dir)) {
            throw new ModelLoadException("model directory " + dir + " does not exist");
        }
        LingConfig config = ModelFactory.validate(dir);
        if (!Files.isRegularFile(dir.resolve("tokenizer.json"))) {
            throw new ModelLoadException(dir + " has no tokenizer.json");
        }
        if (!Files.isRegularFile(dir.resolve("chat_template.jinja")) && !hasTemplateInConfig(dir)) {
            throw new ModelLoadException(dir + " has no chat template (tokenizer_config.json chat_template "
                + "or chat_template.jinja)");
        }
        return config;
    }

    private static boolean hasTemplateInConfig(Path dir) {
        Path tc = dir.resolve("tokenizer_config.json");
        if (!Files.isRegularFile(tc)) {
            return false;
        }
        try {
            JsonNode n = new ObjectMapper().readTree(tc.toFile());
            return n.hasNonNull("chat_template");
        } catch (IOException e) {
            throw new ModelLoadException(tc + " is not valid JSON: " + e.getMessage());
        }
    }
}
