package io.lingspark.engine.runtime;

import io.lingspark.engine.chat.JinjaChatTemplate;
import io.lingspark.engine.config.LingConfig;
import io.lingspark.engine.model.ModelFactory;
import io.lingspark.engine.tokenizer.HfTokenizer;
import java.nio.file.Path;

/**
 * Everything {@link LingEngine#open} reads from a model directory, checked without loading a weight:
 * config.json and generation_config.json, every shard's header and every tensor's presence, dtype and
 * shape, tokenizer.json against the vocabulary, the chat template. Drivers call it before any task
 * starts, so a broken directory fails a job in seconds with one line.
 */
public final class ModelDirectoryCheck {
    private ModelDirectoryCheck() {
    }

    public static LingConfig check(Path dir) {
        LingConfig config = ModelFactory.validate(dir);
        HfTokenizer.load(dir, config.vocabSize);
        JinjaChatTemplate.load(dir);
        return config;
    }
}
