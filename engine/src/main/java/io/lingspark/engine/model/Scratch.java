package io.lingspark.engine.model;

import io.lingspark.engine.backend.Backend;
import io.lingspark.engine.backend.Tensor;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The temporaries of one layers() call, allocated once by name and reused by every layer: a GPU step
 * allocates from a bump arena, so a temporary allocated per layer would cost L times its size.
 * Every op that writes one overwrites it entirely, so reuse changes no number.
 */
final class Scratch {
    private final Backend be;
    private final int rows;
    private final Map<String, Tensor> tensors = new LinkedHashMap<>();

    Scratch(Backend be, int rows) {
        this.be = be;
        this.rows = rows;
    }

    /** [rows, cols], fp32 where the backend narrows activations only when asked. */
    Tensor get(String name, int cols, boolean f32) {
        Tensor t = tensors.get(name);
        if (t == null) {
            t = f32 ? be.allocF32(rows, cols) : be.alloc(rows, cols);
            tensors.put(name, t);
        } else if (t.cols() != cols) {
            throw new IllegalStateException("scratch " + name + " has " + t.cols() + " columns, asked " + cols);
        }
        return t;
    }

    void free() {
        tensors.values().forEach(be::free);
        tensors.clear();
    }
}
