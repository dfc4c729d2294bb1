package io.lingspark.engine.runtime;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.lingspark.engine.backend.Backend;
import io.lingspark.engine.chat.ChatTemplate;
import io.lingspark.engine.chat.JinjaChatTemplate;
import io.lingspark.engine.config.LingConfig;
import io.lingspark.engine.model.CausalLm;
import io.lingspark.engine.model.HeapCheck;
import io.lingspark.engine.model.ModelFactory;
import io.lingspark.engine.structured.GrammarCache;
import io.lingspark.engine.structured.GrammarState;
import io.lingspark.engine.structured.TokenGrammar;
import io.lingspark.engine.tokenizer.HfTokenizer;
import io.lingspark.engine.tokenizer.Tokenizer;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import java.util.logging.Logger;

/**
 * The {@link Engine}: validation and prompt building on the caller's thread ({@link PromptBuilder}),
 * continuous batching on one scheduler thread ({@link Scheduler}) that hands each step to the model
 * runner ({@link LocalModelRunner}) and asks the one {@link KvCacheManager} for blocks, per-choice
 * state in {@link Sequence}, result assembly (reasoning split, tool calls) in {@link GenerationState}.
 */
public final class LingEngine implements Engine {
    private static final Logger LOG = Logger.getLogger(LingEngine.class.getName());
    /** Tags the tool and reasoning parsers need even when skip_special_tokens drops special ids. */
    private static final List<String> PARSER_TAGS = List.of("<tool_call>", "</tool_call>", "<tool_response>",
        "</tool_response>", "<think>", "</think>");

    private final Path dir;
    private final LingConfig config;
    private final Tokenizer tokenizer;
    private final ChatTemplate template;
    private final AutoCloseable model;       // what the runner runs (a model, or a pipeline's stages), closed last
    private final MemoryPlan plan;
    private final ModelRunner runner;
    private final KvCacheManager cache;
    private final PrefixCache prefix;
    private final PromptBuilder prompts;
    private final ScoringInputs scoring;
    private final Scheduler scheduler;
    private final Set<Integer> keepIds = new HashSet<>();
    private final GrammarCache grammars;
    private final Map<GenerationRequest, GenerationState> inFlight = Collections.synchronizedMap(new IdentityHashMap<>());
    private final double loadSeconds;
    private final String revision;
    private final AtomicLong promptTokens = new AtomicLong();
    private final AtomicLong order = new AtomicLong();
    private volatile boolean closed;

    /**
     * Loads the model on the device the options name, sizes the cache from the backend's one memory
     * setting (--kv-cache-memory on the CPU, --gpu-memory-utilization on a GPU) and starts the scheduler.
     */
    public static LingEngine open(EngineOptions o) {
        return open(o, RunnerFactory.LOCAL);
    }

    /** Builds the model runner (and what it runs) for an engine: the whole model here, or a pipeline. */
    public interface RunnerFactory {
        /** The local runner: the whole model on the options' device. */
        RunnerFactory LOCAL = (o, config) -> {
            Backend be = Backends.open(o);
            CausalLm model;
            try {
                MemoryPlan.checkFits(config, be, o.maxBatchTokens());
                model = ModelFactory.open(o.modelDir(), be);
            } catch (RuntimeException e) {
                be.close();
                throw e;
            }
            try {
                ModelRunner r = new LocalModelRunner(model, MemoryPlan.forModel(model, o.maxBatchTokens(), o.stateSlots()),
                    o.cpuThreads());
                return new Loaded(r, model, be.name());
            } catch (RuntimeException e) {
                model.close();
                throw e;
            }
        };

        Loaded open(EngineOptions o, LingConfig config);
    }

    /**
     * A runner and what it runs: owner is closed after the runner (the model and its backend, or a
     * pipeline's stages); where says where it runs, for the log.
     */
    public record Loaded(ModelRunner runner, AutoCloseable owner, String where) {
    }

