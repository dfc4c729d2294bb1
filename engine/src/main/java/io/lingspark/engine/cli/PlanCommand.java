package io.lingspark.engine.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.lingspark.engine.command.ExitCodes;
import io.lingspark.engine.command.MemorySize;
import io.lingspark.engine.config.LingConfig;
import io.lingspark.engine.config.ParameterCount;
import io.lingspark.engine.config.Presets;
import io.lingspark.engine.pipeline.LayerSizes;
import io.lingspark.engine.pipeline.PlanFit;
import io.lingspark.engine.pipeline.StagePlan;
import io.lingspark.engine.weights.Checkpoint;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code lingspark plan}: how a model splits into pipeline stages on devices of a given memory, as a
 * table (or JSON): each stage's layers, weight bytes (exact from the checkpoint's tensors when a
 * directory is given), KV cache bytes per token (bf16), the tokens of cache that fit beside its
 * weights and activation reserve, and its share of a decode step's weight reads. A plan that does
 * not fit is refused with one line saying what would.
 */
@Command(name = "plan", mixinStandardHelpOptions = true,
    description = "Split a model into pipeline stages for devices of a given memory; prints a table.")
public final class PlanCommand implements Callable<Integer> {
    @Option(names = "--model", description = "checkpoint directory (exact tensor sizes)")
    Path model;

    @Option(names = "--preset", description = "shape preset instead of a directory: ${COMPLETION-CANDIDATES}",
        completionCandidates = BenchCommand.PresetNames.class)
    String preset;

    @Option(names = "--pipeline-stages", defaultValue = "1", description = "number of stages")
    int stages;

    @Option(names = "--stage-layers", description = "explicit split, e.g. 0-9,10-19 (default: balanced)")
    String stageLayers;

    @Option(names = "--device-memory", defaultValue = "80GiB", converter = MemorySize.class,
        description = "memory of one device. Default: 80GiB")
    long deviceMemory;

    @Option(names = "--gpu-memory-utilization", defaultValue = "0.9", description = "share of each device the engine plans for")
    double utilization;

    @Option(names = "--devices-per-executor", defaultValue = "1", description = "stages per executor (one per device)")
    int devicesPerExecutor;

    @Option(names = "--quantization", description = "fp8: FP8 weights (one byte per quantized weight + block scales)")
    String quantization;

    @Option(names = "--max-batch-tokens", defaultValue = "512", description = "step size the activation reserve is for")
    int maxBatchTokens;

    @Option(names = "--json", description = "print JSON instead of a table")
    boolean json;

    PrintStream out = new PrintStream(System.out, true, StandardCharsets.UTF_8);

    @Override
    public Integer call() {
        return ExitCodes.run("plan", System.err, this::execute);
    }

    private int execute() throws Exception {
        if ((model == null) == (preset == null)) {
            throw new ExitCodes.CommandException(ExitCodes.USAGE, "give exactly one of --model DIR or --preset P");
        }
        if (quantization != null && !quantization.equalsIgnoreCase("fp8")) {
            throw new ExitCodes.CommandException(ExitCodes.USAGE, "--quantization must be fp8");
        }
        if (devicesPerExecutor < 1 || !(utilization > 0 && utilization <= 1)) {
            throw new ExitCodes.CommandException(ExitCodes.USAGE, "--devices-per-executor must be >= 1, "
                + "--gpu-memory-utilization in (0, 1]");
        }
        boolean fp8 = quantization != null;
        LingConfig c;
        LayerSizes sizes;
        if (model != null) {
            c = LingConfig.fromDirectory(model);
            if (fp8 && c.quantization == null) {
                throw new ExitCodes.CommandException(ExitCodes.USAGE, "--quantization fp8 plans a preset; " + model
                    + " holds bf16 weights (its tensors are what they are)");
            }
            try (Checkpoint ckpt = Checkpoint.open(model)) {
                sizes = LayerSizes.of(ckpt, c, 2);
            }
        } else {
            try {
                c = Presets.get(preset);
            } catch (IllegalArgumentException e) {
                throw new ExitCodes.CommandException(ExitCodes.USAGE, e.getMessage());
            }
            sizes = LayerSizes.of(c, fp8, 2);
        }
        StagePlan plan = stageLayers != null ? StagePlan.parse(stageLayers, sizes) : StagePlan.balanced(sizes, stages);
        PlanFit fit = new PlanFit(c, sizes, deviceMemory, utilization, maxBatchTokens);
        long[] active = activeBytes(c, plan, fp8 || c.quantization != null);
        long totalActive = 0;
        for (long a : active) {
            totalActive += a;
        }
        print(c, plan, fit, active, totalActive);
        String misfit = fit.misfit(plan, fp8);
        if (misfit != null) {
            throw new ExitCodes.CommandException(ExitCodes.MODEL, misfit);
        }
        return ExitCodes.OK;
    }

