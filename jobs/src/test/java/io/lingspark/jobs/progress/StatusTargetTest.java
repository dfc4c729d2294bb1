package io.lingspark.jobs.progress;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The status file on any Hadoop filesystem, each write replacing the whole document. */
class StatusTargetTest {
    static final ObjectMapper JSON = new ObjectMapper();
    @TempDir
    Path tmp;
    Configuration conf;

    @BeforeEach
    void setUp() {
        conf = new Configuration();
        RecordingFileSystem.register(conf);
        RecordingFileSystem.OPS.clear();
    }

    static StatusFile.Snapshot running(long done) {
        return new StatusFile.Snapshot("running", "r1", "/out", 1000, done, Map.of(), 10, done, 1.0, "x".repeat(2000));
    }

    @Test
    void aFileUriIsTheLocalFilesystem() throws Exception {
        Path p = tmp.resolve("a/status.json");
        StatusFile f = new StatusFile("file://" + p, conf);
        assertEquals("move", f.mode());
        f.write(running(3));
        assertEquals(3, JSON.readTree(p.toFile()).get("rows_done").asLong());
        assertEquals(List.of("status.json"), Files.list(p.getParent()).map(x -> x.getFileName().toString()).toList());
    }

    @Test
    void aHadoopFilesystemGetsATempFileBesideItRenamedOver() throws Exception {
        Path p = tmp.resolve("b/status.json");
        StatusFile f = new StatusFile(RecordingFileSystem.uri(p), conf);
        assertEquals("rename", f.mode());
        f.write(running(1));
        f.write(running(2));
        List<String> ops = RecordingFileSystem.OPS;
        assertEquals(4, ops.size(), ops.toString());
        for (int i = 0; i < 4; i += 2) {
            String tmpName = ops.get(i).split(" ")[1];
            assertTrue(tmpName.startsWith(".status.json.") && tmpName.endsWith(".tmp"), ops.toString());
            assertEquals("rename " + tmpName + " status.json", ops.get(i + 1));
        }
        assertEquals(2, JSON.readTree(p.toFile()).get("rows_done").asLong());
        assertEquals(List.of("status.json"), Files.list(p.getParent()).map(x -> x.getFileName().toString()).toList(),
            "no temporary file is left behind");
    }

    @Test
    void aReaderNeverSeesHalfADocument() throws Exception {
        Path p = tmp.resolve("c/status.json");
        StatusFile f = new StatusFile(RecordingFileSystem.uri(p), conf);
        f.write(running(0));
        AtomicBoolean stop = new AtomicBoolean();
        AtomicReference<String> bad = new AtomicReference<>();
        AtomicInteger reads = new AtomicInteger();
        Thread reader = new Thread(() -> {
            while (!stop.get()) {
                try {
                    byte[] b = Files.readAllBytes(p);
                    JsonNode o = JSON.readTree(b);
                    if (o == null || !o.has("heartbeat_at")) {
                        bad.compareAndSet(null, new String(b));
                    }
                    reads.incrementAndGet();
                    Thread.sleep(1); // leave the shared cores to the writer
                } catch (NoSuchFileException e) {
                    bad.compareAndSet(null, "the file was missing");
                } catch (Exception e) {
                    bad.compareAndSet(null, e.toString());
                }
            }
        });
        reader.start();
        for (int i = 1; i <= 100; i++) {
            f.write(running(i));
        }
        stop.set(true);
        reader.join();
        assertEquals(null, bad.get(), "after " + reads.get() + " reads");
        assertEquals(100, JSON.readTree(p.toFile()).get("rows_done").asLong());
    }

    @Test
    void anObjectStoreGetsOnePutOfTheWholeDocument() throws Exception {
        conf.set(StatusTarget.OBJECT_STORES_KEY, "s3a," + RecordingFileSystem.SCHEME);
        Path p = tmp.resolve("d/status.json");
        StatusFile f = new StatusFile(RecordingFileSystem.uri(p), conf);
        assertEquals("put", f.mode());
        f.write(running(5));
        f.write(running(6));
        assertEquals(List.of("create status.json overwrite", "create status.json overwrite"), RecordingFileSystem.OPS,
            "no temporary object, no rename (a copy on object stores)");
        assertEquals(6, JSON.readTree(p.toFile()).get("rows_done").asLong());
    }

    @Test
    void aSchemeNoFilesystemServesIsRefusedUpFront() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
            () -> new StatusFile("nosuchfs://bucket/status.json", conf));
        assertTrue(e.getMessage().contains("nosuchfs://bucket/status.json"), e.getMessage());
    }
}
