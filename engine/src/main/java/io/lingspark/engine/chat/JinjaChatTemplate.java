package io.lingspark.engine.chat;

import com.fasterxml.jackson.databind.JsonNode;
import io.lingspark.engine.config.ModelFiles;
import io.lingspark.engine.config.ModelLoadException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A checkpoint's Jinja chat template rendered as transformers' apply_chat_template does:
 * trim_blocks and lstrip_blocks on, keep_trailing_newline off (one final newline of the source is
 * dropped), variables {@code messages}, {@code tools} (None when absent), {@code documents} (None),
 * {@code add_generation_prompt}, the tokenizer's special tokens ({@code bos_token}, {@code eos_token},
 * ...) and the caller's extra kwargs, which override everything else.
 *
 * <p>Undefined values are lenient (like jinja2's ChainableUndefined): {@code messages[0].role} on an
 * empty conversation is undefined rather than an error, so generationPrompt() can render []. Real
 * Jinja raises there; for every template and conversation where Jinja succeeds the output is the same.
 *
 * <p>{@link #generationPrompt()}: render(messages, add_generation_prompt=true) minus the same with
 * false, first on [] and, if the template rejects an empty conversation, on one user message. For
 * Ling 2.0 chat and base templates it is {@code <role>ASSISTANT</role>}; a Ring-style template that
 * ends in {@code <think>\n} means generation starts inside the reasoning block.
 */
public final class JinjaChatTemplate implements ChatTemplate {
    /** What {@link #load} renders to check a template: one user turn, as the smallest real request. */
    private static final List<Map<String, Object>> PROBE = List.of(Map.of("role", "user", "content", "Hello"));

    private final List<JinjaAst.Node> template;
    private final String missingReason;
    private final Map<String, Object> globals;
    private final JinjaLimits limits;
    private volatile String generationPrompt;

    private JinjaChatTemplate(String source, Map<String, Object> globals, String missingReason, JinjaLimits limits) {
        this.limits = limits;
        this.template = source == null ? null : JinjaParser.parse(dropTrailingNewline(source), limits);
        this.globals = Map.copyOf(globals);
        this.missingReason = missingReason;
    }

    private static String dropTrailingNewline(String s) {
        return s.endsWith("\r\n") ? s.substring(0, s.length() - 2) : s.endsWith("\n") ? s.substring(0, s.length() - 1) : s;
    }

    /** A template from source text; globals are extra template variables (bos_token, ...). */
    public static JinjaChatTemplate of(String source, Map<String, Object> globals) {
        return of(source, globals, JinjaLimits.DEFAULT);
    }

    /** A template rendered within other limits (tests of the limits themselves). */
    static JinjaChatTemplate of(String source, Map<String, Object> globals, JinjaLimits limits) {
        if (source == null) {
            throw new IllegalArgumentException("template source is null");
        }
        return new JinjaChatTemplate(source, globals == null ? Map.of() : globals, null, limits);
    }

    /**
     * The template of a model directory: chat_template.jinja when present, else tokenizer_config.json
     * {@code chat_template} (a string, or a list of {name, template} where "default" is used). A model
     * without one loads, but rendering messages throws ModelLoadException. The template is parsed and
     * rendered once for a one-message conversation: a template that goes over its limits there
     * (a loop of 10**12 iterations, runaway recursion) would fail every row, so the model is refused.
     */
    public static JinjaChatTemplate load(Path modelDir) {
        Path configFile = modelDir.resolve("tokenizer_config.json");
        JsonNode config = Files.exists(configFile) ? ModelFiles.readObject(configFile, ModelFiles.MEDIUM_JSON) : null;
        Map<String, Object> globals = new LinkedHashMap<>();
        readSpecialTokens(modelDir.resolve("special_tokens_map.json"), globals);
        if (config != null) {
            collectTokens(config, globals);
        }
        Path jinja = modelDir.resolve("chat_template.jinja");
        String source = null;
        String missing = null;
        try {
            if (Files.exists(jinja)) {
                ModelFiles.checkSize(jinja, 4L * JinjaLimits.DEFAULT.maxSourceChars()); // UTF-8: up to 4 bytes a char
                source = Files.readString(jinja, StandardCharsets.UTF_8);
            } else if (config != null && config.hasNonNull("chat_template")) {
                JsonNode t = config.get("chat_template");
                if (t.isTextual()) {
                    source = t.asText();
                } else if (t.isArray()) {
                    for (JsonNode named : t) {
                        if ("default".equals(named.path("name").asText())) {
                            source = named.path("template").asText();
                        }
                    }
                    if (source == null) {
                        missing = configFile + ": chat_template lists named templates but none is named 'default'";
                    }
                } else {
                    throw new ModelLoadException(configFile + ": chat_template must be a string or a list of {name, template}");
                }
            } else {
                missing = modelDir + ": the model has no chat template (no chat_template.jinja and no chat_template in tokenizer_config.json)";
            }
        } catch (IOException e) {
            throw new ModelLoadException(jinja + ": cannot read: " + ModelFiles.oneLine(String.valueOf(e.getMessage())), e);
        }
        JinjaChatTemplate t;
        try {
            t = new JinjaChatTemplate(source, globals, missing, JinjaLimits.DEFAULT);
        } catch (TemplateException e) {
            throw new ModelLoadException(modelDir + ": chat template does not parse: " + ModelFiles.oneLine(e.getMessage()), e);
        }
        if (t.hasTemplate()) {
            try {
                t.render(PROBE, null, true, Map.of());
            } catch (TemplateLimitException e) {
                throw new ModelLoadException(modelDir + ": chat template fails on a one-message conversation: "
                    + ModelFiles.oneLine(e.getMessage()), e);
            } catch (TemplateException e) {
                // raise_exception and the like may depend on the conversation: those become per-row errors
            }
        }
        return t;
    }

    private static void readSpecialTokens(Path file, Map<String, Object> globals) {
        if (Files.exists(file)) {
            collectTokens(ModelFiles.readObject(file, ModelFiles.SMALL_JSON), globals);
        }
    }

    /** *_token fields, as strings or serialized AddedToken objects ({"content": ...}). */
    private static void collectTokens(JsonNode node, Map<String, Object> globals) {
        node.fields().forEachRemaining(e -> {
            JsonNode v = e.getValue();
            if (e.getKey().endsWith("_token")) {
                if (v.isTextual()) {
                    globals.put(e.getKey(), v.asText());
                } else if (v.isObject() && v.path("content").isTextual()) {
                    globals.put(e.getKey(), v.get("content").asText());
                }
            } else if (e.getKey().equals("additional_special_tokens") && v.isArray()) {
                List<Object> list = new ArrayList<>();
                v.forEach(x -> list.add(x.isObject() ? x.path("content").asText() : x.asText()));
                globals.put(e.getKey(), list);
            }
        });
    }

    /** Whether the model has a template at all. */
    public boolean hasTemplate() {
        return template != null;
    }

    @Override
    public String render(List<Map<String, Object>> messages, List<Map<String, Object>> tools,
                         boolean addGenerationPrompt, Map<String, Object> extra) {
        if (template == null) {
            throw new ModelLoadException(missingReason);
        }
        Map<String, Object> context = new LinkedHashMap<>(globals);
        context.put("messages", messages == null ? new ArrayList<>() : new ArrayList<Object>(messages));
        context.put("tools", tools == null ? null : new ArrayList<Object>(tools));
        context.put("documents", null);
        context.put("add_generation_prompt", addGenerationPrompt);
        if (extra != null) {
            context.putAll(extra);
        }
        return JinjaRenderer.render(template, context, limits);
    }

    @Override
    public String generationPrompt() {
        String g = generationPrompt;
        if (g == null) {
            g = computeGenerationPrompt();
            generationPrompt = g;
        }
        return g;
    }

    private String computeGenerationPrompt() {
        if (template == null) {
            return "";
        }
        List<Map<String, Object>> empty = List.of();
        try {
            return suffix(render(empty, null, true, Map.of()), render(empty, null, false, Map.of()));
        } catch (TemplateException e) {
            List<Map<String, Object>> one = List.of(Map.of("role", "user", "content", "x"));
            try {
                return suffix(render(one, null, true, Map.of()), render(one, null, false, Map.of()));
            } catch (TemplateException e2) {
                return "";
            }
        }
    }

    private static String suffix(String with, String without) {
        return with.startsWith(without) ? with.substring(without.length()) : "";
    }
}
