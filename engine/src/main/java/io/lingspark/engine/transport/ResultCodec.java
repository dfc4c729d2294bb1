package io.lingspark.engine.transport;

import static io.lingspark.engine.transport.ArrowColumns.DOUBLE;
import static io.lingspark.engine.transport.ArrowColumns.FLOAT;
import static io.lingspark.engine.transport.ArrowColumns.INT;
import static io.lingspark.engine.transport.ArrowColumns.list;
import static io.lingspark.engine.transport.ArrowColumns.scalar;

import io.lingspark.engine.runtime.Sampler;
import io.lingspark.engine.runtime.StepResult;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.List;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.vector.Float8Vector;
import org.apache.arrow.vector.IntVector;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.complex.ListVector;
import org.apache.arrow.vector.types.pojo.Schema;

/**
 * A RESULT frame's payload, one Arrow record batch: a row per sampled sequence (token, logprob, top
 * alternatives) when the step sampled, after a short header with the scored rows' results (argmax and
 * target log-probabilities); for a logits step (tests, the logits command) a single row with every
 * wanted logits row, concatenated.
 */
public final class ResultCodec {
    public static final Schema SCHEMA = new Schema(List.of(scalar("token", INT), scalar("logprob", DOUBLE),
        list("top_ids", INT), list("top_logprobs", DOUBLE), list("logits", FLOAT)));

    /** A step's outcome on the wire: samples, or logits. */
    public record Result(StepResult samples, float[] logits) {
    }

    private final BufferAllocator allocator;

    public ResultCodec(BufferAllocator allocator) {
        this.allocator = allocator;
    }

    public byte[] encode(Result r) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        bytes.write(r.samples() != null ? 1 : 0);
        if (r.samples() != null) {
            DataOutputStream head = new DataOutputStream(bytes);
            StepResult.Score[] scores = r.samples().scores();
            head.writeInt(scores.length);
            for (StepResult.Score sc : scores) {
                head.writeInt(sc.argmax());
                head.writeInt(sc.logprobs().length);
                for (double lp : sc.logprobs()) {
                    head.writeDouble(lp);
                }
            }
            head.flush();
        }
        try (VectorSchemaRoot root = VectorSchemaRoot.create(SCHEMA, allocator)) {
            IntVector token = (IntVector) root.getVector("token");
            Float8Vector logprob = (Float8Vector) root.getVector("logprob");
            ListVector topIds = (ListVector) root.getVector("top_ids");
            ListVector topLp = (ListVector) root.getVector("top_logprobs");
            ListVector logits = (ListVector) root.getVector("logits");
            token.allocateNew();
            logprob.allocateNew();
            int n;
            if (r.samples() != null) {
                Sampler.Sample[] s = r.samples().samples();
                n = s.length;
                for (int i = 0; i < n; i++) {
                    token.setSafe(i, s[i].token());
                    logprob.setSafe(i, s[i].logprob());
                }
                ArrowColumns.putInts(topIds, n, i -> s[i].topIds());
                topLp.allocateNew();
                Float8Vector d = (Float8Vector) topLp.getDataVector();
                int off = 0;
                for (int i = 0; i < n; i++) {
                    topLp.startNewValue(i);
                    for (double v : s[i].topLogprobs()) {
                        d.setSafe(off++, v);
                    }
                    topLp.endValue(i, s[i].topLogprobs().length);
                }
                d.setValueCount(off);
                topLp.setValueCount(n);
                logits.allocateNew();
                logits.setValueCount(n);
            } else {
                n = 1;
                ArrowColumns.putFloatRuns(logits, r.logits(), new int[] {0, r.logits().length}, 1);
            }
            root.setRowCount(n);
            ArrowColumns.write(root, bytes);
        }
        return bytes.toByteArray();
    }

    public Result decode(byte[] payload) throws IOException {
        ByteArrayInputStream bin = new ByteArrayInputStream(payload);
        boolean samples = bin.read() == 1;
        StepResult.Score[] scores = samples ? readScores(new DataInputStream(bin)) : null;
        try (VectorSchemaRoot root = ArrowColumns.read(SCHEMA, bin, allocator)) {
            if (!samples) {
                return new Result(null, ArrowColumns.allFloats((ListVector) root.getVector("logits")));
            }
            int n = root.getRowCount();
            IntVector token = (IntVector) root.getVector("token");
            Float8Vector logprob = (Float8Vector) root.getVector("logprob");
            ListVector topIds = (ListVector) root.getVector("top_ids");
            ListVector topLp = (ListVector) root.getVector("top_logprobs");
            Float8Vector d = (Float8Vector) topLp.getDataVector();
            Sampler.Sample[] out = new Sampler.Sample[n];
            for (int i = 0; i < n; i++) {
                int from = topLp.getOffsetBuffer().getInt((long) i * 4);
                int to = topLp.getOffsetBuffer().getInt((long) (i + 1) * 4);
                double[] lp = new double[to - from];
                for (int k = 0; k < lp.length; k++) {
                    lp[k] = d.get(from + k);
                }
                out[i] = new Sampler.Sample(token.get(i), logprob.get(i), ArrowColumns.ints(topIds, i), lp);
            }
            return new Result(new StepResult(out, scores), null);
        }
    }

    private static StepResult.Score[] readScores(DataInputStream in) throws IOException {
        int n = in.readInt();
        if (n < 0 || n > in.available() / 8) {
            throw new IOException("a result frame announces " + n + " scores with " + in.available() + " bytes left");
        }
        StepResult.Score[] out = new StepResult.Score[n];
        for (int i = 0; i < n; i++) {
            int argmax = in.readInt();
            int k = in.readInt();
            if (k < 0 || k > in.available() / 8) {
                throw new IOException("a result frame announces " + k + " log-probabilities with " + in.available() + " bytes left");
            }
            double[] lp = new double[k];
            for (int j = 0; j < k; j++) {
                lp[j] = in.readDouble();
            }
            out[i] = new StepResult.Score(argmax, lp);
        }
        return out;
    }
}
