package io.lingspark.engine.weights;

/**
 * Symmetric per-block FP8 e4m3 quantization as compressed-tensors (and Ling's native converter,
 * without its power-of-two rounding) does it: per block, scale = max|w| / 448 (at least float32
 * eps), rounded to the dtype the scales are stored in; q = e4m3(w / scale), nearest-even, saturated
 * at ±448. Dequantisation is q × scale. Used to write FP8 checkpoints (random ones, test fixtures).
 */
public final class Fp8Quantizer {
    /**
     * The quantized matrix: q [rows, cols] e4m3 bytes, scales [scaleRows, scaleCols] (rounded to the
     * storage dtype, as float), dequantised [rows, cols] = q × scale exactly as a loader computes it.
     */
    public record Result(byte[] q, float[] scales, int scaleRows, int scaleCols, float[] dequantised) {
    }

    private Fp8Quantizer() {
    }

    /** w [rows, cols] in blocks of br × bc (ragged edge blocks included); scales stored as scaleDtype (F32 or BF16). */
    public static Result quantize(float[] w, int rows, int cols, int br, int bc, DType scaleDtype) {
        int sr = (rows + br - 1) / br;
        int sc = (cols + bc - 1) / bc;
        float[] scales = new float[sr * sc];
        byte[] q = new byte[Math.multiplyExact(rows, cols)];
        float[] back = new float[q.length];
        for (int bi = 0; bi < sr; bi++) {
            for (int bj = 0; bj < sc; bj++) {
                int r1 = Math.min(rows, (bi + 1) * br);
                int c1 = Math.min(cols, (bj + 1) * bc);
                float amax = 0;
                for (int r = bi * br; r < r1; r++) {
                    for (int c = bj * bc; c < c1; c++) {
                        amax = Math.max(amax, Math.abs(w[r * cols + c]));
                    }
                }
                float s = Math.max(amax / 448f, Math.ulp(1f));
                s = scaleDtype == DType.BF16 ? DType.bf16ToFloat(DType.toBf16(s)) : s;
                scales[bi * sc + bj] = s;
                for (int r = bi * br; r < r1; r++) {
                    for (int c = bj * bc; c < c1; c++) {
                        byte e = DType.floatToE4m3(w[r * cols + c] / s);
                        q[r * cols + c] = e;
                        back[r * cols + c] = DType.e4m3ToFloat(e) * s;
                    }
                }
            }
        }
        return new Result(q, scales, sr, sc, back);
    }

    /** Adds the scales to a writer under name with the given shape, in scaleDtype. */
    public static void addScales(SafetensorsWriter out, String name, long[] shape, float[] scales, DType scaleDtype) {
        if (scaleDtype == DType.BF16) {
            short[] b = new short[scales.length];
            for (int i = 0; i < b.length; i++) {
                b[i] = DType.toBf16(scales[i]);
            }
            out.addShorts(name, DType.BF16, shape, b);
        } else {
            out.addF32(name, shape, scales);
        }
    }
}