    /**
     * Loads the model with the factory's runner, sizes the cache from the backend's one memory setting
     * (--kv-cache-memory on the CPU, --gpu-memory-utilization on a GPU) and starts the scheduler.
     */
    public static LingEngine open(EngineOptions o, RunnerFactory factory) {
        long t0 = System.nanoTime();
        Path dir = o.modelDir();
        LingConfig config = LingConfig.fromDirectory(dir);
        Tokenizer tok = HeapCheck.whileLoading(dir.resolve("tokenizer.json").toString(), () -> HfTokenizer.load(dir, config.vocabSize));
        ChatTemplate template = JinjaChatTemplate.load(dir);
        Loaded loaded = HeapCheck.whileLoading("the model in " + dir, () -> factory.open(o, config));
        double secs = (System.nanoTime() - t0) / 1e9;
        LOG.info(String.format("loaded %s (%s) on %s in %.2f s", dir.getFileName(), config.architecture, loaded.where(), secs));
        try {
            return new LingEngine(o, config, tok, template, loaded.runner(), loaded.owner(), secs);
        } catch (RuntimeException e) {
            loaded.runner().close();
            closeQuietly(loaded.owner());
            throw e;
        }
    }

    /** An engine over a loaded whole model (tests inject a model here). */
    LingEngine(EngineOptions o, LingConfig config, Tokenizer tokenizer, ChatTemplate template, CausalLm model,
               double loadSeconds) {
        this(o, config, tokenizer, template,
            new LocalModelRunner(model, MemoryPlan.forModel(model, o.maxBatchTokens(), o.stateSlots()), o.cpuThreads()),
            model, loadSeconds);
    }

    LingEngine(EngineOptions o, LingConfig config, Tokenizer tokenizer, ChatTemplate template, ModelRunner runner,
               AutoCloseable model, double loadSeconds) {
        this.dir = o.modelDir();
        this.config = config;
        this.tokenizer = tokenizer;
        this.template = template;
        this.model = model;
        this.loadSeconds = loadSeconds;
        this.runner = runner;
        this.plan = runner.plan();
        int ctx = o.maxModelLen() > 0 ? Math.min(o.maxModelLen(), config.maxPositionEmbeddings) : config.maxPositionEmbeddings;
        if (plan.kvTokens() < ctx) {
            LOG.warning(String.format("the cache holds %d tokens (%s): the context is clipped from %d to %d tokens",
                plan.kvTokens(), plan, ctx, plan.kvTokens()));
            ctx = (int) plan.kvTokens();
        }
        // Hybrid models: with prefix caching, the state slots beyond one per running sequence hold prefix
        // snapshots (their own budget); a memory plan with no slots to spare caches no hybrid prefixes.
        int snapshots = o.prefixCaching()
            ? Math.min(EngineOptions.PREFIX_STATE_SNAPSHOTS, Math.max(0, plan.slots() - o.maxRunning())) : 0;
        this.cache = new KvCacheManager(plan.kvBlocks(), plan.blockSize(), plan.slots() - snapshots);
        this.prefix = new PrefixCache(cache, o.prefixCaching(), plan.slots() > 0, plan.slots() - snapshots, snapshots);
        if (o.prefixCaching() && !prefix.enabled()) {
            LOG.info("prefix caching is off: the memory plan leaves no state slots for prefix snapshots beyond the "
                + o.maxRunning() + " running sequences (" + plan + ")");
        }
        this.prompts = new PromptBuilder(tokenizer, template, config.vocabSize, ctx);
        this.scoring = new ScoringInputs(prompts, tokenizer, config.vocabSize, ctx, ScoringInputs.prefixToken(dir, tokenizer, config));
        for (String t : PARSER_TAGS) {
            tokenizer.tokenId(t).ifPresent(keepIds::add);
        }
        this.revision = revisionOf(dir);
        this.grammars = new GrammarCache(tokenizer, config.vocabSize, config.eosTokenIds);
        LOG.info("memory: " + plan);
        this.scheduler = new Scheduler(runner, cache, prefix, new Context(), o.maxBatchTokens(), o.maxRunning(), ctx);
        scheduler.start();
    }

    static void closeQuietly(AutoCloseable c) {
        try {
            c.close();
        } catch (Exception e) {
            LOG.warning("closing failed: " + e);
        }
    }

    @Override
    public CompletableFuture<GenerationResult> submit(GenerationRequest request) {
        return submit(request, null);
    }

