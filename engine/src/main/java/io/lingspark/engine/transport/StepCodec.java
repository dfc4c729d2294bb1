package io.lingspark.engine.transport;

import static io.lingspark.engine.transport.ArrowColumns.BYTE;
import static io.lingspark.engine.transport.ArrowColumns.FLOAT;
import static io.lingspark.engine.transport.ArrowColumns.INT;
import static io.lingspark.engine.transport.ArrowColumns.LONG;
import static io.lingspark.engine.transport.ArrowColumns.list;
import static io.lingspark.engine.transport.ArrowColumns.scalar;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.lingspark.engine.runtime.SamplingParams;
import io.lingspark.engine.step.ForwardBatch;
import io.lingspark.engine.transport.StepMessage.SampleInfo;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.vector.BigIntVector;
import org.apache.arrow.vector.IntVector;
import org.apache.arrow.vector.TinyIntVector;
import org.apache.arrow.vector.VarBinaryVector;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.complex.ListVector;
import org.apache.arrow.vector.types.pojo.ArrowType;
import org.apache.arrow.vector.types.pojo.Schema;

/**
 * A STEP frame's payload: a short header (mode, state slots to reset, sequences released, block
 * copies, the scored rows' target ids), then one Arrow IPC record batch with a row per sequence of the
 * micro-batch. Hidden rows travel as fp32, so a pipeline computes bit for bit what one engine computes.
 */
public final class StepCodec {
    /** One row per sequence; the s_* columns only for sequences that sample in this step. */
    public static final Schema SCHEMA = new Schema(List.of(
        scalar("seq_id", LONG), scalar("num_new", INT), scalar("num_computed", INT), list("tokens", INT),
        list("block_table", INT), scalar("state_slot", INT), scalar("state_restore", INT), scalar("state_save", INT),
        scalar("logits", BYTE), scalar("logits_from", INT), list("hidden", FLOAT),
        scalar("s_generated", INT), scalar("s_length", INT), scalar("s_history_from", INT), list("s_history_tail", INT),
        scalar("s_params", new ArrowType.Binary()), scalar("s_seed", LONG), list("s_blocked", INT),
        scalar("s_prompt_len", INT), list("s_allowed", INT)));
    private static final ObjectMapper JSON = new ObjectMapper()
        .configure(com.fasterxml.jackson.databind.DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);

    private final BufferAllocator allocator;

    /** The scalar columns of SCHEMA, looked up once per batch on either side. */
    private record Columns(BigIntVector seqId, IntVector numNew, IntVector numComputed, IntVector slot, IntVector restore,
                           IntVector save, TinyIntVector logits, IntVector logitsFrom,
                           IntVector gen, IntVector len, IntVector from, VarBinaryVector params, BigIntVector seed,
                           IntVector promptLen) {
        static Columns of(VectorSchemaRoot root) {
            return new Columns((BigIntVector) root.getVector("seq_id"), (IntVector) root.getVector("num_new"),
                (IntVector) root.getVector("num_computed"), (IntVector) root.getVector("state_slot"),
                (IntVector) root.getVector("state_restore"), (IntVector) root.getVector("state_save"),
                (TinyIntVector) root.getVector("logits"), (IntVector) root.getVector("logits_from"),
                (IntVector) root.getVector("s_generated"),
                (IntVector) root.getVector("s_length"), (IntVector) root.getVector("s_history_from"),
                (VarBinaryVector) root.getVector("s_params"), (BigIntVector) root.getVector("s_seed"),
                (IntVector) root.getVector("s_prompt_len"));
        }
    }

    public StepCodec(BufferAllocator allocator) {
        this.allocator = allocator;
    }

