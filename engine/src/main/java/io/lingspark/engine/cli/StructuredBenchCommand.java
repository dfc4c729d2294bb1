package io.lingspark.engine.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.lingspark.engine.command.EngineOptionsMixin;
import io.lingspark.engine.command.ExitCodes;
import io.lingspark.engine.config.LingConfig;
import io.lingspark.engine.runtime.EngineOptions;
import io.lingspark.engine.runtime.GenerationRequest;
import io.lingspark.engine.runtime.GenerationResult;
import io.lingspark.engine.runtime.LingEngine;
import io.lingspark.engine.runtime.LogitMask;
import io.lingspark.engine.runtime.Sampler;
import io.lingspark.engine.runtime.SamplingParams;
import io.lingspark.engine.structured.GrammarCompiler;
import io.lingspark.engine.structured.StructuredOutput;
import io.lingspark.engine.structured.TokenGrammar;
import io.lingspark.engine.structured.TokenVocabulary;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code lingspark bench-structured}: what structured output costs. (1) Compile time of typical
 * constraints (a 15-field extraction schema, the same with maxLength on its strings, a label choice, an
 * email regex, any JSON object), median
 * of --compiles fresh compilations over a Ling-sized vocabulary: the automaton, then the byte DFA with
 * every mask computed (what an engine does once per distinct constraint). (2) Mask time per token: random walks
 * through each grammar (each step picks an allowed token at random, as a model would), timing what the
 * sampler pays per constrained row and step: the state's mask (a lookup once precomputed) and a greedy
 * choice under it on a [V] logits row (the row masked, or for a narrow constraint its candidates only),
 * next to the same greedy choice without a constraint; median and p99 over all steps. (3) End to end: --requests sampled requests on the bench preset's
 * random checkpoint, without and with the schema, generated tokens per second. Prints JSON.
 */
@Command(name = "bench-structured", mixinStandardHelpOptions = true,
    description = "Measure structured output: constraint compile time, mask time per token, tokens/s with and without; prints JSON.")
public final class StructuredBenchCommand implements Callable<Integer> {
    /** A typical extraction schema: nested object, enums, integer ranges, a date, arrays, optional and nullable fields. */
    static final String SCHEMA = """
        {"type": "object", "additionalProperties": false,
         "required": ["id", "label", "score", "language", "date", "author", "tags", "rating", "verified", "summary",
                      "entities", "priority", "sentiment", "year", "contact"],
         "properties": {
          "id": {"type": "integer", "minimum": 1, "maximum": 999999},
          "label": {"type": "string", "enum": ["positive", "negative", "neutral", "mixed"]},
          "score": {"type": "number"},
          "language": {"type": "string", "enum": ["en", "zh", "fr", "de", "es", "ja"]},
          "date": {"type": "string", "format": "date"},
          "author": {"type": "object", "additionalProperties": false, "required": ["name", "age"],
                     "properties": {"name": {"type": "string", "maxLength": 40}, "age": {"type": ["integer", "null"], "minimum": 0, "maximum": 150}}},
          "tags": {"type": "array", "items": {"type": "string", "maxLength": 20}, "minItems": 1, "maxItems": 5},
          "rating": {"type": "integer", "minimum": 1, "maximum": 5},
          "verified": {"type": "boolean"},
          "summary": {"type": "string", "maxLength": 200},
          "entities": {"type": "array", "maxItems": 8, "items": {"type": "object", "additionalProperties": false,
                       "required": ["text", "kind"], "properties": {"text": {"type": "string", "maxLength": 40},
                       "kind": {"type": "string", "enum": ["person", "place", "organization", "product"]}}}},
          "priority": {"anyOf": [{"type": "integer", "minimum": 0, "maximum": 10}, {"type": "null"}]},
          "sentiment": {"type": "string", "enum": ["very negative", "negative", "neutral", "positive", "very positive"]},
          "year": {"type": "integer", "minimum": 1900, "maximum": 2100},
          "contact": {"type": "string", "format": "email"}
         }}""";

