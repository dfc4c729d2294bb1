package io.lingspark.engine.backend.cuda;

import jcuda.Pointer;

/**
 * Token choice on the GPU (sampling.cu) from fp32 logits [R, V], so a step copies R ints to the host
 * instead of R·V floats: greedy argmax (temperature 0), or temperature with top-k (1..64 candidates)
 * and top-p over the top-k renormalised distribution. Runs after the step's graph, on parameter
 * buffers kept from step to step (grown when a step has more rows).
 */
final class Sampling implements AutoCloseable {
    private final CudaContext ctx;
    private DevPtr params; // [cap] temperature f32 | top_k i32 | top_p f32 | ids i32 | seeds u64
    private int cap;

    Sampling(CudaContext ctx) {
        this.ctx = ctx;
    }

    int[] sample(CudaBackend be, CudaTensor logits, float[] temp, int[] topK, float[] topP, long[] seeds) {
        if (!logits.f32) {
            throw new IllegalArgumentException("device sampling reads fp32 logits");
        }
        int r = logits.rows;
        if (r > cap) {
            close();
            cap = Math.max(r, 64);
            params = ctx.alloc(24L * cap);
        }
        DevPtr dt = params;
        DevPtr dk = params.plus(4L * cap);
        DevPtr dp = params.plus(8L * cap);
        DevPtr ids = params.plus(12L * cap);
        DevPtr ds = params.plus(16L * cap);
        ctx.upload(dt, Pointer.to(temp), 4L * r);
        ctx.upload(dk, Pointer.to(topK), 4L * r);
        ctx.upload(dp, Pointer.to(topP), 4L * r);
        ctx.upload(ds, Pointer.to(seeds), 8L * r);
        be.launch(new Launch("ls_sample_f32", r, 1, 1, 1024, 0), logits.ptr, logits.cols, dt, dk, dp, ds, ids);
        int[] out = new int[r];
        ctx.download(Pointer.to(out), ids, 4L * r);
        return out;
    }

    @Override
    public void close() {
        if (params != null) {
            ctx.free(params);
            params = null;
            cap = 0;
        }
    }
}
