package io.lingspark.engine.backend.cuda;

/**
 * Dispatch of y = x·Wᵀ to the GEMV (M <= 8: decode), the 32-row tile (M <= 256) or the 128-row tile
 * (prefill), with split-K partials reduced by ls_splitk_reduce_* when the tile count alone would
 * leave SMs idle. The kernel argument struct GemmArgs (gemm.cu) is passed as its fields' bits.
 */
final class Gemm {
    private Gemm() {
    }

    static void run(CudaBackend be, CudaTensor x, CudaWeight w, CudaTensor out) {
        if (x.cols != w.cols || out.cols != w.rows || out.rows != x.rows) {
            throw new IllegalArgumentException("matmul shapes [" + x.rows + "," + x.cols + "]·[" + w.rows + "," + w.cols
                    + "]ᵀ → [" + out.rows + "," + out.cols + "]");
        }
        int m = x.rows;
        int n = w.rows;
        int k = w.cols;
        Launch l = LaunchConfigs.gemm(m, n, k, w.fp8(), out.f32, be.ctx.smCount);
        if (w.fp8() && out.f32) {
            throw new IllegalArgumentException("fp32 output from an fp8 weight is not built");
        }
        if (l.kernel().startsWith("ls_gemv")) {
            // rows in passes of 8; each pass a separate launch over the same weight (M <= 8 in decode)
            for (int r = 0; r < m; r += LaunchConfigs.GEMV_MAX_ROWS) {
                int rows = Math.min(LaunchConfigs.GEMV_MAX_ROWS, m - r);
                Launch one = new Launch(l.kernel(), l.gx(), 1, 1, l.bx(), 0);
                DevPtr a = x.ptr.plus(2L * r * k);
                DevPtr c = out.ptr.plus((long) r * n * (out.f32 ? 4 : 2));
                if (w.fp8()) {
                    be.launch(one, a, w.ptr, w.scaleInv, c, rows, n, k);
                } else {
                    be.launch(one, a, w.ptr, c, rows, n, k);
                }
            }
            return;
        }
        int splits = l.gz();
        DevPtr ws = splits > 1 ? be.temp(4L * splits * m * n) : null;
        tile(be, l, x.ptr, w.ptr, w.scaleInv, null, null, null, null, null, 0, out.ptr, ws, m, n, k);
        if (splits > 1) {
            long mn = (long) m * n;
            be.launch(LaunchConfigs.flat(out.f32 ? "ls_splitk_reduce_f32" : "ls_splitk_reduce_bf16", mn), ws, out.ptr, splits, mn);
        }
    }

    /** Launches a tile kernel with the GemmArgs struct's fields in declaration order (gemm.cu). */
    static void tile(CudaBackend be, Launch l, DevPtr a, DevPtr b, DevPtr bScale, DevPtr bPtrs, DevPtr bScalePtrs,
                     DevPtr tileMap, DevPtr offsets, DevPtr aRows, int topk, DevPtr c, DevPtr ws, int m, int n, int k) {
        // struct GemmArgs { 8 pointers; int topk; (pad); void* C; float* ws; int M, N, K; (pad) } = 104 bytes
        java.nio.ByteBuffer bb = java.nio.ByteBuffer.allocate(104).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        for (DevPtr p : new DevPtr[] {a, b, bScale, bPtrs, bScalePtrs, tileMap, offsets, aRows}) {
            bb.putLong(p == null ? 0 : p.address());
        }
        bb.putInt(topk).putInt(0);
        bb.putLong(c.address()).putLong(ws == null ? 0 : ws.address());
        bb.putInt(m).putInt(n).putInt(k).putInt(0);
        byte[] bytes = bb.array();
        long[] bits = new long[13];
        java.nio.ByteBuffer.wrap(bytes).order(java.nio.ByteOrder.LITTLE_ENDIAN).asLongBuffer().get(bits);
        be.graphs.launch(l, bits, jcuda.Pointer.to(jcuda.Pointer.to(bytes)));
    }
}