    @Option(names = "--vocab-size", defaultValue = "157184", description = "synthetic vocabulary size (Ling's)")
    int vocabSize;

    @Option(names = "--walks", defaultValue = "100", description = "random walks per constraint")
    int walks;

    @Option(names = "--steps", defaultValue = "200", description = "most steps per walk")
    int steps;

    @Option(names = "--compiles", defaultValue = "5", description = "compilations timed per constraint")
    int compiles;

    @Option(names = "--preset", defaultValue = "bench-small", completionCandidates = BenchCommand.PresetNames.class,
        description = "end-to-end model shape: ${COMPLETION-CANDIDATES}")
    String preset;

    @Option(names = "--dir", description = "where the preset's random checkpoint is written once (default: <tmp>/lingspark-bench-<preset>)")
    Path dir;

    @Option(names = "--requests", defaultValue = "16", description = "end-to-end requests (0: skip end to end)")
    int requests;

    @Option(names = "--max-tokens", defaultValue = "160")
    int maxTokens;

    @Option(names = "--sides", defaultValue = "free,schema,free,schema", split = ",",
        description = "end-to-end runs in this order, each free (no constraint) or schema")
    List<String> sides;

    @Option(names = "--skip-masks", description = "only the end-to-end part (for side-by-side runs in fresh JVMs)")
    boolean skipMasks;

    @Mixin
    EngineOptionsMixin engine = new EngineOptionsMixin();

    /** The same schema without maxLength bounds (OpenAI strict mode has none): string contents are loops. */
    static final String SCHEMA_UNBOUNDED = SCHEMA.replaceAll(", \"maxLength\": \\d+", "");

    static List<StructuredOutput> constraints() {
        return List.of(StructuredOutput.jsonSchema(SCHEMA_UNBOUNDED), StructuredOutput.jsonSchema(SCHEMA),
            StructuredOutput.choice(List.of("positive", "negative", "neutral", "mixed", "not applicable")),
            StructuredOutput.regex("[a-z0-9._]{1,20}@[a-z0-9]{1,12}\\.(com|org|net)"),
            StructuredOutput.jsonObject());
    }

    private static final SamplingParams GREEDY = SamplingParams.builder().temperature(0).build();
    private static final int[] NONE = new int[0];

    @Override
    public Integer call() {
        return ExitCodes.run("bench-structured", System.err, this::execute);
    }

    private int execute() {
        EngineOptionsMixin.usage(vocabSize >= 512 && walks >= 1 && steps >= 1 && compiles >= 1 && requests >= 0,
            "--vocab-size must be >= 512; --walks, --steps, --compiles >= 1; --requests >= 0");
        ObjectMapper json = new ObjectMapper();
        ObjectNode out = json.createObjectNode();
        int[] eos = {vocabSize - 1};
        if (skipMasks) {
            out.set("end_to_end", endToEnd(json));
            out.put("machine", Machine.describe());
            System.out.println(out);
            return 0;
        }
        long t0 = System.nanoTime();
        TokenVocabulary vocab = new TokenVocabulary(SyntheticVocabulary.generate(vocabSize, eos, 11), eos);
        out.put("vocab_size", vocabSize);
        out.put("vocab", "synthetic byte-level (see SyntheticVocabulary)");
        out.put("vocab_index_ms", round((System.nanoTime() - t0) / 1e6, 1));
        out.put("trie_nodes", vocab.nodes());
        warmUp(vocab);
        ArrayNode cs = out.putArray("constraints");
        for (StructuredOutput so : constraints()) {
            cs.add(measure(json, vocab, so));
        }
        if (requests > 0) {
            out.set("end_to_end", endToEnd(json));
        }
        out.put("machine", Machine.describe());
        System.out.println(out);
        return 0;
    }

