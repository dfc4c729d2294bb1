package io.lingspark.jobs.generate;

import io.lingspark.jobs.input.RequestParser;
import io.lingspark.jobs.output.ParsedColumn;
import java.io.Serializable;

/**
 * What every generation task needs, shipped with the task closure (small: paths and numbers; the
 * model itself is never serialised, each executor loads it from modelDir).
 *
 * @param engine        the engine options (device, batch and memory limits)
 * @param maxInFlight   requests a task keeps submitted ahead of the row it is emitting
 * @param parsed        what the output's parsed column holds (its type decided on the driver)
 * @param failFirstAttemptAfter test hook: when ≥ 0, the first attempt of every even partition fails
 *                      after emitting that many requests (spark.lingspark.testing.fail-first-attempt-after)
 * @param modelName     --model-name: what the output's model column says (null: the checkpoint's name)
 */
public record JobSettings(String modelDir, EngineSettings engine, int maxInFlight, String runId, int keptColumns,
                          RequestParser parser, ParsedColumn parsed, int failFirstAttemptAfter,
                          String modelName) implements Serializable {
    /** The model column's value: --model-name, else the name the engine gives its checkpoint. */
    public String modelName(io.lingspark.engine.runtime.Engine engine) {
        return modelName != null ? modelName : engine.modelName();
    }

    public String device() {
        return engine.device();
    }
}
