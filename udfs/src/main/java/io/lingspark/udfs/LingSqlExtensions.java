package io.lingspark.udfs;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BiFunction;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.SparkSessionExtensions;
import org.apache.spark.sql.catalyst.FunctionIdentifier;
import org.apache.spark.sql.catalyst.expressions.Expression;
import org.apache.spark.sql.catalyst.expressions.ExpressionInfo;
import scala.Tuple3;
import scala.jdk.javaapi.CollectionConverters;
import scala.runtime.BoxedUnit;

/**
 * ling_classify and ling_extract for sessions that run no code of ours, such as the spark-sql shell or a
 * Thrift server: Spark applies the class named by {@code spark.sql.extensions} to every session it creates.
 * <pre>
 *   spark-sql --jars lingspark-jobs-shaded.jar \
 *     --conf spark.sql.extensions=io.lingspark.udfs.LingSqlExtensions \
 *     --conf spark.lingspark.udfs.model=/models/Ling-mini-2.0 --conf spark.lingspark.udfs.device=cuda
 * </pre>
 * The model and the engine options ({@code spark.lingspark.udfs.<option>}, the options of
 * {@link LingFunctions#registerGenerate(SparkSession, String, Map)}) are read from the session's conf when a
 * query is analyzed, so {@code SET spark.lingspark.udfs.model=...} in a running shell takes effect for the
 * queries after it; an executor loads each distinct model and options once.
 */
public final class LingSqlExtensions implements scala.Function1<SparkSessionExtensions, BoxedUnit> {
    static final String PREFIX = "spark.lingspark.udfs.";

    @Override
    public BoxedUnit apply(SparkSessionExtensions ext) {
        inject(ext, "ling_classify", LingGenerateFunctions.CLASSIFY_INFO, LingGenerateFunctions::classify);
        inject(ext, "ling_extract", LingGenerateFunctions.EXTRACT_INFO, LingGenerateFunctions::extract);
        return BoxedUnit.UNIT;
    }

    private static void inject(SparkSessionExtensions ext, String name, ExpressionInfo info,
                               BiFunction<UdfEngines.Spec, List<Expression>, Expression> build) {
        scala.Function1<scala.collection.immutable.Seq<Expression>, Expression> builder =
            args -> build.apply(specFromConf(), CollectionConverters.asJava(args));
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
        String model = conf.get(PREFIX + "model");
        if (model == null) {
            throw new IllegalArgumentException("ling functions: set " + PREFIX + "model to the model directory "
                + "(the same path on every executor)");
        }
        return new UdfEngines.Spec(model, options);
    }
}
