package io.lingspark.engine.model;

import io.lingspark.engine.config.Quantization;
import io.lingspark.engine.weights.DType;
import io.lingspark.engine.weights.HostMatrix;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Random FP8 weights laid out as a quantized checkpoint loads them (e4m3 bytes in direct memory plus
 * the block scales of the config's strategy), for FP8 benchmarks without files: the backend gets
 * exactly what it gets from a compressed-tensors or native FP8 checkpoint, so the bench measures the
 * FP8 path and its resident bytes.
 */
final class RandomFp8 {
    /** 16 random bits → uniform in [-448, 448] rounded to e4m3: one table read per weight. */
    private static final byte[] UNIFORM = new byte[1 << 16];

    static {
        for (int k = 0; k < UNIFORM.length; k++) {
            UNIFORM[k] = DType.floatToE4m3(((k + 0.5f) / 32768f - 1f) * 448f);
        }
    }

    private RandomFp8() {
    }

    /** [rows, cols] uniform in [-amplitude, amplitude] (to fp8 precision), every block scaled by amplitude / 448. */
    static HostMatrix matrix(String name, int rows, int cols, Quantization q, long seed, float amplitude) {
        int br = q.blockRows(rows);
        int bc = q.blockCols(cols);
        int scaleCols = (cols + bc - 1) / bc;
        float[] scales = new float[Math.multiplyExact((rows + br - 1) / br, scaleCols)];
        java.util.Arrays.fill(scales, amplitude / 448f);
        int rowsPer = (int) Math.max(1, Math.min(rows, (1L << 30) / cols));
        List<HostMatrix.Part> parts = new ArrayList<>();
        SplittableRandom r = new SplittableRandom(seed);
        for (int r0 = 0; r0 < rows; r0 += rowsPer) {
            int nr = Math.min(rowsPer, rows - r0);
            ByteBuffer b = ByteBuffer.allocateDirect(Math.multiplyExact(nr, cols)).order(ByteOrder.LITTLE_ENDIAN);
            for (int i = 0; i < b.capacity(); i += 4) {
                long x = r.nextLong();
                for (int j = 0; j < 4 && i + j < b.capacity(); j++) {
                    b.put(i + j, UNIFORM[(int) (x >>> (16 * j)) & 0xffff]);
                }
            }
            parts.add(new HostMatrix.Part(b, nr, r0, scales, scaleCols, br, bc));
        }
        return HostMatrix.ofParts(name, cols, HostMatrix.Format.FP8_E4M3, parts);
    }
}
