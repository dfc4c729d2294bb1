package io.lingspark.jobs.generate;

import io.lingspark.engine.chat.JinjaChatTemplate;
import io.lingspark.engine.config.LingConfig;
import io.lingspark.engine.config.ModelLoadException;
import io.lingspark.engine.runtime.ModelDirectoryCheck;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Driver-side model directory check before any task starts: the engine's check of everything an
 * executor will read (config, shards, tensor names, shapes and dtypes without loading weights, the
 * tokenizer against the config's vocabulary, the chat template parsed and rendered once within its
 * limits), plus a chat template being there at all, which generate needs for messages. A broken model
 * fails the job in seconds with one line instead of failing every task after an executor spent
 * minutes loading.
 */
public final class ModelCheck {
    private ModelCheck() {
    }

    public static LingConfig validate(Path dir) {
        if (!Files.isDirectory(dir)) {
            throw new ModelLoadException("model directory " + dir + " does not exist");
        }
        LingConfig config = ModelDirectoryCheck.check(dir);
        if (!JinjaChatTemplate.load(dir).hasTemplate()) {
            throw new ModelLoadException(dir + " has no chat template (tokenizer_config.json chat_template "
                + "or chat_template.jinja)");
        }
        return config;
    }
}
