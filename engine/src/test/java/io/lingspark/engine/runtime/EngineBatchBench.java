package io.lingspark.engine.runtime;

import io.lingspark.engine.config.LingConfig;
import io.lingspark.engine.config.Presets;
import io.lingspark.engine.model.RandomCheckpoint;
import io.lingspark.engine.tokenizer.TokenizerWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.concurrent.CompletableFuture;

/**
 * Decode throughput of the whole engine (scheduler, model runner, batched token choice) at batch B
 * with temperature sampling, on a random-weight checkpoint written to disk once (loaded through the
 * same path as a published one). Uses only the Engine API, so the same program compiled against an
 * earlier build measures that build side by side. Prints one JSON line.
 *
 *   java --add-modules jdk.incubator.vector -cp ... io.lingspark.engine.runtime.EngineBatchBench \
 *       DIR [batch=64] [max_tokens=32] [temperature=0.8] [preset=bench-small]
 */
public final class EngineBatchBench {
    private EngineBatchBench() {
    }

    public static void main(String[] a) throws Exception {
        Path dir = Path.of(a[0]);
        int b = a.length > 1 ? Integer.parseInt(a[1]) : 64;
        int maxTokens = a.length > 2 ? Integer.parseInt(a[2]) : 32;
        double temp = a.length > 3 ? Double.parseDouble(a[3]) : 0.8;
        if (!Files.isRegularFile(dir.resolve("model.safetensors"))) {
            int size = TokenizerWriter.write(dir);
            LingConfig.Builder c = Presets.builder(a.length > 4 ? a[4] : "bench-small");
            c.vocabSize = Math.max(c.vocabSize, (size + 63) / 64 * 64);
            c.eosTokenIds = TokenizerWriter.eosIds(dir);
            c.padTokenId = c.eosTokenIds[0];
            RandomCheckpoint.write(dir, c.build(), 3);
        }
        try (LingEngine e = LingEngine.open(EngineOptions.of(dir).withMaxRunning(b).withMaxBatchTokens(512))) {
            SamplingParams warm = SamplingParams.builder().temperature(0).maxTokens(8).ignoreEos(true).build();
            e.submit(GenerationRequest.ofIds("w", new int[] {1, 2, 3, 4}, warm)).get();
            for (int round = 0; round < 2; round++) { // the first round warms the JIT up
                SamplingParams p = SamplingParams.builder().temperature(temp).topP(0.9).seed(7L).maxTokens(maxTokens)
                    .ignoreEos(true).build();
                List<CompletableFuture<GenerationResult>> fs = new ArrayList<>();
                Random r = new Random(round);
                long t0 = System.nanoTime();
                for (int i = 0; i < b; i++) {
                    int[] ids = new int[16];
                    for (int j = 0; j < ids.length; j++) {
                        ids[j] = 10 + r.nextInt(900);
                    }
                    fs.add(e.submit(GenerationRequest.ofIds("r" + i, ids, p)));
                }
                long tokens = 0;
                double maxTtft = 0;
                for (CompletableFuture<GenerationResult> f : fs) {
                    GenerationResult res = f.get();
                    tokens += res.completionTokens();
                    maxTtft = Math.max(maxTtft, res.ttftMs());
                }
                double total = (System.nanoTime() - t0) / 1e9;
                if (round == 1) {
                    // After the last first token every request is decoding: (max_tokens − 1) tokens each.
                    double decodeS = total - maxTtft / 1000;
                    System.out.printf(Locale.ROOT, "{\"batch\": %d, \"tokens\": %d, \"total_s\": %.3f, \"decode_tok_s\": %.2f}%n",
                        b, tokens, total, b * (maxTokens - 1) / decodeS);
                }
            }
        }
    }
}
