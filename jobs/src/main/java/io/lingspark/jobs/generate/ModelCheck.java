package io.lingspark.jobs.generate;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.lingspark.engine.config.LingConfig;
import io.lingspark.engine.config.ModelLoadException;
import io.lingspark.engine.chat.JinjaChatTemplate;
import io.lingspark.engine.model.ModelFactory;
import io.lingspark.engine.tokenizer.HfTokenizer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Driver-side model directory check before any task starts: the engine core's loader checks
 * (config, shards, tensor names, shapes and dtypes, without loading weights) plus the tokenizer and
 * chat template, loaded and checked against the config's vocabulary. A broken model fails the job in seconds
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
        // The text side is small next to the weights: load it here so a broken tokenizer or template
        // fails the driver in a second rather than every executor after its weight load.
        int tokens = HfTokenizer.load(dir).size();
        JinjaChatTemplate.load(dir);
        if (tokens > config.vocabSize) {
            throw new ModelLoadException("tokenizer.json has " + tokens + " tokens but config.json vocab_size is "
                + config.vocabSize);
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
