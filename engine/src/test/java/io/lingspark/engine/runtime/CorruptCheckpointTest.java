package io.lingspark.engine.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.lingspark.engine.config.ModelLoadException;
import io.lingspark.engine.model.Fixtures;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * A fixture checkpoint broken one way at a time: every corruption fails both the driver's check
 * ({@link ModelDirectoryCheck#check}) and the executor's load ({@link LingEngine#open}) with a
 * one-line ModelLoadException within seconds, never another exception or an Error, and before
 * anything sized by the broken file is allocated. Model files are untrusted input.
 */
class CorruptCheckpointTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String SHARD1 = "model-00001-of-00002.safetensors";
    private static final String SHARD2 = "model-00002-of-00002.safetensors";
    private static final String INDEX = "model.safetensors.index.json";

    @TempDir
    Path tmp;

    interface Corruption {
        void apply(Path dir) throws IOException;
    }

    static Arguments corrupt(String name, Corruption c) {
        return Arguments.of(name, c);
    }

    // --- file surgery ---

    static ObjectNode json(Path file) throws IOException {
        return (ObjectNode) JSON.readTree(file.toFile());
    }

    static void edit(Path dir, String file, java.util.function.Consumer<ObjectNode> change) throws IOException {
        ObjectNode n = json(dir.resolve(file));
        change.accept(n);
        JSON.writeValue(dir.resolve(file).toFile(), n);
    }

    static void config(Path dir, String key, Object value) throws IOException {
        edit(dir, "config.json", c -> c.set(key, JSON.valueToTree(value)));
    }

    static long headerLength(Path shard) throws IOException {
        try (RandomAccessFile f = new RandomAccessFile(shard.toFile(), "r")) {
            byte[] b = new byte[8];
            f.readFully(b);
            return ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).getLong();
        }
    }

    static ObjectNode header(Path shard) throws IOException {
        byte[] all = Files.readAllBytes(shard);
        return (ObjectNode) JSON.readTree(new String(all, 8, (int) headerLength(shard), StandardCharsets.UTF_8));
    }

    /** Rewrites a shard's header, keeping its data section as it is. */
    static void writeHeader(Path shard, JsonNode header) throws IOException {
        byte[] all = Files.readAllBytes(shard);
        int old = (int) headerLength(shard);
        byte[] h = JSON.writeValueAsBytes(header);
        ByteBuffer out = ByteBuffer.allocate(8 + h.length + all.length - 8 - old).order(ByteOrder.LITTLE_ENDIAN);
        out.putLong(h.length).put(h).put(all, 8 + old, all.length - 8 - old);
        Files.write(shard, out.array());
    }

    static void editHeader(Path dir, java.util.function.Consumer<ObjectNode> change) throws IOException {
        Path shard = dir.resolve(SHARD1);
        ObjectNode h = header(shard);
        change.accept(h);
        writeHeader(shard, h);
    }

    static ObjectNode tensor(ObjectNode header, String name) {
        return (ObjectNode) header.get(name);
    }

    static void setLength(Path file, long length) throws IOException {
        try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "rw")) {
            f.setLength(length);
        }
    }

    static void putHeaderLength(Path shard, long n) throws IOException {
        try (RandomAccessFile f = new RandomAccessFile(shard.toFile(), "rw")) {
            f.write(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(n).array());
        }
    }

    static final String DOWN = "model.layers.0.mlp.down_proj.weight";          // BF16 [64, 160], shard 1
    static final String KEY_NORM = "model.layers.0.attention.key_layernorm.weight"; // BF16 [16], shard 1
    static final String QUERY_NORM = "model.layers.0.attention.query_layernorm.weight";

    static Stream<Arguments> corruptions() {
        return Stream.of(
            // safetensors files
            corrupt("shard truncated to half", d -> setLength(d.resolve(SHARD1), Files.size(d.resolve(SHARD1)) / 2)),
            corrupt("shard of 4 bytes", d -> setLength(d.resolve(SHARD1), 4)),
            corrupt("shard empty", d -> setLength(d.resolve(SHARD2), 0)),
            corrupt("header length 2^62", d -> putHeaderLength(d.resolve(SHARD1), 1L << 62)),
            corrupt("header length past the end", d -> putHeaderLength(d.resolve(SHARD1), Files.size(d.resolve(SHARD1)))),
            corrupt("header not JSON", d -> {
                byte[] all = Files.readAllBytes(d.resolve(SHARD1));
                java.util.Arrays.fill(all, 8, 8 + (int) headerLength(d.resolve(SHARD1)), (byte) '!');
                Files.write(d.resolve(SHARD1), all);
            }),
            corrupt("header a JSON array", d -> writeHeader(d.resolve(SHARD1), JSON.createArrayNode().add(1))),
            corrupt("overlapping tensors", d -> editHeader(d, h -> tensor(h, QUERY_NORM).set("data_offsets",
                tensor(h, KEY_NORM).get("data_offsets")))),
            corrupt("offsets reversed", d -> editHeader(d, h -> tensor(h, DOWN).set("data_offsets",
                JSON.createArrayNode().add(176384).add(155904)))),
            corrupt("offsets not numbers", d -> editHeader(d, h -> tensor(h, DOWN).set("data_offsets",
                JSON.createArrayNode().add("a").add("b")))),
            corrupt("unknown dtype", d -> editHeader(d, h -> tensor(h, DOWN).put("dtype", "Q4_K"))),
            corrupt("dtype lies (BF16 says F32)", d -> editHeader(d, h -> tensor(h, DOWN).put("dtype", "F32"))),
            corrupt("shape lies", d -> editHeader(d, h -> tensor(h, DOWN).set("shape", JSON.createArrayNode().add(128).add(160)))),
            corrupt("negative shape", d -> editHeader(d, h -> tensor(h, DOWN).set("shape", JSON.createArrayNode().add(-64).add(-160)))),
            corrupt("2^62 F32 elements in 0 bytes", d -> editHeader(d, h -> {
                long end = 0; // after every other tensor, so only the size can be wrong
                for (JsonNode t : h) {
                    end = Math.max(end, t.path("data_offsets").path(1).asLong());
                }
                ObjectNode t = h.putObject("extra.weight");
                t.put("dtype", "F32");
                t.putArray("shape").add(1L << 62);
                t.putArray("data_offsets").add(end).add(end);
            })),
            corrupt("transposed shape", d -> editHeader(d, h -> tensor(h, DOWN).set("shape", JSON.createArrayNode().add(160).add(64)))),
            corrupt("tensor missing", d -> edit(d, INDEX, i -> ((ObjectNode) i.get("weight_map")).remove(DOWN))),
            corrupt("shard missing", d -> Files.delete(d.resolve(SHARD2))),
            corrupt("tensor under the wrong shard", d -> edit(d, INDEX, i -> ((ObjectNode) i.get("weight_map")).put(DOWN, SHARD2))),
            corrupt("shard name with a path", d -> edit(d, INDEX, i -> ((ObjectNode) i.get("weight_map")).put(DOWN, "../" + SHARD1))),
            corrupt("index not JSON", d -> Files.writeString(d.resolve(INDEX), "{\"weight_map\": {")),
            corrupt("index without weight_map", d -> Files.writeString(d.resolve(INDEX), "{\"metadata\": {}}")),
            corrupt("no weights", d -> {
                Files.delete(d.resolve(INDEX));
                Files.delete(d.resolve(SHARD1));
                Files.delete(d.resolve(SHARD2));
            }),
            // config.json and generation_config.json
            corrupt("config.json missing", d -> Files.delete(d.resolve("config.json"))),
            corrupt("config.json not JSON", d -> Files.writeString(d.resolve("config.json"), "{\"num_hidden_layers\": 4,")),
            corrupt("config.json a JSON array", d -> Files.writeString(d.resolve("config.json"), "[1, 2]")),
            corrupt("num_hidden_layers 10^9", d -> config(d, "num_hidden_layers", 1_000_000_000)),
            corrupt("num_hidden_layers 1,000 (no such layers)", d -> config(d, "num_hidden_layers", 1000)),
            corrupt("num_experts 100,000", d -> config(d, "num_experts", 100_000)),
            corrupt("num_experts 4,096 (no such experts)", d -> config(d, "num_experts", 4096)),
            corrupt("hidden_size negative", d -> config(d, "hidden_size", -64)),
            corrupt("vocab_size 2^31-1", d -> config(d, "vocab_size", Integer.MAX_VALUE)),
            corrupt("num_attention_heads 0", d -> config(d, "num_attention_heads", 0)),
            corrupt("head_dim 10^6", d -> config(d, "head_dim", 1_000_000)),
            corrupt("max_position_embeddings 2^31-1", d -> config(d, "max_position_embeddings", Integer.MAX_VALUE)),
            corrupt("max_position_embeddings 10^12", d -> config(d, "max_position_embeddings", 1_000_000_000_000L)),
            corrupt("num_nextn_predict_layers negative", d -> config(d, "num_nextn_predict_layers", -3)),
            corrupt("rope_theta a string", d -> config(d, "rope_theta", "large")),
            corrupt("rms_norm_eps 0", d -> config(d, "rms_norm_eps", 0)),
            corrupt("partial_rotary_factor 3", d -> config(d, "partial_rotary_factor", 3)),
            corrupt("rope_scaling factor a string", d -> config(d, "rope_scaling", java.util.Map.of("type", "yarn", "factor", "x",
                "original_max_position_embeddings", 256))),
            corrupt("eos_token_id beyond the vocabulary", d -> config(d, "eos_token_id", 5000)),
            corrupt("generation_config eos a string", d -> edit(d, "generation_config.json", g -> g.put("eos_token_id", "eos"))),
            corrupt("generation_config eos 10^12", d -> edit(d, "generation_config.json", g -> g.putArray("eos_token_id").add(1_000_000_000_000L))),
            corrupt("generation_config not JSON", d -> Files.writeString(d.resolve("generation_config.json"), "eos=1")),
            // tokenizer.json
            corrupt("tokenizer.json missing", d -> Files.delete(d.resolve("tokenizer.json"))),
            corrupt("tokenizer.json truncated", d -> setLength(d.resolve("tokenizer.json"), 1000)),
            corrupt("vocab id 2^31-1", d -> edit(d, "tokenizer.json", t -> vocab(t).put("Ġ", Integer.MAX_VALUE))),
            corrupt("vocab id negative", d -> edit(d, "tokenizer.json", t -> vocab(t).put("Ġ", -5))),
            corrupt("vocab id a string", d -> edit(d, "tokenizer.json", t -> vocab(t).put("Ġ", "five"))),
            corrupt("vocab id beyond vocab_size", d -> edit(d, "tokenizer.json", t -> vocab(t).put("Ġ", 5000))),
            corrupt("added token id 10^9", d -> edit(d, "tokenizer.json", t -> ((ObjectNode) t.get("added_tokens").get(0)).put("id", 1_000_000_000))),
            corrupt("merge of an unknown token", d -> edit(d, "tokenizer.json", t -> merges(t).insert(0, "no such"))),
            corrupt("merge of one token", d -> edit(d, "tokenizer.json", t -> merges(t).set(0, JSON.createArrayNode().add("Ġ")))),
            // chat template
            corrupt("tokenizer_config.json not JSON", d -> Files.writeString(d.resolve("tokenizer_config.json"), "{chat_template}")),
            corrupt("chat template does not parse", d -> edit(d, "tokenizer_config.json", t -> t.put("chat_template", "{% if %}"))),
            corrupt("chat template a number", d -> edit(d, "tokenizer_config.json", t -> t.put("chat_template", 7))),
            corrupt("chat template loops 10^12 times", d -> edit(d, "tokenizer_config.json",
                t -> t.put("chat_template", "{% for i in range(10**12) %}x{% endfor %}"))),
            corrupt("chat template of 50,000 nested parentheses", d -> edit(d, "tokenizer_config.json",
                t -> t.put("chat_template", "{{ " + "(".repeat(50_000) + "1" + ")".repeat(50_000) + " }}"))));
    }

    static ObjectNode vocab(ObjectNode tokenizer) {
        return (ObjectNode) tokenizer.get("model").get("vocab");
    }

    static ArrayNode merges(ObjectNode tokenizer) {
        return (ArrayNode) tokenizer.get("model").get("merges");
    }

    Path copyOfFixture() throws IOException {
        Path src = Fixtures.model("tiny-ling-v2");
        Path dir = tmp.resolve("model");
        Files.createDirectories(dir);
        try (Stream<Path> files = Files.list(src)) {
            for (Iterator<Path> it = files.iterator(); it.hasNext(); ) {
                Path f = it.next();
                Files.copy(f, dir.resolve(f.getFileName()));
            }
        }
        return dir;
    }

    static void oneLine(String name, ModelLoadException e) {
        assertTrue(e.getMessage() != null && !e.getMessage().isBlank(), name);
        assertFalse(e.getMessage().contains("\n"), name + ": the message is one line: " + e.getMessage());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("corruptions")
    @Timeout(value = 10, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void corruptionIsAOneLineModelLoadExceptionAtTheDriverAndTheExecutor(String name, Corruption c) throws IOException {
        Path dir = copyOfFixture();
        c.apply(dir);
        ModelLoadException driver = assertThrows(ModelLoadException.class, () -> ModelDirectoryCheck.check(dir), name);
        oneLine(name, driver);
        ModelLoadException executor = assertThrows(ModelLoadException.class, () -> LingEngine.open(EngineOptions.of(dir)).close(), name);
        oneLine(name, executor);
    }

    @Test
    void theUntouchedCopyLoads() throws Exception {
        Path dir = copyOfFixture();
        assertEquals(1024, ModelDirectoryCheck.check(dir).vocabSize);
        try (LingEngine e = LingEngine.open(EngineOptions.of(dir))) {
            assertEquals(1024, e.config().vocabSize);
        }
    }
}