    /** The JIT compiles the mask path before anything is timed (random masks of every density). */
    private static void warmUp(TokenVocabulary vocab) {
        SplittableRandom r = new SplittableRandom(1);
        float[] l = new float[vocab.vocabSize()];
        long[] m = new long[(vocab.vocabSize() + 63) / 64];
        Sampler.Scratch scratch = new Sampler.Scratch();
        for (int i = 0; i < 3000; i++) {
            if (i % 10 == 9) { // narrow: a handful of ids
                Arrays.fill(m, 0);
                for (int k = 0; k < 1 + i % 50; k++) {
                    int id = r.nextInt(vocab.vocabSize());
                    m[id >>> 6] |= 1L << id;
                }
                Sampler.sample(l, 0, l.length, new Sampler.Row(GREEDY, 1, 0, NONE, NONE, 0, 0, m), scratch);
                continue;
            }
            double density = r.nextDouble();
            for (int w = 0; w < m.length; w++) {
                long bits = 0;
                for (int b = 0; b < 64; b++) {
                    bits |= r.nextDouble() < density ? 1L << b : 0;
                }
                m[w] = i % 3 == 0 ? bits : i % 3 == 1 ? (density < 0.5 ? 0 : -1L) : bits & -(w & 1L);
            }
            LogitMask.apply(l, 0, l.length, m);
            Sampler.sample(l, 0, l.length, new Sampler.Row(GREEDY, 1, 0, NONE, NONE, 0, 0, m), scratch);
            Sampler.sample(l, 0, l.length, new Sampler.Row(GREEDY, 1, 0, NONE, NONE, 0, 0), scratch);
        }
    }

    private ObjectNode measure(ObjectMapper json, TokenVocabulary vocab, StructuredOutput so) {
        double[] compile = new double[compiles];
        double[] automaton = new double[compiles];
        TokenGrammar g = null;
        for (int i = 0; i < compiles; i++) {
            long t = System.nanoTime();
            org.apache.lucene.util.automaton.Automaton a = GrammarCompiler.compile(so);
            automaton[i] = (System.nanoTime() - t) / 1e6;
            g = new TokenGrammar(vocab, a).precompute();
            compile[i] = (System.nanoTime() - t) / 1e6;
        }
        float[] row = new float[vocab.vocabSize()];
        float[] logits = new float[vocab.vocabSize()];
        SplittableRandom r = new SplittableRandom(5);
        for (int i = 0; i < row.length; i++) {
            row[i] = (float) r.nextGaussian();
        }
        List<Double> all = new ArrayList<>();
        List<Double> free = new ArrayList<>();
        Sampler.Scratch scratch = new Sampler.Scratch();
        int[] allowed = new int[vocab.vocabSize()];
        for (int w = 0; w < walks; w++) {
            int state = g.start();
            for (int s = 0; s < steps; s++) {
                System.arraycopy(row, 0, logits, 0, row.length);
                long t = System.nanoTime();
                long[] m = g.mask(state);
                Sampler.sample(logits, 0, logits.length, new Sampler.Row(GREEDY, 1, s, NONE, NONE, 0, 0, m), scratch);
                double us = (System.nanoTime() - t) / 1e3;
                all.add(us);
                System.arraycopy(row, 0, logits, 0, row.length);
                t = System.nanoTime();
                Sampler.sample(logits, 0, logits.length, new Sampler.Row(GREEDY, 1, s, NONE, NONE, 0, 0), scratch);
                free.add((System.nanoTime() - t) / 1e3);
                int n = 0;
                for (int id = 0; id < vocab.vocabSize(); id++) {
                    if ((m[id >>> 6] >>> id & 1) != 0) {
                        allowed[n++] = id;
                    }
                }
                int id = allowed[r.nextInt(n)];
                if (vocab.bytes(id) == null) {
                    break; // end of sequence: the answer is complete
                }
                state = g.stepToken(state, id);
            }
        }
        ObjectNode o = json.createObjectNode();
        o.put("kind", so.kind().name().toLowerCase() + (so.jsonSchema() != null && so.jsonSchema().contains("maxLength")
            ? " (bounded strings)" : ""));
        o.put("compile_ms_median", round(median(compile), 2));
        o.put("automaton_ms_median", round(median(automaton), 2));
        o.put("masks_ms_median", round(median(compile) - median(automaton), 2));
        o.put("dfa_states", g.states());
        o.put("mask_classes", g.maskClasses());
        o.put("steps", all.size());
        // What the sampler pays per token (greedy): the mask and the choice under it, against the same
        // choice without a constraint on the same row.
        o.put("sample_us_median", round(quantile(all, 0.5), 2));
        o.put("sample_us_p99", round(quantile(all, 0.99), 2));
        o.put("unconstrained_sample_us_median", round(quantile(free, 0.5), 2));
        o.put("unconstrained_sample_us_p99", round(quantile(free, 0.99), 2));
        return o;
    }

