package io.lingspark.engine.backend.cuda;

import io.lingspark.engine.backend.Tensor;

/** An activation matrix [rows, cols] in device memory, bf16 (or fp32 for router logits), row-major. */
public final class CudaTensor implements Tensor {
    final int rows;
    final int cols;
    final boolean f32;
    final DevPtr ptr;      // [rows, cols]
    final boolean arena;   // owned by a step arena: free() is a no-op, the arena recycles it

    CudaTensor(int rows, int cols, boolean f32, DevPtr ptr, boolean arena) {
        this.rows = rows;
        this.cols = cols;
        this.f32 = f32;
        this.ptr = ptr;
        this.arena = arena;
    }

    @Override
    public int rows() {
        return rows;
    }

    @Override
    public int cols() {
        return cols;
    }

    long bytes() {
        return (long) rows * cols * (f32 ? 4 : 2);
    }
}
