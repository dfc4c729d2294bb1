package io.lingspark.jobs.input;

import static org.apache.spark.sql.functions.abs;
import static org.apache.spark.sql.functions.coalesce;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.concat_ws;
import static org.apache.spark.sql.functions.floor;
import static org.apache.spark.sql.functions.isnan;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.not;
import static org.apache.spark.sql.functions.sha2;
import static org.apache.spark.sql.functions.struct;
import static org.apache.spark.sql.functions.to_json;
import static org.apache.spark.sql.functions.when;

import java.util.Arrays;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * Row ids: the one a row gives, else a hash of its content. An id is what folds rows together (rows
 * of one id are generated once), so an id that is not really there (null, empty, whitespace, a
 * pandas NaN) must never be shared by unrelated rows: such a row is hashed like a row without one.
 */
final class RowIds {
    /** Empty or whitespace only (Unicode whitespace too). */
    private static final String BLANK = "^(?U)\\s*$";
    /** Doubles hold every integer up to 2^53 exactly. */
    private static final double EXACT_INTEGERS = 9007199254740992.0;

    private RowIds() {
    }

    /** The given id when it is really there, else one recovered from a malformed line, else the hash. */
    static Column idOrHash(Column given, Column corruptLine, String key, Column hash) {
        Column id = present(given);
        if (corruptLine != null) {
            id = coalesce(id, present(CorruptLines.idOf(corruptLine, key)));
        }
        return coalesce(id, hash);
    }

    /** The column's value, or null where it is null or blank. */
    static Column present(Column text) {
        return when(not(text.rlike(BLANK)), text);
    }

    /**
     * An id column as text. Floating-point ids are what pandas makes of integer ids with a missing
     * one: NaN is missing, and a whole value is written as the integer it was (1, not 1.0), so the
     * same row has the same id whether or not its file had a gap.
     */
    static Column text(StructType schema, String name) {
        DataType t = schema.apply(name).dataType();
        Column c = col(InputReader.q(name));
        if (!t.equals(DataTypes.DoubleType) && !t.equals(DataTypes.FloatType)) {
            return c.cast("string");
        }
        Column d = c.cast("double");
        return when(isnan(d), lit(null).cast("string"))
            .when(d.equalTo(floor(d)).and(abs(d).lt(EXACT_INTEGERS)), d.cast("long").cast("string"))
            .otherwise(d.cast("string"));
    }

    /**
     * The deterministic id of a row without one: a SHA-256 of the row's content (every input column
     * as JSON, so rows that differ anywhere, even in a kept column, get different ids; plus the raw
     * line of a malformed JSON line), so a rerun or a resume finds the same ids. Rows identical in
     * every column share an id and are generated once (the job reports how many).
     */
    static Column hash(Column... parts) {
        Column nul = lit("\u0000");
        Column[] p = new Column[parts.length];
        for (int i = 0; i < parts.length; i++) {
            p[i] = coalesce(parts[i], nul);
        }
        return sha2(concat_ws("\u0001", p), 256).substr(1, 32);
    }

    static Column rowHash(StructType schema, boolean hasCorrupt) {
        Column[] fields = Arrays.stream(schema.fieldNames()).filter(f -> !f.equals(JsonInput.CORRUPT))
            .map(f -> col(InputReader.q(f))).toArray(Column[]::new);
        Column content = fields.length == 0 ? lit(null).cast("string") : to_json(struct(fields));
        return hasCorrupt ? hash(content, col(JsonInput.CORRUPT)) : hash(content);
    }
}
