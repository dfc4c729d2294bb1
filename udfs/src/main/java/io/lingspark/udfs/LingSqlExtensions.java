package io.lingspark.udfs;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.SparkSessionExtensions;
import org.apache.spark.sql.catalyst.FunctionIdentifier;
import org.apache.spark.sql.catalyst.expressions.Expression;
import org.apache.spark.sql.catalyst.expressions.ExpressionInfo;
import scala.Tuple3;
import scala.jdk.javaapi.CollectionConverters;
import scala.runtime.BoxedUnit;

/**
 * Every LingSpark SQL function for sessions that run no code of ours (the spark-sql shell, PySpark, a
 * Thrift server): Spark applies the class named by {@code spark.sql.extensions} to every session it creates.
 * <pre>
 *   spark-sql --jars lingspark-jobs-shaded.jar \
 *     --conf spark.sql.extensions=io.lingspark.udfs.LingSqlExtensions \
 *     --conf spark.lingspark.model=/models/Ling-mini-2.0 --conf spark.lingspark.udfs.device=cuda
 * </pre>
 * The model ({@code spark.lingspark.model}, the key the generate job reads for --model too;
 * {@code spark.lingspark.udfs.model} overrides it for the functions) and the engine options of the
 * generating functions ({@code spark.lingspark.udfs.<option>}, the options of
 * {@link LingFunctions#registerGenerate(SparkSession, String, Map)}) are read from the session's conf when a
 * query is analyzed, so {@code SET spark.lingspark.model=...} in a running shell takes effect for the queries
 * after it; an executor loads each distinct model and options once. A query that calls a function needing
 * the model without one set fails at analysis with a line saying which key to set.
 */
public final class LingSqlExtensions implements scala.Function1<SparkSessionExtensions, BoxedUnit> {
    static final String PREFIX = "spark.lingspark.udfs.";
    static final String MODEL = "spark.lingspark.model";

    @Override
    public BoxedUnit apply(SparkSessionExtensions ext) {
        for (LingTextFunctions.Definition d : LingTextFunctions.definitions(() -> specFromConf().modelDir())) {
            inject(ext, d.name(), d.info(), d.builder());
        }
        inject(ext, "ling_classify", LingGenerateFunctions.CLASSIFY_INFO, args -> LingGenerateFunctions.classify(specFromConf(), args));
        inject(ext, "ling_extract", LingGenerateFunctions.EXTRACT_INFO, args -> LingGenerateFunctions.extract(specFromConf(), args));
        inject(ext, "ling_score", LingScoreFunction.INFO, args -> LingScoreFunction.build(specFromConf(), args));
        return BoxedUnit.UNIT;
    }

    private static void inject(SparkSessionExtensions ext, String name, ExpressionInfo info,
                               Function<List<Expression>, Expression> build) {
        scala.Function1<scala.collection.immutable.Seq<Expression>, Expression> builder =
            args -> build.apply(CollectionConverters.asJava(args));
        ext.injectFunction(new Tuple3<>(FunctionIdentifier.apply(name), info, builder));
    }

    /** The model and engine options the active session's conf names (the builder runs in the analyzer). */
    static UdfEngines.Spec specFromConf() {
        Map<String, String> conf = CollectionConverters.asJava(SparkSession.active().conf().getAll());
        Map<String, String> options = new LinkedHashMap<>();
        conf.forEach((k, v) -> {
            if (k.startsWith(PREFIX) && !k.equals(PREFIX + "model")) {
                options.put(k.substring(PREFIX.length()), v);
            }
        });
        String model = conf.getOrDefault(PREFIX + "model", conf.get(MODEL));
        if (model == null || model.isBlank()) {
            throw new IllegalArgumentException("ling functions: set " + MODEL + " to the model directory "
                + "(the same path on every executor)");
        }
        return new UdfEngines.Spec(model, options);
    }
}
