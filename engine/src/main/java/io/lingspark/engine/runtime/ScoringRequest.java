package io.lingspark.engine.runtime;

import java.util.List;
import java.util.Map;

/**
 * Log-likelihood of continuations after one context (lm-evaluation-harness's {@code loglikelihood}):
 * multiple-choice evaluation, labeling by the likeliest label. The context is exactly one of text,
 * token ids or chat messages (rendered with the model's template and its generation prompt, so a label
 * is scored as the assistant's answer); the continuations are all text or all token ids. The context
 * is computed once for all of them.
 *
 * <p>Text is split into tokens as lm-eval's {@code _encode_pair} does: whitespace at the end of the
 * context moves to the front of each continuation, context + continuation is tokenized whole and the
 * context alone, and the continuation is what the whole has beyond the context's token count. An
 * empty text context becomes the prefix token (BOS, else EOS) unless the continuation already starts
 * with it. Token-id continuations follow the context's ids as they are.
 *
 * @param id               caller's id, echoed in the result
 * @param context          the context as text ("" for none)
 * @param contextIds       the context as token ids (empty for none: the prefix token)
 * @param messages         the context as chat messages (JSON-shaped maps)
 * @param tools            OpenAI tool definitions for the template, or null
 * @param templateKwargs   extra template variables, or null
 * @param continuations    the continuations as text
 * @param continuationIds  the continuations as token ids
 * @param perTokenLogprobs also return each continuation token's log-probability
 * @param prefixTokenId    the token an empty context becomes (null: the tokenizer's BOS, else its EOS)
 */
public record ScoringRequest(String id, String context, int[] contextIds, List<Map<String, Object>> messages,
                             List<Map<String, Object>> tools, Map<String, Object> templateKwargs,
                             List<String> continuations, List<int[]> continuationIds, boolean perTokenLogprobs,
                             Integer prefixTokenId) {

    public static ScoringRequest ofText(String id, String context, List<String> continuations) {
        return new ScoringRequest(id, context, null, null, null, null, continuations, null, false, null);
    }

    public static ScoringRequest ofIds(String id, int[] contextIds, List<int[]> continuationIds) {
        return new ScoringRequest(id, null, contextIds, null, null, null, null, continuationIds, false, null);
    }

    public static ScoringRequest ofMessages(String id, List<Map<String, Object>> messages, List<String> continuations) {
        return new ScoringRequest(id, null, null, messages, null, null, continuations, null, false, null);
    }

    public ScoringRequest withPerTokenLogprobs(boolean on) {
        return new ScoringRequest(id, context, contextIds, messages, tools, templateKwargs, continuations, continuationIds, on,
            prefixTokenId);
    }
}
