package io.lingspark.engine.tokenizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.lingspark.engine.config.ModelLoadException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;

class HfTokenizerTest {
    private static final HfTokenizer TOK = HfTokenizer.load(TokenizerFixtures.modelDir());

    @TestFactory
    List<DynamicTest> tokenizerCases() {
        List<DynamicTest> tests = new ArrayList<>();
        for (JsonNode c : TokenizerFixtures.json("tokenizer_cases.json")) {
            String text = c.get("text").asText();
            int[] ids = TokenizerFixtures.ints(c.get("ids"));
            tests.add(DynamicTest.dynamicTest("encode " + text, () -> assertArrayEquals(ids, TOK.encode(text))));
            tests.add(DynamicTest.dynamicTest("decode " + text,
                () -> assertEquals(c.get("decoded").asText(), TOK.decode(ids, false))));
        }
        return tests;
    }

    @TestFactory
    List<DynamicTest> chatTemplateCaseIds() {
        List<DynamicTest> tests = new ArrayList<>();
        int i = 0;
        for (JsonNode c : TokenizerFixtures.json("chat_template_cases.json")) {
            String text = c.get("text").asText();
            int[] ids = TokenizerFixtures.ints(c.get("ids"));
            tests.add(DynamicTest.dynamicTest("chat case " + i++, () -> {
                assertArrayEquals(ids, TOK.encode(text));
                assertEquals(text, TOK.decode(ids, false));
            }));
        }
        return tests;
    }

    @Test
    void specialFlagsMatchLingLayout() {
        assertEquals(909, TOK.size());
        assertEquals(904, TOK.tokenId("<|role_end|>").getAsInt());
        assertTrue(TOK.isSpecial(901));
        assertTrue(TOK.isSpecial(904));
        assertFalse(TOK.isSpecial(905), "<tool_call> is not special in Ling's tokenizer");
        assertEquals("<tool_call>", TOK.token(905));
        assertTrue(TOK.tokenId("<think>").isEmpty(), "<think> is ordinary text");
        assertNull(TOK.token(950));
        assertFalse(TOK.isSpecial(950));
    }

    @Test
    void skipSpecialDropsControlTokensButKeepsToolTags() {
        int[] ids = TOK.encode("<|role_end|><tool_call>\n{}\n</tool_call><|endoftext|>");
        assertEquals(904, ids[0]);
        assertEquals("<tool_call>\n{}\n</tool_call>", TOK.decode(ids, true));
        assertEquals("<|role_end|><tool_call>\n{}\n</tool_call><|endoftext|>", TOK.decode(ids, false));
    }

    @Test
    void paddingIdsDecodeToNothing() {
        int[] ids = TOK.encode("ok");
        int[] padded = new int[ids.length + 3];
        System.arraycopy(ids, 0, padded, 1, ids.length);
        padded[0] = 909;
        padded[ids.length + 1] = 1023;
        padded[ids.length + 2] = 5000;
        assertEquals("ok", TOK.decode(padded, false));
        Tokenizer.IncrementalDecoder d = TOK.newIncrementalDecoder(false);
        assertEquals("", d.add(1000));
    }

    @Test
    void incrementalDecoderHoldsSplitCharacters() {
        String text = "今天天气很好 🙂👍 café <|role_end|>done";
        int[] ids = TOK.encode(text);
        Tokenizer.IncrementalDecoder d = TOK.newIncrementalDecoder(false);
        StringBuilder sb = new StringBuilder();
        boolean sawEmptyStep = false;
        for (int id : ids) {
            String piece = d.add(id);
            // No piece may end in a broken surrogate pair or contain a replacement char.
            assertFalse(piece.contains("\uFFFD"), piece);
            assertFalse(!piece.isEmpty() && Character.isHighSurrogate(piece.charAt(piece.length() - 1)));
            sawEmptyStep |= piece.isEmpty();
            sb.append(piece);
        }
        sb.append(d.flush());
        assertTrue(sawEmptyStep, "the fixture splits multi-byte chars over byte tokens");
        assertEquals(text, sb.toString());
        assertEquals(TOK.decode(ids, false), sb.toString());
    }

    @Test
    void incrementalSkipSpecialAndFlushOfIncompleteChar() {
        int[] emoji = TOK.encode("🙂");
        assertTrue(emoji.length > 1);
        Tokenizer.IncrementalDecoder d = TOK.newIncrementalDecoder(true);
        assertEquals("", d.add(904));
        assertEquals("", d.add(emoji[0]));
        assertEquals("\uFFFD", d.flush());
        assertEquals("", d.flush());
    }

    @Test
    void longPromptEncodesQuickly() {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < 20000; i++) {
            sb.append("word").append(i % 97).append(i % 13 == 0 ? "\n" : " ");
        }
        sb.append(" ".repeat(5000));
        long t0 = System.nanoTime();
        int[] ids = TOK.encode(sb.toString());
        long ms = (System.nanoTime() - t0) / 1_000_000;
        assertEquals(sb.toString(), TOK.decode(ids, false));
        assertTrue(ms < 5000, "encode of ~150k chars took " + ms + " ms");
    }

    @Test
    void missingOrInvalidFileIsModelLoadException(@TempDir Path dir) throws Exception {
        ModelLoadException e = assertThrows(ModelLoadException.class, () -> HfTokenizer.load(dir));
        assertTrue(e.getMessage().contains("tokenizer.json"), e.getMessage());
        Files.writeString(dir.resolve("tokenizer.json"), "{not json");
        assertThrows(ModelLoadException.class, () -> HfTokenizer.load(dir));
        Files.writeString(dir.resolve("tokenizer.json"), "{\"model\":{\"type\":\"Unigram\",\"vocab\":[]}}");
        assertThrows(ModelLoadException.class, () -> HfTokenizer.load(dir));
    }
}
