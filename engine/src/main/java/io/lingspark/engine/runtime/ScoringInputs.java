package io.lingspark.engine.runtime;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.lingspark.engine.config.LingConfig;
import io.lingspark.engine.tokenizer.Tokenizer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.OptionalInt;

/**
 * Turns scoring requests into token ids exactly as lm-evaluation-harness does for a Hugging Face model,
 * or a typed {@link LingException}: {@code TemplateLM.loglikelihood} with {@code _encode_pair} for
 * context/continuation pairs, {@code get_rolling_token_windows} + {@code make_disjoint_window} with
 * context_len 1 for whole texts, and HFLM's {@code prefix_token_id} (the tokenizer's BOS, else its EOS)
 * where there is no context. Runs on the caller's thread, so bad requests never reach the scheduler.
 */
final class ScoringInputs {
    private final PromptBuilder prompts;
    private final Tokenizer tokenizer;
    private final int vocabSize;
    private final int contextLen;
    private final int prefixToken;

    /** A context and its continuations as ids (every continuation at least one token). */
    record Pair(int[] context, int[][] continuations) {
    }

    /** Windows of a whole text: each scores its continuation after its context (both parts of the text). */
    record Windows(List<Pair> windows, int tokens) {
    }

    ScoringInputs(PromptBuilder prompts, Tokenizer tokenizer, int vocabSize, int contextLen, int prefixToken) {
        this.prompts = prompts;
        this.tokenizer = tokenizer;
        this.vocabSize = vocabSize;
        this.contextLen = contextLen;
        this.prefixToken = prefixToken;
    }

    Pair build(ScoringRequest r) {
        if (r == null) {
            throw new LingException(ErrorCode.EMPTY_PROMPT, "no request");
        }
        int kinds = (r.context() != null ? 1 : 0) + (r.contextIds() != null ? 1 : 0) + (r.messages() != null ? 1 : 0);
        if (kinds != 1) {
            throw new LingException(ErrorCode.EMPTY_PROMPT, "give exactly one of context, context ids or messages");
        }
        if ((r.continuations() == null) == (r.continuationIds() == null)) {
            throw new LingException(ErrorCode.INVALID_PARAMS, "give the continuations as text or as token ids, one of them");
        }
        int n = r.continuations() != null ? r.continuations().size() : r.continuationIds().size();
        if (n == 0) {
            throw new LingException(ErrorCode.INVALID_PARAMS, "a scoring request needs at least one continuation");
        }
        int prefix = prefix(r.prefixTokenId());
        Pair p;
        if (r.continuationIds() != null) {
            int[] ctx = r.contextIds() != null ? checkIds(r.contextIds(), "context")
                : tokenizer.encode(r.context() != null ? r.context() : prompts.renderChat(r.messages(), r.tools(), r.templateKwargs()));
            int[][] conts = new int[n][];
            for (int i = 0; i < n; i++) {
                int[] c = r.continuationIds().get(i);
                conts[i] = checkIds(c == null ? new int[0] : c, "continuation " + i);
            }
            p = new Pair(ctx.length == 0 ? new int[] {prefix} : ctx, conts);
        } else if (r.contextIds() != null) {
            throw new LingException(ErrorCode.INVALID_PARAMS,
                "text continuations need a text or messages context (their token boundary is found on the text)");
        } else {
            String ctx = r.context() != null ? r.context() : prompts.renderChat(r.messages(), r.tools(), r.templateKwargs());
            p = encodePairs(ctx, r.continuations(), prefix);
        }
        for (int i = 0; i < n; i++) {
            if (p.continuations()[i].length == 0) {
                throw new LingException(ErrorCode.EMPTY_PROMPT, "continuation " + i + " has no tokens");
            }
            int len = p.context().length + p.continuations()[i].length - 1;
            if (len > contextLen) {
                throw new LingException(ErrorCode.PROMPT_TOO_LONG, "context and continuation " + i + " are " + len
                    + " tokens to read; the context holds " + contextLen);
            }
        }
        return p;
    }

    /** lm-eval's pairs for one context: the context's tokens are the same for every continuation. */
    private Pair encodePairs(String context, List<String> continuations, int prefix) {
        int[][] conts = new int[continuations.size()][];
        if (context.isEmpty()) {
            // BOS (else EOS) as the context; a continuation that starts with it already loses it instead
            for (int i = 0; i < conts.length; i++) {
                int[] c = tokenizer.encode(text(continuations, i));
                conts[i] = c.length > 0 && c[0] == prefix ? Arrays.copyOfRange(c, 1, c.length) : c;
            }
            return new Pair(new int[] {prefix}, conts);
        }
        int end = context.length();
        while (end > 0 && isPythonSpace(context.charAt(end - 1))) {
            end--;
        }
        String ctx = context.substring(0, end);
        String moved = context.substring(end);
        int[] ctxIds = tokenizer.encode(ctx);
        for (int i = 0; i < conts.length; i++) {
            int[] whole = tokenizer.encode(ctx + moved + text(continuations, i));
            conts[i] = Arrays.copyOfRange(whole, Math.min(ctxIds.length, whole.length), whole.length);
        }
        if (ctxIds.length == 0) {
            throw new LingException(ErrorCode.EMPTY_PROMPT, "the context is only whitespace: it has no tokens once its"
                + " trailing whitespace moved to the continuations");
        }
        return new Pair(ctxIds, conts);
    }

