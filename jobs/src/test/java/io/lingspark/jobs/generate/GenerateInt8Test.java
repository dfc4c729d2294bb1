package io.lingspark.jobs.generate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.lingspark.engine.runtime.CpuWeights;
import io.lingspark.engine.runtime.Engine;
import io.lingspark.engine.runtime.EngineOptions;
import io.lingspark.engine.runtime.GenerationResult;
import io.lingspark.engine.runtime.LingEngine;
import io.lingspark.jobs.LocalSparkJobs;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.Test;

/**
 * {@code --cpu-weights int8} through a whole generate job on local[2]: the executors' engines quantize
 * the model while loading, every row comes back once with the text an int8 engine opened directly gives,
 * and the run is really int8 (its texts are not all the stored weights' texts).
 */
class GenerateInt8Test extends LocalSparkJobs {
    private static final int ROWS = 24;

    @Test
    void int8JobGivesEveryRowTheInt8EnginesGreedyText() throws Exception {
        List<ObjectNode> rows = new ArrayList<>();
        for (int i = 0; i < ROWS; i++) {
            ObjectNode o = GenerateJobTest.JSON.createObjectNode();
            o.put("id", "q" + i);
            o.put("prompt", "Item " + i + " of the list is");
            rows.add(o);
        }
        Path in = GenerateJobTest.writeJsonl("int8.jsonl", rows);
        Path out = tmp.resolve("int8-out");
        List<String> a = GenerateJobTest.args(in, out, "--partitions", "2", "--cpu-weights", "int8");
        assertEquals(0, GenerateJobTest.generate(a.toArray(String[]::new)));

        Map<String, String> written = new HashMap<>();
        for (Row r : spark.read().parquet(out.toString()).select("id", "text", "error").collectAsList()) {
            assertNull(r.get(2), "row " + r.getString(0));
            assertNull(written.put(r.getString(0), r.getString(1)), "duplicate id " + r.getString(0));
        }
        assertEquals(ROWS, written.size(), "every input row has output");

        Map<String, String> int8 = texts(EngineOptions.of(model).withCpuWeights(CpuWeights.INT8), rows);
        Map<String, String> stored = texts(EngineOptions.of(model), rows);
        assertEquals(int8, written, "the job's texts are the int8 engine's");
        assertNotEquals(stored, written, "int8 weights changed no completion: the option did not reach the executors");
        assertTrue(written.values().stream().anyMatch(t -> !t.isEmpty()));
    }

    /** Greedy texts by id from an engine opened in this JVM with the given options. */
    private static Map<String, String> texts(EngineOptions options, List<ObjectNode> rows) throws Exception {
        Map<String, String> texts = new HashMap<>();
        try (Engine engine = LingEngine.open(options)) {
            Map<String, CompletableFuture<GenerationResult>> f = new HashMap<>();
            for (ObjectNode r : rows) {
                f.put(r.get("id").asText(), engine.submit(GenerateJobTest.direct(r)));
            }
            for (Map.Entry<String, CompletableFuture<GenerationResult>> e : f.entrySet()) {
                GenerationResult g = e.getValue().get();
                assertTrue(g.ok(), g.errorMessage());
                texts.put(e.getKey(), g.choices().get(0).text());
            }
        }
        return texts;
    }
}
