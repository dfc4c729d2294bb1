package io.lingspark.engine.structured;

import io.lingspark.engine.runtime.ErrorCode;
import io.lingspark.engine.runtime.LingException;
import io.lingspark.engine.tokenizer.Tokenizer;
import java.util.LinkedHashMap;
import java.util.Map;
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
    /** Distinct constraints kept (each holds its DFA and the masks of the states it visited). */
    public static final int CAPACITY = 64;

    private final Supplier<TokenVocabulary> vocabFactory;
    private volatile TokenVocabulary vocab;
    private final Map<String, CompletableFuture<TokenGrammar>> compiled = new LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, CompletableFuture<TokenGrammar>> e) {
            return size() > CAPACITY;
        }
    };

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

    /** The compiled grammar of spec; LingException INVALID_PARAMS when it does not compile. */
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
                f.complete(compile(vocabulary(), spec));
            } catch (RuntimeException e) {
                f.completeExceptionally(e);
            }
        }
        try {
            return f.join();
        } catch (CompletionException e) {
            if (e.getCause() instanceof LingException le) {
                throw le;
            }
            throw new LingException(ErrorCode.INVALID_PARAMS, spec.kind().name().toLowerCase()
                + ": the constraint does not compile: " + e.getCause().getMessage());
        }
    }

    /** Compiles without caching, every mask computed (benchmarks time this). */
    public static TokenGrammar compile(TokenVocabulary vocab, StructuredOutput spec) {
        long t0 = System.nanoTime();
        TokenGrammar g = new TokenGrammar(vocab, GrammarCompiler.compile(spec)).precompute();
        return g.withCompileMs((System.nanoTime() - t0) / 1e6);
    }
}
