package io.lingspark.engine.backend.cuda;

import static jcuda.driver.JCudaDriver.*;

import io.lingspark.engine.config.ModelLoadException;
import java.io.IOException;
import java.io.InputStream;
import java.util.HashMap;
import java.util.Map;
import jcuda.Pointer;
import jcuda.driver.CUcontext;
import jcuda.driver.CUdevice;
import jcuda.driver.CUfunction;
import jcuda.driver.CUfunction_attribute;
import jcuda.driver.CUmodule;
import jcuda.driver.CUstream;
import jcuda.driver.CUstream_flags;
import jcuda.driver.CUuuid;
import jcuda.driver.JCudaDriver;

/**
 * One GPU: the device's primary context, one non-blocking stream (non-blocking so that synchronous
 * metadata uploads on the legacy stream never join a graph capture), the kernel module loaded from
 * the fatbin resource with cuModuleLoadData, and raw memory operations. Driver API only.
 */
public final class CudaContext implements AutoCloseable {
    public static final String FATBIN = "/io/lingspark/engine/backend/cuda/lingspark.fatbin";

    final int ordinal;
    final CUdevice device = new CUdevice();
    final CUcontext context = new CUcontext();
    final CUstream stream = new CUstream();
    final CUmodule module = new CUmodule();
    final String name;
    final long totalMemory;
    final int smCount;
    final int ccMajor;
    private final Map<String, CUfunction> functions = new HashMap<>();

    /** True when this build packaged the kernels (nvcc was present at build time). */
    public static boolean kernelsBuilt() {
        return CudaContext.class.getResource(FATBIN) != null;
    }

    static byte[] fatbin() {
        try (InputStream in = CudaContext.class.getResourceAsStream(FATBIN)) {
            if (in == null) {
                throw new ModelLoadException("CUDA kernels were not built (nvcc was not found at build time)");
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new ModelLoadException("cannot read the CUDA kernels: " + e.getMessage());
        }
    }

    /** Whether a CUDA device can be initialised here (driver, JCuda natives, a GPU). Never throws. */
    public static boolean deviceAvailable() {
        return deviceCount() > 0;
    }

    /** CUDA devices visible here (0 when there is no driver or no GPU). Never throws. */
    public static int deviceCount() {
        try {
            JCudaDriver.setExceptionsEnabled(true);
            cuInit(0);
            int[] n = new int[1];
            cuDeviceGetCount(n);
            return n[0];
        } catch (Throwable t) {
            return 0;
        }
    }

    /**
     * The UUIDs of the devices this process sees, in CUDA ordinal order, as nvidia-smi writes them
     * ({@code GPU-8f0e...}); empty when there is no driver or no GPU. Never throws. CUDA numbers the
     * visible devices from 0 in its own order, so a UUID is the one name a Spark GPU address and this
     * process agree on.
     */
    public static java.util.List<String> deviceUuids() {
        try {
            int n = deviceCount();
            java.util.List<String> out = new java.util.ArrayList<>();
            for (int i = 0; i < n; i++) {
                CUdevice d = new CUdevice();
                cuDeviceGet(d, i);
                CUuuid u = new CUuuid();
                cuDeviceGetUuid(u, d);
                out.add(formatUuid(u.bytes));
            }
            return out;
        } catch (Throwable t) {
            return java.util.List.of();
        }
    }

    /** 16 bytes as nvidia-smi prints a GPU's UUID: GPU-xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx. */
    static String formatUuid(byte[] b) {
        StringBuilder sb = new StringBuilder("GPU-");
        for (int i = 0; i < 16; i++) {
            if (i == 4 || i == 6 || i == 8 || i == 10) {
                sb.append('-');
            }
            sb.append(String.format("%02x", b[i] & 0xff));
        }
        return sb.toString();
    }

    public CudaContext(int ordinal) {
        byte[] image = fatbin();
        this.ordinal = ordinal;
        try {
            JCudaDriver.setExceptionsEnabled(true);
            cuInit(0);
            int[] n = new int[1];
            cuDeviceGetCount(n);
            if (ordinal < 0 || ordinal >= n[0]) {
                throw new ModelLoadException("CUDA device " + ordinal + " does not exist (" + n[0] + " visible)");
            }
            cuDeviceGet(device, ordinal);
            cuDevicePrimaryCtxRetain(context, device);
            cuCtxSetCurrent(context);
            cuStreamCreate(stream, CUstream_flags.CU_STREAM_NON_BLOCKING);
            cuModuleLoadData(module, image);
            byte[] nm = new byte[256];
            cuDeviceGetName(nm, nm.length, device);
            this.name = new String(nm, java.nio.charset.StandardCharsets.US_ASCII).trim().replace("\0", "");
            long[] free = new long[1];
            long[] total = new long[1];
            cuMemGetInfo(free, total);
            this.totalMemory = total[0];
            this.smCount = attribute(jcuda.driver.CUdevice_attribute.CU_DEVICE_ATTRIBUTE_MULTIPROCESSOR_COUNT);
            this.ccMajor = attribute(jcuda.driver.CUdevice_attribute.CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR);
        } catch (LinkageError e) { // UnsatisfiedLinkError first, NoClassDefFoundError for JCudaDriver after that
            throw new ModelLoadException("JCuda cannot load its native library (no CUDA driver here?): " + e);
        } catch (jcuda.CudaException e) {
            throw new ModelLoadException("CUDA device " + ordinal + " cannot be initialised: " + e.getMessage());
        }
        if (ccMajor < 8) {
            throw new ModelLoadException("GPU " + name + " has compute capability " + ccMajor + ".x; the kernels need 8.0+ (bf16 mma)");
        }
    }

    private int attribute(int a) {
        int[] v = new int[1];
        cuDeviceGetAttribute(v, a, device);
        return v[0];
    }

    /** Makes the context current on the calling thread (Spark tasks come from many threads). */
    void bind() {
        cuCtxSetCurrent(context);
    }

    CUfunction function(String name, int dynamicSmem) {
        return functions.computeIfAbsent(name, n -> {
            CUfunction f = new CUfunction();
            cuModuleGetFunction(f, module, n);
            if (dynamicSmem > 48 * 1024) { // above 48 KB a kernel must opt in
                cuFuncSetAttribute(f, CUfunction_attribute.CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES, dynamicSmem);
            }
            return f;
        });
    }

    void launch(Launch l, Pointer params) {
        CUfunction f = function(l.kernel(), l.smem());
        cuLaunchKernel(f, l.gx(), l.gy(), l.gz(), l.bx(), 1, 1, l.smem(), stream, params, null);
    }

    DevPtr alloc(long bytes) {
        DevPtr p = new DevPtr(bytes);
        cuMemAlloc(p, Math.max(bytes, 16));
        return p;
    }

    void free(DevPtr p) {
        cuMemFree(p);
    }

    void upload(DevPtr dst, Pointer src, long bytes) {
        cuMemcpyHtoD(dst, src, bytes);
    }

    void download(Pointer dst, DevPtr src, long bytes) {
        cuStreamSynchronize(stream);
        cuMemcpyDtoH(dst, src, bytes);
    }

    void sync() {
        cuStreamSynchronize(stream);
    }

    long freeMemory() {
        long[] free = new long[1];
        long[] total = new long[1];
        cuMemGetInfo(free, total);
        return free[0];
    }

    @Override
    public void close() {
        try {
            cuCtxSynchronize();
            cuStreamDestroy(stream);
            cuModuleUnload(module);
        } catch (RuntimeException ignored) {
            // closing after a device error: nothing more to release safely
        }
    }
}
