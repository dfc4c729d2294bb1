package io.lingspark.engine.weights;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.lingspark.engine.config.ModelFiles;
import io.lingspark.engine.config.ModelLoadException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A safetensors file, read as untrusted input: the header length is bounded and inside the file,
 * every tensor's byte range lies inside the data section, matches shape × dtype size exactly, and
 * overlaps no other tensor. Data is memory-mapped in windows of at most 1 GiB (a single mapping
 * cannot exceed 2 GiB, and Ling-1T's embedding alone is 2.6 GB), never read whole into the heap.
 */
public final class SafetensorsFile implements AutoCloseable {
    public static final long MAX_HEADER_BYTES = 100L * 1024 * 1024;
    private static final long WINDOW = 1L << 30;

    private final Path path;
    private final FileChannel channel;
    private final long size;
    private final Map<String, TensorInfo> tensors = new LinkedHashMap<>();
    private final MappedByteBuffer[] windows;
    private final java.util.concurrent.atomic.AtomicLong bytesRead = new java.util.concurrent.atomic.AtomicLong();

    private SafetensorsFile(Path path) throws IOException {
        this.path = path;
        this.channel = FileChannel.open(path, StandardOpenOption.READ);
        this.size = channel.size();
        this.windows = new MappedByteBuffer[(int) ((size + WINDOW - 1) / WINDOW)];
    }

    public static SafetensorsFile open(Path path) {
        SafetensorsFile f;
        try {
            f = new SafetensorsFile(path);
        } catch (IOException e) {
            throw new ModelLoadException("cannot open safetensors file " + path + ": " + e.getMessage(), e);
        }
        try {
            f.readHeader();
            return f;
        } catch (IOException | RuntimeException e) {
            f.close();
            if (e instanceof ModelLoadException m) {
                throw m;
            }
            String why = e instanceof com.fasterxml.jackson.core.JsonProcessingException j ? "header is not JSON: " + j.getOriginalMessage()
                : String.valueOf(e.getMessage());
            throw new ModelLoadException("corrupt safetensors file " + path + ": " + ModelFiles.oneLine(why), e);
        }
    }

    private void readHeader() throws IOException {
        if (size < 8) {
            throw bad("truncated: " + size + " bytes, shorter than the 8-byte header length");
        }
        ByteBuffer lenBuf = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
        channel.read(lenBuf, 0);
        long n = lenBuf.flip().getLong();
        if (n < 2 || n > MAX_HEADER_BYTES) {
            throw bad("header length " + Long.toUnsignedString(n) + " outside [2, " + MAX_HEADER_BYTES + "] bytes");
        }
        if (8 + n > size) {
            throw bad("header length " + n + " runs beyond the end of the file (" + size + " bytes): truncated or not safetensors");
        }
        ByteBuffer hb = ByteBuffer.allocate((int) n);
        bytesRead.addAndGet(8 + n);
        while (hb.hasRemaining()) {
            if (channel.read(hb, 8 + hb.position()) < 0) {
                throw bad("unexpected end of file in the header");
            }
        }
        JsonNode root = new ObjectMapper().readTree(new String(hb.array(), StandardCharsets.UTF_8));
        if (root == null || !root.isObject()) {
            throw bad("header is not a JSON object");
        }
        long dataStart = 8 + n;
        long dataLen = size - dataStart;
        List<TensorInfo> list = new ArrayList<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = root.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            if (e.getKey().equals("__metadata__")) {
                continue;
            }
            list.add(parseEntry(e.getKey(), e.getValue(), dataStart, dataLen));
        }
        list.sort(Comparator.comparingLong(TensorInfo::begin));
        for (int i = 1; i < list.size(); i++) {
            TensorInfo a = list.get(i - 1);
            TensorInfo b = list.get(i);
            if (b.begin() < a.end()) {
                throw bad("tensors '" + a.name() + "' and '" + b.name() + "' have overlapping data offsets");
            }
        }
        for (TensorInfo t : list) {
            tensors.put(t.name(), t);
        }
    }

    private TensorInfo parseEntry(String name, JsonNode v, long dataStart, long dataLen) {
        if (!v.isObject() || !v.path("dtype").isTextual() || !v.path("shape").isArray()
                || !v.path("data_offsets").isArray() || v.get("data_offsets").size() != 2) {
            throw bad("tensor '" + name + "' has a malformed header entry");
        }
        DType dt = DType.parse(v.get("dtype").asText(), name, path.toString());
        JsonNode sh = v.get("shape");
        long[] shape = new long[sh.size()];
        long elems = 1;
        for (int i = 0; i < shape.length; i++) {
            if (!sh.get(i).isIntegralNumber() || !sh.get(i).canConvertToLong() || sh.get(i).asLong() < 0) {
                throw bad("tensor '" + name + "' has an invalid shape " + sh);
            }
            shape[i] = sh.get(i).asLong();
            try {
                elems = Math.multiplyExact(elems, shape[i]);
            } catch (ArithmeticException ex) {
                throw bad("tensor '" + name + "' shape " + sh + " overflows");
            }
        }
        JsonNode offsets = v.get("data_offsets");
        boolean integral = offsets.get(0).isIntegralNumber() && offsets.get(1).isIntegralNumber()
            && offsets.get(0).canConvertToLong() && offsets.get(1).canConvertToLong();
        long begin = integral ? offsets.get(0).asLong() : -1;
        long end = integral ? offsets.get(1).asLong() : -1;
        if (begin < 0 || end < begin) {
            throw bad("tensor '" + name + "' has invalid data offsets [" + begin + ", " + end + "]");
        }
        if (end > dataLen) {
            throw bad("tensor '" + name + "' data [" + begin + ", " + end + ") runs beyond the data section ("
                    + dataLen + " bytes): the file is truncated");
        }
        long expected;
        try {
            // elems × dtype size can wrap around to the span of two equal offsets: 2^62 F32 elements in 0 bytes
            expected = Math.multiplyExact(elems, (long) dt.bytes);
        } catch (ArithmeticException ex) {
            throw bad("tensor '" + name + "' shape " + sh + " × " + dt + " overflows 64 bits");
        }
        if (end - begin != expected) {
            throw bad("tensor '" + name + "' shape " + sh + " × " + dt + " needs " + expected + " bytes but its offsets span "
                    + (end - begin));
        }
        return new TensorInfo(name, dt, shape, this, dataStart + begin, dataStart + end);
    }

    private ModelLoadException bad(String msg) {
        return new ModelLoadException("safetensors file " + path + ": " + msg);
    }

    public Path path() {
        return path;
    }

    public Map<String, TensorInfo> tensors() {
        return tensors;
    }

    private synchronized ByteBuffer window(int w) {
        if (windows[w] == null) {
            long start = w * WINDOW;
            try {
                windows[w] = channel.map(FileChannel.MapMode.READ_ONLY, start, Math.min(WINDOW, size - start));
            } catch (IOException e) {
                throw new ModelLoadException("cannot map " + path + ": " + e.getMessage(), e);
            }
        }
        return windows[w].duplicate().order(ByteOrder.LITTLE_ENDIAN);
    }

    /** Little-endian view of [pos, pos + len) that lies inside one window (len ≤ remaining in window). */
    private ByteBuffer view(long pos, int len) {
        ByteBuffer b = window((int) (pos / WINDOW));
        return b.slice((int) (pos % WINDOW), len).order(ByteOrder.LITTLE_ENDIAN);
    }

    /**
     * The tensor's bytes in place, as little-endian read-only buffers of whole rows (rowBytes each),
     * each at most maxBytes: a slice of the shared 1 GiB window when the tensor lies inside one, else
     * its own mappings (a tensor across a window boundary, or one larger than a window). No copy.
     */
    public ByteBuffer[] rowSlices(TensorInfo t, long rowBytes, long maxBytes) {
        if (rowBytes <= 0 || t.byteLength() % rowBytes != 0 || rowBytes > maxBytes) {
            throw new IllegalArgumentException(t.name() + ": " + t.byteLength() + " bytes are not whole rows of " + rowBytes);
        }
        long len = t.byteLength();
        if (len == 0) {
            return new ByteBuffer[0];
        }
        bytesRead.addAndGet(len); // handed out for use (the pages are read when touched)
        int w = (int) (t.begin() / WINDOW);
        if (len <= maxBytes && (t.end() - 1) / WINDOW == w) {
            return new ByteBuffer[] {view(t.begin(), (int) len)};
        }
        long rowsPer = maxBytes / rowBytes;
        long rows = len / rowBytes;
        ByteBuffer[] out = new ByteBuffer[(int) ((rows + rowsPer - 1) / rowsPer)];
        for (int i = 0; i < out.length; i++) {
            long from = i * rowsPer * rowBytes;
            long n = Math.min(rowsPer * rowBytes, len - from);
            try {
                out[i] = channel.map(FileChannel.MapMode.READ_ONLY, t.begin() + from, n).order(ByteOrder.LITTLE_ENDIAN);
            } catch (IOException e) {
                throw new ModelLoadException("cannot map " + t.name() + " in " + path + ": " + e.getMessage(), e);
            }
        }
        return out;
    }

    /** Header bytes and tensor bytes read or handed out as views so far (pipeline stages read only theirs). */
    public long bytesRead() {
        return bytesRead.get();
    }

    /** Copies raw bytes [t.begin + byteOffset, +len) across windows. */
    public void readBytes(TensorInfo t, long byteOffset, byte[] dst, int off, int len) {
        long pos = t.begin() + byteOffset;
        checkRange(t, byteOffset, len);
        bytesRead.addAndGet(len);
        while (len > 0) {
            int n = (int) Math.min(len, WINDOW - pos % WINDOW);
            view(pos, n).get(dst, off, n);
            pos += n;
            off += n;
            len -= n;
        }
    }

    /** Copies 2-byte elements (BF16/F16 bit patterns) starting at element elemOffset. */
    public void readShorts(TensorInfo t, long elemOffset, short[] dst, int off, int count) {
        long pos = t.begin() + elemOffset * 2;
        checkRange(t, elemOffset * 2, (long) count * 2);
        bytesRead.addAndGet(2L * count);
        while (count > 0) {
            int n = (int) Math.min(count, (WINDOW - pos % WINDOW) / 2);
            if (n == 0) { // an element straddles a window boundary (odd offsets never happen, but be safe)
                byte[] two = new byte[2];
                readBytes(t, pos - t.begin(), two, 0, 2);
                dst[off] = (short) ((two[0] & 0xff) | (two[1] << 8));
                n = 1;
            } else {
                view(pos, n * 2).asShortBuffer().get(dst, off, n);
            }
            pos += 2L * n;
            off += n;
            count -= n;
        }
    }

    /** Reads elements as float, converting from the tensor's dtype (FP8 without its block scale). */
    public void readFloats(TensorInfo t, long elemOffset, float[] dst, int off, int count) {
        switch (t.dtype()) {
            case F32 -> {
                long pos = t.begin() + elemOffset * 4;
                checkRange(t, elemOffset * 4, (long) count * 4);
                bytesRead.addAndGet(4L * count);
                while (count > 0) {
                    int n = (int) Math.min(count, (WINDOW - pos % WINDOW) / 4);
                    if (n == 0) {
                        byte[] four = new byte[4];
                        readBytes(t, pos - t.begin(), four, 0, 4);
                        dst[off] = ByteBuffer.wrap(four).order(ByteOrder.LITTLE_ENDIAN).getFloat();
                        n = 1;
                    } else {
                        view(pos, n * 4).asFloatBuffer().get(dst, off, n);
                    }
                    pos += 4L * n;
                    off += n;
                    count -= n;
                }
            }
            case BF16, F16 -> {
                short[] tmp = new short[Math.min(count, 1 << 20)];
                for (int done = 0; done < count; ) {
                    int n = Math.min(tmp.length, count - done);
                    readShorts(t, elemOffset + done, tmp, 0, n);
                    for (int i = 0; i < n; i++) {
                        dst[off + done + i] = t.dtype() == DType.BF16 ? DType.bf16ToFloat(tmp[i]) : DType.f16ToFloat(tmp[i]);
                    }
                    done += n;
                }
            }
            case F8_E4M3 -> {
                byte[] tmp = new byte[Math.min(count, 1 << 20)];
                for (int done = 0; done < count; ) {
                    int n = Math.min(tmp.length, count - done);
                    readBytes(t, elemOffset + done, tmp, 0, n);
                    for (int i = 0; i < n; i++) {
                        dst[off + done + i] = DType.e4m3ToFloat(tmp[i]);
                    }
                    done += n;
                }
            }
        }
    }

    private static void checkRange(TensorInfo t, long byteOffset, long len) {
        if (byteOffset < 0 || len < 0 || byteOffset + len > t.byteLength()) {
            throw new IndexOutOfBoundsException("read [" + byteOffset + ", +" + len + ") outside tensor " + t.name());
        }
    }

    @Override
    public void close() {
        try {
            channel.close();
        } catch (IOException ignored) {
            // closing a read-only channel cannot lose data
        }
    }
}
