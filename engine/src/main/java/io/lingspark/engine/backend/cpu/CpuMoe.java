package io.lingspark.engine.backend.cpu;

import io.lingspark.engine.backend.Backend.MoeWeights;
import io.lingspark.engine.backend.MoeSpec;

/**
 * Routed experts on the CPU: route every token, group the tokens by expert, then run all active
 * experts' products as one parallel job over (expert, output row) so that decode (a few tokens,
 * k experts) and prefill (many tokens per expert) both keep every core busy.
 */
final class CpuMoe {
    private CpuMoe() {
    }

    static void forward(CpuBackend be, CpuTensor x, MoeWeights w, MoeSpec c, CpuTensor out, int[] chosen) {
        int t = x.rows;
        int h = x.cols;
        int e = c.experts();
        int k = c.topK();
        int m = c.intermediate();
        // 1. Router logits in fp32 (bf16 weight widened), then selection per token.
        CpuTensor logits = new CpuTensor(t, e);
        be.matmul(x, w.router(), logits);
        int[] ids = new int[t * k];
        float[] wts = new float[t * k];
        be.par.forRange(t, 16, i -> {
            int[] ex = new int[k];
            float[] wt = new float[k];
            MoeRouter.route(logits.data, i * e, w.expertBias(), c, ex, wt);
            System.arraycopy(ex, 0, ids, i * k, k);
            System.arraycopy(wt, 0, wts, i * k, k);
        });
        if (chosen != null) {
            System.arraycopy(ids, 0, chosen, 0, t * k);
        }
        // 2. Tokens per expert: the slots (token · k + j) routed to each active expert, in slot order.
        int[] count = new int[e];
        for (int s = 0; s < t * k; s++) {
            count[ids[s]]++;
        }
        int na = 0;
        int[] active = new int[e];
        int[] expertSlot = new int[e];
        for (int i = 0; i < e; i++) {
            if (count[i] > 0) {
                expertSlot[i] = na;
                active[na++] = i;
            }
        }
        int[][] slots = new int[na][];
        for (int a = 0; a < na; a++) {
            slots[a] = new int[count[active[a]]];
        }
        int[] filled = new int[na];
        int[] rowOf = new int[t * k]; // a slot's row in its expert's inputs
        for (int s = 0; s < t * k; s++) {
            int a = expertSlot[ids[s]];
            rowOf[s] = filled[a];
            slots[a][filled[a]++] = s;
        }
        CpuTensor[] y = new CpuTensor[na];
        // 3. gate|up, silu·up and down. With at least two active experts per thread (decode: k experts
        //    per token; prefill: most experts), one parallel job over experts runs each expert's
        //    gather, three steps and allocations back to back (one parallel region instead of two and a
        //    serial silu, and no serial setup on the calling thread while the others wait: at batch 16
        //    that setup was ~8 % of a decode step's samples); with fewer, each product is split over
        //    rows to keep every core busy. Either way every output row is the same computation.
        if (na >= 2 * be.par.threads) {
            int[] byLoad = largestFirst(slots);
            be.par.forRange(na, 1, j -> {
                int a = byLoad[j];
                int ex = active[a];
                CpuTensor xin = gather(x, slots[a], k);
                CpuTensor gu = new CpuTensor(xin.rows, 2 * m);
                MatmulKernels.matmulRows(xin.data, xin.rows, (CpuWeight) w.gateUp()[ex], gu.data, 0, 2 * m);
                CpuTensor act = new CpuTensor(xin.rows, m);
                be.siluMul(gu, act);
                y[a] = new CpuTensor(xin.rows, h);
                MatmulKernels.matmulRows(act.data, act.rows, (CpuWeight) w.down()[ex], y[a].data, 0, h);
            });
        } else {
            CpuTensor[] xin = new CpuTensor[na];
            CpuTensor[] gu = new CpuTensor[na];
            CpuTensor[] act = new CpuTensor[na];
            for (int a = 0; a < na; a++) {
                xin[a] = gather(x, slots[a], k);
                gu[a] = new CpuTensor(xin[a].rows, 2 * m);
                act[a] = new CpuTensor(xin[a].rows, m);
                y[a] = new CpuTensor(xin[a].rows, h);
            }
            grouped(be, xin, active, w.gateUp(), gu, 2 * m);
            for (int a = 0; a < na; a++) {
                be.siluMul(gu[a], act[a]);
            }
            grouped(be, act, active, w.down(), y, h);
        }
        // 4. Weighted sum in fp32, in the chosen order of each token (deterministic).
        java.util.Arrays.fill(out.data, 0, t * h, 0f);
        be.par.forRange(t, 4, i -> {
            for (int j = 0; j < k; j++) {
                int s = i * k + j;
                CpuTensor ya = y[expertSlot[ids[s]]];
                float wt = wts[s];
                int src = rowOf[s] * h;
                for (int q = 0; q < h; q++) {
                    out.data[i * h + q] += wt * ya.data[src + q];
                }
            }
        });
    }

    /**
     * The experts' indices, those with the most tokens first (ties in index order). The threads claim
     * experts in this order, so the longest jobs start first and the short ones fill in at the end: in
     * expert order a prefill's largest expert (bench-small's random router sent up to 229 of a 256-token
     * prompt's tokens to one expert) could start last and leave the other threads idle while it runs. The
     * order of work changes, not its arithmetic: each expert's outputs are computed alone, into its own rows.
     */
    static int[] largestFirst(int[][] slots) {
        int na = slots.length;
        long[] keys = new long[na];
        for (int a = 0; a < na; a++) {
            keys[a] = ((long) (Integer.MAX_VALUE - slots[a].length) << 32) | a;
        }
        java.util.Arrays.sort(keys);
        int[] order = new int[na];
        for (int j = 0; j < na; j++) {
            order[j] = (int) keys[j];
        }
        return order;
    }

    /** The token rows of the given slots (token · k + j) of x, in order: an expert's inputs. */
    private static CpuTensor gather(CpuTensor x, int[] slots, int k) {
        int h = x.cols;
        CpuTensor in = new CpuTensor(slots.length, h);
        for (int r = 0; r < slots.length; r++) {
            System.arraycopy(x.data, (slots[r] / k) * h, in.data, r * h, h);
        }
        return in;
    }

    /** out[a] = in[a] · W[expert(a)]ᵀ for every active expert, parallel over (expert, row block). */
    private static void grouped(CpuBackend be, CpuTensor[] in, int[] active, io.lingspark.engine.backend.Weight[] ws,
                                CpuTensor[] out, int n) {
        int na = in.length;
        int blocksPer = Math.max(1, Math.min(n / 16, be.par.threads * 4 / Math.max(1, na) + 1));
        int per = (n + blocksPer - 1) / blocksPer;
        float[][] ordered = new float[na][];
        for (int a = 0; blocksPer > 1 && a < na; a++) { // ordered once per expert, not once per row block
            CpuWeight w = (CpuWeight) ws[active[a]];
            if (MatmulKernels.takesPairOrder(w)) {
                ordered[a] = new float[in[a].rows * w.cols];
                PairKernels.order(in[a].data, 0, in[a].rows, w.cols, ordered[a]);
            }
        }
        be.par.forRange(na * blocksPer, 1, job -> {
            int a = job / blocksPer;
            int n0 = (job % blocksPer) * per;
            int n1 = Math.min(n, n0 + per);
            if (n0 < n1) {
                MatmulKernels.matmulRows(in[a].data, ordered[a], in[a].rows, (CpuWeight) ws[active[a]], out[a].data, n0, n1);
            }
        });
    }
}