    private static String text(List<String> continuations, int i) {
        String c = continuations.get(i);
        if (c == null) {
            throw new LingException(ErrorCode.EMPTY_PROMPT, "continuation " + i + " is null");
        }
        return c;
    }

    /** Python's str.isspace for one char, which str.rstrip() strips (Java's isWhitespace misses no-break spaces). */
    static boolean isPythonSpace(char c) {
        return Character.isWhitespace(c) || Character.isSpaceChar(c) || c == '\u0085';
    }

    Windows windows(RollingRequest r) {
        if (r == null) {
            throw new LingException(ErrorCode.EMPTY_PROMPT, "no request");
        }
        if ((r.text() == null) == (r.ids() == null)) {
            throw new LingException(ErrorCode.EMPTY_PROMPT, "give exactly one of text or ids");
        }
        int[] tokens = r.ids() != null ? checkIds(r.ids(), "text") : tokenizer.encode(r.text());
        if (tokens.length == 0) {
            throw new LingException(ErrorCode.EMPTY_PROMPT, "the text has no tokens");
        }
        return new Windows(rollingWindows(tokens, prefix(r.prefixTokenId()), contextLen), tokens.length);
    }

    /**
     * lm-eval's get_rolling_token_windows(tokens, prefix, maxSeqLen, context_len=1), each window made
     * disjoint: the first predicts up to maxSeqLen tokens after the prefix token; each later one up to
     * maxSeqLen more, conditioned on as many earlier tokens as fill its maxSeqLen inputs (one, for a full
     * window). Every window reads at most maxSeqLen tokens; every token is predicted once.
     */
    static List<Pair> rollingWindows(int[] tokens, int prefix, int maxSeqLen) {
        List<Pair> out = new ArrayList<>();
        int n = tokens.length;
        int first = Math.min(maxSeqLen, n);
        int[] input = new int[first];
        input[0] = prefix;
        System.arraycopy(tokens, 0, input, 1, first - 1);
        out.add(disjoint(input, Arrays.copyOf(tokens, first)));
        for (int predicted = first; predicted < n; ) {
            int len = Math.min(n - predicted, maxSeqLen);
            int end = predicted + len;
            out.add(disjoint(Arrays.copyOfRange(tokens, end - maxSeqLen - 1, end - 1), Arrays.copyOfRange(tokens, end - len, end)));
            predicted += len;
        }
        return out;
    }

    /** make_disjoint_window: the inputs that precede the first prediction, and the predictions. */
    private static Pair disjoint(int[] input, int[] pred) {
        return new Pair(Arrays.copyOf(input, input.length - pred.length + 1), new int[][] {pred});
    }

    private int prefix(Integer override) {
        if (override == null) {
            return prefixToken;
        }
        if (override < 0 || override >= vocabSize) {
            throw new LingException(ErrorCode.INVALID_TOKEN, "prefix token id " + override + " is outside the vocabulary [0, "
                + vocabSize + ")");
        }
        return override;
    }

    private int[] checkIds(int[] ids, String what) {
        for (int id : ids) {
            if (id < 0 || id >= vocabSize) {
                throw new LingException(ErrorCode.INVALID_TOKEN, what + ": token id " + id + " is outside the vocabulary [0, "
                    + vocabSize + ")");
            }
        }
        return ids.clone();
    }

    /**
     * HFLM's prefix_token_id: tokenizer_config.json's bos_token, else its eos_token (a string or an
     * {"content": ...} object), else the model's first eos id.
     */
    static int prefixToken(Path modelDir, Tokenizer tokenizer, LingConfig config) {
        try {
            JsonNode c = new ObjectMapper().readTree(modelDir.resolve("tokenizer_config.json").toFile());
            for (String key : List.of("bos_token", "eos_token")) {
                JsonNode t = c.path(key);
                String content = t.isTextual() ? t.asText() : t.path("content").asText(null);
                OptionalInt id = content == null ? OptionalInt.empty() : tokenizer.tokenId(content);
                if (id.isPresent()) {
                    return id.getAsInt();
                }
            }
        } catch (IOException | RuntimeException e) {
            // no readable tokenizer_config.json: the model's eos
        }
        return config.eosTokenIds.length > 0 ? config.eosTokenIds[0] : 0;
    }
}
