package io.lingspark.engine.backend.cuda;

import io.lingspark.engine.step.ForwardBatch;
import java.util.List;

/**
 * What the attention kernels read from device memory for one step, built on the host from the
 * ForwardBatch: positions [T], row_seq [T], the block tables [S, maxBlocks] (row-major, unused
 * entries 0) and the attention tiles [nTiles, 2] (first row, rows): consecutive rows of one
 * sequence, `tileRows` at most. decode = every sequence contributes one row.
 */
public record StepMetadata(int[] positions, int[] rowSeq, int[] blockTable, int maxBlocks, int[] tiles, int nTiles,
                           boolean decode) {

    public static StepMetadata of(ForwardBatch batch, int maxBlocks, int group) {
        List<ForwardBatch.Seq> seqs = batch.seqs();
        boolean decode = batch.isDecode();
        int qr = LaunchConfigs.attentionRows(decode, group);
        int[] table = new int[seqs.size() * maxBlocks];
        int nTiles = 0;
        for (ForwardBatch.Seq s : seqs) {
            nTiles += (s.numNew() + qr - 1) / qr;
        }
        int[] tiles = new int[2 * nTiles];
        int ti = 0;
        for (int i = 0; i < seqs.size(); i++) {
            ForwardBatch.Seq s = seqs.get(i);
            int[] bt = s.blockTable();
            if (bt.length > maxBlocks) {
                throw new IllegalArgumentException("sequence needs " + bt.length + " blocks, the table holds " + maxBlocks);
            }
            System.arraycopy(bt, 0, table, i * maxBlocks, bt.length);
            for (int r = 0; r < s.numNew(); r += qr) {
                tiles[2 * ti] = s.firstRow() + r;
                tiles[2 * ti + 1] = Math.min(qr, s.numNew() - r);
                ti++;
            }
        }
        return new StepMetadata(batch.positions(), batch.rowSeq(), table, maxBlocks, tiles, nTiles, decode);
    }
}
