package io.lingspark.engine.backend.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * Tells C2 a vector's exact class before it leaves vector code (a store, a lane total). This engine
 * runs 256- and 512-bit float vectors in one JVM, so the type profiles inside the Vector API's shared
 * methods see two classes; where C2 then loses a loop accumulator's exact class it cannot intrinsify
 * the store and boxes the accumulator on every iteration instead. Measured on the AVX-512 development
 * machine after the 512-bit tiles ran: a 128-wide fp32 dot product allocated 1,088 bytes per call and
 * ran 4-5× slower (63 vs 14 ns); with this cast, 0 bytes. A checked cast to a constant final class,
 * so it costs nothing once compiled.
 */
final class ExactType {
    private ExactType() {
    }

    static FloatVector of(VectorSpecies<Float> species, FloatVector v) {
        return (FloatVector) species.vectorType().cast(v);
    }
}
