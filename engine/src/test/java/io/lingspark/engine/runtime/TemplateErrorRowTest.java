package io.lingspark.engine.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lingspark.engine.chat.JinjaChatTemplate;
import io.lingspark.engine.config.LingConfig;
import io.lingspark.engine.model.Fixtures;
import io.lingspark.engine.model.ModelFactory;
import io.lingspark.engine.tokenizer.HfTokenizer;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A template that blows up only on some conversations (so the load-time probe passes it) gives those
 * rows TEMPLATE_ERROR naming the limit, within seconds, and the engine goes on serving the others.
 */
class TemplateErrorRowTest {
    @Test
    @Timeout(value = 30, unit = TimeUnit.SECONDS)
    void aRowThatSetsOffTheTemplatesBombIsATemplateErrorAndTheEngineGoesOn() throws Exception {
        Path dir = Fixtures.model("tiny-ling-v2");
        JinjaChatTemplate template = JinjaChatTemplate.of("{% macro f(n) %}{{ f(n + 1) }}{% endmacro %}"
            + "{% for m in messages %}{% if m.content == 'boom' %}{% for i in range(10**12) %}{% endfor %}"
            + "{% elif m.content == 'deep' %}{{ f(0) }}{% endif %}{{ m.content }}{% endfor %}", Map.of());
        EngineOptions o = EngineOptions.of(dir);
        SamplingParams p = SamplingParams.builder().temperature(0).maxTokens(4).build();
        try (LingEngine e = new LingEngine(o, LingConfig.fromDirectory(dir), HfTokenizer.load(dir), template,
            ModelFactory.open(dir, Backends.open(o)), 0)) {
            for (String content : new String[] {"boom", "deep"}) {
                GenerationResult bad = e.submit(GenerationRequest.ofMessages(content,
                    List.of(Map.of("role", "user", "content", content)), null, p)).get(10, TimeUnit.SECONDS);
                assertEquals(ErrorCode.TEMPLATE_ERROR, bad.errorCode(), bad.errorMessage());
                assertTrue(bad.errorMessage().contains("limit"), bad.errorMessage());
            }
            GenerationResult good = e.submit(GenerationRequest.ofMessages("ok",
                List.of(Map.of("role", "user", "content", "hello")), null, p)).get(10, TimeUnit.SECONDS);
            assertTrue(good.ok(), good.errorMessage());
        }
    }
}
