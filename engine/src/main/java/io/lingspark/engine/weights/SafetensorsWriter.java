package io.lingspark.engine.weights;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Writes a safetensors file (logits dumps, generated random checkpoints). Tensors are appended in
 * order; data is streamed to disk so a writer never holds the whole file.
 */
public final class SafetensorsWriter {
    private record Entry(String name, DType dtype, long[] shape, Object data) {
    }

    private final List<Entry> entries = new ArrayList<>();

    public SafetensorsWriter addF32(String name, long[] shape, float[] data) {
        entries.add(new Entry(name, DType.F32, shape, data));
        return this;
    }

    /** BF16 or F16 bit patterns. */
    public SafetensorsWriter addShorts(String name, DType dtype, long[] shape, short[] data) {
        entries.add(new Entry(name, dtype, shape, data));
        return this;
    }

    public SafetensorsWriter addBytes(String name, DType dtype, long[] shape, byte[] data) {
        entries.add(new Entry(name, dtype, shape, data));
        return this;
    }

    public void write(Path file) throws IOException {
        ObjectMapper om = new ObjectMapper();
        ObjectNode header = om.createObjectNode();
        long offset = 0;
        for (Entry e : entries) {
            long n = 1;
            for (long s : e.shape) {
                n *= s;
            }
            long bytes = n * e.dtype.bytes;
            ObjectNode t = header.putObject(e.name);
            t.put("dtype", e.dtype.name());
            var shape = t.putArray("shape");
            for (long s : e.shape) {
                shape.add(s);
            }
            t.putArray("data_offsets").add(offset).add(offset + bytes);
            offset += bytes;
        }
        byte[] h = om.writeValueAsString(header).getBytes(StandardCharsets.UTF_8);
        int pad = (8 - h.length % 8) % 8; // keep the data section 8-byte aligned, as the reference writer does
        try (OutputStream out = new java.io.BufferedOutputStream(Files.newOutputStream(file), 1 << 20)) {
            ByteBuffer len = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(h.length + pad);
            out.write(len.array());
            out.write(h);
            for (int i = 0; i < pad; i++) {
                out.write(' ');
            }
            ByteBuffer buf = ByteBuffer.allocate(1 << 16).order(ByteOrder.LITTLE_ENDIAN);
            for (Entry e : entries) {
                if (e.data instanceof float[] f) {
                    for (float v : f) {
                        if (buf.remaining() < 4) {
                            flush(buf, out);
                        }
                        buf.putFloat(v);
                    }
                } else if (e.data instanceof short[] s) {
                    for (short v : s) {
                        if (buf.remaining() < 2) {
                            flush(buf, out);
                        }
                        buf.putShort(v);
                    }
                } else {
                    flush(buf, out);
                    out.write((byte[]) e.data);
                }
            }
            flush(buf, out);
        }
    }

    private static void flush(ByteBuffer buf, OutputStream out) throws IOException {
        out.write(buf.array(), 0, buf.position());
        buf.clear();
    }
}
