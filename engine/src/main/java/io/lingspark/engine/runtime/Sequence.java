package io.lingspark.engine.runtime;

import io.lingspark.engine.output.StopMatcher;
import io.lingspark.engine.structured.GrammarState;
import io.lingspark.engine.tokenizer.Tokenizer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * One choice of one request as the scheduler sees it. Its tokens are prompt + generated ids; the cache
 * holds the first {@code numComputed} of them (in the blocks of its table) and the next step feeds the
 * rest (a prefill chunk, or the one token sampled last). Prefill and decode are therefore the same
 * operation, and a preempted sequence (blocks given back) simply recomputes everything it had. A
 * scoring sequence ({@link #score} set) only reads its tokens, and its rows' logits are scored.
 */
final class Sequence {
    final RequestState request;
    final int choice;
    final long order;          // admission order: preemption takes the newest
    final int promptLen;
    final int maxNew;          // max_tokens clipped to the room left in the context
    private int[] tokens;      // prompt + generated ids, [0, length) valid
    private int length;
    KvCacheManager.BlockTable table; // null while waiting
    int numComputed;           // tokens in the cache
    boolean inFlight;          // in a step that has not come back yet (a pipeline keeps several in flight)
    final long seed;           // this choice's sampling seed
    private final int[] blocked; // ids min_tokens keeps out
    private final Tokenizer.IncrementalDecoder decoder;
    private final StopMatcher stop;
    private final StringBuilder text = new StringBuilder();
    final List<TokenLogprob> logprobs;
    int sampled;               // tokens drawn, the stop token included
    String finishReason;       // null while running
    int preemptions;
    // Prefix caching (PrefixCache's bookkeeping): keys of the full blocks of tokens[0, hashed · blockSize)
    BlockHash[] hashes = new BlockHash[0];
    int hashed;
    int registered;            // leading blocks registered in the cache (computed)
    int pendingTo;             // blocks [registered, pendingTo) announced as being computed by this sequence
    int restoreSlot = -1;      // hybrid: state snapshot its first step starts from
    boolean restoreSent;       // that step was handed to the runner
    int saveSlot = -1;         // hybrid: snapshot slot its state goes to when numComputed reaches saveAt
    int saveAt = -1;
    int cachedTokens;          // prompt tokens it took from the cache at its first admission
    final GrammarState grammar; // structured output: where the answer stands in its constraint, or null
    final ScoringState.ScoreTask score; // scoring: which rows it scores against which tokens, or null
    // A scoring sequence forked from its lead's cache (ContextForks), until its first step has run:
    int copyFrom = -1;         // the context's partial last block, held for the copy (−1: none)
    int copyTo = -1;           // this sequence's own copy of it
    int forkSlot = -1;         // hybrid: the context's state slot, held, that its first step restores from
    boolean forkSent;          // that step was handed to the runner

    Sequence(RequestState request, int choice, long order, int[] prompt, int maxNew, long seed, int[] blocked,
             Tokenizer.IncrementalDecoder decoder, GrammarState grammar) {
        this.grammar = grammar;
        this.request = request;
        this.choice = choice;
        this.order = order;
        this.promptLen = prompt.length;
        this.maxNew = maxNew;
        this.tokens = Arrays.copyOf(prompt, prompt.length + Math.min(maxNew, 64) + 1);
        this.length = prompt.length;
        this.seed = seed;
        this.blocked = blocked;
        this.decoder = decoder;
        this.stop = new StopMatcher(request.params.stop());
        this.logprobs = request.params.logprobs() != null ? new ArrayList<>() : null;
        if (maxNew == 0) {
            finishReason = "length";
        }
        this.score = null;
    }

    /** A scoring sequence: it reads tokens (its whole length), samples nothing, and scores what task says. */
    Sequence(RequestState request, int choice, long order, int[] tokens, ScoringState.ScoreTask task) {
        this.request = request;
        this.choice = choice;
        this.order = order;
        this.promptLen = tokens.length;
        this.maxNew = 0;
        this.tokens = tokens;
        this.length = tokens.length;
        this.seed = 0;
        this.blocked = new int[0];
        this.decoder = null;
        this.stop = null;
        this.logprobs = null;
        this.grammar = null;
        this.score = task;
    }

    /**
     * Leading tokens whose cache rows may come from cached blocks: all but the last (whose logits give the
     * next token), or for a scoring sequence those before its first scored row.
     */
    int cacheableTokens() {
        return score != null ? score.from() : length - 1;
    }

    /** Tokens the next step must feed: what is not in the cache yet. */
    int pending() {
        return length - numComputed;
    }

    /** Prompt and generated ids; [0, totalLength()) are valid (a step reads its chunk from here). */
    int[] tokens() {
        return tokens;
    }

    /** What the sampler needs for this sequence's next token. */
    Sampler.Row samplingRow() {
        return new Sampler.Row(request.params, seed, sampled, blocked, tokens, promptLen, length,
            grammar == null ? null : grammar.mask());
    }

    boolean finished() {
        return finishReason != null;
    }

    int[] generatedIds() {
        return Arrays.copyOfRange(tokens, promptLen, length);
    }

    int totalLength() {
        return length;
    }

    /**
     * Applies one sampled token: stop ids end the choice (and are not kept), other ids are appended and
     * decoded, the text goes through the stop strings, and max_tokens ends it with "length".
     * Returns the new text to stream (possibly empty).
     */
    String accept(Sampler.Sample s, RuntimeContext ctx) {
        int id = s.token();
        sampled++;
        if (logprobs != null) {
            logprobs.add(ctx.logprob(s));
        }
        SamplingParams p = request.params;
        if ((!p.ignoreEos() && ctx.isEos(id)) || p.stopTokenIds().contains(id)) {
            finishReason = "stop";
            return finishText();
        }
        if (length == tokens.length) {
            tokens = Arrays.copyOf(tokens, Math.min(promptLen + maxNew + 1, tokens.length * 2 + 1));
        }
        tokens[length++] = id;
        String delta = ctx.keepInText(id, p) ? decoder.add(id) : "";
        if (grammar != null) {
            grammar.accept(id, delta);
        }
        String out;
        if (sampled <= p.minTokens()) {
            out = delta; // vLLM checks stop strings only once min_tokens are out
        } else {
            out = stop.add(delta);
            if (stop.stopped()) {
                text.append(out);
                finishReason = "stop";
                return out;
            }
        }
        text.append(out);
        if (sampled >= maxNew) {
            finishReason = "length";
            return out + finishText();
        }
        return out;
    }

    /** At the end: whatever the decoder and the stop matcher still hold. */
    private String finishText() {
        String rest = stop.add(decoder.flush());
        rest = stop.stopped() ? rest : rest + stop.flush();
        text.append(rest);
        return rest;
    }

    String text() {
        return text.toString();
    }

    /** Gives its blocks and slot back; the sequence recomputes from its first token if it runs again. */
    void freeCache(KvCacheManager manager) {
        if (table != null) {
            manager.free(table);
            table = null;
        }
        numComputed = 0;
    }

    /** What the sequence needs from the engine while accepting a token. */
    interface RuntimeContext {
        boolean isEos(int id);

        /** False for special ids that skip_special_tokens drops (never for the tool-call and think tags). */
        boolean keepInText(int id, SamplingParams p);

        TokenLogprob logprob(Sampler.Sample s);
    }
}
