package io.lingspark.engine.weights;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * A weight as the checkpoint holds it, before a backend takes it: [rows, cols], row-major. BF16 and
 * FP8 E4M3 data stay where they are, in the memory-mapped safetensors file (no heap copy; the page
 * cache holds what is touched); FP8 keeps its 128×128 block scales beside it, so a backend decides
 * how to use it (dequantise on the fly, widen once, or run FP8 kernels). F32 and F16 tensors
 * (norms, biases, scales: small) are widened into a heap float[]. Vectors are [1, n].
 *
 * <p>A matrix is one or more parts, each a run of whole rows of one source tensor in one buffer of
 * at most 1 GiB (a Java buffer is int-indexed, and Ling-1T's embedding alone is 2.6 GB): a tensor,
 * a row range of it ({@link #rows}), or two tensors stacked ({@link #stack}, gate | up) are all views.
 */
public final class HostMatrix {
    public enum Format { BF16, FP8_E4M3, F32 }

    /** Largest part in bytes: whole rows up to this size share one buffer. */
    static final long MAX_PART_BYTES = 1L << 30;

    /**
     * Rows [firstRow, firstRow + rows) of a source tensor: data holds them from position 0,
     * little-endian. FP8 parts carry the source tensor's block scales: element (r, c) of the part is
     * e4m3 × scaleInv[⌊(firstRow + r)/blockRows⌋ · scaleCols + ⌊c/blockCols⌋] (§6.1, "_inv" is the multiplier).
     */
    public record Part(ByteBuffer data, int rows, int firstRow, float[] scaleInv, int scaleCols, int blockRows,
                       int blockCols) {
    }

    private final String name;
    private final int rows;
    private final int cols;
    private final Format format;
    private final List<Part> parts; // BF16 / FP8, in row order; empty for F32
    private final float[] f32;      // F32 [rows, cols], or null

    private HostMatrix(String name, int rows, int cols, Format format, List<Part> parts, float[] f32) {
        this.name = name;
        this.rows = rows;
        this.cols = cols;
        this.format = format;
        this.parts = List.copyOf(parts);
        this.f32 = f32;
    }

    public String name() {
        return name;
    }

    public int rows() {
        return rows;
    }

    public int cols() {
        return cols;
    }

    public Format format() {
        return format;
    }

    /** BF16 / FP8 parts in row order (empty for F32). */
    public List<Part> parts() {
        return parts;
    }

    /** F32 data [rows, cols] (null unless F32). */
    public float[] f32() {
        return f32;
    }

    /** BF16 bit patterns on the heap (tests, harnesses); the buffer is direct like a mapped one. */
    public static HostMatrix ofBf16(String name, int rows, int cols, short[] data) {
        check(name, rows, cols, data.length);
        ByteBuffer b = ByteBuffer.allocateDirect(2 * data.length).order(ByteOrder.LITTLE_ENDIAN);
        b.asShortBuffer().put(data);
        return new HostMatrix(name, rows, cols, Format.BF16, List.of(new Part(b, rows, 0, null, 0, 0, 0)), null);
    }

    public static HostMatrix ofF32(String name, int rows, int cols, float[] data) {
        check(name, rows, cols, data.length);
        return new HostMatrix(name, rows, cols, Format.F32, List.of(), data);
    }

    /** BF16 or FP8 parts already laid out (a backend's random weights, the checkpoint loader). */
    public static HostMatrix ofParts(String name, int cols, Format format, List<Part> parts) {
        if (format == Format.F32 || parts.isEmpty()) {
            throw new IllegalArgumentException(name + ": parts need a BF16 or FP8 format and at least one part");
        }
        int rows = 0;
        for (Part p : parts) {
            rows = Math.addExact(rows, p.rows());
        }
        return new HostMatrix(name, rows, cols, format, parts, null);
    }

    private static void check(String name, int rows, int cols, long n) {
        if ((long) rows * cols != n) {
            throw new IllegalArgumentException(name + ": need " + (long) rows * cols + " elements, got " + n);
        }
    }

    /** A 2-D tensor (or a vector as [1, n]) read in place; fp8 takes its {@code _scale_inv} tensor. */
    public static HostMatrix of(TensorInfo t, TensorInfo scaleInv, int blockRows, int blockCols) {
        int rows = t.rank() == 1 ? 1 : Math.toIntExact(t.shape()[0]);
        int cols = Math.toIntExact(t.shape()[t.rank() - 1]);
        switch (t.dtype()) {
            case BF16 -> {
                return ofParts(t.name(), cols, Format.BF16, mapped(t, rows, 2L * cols, null, 0, 0, 0));
            }
            case F8_E4M3 -> {
                float[] s = scaleInv.readFloats();
                int scaleCols = (cols + blockCols - 1) / blockCols;
                return ofParts(t.name(), cols, Format.FP8_E4M3, mapped(t, rows, cols, s, scaleCols, blockRows, blockCols));
            }
            default -> {
                return ofF32(t.name(), rows, cols, t.readFloats());
            }
        }
    }

    private static List<Part> mapped(TensorInfo t, int rows, long rowBytes, float[] s, int scaleCols, int br, int bc) {
        List<Part> out = new ArrayList<>();
        int first = 0;
        for (ByteBuffer b : t.file().rowSlices(t, rowBytes, MAX_PART_BYTES)) {
            int n = (int) (b.capacity() / rowBytes);
            out.add(new Part(b, n, first, s, scaleCols, br, bc));
            first += n;
        }
        if (first != rows) {
            throw new IllegalStateException(t.name() + ": mapped " + first + " rows of " + rows);
        }
        return out;
    }

    /** Rows [from, to) as a view (the MLA kv_a projection splits into latent and rope-key rows). */
    public HostMatrix rows(int from, int to) {
        String n = name + "[" + from + ":" + to + "]";
        if (from < 0 || to > rows || from >= to) {
            throw new IllegalArgumentException(n + " outside [0, " + rows + ")");
        }
        if (format == Format.F32) {
            return ofF32(n, to - from, cols, Arrays.copyOfRange(f32, from * cols, to * cols));
        }
        int elem = format == Format.BF16 ? 2 : 1;
        List<Part> out = new ArrayList<>();
        int start = 0;
        for (Part p : parts) {
            int lo = Math.max(from, start);
            int hi = Math.min(to, start + p.rows());
            if (lo < hi) {
                ByteBuffer b = p.data().slice((lo - start) * cols * elem, (hi - lo) * cols * elem).order(ByteOrder.LITTLE_ENDIAN);
                out.add(new Part(b, hi - lo, p.firstRow() + lo - start, p.scaleInv(), p.scaleCols(), p.blockRows(), p.blockCols()));
            }
            start += p.rows();
        }
        return new HostMatrix(n, to - from, cols, format, out, null);
    }

    /** a's rows then b's (gate | up stacked, so one product computes both), as a view when both are BF16 or FP8. */
    public static HostMatrix stack(HostMatrix a, HostMatrix b) {
        String n = a.name + "+" + b.name;
        if (a.cols != b.cols) {
            throw new IllegalArgumentException(n + ": " + a.cols + " vs " + b.cols + " columns");
        }
        if (a.format == b.format && a.format != Format.F32) {
            List<Part> ps = new ArrayList<>(a.parts);
            ps.addAll(b.parts);
            return new HostMatrix(n, a.rows + b.rows, a.cols, a.format, ps, null);
        }
        float[] af = a.toFloats();
        float[] bf = b.toFloats();
        float[] d = Arrays.copyOf(af, af.length + bf.length);
        System.arraycopy(bf, 0, d, af.length, bf.length);
        return ofF32(n, a.rows + b.rows, a.cols, d);
    }

    /** Element (r, c) as float: bf16 widened, fp8 × its block scale. */
    public float get(int r, int c) {
        if (format == Format.F32) {
            return f32[r * cols + c];
        }
        int start = 0;
        for (Part p : parts) {
            if (r < start + p.rows()) {
                int i = (r - start) * cols + c;
                if (format == Format.BF16) {
                    return DType.bf16ToFloat(p.data().getShort(2 * i));
                }
                return DType.e4m3ToFloat(p.data().get(i)) * scale(p, r - start, c);
            }
            start += p.rows();
        }
        throw new IndexOutOfBoundsException(name + " row " + r + " of " + rows);
    }

    /** The block scale of element (r, c) of an FP8 part. */
    public static float scale(Part p, int r, int c) {
        return p.scaleInv()[((p.firstRow() + r) / p.blockRows()) * p.scaleCols() + c / p.blockCols()];
    }

    /** All values as float (small tensors: norms, biases; and tests). */
    public float[] toFloats() {
        if (f32 != null) {
            return f32.clone();
        }
        float[] out = new float[Math.multiplyExact(rows, cols)];
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < cols; c++) {
                out[r * cols + c] = get(r, c);
            }
        }
        return out;
    }

    /** Bytes of the stored data (fp8 scales included). */
    public long bytes() {
        if (f32 != null) {
            return 4L * f32.length;
        }
        long n = (long) rows * cols * (format == Format.BF16 ? 2 : 1);
        if (format == Format.FP8_E4M3) {
            n += 4L * parts.get(0).scaleInv().length;
        }
        return n;
    }
}
