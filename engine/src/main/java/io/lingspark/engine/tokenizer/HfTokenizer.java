package io.lingspark.engine.tokenizer;

import com.fasterxml.jackson.databind.JsonNode;
import io.lingspark.engine.config.LingConfig;
import io.lingspark.engine.config.ModelFiles;
import io.lingspark.engine.config.ModelLoadException;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.function.UnaryOperator;

/**
 * A Hugging Face {@code tokenizer.json} byte-level BPE tokenizer (ling-architecture.md §3.1):
 * added tokens first, then normalizer (Ling: NFC), Split pre-tokenizer regex + ByteLevel, BPE by
 * merge rank, ByteLevel decoder. Nothing is added around the ids (Ling has add_bos_token false).
 *
 * <p>Special-token flags, as found in Ling's tokenizer layout (fixture tiny-ling-v2):
 * {@code <|startoftext|> <|endoftext|> [CLS] [gMASK] <|role_end|>} are added tokens with
 * special=true; {@code <tool_call> </tool_call> <tool_response> </tool_response>} are added tokens
 * with special=false. So decode(ids, true) drops the control tokens but keeps the tool-call tags,
 * which the tool-call parser needs; {@code <think>}, {@code </think>}, {@code <role>} are not added
 * tokens at all and are ordinary BPE text. Callers that must not lose anything can decode with
 * skipSpecial=false and strip control tokens themselves.
 *
 * <p>Ids with no token (padding rows up to the model's vocab_size) decode to "" without error.
 * Immutable and thread-safe (the BPE word cache is concurrent).
 */
public final class HfTokenizer implements Tokenizer {
    private final Map<String, Integer> vocab;
    /** id → token content (vocabulary and added tokens); null where an id has no token. */
    private final String[] tokens;
    private final boolean[] special;
    private final Map<String, Integer> addedIds = new HashMap<>();
    private final AddedTokens rawAdded;
    private final AddedTokens normalizedAdded;
    private final UnaryOperator<String> normalizer;
    private final PreTokenizer.Stage preTokenizer;
    private final Bpe bpe;
    private final boolean byteLevelDecoder;

    /** ids must lie in [0, idLimit): the model's vocab_size, so no id can index past its embedding. */
    private HfTokenizer(JsonNode root, int idLimit) {
        JsonNode model = root.path("model");
        if (!"BPE".equals(model.path("type").asText("BPE")) || !model.path("vocab").isObject()) {
            throw new IllegalArgumentException("model.type must be BPE with a vocab, got '" + model.path("type").asText() + "'");
        }
        vocab = new HashMap<>();
        model.path("vocab").fields().forEachRemaining(e -> vocab.put(e.getKey(), id(e.getValue(), "vocab token " + quote(e.getKey()), idLimit)));
        List<String[]> merges = new ArrayList<>();
        for (JsonNode m : model.path("merges")) {
            if (m.isArray()) {
                if (m.size() != 2 || !m.get(0).isTextual() || !m.get(1).isTextual()) {
                    throw new IllegalArgumentException("merge " + m + " is not a pair of tokens");
                }
                merges.add(new String[] {m.get(0).asText(), m.get(1).asText()});
            } else {
                String[] parts = m.asText().split(" ", -1);
                if (!m.isTextual() || parts.length != 2) {
                    throw new IllegalArgumentException("merge " + quote(m.asText()) + " is not two tokens");
                }
                merges.add(parts);
            }
        }
        List<AddedTokens.Token> addedList = new ArrayList<>();
        for (JsonNode t : root.path("added_tokens")) {
            if (!t.path("content").isTextual()) {
                throw new IllegalArgumentException("added token " + t + " has no content string");
            }
            addedList.add(new AddedTokens.Token(id(t.get("id"), "added token " + quote(t.get("content").asText()), idLimit),
                t.path("content").asText(), t.path("special").asBoolean(false), t.path("single_word").asBoolean(false),
                t.path("lstrip").asBoolean(false), t.path("rstrip").asBoolean(false),
                t.path("normalized").asBoolean(!t.path("special").asBoolean(false))));
        }
        int size = 0;
        for (int id : vocab.values()) {
            size = Math.max(size, id + 1);
        }
        for (AddedTokens.Token t : addedList) {
            size = Math.max(size, t.id() + 1);
        }
        tokens = new String[size];
        special = new boolean[size];
        vocab.forEach((tok, id) -> tokens[id] = tok);
        for (AddedTokens.Token t : addedList) {
            tokens[t.id()] = t.content();
            special[t.id()] = t.special();
            addedIds.putIfAbsent(t.content(), t.id());
        }
        normalizer = PreTokenizer.normalizer(root.get("normalizer"));
        preTokenizer = PreTokenizer.stage(root.get("pre_tokenizer"));
        rawAdded = new AddedTokens(addedList, false, normalizer);
        normalizedAdded = new AddedTokens(addedList, true, normalizer);
        bpe = new Bpe(vocab, merges);
        JsonNode decoder = root.get("decoder");
        byteLevelDecoder = decoder != null && "ByteLevel".equals(decoder.path("type").asText());
        if (decoder != null && !decoder.isNull() && !byteLevelDecoder) {
            throw new IllegalArgumentException("unsupported decoder type '" + decoder.path("type").asText() + "'");
        }
    }

