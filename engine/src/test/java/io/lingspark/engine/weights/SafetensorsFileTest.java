package io.lingspark.engine.weights;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lingspark.engine.config.ModelLoadException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Untrusted safetensors files: every malformed header is refused with a message that says why. */
class SafetensorsFileTest {
    @TempDir
    Path tmp;

    /** A file with the given header JSON and dataBytes bytes of data. */
    private Path file(String header, int dataBytes) throws IOException {
        byte[] h = header.getBytes(StandardCharsets.UTF_8);
        ByteBuffer b = ByteBuffer.allocate(8 + h.length + dataBytes).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(h.length).put(h);
        Path p = Files.createTempFile(tmp, "t", ".safetensors");
        Files.write(p, b.array());
        return p;
    }

    private String error(Path p) {
        return assertThrows(ModelLoadException.class, () -> SafetensorsFile.open(p).close()).getMessage();
    }

    @Test
    void roundTripsWhatTheWriterWrites() throws IOException {
        Path p = tmp.resolve("ok.safetensors");
        new SafetensorsWriter().addF32("a", new long[] {2, 3}, new float[] {1, 2, 3, 4, 5, 6})
            .addShorts("b", DType.BF16, new long[] {2}, new short[] {DType.toBf16(1.5f), DType.toBf16(-2f)}).write(p);
        try (SafetensorsFile f = SafetensorsFile.open(p)) {
            assertArrayEquals(new float[] {1, 2, 3, 4, 5, 6}, f.tensors().get("a").readFloats());
            assertArrayEquals(new float[] {1.5f, -2f}, f.tensors().get("b").readFloats());
        }
    }

    @Test
    void truncatedFile() throws IOException {
        Path p = tmp.resolve("short");
        Files.write(p, new byte[] {1, 2, 3});
        assertTrue(error(p).contains("truncated"));
    }

    @Test
    void headerLengthBeyondTheFile() throws IOException {
        Path p = tmp.resolve("h");
        ByteBuffer b = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN).putLong(4096).putLong(0);
        Files.write(p, b.array());
        assertTrue(error(p).contains("beyond the end of the file"));
    }

    @Test
    void headerLengthOverTheBound() throws IOException {
        Path p = tmp.resolve("big");
        ByteBuffer b = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN).putLong(SafetensorsFile.MAX_HEADER_BYTES + 1).putLong(0);
        Files.write(p, b.array());
        assertTrue(error(p).contains("outside"));
    }

    @Test
    void tensorDataBeyondTheFile() throws IOException {
        String m = error(file("{\"a\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[0,16]}}", 8));
        assertTrue(m.contains("'a'"), m);
    }

    @Test
    void overlappingTensors() throws IOException {
        String m = error(file("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
            + "\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[4,12]}}", 16));
        assertTrue(m.contains("overlapping"), m);
    }

    @Test
    void unknownDtypeRefusedByName() throws IOException {
        String m = error(file("{\"a\":{\"dtype\":\"I64\",\"shape\":[1],\"data_offsets\":[0,8]}}", 8));
        assertTrue(m.contains("I64") && m.contains("'a'"), m);
    }

    @Test
    void shapeAndByteLengthDisagree() throws IOException {
        String m = error(file("{\"a\":{\"dtype\":\"BF16\",\"shape\":[3],\"data_offsets\":[0,8]}}", 8));
        assertTrue(m.contains("'a'"), m);
    }

    @Test
    void headerThatIsNotJson() throws IOException {
        assertTrue(error(file("not json at all", 0)).contains("corrupt"));
    }

    @Test
    void metadataIsIgnoredAndDtypesDecode() throws IOException {
        byte[] e4m3 = {0x38, (byte) 0xC0}; // 1.0 and -2.0 in float8_e4m3fn
        Path p = tmp.resolve("m.safetensors");
        new SafetensorsWriter().addBytes("f8", DType.F8_E4M3, new long[] {2}, e4m3)
            .addShorts("f16", DType.F16, new long[] {1}, new short[] {(short) 0x3C00}).write(p);
        try (SafetensorsFile f = SafetensorsFile.open(p)) {
            assertArrayEquals(new float[] {1f, -2f}, f.tensors().get("f8").readFloats());
            assertEquals(1f, f.tensors().get("f16").readFloats()[0]);
        }
    }
}
