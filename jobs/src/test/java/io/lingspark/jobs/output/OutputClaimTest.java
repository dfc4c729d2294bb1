package io.lingspark.jobs.output;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The output claim on the local filesystem (through Hadoop's API, as on a cluster): no Spark needed. */
@Timeout(60)
class OutputClaimTest {
    @TempDir
    Path tmp;

    static FileSystem local() throws Exception {
        return FileSystem.getLocal(new Configuration());
    }

    static org.apache.hadoop.fs.Path path(Path p) {
        return new org.apache.hadoop.fs.Path(p.toUri());
    }

    @Test
    void ofManyJobsClaimingAtOnceExactlyOneHoldsTheOutput() throws Exception {
        FileSystem fs = local();
        org.apache.hadoop.fs.Path root = path(tmp.resolve("out"));
        int n = 8;
        CountDownLatch go = new CountDownLatch(1);
        ConcurrentLinkedQueue<OutputClaim> won = new ConcurrentLinkedQueue<>();
        ConcurrentLinkedQueue<String> refused = new ConcurrentLinkedQueue<>();
        List<Thread> threads = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            String run = "run" + i;
            Thread t = new Thread(() -> {
                try {
                    go.await();
                    won.add(OutputClaim.acquire(fs, root, run, false, 60_000));
                } catch (OutputException e) {
                    refused.add(e.getMessage());
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            });
            t.start();
            threads.add(t);
        }
        go.countDown();
        for (Thread t : threads) {
            t.join();
        }
        assertEquals(1, won.size(), "refused: " + refused);
        assertEquals(n - 1, refused.size());
        OutputClaim.Holder h = OutputClaim.holder(fs, root);
        assertNotNull(h);
        for (String m : refused) {
            assertTrue(m.contains("is being written by run " + h.runId() + " on host "), m);
        }
        won.peek().close();
        assertEquals(null, OutputClaim.holder(fs, root), "released");
        // The winner may have found the folder made by a loser's attempt, so it cannot know the folder
        // is new: an empty folder may stay, never the claim's files.
        Path out = tmp.resolve("out");
        assertTrue(!Files.exists(out) || isEmpty(out), "nothing of the claim is left");
    }

    /**
     * A refusal names the holder even when it meets the claim between its creation and its content (the
     * taker writes who it is right after creating the lock): it reads again instead of saying "run ?".
     */
    @Test
    void aRefusalWaitsForAJustCreatedClaimToNameItsHolder() throws Exception {
        FileSystem fs = local();
        org.apache.hadoop.fs.Path root = path(tmp.resolve("out"));
        try (OutputClaim first = OutputClaim.acquire(fs, root, "first", false, 60_000)) {
            Path lock = tmp.resolve("out").resolve(OutputClaim.FOLDER).resolve(OutputClaim.LOCK);
            byte[] content = Files.readAllBytes(lock);
            Files.write(lock, new byte[0]); // as a taker's lock is between its create and its write
            Thread writer = new Thread(() -> {
                try {
                    Thread.sleep(30);
                    Files.write(lock, content);
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            writer.start();
            OutputException e = assertThrows(OutputException.class, () -> OutputClaim.acquire(fs, root, "second", false, 60_000));
            writer.join();
            assertTrue(e.getMessage().contains("is being written by run first on host "), e.getMessage());
        }
    }

    @Test
    void aClaimThatWroteNothingLeavesNoFolderBehind() throws Exception {
        Path out = tmp.resolve("fresh");
        OutputClaim.acquire(local(), path(out), "only", false, 60_000).close();
        assertFalse(Files.exists(out));
    }

    private static boolean isEmpty(Path dir) throws java.io.IOException {
        try (var s = Files.list(dir)) {
            return s.findAny().isEmpty();
        }
    }

    @Test
    void aHeldClaimKeepsItsHeartbeatFreshAndAStaleOneIsTakenOverOnlyWhenAsked() throws Exception {
        FileSystem fs = local();
        Path out = Files.createDirectories(tmp.resolve("out"));
        org.apache.hadoop.fs.Path root = path(out);
        OutputClaim first = OutputClaim.acquire(fs, root, "first", false, 1_000); // heartbeat every 100 ms
        Path beat = out.resolve("_lingspark/heartbeat");
        FileTime t0 = Files.getLastModifiedTime(beat);
        Thread.sleep(400);
        assertTrue(Files.getLastModifiedTime(beat).compareTo(t0) > 0, "the heartbeat is rewritten while the claim is held");
        Thread.sleep(1_200); // longer than the timeout: still live, its heartbeat keeps it so
        assertThrows(OutputException.class, () -> OutputClaim.acquire(fs, root, "second", true, 1_000),
            "a live claim is never taken over");

        // The holder dies: its heartbeat stops (simulated by turning its files' clocks back).
        first.close();
        Files.createDirectories(out.resolve("_lingspark"));
        Files.writeString(out.resolve("_lingspark/lock"), "{\"run_id\": \"dead\", \"host\": \"h\", \"pid\": 1, "
            + "\"started_at\": \"2026-01-01T00:00:00Z\", \"token\": \"t\"}");
        Files.setLastModifiedTime(out.resolve("_lingspark/lock"), FileTime.from(Instant.now().minusSeconds(60)));
        OutputException stale = assertThrows(OutputException.class, () -> OutputClaim.acquire(fs, root, "second", false, 1_000));
        assertTrue(stale.getMessage().contains("stale") && stale.getMessage().contains("--break-lock"), stale.getMessage());
        try (OutputClaim second = OutputClaim.acquire(fs, root, "second", true, 1_000)) {
            assertEquals("second", OutputClaim.holder(fs, root).runId());
            assertTrue(second.held());
        }
        assertTrue(Files.isDirectory(out), "a folder that existed before stays");
        assertFalse(Files.exists(out.resolve("_lingspark")));
    }

    /** A JVM that holds a claim until it is stopped: {@code <output>}. */
    public static void main(String[] args) throws Exception {
        OutputClaim.acquire(local(), new org.apache.hadoop.fs.Path(args[0]), "sleeper", false, 60_000);
        System.out.println("claimed");
        System.out.flush();
        Thread.sleep(120_000);
    }

    @Test
    void aJobStoppedBySigtermReleasesItsClaim() throws Exception {
        Path out = tmp.resolve("out");
        Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-cp",
            System.getProperty("java.class.path"), OutputClaimTest.class.getName(), path(out).toString())
            .redirectError(ProcessBuilder.Redirect.DISCARD).start();
        try {
            String line = new java.io.BufferedReader(new java.io.InputStreamReader(p.getInputStream())).readLine();
            assertEquals("claimed", line);
            assertEquals("sleeper", OutputClaim.holder(local(), path(out)).runId());
            p.destroy(); // SIGTERM, as YARN or Kubernetes stop a driver
            assertTrue(p.waitFor(30, java.util.concurrent.TimeUnit.SECONDS));
            assertEquals(null, OutputClaim.holder(local(), path(out)), "released by the shutdown hook");
        } finally {
            p.destroyForcibly();
        }
    }

    @Test
    void aClaimTakenOverMeanwhileIsNotReleasedByItsFormerHolder() throws Exception {
        FileSystem fs = local();
        org.apache.hadoop.fs.Path root = path(tmp.resolve("out"));
        OutputClaim old = OutputClaim.acquire(fs, root, "old", false, 60_000);
        // another job broke it as stale (say the old holder stalled for longer than the timeout)
        Path lock = tmp.resolve("out/_lingspark/lock");
        Files.writeString(lock, "{\"run_id\": \"new\", \"host\": \"h\", \"pid\": 2, \"started_at\": \"x\", \"token\": \"n\"}");
        assertFalse(old.held());
        old.close();
        assertEquals("new", OutputClaim.holder(fs, root).runId(), "the new holder's claim stays");
    }
}
