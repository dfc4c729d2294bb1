package io.lingspark.engine.backend.cuda;

import io.lingspark.engine.backend.Weight;

/**
 * A weight in device memory: bf16 [rows, cols], or FP8 E4M3 [rows, cols] with its fp32 block scales
 * scaleInv [ceil(rows/128), ceil(cols/128)] (§6.1), dequantised on the fly by the GEMM kernels.
 */
public final class CudaWeight implements Weight {
    final int rows;
    final int cols;
    final DevPtr ptr;
    final DevPtr scaleInv; // null unless fp8

    CudaWeight(int rows, int cols, DevPtr ptr, DevPtr scaleInv) {
        this.rows = rows;
        this.cols = cols;
        this.ptr = ptr;
        this.scaleInv = scaleInv;
    }

    boolean fp8() {
        return scaleInv != null;
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
        long n = (long) rows * cols;
        return fp8() ? n + 4L * ((rows + 127) / 128) * ((cols + 127) / 128) : 2 * n;
    }
}
