package io.lingspark.jobs.pipeline;

import io.lingspark.engine.command.ExitCodes;
import io.lingspark.engine.config.LingConfig;
import io.lingspark.engine.pipeline.LayerSizes;
import io.lingspark.engine.pipeline.Pipelines;
import io.lingspark.engine.pipeline.PlanFit;
import io.lingspark.engine.pipeline.StagePlan;
import io.lingspark.engine.runtime.EngineOptions;
import io.lingspark.engine.weights.Checkpoint;
import io.lingspark.jobs.generate.EngineSettings;
import java.nio.file.Path;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The driver's check of a pipeline's stage plan before any task starts: the split is valid for the
 * model (exact weight bytes from the checkpoint's tensors, as every rank will compute it), and, when
 * the devices' memory is given, every stage fits one. A bad split is a usage error, a plan that does
 * not fit a model error, each one line saying what would fit.
 */
public final class PipelineCheck {
    private static final Logger LOG = LoggerFactory.getLogger(PipelineCheck.class);

    private PipelineCheck() {
    }

    /** @param deviceMemory bytes of each stage's device (0: not checked) */
    public static StagePlan check(Path model, LingConfig c, EngineSettings e, long deviceMemory) {
        // the split every rank computes (same options, same checkpoint): by memory on GPUs, by decode time on the CPU
        EngineOptions o = e.options(model, e.device());
        LayerSizes sizes;
        try (Checkpoint ckpt = Checkpoint.open(model)) {
            sizes = LayerSizes.of(ckpt, c, Pipelines.onCpu(o) ? 4 : 2);
        }
        StagePlan plan;
        try {
            plan = Pipelines.plan(sizes, c, o);
        } catch (IllegalArgumentException x) {
            throw new ExitCodes.CommandException(ExitCodes.USAGE, x.getMessage());
        }
        if (deviceMemory > 0) {
            String misfit = new PlanFit(c, sizes, deviceMemory, e.gpuMemoryUtilization(), e.maxBatchTokens())
                .misfit(plan, c.quantization != null);
            if (misfit != null) {
                throw new ExitCodes.CommandException(ExitCodes.MODEL, "model error: " + misfit);
            }
        }
        StringBuilder sb = new StringBuilder();
        for (StagePlan.Stage s : plan.stages()) {
            sb.append(sb.length() > 0 ? ", " : "").append(s.range())
                .append(String.format(java.util.Locale.ROOT, " (%.2f GiB)", PlanFit.gib(s.weightBytes())));
        }
        LOG.info("lingspark generate: {} pipeline stages: layers {}", plan.size(), sb);
        return plan;
    }
}
