package io.lingspark.jobs.eval;

import java.io.Serializable;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One document's scores: {@code scores} maps each metric's key (see {@link MetricSpec#key()}) to the
 * document's value (acc, acc_norm, exact_match: 0 or 1; perplexity metrics: the document's own
 * perplexity or bits per byte, for reading; the task's value weights documents by the
 * loglikelihood, words and bytes kept here). An error row has errorCode set and no scores.
 *
 * @param prediction the predicted choice, or the generated text after the first filter
 * @param filtered generate_until: each filter's output, by filter name
 * @param choiceLoglikelihoods multiple_choice: the choices' loglikelihoods
 * @param confidence multiple_choice: softmax of the loglikelihoods at the predicted choice
 * @param correct multiple_choice: whether the predicted (argmax) choice is a gold one, acc's definition
 * @param loglikelihood loglikelihood / loglikelihood_rolling: the target's loglikelihood
 * @param words loglikelihood_rolling: len(re.split(r"\s+", target)), lm-eval's count_words
 * @param bytes loglikelihood_rolling: the target's UTF-8 bytes
 */
public record DocResult(String task, int docId, Map<String, Double> scores, String prediction, String target,
                        Map<String, String> filtered, List<Double> choiceLoglikelihoods, Double confidence,
                        Boolean correct, Double loglikelihood, Long words, Long bytes, String errorCode, String errorMessage)
    implements Serializable {
    private static final long serialVersionUID = 1L;

    public DocResult {
        scores = scores == null ? Map.of() : java.util.Collections.unmodifiableMap(new LinkedHashMap<>(scores));
        filtered = filtered == null ? Map.of() : java.util.Collections.unmodifiableMap(new LinkedHashMap<>(filtered));
        choiceLoglikelihoods = choiceLoglikelihoods == null ? List.of() : List.copyOf(choiceLoglikelihoods);
    }

    static DocResult error(String task, int docId, String target, String code, String message) {
        return new DocResult(task, docId, null, null, target, null, null, null, null, null, null, null, code, message);
    }

    public boolean isError() {
        return errorCode != null;
    }
}
