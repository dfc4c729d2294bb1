package io.lingspark.jobs.progress;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Airflow example's sensor (examples/airflow/lingspark_status.py) against status files this
 * code writes: waiting while running, done on succeeded, failing on failed or a stale heartbeat.
 * Runs python3 without Airflow (the helper raises RuntimeError there); skipped without python3.
 */
class AirflowSensorTest {
    static final Path HELPER_DIR = Path.of("..", "examples", "airflow");
    @TempDir
    Path tmp;

    /** What poke_status answers for the file, 'now' being minutesLater after its heartbeat. */
    static String poke(Path status, int minutesLater) throws Exception {
        String script = String.join("\n",
            "import sys; from datetime import datetime, timedelta",
            "sys.path.insert(0, sys.argv[1])",
            "from lingspark_status import poke_status, read_status",
            "s = read_status(sys.argv[2])",
            "now = None if s is None else datetime.fromisoformat(s['heartbeat_at'].replace('Z', '+00:00'))"
                + " + timedelta(minutes=int(sys.argv[3]))",
            "try:",
            "    print('RESULT', poke_status(sys.argv[2], timedelta(minutes=5), now=now))",
            "except RuntimeError as e:",
            "    print('RESULT failed:', e)");
        Process p = new ProcessBuilder("python3", "-c", script, HELPER_DIR.toString(), status.toString(),
            Integer.toString(minutesLater)).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertEquals(true, p.waitFor(60, TimeUnit.SECONDS));
        assertEquals(0, p.exitValue(), out);
        return out.lines().filter(l -> l.startsWith("RESULT ")).findFirst().orElse(out).substring(7);
    }

    @Test
    void theSensorWaitsSucceedsAndFailsOnAFailedOrStaleRun() throws Exception {
        assumeTrue(Stream.of(System.getenv().getOrDefault("PATH", "").split(java.io.File.pathSeparator))
            .anyMatch(d -> Files.isExecutable(Path.of(d, "python3"))), "python3 not installed");
        Path missing = tmp.resolve("none.json");
        assertEquals("False", poke(missing, 0), "not started yet: wait");

        Path running = tmp.resolve("running.json");
        new StatusFile(running).write(new StatusFile.Snapshot("running", "r1", "/out", 10, 4, Map.of(), 5, 5, 2, null));
        assertEquals("False", poke(running, 1), "a live run: wait");
        String stale = poke(running, 6);
        assertEquals(true, stale.startsWith("failed: lingspark run r1: no heartbeat since"), stale);

        Path failed = tmp.resolve("failed.json");
        try (StatusFile f = new StatusFile(failed)) {
            f.write(new StatusFile.Snapshot("running", "r2", "/out", 10, 4, Map.of(), 5, 5, 2, null));
            f.fail("r2", "/out", "output error: No space left on device");
        }
        assertEquals("failed: lingspark run r2 failed: output error: No space left on device", poke(failed, 0));

        Path done = tmp.resolve("done.json");
        new StatusFile(done).write(new StatusFile.Snapshot("succeeded", "r3", "/out", 10, 10, Map.of(), 5, 5, 2, null));
        assertEquals("True", poke(done, 60), "an old end state is not stale");
    }
}
