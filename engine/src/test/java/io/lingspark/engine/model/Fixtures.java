package io.lingspark.engine.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.lingspark.engine.weights.SafetensorsFile;
import io.lingspark.engine.weights.TensorInfo;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Path;

/** The upstream reference fixtures copied into test resources (see fixtures/README.md). */
public final class Fixtures {
    private Fixtures() {
    }

    public static Path root() {
        try {
            return Path.of(Fixtures.class.getResource("/fixtures/README.md").toURI()).getParent();
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    public static Path dir(String name) {
        if (name.contains("-ct-")) { // compressed-tensors FP8, generated from the two above (their README)
            return root().resolve("compressed-tensors").resolve(name);
        }
        return root().resolve(name.equals("tiny-ling-v25") ? "ling-v25" : "ling-v2").resolve(name);
    }

    public static Path model(String name) {
        return dir(name).resolve("model");
    }

    public static JsonNode reference(String name) throws IOException {
        return new ObjectMapper().readTree(dir(name).resolve("reference.json").toFile());
    }

    public static int[][] ints2(JsonNode arr) {
        int[][] out = new int[arr.size()][];
        for (int i = 0; i < out.length; i++) {
            out[i] = new int[arr.get(i).size()];
            for (int j = 0; j < out[i].length; j++) {
                out[i][j] = arr.get(i).get(j).asInt();
            }
        }
        return out;
    }

    /** logits_fp32.{p} (or another key) as a flat [T·V] array. */
    public static float[] logits(String name, String key) {
        try (SafetensorsFile f = SafetensorsFile.open(dir(name).resolve("reference.safetensors"))) {
            TensorInfo t = f.tensors().get(key);
            return t.readFloats();
        }
    }
}
