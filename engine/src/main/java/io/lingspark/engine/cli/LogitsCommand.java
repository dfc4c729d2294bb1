package io.lingspark.engine.cli;

import io.lingspark.engine.command.ExitCodes;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.lingspark.engine.backend.Backend;
import io.lingspark.engine.command.EngineOptionsMixin;
import io.lingspark.engine.config.LingConfig;
import io.lingspark.engine.model.ModelFactory;
import io.lingspark.engine.pipeline.Pipelines;
import io.lingspark.engine.runtime.Backends;
import io.lingspark.engine.runtime.EngineOptions;
import io.lingspark.engine.runtime.ModelRunner;
import io.lingspark.engine.runtime.Greedy;
import io.lingspark.engine.runtime.ModelSession;
import io.lingspark.engine.weights.SafetensorsWriter;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code lingspark logits}: prefill logits at every position of each prompt, and optionally greedy
 * tokens decoded with the KV cache, so anyone can check the engine against another implementation.
 */
@Command(name = "logits", mixinStandardHelpOptions = true,
    description = "Write every prompt position's logits (and optionally greedy tokens) for a checkpoint.")
public final class LogitsCommand implements Callable<Integer> {
    @Option(names = "--model", required = true, description = "Hugging Face checkpoint directory")
    Path model;

    @Option(names = "--prompts-file", required = true, description = "JSON with \"prompt_ids\": [[int, ...], ...]")
    Path promptsFile;

    @Option(names = "--out", required = true, description = "output directory (logits.safetensors, greedy.json)")
    Path out;

    @Option(names = "--greedy", defaultValue = "0", description = "also decode N greedy tokens per prompt (batched, KV cache, no eos stop)")
    int greedy;

    @Mixin
    EngineOptionsMixin engine = new EngineOptionsMixin();

    @Override
    public Integer call() {
        return ExitCodes.run("logits", System.err, this::execute);
    }

    private int execute() throws Exception {
        int[][] prompts = readPrompts(promptsFile);
        if (greedy < 0) {
            throw new ExitCodes.CommandException(ExitCodes.USAGE, "--greedy must be >= 0");
        }
        engine.check();
        int stepTokens = 0;
        for (int[] p : prompts) {
            stepTokens += p.length;
        }
        EngineOptions o = engine.options(model).withMaxBatchTokens(Math.max(stepTokens, engine.maxBatchTokens))
            .withMaxRunning(prompts.length + 1);
        ModelRunner pipeline = Pipelines.runnerOrNull(LingConfig.fromDirectory(model), o, null);
        Backend be = pipeline != null ? null : Backends.open(o);
        String where = pipeline != null ? o.pipelineStages() + " pipeline stages on " + o.device() : be.name();
        io.lingspark.engine.model.CausalLm local = pipeline != null ? null : ModelFactory.open(model, be);
        try (ModelSession session = pipeline != null ? new ModelSession(pipeline)
                 : ModelSession.open(local, o.maxBatchTokens(), o.maxRunning(), 1)) {
            for (int p = 0; p < prompts.length; p++) {
                for (int id : prompts[p]) {
                    if (id < 0 || id >= session.config().vocabSize) {
                        throw new ExitCodes.CommandException(ExitCodes.INPUT,
                            "prompt " + p + " has token id " + id + " outside the vocabulary [0, " + session.config().vocabSize + ")");
                    }
                }
            }
            long t0 = System.nanoTime();
            float[][] logits = prefillAll(session, prompts);
            double prefillS = (System.nanoTime() - t0) / 1e9;
            Files.createDirectories(out);
            SafetensorsWriter w = new SafetensorsWriter();
            int v = session.config().vocabSize;
            for (int p = 0; p < prompts.length; p++) {
                w.addF32("logits." + p, new long[] {prompts[p].length, v}, logits[p]);
            }
            w.write(out.resolve("logits.safetensors"));
            ObjectMapper om = new ObjectMapper();
            if (greedy > 0) {
                int[][] g = Greedy.decode(session, prompts, greedy);
                ObjectNode root = om.createObjectNode();
                ArrayNode arr = root.putArray("greedy");
                for (int[] row : g) {
                    ArrayNode r = arr.addArray();
                    for (int id : row) {
                        r.add(id);
                    }
                }
                om.writeValue(out.resolve("greedy.json").toFile(), root);
            }
            System.err.printf("lingspark logits: %d prompts, %s, prefill %.2f s -> %s%n",
                prompts.length, where, prefillS, out);
        } finally {
            if (local != null) {
                local.close();
            }
        }
        return ExitCodes.OK;
    }

    /** Each prompt prefilled in its own cache, all in one batched step, logits at every position. */
    static float[][] prefillAll(ModelSession session, int[][] prompts) {
        List<ModelSession.SeqInput> in = new ArrayList<>();
        List<ModelSession.Seq> seqs = new ArrayList<>();
        for (int[] p : prompts) {
            ModelSession.Seq s = session.newSequence();
            seqs.add(s);
            in.add(new ModelSession.SeqInput(s, p, true));
        }
        try {
            return session.forward(in).logits();
        } finally {
            seqs.forEach(ModelSession.Seq::close);
        }
    }

    static int[][] readPrompts(Path file) {
        JsonNode root;
        try {
            root = new ObjectMapper().readTree(file.toFile());
        } catch (IOException e) {
            throw new ExitCodes.CommandException(ExitCodes.INPUT, "cannot read prompts file " + file + ": " + e.getMessage());
        }
        JsonNode arr = root == null ? null : root.get("prompt_ids");
        if (arr == null || !arr.isArray() || arr.isEmpty()) {
            throw new ExitCodes.CommandException(ExitCodes.INPUT, file + ": expected {\"prompt_ids\": [[int, ...], ...]} with at least one prompt");
        }
        int[][] prompts = new int[arr.size()][];
        for (int p = 0; p < arr.size(); p++) {
            JsonNode row = arr.get(p);
            if (!row.isArray() || row.isEmpty()) {
                throw new ExitCodes.CommandException(ExitCodes.INPUT, file + ": prompt_ids[" + p + "] must be a non-empty array of ints");
            }
            prompts[p] = new int[row.size()];
            for (int i = 0; i < row.size(); i++) {
                if (!row.get(i).canConvertToInt() || !row.get(i).isIntegralNumber()) {
                    throw new ExitCodes.CommandException(ExitCodes.INPUT, file + ": prompt_ids[" + p + "][" + i + "] is not an int");
                }
                prompts[p][i] = row.get(i).intValue();
            }
        }
        return prompts;
    }
}
