package io.lingspark.engine.weights;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.lingspark.engine.backend.cpu.CpuBackend;
import io.lingspark.engine.model.CausalLm;
import io.lingspark.engine.model.ModelFactory;
import io.lingspark.engine.runtime.ModelSession;
import io.lingspark.engine.runtime.SamplingParams;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Child JVM of SparseCheckpointTest: loads a checkpoint directory on the CPU backend (256 MiB of KV
 * cache), prefills 4 tokens and decodes 1, and prints heap and resident memory as JSON.
 */
public final class SparseDecode {
    private SparseDecode() {
    }

    public static void main(String[] args) throws Exception {
        Path dir = Path.of(args[0]);
        long t0 = System.nanoTime();
        SamplingParams greedy = SamplingParams.builder().temperature(0).build();
        ObjectNode r = new ObjectMapper().createObjectNode();
        try (CpuBackend be = new CpuBackend(0, 256L << 20); CausalLm m = ModelFactory.open(dir, be);
             ModelSession s = ModelSession.open(m, 64, 4, 1)) {
            r.put("load_s", (System.nanoTime() - t0) / 1e9);
            r.put("rss_after_load_kib", status("VmRSS"));
            ModelSession.Seq seq = s.newSequence();
            long t1 = System.nanoTime();
            int[] first = s.sampleStep(List.of(new ModelSession.SeqInput(seq, new int[] {1, 2, 3, 4})), greedy);
            long t2 = System.nanoTime();
            int[] second = s.sampleStep(List.of(new ModelSession.SeqInput(seq, first)), greedy);
            long t3 = System.nanoTime();
            r.put("prefill_s", (t2 - t1) / 1e9);
            r.put("decode_step_s", (t3 - t2) / 1e9);
            r.putArray("tokens").add(first[0]).add(second[0]);
            System.gc();
            r.put("heap_used_after_gc_bytes", ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed());
            r.put("max_heap_bytes", Runtime.getRuntime().maxMemory());
            r.put("rss_kib", status("VmRSS"));
            r.put("rss_peak_kib", status("VmHWM"));
            r.put("rss_file_kib", status("RssFile"));
            r.put("rss_anon_kib", status("RssAnon"));
        }
        System.out.println(r);
    }

    /** A field of /proc/self/status in KiB (-1 where there is none). */
    static long status(String field) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith(field + ":")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", ""));
                }
            }
        } catch (Exception e) {
            // not Linux
        }
        return -1;
    }
}
