package io.lingspark.jobs.eval;

import java.io.Serializable;
import java.util.List;

/**
 * A generate_until task's generation_kwargs: stop strings ({@code until}), the token budget
 * ({@code max_gen_toks}, lm-eval's default 256), {@code temperature} and {@code do_sample} (false:
 * greedy, whatever the temperature, as lm-eval's HF model does).
 */
public record GenerationKwargs(List<String> until, int maxGenToks, double temperature, boolean doSample) implements Serializable {
    private static final long serialVersionUID = 1L;
    public static final int DEFAULT_MAX_GEN_TOKS = 256;

    public GenerationKwargs {
        until = List.copyOf(until);
    }

    /** The temperature the engine should sample with: 0 (greedy) unless do_sample. */
    public double effectiveTemperature() {
        return doSample ? temperature : 0.0;
    }
}