    public byte[] encode(StepMessage m, int hiddenSize) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(64 + (m.hidden() == null ? 0 : m.hidden().length * 4 + 1024));
        DataOutputStream head = new DataOutputStream(bytes);
        head.writeBoolean(m.sample());
        head.writeInt(m.resetSlots().length);
        for (int s : m.resetSlots()) {
            head.writeInt(s);
        }
        head.writeInt(m.released().length);
        for (long id : m.released()) {
            head.writeLong(id);
        }
        writeInts(head, m.batch().blockCopies());
        head.writeInt(m.scoreTargets().size());
        for (int[] t : m.scoreTargets()) {
            writeInts(head, t);
        }
        head.flush();
        List<ForwardBatch.Seq> seqs = m.batch().seqs();
        int n = seqs.size();
        SampleInfo[] info = new SampleInfo[n];
        int k = 0;
        for (int i = 0; i < n; i++) {
            if (seqs.get(i).logits() == ForwardBatch.Logits.LAST && m.sampling() != null && k < m.sampling().size()) {
                info[i] = m.sampling().get(k++);
            }
        }
        try (VectorSchemaRoot root = VectorSchemaRoot.create(SCHEMA, allocator)) {
            Columns c = Columns.of(root);
            for (var v : List.of(c.seqId, c.numNew, c.numComputed, c.slot, c.restore, c.save, c.logits, c.logitsFrom, c.gen, c.len,
                    c.from, c.params, c.seed, c.promptLen)) {
                v.allocateNew();
            }
            int[] tokens = m.batch().tokenIds();
            for (int i = 0; i < n; i++) {
                ForwardBatch.Seq s = seqs.get(i);
                c.seqId.setSafe(i, s.seqId());
                c.numNew.setSafe(i, s.numNew());
                c.numComputed.setSafe(i, s.numComputed());
                c.slot.setSafe(i, s.stateSlot());
                c.restore.setSafe(i, s.restoreFrom());
                c.save.setSafe(i, s.saveTo());
                c.logits.setSafe(i, (byte) s.logits().ordinal());
                c.logitsFrom.setSafe(i, s.logitsFrom());
                SampleInfo si = info[i];
                if (si != null) {
                    c.gen.setSafe(i, si.generated());
                    c.len.setSafe(i, si.length());
                    c.from.setSafe(i, si.historyFrom());
                    if (si.params() != null) {
                        c.params.setSafe(i, JSON.writeValueAsBytes(si.params()));
                        c.seed.setSafe(i, si.seed());
                        c.promptLen.setSafe(i, si.promptLen());
                    }
                }
            }
            ArrowColumns.putInts((ListVector) root.getVector("tokens"), n, i -> java.util.Arrays.copyOfRange(tokens,
                seqs.get(i).firstRow(), seqs.get(i).firstRow() + seqs.get(i).numNew()));
            ArrowColumns.putInts((ListVector) root.getVector("block_table"), n, i -> seqs.get(i).blockTable());
            ArrowColumns.putInts((ListVector) root.getVector("s_history_tail"), n, i -> info[i] == null ? null : info[i].historyTail());
            // A structured-output mask, each long as two ints (low, high): sent every step it applies, as
            // the constraint's state lives with the sequence on rank 0.
            ArrowColumns.putInts((ListVector) root.getVector("s_allowed"), n,
                i -> info[i] == null || info[i].allowed() == null ? null : longsAsInts(info[i].allowed()));
            ArrowColumns.putInts((ListVector) root.getVector("s_blocked"), n,
                i -> info[i] == null || info[i].params() == null ? null : info[i].blocked());
            ListVector hidden = (ListVector) root.getVector("hidden");
            if (m.hidden() != null) {
                int[] start = new int[n + 1];
                for (int i = 0; i < n; i++) {
                    start[i] = seqs.get(i).firstRow() * hiddenSize;
                }
                start[n] = m.batch().rows() * hiddenSize;
                ArrowColumns.putFloatRuns(hidden, m.hidden(), start, n);
            } else {
                hidden.allocateNew();
                for (int i = 0; i < n; i++) {
                    hidden.setNull(i);
                }
                hidden.setValueCount(n);
            }
            root.setRowCount(n);
            ArrowColumns.write(root, bytes);
        }
        return bytes.toByteArray();
    }

    public StepMessage decode(byte[] payload) throws IOException {
        ByteArrayInputStream bin = new ByteArrayInputStream(payload);
        DataInputStream head = new DataInputStream(bin);
        boolean sample = head.readBoolean();
        int[] resets = new int[head.readInt()];
        for (int i = 0; i < resets.length; i++) {
            resets[i] = head.readInt();
        }
        long[] released = new long[head.readInt()];
        for (int i = 0; i < released.length; i++) {
            released[i] = head.readLong();
        }
        int[] copies = readInts(head);
        List<int[]> targets = new ArrayList<>();
        for (int i = head.readInt(); i > 0; i--) {
            targets.add(readInts(head));
        }
        try (VectorSchemaRoot root = ArrowColumns.read(SCHEMA, bin, allocator)) {
            int n = root.getRowCount();
            Columns c = Columns.of(root);
            ListVector tokens = (ListVector) root.getVector("tokens");
            ListVector blocks = (ListVector) root.getVector("block_table");
            ListVector tail = (ListVector) root.getVector("s_history_tail");
            ListVector blocked = (ListVector) root.getVector("s_blocked");
            ListVector allowed = (ListVector) root.getVector("s_allowed");
            ListVector hidden = (ListVector) root.getVector("hidden");
            ForwardBatch.Builder b = ForwardBatch.builder();
            List<SampleInfo> sampling = new ArrayList<>();
            ForwardBatch.Logits[] kinds = ForwardBatch.Logits.values();
            for (int i = 0; i < n; i++) {
                int[] t = ArrowColumns.ints(tokens, i);
                ForwardBatch.Logits lg = kinds[c.logits.get(i)];
                b.add(c.seqId.get(i), t, 0, c.numNew.get(i), c.numComputed.get(i), ArrowColumns.ints(blocks, i), c.slot.get(i), lg,
                    c.restore.get(i), c.save.get(i), c.logitsFrom.get(i));
                if (!c.gen.isNull(i)) {
                    SamplingParams p = c.params.isNull(i) ? null : JSON.readValue(c.params.get(i), SamplingParams.class);
                    sampling.add(new SampleInfo(c.seqId.get(i), c.gen.get(i), c.len.get(i), c.from.get(i),
                        ArrowColumns.ints(tail, i), p, p == null ? 0 : c.seed.get(i),
                        p == null ? null : ArrowColumns.ints(blocked, i), p == null ? 0 : c.promptLen.get(i),
                        allowed.isNull(i) ? null : intsAsLongs(ArrowColumns.ints(allowed, i))));
                }
            }
            for (int i = 0; i < copies.length; i += 2) {
                b.copyBlock(copies[i], copies[i + 1]);
            }
            float[] h = hidden.getValueCount() > 0 && !hidden.isNull(0) ? ArrowColumns.allFloats(hidden) : null;
            return new StepMessage(sample, b.build(), h, sampling, resets, released, targets);
        }
    }

    private static void writeInts(DataOutputStream out, int[] v) throws IOException {
        out.writeInt(v.length);
        for (int x : v) {
            out.writeInt(x);
        }
    }

    private static int[] readInts(DataInputStream in) throws IOException {
        int n = in.readInt();
        if (n < 0 || n > in.available() / 4) {
            throw new IOException("a step frame announces " + n + " ints with " + in.available() + " bytes left");
        }
        int[] v = new int[n];
        for (int i = 0; i < n; i++) {
            v[i] = in.readInt();
        }
        return v;
    }

    private static int[] longsAsInts(long[] v) {
        int[] out = new int[2 * v.length];
        for (int i = 0; i < v.length; i++) {
            out[2 * i] = (int) v[i];
            out[2 * i + 1] = (int) (v[i] >>> 32);
        }
        return out;
    }

    private static long[] intsAsLongs(int[] v) {
        long[] out = new long[v.length / 2];
        for (int i = 0; i < out.length; i++) {
            out[i] = (v[2 * i] & 0xffffffffL) | ((long) v[2 * i + 1] << 32);
        }
        return out;
    }
}
