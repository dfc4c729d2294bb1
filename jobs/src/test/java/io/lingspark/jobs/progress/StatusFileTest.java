package io.lingspark.jobs.progress;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class StatusFileTest {
    @TempDir
    Path tmp;

    @Test
    void snapshotsCarryCountsRatesAndEta() throws Exception {
        StatusFile.Snapshot s = new StatusFile.Snapshot("running", "r1", "/out", 100, 25,
            Map.of("EMPTY_PROMPT", 2L, "INVALID_PARAMS", 0L), 1000, 500, 10.0, null);
        assertEquals(30.0, s.etaS(), 1e-9, "75 rows left at 2.5 rows/s");
        Path p = tmp.resolve("sub/status.json");
        new StatusFile(p).write(s);
        JsonNode o = new ObjectMapper().readTree(p.toFile());
        assertEquals(25, o.get("rows_done").asLong());
        assertEquals(2, o.get("rows_error").asLong());
        assertEquals(2, o.get("errors_by_code").get("EMPTY_PROMPT").asLong());
        assertTrue(o.get("errors_by_code").path("INVALID_PARAMS").isMissingNode(), "zero counts are left out");
        assertEquals(50.0, o.get("tokens_per_s").asDouble());
        assertEquals(30.0, o.get("eta_s").asDouble());
        String bar = ProgressReporter.bar(s);
        assertTrue(bar.contains("25/100 rows") && bar.contains("ETA 30s"), bar);
        StatusFile.Snapshot start = new StatusFile.Snapshot("running", "r1", "/out", 100, 0, Map.of(), 0, 0, 1, null);
        assertEquals(-1, start.etaS());
    }

    @Test
    void theHeartbeatMovesWhileNothingChangesAndTheEndStateIsNeverOverwritten() throws Exception {
        Path p = tmp.resolve("status.json");
        ObjectMapper json = new ObjectMapper();
        try (StatusFile f = new StatusFile(p)) {
            f.write(new StatusFile.Snapshot("running", "r1", "/out", 10, 4, Map.of("EMPTY_PROMPT", 1L), 50, 20, 3.0, null));
            JsonNode first = json.readTree(p.toFile());
            f.startHeartbeat(50);
            JsonNode later = first;
            for (int i = 0; i < 100 && later.get("heartbeat_at").equals(first.get("heartbeat_at")); i++) {
                Thread.sleep(20);
                later = json.readTree(p.toFile());
            }
            assertTrue(Instant.parse(later.get("heartbeat_at").asText()).isAfter(Instant.parse(first.get("heartbeat_at").asText())),
                "a stuck job's file still beats: " + later);
            assertEquals(first.get("updated_at"), later.get("updated_at"), "the numbers were not retaken");
            assertEquals(4, later.get("rows_done").asLong());

            f.fail("r1", "/out", "output error: No space left on device");
            assertTrue(f.finished());
            assertFalse(f.write(new StatusFile.Snapshot("running", "r1", "/out", 10, 5, Map.of(), 0, 0, 4, null)),
                "a late progress tick does not undo the end state");
            f.fail("r1", "/out", "another reason");
            Thread.sleep(200);
            JsonNode end = json.readTree(p.toFile());
            assertEquals("failed", end.get("state").asText());
            assertEquals("output error: No space left on device", end.get("message").asText());
            assertEquals(4, end.get("rows_done").asLong(), "the failed state keeps the last counts");
            assertEquals(1, end.get("errors_by_code").get("EMPTY_PROMPT").asLong());
        }
    }
}
