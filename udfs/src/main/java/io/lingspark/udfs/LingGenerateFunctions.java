package io.lingspark.udfs;

import io.lingspark.engine.runtime.CompletionChoice;
import io.lingspark.engine.runtime.Engine;
import io.lingspark.engine.runtime.ErrorCode;
import io.lingspark.engine.runtime.GenerationRequest;
import io.lingspark.engine.runtime.GenerationResult;
import io.lingspark.engine.runtime.LingException;
import io.lingspark.engine.runtime.SamplingParams;
import io.lingspark.engine.structured.StructuredOutput;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.api.java.UDF2;
import org.apache.spark.sql.api.java.UDF3;
import org.apache.spark.sql.catalyst.FunctionIdentifier;
import org.apache.spark.sql.catalyst.expressions.Expression;
import org.apache.spark.sql.catalyst.expressions.ExpressionInfo;
import org.apache.spark.sql.catalyst.expressions.Literal;
import org.apache.spark.sql.catalyst.util.CharVarcharUtils;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.NullType;
import org.apache.spark.sql.types.StringType;
import org.apache.spark.sql.types.StructType;
import scala.jdk.javaapi.CollectionConverters;

/**
 * SQL functions that run the model on the executors, under a structured-output constraint so that every
 * non-NULL result is valid data:
 * <pre>
 *   LingFunctions.registerGenerate(spark, "/models/Ling-mini-2.0", Map.of("device", "cuda"));
 *   SELECT ling_classify(review, array('positive', 'negative')) FROM reviews;
 *   SELECT ling_extract(review, 'product STRING, rating INT').rating FROM reviews;
 * </pre>
 * <ul>
 *   <li>{@code ling_classify(text, labels [, options])} → STRING: one of the labels (array&lt;string&gt; or a
 *       JSON array string), generated under a CHOICE constraint. Defaults: temperature 0, max_tokens 16.</li>
 *   <li>{@code ling_extract(text, ddl [, options])} → STRUCT of the constant DDL field list, generated under
 *       the JSON Schema {@link StructuredSchemas#jsonSchemaFromDdl} makes of it (strict: every field, nothing
 *       else) and converted by {@link StructuredSchemas#toSparkValue}. Defaults: temperature 0, max_tokens 256.</li>
 * </ul>
 * options: a map or a JSON object string with max_tokens, temperature, top_p, top_k, seed
 * ({@code map('max_tokens', 64)}, {@code '{"temperature": 0.7, "seed": 1}'}); an unknown key fails the query.
 *
 * <p>NULL text (or labels) gives NULL. An answer the constraint did not accept in full (cut by max_tokens:
 * INCOMPLETE_OUTPUT) and a prompt too long for the context give NULL for that row; other engine errors (bad
 * options, a broken model) fail the task with the engine's message.
 *
 * <p>Each row is one request on the executor's engine ({@link UdfEngines}: one per JVM, shared by its
 * tasks). A task waits for its row's answer before the next row, so an executor batches as many rows as it
 * runs tasks at once; for large tables the generate job, which keeps many requests in flight per task, is
 * faster. The functions are registered as nondeterministic so the optimizer never evaluates one twice
 * (e.g. when {@code e.label} and {@code e.score} are both read from a subquery's {@code e}).
 *
 * <p>Why a function builder: ling_extract's result type comes from its DDL argument, which a UDF registered
 * with {@code spark.udf()} (one fixed return type) cannot express. The builder runs at analysis, when the
 * arguments are known: it reads the constant DDL and returns a ScalaUDF of that struct type, made the way
 * {@code spark.udf().register} makes one. It also gives both functions their optional third argument.
 */
public final class LingGenerateFunctions {
    public static final int CLASSIFY_MAX_TOKENS = 16;
    public static final int EXTRACT_MAX_TOKENS = 256;

    private LingGenerateFunctions() {
    }

