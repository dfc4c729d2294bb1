package io.lingspark.udfs;

import java.util.List;
import org.apache.spark.sql.api.java.UDF1;
import org.apache.spark.sql.api.java.UDF2;
import org.apache.spark.sql.api.java.UDF3;
import org.apache.spark.sql.catalyst.expressions.Expression;
import org.apache.spark.sql.catalyst.expressions.ExpressionInfo;
import org.apache.spark.sql.classic.UserDefinedFunctionUtils;
import org.apache.spark.sql.expressions.SparkUserDefinedFunction;
import org.apache.spark.sql.functions;
import org.apache.spark.sql.types.DataType;
import scala.collection.immutable.Seq;
import scala.jdk.javaapi.CollectionConverters;

/**
 * ScalaUDF expressions made the way {@code spark.udf().register} makes them, for function builders: a
 * builder runs at analysis with the arguments' types known, so it can check or cast them first (a Java UDF
 * has no input types, and a wrong one is a ClassCastException inside a task) and pick the result type.
 */
final class ScalaUdfs {
    private ScalaUdfs() {
    }

    /** f is a UDF1, UDF2 or UDF3 over as many children. */
    static Expression udf(Object f, DataType type, String name, boolean deterministic, Expression... children) {
        SparkUserDefinedFunction u = (SparkUserDefinedFunction) switch (children.length) {
            case 1 -> functions.udf((UDF1<?, ?>) f, type);
            case 2 -> functions.udf((UDF2<?, ?, ?>) f, type);
            case 3 -> functions.udf((UDF3<?, ?, ?, ?>) f, type);
            default -> throw new IllegalArgumentException("1 to 3 children, got " + children.length);
        };
        u = u.withName(name);
        if (!deterministic) {
            u = u.asNondeterministic();
        }
        Seq<Expression> seq = CollectionConverters.asScala(List.of(children)).toSeq();
        return UserDefinedFunctionUtils.toScalaUDF(u, seq);
    }

    static ExpressionInfo info(Class<?> owner, String name, String usage) {
        return new ExpressionInfo(owner.getName(), null, name, usage, "");
    }
}
