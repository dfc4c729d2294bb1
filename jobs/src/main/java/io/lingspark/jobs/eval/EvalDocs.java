package io.lingspark.jobs.eval;

import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.DataFrameReader;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/**
 * A split's documents read on the driver with Spark, in {@link DataSpec}'s order (file after file,
 * rows in file order), as the maps {@link RequestBuilder} takes: every column of the split present in
 * every document (null where a file lacks it), integers as longs, arrays as lists, structs as maps.
 * Reading through Spark gives the eval job the json / csv / parquet readers every other job uses.
 */
public final class EvalDocs {
    private EvalDocs() {
    }

    public static List<Map<String, Object>> read(SparkSession spark, DataSpec data, String split) {
        List<Path> files = data.files(split);
        List<String> paths = files.stream().map(p -> p.toAbsolutePath().toString()).toList();
        // One schema for the whole split, so a column missing from one file is null there, not absent:
        // each file's columns (each file read as what it is: JSON lines or one array), first type wins.
        Map<String, StructField> fields = new LinkedHashMap<>();
        for (int i = 0; i < files.size(); i++) {
            for (StructField f : reader(spark, data.format(), files.get(i)).load(paths.get(i)).schema().fields()) {
                fields.putIfAbsent(f.name(), f);
            }
        }
        StructType schema = new StructType(fields.values().toArray(StructField[]::new));
        List<Map<String, Object>> out = new ArrayList<>();
        for (int i = 0; i < files.size(); i++) {
            // A single file's partitions are its byte ranges in order, so collect keeps the file's row order.
            Dataset<Row> rows = reader(spark, data.format(), files.get(i)).schema(schema).load(paths.get(i));
            for (Row r : rows.collectAsList()) {
                out.add(asMap(r));
            }
        }
        return out;
    }

    private static DataFrameReader reader(SparkSession spark, String format, Path firstFile) {
        return switch (format) {
            // A JSON file that is one array (not JSON lines) needs the multi-line reader.
            case "json" -> spark.read().format("json").option("multiLine", startsWithArray(firstFile))
                .option("mode", "FAILFAST");
            // Typed as datasets' csv builder (pandas) types it: a label column of digits is an integer.
            case "csv" -> spark.read().format("csv").option("header", true).option("multiLine", true)
                .option("inferSchema", true).option("mode", "FAILFAST");
            case "parquet" -> spark.read().format("parquet");
            default -> throw new TaskConfigException("unknown data format '" + format + "'");
        };
    }

    private static boolean startsWithArray(Path file) {
        try (Reader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            int c;
            while ((c = r.read()) != -1 && Character.isWhitespace(c)) {
                // skip leading whitespace
            }
            return c == '[';
        } catch (IOException e) {
            throw new TaskConfigException("cannot read " + file + ": " + e.getMessage());
        }
    }

    static Map<String, Object> asMap(Row r) {
        Map<String, Object> m = new LinkedHashMap<>();
        for (int i = 0; i < r.length(); i++) {
            m.put(r.schema().fields()[i].name(), plain(r.get(i)));
        }
        return m;
    }

    private static Object plain(Object v) {
        if (v instanceof Row row) {
            return asMap(row);
        }
        if (v instanceof scala.collection.Seq<?> seq) {
            List<Object> l = new ArrayList<>();
            scala.jdk.javaapi.CollectionConverters.asJava(seq).forEach(x -> l.add(plain(x)));
            return l;
        }
        if (v instanceof scala.collection.Map<?, ?> map) {
            Map<Object, Object> m = new LinkedHashMap<>();
            scala.jdk.javaapi.CollectionConverters.asJava(map).forEach((k, x) -> m.put(plain(k), plain(x)));
            return m;
        }
        if (v instanceof Integer i) {
            return i.longValue();
        }
        return v;
    }
}
