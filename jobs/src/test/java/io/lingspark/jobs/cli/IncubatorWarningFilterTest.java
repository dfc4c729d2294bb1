package io.lingspark.jobs.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** bin/lingspark's stderr filter drops the JVM's incubator warning and nothing else. */
class IncubatorWarningFilterTest {
    @Test
    void dropsOnlyTheStartUpWarning() throws Exception {
        assertEquals("lingspark: input error\r 40% rows\r 80% rows",
            filter("WARNING: Using incubator modules: jdk.incubator.vector\nlingspark: input error\r 40% rows\r 80% rows"));
        assertEquals("first line\nWARNING: Using incubator modules: x\n",
            filter("first line\nWARNING: Using incubator modules: x\n"), "only a first line is the JVM's");
        assertEquals("no newline", filter("no newline"));
        assertEquals("", filter(""));
    }

    private static String filter(String in) throws Exception {
        Process p = new ProcessBuilder("bash", "../bin/drop-incubator-warning").start();
        p.getOutputStream().write(in.getBytes(StandardCharsets.UTF_8));
        p.getOutputStream().close();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(30, TimeUnit.SECONDS));
        assertEquals(0, p.exitValue());
        return out;
    }
}
