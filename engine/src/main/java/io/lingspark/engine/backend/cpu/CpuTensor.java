package io.lingspark.engine.backend.cpu;

import io.lingspark.engine.backend.Tensor;

/** A heap activation matrix [rows, cols], fp32, row-major. */
public final class CpuTensor implements Tensor {
    final int rows;
    final int cols;
    final float[] data; // [rows, cols]

    CpuTensor(int rows, int cols) {
        this(rows, cols, new float[Math.multiplyExact(rows, cols)]);
    }

    CpuTensor(int rows, int cols, float[] data) {
        this.rows = rows;
        this.cols = cols;
        this.data = data;
    }

    @Override
    public int rows() {
        return rows;
    }

    @Override
    public int cols() {
        return cols;
    }

    public float[] data() {
        return data;
    }
}
