package io.lingspark.jobs.output;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.UUID;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.LocalFileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.RawLocalFileSystem;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A run's exclusive claim on its output folder, so two jobs never write one output at once (each
 * would see no runs, generate everything and commit: every id twice). The claim is the file
 * {@code <output>/_lingspark/lock}, created only if absent, holding who holds it (run id, host, pid,
 * start time, a token); while the run goes, a daemon thread rewrites {@code _lingspark/heartbeat}
 * every {@code timeout / 10} (at most 30 s). A claim whose heartbeat (else its lock) was last
 * modified more than the timeout ago is stale: its holder died without releasing it. A stale claim
 * is taken over only when asked (--break-lock, --overwrite); a live one never.
 *
 * <p>Creating the lock is the atomic step: HDFS's create without overwrite fails when the file
 * exists; on the local filesystem Hadoop checks then creates (two racing jobs could both succeed),
 * so there the lock is created with O_EXCL through java.nio. Object stores: where the store declares
 * Hadoop 3.5's conditional create (S3A with S3 conditional writes) the lock is a put-if-absent;
 * with Hadoop 3.4 (Spark 4.1's) S3A checks then writes, so keep one writer per output there (the
 * DAG's max_active_runs=1). Ages are the filesystem's modification times against this host's clock, so
 * the timeout must be well above any clock skew. The leading underscore keeps Spark's readers out.
 */
public final class OutputClaim implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(OutputClaim.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    public static final String FOLDER = "_lingspark";
    static final String LOCK = "lock";
    static final String HEARTBEAT = "heartbeat";
    /** Options.CreateFileOptionKeys.FS_OPTION_CREATE_CONDITIONAL_OVERWRITE (Hadoop 3.5), by name: Spark 4.1 ships 3.4. */
    private static final String CONDITIONAL_CREATE = "fs.option.create.conditional.overwrite";

    private final FileSystem fs;
    private final Path root;
    private final boolean newRoot;
    private final Path lock;
    private final Path heartbeat;
    private final String token;
    private final String runId;
    private final ScheduledExecutorService beats;
    private final Thread onExit;
    private boolean released;

    private OutputClaim(FileSystem fs, Path root, String runId, String token, long timeoutMs, boolean newRoot) {
        this.fs = fs;
        this.root = root;
        this.newRoot = newRoot;
        this.lock = new Path(new Path(root, FOLDER), LOCK);
        this.heartbeat = new Path(new Path(root, FOLDER), HEARTBEAT);
        this.runId = runId;
        this.token = token;
        this.beats = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "lingspark-output-claim");
            t.setDaemon(true);
            return t;
        });
        long period = Math.max(100, Math.min(30_000, timeoutMs / 10));
        beats.scheduleAtFixedRate(this::beat, period, period, TimeUnit.MILLISECONDS);
        // Ctrl-C or a SIGTERM (YARN, Kubernetes) ends the JVM without unwinding the run: release there
        // too, so the next job need not wait out the timeout. Only a SIGKILL leaves a claim to go stale.
        this.onExit = new Thread(this::release, "lingspark-output-claim-release");
        Runtime.getRuntime().addShutdownHook(onExit);
    }

    /** Who holds a claim, as its lock file says, and how long ago it last showed signs of life. */
    public record Holder(String runId, String host, long pid, String startedAt, String token, long ageMs) {
        public String describe() {
            return "run " + runId + " on host " + host + " (pid " + pid + ") since " + startedAt
                + ", last heartbeat " + ageMs / 1000 + " s ago";
        }
    }

    /**
     * Claims the output for this run, or throws an OutputException naming the holder.
     *
     * @param takeOverStale take over a claim whose holder stopped its heartbeat (--break-lock, --overwrite)
     * @param timeoutMs     heartbeat age after which a claim is stale
     */
    public static OutputClaim acquire(FileSystem anyFs, Path root, String runId, boolean takeOverStale, long timeoutMs) {
        FileSystem fs = raw(anyFs);
        Path dir = new Path(root, FOLDER);
        Path lock = new Path(dir, LOCK);
        String token = UUID.randomUUID().toString();
        try {
            // Whether release may remove the folder. A job racing others for a new folder may find it
            // made by a losing attempt: it then leaves that folder behind, empty.
            boolean newRoot = !fs.exists(root);
            for (int attempt = 0; attempt < 3; attempt++) {
                if (createExclusive(fs, lock, lockContent(runId, token))) {
                    OutputClaim claim = new OutputClaim(fs, root, runId, token, timeoutMs, newRoot);
                    try {
                        claim.beat();
                    } catch (Error e) {
                        claim.close();
                        throw e;
                    }
                    return claim;
                }
                Holder h = namedHolder(fs, root, timeoutMs);
                if (h == null) {
                    continue; // released between our create and our read: try again
                }
                if (h.ageMs() <= timeoutMs) {
                    throw new OutputException("output '" + root + "' is being written by " + h.describe()
                        + "; two jobs must not write one output at once (wait for it, or use another --output)");
                }
                if (!takeOverStale) {
                    throw new OutputException("output '" + root + "' is claimed by " + h.describe() + ": the claim is "
                        + "stale (no heartbeat for over " + timeoutMs / 1000 + " s; its job seems dead). Rerun with "
                        + "--break-lock to take it over (or --overwrite to replace the output)");
                }
                breakStale(fs, dir, h, token);
            }
        } catch (IOException e) {
            throw new OutputException("cannot claim output '" + root + "' (" + lock + "): " + e.getMessage(), e);
        }
        throw new OutputException("cannot claim output '" + root + "': other jobs keep claiming it");
    }

    /**
     * {@link #holder}, read again for up to {@link #UNNAMED_WAIT_MS} while a fresh claim is still empty: its
     * taker creates the lock and writes who it is right after (HDFS and the local filesystem show the file
     * before its content), and a refusal should name the run that holds the output, not "run ?".
     */
    private static Holder namedHolder(FileSystem fs, Path root, long timeoutMs) throws IOException {
        Holder h = holder(fs, root);
        long end = System.nanoTime() + UNNAMED_WAIT_MS * 1_000_000L; // a deadline: each read of a slow filesystem takes time too
        while (h != null && h.token().isEmpty() && h.ageMs() <= timeoutMs && System.nanoTime() < end) {
            try {
                Thread.sleep(1);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
            h = holder(fs, root);
        }
        return h;
    }

    /** How long a refusal waits for a just-created claim to show its holder (ms). */
    private static final int UNNAMED_WAIT_MS = 200;

    /** The current holder of the output's claim, or null when nobody holds it. */
    public static Holder holder(FileSystem anyFs, Path root) throws IOException {
        FileSystem fs = raw(anyFs);
        Path dir = new Path(root, FOLDER);
        Path lock = new Path(dir, LOCK);
        long lockTime;
        JsonNode o;
        try {
            lockTime = fs.getFileStatus(lock).getModificationTime();
            o = read(fs, lock);
        } catch (FileNotFoundException e) {
            return null;
        }
        long last = lockTime;
        try {
            long beatTime = fs.getFileStatus(new Path(dir, HEARTBEAT)).getModificationTime();
            JsonNode beat = read(fs, new Path(dir, HEARTBEAT));
            // A heartbeat left by an earlier holder does not count; one caught mid-rewrite does.
            if (beat == null || o == null || o.path("token").asText().equals(beat.path("token").asText())) {
                last = Math.max(last, beatTime);
            }
        } catch (FileNotFoundException e) {
            // no heartbeat yet: the lock's own time
        }
        long age = Math.max(0, System.currentTimeMillis() - last);
        if (o == null) { // being written right now, or a truncated file: judge by its time alone
            return new Holder("?", "?", -1, Instant.ofEpochMilli(lockTime).toString(), "", age);
        }
        return new Holder(o.path("run_id").asText("?"), o.path("host").asText("?"), o.path("pid").asLong(-1),
            o.path("started_at").asText("?"), o.path("token").asText(""), age);
    }

    /**
     * Moves the stale lock aside (a rename succeeds for one taker only), checks that what moved is the
     * claim judged stale (not a fresh one another taker created meanwhile: that one goes back), then
     * removes it.
     */
    private static void breakStale(FileSystem fs, Path dir, Holder stale, String token) throws IOException {
        Path lock = new Path(dir, LOCK);
        Path aside = new Path(dir, "lock.broken-" + token);
        if (!fs.rename(lock, aside)) {
            return; // another taker moved it first; the next attempt sees what it left
        }
        JsonNode moved = read(fs, aside);
        String movedToken = moved == null ? "" : moved.path("token").asText("");
        if (!movedToken.equals(stale.token())) {
            // a live claim: put it back. (A third job claiming in that very instant is not handled:
            // breaking a claim is a person's explicit decision, not a routine path.)
            fs.rename(aside, lock);
            throw new OutputException("output claim changed while taking over the stale claim of run " + stale.runId()
                + "; another job holds it now");
        }
        fs.delete(aside, false);
        System.err.println("lingspark: took over the stale claim of " + stale.describe());
    }

    /** The local filesystem without its .crc side files: a heartbeat read mid-rewrite is then just unreadable. */
    private static FileSystem raw(FileSystem fs) {
        return fs instanceof LocalFileSystem l ? l.getRawFileSystem() : fs;
    }

    private static boolean createExclusive(FileSystem fs, Path path, byte[] content) throws IOException {
        java.io.File local = fs instanceof RawLocalFileSystem r ? r.pathToFile(path) : null;
        if (local != null) {
            Files.createDirectories(local.toPath().getParent());
            try (OutputStream out = Files.newOutputStream(local.toPath(), StandardOpenOption.CREATE_NEW,
                StandardOpenOption.WRITE)) {
                out.write(content);
            } catch (FileAlreadyExistsException e) {
                return false;
            }
            return true;
        }
        // Object stores that write at close() can do put-if-absent there (Hadoop 3.5's option, S3A with
        // conditional writes); elsewhere create without overwrite, which HDFS makes atomic.
        boolean conditional = fs.hasPathCapability(path, CONDITIONAL_CREATE);
        try (FSDataOutputStream out = conditional ? conditionalCreate(fs, path) : fs.create(path, false)) {
            out.write(content);
        } catch (org.apache.hadoop.fs.FileAlreadyExistsException e) {
            return false;
        } catch (IOException e) {
            if (fs.exists(path)) { // a precondition failure, or a filesystem saying "exists" another way
                return false;
            }
            throw e;
        }
        return true;
    }

    private static FSDataOutputStream conditionalCreate(FileSystem fs, Path path) throws IOException {
        org.apache.hadoop.fs.FSDataOutputStreamBuilder<?, ?> b = fs.createFile(path);
        b.overwrite(true); // the builder returns itself
        b.recursive();
        b.must(CONDITIONAL_CREATE, true);
        return b.build();
    }

    private static JsonNode read(FileSystem fs, Path p) throws IOException {
        try (InputStream in = fs.open(p)) {
            byte[] b = in.readAllBytes();
            return b.length == 0 ? null : JSON.readTree(b);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            return null;
        }
    }

    private static byte[] lockContent(String runId, String token) {
        ObjectNode o = JSON.createObjectNode();
        o.put("run_id", runId);
        o.put("host", hostName());
        o.put("pid", ProcessHandle.current().pid());
        o.put("started_at", Instant.now().toString());
        o.put("token", token);
        return o.toString().getBytes(StandardCharsets.UTF_8);
    }

    private static volatile String host;

    private static String hostName() {
        if (host == null) { // a name lookup can take seconds; once per JVM is enough
            try {
                host = InetAddress.getLocalHost().getHostName();
            } catch (IOException e) {
                host = ManagementFactory.getRuntimeMXBean().getName();
            }
        }
        return host;
    }

    private void beat() {
        ObjectNode o = JSON.createObjectNode();
        o.put("run_id", runId);
        o.put("token", token);
        o.put("at", Instant.now().toString());
        try (FSDataOutputStream out = fs.create(heartbeat, true)) {
            out.write(o.toString().getBytes(StandardCharsets.UTF_8));
        } catch (IOException | RuntimeException e) {
            // a missed beat is harmless unless the store stays unwritable for the whole timeout
            LOG.warn("lingspark: cannot refresh the output claim's heartbeat {}: {}", heartbeat, e.toString());
        }
    }

    private void removeIfEmpty(Path dir) throws IOException {
        if (fs.exists(dir) && fs.listStatus(dir).length == 0) {
            fs.delete(dir, false);
        }
    }

    /** Whether the lock still holds this claim (it was not broken as stale meanwhile). */
    public boolean held() {
        try {
            JsonNode o = read(fs, lock);
            return o != null && o.path("token").asText().equals(token);
        } catch (IOException e) {
            return false;
        }
    }

    /** Stops the heartbeat and removes the claim, if it is still this run's. Never throws. */
    @Override
    public void close() {
        try {
            Runtime.getRuntime().removeShutdownHook(onExit);
        } catch (IllegalStateException e) {
            // the JVM is shutting down: the hook releases it
        }
        release();
    }

    private synchronized void release() {
        if (released) {
            return;
        }
        released = true;
        beats.shutdownNow();
        try {
            beats.awaitTermination(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        try {
            if (held()) {
                fs.delete(heartbeat, false);
                fs.delete(lock, false);
                // a run that wrote nothing leaves the folder as it found it
                removeIfEmpty(lock.getParent());
                if (newRoot) {
                    removeIfEmpty(root);
                }
            } else {
                LOG.warn("lingspark: the claim on {} is no longer run {}'s (taken over as stale?); left as it is",
                    lock.getParent().getParent(), runId);
            }
        } catch (IOException | RuntimeException e) {
            LOG.warn("lingspark: cannot release the output claim {}: {}", lock, e.toString());
        }
    }
}
