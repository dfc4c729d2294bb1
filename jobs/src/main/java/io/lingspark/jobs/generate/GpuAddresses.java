package io.lingspark.jobs.generate;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.Supplier;

/**
 * Turns the GPU address Spark assigned a task into the device's CUDA ordinal in this process. They
 * differ: the discovery script names GPUs as the machine sees them (conf/gpu-discovery.sh prints
 * CUDA_VISIBLE_DEVICES' entries, or nvidia-smi's UUIDs), while CUDA numbers the devices a process may see
 * from 0, in the order CUDA_VISIBLE_DEVICES lists them (and, without it, in its own fastest-first order,
 * which need not be nvidia-smi's PCI order). So: an address CUDA_VISIBLE_DEVICES lists is its position
 * there; a UUID is found among the UUIDs the driver reports for this process's devices; a bare index with
 * no CUDA_VISIBLE_DEVICES is taken as the ordinal (exact with CUDA_DEVICE_ORDER=PCI_BUS_ID).
 */
public final class GpuAddresses {
    private GpuAddresses() {
    }

    /**
     * @param address            the address Spark assigned (ResourceInformation.addresses()[i])
     * @param cudaVisibleDevices this process's CUDA_VISIBLE_DEVICES, or null
     * @param processUuids       the UUIDs of this process's devices in ordinal order (asked only when needed)
     */
    public static int ordinal(String address, String cudaVisibleDevices, Supplier<List<String>> processUuids) {
        String a = address.trim();
        List<String> visible = visible(cudaVisibleDevices);
        if (visible != null) {
            for (int i = 0; i < visible.size(); i++) {
                if (same(visible.get(i), a)) {
                    return i;
                }
            }
        }
        if (isUuid(a)) {
            List<String> uuids = processUuids.get();
            for (int i = 0; i < uuids.size(); i++) {
                if (same(uuids.get(i), a)) {
                    return i;
                }
            }
            throw new IllegalStateException("Spark assigned GPU " + a + " to this task, but this process sees "
                + (uuids.isEmpty() ? "no CUDA device" : "only " + uuids) + mismatch(cudaVisibleDevices));
        }
        if (visible == null && a.matches("\\d{1,4}")) {
            return Integer.parseInt(a);
        }
        throw new IllegalStateException("Spark assigned GPU '" + a + "' to this task, which is neither a UUID "
            + "nor an entry of CUDA_VISIBLE_DEVICES" + mismatch(cudaVisibleDevices));
    }

    /** Each address of a task's GPU resource as an ordinal, with this process's environment and driver. */
    public static int ordinal(String address) {
        return ordinal(address, System.getenv("CUDA_VISIBLE_DEVICES"),
            io.lingspark.engine.backend.cuda.CudaContext::deviceUuids);
    }

    private static String mismatch(String cvd) {
        return (cvd == null ? "" : " (CUDA_VISIBLE_DEVICES=" + cvd + ")")
            + "; the GPU discovery script and the executor's environment disagree (see conf/gpu-discovery.sh)";
    }

    /** CUDA_VISIBLE_DEVICES' entries; CUDA ignores everything from the first empty entry on. Null when unset. */
    static List<String> visible(String cvd) {
        if (cvd == null || cvd.isBlank()) {
            return null;
        }
        List<String> out = new ArrayList<>();
        for (String e : cvd.split(",", -1)) {
            if (e.isBlank()) {
                break;
            }
            out.add(e.trim());
        }
        return out;
    }

    static boolean isUuid(String a) {
        String u = a.toUpperCase(Locale.ROOT);
        return u.startsWith("GPU-") || u.startsWith("MIG-");
    }

    /** Equal names; UUIDs case-insensitively. */
    private static boolean same(String x, String y) {
        return isUuid(x) && isUuid(y) ? x.equalsIgnoreCase(y) : x.equals(y);
    }
}
