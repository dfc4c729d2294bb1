package io.lingspark.engine.tokenizer;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.file.Path;

/** Paths and JSON of the ling-v2 tokenizer / chat-template fixtures (see fixtures/README.md). */
public final class TokenizerFixtures {
    private TokenizerFixtures() {
    }

    public static Path lingV2() {
        try {
            return Path.of(TokenizerFixtures.class.getResource("/fixtures/README.md").toURI()).getParent().resolve("ling-v2");
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    public static Path modelDir() {
        return lingV2().resolve("tiny-ling-v2/model");
    }

    public static Path referenceConfig(String name) {
        return lingV2().getParent().getParent().resolve("reference/ling-v2-tokenizer-config").resolve(name);
    }

    public static JsonNode json(String file) {
        try {
            return new ObjectMapper().readTree(lingV2().resolve(file).toFile());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static int[] ints(JsonNode arr) {
        int[] out = new int[arr.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = arr.get(i).asInt();
        }
        return out;
    }
}
