package io.lingspark.engine.backend.cpu;

import io.lingspark.engine.backend.Weight;
import io.lingspark.engine.weights.DType;
import io.lingspark.engine.weights.HostMatrix;
import java.nio.ByteBuffer;
import java.nio.ShortBuffer;
import java.util.List;

/**
 * A weight read in place: BF16 and FP8 rows stay in their buffers (the memory-mapped checkpoint, or
 * direct memory for random weights), so loading copies nothing onto the heap and a decode step
 * streams bf16 through the cores; F32 (norms of some checkpoints, F16 widened) is a heap array.
 * FP8 rows are dequantised one at a time into a scratch row (e4m3 × block scale, the reference's
 * product) right before their dot products.
 */
final class CpuWeight implements Weight {
    final int rows;
    final int cols;
    final HostMatrix.Format format;
    final float[] f32;                // F32 [rows, cols], or null
    final ByteBuffer[] data;          // BF16 / FP8 parts, each whole rows from position 0
    private final ShortBuffer[] shorts; // BF16 parts as little-endian shorts (bulk row copies)
    final int[] partEnd;              // exclusive end row of each part
    private final HostMatrix.Part[] parts;
    final byte[] q8;                  // int8 [rows, cols] (--cpu-weights int8), or null
    final float[] q8Scale;            // [rows]: row r's values are q8[r, c] · q8Scale[r]

    CpuWeight(HostMatrix m) {
        this.rows = m.rows();
        this.cols = m.cols();
        this.format = m.format();
        this.f32 = m.f32();
        List<HostMatrix.Part> ps = m.parts();
        this.parts = ps.toArray(new HostMatrix.Part[0]);
        this.data = new ByteBuffer[parts.length];
        this.shorts = new ShortBuffer[parts.length];
        this.partEnd = new int[parts.length];
        int end = 0;
        for (int i = 0; i < parts.length; i++) {
            data[i] = parts[i].data();
            shorts[i] = format == HostMatrix.Format.BF16 ? data[i].asShortBuffer() : null;
            end += parts[i].rows();
            partEnd[i] = end;
        }
        this.q8 = null;
        this.q8Scale = null;
    }

    /** An int8 weight (its buffers are not kept: a quantized bf16 checkpoint's pages can leave memory). */
    private CpuWeight(int rows, int cols, byte[] q8, float[] q8Scale) {
        this.rows = rows;
        this.cols = cols;
        this.format = HostMatrix.Format.BF16; // what it was; bf16() is false from now on
        this.f32 = null;
        this.data = new ByteBuffer[0];
        this.shorts = new ShortBuffer[0];
        this.partEnd = new int[0];
        this.parts = new HostMatrix.Part[0];
        this.q8 = q8;
        this.q8Scale = q8Scale;
    }

    /**
     * This bf16 weight as int8 with one fp32 scale per row (q8_0's rounding with a whole row as the block):
     * scale = max |w| / 127, q = round(w / scale), so every row keeps its largest value exactly and the
     * rest within half a step. Rows run in parallel on par. Whether a weight is quantized is the backend's
     * choice ({@link CpuBackend}); this is the arithmetic.
     *
     * @throws IllegalArgumentException if the weight is not bf16, its rows are not whole 16-value blocks,
     *                                  or it has 2^31 values or more (one Java array)
     */
    CpuWeight quantize(Parallel par) {
        if (!bf16() || !Q8Kernels.fits(cols)) {
            throw new IllegalArgumentException("int8 needs a bf16 weight with columns in blocks of 16, not " + format
                + " [" + rows + ", " + cols + "]");
        }
        long n = (long) rows * cols;
        if (n > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("int8 weight [" + rows + ", " + cols + "] exceeds one Java array");
        }
        byte[] q = new byte[(int) n];
        float[] scale = new float[rows];
        par.forRange(rows, Math.max(1, 65536 / cols), r -> {
            float[] row = new float[cols];
            rowInto(r, row);
            float max = 0;
            for (float v : row) {
                max = Math.max(max, Math.abs(v));
            }
            float s = max / 127f;
            scale[r] = s;
            for (int c = 0; c < cols; c++) {
                q[r * cols + c] = s == 0 ? 0 : (byte) Math.max(-127, Math.min(127, Math.round(row[c] / s)));
            }
        });
        return new CpuWeight(rows, cols, q, scale);
    }

