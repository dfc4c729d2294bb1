package io.lingspark.engine.tokenizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lingspark.engine.chat.JinjaChatTemplate;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TokenizerWriterTest {
    @Test
    void writtenTokenizerRoundTripsAndTemplateRenders(@TempDir Path dir) throws Exception {
        int size = TokenizerWriter.write(dir);
        HfTokenizer tok = HfTokenizer.load(dir);
        assertEquals(size, tok.size());
        assertTrue(size > 256 + 100 + 9, "learned a few hundred merges: " + size);
        assertEquals(size - 9, tok.tokenId("<|startoftext|>").getAsInt());
        assertArrayEquals(new int[] {size - 8, size - 5}, TokenizerWriter.eosIds(dir));
        assertEquals(size - 9, TokenizerWriter.bosId(dir));
        assertTrue(tok.isSpecial(size - 5));
        assertFalse(tok.isSpecial(size - 4), "<tool_call> not special, as in Ling");

        String text = "Hello, world! The model answers 42 questions. 今天 🙂 don't\n\t<tool_call>\n{}\n</tool_call>";
        int[] ids = tok.encode(text);
        assertEquals(text, tok.decode(ids, false));
        // Merges compress common English: far fewer tokens than bytes.
        int[] common = tok.encode("the model and the tokens");
        assertTrue(common.length < 12, "ids: " + common.length);

        JinjaChatTemplate t = JinjaChatTemplate.load(dir);
        String prompt = t.render(List.of(Map.of("role", "user", "content", "Hi")), null, true, Map.of());
        assertEquals("<role>SYSTEM</role>detailed thinking off<|role_end|><role>HUMAN</role>Hi<|role_end|><role>ASSISTANT</role>", prompt);
        assertEquals(tok.tokenId("<|role_end|>").getAsInt(), tok.encode(prompt)[tok.encode("<role>SYSTEM</role>detailed thinking off").length]);
        assertTrue(Files.readString(dir.resolve("special_tokens_map.json")).contains("\"eos_token\" : \"<|role_end|>\""));
    }

    @Test
    void deterministic(@TempDir Path a, @TempDir Path b) throws Exception {
        TokenizerWriter.write(a);
        TokenizerWriter.write(b);
        assertEquals(Files.readString(a.resolve("tokenizer.json")), Files.readString(b.resolve("tokenizer.json")));
    }
}
