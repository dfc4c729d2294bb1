package io.lingspark.jobs.generate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.lingspark.engine.config.ModelLoadException;
import io.lingspark.jobs.SparkTestSession;
import io.lingspark.jobs.demo.DemoModel;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * The driver's model check refuses what every executor would fail on: a chat template that blows up
 * on any conversation and a tokenizer with ids past the vocabulary fail generate with exit 3 within
 * seconds, before a task starts (they used to run until the JVM was out of memory, or fail each task).
 */
class ModelCheckTest {
    @TempDir
    Path tmp;

    Path model(String name) {
        Path dir = tmp.resolve(name);
        DemoModel.write(dir, 1);
        return dir;
    }

    static void template(Path dir, String source) throws IOException {
        ObjectMapper om = new ObjectMapper();
        ObjectNode c = (ObjectNode) om.readTree(dir.resolve("tokenizer_config.json").toFile());
        c.put("chat_template", source);
        om.writeValue(dir.resolve("tokenizer_config.json").toFile(), c);
    }

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void aTemplateBombOrABrokenTokenizerFailsTheJobWithExit3() throws Exception {
        Path bomb = model("bomb");
        template(bomb, "{% for i in range(10**12) %}{{ messages }}{% endfor %}");
        ModelLoadException e = assertThrows(ModelLoadException.class, () -> ModelCheck.validate(bomb));
        assertTrue(e.getMessage().contains("chat template fails on a one-message conversation"), e.getMessage());
        Path deep = model("deep");
        template(deep, "{{ " + "(".repeat(50_000) + "1" + ")".repeat(50_000) + " }}");
        assertTrue(assertThrows(ModelLoadException.class, () -> ModelCheck.validate(deep)).getMessage().contains("nested too deep"));
        Path ids = model("ids");
        String tok = Files.readString(ids.resolve("tokenizer.json"));
        Files.writeString(ids.resolve("tokenizer.json"), tok.replaceFirst("\"id\"\\s*:\\s*\\d+", "\"id\": 2147483647"));
        assertTrue(assertThrows(ModelLoadException.class, () -> ModelCheck.validate(ids)).getMessage().contains("2147483647"));

        Path in = tmp.resolve("in.jsonl");
        Files.writeString(in, "{\"id\": \"a\", \"messages\": [{\"role\": \"user\", \"content\": \"hi\"}]}\n");
        SparkSession spark = SparkTestSession.create("local[1]", tmp);
        try {
            long t0 = System.nanoTime();
            int code = new CommandLine(new GenerateJob()).execute("--model", bomb.toString(), "--input", in.toString(),
                "--output", tmp.resolve("out").toString());
            assertEquals(3, code);
            assertTrue(System.nanoTime() - t0 < TimeUnit.SECONDS.toNanos(30), "refused before any task ran");
        } finally {
            spark.stop();
        }
    }
}
