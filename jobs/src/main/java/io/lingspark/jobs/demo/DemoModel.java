package io.lingspark.jobs.demo;

import io.lingspark.engine.config.LingConfig;
import io.lingspark.engine.config.Presets;
import io.lingspark.engine.model.RandomCheckpoint;
import io.lingspark.engine.tokenizer.TokenizerWriter;
import java.nio.file.Path;

/**
 * A small random-weight Ling 2.0 model with the project's generated tokenizer and Ling's chat
 * template, in the real checkpoint layout: what the demo and the Spark tests run end to end. The
 * shape is the "tiny" preset (hidden 64, 4 layers, 16 experts), so generation takes milliseconds
 * on a CPU. Its text is meaningless; only the plumbing is real.
 */
public final class DemoModel {
    private DemoModel() {
    }

    public static LingConfig write(Path dir, long seed) {
        int size = TokenizerWriter.write(dir);
        LingConfig.Builder b = Presets.builder("tiny");
        b.vocabSize = Math.max(b.vocabSize, (size + 63) / 64 * 64); // vocab_size >= tokenizer, padded like HF
        b.eosTokenIds = TokenizerWriter.eosIds(dir);
        b.padTokenId = b.eosTokenIds[0];
        LingConfig config = b.build();
        RandomCheckpoint.write(dir, config, seed);
        return config;
    }
}
