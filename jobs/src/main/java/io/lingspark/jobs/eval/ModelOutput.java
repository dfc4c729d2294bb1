package io.lingspark.jobs.eval;

import java.io.Serializable;
import java.util.List;

/**
 * What the model returned for one {@link DocRequest}: per continuation its loglikelihood and whether
 * it is the greedy continuation (MULTIPLE_CHOICE: one per choice, in order; LOGLIKELIHOOD: one), the
 * rolling loglikelihood of the text, or the generated text; or the engine's per-row error.
 */
public record ModelOutput(List<ChoiceScore> choices, Double rollingLoglikelihood, String text,
                          String errorCode, String errorMessage) implements Serializable {
    private static final long serialVersionUID = 1L;

    /** One continuation's summed token logprob (natural log) and is_greedy. */
    public record ChoiceScore(double loglikelihood, boolean isGreedy) implements Serializable {
        private static final long serialVersionUID = 1L;
    }

    public ModelOutput {
        choices = choices == null ? List.of() : List.copyOf(choices);
    }

    public static ModelOutput ofChoices(List<ChoiceScore> choices) {
        return new ModelOutput(choices, null, null, null, null);
    }

    public static ModelOutput ofRolling(double loglikelihood) {
        return new ModelOutput(null, loglikelihood, null, null, null);
    }

    public static ModelOutput ofText(String text) {
        return new ModelOutput(null, null, text, null, null);
    }

    public static ModelOutput ofError(String code, String message) {
        return new ModelOutput(null, null, null, code, message);
    }
}
