package io.lingspark.engine.backend.cuda;

import io.lingspark.engine.backend.BatchLayout;
import java.util.List;

/**
 * What the attention kernels read from device memory for one step, built on the host from the
 * batch layout: positions [T], row_seq [T], the block tables [S, maxBlocks] (row-major, unused
 * entries 0) and the attention tiles [nTiles, 2] (first row, rows): consecutive rows of one
 * sequence, `tileRows` at most. decode = every sequence contributes one row.
 */
public record StepMetadata(int[] positions, int[] rowSeq, int[] blockTable, int maxBlocks, int[] tiles, int nTiles,
                           boolean decode) {

    public static StepMetadata of(BatchLayout layout, int maxBlocks, int group) {
        List<BatchLayout.Chunk> chunks = layout.chunks();
        int t = layout.rows();
        boolean decode = chunks.stream().allMatch(c -> c.length() == 1);
        int qr = LaunchConfigs.attentionRows(decode, group);
        int[] rowSeq = new int[t];
        int[] table = new int[chunks.size() * maxBlocks];
        int nTiles = 0;
        for (BatchLayout.Chunk c : chunks) {
            nTiles += (c.length() + qr - 1) / qr;
        }
        int[] tiles = new int[2 * nTiles];
        int ti = 0;
        for (int s = 0; s < chunks.size(); s++) {
            BatchLayout.Chunk c = chunks.get(s);
            CudaKvCache cache = (CudaKvCache) c.cache();
            if (cache.blockCount() > maxBlocks) {
                throw new IllegalArgumentException("sequence needs " + cache.blockCount() + " blocks, the table holds " + maxBlocks);
            }
            for (int b = 0; b < cache.blockCount(); b++) {
                table[s * maxBlocks + b] = cache.block(b);
            }
            for (int i = 0; i < c.length(); i++) {
                rowSeq[c.row() + i] = s;
            }
            for (int r = 0; r < c.length(); r += qr) {
                tiles[2 * ti] = c.row() + r;
                tiles[2 * ti + 1] = Math.min(qr, c.length() - r);
                ti++;
            }
        }
        return new StepMetadata(layout.positions(), rowSeq, table, maxBlocks, tiles, nTiles, decode);
    }
}