    @Override
    public CompletableFuture<GenerationResult> submit(GenerationRequest request, StreamListener listener) {
        long t0 = System.nanoTime();
        String id = request == null ? null : request.id();
        if (closed) {
            return CompletableFuture.completedFuture(GenerationResult.error(id, ErrorCode.CANCELLED, "the engine is closed", 0));
        }
        try {
            SamplingParams p = request == null ? SamplingParams.DEFAULT : request.params().validate();
            PromptBuilder.Prompt prompt = prompts.build(request);
            int maxNew = Math.min(p.maxTokens(), prompts.contextLen() - prompt.ids().length);
            GenerationState r = new GenerationState(id, p, prompt.ids(), prompt.startsInReasoning(), listener, t0);
            long seed = p.seed() != null ? p.seed() : ThreadLocalRandom.current().nextLong();
            int[] blocked = blockedIds(p);
            TokenGrammar grammar = p.structuredOutput() == null ? null : grammar(p.structuredOutput());
            for (int i = 0; i < p.n(); i++) {
                GrammarState g = grammar == null ? null
                    : new GrammarState(grammar, prompt.startsInReasoning());
                r.choices.add(new Sequence(r, i, order.getAndIncrement(), prompt.ids(), maxNew, Sampler.choiceSeed(seed, i),
                    blocked, tokenizer.newIncrementalDecoder(false), g));
            }
            promptTokens.addAndGet(prompt.ids().length);
            if (request != null) {
                inFlight.put(request, r);
                r.future.whenComplete((res, err) -> inFlight.remove(request));
            }
            scheduler.submit(r);
            return r.future;
        } catch (LingException e) {
            return CompletableFuture.completedFuture(GenerationResult.error(id, e.code(), e.getMessage(), RequestState.ms(System.nanoTime() - t0)));
        } catch (RuntimeException e) {
            return CompletableFuture.completedFuture(GenerationResult.error(id, ErrorCode.ENGINE_ERROR,
                "could not accept the request: " + e, RequestState.ms(System.nanoTime() - t0)));
        }
    }

    @Override
    public CompletableFuture<ScoringResult> score(ScoringRequest request) {
        long t0 = System.nanoTime();
        String id = request == null ? null : request.id();
        return enqueue(t0, (code, msg, ms) -> ScoringResult.error(id, code, msg, ms),
            () -> ScoringState.loglikelihood(id, scoring.build(request), request.perTokenLogprobs(), t0, order::getAndIncrement));
    }

    @Override
    public CompletableFuture<RollingResult> scoreRolling(RollingRequest request) {
        long t0 = System.nanoTime();
        String id = request == null ? null : request.id();
        return enqueue(t0, (code, msg, ms) -> RollingResult.error(id, code, msg, ms),
            () -> ScoringState.rolling(id, scoring.windows(request), request.perTokenLogprobs(), t0, order::getAndIncrement));
    }

    /** Builds a scoring request's state (typed errors become results) and hands it to the scheduler. */
    private <R> CompletableFuture<R> enqueue(long t0, ScoringState.Errors<R> error,
                                             Supplier<ScoringState<R>> build) {
        if (closed) {
            return CompletableFuture.completedFuture(error.of(ErrorCode.CANCELLED, "the engine is closed", 0));
        }
        try {
            ScoringState<R> st = build.get();
            promptTokens.addAndGet(st.choices.stream().mapToLong(Sequence::totalLength).sum());
            scheduler.submit(st);
            return st.future;
        } catch (LingException e) {
            return CompletableFuture.completedFuture(error.of(e.code(), e.getMessage(), RequestState.ms(System.nanoTime() - t0)));
        } catch (RuntimeException e) {
            return CompletableFuture.completedFuture(error.of(ErrorCode.ENGINE_ERROR, "could not accept the request: " + e,
                RequestState.ms(System.nanoTime() - t0)));
        }
    }

    /** The compiled constraint (compiled once per distinct one); INVALID_PARAMS naming what does not compile. */
    private TokenGrammar grammar(io.lingspark.engine.structured.StructuredOutput so) {
        try {
            return grammars.get(so);
        } catch (io.lingspark.engine.structured.ConstraintException e) {
            throw new LingException(ErrorCode.INVALID_PARAMS, e.getMessage());
        }
    }

    /** Ids min_tokens keeps out: eos (unless ignore_eos) and stop_token_ids. */
    private int[] blockedIds(SamplingParams p) {
        List<Integer> ids = new ArrayList<>(p.stopTokenIds());
        if (!p.ignoreEos()) {
            for (int e : config.eosTokenIds) {
                ids.add(e);
            }
        }
        return ids.stream().mapToInt(Integer::intValue).toArray();
    }

    @Override
    public boolean abort(GenerationRequest request) {
        GenerationState r = request == null ? null : inFlight.get(request);
        if (r == null || r.future.isDone()) {
            return false;
        }
        r.fail(ErrorCode.CANCELLED, "the request was aborted");
        scheduler.wake();
        return true;
    }