    /** Weight bytes a decode step reads per token in each stage: its layers' active parameters, and the head's. */
    static long[] activeBytes(LingConfig c, StagePlan plan, boolean fp8) {
        long[] out = new long[plan.size()];
        double perParam = fp8 ? 1.0 : 2.0;
        for (StagePlan.Stage s : plan.stages()) {
            double b = 0;
            for (int l = s.firstLayer(); l < s.lastLayer(); l++) {
                b += perParam * ParameterCount.activeInLayer(c, l);
            }
            if (s.head()) {
                b += 2.0 * c.vocabSize * c.hiddenSize; // lm_head stays bf16
            }
            out[s.index()] = (long) b;
        }
        return out;
    }

    private void print(LingConfig c, StagePlan plan, PlanFit fit, long[] active, long totalActive) throws Exception {
        if (json) {
            ObjectMapper om = new ObjectMapper();
            ObjectNode r = om.createObjectNode();
            r.put("model", model != null ? model.toString() : preset);
            r.put("device_memory_bytes", deviceMemory);
            r.put("budget_bytes", fit.budget());
            r.put("activation_reserve_bytes", fit.activations());
            ArrayNode a = r.putArray("stages");
            for (StagePlan.Stage s : plan.stages()) {
                ObjectNode o = a.addObject();
                o.put("stage", s.index());
                o.put("executor", s.index() / devicesPerExecutor);
                o.put("layers", s.range());
                o.put("embedding", s.embedding());
                o.put("head", s.head());
                o.put("weight_bytes", s.weightBytes());
                o.put("cache_bytes_per_token", s.cacheBytesPerToken());
                o.put("state_bytes_per_sequence", s.stateBytesPerSeq());
                o.put("cache_tokens_fit", fit.tokensFit(s));
                o.put("decode_share", round(active[s.index()] / (double) totalActive));
            }
            out.println(om.writerWithDefaultPrettyPrinter().writeValueAsString(r));
            return;
        }
        out.printf(Locale.ROOT, "%s: %d layers in %d stage(s), %s weights; devices of %.0f GiB at %.0f %% (%.1f GiB each, "
                + "activation reserve %.1f GiB)%n", model != null ? model : preset, c.numLayers, plan.size(),
            model != null ? "stored" : quantization != null ? "fp8" : "bf16", gib(deviceMemory), utilization * 100, gib(fit.budget()),
            gib(fit.activations()));
        out.printf("%-6s %-9s %-8s %10s %14s %16s %13s%n", "stage", "executor", "layers", "weights", "cache/token",
            "cache tokens fit", "decode share");
        double slowest = 0;
        for (StagePlan.Stage s : plan.stages()) {
            long fits = fit.tokensFit(s);
            double share = active[s.index()] / (double) totalActive;
            slowest = Math.max(slowest, share);
            out.printf(Locale.ROOT, "%-6d %-9d %-8s %9.1fG %13dB %16s %12.1f%%%n", s.index(), s.index() / devicesPerExecutor,
                s.range() + (s.embedding() ? "+e" : "") + (s.head() ? "+h" : ""), gib(s.weightBytes()),
                s.cacheBytesPerToken(), fits < 0 ? "does not fit" : fits == Long.MAX_VALUE ? "state only" : String.format("%,d", fits),
                share * 100);
        }
        out.printf(Locale.ROOT, "slowest stage: %.1f %% of a decode step's weight reads (ideal %.1f %%)%n", slowest * 100,
            100.0 / plan.size());
    }

    static double gib(long b) {
        return PlanFit.gib(b);
    }

    static double round(double v) {
        return Math.round(v * 1000) / 1000.0;
    }
}
