package io.lingspark.engine.tokenizer;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Writes a small tokenizer of the same design as Ling's (and the tiny-ling-v2 fixture's) into a
 * model directory, for demos with random weights: byte-level BPE with Ling's Split regex, NFC,
 * the 256 byte symbols (ordered by symbol code point, like the fixture) plus merges learned
 * deterministically from a built-in English text, then Ling's added tokens in Ling's order.
 * Also writes Ling 2.0's real SFT tokenizer_config.json (chat template) and special_tokens_map.json.
 */
public final class TokenizerWriter {
    /** Ling's Split pre-tokenizer regex (tokenizer.json, ling-architecture.md §3.1). */
    static final String LING_REGEX =
        "(?i:[sdmt]|ll|ve|re)|[^\\r\\n\\p{L}\\p{N}]?+\\p{L}+|\\p{N}| ?[^\\s\\p{L}\\p{N}]++[\\r\\n]*|\\s*[\\r\\n]|\\s+(?!\\S)|\\s+";
    /** Ling's added tokens in id order; the first five are special (control) tokens. */
    static final String[] ADDED = {"<|startoftext|>", "<|endoftext|>", "[CLS]", "[gMASK]", "<|role_end|>",
        "<tool_call>", "</tool_call>", "<tool_response>", "</tool_response>"};
    private static final int SPECIAL_COUNT = 5;
    static final int MAX_MERGES = 400;

    private static final String CORPUS = String.join("\n",
        "Large language models read text as tokens and predict the next token from the ones before it.",
        "The model turns each token into a vector, mixes the vectors with attention, and routes them",
        "through a mixture of experts, where a router chooses a few experts for every token.",
        "LingSpark runs these models over datasets with Apache Spark: the driver plans the work,",
        "the executors load the weights once and generate answers for many prompts in parallel.",
        "A chat template turns a conversation into one prompt. The system message comes first,",
        "then the user asks a question and the assistant answers. Tools are described as JSON,",
        "and the assistant may call a function with arguments, for example the weather in a city.",
        "What is the capital of France? The capital of France is Paris. Give me a short introduction",
        "to large language models. They are trained on a lot of text and they can write, translate,",
        "summarize, answer questions and follow instructions. Numbers like 2024, 3.14 and 100 are",
        "split into single digits. Don't worry, we'll see that it's simple: they're just tokens.",
        "The quick brown fox jumps over the lazy dog. Hello, world! This is a test of the tokenizer.",
        "Search for the latest news about AI. Be brief. Now answer in French. Thank you, goodbye.");

    private TokenizerWriter() {
    }

    /** Writes tokenizer.json, tokenizer_config.json and special_tokens_map.json; returns the tokenizer size. */
    public static int write(Path dir) {
        ObjectMapper json = new ObjectMapper();
        try {
            Files.createDirectories(dir);
            List<String> vocab = new ArrayList<>();
            for (int cp = 0; cp < 0x200 && vocab.size() < 256; cp++) {
                for (int b = 0; b < 256; b++) {
                    if (ByteLevel.symbol(b) == cp) {
                        vocab.add(String.valueOf((char) cp));
                    }
                }
            }
            List<String[]> merges = learnMerges(vocab);
            ObjectNode root = json.createObjectNode();
            root.put("version", "1.0");
            root.putNull("truncation");
            root.putNull("padding");
            ArrayNode added = root.putArray("added_tokens");
            for (int i = 0; i < ADDED.length; i++) {
                ObjectNode t = added.addObject();
                t.put("id", vocab.size() + i);
                t.put("content", ADDED[i]);
                t.put("single_word", false);
                t.put("lstrip", false);
                t.put("rstrip", false);
                t.put("normalized", false);
                t.put("special", i < SPECIAL_COUNT);
            }
            root.putObject("normalizer").put("type", "NFC");
            ObjectNode pre = root.putObject("pre_tokenizer");
            pre.put("type", "Sequence");
            ArrayNode pres = pre.putArray("pretokenizers");
            ObjectNode split = pres.addObject();
            split.put("type", "Split");
            split.putObject("pattern").put("Regex", LING_REGEX);
            split.put("behavior", "Isolated");
            split.put("invert", false);
            ObjectNode bl = pres.addObject();
            bl.put("type", "ByteLevel");
            bl.put("add_prefix_space", false);
            bl.put("trim_offsets", true);
            bl.put("use_regex", false);
            root.putNull("post_processor");
            ObjectNode dec = root.putObject("decoder");
            dec.put("type", "ByteLevel");
            dec.put("add_prefix_space", true);
            dec.put("trim_offsets", true);
            dec.put("use_regex", true);
            ObjectNode model = root.putObject("model");
            model.put("type", "BPE");
            model.putNull("dropout");
            model.putNull("unk_token");
            model.putNull("continuing_subword_prefix");
            model.putNull("end_of_word_suffix");
            model.put("fuse_unk", false);
            model.put("byte_fallback", false);
            model.put("ignore_merges", false);
            ObjectNode v = model.putObject("vocab");
            for (int i = 0; i < vocab.size(); i++) {
                v.put(vocab.get(i), i);
            }
            ArrayNode m = model.putArray("merges");
            for (String[] pair : merges) {
                m.addArray().add(pair[0]).add(pair[1]);
            }
            json.writerWithDefaultPrettyPrinter().writeValue(dir.resolve("tokenizer.json").toFile(), root);

            ObjectNode config;
            try (InputStream in = TokenizerWriter.class.getResourceAsStream("/io/lingspark/engine/chat/ling-v2-sft-tokenizer_config.json")) {
                config = (ObjectNode) json.readTree(in);
            }
            config.remove("trust_remote_code"); // the written directory needs no remote code
            json.writerWithDefaultPrettyPrinter().writeValue(dir.resolve("tokenizer_config.json").toFile(), config);
            Map<String, String> special = new LinkedHashMap<>();
            for (String k : new String[] {"bos_token", "eos_token", "pad_token", "cls_token", "gmask_token"}) {
                special.put(k, config.path(k).asText());
            }
            json.writerWithDefaultPrettyPrinter().writeValue(dir.resolve("special_tokens_map.json").toFile(), special);
            return vocab.size() + ADDED.length;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write tokenizer to " + dir, e);
        }
    }