    /** engineOptions: values of any type (PySpark passes a dict's ints as Integers), read as their text. */
    public static void register(SparkSession spark, String modelDir, Map<String, ?> engineOptions) {
        Map<String, String> text = new LinkedHashMap<>();
        if (engineOptions != null) {
            engineOptions.forEach((k, v) -> text.put(String.valueOf(k), String.valueOf(v)));
        }
        UdfEngines.Spec spec = new UdfEngines.Spec(modelDir, text);
        var registry = spark.sessionState().functionRegistry();
        registry.registerFunction(FunctionIdentifier.apply("ling_classify"), CLASSIFY_INFO,
            args -> classify(spec, CollectionConverters.asJava(args)));
        registry.registerFunction(FunctionIdentifier.apply("ling_extract"), EXTRACT_INFO,
            args -> extract(spec, CollectionConverters.asJava(args)));
        registry.registerFunction(FunctionIdentifier.apply("ling_score"), LingScoreFunction.INFO,
            args -> LingScoreFunction.build(spec, CollectionConverters.asJava(args)));
    }

    static final ExpressionInfo CLASSIFY_INFO = ScalaUdfs.info(LingGenerateFunctions.class, "ling_classify", "ling_classify(text, labels[, options]) - One "
        + "of the labels (array<string>), chosen by the model under a choice constraint; NULL if the answer was cut. "
        + "options: map or JSON with max_tokens (16), temperature (0), top_p, top_k, seed.");
    static final ExpressionInfo EXTRACT_INFO = ScalaUdfs.info(LingGenerateFunctions.class, "ling_extract", "ling_extract(text, ddl[, options]) - A struct "
        + "of the constant DDL field list ('label STRING, score DOUBLE'), generated as JSON under its schema; NULL if "
        + "the answer was cut. options: map or JSON with max_tokens (256), temperature (0), top_p, top_k, seed.");


    // ---------------------------------------------------------------- builders (driver, at analysis)

    static Expression classify(UdfEngines.Spec spec, List<Expression> args) {
        checkArgs("ling_classify", args, "text, labels");
        UDF3<String, Object, Object, String> f = (text, labels, options) -> {
            if (text == null || labels == null) {
                return null;
            }
            List<String> ls = labels(labels);
            SamplingParams p = params(options, CLASSIFY_MAX_TOKENS, StructuredOutput.choice(ls));
            return generate(spec, "ling_classify", classifyPrompt(text, ls), p);
        };
        return ScalaUdfs.udf(f, DataTypes.StringType, "ling_classify", false, args.get(0), args.get(1), options(args));
    }

    static Expression extract(UdfEngines.Spec spec, List<Expression> args) {
        checkArgs("ling_extract", args, "text, ddl");
        Expression ddlArg = args.get(1);
        if (!ddlArg.foldable() || !(ddlArg.dataType() instanceof StringType) || ddlArg.eval(null) == null) {
            throw new IllegalArgumentException("ling_extract: the second argument must be a constant DDL string, "
                + "e.g. 'label STRING, score DOUBLE'");
        }
        String ddl = ddlArg.eval(null).toString(); // a UTF8String
        // All fields nullable (a misfit becomes NULL); CHAR/VARCHAR as STRING, the only string type a UDF can
        // return (their length is still the schema's maxLength, so the constraint keeps to it).
        StructType struct = (StructType) CharVarcharUtils.replaceCharVarcharWithString(
            StructuredSchemas.ddlStruct(ddl).asNullable());
        String schema = StructuredSchemas.jsonSchemaFromDdl(ddl); // refuses MAP, BINARY, ... here, at analysis
        String instructions = extractInstructions(schema);
        UDF2<String, Object, Object> f = (text, options) -> {
            if (text == null) {
                return null;
            }
            SamplingParams p = params(options, EXTRACT_MAX_TOKENS, StructuredOutput.jsonSchema(schema));
            String json = generate(spec, "ling_extract", instructions + text, p);
            return json == null ? null : StructuredSchemas.toSparkValue(json, struct);
        };
        return ScalaUdfs.udf(f, struct, "ling_extract", false, args.get(0), options(args));
    }

    private static void checkArgs(String name, List<Expression> args, String required) {
        if (args.size() < 2 || args.size() > 3) {
            throw new IllegalArgumentException(name + " takes (" + required + "[, options]), got " + args.size()
                + " argument(s)");
        }
        DataType t = args.get(0).dataType();
        if (!(t instanceof StringType) && !(t instanceof NullType)) {
            throw new IllegalArgumentException(name + ": text must be a STRING, got " + t.sql());
        }
    }

    /** The options argument, or a NULL literal standing in for it. */
    private static Expression options(List<Expression> args) {
        return args.size() == 3 ? args.get(2) : Literal.create(null, DataTypes.StringType);
    }

    // ---------------------------------------------------------------- per row (executors)

