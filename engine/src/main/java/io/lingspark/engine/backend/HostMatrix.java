package io.lingspark.engine.backend;

/**
 * A weight as read from a checkpoint (or generated), before a backend takes it: [rows, cols],
 * row-major, either BF16 bit patterns or F32 values (FP8 block-scaled weights arrive dequantised
 * to F32: the exact product fp8 × scale). Vectors are [1, n].
 */
public record HostMatrix(String name, int rows, int cols, short[] bf16, float[] f32) {
    public HostMatrix {
        long n = (long) rows * cols;
        if ((bf16 == null) == (f32 == null) || (bf16 != null ? bf16.length : f32.length) != n) {
            throw new IllegalArgumentException(name + ": need exactly one of bf16/f32 with " + n + " elements");
        }
    }

    public static HostMatrix ofBf16(String name, int rows, int cols, short[] data) {
        return new HostMatrix(name, rows, cols, data, null);
    }

    public static HostMatrix ofF32(String name, int rows, int cols, float[] data) {
        return new HostMatrix(name, rows, cols, null, data);
    }

    public float get(int r, int c) {
        long i = (long) r * cols + c;
        return bf16 != null ? Float.intBitsToFloat((bf16[(int) i] & 0xffff) << 16) : f32[(int) i];
    }

    /** All values as float (small tensors: norms, biases). */
    public float[] toFloats() {
        if (f32 != null) {
            return f32.clone();
        }
        float[] out = new float[bf16.length];
        for (int i = 0; i < out.length; i++) {
            out[i] = Float.intBitsToFloat((bf16[i] & 0xffff) << 16);
        }
        return out;
    }

    public long bytes() {
        return bf16 != null ? 2L * bf16.length : 4L * f32.length;
    }
}
