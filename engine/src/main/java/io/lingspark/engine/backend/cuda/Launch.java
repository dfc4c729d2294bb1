package io.lingspark.engine.backend.cuda;

/** One kernel launch shape: kernel name, grid (x, y, z), threads per block (1-D), dynamic shared memory. */
public record Launch(String kernel, int gx, int gy, int gz, int bx, int smem) {
    public Launch {
        if (gx <= 0 || gy <= 0 || gz <= 0 || bx <= 0 || bx > 1024 || gy > 65535 || gz > 65535) {
            throw new IllegalArgumentException("bad launch " + kernel + " grid (" + gx + "," + gy + "," + gz + ") block " + bx);
        }
    }

    static Launch of(String kernel, int gx, int bx) {
        return new Launch(kernel, gx, 1, 1, bx, 0);
    }
}
