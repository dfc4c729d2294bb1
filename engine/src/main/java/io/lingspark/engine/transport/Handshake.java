package io.lingspark.engine.transport;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.net.Socket;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Mutual proof of the per-job secret when a link opens: each side sends a fresh nonce and answers
 * the other's with HMAC-SHA256(secret, nonce ‖ role ‖ ranks); the secret itself never crosses the
 * wire. A peer without it is refused before any frame is read. (Activation traffic is not
 * encrypted: run pipelines on a trusted cluster network, as with Spark's own shuffle without
 * spark.network.crypto.)
 */
public final class Handshake {
    private static final int MAGIC = 0x4C535048; // "LSPH"
    private static final SecureRandom RANDOM = new SecureRandom();

    private Handshake() {
    }

    /** A fresh 32-byte secret (the driver makes one per job). */
    public static byte[] newSecret() {
        byte[] s = new byte[32];
        RANDOM.nextBytes(s);
        return s;
    }

    /** The connecting side (rank `from` → rank `to`). */
    public static void client(Socket s, byte[] secret, int from, int to) throws IOException {
        run(s, secret, from, to, true);
    }

    /** The accepting side: checks that rank `from` connects to this rank `to`. */
    public static void server(Socket s, byte[] secret, int from, int to) throws IOException {
        run(s, secret, from, to, false);
    }

    private static void run(Socket s, byte[] secret, int from, int to, boolean client) throws IOException {
        DataOutputStream out = new DataOutputStream(s.getOutputStream());
        DataInputStream in = new DataInputStream(s.getInputStream());
        byte[] mine = new byte[16];
        RANDOM.nextBytes(mine);
        out.writeInt(MAGIC);
        out.writeInt(from);
        out.writeInt(to);
        out.write(mine);
        out.flush();
        if (in.readInt() != MAGIC) {
            throw new TransportException("peer " + s.getRemoteSocketAddress() + " does not speak the pipeline protocol");
        }
        int pf = in.readInt();
        int pt = in.readInt();
        if (pf != from || pt != to) {
            throw new TransportException("peer " + s.getRemoteSocketAddress() + " is link " + pf + "→" + pt
                + ", expected " + from + "→" + to);
        }
        byte[] theirs = new byte[16];
        in.readFully(theirs);
        out.write(mac(secret, theirs, client ? 'c' : 's', from, to));
        out.flush();
        byte[] proof = new byte[32];
        in.readFully(proof);
        if (!MessageDigest.isEqual(proof, mac(secret, mine, client ? 's' : 'c', from, to))) {
            throw new TransportException("peer " + s.getRemoteSocketAddress() + " does not hold this job's secret; refused");
        }
    }

    private static byte[] mac(byte[] secret, byte[] nonce, char role, int from, int to) {
        try {
            Mac m = Mac.getInstance("HmacSHA256");
            m.init(new SecretKeySpec(secret, "HmacSHA256"));
            m.update(nonce);
            m.update((byte) role);
            m.update(java.nio.ByteBuffer.allocate(8).putInt(from).putInt(to).array());
            return m.doFinal();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }
}
