package io.lingspark.jobs.input;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class InputFormatTest {
    @Test
    void infersFromTheExtension() {
        assertEquals(InputFormat.PARQUET, InputFormat.infer("/data/in.parquet"));
        assertEquals(InputFormat.PARQUET, InputFormat.infer("s3a://b/prompts.parquet/"));
        assertEquals(InputFormat.JSONL, InputFormat.infer("examples/prompts.jsonl"));
        assertEquals(InputFormat.JSONL, InputFormat.infer("x.json.gz"));
        assertEquals(InputFormat.CSV, InputFormat.infer("/tmp/a.CSV"));
        assertEquals(InputFormat.TABLE, InputFormat.infer("db.prompts"));
        assertThrows(IllegalArgumentException.class, () -> InputFormat.infer("/data/folder"));
        assertEquals(InputFormat.OPENAI_BATCH, InputFormat.parse("openai-batch"));
    }
}