    static String classifyPrompt(String text, List<String> labels) {
        return "Classify the following text into exactly one of these labels: "
            + String.join(", ", labels.stream().map(StructuredSchemas::quote).toList())
            + ".\nAnswer with the label only.\n\nText:\n" + text;
    }

    static String extractInstructions(String schema) {
        return "Extract the following fields from the text and answer with a JSON object only, "
            + "valid against this JSON Schema (every field, with these exact names):\n" + schema + "\n\nText:\n";
    }

    /**
     * Runs one request and returns the constraint's accepted answer, or null when there is none (cut by
     * max_tokens, or the prompt does not fit). Other errors are the query's: they fail the task.
     */
    static String generate(UdfEngines.Spec spec, String fn, String userMessage, SamplingParams params) {
        Engine engine = UdfEngines.get(spec);
        Map<String, Object> message = new LinkedHashMap<>();
        message.put("role", "user");
        message.put("content", userMessage);
        GenerationRequest request = GenerationRequest.ofMessages(fn, List.of(message), null, params);
        GenerationResult r;
        try {
            r = engine.submit(request).get();
        } catch (InterruptedException e) { // the task was killed: free the sequence's slot now
            engine.abort(request);
            Thread.currentThread().interrupt();
            throw new IllegalStateException(fn + ": interrupted", e);
        } catch (ExecutionException e) {
            throw new IllegalStateException(fn + ": " + e.getCause(), e.getCause());
        }
        if (!r.ok()) {
            if (r.errorCode() == ErrorCode.PROMPT_TOO_LONG || r.errorCode() == ErrorCode.INCOMPLETE_OUTPUT) {
                return null;
            }
            throw new IllegalStateException(fn + ": " + r.errorCode() + ": " + r.errorMessage());
        }
        CompletionChoice c = r.choices().get(0);
        return c.outputError() != null ? null : c.parsed(); // parsed: non-null only when accepted in full
    }

    static List<String> labels(Object labels) {
        Object j = SparkJson.toJava(labels); // array<string>, or a JSON array string
        if (!(j instanceof List<?> l) || l.isEmpty()
            || !l.stream().allMatch(x -> x instanceof String s && !s.isEmpty())) {
            throw new IllegalArgumentException("ling_classify: labels must be a non-empty array of non-empty strings");
        }
        List<String> out = new ArrayList<>();
        l.forEach(x -> out.add((String) x));
        return out;
    }

    /** The sampling parameters: the function's defaults (temperature 0), overridden by the options argument. */
    static SamplingParams params(Object options, int maxTokens, StructuredOutput constraint) {
        SamplingParams.Builder b = SamplingParams.builder().temperature(0).maxTokens(maxTokens)
            .structuredOutput(constraint);
        Object j = SparkJson.toJava(options); // a map<string, ?>, or a JSON object string
        if (j != null && !(j instanceof Map<?, ?>)) {
            throw new IllegalArgumentException("options must be a map or a JSON object, got " + options);
        }
        if (j != null) {
            for (Map.Entry<?, ?> e : ((Map<?, ?>) j).entrySet()) {
                String k = String.valueOf(e.getKey());
                if (e.getValue() == null) {
                    continue;
                }
                BigDecimal v = number(k, e.getValue());
                try {
                    set(b, k, v);
                } catch (ArithmeticException notWhole) {
                    throw new IllegalArgumentException("option " + k + " must be a whole number, got " + v);
                }
            }
        }
        try {
            return b.build().validate();
        } catch (LingException e) {
            throw new IllegalArgumentException(e.getMessage(), e);
        }
    }

    private static void set(SamplingParams.Builder b, String k, BigDecimal v) {
        switch (k) {
            case "max_tokens" -> b.maxTokens(v.intValueExact());
            case "temperature" -> b.temperature(v.doubleValue());
            case "top_p" -> b.topP(v.doubleValue());
            case "top_k" -> b.topK(v.intValueExact());
            case "seed" -> b.seed(v.longValueExact());
            default -> throw new IllegalArgumentException("unknown option '" + k
                + "' (known: max_tokens, temperature, top_p, top_k, seed)");
        }
    }

    private static BigDecimal number(String key, Object v) {
        try {
            return v instanceof BigDecimal d ? d : new BigDecimal(v.toString().trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("option " + key + " must be a number, got " + v);
        }
    }
}
