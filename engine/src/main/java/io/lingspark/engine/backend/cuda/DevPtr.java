package io.lingspark.engine.backend.cuda;

import jcuda.driver.CUdeviceptr;

/**
 * A device pointer whose raw address is readable: kernels take pointer arrays (per-expert weights)
 * and by-value structs, which need the 64-bit address itself, which JCuda keeps protected.
 */
public final class DevPtr extends CUdeviceptr {
    final long bytes;

    DevPtr(long bytes) {
        this.bytes = bytes;
    }

    private DevPtr(DevPtr base, long offset, long bytes) {
        super(base, offset);
        this.bytes = bytes;
    }

    /** A view starting offset bytes further (rows of a tensor). */
    public DevPtr plus(long offset) {
        return new DevPtr(this, offset, bytes - offset);
    }

    /** The device address (base + byte offset). */
    public long address() {
        return getNativePointer() + getByteOffset();
    }
}
