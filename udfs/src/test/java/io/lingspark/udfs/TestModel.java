package io.lingspark.udfs;

import io.lingspark.engine.config.LingConfig;
import io.lingspark.engine.config.Presets;
import io.lingspark.engine.model.RandomCheckpoint;
import io.lingspark.engine.tokenizer.TokenizerWriter;
import java.nio.file.Path;
import org.apache.spark.sql.SparkSession;

/** The tests' model and session: a small random-weight Ling 2.0 (as jobs' DemoModel writes it) and local[2]. */
final class TestModel {
    private TestModel() {
    }

    /** The "tiny" preset (hidden 64, 4 layers): generation takes milliseconds on a CPU; its text is noise. */
    static Path write(Path dir) {
        int vocab = TokenizerWriter.write(dir);
        LingConfig.Builder b = Presets.builder("tiny");
        b.vocabSize = Math.max(b.vocabSize, (vocab + 63) / 64 * 64); // vocab_size >= tokenizer, padded like HF
        b.eosTokenIds = TokenizerWriter.eosIds(dir);
        b.padTokenId = b.eosTokenIds[0];
        RandomCheckpoint.write(dir, b.build(), 7);
        return dir;
    }

    static SparkSession.Builder session(Path tmp) {
        return SparkSession.builder().master("local[2]").appName("udfs-test")
            .config("spark.ui.enabled", "false").config("spark.sql.shuffle.partitions", "2")
            .config("spark.driver.host", "127.0.0.1").config("spark.driver.bindAddress", "127.0.0.1")
            .config("spark.sql.warehouse.dir", tmp.resolve("wh").toString());
    }
}
