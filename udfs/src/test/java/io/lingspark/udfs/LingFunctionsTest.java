package io.lingspark.udfs;

import static org.apache.spark.sql.functions.call_function;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.lingspark.engine.chat.JinjaChatTemplate;
import io.lingspark.engine.tokenizer.HfTokenizer;
import io.lingspark.engine.tokenizer.TokenizerWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The SQL functions from spark.sql and the DataFrame API, against the engine's own classes. */
class LingFunctionsTest {
    @TempDir
    static Path tmp;
    static SparkSession spark;
    static Path model;

    @BeforeAll
    static void start() {
        model = tmp.resolve("model");
        TokenizerWriter.write(model); // tokenizer.json + Ling's chat template; the functions need no weights
        spark = SparkSession.builder().master("local[2]").appName("udfs-test")
            .config("spark.ui.enabled", "false").config("spark.sql.shuffle.partitions", "2")
            .config("spark.driver.host", "127.0.0.1").config("spark.driver.bindAddress", "127.0.0.1")
            .config("spark.sql.warehouse.dir", tmp.resolve("wh").toString()).getOrCreate();
        LingFunctions.register(spark, model.toString());
    }

    @AfterAll
    static void stop() {
        spark.stop();
    }

    @Test
    void chatPromptIsTheTemplatesRenderingForJsonAndStructMessages() throws Exception {
        String messages = "[{\"role\":\"system\",\"content\":\"Be brief.\"},{\"role\":\"user\",\"content\":\"Weather in Paris?\"}]";
        String tools = "[{\"type\":\"function\",\"function\":{\"name\":\"get_weather\",\"parameters\":{\"type\":\"object\"}}}]";
        ObjectMapper om = new ObjectMapper(); // LinkedHashMaps: key order as written, as the template sees it
        String expected = JinjaChatTemplate.load(model).render(om.readValue(messages, List.class),
            om.readValue(tools, List.class), true, Map.of());
        Row r = spark.sql("SELECT ling_chat_prompt('" + messages + "', '" + tools + "'), "
            + "ling_chat_prompt(array(named_struct('role', 'system', 'content', 'Be brief.'), "
            + "named_struct('role', 'user', 'content', 'Weather in Paris?')), '" + tools + "'), "
            + "ling_chat_prompt(NULL, NULL)").first();
        assertEquals(expected, r.getString(0));
        assertEquals(expected, r.getString(1), "array<struct> messages render the same");
        assertTrue(expected.contains("get_weather") && expected.contains("Weather in Paris?"));
        assertNull(r.get(2));
    }

    @Test
    void tokenCountMatchesTheTokenizer() {
        String text = "The quick brown fox jumps over the lazy dog, 2024 times.";
        int expected = HfTokenizer.load(model).encode(text).length;
        Row r = spark.createDataFrame(List.of(new Text(text)), Text.class)
            .select(call_function("ling_token_count", col("text")), call_function("ling_token_count", lit(null).cast("string")))
            .first();
        assertEquals(expected, r.getInt(0));
        assertTrue(expected > 5);
        assertNull(r.get(1));
    }

    @Test
    void toolCallsAndReasoningAreParsedIntoStructs() {
        String out = "<think>\nlook it up\n</think>\n\nLet me check.\n<tool_call>\n{\"name\": \"get_weather\", "
            + "\"arguments\": {\"city\": \"Paris\"}}\n</tool_call>";
        spark.createDataFrame(List.of(new Text(out), new Text("plain answer")), Text.class).createOrReplaceTempView("outputs");
        List<Row> rows = spark.sql("SELECT ling_parse_tool_calls(text) AS calls, ling_parse_reasoning(text) AS r, "
            + "ling_parse_reasoning(text).content AS content FROM outputs").collectAsList();
        List<Row> calls = rows.get(0).getList(0);
        assertEquals(1, calls.size());
        assertEquals("get_weather", calls.get(0).getString(1));
        assertEquals("{\"city\":\"Paris\"}", calls.get(0).getString(2));
        assertTrue(calls.get(0).getString(0).startsWith("call_"));
        assertEquals("look it up", rows.get(0).getStruct(1).getString(0));
        assertTrue(rows.get(0).getString(2).startsWith("Let me check."));
        assertEquals(0, rows.get(1).getList(0).size());
        assertNull(rows.get(1).getStruct(1).getString(0));
        assertEquals("plain answer", rows.get(1).getString(2));
    }

    /** A one-column bean for createDataFrame. */
    public static final class Text implements java.io.Serializable {
        private String text;

        public Text() {
        }

        public Text(String text) {
            this.text = text;
        }

        public String getText() {
            return text;
        }

        public void setText(String text) {
            this.text = text;
        }
    }
}
