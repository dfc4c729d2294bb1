package io.lingspark.engine.chat;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lingspark.engine.tokenizer.TokenizerFixtures;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Hostile chat templates: each must fail with a TemplateException naming the limit it hit, within
 * a couple of seconds, and never with an Error (OutOfMemoryError, StackOverflowError) or by running
 * until the JVM dies. A chat template is untrusted input: it comes with the checkpoint.
 */
class TemplateBombTest {
    private static final List<Map<String, Object>> ONE_MESSAGE = List.of(Map.of("role", "user", "content", "Hi"));

    static String nested(String open, String inner, String close, int depth) {
        return open.repeat(depth) + inner + close.repeat(depth);
    }

    static Stream<Arguments> bombs() {
        return Stream.of(
            Arguments.of("huge range", "{% for i in range(10**12) %}x{% endfor %}"),
            Arguments.of("string repetition", "{{ 'a' * 10**10 }}"),
            Arguments.of("list repetition", "{{ ([1] * 10**9)|length }}"),
            Arguments.of("nested loops", "{% for i in range(100000) %}{% for j in range(100000) %}{% endfor %}{% endfor %}"),
            Arguments.of("macro recursion", "{% macro f(n) %}{{ f(n + 1) }}{% endmacro %}{{ f(0) }}"),
            Arguments.of("mutual macro recursion",
                "{% macro a(n) %}{{ b(n) }}{% endmacro %}{% macro b(n) %}{{ a(n) }}{% endmacro %}{{ a(0) }}"),
            Arguments.of("50,000 nested parentheses", "{{ " + nested("(", "1", ")", 50_000) + " }}"),
            Arguments.of("50,000 nested brackets", "{{ " + nested("[", "1", "]", 50_000) + " }}"),
            Arguments.of("50,000 nested ifs", nested("{% if true %}", "x", "{% endif %}", 50_000)),
            Arguments.of("50,000 nested fors", nested("{% for i in [1] %}", "x", "{% endfor %}", 50_000)),
            Arguments.of("50,000 nots", "{{ " + "not ".repeat(50_000) + "true }}"),
            Arguments.of("50,000 unary minuses", "{{ " + "- ".repeat(50_000) + "1 }}"),
            Arguments.of("50,000-term operator chain", "{{ 1" + " + 1".repeat(50_000) + " }}"),
            Arguments.of("50,000 chained filters", "{{ 'a'" + "|upper".repeat(50_000) + " }}"),
            Arguments.of("huge join", "{{ ([('a' * 1000000)] * 100000)|join }}"),
            Arguments.of("huge join method", "{{ ','.join([('a' * 1000000)] * 100000) }}"),
            Arguments.of("string doubling",
                "{% set ns = namespace(s='a') %}{% for i in range(64) %}{% set ns.s = ns.s ~ ns.s %}{% endfor %}{{ ns.s|length }}"),
            Arguments.of("list doubling",
                "{% set ns = namespace(l=[1]) %}{% for i in range(64) %}{% set ns.l = ns.l + ns.l %}{% endfor %}{{ ns.l|length }}"),
            Arguments.of("retained appends",
                "{% set l = [] %}{% for i in range(1000000) %}{{ l.append('a' * 1000000) }}{% endfor %}"),
            Arguments.of("output flood", "{% for i in range(1000000) %}{{ 'a' * 100000 }}{% endfor %}"),
            Arguments.of("replace blow-up", "{{ ('a' * 1000000)|replace('a', 'a' * 100000) }}"),
            Arguments.of("replace everywhere", "{{ ('a' * 1000000).replace('', 'b' * 100000) }}"),
            Arguments.of("indent width", "{{ 'a\\nb'|indent(10**10) }}"),
            Arguments.of("tojson indent", "{{ [[1]]|tojson(indent=10**9) }}"),
            Arguments.of("deep data to json",
                "{% set ns = namespace(x=[]) %}{% for i in range(200000) %}{% set ns.x = [ns.x] %}{% endfor %}{{ ns.x|tojson }}"),
            Arguments.of("deep data repr",
                "{% set ns = namespace(x=[]) %}{% for i in range(200000) %}{% set ns.x = [ns.x] %}{% endfor %}{{ ns.x }}"),
            Arguments.of("deep data comparison",
                "{% set ns = namespace(x=[], y=[]) %}{% for i in range(200000) %}{% set ns.x = [ns.x] %}{% set ns.y = [ns.y] %}"
                    + "{% endfor %}{{ ns.x == ns.y }}"));
    }

