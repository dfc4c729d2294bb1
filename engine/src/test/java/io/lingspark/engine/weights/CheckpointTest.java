package io.lingspark.engine.weights;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lingspark.engine.config.ModelLoadException;
import io.lingspark.engine.model.Fixtures;
import io.lingspark.engine.model.ModelFactory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Sharded checkpoints: index, shards, and the full tensor check against the config. */
class CheckpointTest {
    @TempDir
    Path tmp;

    private Path copyOfFixture() throws IOException {
        Path src = Fixtures.model("tiny-ling-v2");
        Path dst = tmp.resolve("model");
        Files.createDirectories(dst);
        try (Stream<Path> s = Files.list(src)) {
            for (Path p : s.toList()) {
                Files.copy(p, dst.resolve(p.getFileName()));
            }
        }
        return dst;
    }

    private static String validateError(Path dir) {
        return assertThrows(ModelLoadException.class, () -> ModelFactory.validate(dir)).getMessage();
    }

    @Test
    void fixtureIndexResolvesEveryTensor() {
        try (Checkpoint c = Checkpoint.open(Fixtures.model("tiny-ling-v2"))) {
            assertTrue(c.has("model.word_embeddings.weight"));
            assertTrue(c.tensors().size() > 100);
        }
    }

    @Test
    void missingShardIsNamed() throws IOException {
        Path dir = copyOfFixture();
        Files.delete(dir.resolve("model-00002-of-00002.safetensors"));
        assertTrue(validateError(dir).contains("model-00002-of-00002.safetensors"));
    }

    @Test
    void truncatedShardIsRefused() throws IOException {
        Path dir = copyOfFixture();
        Path shard = dir.resolve("model-00001-of-00002.safetensors");
        byte[] all = Files.readAllBytes(shard);
        Files.write(shard, java.util.Arrays.copyOf(all, all.length - 1000));
        String m = validateError(dir);
        assertTrue(m.contains("model-00001-of-00002.safetensors"), m);
    }

    @Test
    void tensorMissingFromTheIndexIsNamed() throws IOException {
        Path dir = copyOfFixture();
        Path index = dir.resolve("model.safetensors.index.json");
        String json = Files.readString(index);
        String name = "model.layers.2.mlp.experts.7.down_proj.weight";
        String edited = json.replaceAll("\"" + java.util.regex.Pattern.quote(name) + "\"\\s*:\\s*\"[^\"]+\",?", "");
        Files.writeString(index, edited);
        assertTrue(validateError(dir).contains(name));
    }

    @Test
    void shapeThatDisagreesWithTheConfigIsNamed() throws IOException {
        Path dir = copyOfFixture();
        Path cfg = dir.resolve("config.json");
        Files.writeString(cfg, Files.readString(cfg).replace("\"moe_intermediate_size\": 32", "\"moe_intermediate_size\": 48"));
        String m = validateError(dir);
        assertTrue(m.contains("tensor '") && m.contains("shape"), m);
    }

    @Test
    void noWeightsAtAll() throws IOException {
        Path dir = copyOfFixture();
        Files.delete(dir.resolve("model.safetensors.index.json"));
        Files.delete(dir.resolve("model-00001-of-00002.safetensors"));
        Files.delete(dir.resolve("model-00002-of-00002.safetensors"));
        assertTrue(validateError(dir).contains("no weights"));
    }

    @Test
    void parameterCountOfTheFixtureEqualsTheFormula() {
        var c = io.lingspark.engine.config.LingConfig.fromDirectory(Fixtures.model("tiny-ling-v2"));
        try (Checkpoint ck = Checkpoint.open(Fixtures.model("tiny-ling-v2"))) {
            assertEquals(io.lingspark.engine.config.ParameterCount.total(c), ModelFactory.parameterCount(ck, c));
        }
    }
}
