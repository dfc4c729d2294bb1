package io.lingspark.jobs.output;

import com.fasterxml.jackson.databind.JsonNode;
import io.lingspark.udfs.StructuredSchemas;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.ArrayType;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.StructType;

/**
 * A parsed document as a value of the typed parsed column. The conversion itself is the udfs
 * module's ({@link StructuredSchemas#toSparkValue}, the same the SQL functions use, so a column
 * means the same in both); it returns what UDFs return (java.util.List for arrays), while the job's
 * row encoder wants Scala Seqs, so arrays are rewrapped here, at every depth.
 */
final class TypedValues {
    private TypedValues() {
    }

    static Object of(JsonNode doc, DataType type) {
        return forEncoder(StructuredSchemas.toSparkValue(doc, type), type);
    }

    private static Object forEncoder(Object v, DataType type) {
        if (v == null) {
            return null;
        }
        if (type instanceof ArrayType at && v instanceof List<?> list) {
            List<Object> out = new ArrayList<>(list.size());
            for (Object x : list) {
                out.add(forEncoder(x, at.elementType()));
            }
            return scala.jdk.javaapi.CollectionConverters.asScala(out).toSeq();
        }
        if (type instanceof StructType st && v instanceof Row r) {
            Object[] out = new Object[st.fields().length];
            for (int i = 0; i < out.length; i++) {
                out[i] = forEncoder(r.get(i), st.fields()[i].dataType());
            }
            return RowFactory.create(out);
        }
        return v;
    }
}
