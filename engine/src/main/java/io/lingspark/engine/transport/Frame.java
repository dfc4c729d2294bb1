package io.lingspark.engine.transport;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.zip.CRC32;

/**
 * One message on a pipeline link: a kind, the step it belongs to, and a payload (an Arrow IPC record
 * batch for steps and results, small JSON for control). On the wire: magic, kind, step id, payload
 * length, payload, CRC-32 of the payload, so a torn or foreign stream fails loudly instead of
 * feeding garbage to a model.
 */
public record Frame(Kind kind, long step, byte[] payload) {
    static final int MAGIC = 0x4C535046; // "LSPF"
    /** Larger payloads are refused (a corrupt length must not make us allocate gigabytes). */
    public static final int MAX_PAYLOAD = 1 << 30;

    public enum Kind {
        /** control, rank 0 → ring: every rank adds its cache capacity (JSON) */
        HELLO,
        /** control, rank 0 → ring: the joint cache plan every rank allocates (JSON) */
        CONFIG,
        /** a micro-batch: step metadata, sampling deltas and hidden rows (Arrow) */
        STEP,
        /** the last rank → rank 0: sampled tokens or logits of a step (Arrow) */
        RESULT,
        /** a rank failed; the message travels on to rank 0 (UTF-8) */
        ERROR,
        /** liveness, sent when a link is otherwise idle */
        HEARTBEAT,
        /** orderly end of the pipeline */
        CLOSE
    }

    public static Frame control(Kind kind, long step, String text) {
        return new Frame(kind, step, text.getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }

    public String text() {
        return new String(payload, java.nio.charset.StandardCharsets.UTF_8);
    }

    /** Bytes this frame takes on the wire. */
    public int wireBytes() {
        return 4 + 1 + 8 + 4 + payload.length + 4;
    }

    public void write(DataOutputStream out) throws IOException {
        CRC32 crc = new CRC32();
        crc.update(payload);
        out.writeInt(MAGIC);
        out.writeByte(kind.ordinal());
        out.writeLong(step);
        out.writeInt(payload.length);
        out.write(payload);
        out.writeInt((int) crc.getValue());
        out.flush();
    }

    /** The next frame; EOFException when the peer closed the link between frames. */
    public static Frame read(DataInputStream in) throws IOException {
        int magic = in.readInt(); // EOFException here: the peer closed between frames
        if (magic != MAGIC) {
            throw new TransportException(String.format("not a pipeline frame (magic %08x)", magic));
        }
        int k = in.readUnsignedByte();
        if (k >= Kind.values().length) {
            throw new TransportException("unknown frame kind " + k);
        }
        long step = in.readLong();
        int n = in.readInt();
        if (n < 0 || n > MAX_PAYLOAD) {
            throw new TransportException("frame payload of " + n + " bytes");
        }
        byte[] payload = new byte[n];
        in.readFully(payload);
        int want = in.readInt();
        CRC32 crc = new CRC32();
        crc.update(payload);
        if ((int) crc.getValue() != want) {
            throw new TransportException("frame of step " + step + " failed its checksum");
        }
        return new Frame(Kind.values()[k], step, payload);
    }
}
