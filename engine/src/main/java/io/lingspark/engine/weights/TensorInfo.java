package io.lingspark.engine.weights;

import java.util.Arrays;

/**
 * One tensor of a safetensors file: where its bytes lie (absolute file offsets, already checked
 * against the file) and what they hold.
 */
public record TensorInfo(String name, DType dtype, long[] shape, SafetensorsFile file, long begin, long end) {

    public long elements() {
        long n = 1;
        for (long s : shape) {
            n *= s;
        }
        return n;
    }

    public long byteLength() {
        return end - begin;
    }

    public int rank() {
        return shape.length;
    }

    public boolean hasShape(long... expected) {
        return Arrays.equals(shape, expected);
    }

    public String shapeString() {
        return Arrays.toString(shape);
    }

    /** Reads all elements as floats (small tensors: norms, biases, scales). */
    public float[] readFloats() {
        long n = elements();
        if (n > Integer.MAX_VALUE - 8) {
            throw new io.lingspark.engine.config.ModelLoadException("tensor '" + name + "' (" + dtype + ", " + n
                + " elements) is too large to widen into one float array on the heap; use a BF16 checkpoint");
        }
        float[] out = new float[(int) n];
        file.readFloats(this, 0, out, 0, out.length);
        return out;
    }
}
