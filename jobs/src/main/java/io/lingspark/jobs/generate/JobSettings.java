package io.lingspark.jobs.generate;

import io.lingspark.jobs.input.RequestParser;
import java.io.Serializable;

/**
 * What every generation task needs, shipped with the task closure (small: paths and numbers; the
 * model itself is never serialised, each executor loads it from modelDir).
 *
 * @param maxInFlight   requests a task keeps submitted ahead of the row it is emitting
 * @param maxModelLen   context limit passed to the engine (0: the model's)
 * @param gpuMemoryUtilization fraction of a GPU the CUDA backend plans for
 * @param failFirstAttemptAfter test hook: when ≥ 0, the first attempt of every even partition fails
 *                      after emitting that many requests (spark.lingspark.testing.fail-first-attempt-after)
 */
public record JobSettings(String modelDir, String device, int maxInFlight, int maxModelLen, int cpuThreads,
                          double gpuMemoryUtilization,
                          String runId, int keptColumns, RequestParser parser,
                          int failFirstAttemptAfter) implements Serializable {
}
