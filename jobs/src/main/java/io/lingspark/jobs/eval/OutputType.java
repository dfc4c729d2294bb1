package io.lingspark.jobs.eval;

import java.util.Arrays;

/** lm-eval's output_type: which requests a document makes and what comes back for it. */
public enum OutputType {
    /** One loglikelihood request per choice: context + (target_delimiter + choice). */
    MULTIPLE_CHOICE("multiple_choice"),
    /** One loglikelihood request: context + target. */
    LOGLIKELIHOOD("loglikelihood"),
    /** The loglikelihood of the whole target text, scored in rolling windows, no context. */
    LOGLIKELIHOOD_ROLLING("loglikelihood_rolling"),
    /** Generated text from the context until a stop string or max_gen_toks. */
    GENERATE_UNTIL("generate_until");

    private final String yamlName;

    OutputType(String yamlName) {
        this.yamlName = yamlName;
    }

    public String yamlName() {
        return yamlName;
    }

    static OutputType of(String name) {
        for (OutputType t : values()) {
            if (t.yamlName.equals(name)) {
                return t;
            }
        }
        throw new TaskConfigException("output_type '" + name + "' is not one of "
            + Arrays.stream(values()).map(OutputType::yamlName).toList());
    }
}
