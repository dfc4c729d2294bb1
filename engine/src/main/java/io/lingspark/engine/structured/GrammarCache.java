package io.lingspark.engine.structured;

import io.lingspark.engine.tokenizer.Tokenizer;
import java.util.LinkedHashMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.function.Supplier;

/**
 * An engine's compiled constraints, one per distinct {@link StructuredOutput#key()}, least recently used
 * dropped past {@link #CAPACITY}. A dataset whose 100,000 rows share one schema compiles it once; a bad
 * schema fails once, and every row that carries it gets the same INVALID_PARAMS error. Concurrent
 * requests for the same key wait for one compilation. The vocabulary index is built on first use, so an
 * engine that never sees a constraint never pays for it.
 */
public final class GrammarCache {
    /** Distinct constraints kept (each holds its DFA and a mask per class of states). */
    public static final int CAPACITY = 64;
    /** Mask memory kept over all constraints (a mask is V / 8 bytes: 19.6 KB on Ling's vocabulary). */
    public static final long MASK_BUDGET_BYTES = 512L << 20;

    private final Supplier<TokenVocabulary> vocabFactory;
    private volatile TokenVocabulary vocab;
    private final LinkedHashMap<String, CompletableFuture<TokenGrammar>> compiled = new LinkedHashMap<>(16, 0.75f, true);

    public GrammarCache(Tokenizer tokenizer, int vocabSize, int[] eosIds) {
        this.vocabFactory = () -> new TokenVocabulary(tokenizer, vocabSize, eosIds);
    }

    public TokenVocabulary vocabulary() {
        TokenVocabulary v = vocab;
        if (v == null) {
            synchronized (this) {
                if (vocab == null) {
                    vocab = vocabFactory.get();
                }
                v = vocab;
            }
        }
        return v;
    }

    /** The compiled grammar of spec; ConstraintException when it does not compile. */
    public TokenGrammar get(StructuredOutput spec) {
        spec.validate();
        CompletableFuture<TokenGrammar> f;
        boolean mine = false;
        synchronized (compiled) {
            f = compiled.get(spec.key());
            if (f == null) {
                f = new CompletableFuture<>();
                compiled.put(spec.key(), f);
                mine = true;
            }
        }
        if (mine) {
            try {
                TokenGrammar g = compile(vocabulary(), spec);
                // Every mask in the background: the first rows do not wait for it (a class not yet there is
                // computed when asked for), and the steady state is one lookup per step.
                CompletableFuture.runAsync(g::precompute);
                f.complete(g);
                evict();
            } catch (RuntimeException e) {
                f.completeExceptionally(e);
            }
        }
        try {
            return f.join();
        } catch (CompletionException e) {
            if (e.getCause() instanceof ConstraintException ce) {
                throw ce;
            }
            throw new ConstraintException(spec.kind().name().toLowerCase()
                + ": the constraint does not compile: " + e.getCause().getMessage());
        }
    }

    /** Drops the least recently used constraints past CAPACITY or past the mask budget (never the newest). */
    private void evict() {
        synchronized (compiled) {
            long bytes = 0;
            for (CompletableFuture<TokenGrammar> f : compiled.values()) {
                bytes += f.isDone() && !f.isCompletedExceptionally() ? f.join().maskBytes() : 0;
            }
            var it = compiled.entrySet().iterator();
            while (compiled.size() > 1 && (compiled.size() > CAPACITY || bytes > MASK_BUDGET_BYTES) && it.hasNext()) {
                CompletableFuture<TokenGrammar> f = it.next().getValue();
                if (!f.isDone()) {
                    continue;
                }
                bytes -= f.isCompletedExceptionally() ? 0 : f.join().maskBytes();
                it.remove();
            }
        }
    }

    /** Compiles without caching: the automaton, the byte DFA and its mask classes; masks on demand. */
    public static TokenGrammar compile(TokenVocabulary vocab, StructuredOutput spec) {
        return new TokenGrammar(vocab, GrammarCompiler.compile(spec));
    }
}