    /** Reads modelDir/tokenizer.json; its ids must be below the largest vocabulary a config may declare. */
    public static HfTokenizer load(Path modelDir) {
        return load(modelDir, LingConfig.MAX_VOCAB_SIZE);
    }

    /**
     * Reads modelDir/tokenizer.json for a model of vocabSize embedding rows: every vocabulary,
     * added-token and merge id must be in [0, vocabSize), checked before anything is sized by them.
     */
    public static HfTokenizer load(Path modelDir, int vocabSize) {
        Path file = modelDir.resolve("tokenizer.json");
        if (!Files.exists(file)) {
            throw new ModelLoadException(file + ": tokenizer.json not found (the model directory needs a Hugging Face tokenizer)");
        }
        JsonNode root = ModelFiles.readObject(file, ModelFiles.LARGE_JSON);
        try {
            return new HfTokenizer(root, vocabSize);
        } catch (IllegalArgumentException e) {
            throw new ModelLoadException(file + ": " + ModelFiles.oneLine(e.getMessage()), e);
        }
    }

    private static int id(JsonNode v, String what, int limit) {
        if (v == null || !v.isIntegralNumber() || !v.canConvertToInt() || v.intValue() < 0 || v.intValue() >= limit) {
            throw new IllegalArgumentException(what + " has id " + v + ", outside [0, " + limit + ") (config.json vocab_size)");
        }
        return v.intValue();
    }

    /** A token as a JSON string: tokens may hold newlines and quotes, and messages are one line. */
    private static String quote(String token) {
        return com.fasterxml.jackson.databind.node.TextNode.valueOf(token).toString();
    }

    @Override
    public int[] encode(String text) {
        IntList out = new IntList();
        for (AddedTokens.Segment raw : rawAdded.split(text)) {
            if (raw.id() >= 0) {
                out.add(raw.id());
                continue;
            }
            for (AddedTokens.Segment seg : normalizedAdded.split(normalizer.apply(raw.text()))) {
                if (seg.id() >= 0) {
                    out.add(seg.id());
                    continue;
                }
                for (String piece : preTokenizer.apply(List.of(seg.text()))) {
                    bpe.tokenize(piece, out);
                }
            }
        }
        return out.toArray();
    }

    @Override
    public String decode(int[] ids, boolean skipSpecial) {
        if (!byteLevelDecoder) {
            StringBuilder sb = new StringBuilder();
            for (int id : ids) {
                String t = visible(id, skipSpecial);
                if (t != null) {
                    sb.append(t);
                }
            }
            return sb.toString();
        }
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        for (int id : ids) {
            appendBytes(id, skipSpecial, bytes);
        }
        return new String(bytes.toByteArray(), StandardCharsets.UTF_8);
    }

    /** The token to show for id, or null when it has none or is a skipped special token. */
    private String visible(int id, boolean skipSpecial) {
        if (id < 0 || id >= tokens.length || tokens[id] == null || (skipSpecial && special[id])) {
            return null;
        }
        return tokens[id];
    }

    /** Appends the decoded bytes of one id (nothing for padding ids or skipped special tokens). */
    void appendBytes(int id, boolean skipSpecial, ByteArrayOutputStream out) {
        String t = visible(id, skipSpecial);
        if (t == null) {
            return;
        }
        if (byteLevelDecoder) {
            ByteLevel.tokenBytes(t, out);
        } else {
            out.writeBytes(t.getBytes(StandardCharsets.UTF_8));
        }
    }

    @Override
    public IncrementalDecoder newIncrementalDecoder(boolean skipSpecial) {
        return new Utf8StreamDecoder(this, skipSpecial);
    }

    @Override
    public OptionalInt tokenId(String token) {
        // Like tokenizers' token_to_id: added tokens take precedence over the model vocabulary.
        Integer id = addedIds.get(token);
        if (id == null) {
            id = vocab.get(token);
        }
        return id == null ? OptionalInt.empty() : OptionalInt.of(id);
    }

    @Override
    public String token(int id) {
        return id >= 0 && id < tokens.length ? tokens[id] : null;
    }

    @Override
    public boolean isSpecial(int id) {
        return id >= 0 && id < special.length && special[id];
    }

    @Override
    public byte[] vocabularyBytes(int id) {
        if (id < 0 || id >= tokens.length || tokens[id] == null || Integer.valueOf(id).equals(addedIds.get(tokens[id]))) {
            return null;
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream(tokens[id].length());
        appendBytes(id, false, out);
        return out.toByteArray();
    }

    @Override
    public int size() {
        return tokens.length;
    }
}