    boolean bf16() {
        return q8 == null && format == HostMatrix.Format.BF16;
    }

    /** The part holding row r (matrices have one to a few parts). */
    int part(int r) {
        int p = 0;
        while (r >= partEnd[p]) {
            p++;
        }
        return p;
    }

    int partStart(int p) {
        return p == 0 ? 0 : partEnd[p - 1];
    }

    /** Byte offset of bf16 row r inside data[part(r)]. */
    int bf16Offset(int r, int p) {
        return (r - partStart(p)) * cols * 2;
    }

    @Override
    public int rows() {
        return rows;
    }

    @Override
    public int cols() {
        return cols;
    }

    @Override
    public long bytes() {
        if (q8 != null) {
            return CpuBackend.int8Bytes(rows, cols);
        }
        return f32 != null ? 4L * f32.length : (long) rows * cols * (bf16() ? 2 : 1);
    }

    float get(int r, int c) {
        if (q8 != null) {
            return q8[r * cols + c] * q8Scale[r];
        }
        if (f32 != null) {
            return f32[r * cols + c];
        }
        int p = part(r);
        if (bf16()) {
            return DType.bf16ToFloat(data[p].getShort(bf16Offset(r, p) + 2 * c));
        }
        int rr = r - partStart(p);
        return DType.e4m3ToFloat(data[p].get(rr * cols + c)) * HostMatrix.scale(parts[p], rr, c);
    }

    float[] row(int r) {
        float[] out = new float[cols];
        rowInto(r, out);
        return out;
    }

    /** Row r as fp32 into dst[0, cols). */
    void rowInto(int r, float[] dst) {
        if (q8 != null) {
            for (int c = 0; c < cols; c++) {
                dst[c] = q8[r * cols + c] * q8Scale[r];
            }
            return;
        }
        if (f32 != null) {
            System.arraycopy(f32, r * cols, dst, 0, cols);
            return;
        }
        if (!bf16()) {
            fp8Row(r, dst);
            return;
        }
        int p = part(r);
        int off = bf16Offset(r, p);
        for (int c = 0; c < cols; c++) {
            dst[c] = DType.bf16ToFloat(data[p].getShort(off + 2 * c));
        }
    }

    /** BF16 row r's bit patterns into dst[0, cols): one bulk copy out of the mapped file. */
    void bf16Row(int r, short[] dst) {
        int p = part(r);
        shorts[p].get((r - partStart(p)) * cols, dst, 0, cols);
    }

    /** Rows [r, r + n) as fp32 into dst[0, n·cols) (a small block reused many times: MLA's kv_b per head). */
    void rowsInto(int r, int n, float[] dst) {
        float[] row = new float[cols];
        for (int i = 0; i < n; i++) {
            rowInto(r + i, row);
            System.arraycopy(row, 0, dst, i * cols, cols);
        }
    }

    /** BF16 rows [r, r + n) into dst[0, n·cols). */
    void bf16Rows(int r, int n, short[] dst) {
        int first = part(r);
        if (r + n <= partEnd[first]) { // rows are contiguous within a part: one bulk copy, not one per row
            shorts[first].get((r - partStart(first)) * cols, dst, 0, n * cols);
            return;
        }
        for (int i = 0; i < n; i++) {
            int p = part(r + i);
            shorts[p].get((r + i - partStart(p)) * cols, dst, i * cols, cols);
        }
    }

    /**
     * FP8 row r dequantised: e4m3 × the scale of its block (a 128×128 block, a whole row for
     * per-channel scales, the whole matrix for a per-tensor one), in fp32 (the reference's product).
     */
    void fp8Row(int r, float[] dst) {
        int p = part(r);
        HostMatrix.Part part = parts[p];
        int rr = r - partStart(p);
        byte[] raw = MatmulKernels.byteScratch(cols); // one bulk copy, then plain array reads
        data[p].get(rr * cols, raw, 0, cols);
        for (int c0 = 0; c0 < cols; c0 += part.blockCols()) {
            float s = HostMatrix.scale(part, rr, c0);
            int c1 = Math.min(cols, c0 + part.blockCols());
            for (int c = c0; c < c1; c++) {
                dst[c] = DType.e4m3ToFloat(raw[c]) * s;
            }
        }
    }
}
