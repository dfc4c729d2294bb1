package io.lingspark.udfs;

import io.lingspark.engine.chat.ChatTemplate;
import io.lingspark.engine.chat.JinjaChatTemplate;
import io.lingspark.engine.tokenizer.HfTokenizer;
import io.lingspark.engine.tokenizer.Tokenizer;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A model's text side (tokenizer and chat template, no weights), loaded once per JVM and model
 * directory: the SQL functions run in executor tasks, and a tokenizer.json is far too large to
 * load per row or per task. Both objects are immutable and thread-safe.
 */
public record TextModel(Tokenizer tokenizer, ChatTemplate template, boolean startsInReasoning) {
    private static final Map<String, TextModel> LOADED = new ConcurrentHashMap<>();

    public static TextModel get(String modelDir) {
        return LOADED.computeIfAbsent(Path.of(modelDir).toAbsolutePath().normalize().toString(), d -> {
            Path dir = Path.of(d);
            ChatTemplate t = JinjaChatTemplate.load(dir);
            String gp = t.generationPrompt();
            // Ring-style templates open <think> in the generation prompt: outputs start inside reasoning.
            boolean thinking = gp != null && gp.lastIndexOf("<think>") > gp.lastIndexOf("</think>");
            return new TextModel(HfTokenizer.load(dir), t, thinking);
        });
    }
}
