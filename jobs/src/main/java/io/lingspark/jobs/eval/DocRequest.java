package io.lingspark.jobs.eval;

import java.io.Serializable;
import java.util.List;

/**
 * What one document asks of the model, by output type (lm-eval's Instances for the document):
 * <ul>
 * <li>MULTIPLE_CHOICE: the loglikelihood of each {@code continuations[i]} (target_delimiter + choice
 * i) after {@code context}, and whether it is the greedy continuation;</li>
 * <li>LOGLIKELIHOOD: the same for the one continuation (the target as rendered);</li>
 * <li>LOGLIKELIHOOD_ROLLING: the loglikelihood of {@code rollingText} from the start, no context;</li>
 * <li>GENERATE_UNTIL: text generated after {@code context} with {@code generation}.</li>
 * </ul>
 * A document that cannot be prompted has {@code errorCode}/{@code errorMessage} set and nothing to
 * ask; it is not sent to the model and comes out as an error row.
 *
 * @param docId the document's index in the eval split
 * @param choices MULTIPLE_CHOICE: the choices (without delimiter)
 * @param gold MULTIPLE_CHOICE: the index of the correct choice (several: any of them is correct)
 * @param targets GENERATE_UNTIL: the reference answer(s); LOGLIKELIHOOD(_ROLLING): the target text
 */
public record DocRequest(String task, int docId, OutputType type, String context, List<String> continuations,
                         String rollingText, GenerationKwargs generation, List<String> choices, List<Integer> gold,
                         List<String> targets, String errorCode, String errorMessage) implements Serializable {
    private static final long serialVersionUID = 1L;

    public DocRequest {
        continuations = continuations == null ? List.of() : List.copyOf(continuations);
        choices = choices == null ? List.of() : List.copyOf(choices);
        gold = gold == null ? List.of() : List.copyOf(gold);
        targets = targets == null ? List.of() : List.copyOf(targets);
    }

    static DocRequest error(String task, int docId, OutputType type, String code, String message) {
        return new DocRequest(task, docId, type, null, null, null, null, null, null, null, code, message);
    }

    public boolean isError() {
        return errorCode != null;
    }

    /** The target as text, for display: the gold choice(s), or the reference(s). */
    public String targetText() {
        if (type == OutputType.MULTIPLE_CHOICE) {
            return String.join(" | ", gold.stream().map(choices::get).toList());
        }
        return String.join(" | ", targets);
    }
}
