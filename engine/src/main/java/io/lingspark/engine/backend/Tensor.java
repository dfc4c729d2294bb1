package io.lingspark.engine.backend;

/** An activation matrix [rows, cols] living wherever its backend computes (heap, GPU memory). */
public interface Tensor {
    int rows();

    int cols();
}
