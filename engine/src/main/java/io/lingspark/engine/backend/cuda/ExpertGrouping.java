package io.lingspark.engine.backend.cuda;

/**
 * Host reference of the MoE grouping the GPU does in ls_moe_route/scan/scatter (tests compare the
 * two; the engine never runs this on the hot path): tokens per expert, prefix sums, the permutation
 * of routed slots (t·k + j) into expert-contiguous rows, the slot → row inverse, the active expert
 * list and the 32-row tile map of the grouped GEMM.
 */
public record ExpertGrouping(int[] counts, int[] offsets, int[] perm, int[] slotPos, int[] active, int[] tileMap) {

    /** @param ids chosen experts [T·k]; stable order inside an expert (the GPU's is arbitrary, sums are not). */
    public static ExpertGrouping of(int[] ids, int experts, int tileRows, int maxTiles) {
        int[] counts = new int[experts];
        for (int e : ids) {
            counts[e]++;
        }
        int[] offsets = new int[experts + 1];
        for (int e = 0; e < experts; e++) {
            offsets[e + 1] = offsets[e] + counts[e];
        }
        int[] cursor = new int[experts];
        int[] perm = new int[ids.length];
        int[] slotPos = new int[ids.length];
        for (int s = 0; s < ids.length; s++) {
            int p = offsets[ids[s]] + cursor[ids[s]]++;
            perm[p] = s;
            slotPos[s] = p;
        }
        int[] active = new int[experts];
        java.util.Arrays.fill(active, -1);
        int na = 0;
        int[] tileMap = new int[2 * maxTiles];
        java.util.Arrays.fill(tileMap, -1);
        int tile = 0;
        for (int e = 0; e < experts; e++) {
            if (counts[e] > 0) {
                active[na++] = e;
            }
            for (int r = 0; r < counts[e]; r += tileRows) {
                if (tile >= maxTiles) {
                    throw new IllegalStateException("tile bound " + maxTiles + " too small");
                }
                tileMap[2 * tile] = e;
                tileMap[2 * tile + 1] = offsets[e] + r;
                tile++;
            }
        }
        return new ExpertGrouping(counts, offsets, perm, slotPos, active, tileMap);
    }
}