    private ObjectNode endToEnd(ObjectMapper json) {
        Path d = dir != null ? dir : Path.of(System.getProperty("java.io.tmpdir"), "lingspark-bench-" + preset);
        LingConfig config = PrefixBenchCommand.checkpoint(d, preset);
        EngineOptions o = engine.options(d);
        ObjectNode e2e = json.createObjectNode();
        e2e.put("preset", preset);
        e2e.put("requests", requests);
        e2e.put("max_tokens", maxTokens);
        try (LingEngine e = LingEngine.open(o)) {
            run(e, config, null, Math.min(4, requests), 8); // JIT warm-up
            for (String side : sides) {
                EngineOptionsMixin.usage(side.equals("free") || side.equals("schema"), "--sides takes free and schema");
                StructuredOutput so = side.equals("free") ? null : StructuredOutput.jsonSchema(SCHEMA_UNBOUNDED);
                long t = System.nanoTime();
                long tokens = run(e, config, so, requests, maxTokens);
                double s = (System.nanoTime() - t) / 1e9;
                String key = so == null ? "free" : "schema";
                ArrayNode a = e2e.has(key) ? (ArrayNode) e2e.get(key) : e2e.putArray(key);
                ObjectNode one = a.addObject();
                one.put("generated_tokens", tokens);
                one.put("wall_s", round(s, 3));
                one.put("tokens_per_s", round(tokens / s, 1));
            }
            e2e.put("backend", e.memoryPlan().toString());
        }
        return e2e;
    }

    /** Generated tokens of n sampled requests (free ones run to max_tokens; constrained ones end with their answer). */
    private static long run(LingEngine e, LingConfig config, StructuredOutput so, int n, int maxTokens) {
        SplittableRandom r = new SplittableRandom(17);
        List<CompletableFuture<GenerationResult>> fs = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            SamplingParams p = SamplingParams.builder().temperature(1).seed((long) i).maxTokens(maxTokens)
                .ignoreEos(so == null).structuredOutput(so).build();
            fs.add(e.submit(GenerationRequest.ofIds("r" + i, r.ints(64, 10, Math.min(600, config.vocabSize)).toArray(), p)));
        }
        long tokens = 0;
        for (CompletableFuture<GenerationResult> f : fs) {
            GenerationResult g = f.join();
            if (!g.ok()) {
                throw new IllegalStateException(g.errorCode() + ": " + g.errorMessage());
            }
            tokens += g.completionTokens();
        }
        return tokens;
    }

    private static double median(double[] v) {
        double[] c = v.clone();
        Arrays.sort(c);
        return c[c.length / 2];
    }

    private static double quantile(List<Double> v, double q) {
        if (v.isEmpty()) {
            return 0;
        }
        double[] c = v.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        return c[Math.min(c.length - 1, (int) Math.floor(q * (c.length - 1) + 0.5))];
    }

    private static double round(double v, int digits) {
        double f = Math.pow(10, digits);
        return Math.round(v * f) / f;
    }
}
