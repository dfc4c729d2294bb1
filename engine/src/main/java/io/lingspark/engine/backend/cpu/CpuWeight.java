package io.lingspark.engine.backend.cpu;

import io.lingspark.engine.backend.Weight;

/**
 * A weight on the heap, kept in its stored precision: BF16 halves the bytes every decode step
 * streams through the cores, and widening to fp32 in registers is free next to memory traffic.
 */
final class CpuWeight implements Weight {
    final int rows;
    final int cols;
    final short[] bf16; // [rows, cols] bit patterns, or null
    final float[] f32;  // [rows, cols], or null

    CpuWeight(int rows, int cols, short[] bf16, float[] f32) {
        this.rows = rows;
        this.cols = cols;
        this.bf16 = bf16;
        this.f32 = f32;
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
        return bf16 != null ? 2L * bf16.length : 4L * f32.length;
    }

    float get(int r, int c) {
        int i = r * cols + c;
        return bf16 != null ? Float.intBitsToFloat((bf16[i] & 0xffff) << 16) : f32[i];
    }

    float[] row(int r) {
        float[] out = new float[cols];
        for (int c = 0; c < cols; c++) {
            out[c] = get(r, c);
        }
        return out;
    }
}
