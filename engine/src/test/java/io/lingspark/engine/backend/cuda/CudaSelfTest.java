package io.lingspark.engine.backend.cuda;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.lingspark.engine.backend.cpu.CpuBackend;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The GPU parity suite for machines without Maven (tools/gpu-bundle.sh): prints one JSON object
 * with the device, the GEMM checks over Ling-mini-2.0 and odd shapes, and the three fixtures'
 * top-1 agreement, mean |Δlogit| and greedy divergences, each with its limit and verdict. Exit 0
 * when everything passes, 1 otherwise, 2 when no GPU or no kernels.
 *
 *   java -cp 'lib/*' io.lingspark.engine.backend.cuda.CudaSelfTest [fixtures/ling-v2 dir]
 */
public final class CudaSelfTest {
    private CudaSelfTest() {
    }

    public static void main(String[] args) throws Exception {
        Map<String, Object> out = new LinkedHashMap<>();
        if (!CudaContext.kernelsBuilt() || !CudaContext.deviceAvailable()) {
            out.put("error", CudaContext.kernelsBuilt() ? "no CUDA device" : "CUDA kernels were not built");
            System.out.println(new ObjectMapper().writeValueAsString(out));
            System.exit(2);
        }
        boolean ok = true;
        try (CudaBackend gpu = new CudaBackend(0, 0.5); CpuBackend cpu = new CpuBackend(0)) {
            out.put("device", gpu.name());
            Map<String, Object> gemm = new LinkedHashMap<>();
            int[][] shapes = {{1, 3072, 2048}, {1, 2048, 2048}, {4, 1024, 2048}, {8, 2048, 512}, {9, 2048, 2048},
                {37, 10240, 2048}, {64, 2048, 5120}, {300, 1024, 2048}, {1024, 3072, 2048}, {13, 77, 40}, {1, 157184, 2048}};
            for (int[] s : shapes) {
                double e = CudaParity.matmulRelError(gpu, cpu, s[0], s[1], s[2], 42);
                gemm.put(s[0] + "x" + s[1] + "x" + s[2], e);
                ok &= e <= 1e-2;
            }
            out.put("gemmRelError(limit 1e-2)", gemm);
            Map<String, Object> kernels = CudaKernelParity.run(gpu, cpu);
            for (Map.Entry<String, Object> e : kernels.entrySet()) {
                if (e.getValue() instanceof Double d) {
                    ok &= d <= 1e-2;
                }
                if (e.getKey().startsWith("device sampling") && e.getValue() instanceof Integer n) {
                    ok &= n == 0;
                }
            }
            out.put("kernelRelError(limit 1e-2)", kernels);
            if (args.length > 0) {
                String[] names = {"tiny-ling-v2", "tiny-ling-v2-yarn", "tiny-ling-v2-fp8"};
                double[] top1 = {0.96, 0.94, 0.97};
                double[] mean = {0.10, 0.10, 0.08};
                for (int i = 0; i < names.length; i++) {
                    Path dir = Path.of(args[0]).resolve(names[i]);
                    if (!Files.isDirectory(dir)) {
                        out.put(names[i], "missing");
                        ok = false;
                        continue;
                    }
                    Map<String, Object> r = CudaParity.fixture(gpu, dir);
                    boolean pass = (double) r.get("top1") >= top1[i] && (double) r.get("meanAbsDelta") <= 1.5 * mean[i]
                            && (int) r.get("greedyPromptsDiverged") == 0;
                    r.put("limits", "top1>=" + top1[i] + " meanAbsDelta<=" + 1.5 * mean[i] + " diverged==0");
                    r.put("pass", pass);
                    ok &= pass;
                    out.put(names[i], r);
                }
                Map<String, Object> engine = CudaParity.enginePreemption(Path.of(args[0]).resolve("tiny-ling-v2"));
                ok &= (boolean) engine.get("pass");
                out.put("engine preemption (tiny-ling-v2, 12 blocks)", engine);
                for (String name : new String[] {"tiny-ling-v2", "tiny-ling-v2-fp8"}) {
                    try {
                        Map<String, Object> pp = CudaParity.pipeline(Path.of(args[0]).resolve(name), 2);
                        ok &= (boolean) pp.get("pass");
                        out.put("pipeline stages vs single GPU engine (" + name + ")", pp);
                    } catch (RuntimeException e) {
                        out.put("pipeline stages vs single GPU engine (" + name + ")", e.toString());
                        ok = false;
                    }
                }
            }
        } catch (RuntimeException e) {
            out.put("exception", e.toString());
            ok = false;
        }
        out.put("pass", ok);
        System.out.println(new ObjectMapper().writerWithDefaultPrettyPrinter().writeValueAsString(out));
        System.exit(ok ? 0 : 1);
    }
}
