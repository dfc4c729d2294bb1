package io.lingspark.engine.cli;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.lingspark.engine.chat.JinjaChatTemplate;
import io.lingspark.engine.chat.TemplateException;
import io.lingspark.engine.config.ModelLoadException;
import io.lingspark.engine.tokenizer.HfTokenizer;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code lingspark prompt}: renders a conversation with the model's own chat template, exactly as
 * the engine will feed it (no trailing newline added, UTF-8), or its token ids. Useful to diff a
 * prompt against transformers' apply_chat_template. Exit codes: 2 usage, 3 model, 4 input.
 */
@Command(name = "prompt", mixinStandardHelpOptions = true,
    description = "Print the prompt a conversation renders to with the model's chat template (or its token ids).")
public final class PromptCommand implements Callable<Integer> {
    static final int MODEL_ERROR = 3;
    static final int INPUT_ERROR = 4;
    private static final ObjectMapper JSON = new ObjectMapper();

    @Option(names = "--model", required = true, paramLabel = "DIR", description = "Model directory (tokenizer_config.json / chat_template.jinja, tokenizer.json).")
    Path model;

    @Option(names = "--messages-file", required = true, paramLabel = "FILE",
        description = "JSON {\"messages\": [...], \"tools\": [...]} (tools optional).")
    Path messagesFile;

    @Option(names = "--no-generation-prompt", description = "Do not append the assistant turn opener.")
    boolean noGenerationPrompt;

    @Option(names = "--ids", description = "Print the token ids as a JSON array instead of the text.")
    boolean ids;

    @Override
    public Integer call() {
        PrintStream err = System.err;
        List<Map<String, Object>> messages;
        List<Map<String, Object>> tools;
        try {
            JsonNode root = JSON.readTree(messagesFile.toFile());
            JsonNode msgs = root != null && root.isArray() ? root : root == null ? null : root.get("messages");
            if (msgs == null || !msgs.isArray()) {
                err.println("lingspark prompt: " + messagesFile + ": expected a JSON object with a \"messages\" array");
                return INPUT_ERROR;
            }
            JsonNode t = root.isObject() ? root.get("tools") : null;
            if (t != null && !t.isNull() && !t.isArray()) {
                err.println("lingspark prompt: " + messagesFile + ": \"tools\" must be an array");
                return INPUT_ERROR;
            }
            messages = JSON.convertValue(msgs, new TypeReference<List<Map<String, Object>>>() { });
            tools = t == null || t.isNull() ? null : JSON.convertValue(t, new TypeReference<List<Map<String, Object>>>() { });
        } catch (IOException | IllegalArgumentException e) {
            err.println("lingspark prompt: cannot read " + messagesFile + ": " + e.getMessage().lines().findFirst().orElse(""));
            return INPUT_ERROR;
        }
        try {
            String prompt = JinjaChatTemplate.load(model).render(messages, tools, !noGenerationPrompt, Map.of());
            String out = ids ? JSON.writeValueAsString(HfTokenizer.load(model).encode(prompt)) : prompt;
            System.out.write(out.getBytes(StandardCharsets.UTF_8));
            System.out.flush();
            return 0;
        } catch (ModelLoadException e) {
            err.println("lingspark prompt: " + e.getMessage());
            return MODEL_ERROR;
        } catch (TemplateException e) {
            err.println("lingspark prompt: the chat template rejected the conversation: " + e.getMessage());
            return INPUT_ERROR;
        } catch (IOException e) {
            err.println("lingspark prompt: " + e.getMessage());
            return INPUT_ERROR;
        }
    }
}
