package io.lingspark.engine.model;

import io.lingspark.engine.config.LingConfig;
import io.lingspark.engine.config.RopeScaling;

/**
 * Rotary frequencies for the rotary sub-dimension (§2.4 step 4), with YaRN (§7) when configured.
 * inv_freq is computed in fp32 like the reference: θ^(2i/dim) then its reciprocal.
 */
public final class Rope {
    public final float[] invFreq; // [ropeDim/2]
    public final float factor;    // multiplies cos and sin (YaRN attention factor, else 1)

    private Rope(float[] invFreq, float factor) {
        this.invFreq = invFreq;
        this.factor = factor;
    }

    public static Rope of(LingConfig c) {
        return of(c.ropeDim, c.ropeTheta, c.ropeScaling);
    }

    public static Rope of(int dim, double theta, RopeScaling y) {
        int half = dim / 2;
        float[] posFreq = new float[half];
        for (int i = 0; i < half; i++) {
            posFreq[i] = (float) Math.pow((float) theta, (float) (2 * i) / dim);
        }
        float[] inv = new float[half];
        if (y == null) {
            for (int i = 0; i < half; i++) {
                inv[i] = 1f / posFreq[i];
            }
            return new Rope(inv, 1f);
        }
        double low = Math.floor(correctionDim(y.betaFast(), dim, theta, y.originalMaxPosition()));
        double high = Math.ceil(correctionDim(y.betaSlow(), dim, theta, y.originalMaxPosition()));
        low = Math.max(low, 0);
        high = Math.min(high, dim - 1);
        if (low == high) {
            high += 0.001;
        }
        for (int i = 0; i < half; i++) {
            float ramp = (float) Math.min(1, Math.max(0, (i - low) / (high - low)));
            float extrapolation = 1 - ramp;
            float e = 1f / posFreq[i];
            float interp = 1f / ((float) y.factor() * posFreq[i]);
            inv[i] = interp * (1 - extrapolation) + e * extrapolation;
        }
        return new Rope(inv, (float) y.cosSinFactor());
    }

    /** The dimension index whose wavelength makes r turns over the original context. */
    static double correctionDim(double r, int dim, double theta, int originalMax) {
        return dim * Math.log(originalMax / (r * 2 * Math.PI)) / (2 * Math.log(theta));
    }
}
