package io.lingspark.engine.weights;

import io.lingspark.engine.config.ModelLoadException;

/** The safetensors dtypes Ling checkpoints use. Anything else is refused by name. */
public enum DType {
    BF16(2), F16(2), F32(4), F8_E4M3(1);

    public final int bytes;

    DType(int bytes) {
        this.bytes = bytes;
    }

    public static DType parse(String name, String tensor, String file) {
        for (DType t : values()) {
            if (t.name().equals(name)) {
                return t;
            }
        }
        throw new ModelLoadException("tensor '" + tensor + "' in " + file + " has unsupported dtype '" + name
                + "' (supported: BF16, F16, F32, F8_E4M3)");
    }

    public static float bf16ToFloat(short bits) {
        return Float.intBitsToFloat((bits & 0xffff) << 16);
    }

    /** IEEE half → float, exact (Float.float16ToFloat is JDK 20+). */
    /** fp32 → bf16 with round-to-nearest-even (PyTorch's conversion); NaN stays NaN. */
    public static short toBf16(float f) {
        int bits = Float.floatToRawIntBits(f);
        if ((bits & 0x7fffffff) > 0x7f800000) {
            return (short) ((bits >>> 16) | 0x40);
        }
        return (short) ((bits + 0x7fff + ((bits >>> 16) & 1)) >>> 16);
    }

    public static float f16ToFloat(short h) {
        int bits = h & 0xffff;
        int sign = (bits & 0x8000) << 16;
        int exp = (bits >>> 10) & 0x1f;
        int mant = bits & 0x3ff;
        if (exp == 0x1f) {
            return Float.intBitsToFloat(sign | 0x7f800000 | (mant << 13));
        }
        if (exp == 0) {
            float v = mant * 0x1p-24f; // subnormal: mant · 2^-24
            return sign != 0 ? -v : v;
        }
        return Float.intBitsToFloat(sign | ((exp + 112) << 23) | (mant << 13));
    }

    private static final float[] E4M3 = new float[256];

    static {
        for (int b = 0; b < 256; b++) {
            int sign = b >>> 7;
            int exp = (b >>> 3) & 0xf;
            int mant = b & 0x7;
            float v;
            if (exp == 0xf && mant == 0x7) {
                v = Float.NaN; // e4m3fn: no infinities, S.1111.111 is NaN
            } else if (exp == 0) {
                v = mant * 0x1p-9f; // subnormal: mant/8 · 2^-6
            } else {
                v = (1 + mant / 8f) * (float) Math.pow(2, exp - 7);
            }
            E4M3[b] = sign == 1 ? -v : v;
        }
    }

    /** float8_e4m3fn → float (bias 7, no infinities). */
    public static float e4m3ToFloat(byte b) {
        return E4M3[b & 0xff];
    }

    /**
     * float → float8_e4m3fn, rounded to nearest (ties to the even code, as torch's cast) and saturated
     * at ±448 (what quantizers do: they clamp to the format's range before the cast). NaN stays NaN.
     */
    public static byte floatToE4m3(float f) {
        if (Float.isNaN(f)) {
            return (byte) 0x7f;
        }
        int sign = f < 0 || (f == 0 && 1 / f < 0) ? 0x80 : 0;
        float a = Math.min(Math.abs(f), 448f);
        // positive finite codes 0x00..0x7e are increasing: binary search the last one ≤ a
        int lo = 0;
        int hi = 0x7e;
        while (lo < hi) {
            int mid = (lo + hi + 1) >>> 1;
            if (E4M3[mid] <= a) {
                lo = mid;
            } else {
                hi = mid - 1;
            }
        }
        int code = lo;
        if (code < 0x7e) {
            float down = a - E4M3[code];
            float up = E4M3[code + 1] - a;
            if (up < down || (up == down && (code & 1) == 1)) {
                code++;
            }
        }
        return (byte) (sign | code);
    }
}
