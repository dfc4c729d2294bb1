package io.lingspark.engine.output;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Ling's tool-call blocks (ling-architecture.md §4, SGLang's Qwen25Detector):
 * {@code <tool_call>\n{"name": "fn", "arguments": {...}}\n</tool_call>}, one or several, with free text
 * around and between them. Well-formed blocks become {@link ToolCall}s and leave the content; a block
 * whose body is not a JSON object with a string name stays in the content verbatim and the reason goes to
 * parseError; an unterminated block (generation ran out) stays in the content. Never throws.
 *
 * <p>Arguments are returned as compact JSON text. When the model wrote arguments as a string (the
 * template emits string arguments verbatim), the string is kept if it holds JSON.
 *
 * <p>Call ids are "call_" + 24 hex digits from a per-JVM random salt and a counter mixed through
 * SplitMix64, so they are unique within a result, across results and across executors. Stateless apart
 * from that counter; thread-safe.
 */
public final class ToolCallParser {
    static final String OPEN = "<tool_call>";
    static final String CLOSE = "</tool_call>";

    private static final ObjectMapper JSON = new ObjectMapper()
        .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);
    private static final long SALT = new SecureRandom().nextLong();
    private static final AtomicLong COUNTER = new AtomicLong();

    private ToolCallParser() {
    }

    public static ParsedToolCalls parse(String text) {
        if (text == null || !text.contains(OPEN)) {
            return new ParsedToolCalls(text == null ? "" : text, List.of(), null);
        }
        List<ToolCall> calls = new ArrayList<>();
        StringBuilder content = new StringBuilder();
        String error = null;
        int pos = 0;
        while (pos < text.length()) {
            int open = text.indexOf(OPEN, pos);
            if (open < 0) {
                content.append(text, pos, text.length());
                break;
            }
            content.append(text, pos, open);
            int bodyStart = open + OPEN.length();
            int close = text.indexOf(CLOSE, bodyStart);
            if (close < 0) {
                // Unterminated: generation stopped inside a call. Keep it as text, no error to report.
                content.append(text, open, text.length());
                break;
            }
            // A "</tool_call>" inside an argument string would end the block too early; try later closing
            // tags (before the next opening tag) until the body parses.
            int nextOpen = text.indexOf(OPEN, bodyStart);
            int end = close;
            Block block = parseBody(text.substring(bodyStart, close));
            for (int c = text.indexOf(CLOSE, close + 1); block.call == null && c >= 0
                && (nextOpen < 0 || c < nextOpen); c = text.indexOf(CLOSE, c + 1)) {
                Block later = parseBody(text.substring(bodyStart, c));
                if (later.call != null) {
                    block = later;
                    end = c;
                }
            }
            int blockEnd = end + CLOSE.length();
            if (block.call != null) {
                calls.add(block.call);
            } else {
                content.append(text, open, blockEnd);
                if (error == null) {
                    error = "tool call " + (calls.size() + 1) + " kept as text: " + block.error;
                }
            }
            pos = blockEnd;
        }
        String c = content.toString();
        // The separators around blocks ("\n") belong to the call format, not to the answer.
        return new ParsedToolCalls(calls.isEmpty() ? c : c.strip(), List.copyOf(calls), error);
    }

    private record Block(ToolCall call, String error) {
    }

    private static Block parseBody(String body) {
        JsonNode node;
        try {
            node = JSON.readTree(body.strip());
        } catch (JsonProcessingException | RuntimeException e) {
            return new Block(null, "invalid JSON: " + firstLine(e.getMessage()));
        }
        if (node == null || !node.isObject()) {
            return new Block(null, "the block is not a JSON object");
        }
        JsonNode name = node.get("name");
        if (name == null || !name.isTextual() || name.asText().isEmpty()) {
            return new Block(null, "missing or non-string \"name\"");
        }
        JsonNode args = node.get("arguments");
        String arguments;
        if (args == null || args.isNull()) {
            arguments = "{}";
        } else if (args.isObject()) {
            arguments = args.toString(); // Jackson's compact form, non-ASCII kept as is
        } else if (args.isTextual()) {
            String s = args.asText();
            try {
                JsonNode inner = JSON.readTree(s);
                if (inner == null || !inner.isObject()) {
                    return new Block(null, "\"arguments\" string does not hold a JSON object");
                }
            } catch (JsonProcessingException | RuntimeException e) {
                return new Block(null, "\"arguments\" string is not JSON");
            }
            arguments = s.strip();
        } else {
            return new Block(null, "\"arguments\" must be an object, got " + args.getNodeType().name().toLowerCase());
        }
        return new Block(new ToolCall(nextId(), name.asText(), arguments), null);
    }

    /** "call_" + 24 hex digits; see the class comment for why they are unique. */
    static String nextId() {
        long n = COUNTER.getAndIncrement();
        long a = mix(SALT + n * 0x9E3779B97F4A7C15L);
        long b = mix(a ^ SALT ^ n);
        return "call_" + String.format("%016x%08x", a, (int) b);
    }

    private static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    private static String firstLine(String s) {
        if (s == null) {
            return "unreadable";
        }
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl);
    }
}
