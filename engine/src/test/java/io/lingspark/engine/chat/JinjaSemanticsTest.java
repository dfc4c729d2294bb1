package io.lingspark.engine.chat;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * Jinja features beyond the Ling template, against outputs of real jinja2 3.1 in transformers'
 * environment (resources/jinja/gen_jinja_cases.py writes jinja_cases.json).
 */
class JinjaSemanticsTest {
    @TestFactory
    List<DynamicTest> matchesJinja2() throws Exception {
        ObjectMapper json = new ObjectMapper();
        JsonNode root;
        try (InputStream in = getClass().getResourceAsStream("/jinja/jinja_cases.json")) {
            root = json.readTree(in);
        }
        Map<String, Object> ctx = json.convertValue(root.get("context"), new TypeReference<Map<String, Object>>() { });
        List<DynamicTest> tests = new ArrayList<>();
        int i = 0;
        for (JsonNode c : root.get("cases")) {
            String template = c.get("template").asText();
            tests.add(DynamicTest.dynamicTest("case " + i++ + ": " + template.replace('\n', ' '),
                () -> assertEquals(c.get("expected").asText(), JinjaChatTemplate.of(template, Map.of()).render(List.of(), null, false, ctx))));
        }
        return tests;
    }

    @Test
    void errorsAreTemplateExceptions() {
        for (String bad : new String[] {"{{ 1 + 'a' }}", "{{ missing + 1 }}", "{% for %}", "{{ x.y( }}", "{% if x %}",
            "{{ 'a' | nosuchfilter }}", "{{ 1 / 0 }}", "{{ none() }}", "{% unknown %}", "{{ {'a': 1} | tojson | tojson }}x{{ missing | tojson }}"}) {
            assertThrows(TemplateException.class, () -> JinjaChatTemplate.of(bad, Map.of()).render(List.of(), null, false, Map.of()), bad);
        }
    }

    @Test
    void undefinedChainsLeniently() {
        assertEquals("|False", JinjaChatTemplate.of("{{ messages[0].role }}|{{ messages[0].role == 'system' }}", Map.of())
            .render(List.of(), null, false, Map.of()));
    }
}
