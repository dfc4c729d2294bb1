package io.lingspark.engine.backend.cuda;

/** bf16 bit patterns on the host: round-to-nearest-even from fp32 (as torch), and widening. */
public final class Bf16 {
    private Bf16() {
    }

    public static short round(float f) {
        int b = Float.floatToRawIntBits(f);
        if ((b & 0x7fffffff) > 0x7f800000) {
            return (short) ((b >>> 16) | 0x40); // quiet NaN
        }
        return (short) ((b + 0x7fff + ((b >>> 16) & 1)) >>> 16);
    }

    public static float widen(short s) {
        return Float.intBitsToFloat((s & 0xffff) << 16);
    }

    public static float[] toFloats(short[] s) {
        float[] f = new float[s.length];
        for (int i = 0; i < s.length; i++) {
            f[i] = widen(s[i]);
        }
        return f;
    }
}
