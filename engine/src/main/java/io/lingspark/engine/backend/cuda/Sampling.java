package io.lingspark.engine.backend.cuda;

import jcuda.Pointer;

/** Token choice on the GPU (sampling.cu): greedy argmax, and top-k/top-p with temperature. */
final class Sampling {
    private Sampling() {
    }

    /** ids[t] = argmax of logits row t (first maximum on ties). logits [T, V] bf16. */
    static int[] argmax(CudaBackend be, CudaTensor logits) {
        DevPtr ids = be.ctx.alloc(4L * logits.rows);
        be.launch(new Launch("ls_argmax", logits.rows, 1, 1, 1024, 0), logits.ptr, logits.cols, ids);
        int[] out = new int[logits.rows];
        be.ctx.download(Pointer.to(out), ids, 4L * out.length);
        be.ctx.free(ids);
        return out;
    }

    /** Per-row temperature (> 0), top_k (0: off, at most 64 candidates), top_p, and a seed per row and step. */
    static int[] sample(CudaBackend be, CudaTensor logits, float[] temp, int[] topK, float[] topP, long[] seeds) {
        int t = logits.rows;
        DevPtr dt = be.ctx.alloc(4L * t);
        DevPtr dk = be.ctx.alloc(4L * t);
        DevPtr dp = be.ctx.alloc(4L * t);
        DevPtr ds = be.ctx.alloc(8L * t);
        DevPtr ids = be.ctx.alloc(4L * t);
        be.ctx.upload(dt, Pointer.to(temp), 4L * t);
        be.ctx.upload(dk, Pointer.to(topK), 4L * t);
        be.ctx.upload(dp, Pointer.to(topP), 4L * t);
        be.ctx.upload(ds, Pointer.to(seeds), 8L * t);
        be.launch(new Launch("ls_sample", t, 1, 1, 1024, 0), logits.ptr, logits.cols, dt, dk, dp, ds, ids);
        int[] out = new int[t];
        be.ctx.download(Pointer.to(out), ids, 4L * t);
        for (DevPtr p : new DevPtr[] {dt, dk, dp, ds, ids}) {
            be.ctx.free(p);
        }
        return out;
    }
}
