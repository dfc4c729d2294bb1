package io.lingspark.engine.transport;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * One rank's two links of a pipeline ring: rank r sends to rank r+1 and receives from rank r−1; the
 * last rank sends results back to rank 0. Both links are authenticated with the job's secret
 * ({@link Handshake}) and the inbound one has a read timeout ({@link LinkSettings}).
 */
public final class Ring implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(Ring.class.getName());
    public final int rank;
    public final int ranks;
    private final Socket in;
    private final Socket out;
    private final DataInputStream din;
    private final DataOutputStream dout;
    private final LinkSettings settings;
    private final AtomicLong bytesSent = new AtomicLong();
    private final AtomicLong framesSent = new AtomicLong();
    private volatile long lastSendNanos = System.nanoTime();

    private Ring(int rank, int ranks, Socket in, Socket out, LinkSettings settings) throws IOException {
        this.rank = rank;
        this.ranks = ranks;
        this.in = in;
        this.out = out;
        this.settings = settings;
        in.setSoTimeout(settings.timeoutMs());
        this.din = new DataInputStream(new BufferedInputStream(in.getInputStream(), 1 << 16));
        this.dout = new DataOutputStream(new BufferedOutputStream(out.getOutputStream(), 1 << 16));
    }

    /**
     * Connects rank `rank` into the ring: accepts rank−1 on `server` (strangers and peers without the
     * secret are refused and waited past) while connecting to rank+1 at addresses[rank+1].
     */
    public static Ring open(ServerSocket server, List<InetSocketAddress> addresses, int rank, byte[] secret,
                            LinkSettings settings) {
        int ranks = addresses.size();
        if (ranks < 2) {
            throw new IllegalArgumentException("a ring needs at least 2 ranks");
        }
        int prev = (rank - 1 + ranks) % ranks;
        int next = (rank + 1) % ranks;
        long deadline = System.nanoTime() + settings.connectMs() * 1_000_000L;
        // Its own thread, never the common pool: a pool busy with other work (grammar precomputation,
        // a caller's tasks) would leave the previous rank's handshake unanswered until it gives up.
        CompletableFuture<Socket> accepted = new CompletableFuture<>();
        Thread acceptor = new Thread(() -> {
            try {
                Socket s = accept(server, secret, prev, rank, deadline);
                if (!accepted.complete(s)) {
                    close(s); // the open already failed on its outbound side
                }
            } catch (Throwable t) {
                accepted.completeExceptionally(t);
            }
        }, "lingspark-pipeline-accept-" + rank);
        acceptor.setDaemon(true);
        acceptor.start();
        Socket outbound = null;
        try {
            outbound = connect(addresses.get(next), secret, rank, next, deadline);
            Socket inbound = accepted.get(Math.max(1, (deadline - System.nanoTime()) / 1_000_000), TimeUnit.MILLISECONDS);
            return new Ring(rank, ranks, inbound, outbound, settings);
        } catch (ExecutionException e) {
            close(outbound);
            throw e.getCause() instanceof TransportException t ? t
                : new TransportException("rank " + rank + ": accepting rank " + prev + " failed: " + e.getCause(), e.getCause());
        } catch (TimeoutException e) {
            close(outbound);
            abandon(accepted);
            throw new TransportException("rank " + rank + ": rank " + prev + " did not connect within "
                + settings.connectMs() / 1000 + " s");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            close(outbound);
            abandon(accepted);
            throw new TransportException("rank " + rank + ": interrupted while connecting the pipeline");
        } catch (IOException | RuntimeException e) {
            close(outbound);
            abandon(accepted);
            throw e instanceof TransportException t ? t
                : new TransportException("rank " + rank + ": connecting the pipeline failed: " + e, e);
        }
    }

    /** The inbound side of a failed open: a socket it already accepted is closed, a later one will be. */
    private static void abandon(CompletableFuture<Socket> accepted) {
        if (!accepted.cancel(true) && !accepted.isCompletedExceptionally()) {
            close(accepted.join());
        }
    }

    private static Socket accept(ServerSocket server, byte[] secret, int from, int to, long deadline) {
        while (true) {
            long left = (deadline - System.nanoTime()) / 1_000_000;
            if (left <= 0) {
                throw new TransportException("rank " + to + ": rank " + from + " did not connect in time");
            }
            Socket s = null;
            try {
                server.setSoTimeout((int) Math.min(Integer.MAX_VALUE, left));
                s = server.accept();
                s.setTcpNoDelay(true);
                s.setSoTimeout((int) Math.min(Integer.MAX_VALUE, Math.max(1, left)));
                Handshake.server(s, secret, from, to);
                return s;
            } catch (SocketTimeoutException e) {
                close(s);
                if (s == null) {
                    throw new TransportException("rank " + to + ": rank " + from + " did not connect in time");
                }
            } catch (IOException | TransportException e) {
                // a stranger, a peer without the secret, or a half-open attempt: refuse it, keep waiting
                LOG.log(Level.WARNING, "pipeline rank " + to + ": refused a connection from "
                    + (s == null ? "?" : s.getRemoteSocketAddress()) + ": " + e.getMessage());
                close(s);
            }
        }
    }

    private static Socket connect(InetSocketAddress to, byte[] secret, int from, int toRank, long deadline) throws IOException {
        IOException last = null;
        while (System.nanoTime() < deadline) {
            Socket s = new Socket();
            try {
                s.setTcpNoDelay(true);
                s.connect(to, (int) Math.max(1, Math.min(5_000, (deadline - System.nanoTime()) / 1_000_000)));
                s.setSoTimeout((int) Math.max(1, Math.min(Integer.MAX_VALUE, (deadline - System.nanoTime()) / 1_000_000)));
                Handshake.client(s, secret, from, toRank);
                return s;
            } catch (TransportException e) {
                close(s);
                throw new TransportException("rank " + from + ": rank " + toRank + " at " + to + ": " + e.getMessage(), e);
            } catch (IOException e) {
                close(s);
                last = e;
                try {
                    Thread.sleep(100);
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                    throw new TransportException("interrupted while connecting to " + to);
                }
            }
        }
        throw new TransportException("rank " + from + ": cannot reach rank " + toRank + " at " + to + ": " + last);
    }

    /** Sends a frame to the next rank (frames from several threads never interleave). */
    public void send(Frame f) {
        synchronized (dout) {
            try {
                f.write(dout);
            } catch (IOException e) {
                throw new TransportException("rank " + rank + ": sending to rank " + (rank + 1) % ranks + " failed: " + e, e);
            }
        }
        bytesSent.addAndGet(f.wireBytes());
        framesSent.incrementAndGet();
        lastSendNanos = System.nanoTime();
    }

    /** The next frame from the previous rank; a TransportException when it is gone or silent past the timeout. */
    public Frame receive() {
        int from = (rank - 1 + ranks) % ranks;
        try {
            return Frame.read(din);
        } catch (SocketTimeoutException e) {
            throw new TransportException("rank " + rank + ": nothing from rank " + from + " for "
                + settings.timeoutMs() / 1000.0 + " s (peer dead or hung)");
        } catch (EOFException e) {
            throw new TransportException("rank " + rank + ": rank " + from + " closed the link");
        } catch (IOException e) {
            throw new TransportException("rank " + rank + ": reading from rank " + from + " failed: " + e, e);
        }
    }

    /** Nanoseconds since this rank last sent anything (the heartbeat sends when idle). */
    public long idleNanos() {
        return System.nanoTime() - lastSendNanos;
    }

    public long bytesSent() {
        return bytesSent.get();
    }

    public long framesSent() {
        return framesSent.get();
    }

    public LinkSettings settings() {
        return settings;
    }

    @Override
    public void close() {
        close(out);
        close(in);
    }

    private static void close(Socket s) {
        if (s != null) {
            try {
                s.close();
            } catch (IOException ignored) {
                // closing anyway
            }
        }
    }
}
