package io.lingspark.engine.chat;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.lingspark.engine.config.ModelLoadException;
import io.lingspark.engine.tokenizer.TokenizerFixtures;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;

class JinjaChatTemplateTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    static List<Map<String, Object>> maps(JsonNode n) {
        return n == null || n.isNull() ? null : JSON.convertValue(n, new TypeReference<List<Map<String, Object>>>() { });
    }

    @TestFactory
    List<DynamicTest> fixtureCasesRenderByteExact() {
        JinjaChatTemplate t = JinjaChatTemplate.load(TokenizerFixtures.modelDir());
        List<DynamicTest> tests = new ArrayList<>();
        int i = 0;
        for (JsonNode c : TokenizerFixtures.json("chat_template_cases.json")) {
            tests.add(DynamicTest.dynamicTest("case " + i++, () -> assertEquals(c.get("text").asText(),
                t.render(maps(c.get("messages")), maps(c.get("tools")), c.get("add_generation_prompt").asBoolean(), Map.of()))));
        }
        return tests;
    }

    @Test
    void sftReferenceConfigMatchesFixtureTemplate() {
        JinjaChatTemplate sft = JinjaChatTemplate.load(TokenizerFixtures.referenceConfig("config_sft"));
        JinjaChatTemplate fixture = JinjaChatTemplate.load(TokenizerFixtures.modelDir());
        for (JsonNode c : TokenizerFixtures.json("chat_template_cases.json")) {
            boolean gen = c.get("add_generation_prompt").asBoolean();
            assertEquals(fixture.render(maps(c.get("messages")), maps(c.get("tools")), gen, Map.of()),
                sft.render(maps(c.get("messages")), maps(c.get("tools")), gen, Map.of()));
        }
        assertEquals("<role>ASSISTANT</role>", sft.generationPrompt());
        assertEquals("<role>SYSTEM</role>detailed thinking off<|role_end|><role>HUMAN</role>Hi<|role_end|><role>ASSISTANT</role>",
            sft.render(List.of(Map.of("role", "user", "content", "Hi")), null, true, Map.of()));
    }

    @Test
    void pretrainTemplateRendersRolesWithoutRoleEnd() {
        JinjaChatTemplate base = JinjaChatTemplate.load(TokenizerFixtures.referenceConfig("config_pretrain"));
        List<Map<String, Object>> msgs = List.of(Map.of("role", "system", "content", "S"),
            Map.of("role", "user", "content", "Q"), Map.of("role", "assistant", "content", "A"));
        assertEquals("<role>SYSTEM</role>S<role>HUMAN</role>Q<role>ASSISTANT</role>A<role>ASSISTANT</role>",
            base.render(msgs, null, true, Map.of()));
        assertEquals("<role>ASSISTANT</role>", base.generationPrompt());
    }

    @Test
    void modelWithoutTemplateFailsClearly(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("tokenizer_config.json"), "{\"eos_token\": \"</s>\"}");
        JinjaChatTemplate t = JinjaChatTemplate.load(dir);
        ModelLoadException e = assertThrows(ModelLoadException.class, () -> t.render(List.of(), null, true, Map.of()));
        assertTrue(e.getMessage().contains("no chat template"), e.getMessage());
        assertEquals("", t.generationPrompt());
    }

    @Test
    void namedTemplatesAndJinjaFileAndTokenGlobals(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("tokenizer_config.json"), "{\"bos_token\": {\"content\": \"<s>\"}, \"eos_token\": \"</s>\","
            + " \"chat_template\": [{\"name\": \"tool_use\", \"template\": \"T\"}, {\"name\": \"default\", \"template\": \"{{ bos_token }}D{{ eos_token }}\"}]}");
        assertEquals("<s>D</s>", JinjaChatTemplate.load(dir).render(List.of(), null, false, Map.of()));
        Files.writeString(dir.resolve("chat_template.jinja"), "J{{ messages|length }}{{ x }}\n");
        assertEquals("J0y", JinjaChatTemplate.load(dir).render(List.of(), null, false, Map.of("x", "y")));
    }

    @Test
    void raiseExceptionIsTemplateException() {
        JinjaChatTemplate t = JinjaChatTemplate.of("{% if messages|length == 0 %}{{ raise_exception('need a message') }}{% endif %}ok", Map.of());
        TemplateException e = assertThrows(TemplateException.class, () -> t.render(List.of(), null, false, Map.of()));
        assertEquals("need a message", e.getMessage());
        assertEquals("", t.generationPrompt());
    }

    @Test
    void loadRefusesATemplateOverItsLimitsButKeepsOneThatRaisesForSomeConversations(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("chat_template.jinja"), "{% for i in range(10**12) %}x{% endfor %}");
        ModelLoadException e = assertThrows(ModelLoadException.class, () -> JinjaChatTemplate.load(dir));
        assertTrue(e.getMessage().contains("fails on a one-message conversation") && e.getMessage().contains("limit"), e.getMessage());
        Files.writeString(dir.resolve("chat_template.jinja"),
            "{% if messages[0].role != 'system' %}{{ raise_exception('start with a system message') }}{% endif %}ok");
        JinjaChatTemplate t = JinjaChatTemplate.load(dir);
        assertThrows(TemplateException.class, () -> t.render(List.of(Map.of("role", "user", "content", "x")), null, true, Map.of()));
        assertEquals("ok", t.render(List.of(Map.of("role", "system", "content", "s")), null, true, Map.of()));
    }
}