    @Override
    public int countPromptTokens(GenerationRequest request) {
        return prompts.build(request).ids().length;
    }

    @Override
    public Tokenizer tokenizer() {
        return tokenizer;
    }

    @Override
    public ChatTemplate chatTemplate() {
        return template;
    }

    @Override
    public LingConfig config() {
        return config;
    }

    @Override
    public String modelName() {
        try {
            JsonNode c = new ObjectMapper().readTree(dir.resolve("config.json").toFile());
            String n = c.path("_name_or_path").asText("");
            if (!n.isBlank()) {
                return n;
            }
        } catch (IOException | RuntimeException e) {
            // fall back to the directory name
        }
        Path name = dir.toAbsolutePath().normalize().getFileName();
        return name == null ? dir.toString() : name.toString();
    }

    @Override
    public String modelRevision() {
        return revision;
    }

    /** How this engine's memory is split: weights, activation reserve, cache blocks and slots. */
    public MemoryPlan memoryPlan() {
        return plan;
    }

    /** The longest sequence (prompt + generated) this engine runs: the model's or --max-model-len, within the cache. */
    public int contextLength() {
        return prompts.contextLen();
    }

    /** The engine's compiled structured-output constraints (benchmarks and tests look inside). */
    public GrammarCache grammars() {
        return grammars;
    }

    /** The cache's bookkeeping (tests look at evictions). */
    KvCacheManager cacheManager() {
        return cache;
    }

    /** How often a sequence was preempted (its cache dropped for recomputation) since start. */
    public long preemptions() {
        return scheduler.preemptions.get();
    }

    @Override
    public EngineStats stats() {
        return new EngineStats(promptTokens.get(), scheduler.generated.get(), scheduler.steps.get(),
            scheduler.finishedRequests.get(), scheduler.runningCount, scheduler.waitingCount, loadSeconds,
            scheduler.usedBlocks, cache.totalBlocks(), scheduler.preemptions.get(), scheduler.aborted.get(),
            prefix.promptTokens, prefix.cachedPromptTokens, scheduler.prefillTokens.get());
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        scheduler.close();
        runner.close();
        closeQuietly(model);
    }

    /**
     * First 12 hex digits of SHA-256 over config.json and the safetensors index (or, for a single-file
     * checkpoint, the safetensors header, which lists every tensor's dtype, shape and offsets).
     */
    static String revisionOf(Path dir) {
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            md.update(Files.readAllBytes(dir.resolve("config.json")));
            Path index = dir.resolve("model.safetensors.index.json");
            Path single = dir.resolve("model.safetensors");
            if (Files.exists(index)) {
                md.update(Files.readAllBytes(index));
            } else if (Files.exists(single)) {
                md.update(safetensorsHeader(single));
            }
            return HexFormat.of().formatHex(md.digest()).substring(0, 12);
        } catch (IOException | NoSuchAlgorithmException e) {
            return "unknown";
        }
    }

    private static byte[] safetensorsHeader(Path f) throws IOException {
        try (InputStream in = Files.newInputStream(f)) {
            byte[] len = in.readNBytes(8);
            long n = len.length == 8 ? ByteBuffer.wrap(len).order(ByteOrder.LITTLE_ENDIAN).getLong() : 0;
            return in.readNBytes((int) Math.max(0, Math.min(n, 100L << 20)));
        }
    }

    /** What sequences ask of the engine while accepting tokens. */
    private final class Context implements Sequence.RuntimeContext {
        @Override
        public boolean isEos(int id) {
            return config.isEos(id);
        }

        @Override
        public boolean keepInText(int id, SamplingParams p) {
            return !p.skipSpecialTokens() || !tokenizer.isSpecial(id) || keepIds.contains(id);
        }

        @Override
        public TokenLogprob logprob(Sampler.Sample s) {
            List<TokenLogprob.Top> top = new ArrayList<>();
            for (int i = 0; i < s.topIds().length; i++) {
                top.add(new TokenLogprob.Top(s.topIds()[i], text(s.topIds()[i]), s.topLogprobs()[i]));
            }
            return new TokenLogprob(s.token(), text(s.token()), s.logprob(), List.copyOf(top));
        }

        private String text(int id) {
            return tokenizer.decode(new int[] {id}, false);
        }
    }
}
