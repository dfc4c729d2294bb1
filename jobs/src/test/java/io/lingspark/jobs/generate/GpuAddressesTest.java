package io.lingspark.jobs.generate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Spark's GPU address → this process's CUDA ordinal, with conf/gpu-discovery.sh's real output for a fake
 * nvidia-smi and CUDA_VISIBLE_DEVICES, and a driver that numbers the devices in another order.
 */
class GpuAddressesTest {
    static final String A = "GPU-aaaaaaaa-0000-0000-0000-000000000001";
    static final String B = "GPU-bbbbbbbb-0000-0000-0000-000000000002";
    static final String C = "GPU-cccccccc-0000-0000-0000-000000000003";

    @TempDir
    Path tmp;

    @Test
    void uuidsFromNvidiaSmiMapThroughTheDriversOrder() throws Exception {
        Path bin = Files.createDirectories(tmp.resolve("bin"));
        Path smi = bin.resolve("nvidia-smi");
        // nvidia-smi lists in PCI order; this process's CUDA (fastest first) sees C, A, B
        Files.writeString(smi, "#!/bin/sh\nprintf '%s\\n' " + A + " " + B + " " + C + "\n");
        Files.setPosixFilePermissions(smi, PosixFilePermissions.fromString("rwxr-xr-x"));
        List<String> addresses = discover(Map.of("PATH", bin + ":" + System.getenv("PATH")));
        assertEquals(List.of(A, B, C), addresses);
        List<String> process = List.of(C, A, B);
        assertEquals(List.of(1, 2, 0), addresses.stream().map(a -> GpuAddresses.ordinal(a, null, () -> process)).toList());
        assertEquals(2, GpuAddresses.ordinal(B.toLowerCase().replace("gpu-", "GPU-"), null, () -> process));
    }

    @Test
    void cudaVisibleDevicesEntriesArePositions() throws Exception {
        List<String> addresses = discover(Map.of("CUDA_VISIBLE_DEVICES", "3,1", "PATH", "/usr/bin:/bin"));
        assertEquals(List.of("3", "1"), addresses);
        // the process sees physical 3 as ordinal 0 and physical 1 as ordinal 1
        assertEquals(0, GpuAddresses.ordinal("3", "3,1", List::of));
        assertEquals(1, GpuAddresses.ordinal("1", "3,1", List::of));
        assertEquals(1, GpuAddresses.ordinal(B, A + "," + B, List::of), "UUID entries too");
        assertEquals(List.of("2"), discover(Map.of("CUDA_VISIBLE_DEVICES", "2,,0", "PATH", "/usr/bin:/bin")),
            "CUDA stops at the first empty entry");
    }

    @Test
    void aBareIndexWithoutCudaVisibleDevicesIsTheOrdinal() {
        assertEquals(2, GpuAddresses.ordinal("2", null, () -> {
            throw new AssertionError("the driver is not asked for an index");
        }));
    }

    @Test
    void disagreementIsAClearError() {
        IllegalStateException notListed = assertThrows(IllegalStateException.class,
            () -> GpuAddresses.ordinal("5", "0,1", List::of));
        assertTrue(notListed.getMessage().contains("'5'") && notListed.getMessage().contains("CUDA_VISIBLE_DEVICES=0,1"),
            notListed.getMessage());
        IllegalStateException unknownUuid = assertThrows(IllegalStateException.class,
            () -> GpuAddresses.ordinal(C, null, () -> List.of(A, B)));
        assertTrue(unknownUuid.getMessage().contains("sees only [" + A + ", " + B + "]"), unknownUuid.getMessage());
    }

    /** Runs the shipped discovery script with the given environment and returns its addresses. */
    private List<String> discover(Map<String, String> env) throws Exception {
        ProcessBuilder pb = new ProcessBuilder("bash", Path.of("../conf/gpu-discovery.sh").toString());
        pb.environment().clear();
        pb.environment().putAll(env);
        Process p = pb.redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertTrue(p.waitFor(30, TimeUnit.SECONDS));
        assertEquals(0, p.exitValue(), out);
        JsonNode json = new ObjectMapper().readTree(out);
        assertEquals("gpu", json.get("name").asText());
        List<String> addresses = new ArrayList<>();
        json.get("addresses").forEach(a -> addresses.add(a.asText()));
        return addresses;
    }
}