    // Most fail in well under a second; the iteration limit takes a million iterations (about 2 s cold on
    // the 2-core development machine), hence 5 s.
    @ParameterizedTest(name = "{0}")
    @MethodSource("bombs")
    @Timeout(value = 5, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void bombIsATemplateExceptionWithinSeconds(String name, String template) {
        TemplateException e = assertThrows(TemplateException.class,
            () -> JinjaChatTemplate.of(template, Map.of()).render(ONE_MESSAGE, null, true, Map.of()), name);
        assertTrue(e.getMessage().contains("limit"), name + ": " + e.getMessage());
        assertTrue(!e.getMessage().contains("\n"), name + ": one line: " + e.getMessage());
    }

    @Test
    @Timeout(value = 5, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void aRenderOverItsTimeLimitStops() {
        // 10^12 comparisons: no size, depth or iteration limit stops it; the clock does (300 ms here, 10 s by default).
        String quadratic = "{% set big = range(1000000) %}{% for i in range(1000000) %}{% if -1 in big %}{% endif %}{% endfor %}";
        JinjaChatTemplate t = JinjaChatTemplate.of(quadratic, Map.of(), JinjaLimits.DEFAULT.withMaxNanos(300_000_000L));
        long t0 = System.nanoTime();
        TemplateLimitException e = assertThrows(TemplateLimitException.class, () -> t.render(ONE_MESSAGE, null, true, Map.of()));
        assertTrue(e.getMessage().contains("longer than 300 ms"), e.getMessage());
        assertTrue(System.nanoTime() - t0 < 2_000_000_000L, "stopped soon after the limit");
    }

    @Test
    void theLingTemplateRendersALongConversationWithToolsWellWithinTheLimits() {
        // 4,000 turns of 1,000 characters and 100 tools: far beyond a real request, nowhere near a limit.
        List<Map<String, Object>> messages = new ArrayList<>();
        for (int i = 0; i < 4000; i++) {
            messages.add(Map.of("role", i % 2 == 0 ? "user" : "assistant", "content", ("turn " + i + " ").repeat(200).substring(0, 1000)));
        }
        List<Map<String, Object>> tools = new ArrayList<>();
        for (int i = 0; i < 100; i++) {
            tools.add(Map.of("type", "function", "function", Map.of("name", "f" + i, "parameters",
                Map.of("type", "object", "properties", Map.of("x", Map.of("type", "string"))))));
        }
        String out = JinjaChatTemplate.load(TokenizerFixtures.modelDir()).render(messages, tools, true, Map.of());
        assertTrue(out.length() > 4_000_000 && out.endsWith("<role>ASSISTANT</role>"), "rendered " + out.length() + " chars");
    }

    @Test
    void aThreadWithATinyStackStillGetsATemplateException() throws Exception {
        // 90 nested parentheses and a 400-term chain are within the limits, but not within a 64 KiB stack.
        String[] deep = {"{{ " + nested("(", "1", ")", 90) + " }}", "{{ 1" + " + 1".repeat(400) + " }}"};
        for (String t : deep) {
            Throwable[] thrown = new Throwable[1];
            Thread th = new Thread(null, () -> {
                try {
                    JinjaChatTemplate.of(t, Map.of()).render(ONE_MESSAGE, null, true, Map.of());
                } catch (Throwable e) {
                    thrown[0] = e;
                }
            }, "small-stack", 64 * 1024);
            th.start();
            th.join();
            assertTrue(thrown[0] instanceof TemplateException, String.valueOf(thrown[0]));
        }
    }

    static Stream<Arguments> malformed() {
        return Stream.of(
            Arguments.of("\\u escape cut short", "{{ '\\u12' }}"),
            Arguments.of("\\x escape not hex", "{{ '\\xZZ' }}"),
            Arguments.of("backslash at the end", "{{ 'abc\\"),
            Arguments.of("integer literal beyond 64 bits", "{{ 99999999999999999999 }}"),
            Arguments.of("source over the size limit", "x".repeat(3 << 20)));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("malformed")
    @Timeout(value = 3, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void malformedSourceIsATemplateException(String name, String template) {
        TemplateException e = assertThrows(TemplateException.class,
            () -> JinjaChatTemplate.of(template, Map.of()).render(ONE_MESSAGE, null, true, Map.of()), name);
        assertTrue(e.getMessage() != null && !e.getMessage().isBlank(), name);
    }
}
