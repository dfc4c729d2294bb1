package io.lingspark.engine.backend.cuda;

import io.lingspark.engine.backend.Backend.MoeWeights;
import io.lingspark.engine.backend.MoeSpec;
import io.lingspark.engine.backend.Weight;
import java.util.IdentityHashMap;
import java.util.Map;
import jcuda.Pointer;

/**
 * The routed experts as a fixed sequence of launches (moe.cu), with no host round trip, so a decode
 * step stays one graph: router GEMM (fp32 out) → route (+ counts) → scan → scatter → experts →
 * combine. T <= 8 uses the expert GEMVs (gate and up fused with SiLU); larger steps the grouped
 * tensor-core GEMM over 32-row expert tiles.
 */
final class CudaMoe {
    private final CudaBackend be;
    private final Map<MoeWeights, Layer> layers = new IdentityHashMap<>();

    /** Device pointer arrays [E] for one layer's experts, and its expert bias [E] fp32. */
    private record Layer(DevPtr gateUp, DevPtr down, DevPtr gateUpScales, DevPtr downScales, DevPtr bias, boolean fp8) {
    }

    CudaMoe(CudaBackend be) {
        this.be = be;
    }

    private Layer layer(MoeWeights w) {
        return layers.computeIfAbsent(w, k -> {
            boolean fp8 = ((CudaWeight) w.gateUp()[0]).fp8();
            DevPtr bias = w.expertBias() == null ? null : be.floats(w.expertBias());
            return new Layer(pointers(w.gateUp(), false), pointers(w.down(), false),
                    fp8 ? pointers(w.gateUp(), true) : null, fp8 ? pointers(w.down(), true) : null, bias, fp8);
        });
    }

    private DevPtr pointers(Weight[] ws, boolean scales) {
        long[] a = new long[ws.length];
        for (int i = 0; i < ws.length; i++) {
            CudaWeight cw = (CudaWeight) ws[i];
            a[i] = scales ? cw.scaleInv.address() : cw.ptr.address();
        }
        DevPtr p = be.ctx.alloc(8L * a.length);
        be.ctx.upload(p, Pointer.to(a), 8L * a.length);
        return p;
    }

    void run(CudaTensor x, MoeWeights w, MoeSpec c, CudaTensor out, int[] chosen) {
        int t = x.rows;
        int h = x.cols;
        int e = c.experts();
        int k = c.topK();
        int m = c.intermediate();
        int slots = t * k;
        if (e > 1024 || c.groups() > 32 || e % c.groups() != 0 || k > 64) {
            throw new IllegalArgumentException("MoE kernels support E <= 1024, n_group <= 32, k <= 64");
        }
        Layer ly = layer(w);
        CudaTensor logits = be.tensor(t, e, true);
        Gemm.run(be, x, (CudaWeight) w.router(), logits);
        DevPtr counts = be.temp(4L * e);
        be.launch(LaunchConfigs.flat("ls_fill_i32", e), counts, 0, e);
        DevPtr ids = be.temp(4L * slots);
        DevPtr wts = be.temp(4L * slots);
        be.launch(LaunchConfigs.rows("ls_moe_route", t), logits.ptr, ly.bias, e, k, c.groups(), c.topkGroup(),
                c.routedScale(), ids, wts, counts);
        int maxTiles = LaunchConfigs.moeMaxTiles(slots, e);
        DevPtr offsets = be.temp(4L * (e + 1));
        DevPtr active = be.temp(4L * e);
        DevPtr tileMap = be.temp(8L * maxTiles);
        DevPtr cursor = be.temp(4L * e);
        be.launch(new Launch("ls_moe_scan", 1, 1, 1, 256, 0), counts, e, offsets, active, tileMap, maxTiles, cursor);
        DevPtr perm = be.temp(4L * slots);
        DevPtr slotPos = be.temp(4L * slots);
        be.launch(LaunchConfigs.flat("ls_moe_scatter", slots), ids, slots, offsets, cursor, perm, slotPos);
        DevPtr act = be.temp(2L * slots * m);
        // bf16 experts keep their products fp32 (gate|up until silu·up, down until the combine): the
        // only roundings are where a GEMM reads bf16 input. FP8 experts keep the bf16 path.
        boolean f32 = !ly.fp8;
        DevPtr y = be.temp((f32 ? 4L : 2L) * slots * h);
        String sfx = ly.fp8 ? "_fp8w" : "";
        if (t <= LaunchConfigs.GEMV_MAX_ROWS) {
            be.launch(LaunchConfigs.moeExpertGemv("ls_moe_gateup_gemv" + sfx, slots, e, m), x.ptr, h, m, k, active, offsets,
                    perm, ly.gateUp, ly.gateUpScales, act);
            be.launch(LaunchConfigs.moeExpertGemv(f32 ? "ls_moe_down_gemv_f32y" : "ls_moe_down_gemv" + sfx, slots, e, h), act,
                    h, m, active, offsets, ly.down, ly.downScales, y);
        } else {
            if (h % 8 != 0 || m % 8 != 0) {
                throw new IllegalArgumentException("grouped expert GEMM needs hidden and moe_intermediate sizes % 8 == 0");
            }
            DevPtr gu = be.temp((f32 ? 8L : 4L) * slots * m);
            Gemm.tile(be, LaunchConfigs.groupedGemm(slots, e, 2 * m, ly.fp8, f32), x.ptr, null, null, ly.gateUp,
                    ly.gateUpScales, tileMap, offsets, perm, k, gu, null, slots, 2 * m, h);
            be.launch(LaunchConfigs.flat(f32 ? "ls_silu_mul_f32in" : "ls_silu_mul", (long) slots * m), gu, act, slots, m);
            Gemm.tile(be, LaunchConfigs.groupedGemm(slots, e, h, ly.fp8, f32), act, null, null, ly.down, ly.downScales,
                    tileMap, offsets, null, 1, y, null, slots, h, m);
        }
        String combine = "ls_moe_combine" + (f32 ? "_f32y" : "") + (out.f32 ? "_f32" : ""); // y type, out type
        be.launch(LaunchConfigs.rows(combine, t), y, wts, slotPos, k, h, out.ptr);
        if (chosen != null) { // routing record (tests, analysis): a host sync, so no graph for this step
            be.interruptGraph();
            be.ctx.download(Pointer.to(chosen), ids, 4L * slots);
        }
    }
}