    /**
     * Ids generation should stop on, as in Ling's SFT generation_config: [&lt;|endoftext|&gt;,
     * &lt;|role_end|&gt;] (ling-architecture.md §3.2), read back from the written tokenizer.
     */
    public static int[] eosIds(Path dir) {
        HfTokenizer t = HfTokenizer.load(dir);
        return new int[] {t.tokenId("<|endoftext|>").getAsInt(), t.tokenId("<|role_end|>").getAsInt()};
    }

    /** The bos / pad ids of the written tokenizer (&lt;|startoftext|&gt;, &lt;|endoftext|&gt;). */
    public static int bosId(Path dir) {
        return HfTokenizer.load(dir).tokenId("<|startoftext|>").getAsInt();
    }

    /**
     * Classic BPE training on the corpus words (pre-tokenized exactly as encoding will): repeatedly
     * merge the most frequent adjacent pair, ties broken by the pair's text, so the result is the
     * same on every JVM. Stops at MAX_MERGES or when no pair occurs twice.
     */
    static List<String[]> learnMerges(List<String> vocab) {
        Pattern p = PreTokenizer.compile(LING_REGEX);
        Map<String, Integer> wordCounts = new LinkedHashMap<>();
        for (String piece : PreTokenizer.split(List.of(java.text.Normalizer.normalize(CORPUS, java.text.Normalizer.Form.NFC)), p, "Isolated")) {
            wordCounts.merge(ByteLevel.encode(piece), 1, Integer::sum);
        }
        List<List<String>> words = new ArrayList<>();
        List<Integer> counts = new ArrayList<>();
        wordCounts.forEach((w, c) -> {
            List<String> syms = new ArrayList<>();
            w.chars().forEach(ch -> syms.add(String.valueOf((char) ch)));
            words.add(syms);
            counts.add(c);
        });
        List<String[]> merges = new ArrayList<>();
        while (merges.size() < MAX_MERGES) {
            Map<String, Integer> pairCounts = new HashMap<>();
            for (int w = 0; w < words.size(); w++) {
                List<String> syms = words.get(w);
                for (int i = 0; i + 1 < syms.size(); i++) {
                    pairCounts.merge(syms.get(i) + "\u0000" + syms.get(i + 1), counts.get(w), Integer::sum);
                }
            }
            String best = null;
            int bestCount = 1;
            for (Map.Entry<String, Integer> e : pairCounts.entrySet()) {
                if (e.getValue() > bestCount || (e.getValue() == bestCount && best != null && e.getKey().compareTo(best) < 0)) {
                    best = e.getKey();
                    bestCount = e.getValue();
                }
            }
            if (best == null) {
                break;
            }
            String[] pair = best.split("\u0000", 2);
            String merged = pair[0] + pair[1];
            merges.add(pair);
            vocab.add(merged);
            for (List<String> syms : words) {
                for (int i = 0; i + 1 < syms.size(); i++) {
                    if (syms.get(i).equals(pair[0]) && syms.get(i + 1).equals(pair[1])) {
                        syms.set(i, merged);
                        syms.remove(i + 1);
                    }
                }
            }
        }
        return merges;
    }
}
