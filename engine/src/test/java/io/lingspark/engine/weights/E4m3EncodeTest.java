package io.lingspark.engine.weights;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** DType.floatToE4m3 (the fixture generator's quantizer): exact on codes, nearest-even between them, saturating. */
class E4m3EncodeTest {
    @Test
    void everyFiniteCodeRoundTrips() {
        for (int b = 0; b < 256; b++) {
            if ((b & 0x7f) == 0x7f) {
                continue; // NaN
            }
            assertEquals((byte) b, DType.floatToE4m3(DType.e4m3ToFloat((byte) b)), "code " + b);
        }
    }

    @Test
    void roundsToNearestTiesToEvenAndSaturates() {
        // 1.0 = 0x38, next 1.125 = 0x39, then 1.25 = 0x3A: 1.0625 ties to the even 0x38, 1.1875 to 0x3A
        assertEquals((byte) 0x38, DType.floatToE4m3(1.0625f));
        assertEquals((byte) 0x3A, DType.floatToE4m3(1.1875f));
        assertEquals((byte) 0x39, DType.floatToE4m3(1.07f));
        assertEquals((byte) 0x7e, DType.floatToE4m3(1000f)); // 448
        assertEquals((byte) 0xfe, DType.floatToE4m3(-1000f));
        assertEquals((byte) 0x01, DType.floatToE4m3(0x1p-9f)); // smallest subnormal
        assertEquals((byte) 0x00, DType.floatToE4m3(0x1p-11f)); // below half of it
    }
}
