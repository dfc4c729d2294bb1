package io.lingspark.engine.transport;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.Channels;
import java.util.List;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.vector.FieldVector;
import org.apache.arrow.vector.Float4Vector;
import org.apache.arrow.vector.IntVector;
import org.apache.arrow.vector.VectorLoader;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.VectorUnloader;
import org.apache.arrow.vector.complex.ListVector;
import org.apache.arrow.vector.ipc.ReadChannel;
import org.apache.arrow.vector.ipc.WriteChannel;
import org.apache.arrow.vector.ipc.message.ArrowRecordBatch;
import org.apache.arrow.vector.ipc.message.MessageSerializer;
import org.apache.arrow.vector.types.FloatingPointPrecision;
import org.apache.arrow.vector.types.pojo.ArrowType;
import org.apache.arrow.vector.types.pojo.Field;
import org.apache.arrow.vector.types.pojo.FieldType;
import org.apache.arrow.vector.types.pojo.Schema;

/** Field declarations and bulk list-column access for the pipeline's Arrow batches. */
final class ArrowColumns {
    private ArrowColumns() {
    }

    static final ArrowType INT = new ArrowType.Int(32, true);
    static final ArrowType LONG = new ArrowType.Int(64, true);
    static final ArrowType BYTE = new ArrowType.Int(8, true);
    static final ArrowType FLOAT = new ArrowType.FloatingPoint(FloatingPointPrecision.SINGLE);
    static final ArrowType DOUBLE = new ArrowType.FloatingPoint(FloatingPointPrecision.DOUBLE);

    static Field scalar(String name, ArrowType t) {
        return new Field(name, FieldType.nullable(t), null);
    }

    static Field list(String name, ArrowType item) {
        return new Field(name, FieldType.nullable(ArrowType.List.INSTANCE),
            List.of(new Field("item", FieldType.notNullable(item), null)));
    }

    /** Appends the root's rows to `out` as one Arrow IPC record-batch message (the schema is known to both sides). */
    static void write(VectorSchemaRoot root, OutputStream out) throws IOException {
        try (ArrowRecordBatch rb = new VectorUnloader(root).getRecordBatch()) {
            MessageSerializer.serialize(new WriteChannel(Channels.newChannel(out)), rb);
        }
    }

    /** Reads the record batch {@link #write} wrote into a new root of this schema; the caller closes it. */
    static VectorSchemaRoot read(Schema schema, InputStream in, BufferAllocator allocator) throws IOException {
        VectorSchemaRoot root = VectorSchemaRoot.create(schema, allocator);
        try (ArrowRecordBatch rb = MessageSerializer.deserializeRecordBatch(new ReadChannel(Channels.newChannel(in)), allocator)) {
            new VectorLoader(root).load(rb);
            return root;
        } catch (IOException | RuntimeException e) {
            root.close();
            throw e;
        }
    }

    /** Fills an int-list column from per-row arrays (null: a null entry). */
    static void putInts(ListVector lv, int rows, java.util.function.IntFunction<int[]> row) {
        lv.allocateNew();
        IntVector data = (IntVector) lv.getDataVector();
        int off = 0;
        for (int i = 0; i < rows; i++) {
            int[] a = row.apply(i);
            if (a == null) {
                lv.setNull(i);
                continue;
            }
            lv.startNewValue(i);
            for (int v : a) {
                data.setSafe(off++, v);
            }
            lv.endValue(i, a.length);
        }
        data.setValueCount(off);
        lv.setValueCount(rows);
    }

    static int[] ints(ListVector lv, int i) {
        if (lv.isNull(i)) {
            return null;
        }
        int from = lv.getOffsetBuffer().getInt((long) i * 4);
        int to = lv.getOffsetBuffer().getInt((long) (i + 1) * 4);
        IntVector data = (IntVector) lv.getDataVector();
        int[] out = new int[to - from];
        for (int k = 0; k < out.length; k++) {
            out[k] = data.get(from + k);
        }
        return out;
    }

    /**
     * Fills a float-list column whose rows are consecutive runs of one array: row i holds
     * values[start[i] .. start[i + 1]) (start has rows + 1 entries), copied in one bulk write.
     */
    static void putFloatRuns(ListVector lv, float[] values, int[] start, int rows) {
        lv.allocateNew();
        Float4Vector data = (Float4Vector) lv.getDataVector();
        int total = start[rows] - start[0];
        data.allocateNew(Math.max(total, 1));
        ByteBuffer bb = ByteBuffer.allocate(total * 4).order(ByteOrder.LITTLE_ENDIAN);
        bb.asFloatBuffer().put(values, start[0], total);
        data.getDataBuffer().setBytes(0, bb);
        data.getValidityBuffer().setOne(0, (total + 7) / 8);
        data.setValueCount(total);
        for (int i = 0; i < rows; i++) {
            lv.startNewValue(i);
            lv.endValue(i, start[i + 1] - start[i]);
        }
        lv.setValueCount(rows);
    }

    /** Every value of a float-list column, rows concatenated (the inverse of putFloatRuns). */
    static float[] allFloats(ListVector lv) {
        Float4Vector data = (Float4Vector) lv.getDataVector();
        int n = data.getValueCount();
        float[] out = new float[n];
        if (n > 0) {
            data.getDataBuffer().nioBuffer(0, n * 4).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(out);
        }
        return out;
    }

    static void count(List<FieldVector> vs, int rows) {
        for (FieldVector v : vs) {
            v.setValueCount(rows);
        }
    }
}
