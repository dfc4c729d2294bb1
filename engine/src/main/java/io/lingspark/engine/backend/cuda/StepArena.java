package io.lingspark.engine.backend.cuda;

import java.util.ArrayList;
import java.util.List;

/**
 * Device memory for one step's temporaries, recycled by position: the i-th allocation of a step
 * gets the buffer the i-th allocation of the previous step with the same row count got, when the
 * size matches. A decode step therefore sees the same addresses every time, which is what lets a
 * captured CUDA graph be replayed; and no step pays for cuMemAlloc once warm.
 */
final class StepArena {
    private final CudaContext ctx;
    private final List<DevPtr> buffers = new ArrayList<>();
    private int cursor;

    StepArena(CudaContext ctx) {
        this.ctx = ctx;
    }

    /** Starts a step; the previous step on this arena must have completed (toHost synchronises). */
    void reset() {
        cursor = 0;
    }

    DevPtr alloc(long bytes) {
        long rounded = (bytes + 255) & ~255L;
        if (cursor < buffers.size()) {
            DevPtr p = buffers.get(cursor);
            if (p.bytes == rounded) {
                cursor++;
                return p;
            }
            ctx.free(p); // last used by a finished step
            DevPtr q = ctx.alloc(rounded);
            buffers.set(cursor++, q);
            return q;
        }
        DevPtr q = ctx.alloc(rounded);
        buffers.add(q);
        cursor++;
        return q;
    }

    long bytes() {
        long b = 0;
        for (DevPtr p : buffers) {
            b += p.bytes;
        }
        return b;
    }

    void release() {
        for (DevPtr p : buffers) {
            ctx.free(p);
        }
        buffers.clear();
    }
}
