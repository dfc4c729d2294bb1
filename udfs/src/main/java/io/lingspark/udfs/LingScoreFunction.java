package io.lingspark.udfs;

import io.lingspark.engine.runtime.Engine;
import io.lingspark.engine.runtime.ScoringRequest;
import io.lingspark.engine.runtime.ScoringResult;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.api.java.UDF2;
import org.apache.spark.sql.catalyst.expressions.Expression;
import org.apache.spark.sql.catalyst.expressions.ExpressionInfo;
import org.apache.spark.sql.types.ArrayType;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.NullType;
import org.apache.spark.sql.types.StringType;
import org.apache.spark.sql.types.StructType;

/**
 * {@code ling_score(context, continuations)}: the log-likelihood of each continuation after the context
 * (lm-evaluation-harness's loglikelihood, the engine's scoring request: the context computed once and
 * forked per continuation), as {@code array<struct<continuation, logprob, tokens, greedy>>} in the
 * continuations' order. NULL context or continuations give NULL; a context too long for the model gives
 * NULL for that row; other engine errors fail the task.
 * <pre>
 *   SELECT ling_score(question, array(' yes', ' no')) FROM qa;
 *   SELECT transform(ling_score(q, choices), s -> s.logprob) FROM qa;
 * </pre>
 */
final class LingScoreFunction {
    static final StructType SCORE = new StructType()
        .add("continuation", DataTypes.StringType)
        .add("logprob", DataTypes.DoubleType)
        .add("tokens", DataTypes.IntegerType)
        .add("greedy", DataTypes.BooleanType);

    static final ExpressionInfo INFO = ScalaUdfs.info(LingScoreFunction.class, "ling_score",
        "ling_score(context, continuations) - array<struct<continuation, logprob, tokens, greedy>>: the natural-log "
            + "likelihood of each continuation (array<string>) after the context, whether every token was the greedy one.");

    private LingScoreFunction() {
    }

    static Expression build(UdfEngines.Spec spec, List<Expression> args) {
        if (args.size() != 2) {
            throw new IllegalArgumentException("ling_score takes (context, continuations), got " + args.size() + " argument(s)");
        }
        DataType c = args.get(0).dataType();
        DataType k = args.get(1).dataType();
        if (!(c instanceof StringType) && !(c instanceof NullType)) {
            throw new IllegalArgumentException("ling_score: context must be a STRING, got " + c.sql());
        }
        if (!(k instanceof NullType) && !(k instanceof ArrayType a && a.elementType() instanceof StringType)) {
            throw new IllegalArgumentException("ling_score: continuations must be an ARRAY<STRING>, got " + k.sql());
        }
        UDF2<String, Object, List<Row>> f = (context, continuations) -> {
            if (context == null || continuations == null) {
                return null;
            }
            List<String> cs = new ArrayList<>();
            for (Object o : scala.jdk.javaapi.CollectionConverters.asJava((scala.collection.Iterable<?>) continuations)) {
                if (o == null) {
                    throw new IllegalArgumentException("ling_score: a continuation is NULL");
                }
                cs.add(o.toString());
            }
            if (cs.isEmpty()) {
                return List.of();
            }
            return score(spec, context, cs);
        };
        return ScalaUdfs.udf(f, DataTypes.createArrayType(SCORE, false), "ling_score", false, args.get(0), args.get(1));
    }

    private static List<Row> score(UdfEngines.Spec spec, String context, List<String> continuations) {
        Engine engine = UdfEngines.get(spec);
        CompletableFuture<ScoringResult> f = engine.score(ScoringRequest.ofText("ling_score", context, continuations));
        ScoringResult r;
        try {
            r = f.get();
        } catch (InterruptedException e) {
            f.cancel(true); // the task was killed: the request leaves the batch
            Thread.currentThread().interrupt();
            throw new IllegalStateException("ling_score: interrupted", e);
        } catch (ExecutionException e) {
            throw new IllegalStateException("ling_score: " + e.getCause(), e.getCause());
        }
        if (!r.ok()) {
            if (r.errorCode() == io.lingspark.engine.runtime.ErrorCode.PROMPT_TOO_LONG) {
                return null;
            }
            throw new IllegalStateException("ling_score: " + r.errorCode() + ": " + r.errorMessage());
        }
        List<Row> out = new ArrayList<>();
        for (ScoringResult.ContinuationScore s : r.continuations()) {
            out.add(RowFactory.create(continuations.get(s.index()), s.logprob(), s.tokens(), s.greedy()));
        }
        return out;
    }
}
