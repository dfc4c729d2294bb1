package io.lingspark.engine.backend.cuda;

import static jcuda.driver.JCudaDriver.*;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import jcuda.Pointer;
import jcuda.driver.CUgraph;
import jcuda.driver.CUgraphExec;
import jcuda.driver.CUstreamCaptureMode;

/**
 * CUDA graphs for decode steps, keyed by batch size. A decode step is ~25 launches per layer;
 * through JCuda each costs microseconds of host time, more than the batch-1 step's GPU time, so
 * the whole step is captured once and replayed with one cuGraphLaunch.
 *
 * Every launch goes through {@link #launch}, which records (kernel, grid, argument bits). A step
 * (embedding → toHost) of T rows is run eagerly the first time; if it was a decode step, the next
 * step of T rows is captured (cuStreamBeginCapture, relaxed mode: metadata uploads are synchronous
 * copies on the legacy stream, outside the capture) and instantiated; later steps replay it. Step
 * metadata lives in device buffers at fixed addresses (StepArena), so replays need no re-capture.
 * A replayed step re-issues the same calls; each launch is compared with the recording, and on
 * the first difference (a prefill step of the same size, a pointer that changed) the launches so
 * far are run eagerly and the stale graph is dropped. Nothing silently replays a different step.
 */
final class DecodeGraphs implements AutoCloseable {
    enum Mode { OFF, EAGER, CAPTURE, REPLAY }

    record Rec(Launch launch, long[] bits, Pointer params) {
        boolean same(Launch l, long[] b) {
            return launch.equals(l) && Arrays.equals(bits, b);
        }
    }

    record Graph(CUgraph graph, CUgraphExec exec, List<Rec> recs) {
    }

    private final CudaContext ctx;
    final boolean enabled;
    final int maxBatch;
    private final Map<Integer, Graph> graphs = new HashMap<>();
    private final Set<Integer> seenDecode = new HashSet<>();
    private Mode mode = Mode.OFF;
    private int key;
    private boolean decode;
    private List<Rec> recs = new ArrayList<>();
    private Graph current;
    int captures;
    int replays;

    DecodeGraphs(CudaContext ctx, boolean enabled, int maxBatch) {
        this.ctx = ctx;
        this.enabled = enabled;
        this.maxBatch = maxBatch;
    }

    Mode mode() {
        return mode;
    }

    void beginStep(int rows) {
        if (mode != Mode.OFF) {
            abort(); // a step that never reached toHost
        }
        recs = new ArrayList<>();
        decode = true;
        if (!enabled || rows > maxBatch) {
            mode = Mode.OFF;
            return;
        }
        key = rows;
        current = graphs.get(rows);
        if (current != null) {
            mode = Mode.REPLAY;
        } else if (seenDecode.contains(rows)) {
            mode = Mode.CAPTURE;
            cuStreamBeginCapture(ctx.stream, CUstreamCaptureMode.CU_STREAM_CAPTURE_MODE_RELAXED);
        } else {
            mode = Mode.EAGER;
        }
    }

    /** The attention saw a prefill chunk: this step's shape must not be kept as a decode graph. */
    void notDecode() {
        decode = false;
    }

    void launch(Launch l, long[] bits, Pointer params) {
        switch (mode) {
            case OFF -> ctx.launch(l, params);
            case EAGER, CAPTURE -> {
                ctx.launch(l, params);
                recs.add(new Rec(l, bits, params));
            }
            case REPLAY -> {
                int i = recs.size();
                if (i < current.recs.size() && current.recs.get(i).same(l, bits)) {
                    recs.add(new Rec(l, bits, params));
                } else {
                    abort();
                    ctx.launch(l, params);
                }
            }
        }
    }

    /** Before any mid-step synchronisation: leave graph mode, running what was deferred. */
    void abort() {
        if (mode == Mode.CAPTURE) {
            CUgraph g = new CUgraph();
            cuStreamEndCapture(ctx.stream, g);
            cuGraphDestroy(g);
            for (Rec r : recs) {
                ctx.launch(r.launch, r.params);
            }
        } else if (mode == Mode.REPLAY) {
            destroy(graphs.remove(key));
            for (Rec r : recs) {
                ctx.launch(r.launch, r.params);
            }
        }
        mode = Mode.OFF;
    }

    /** At toHost: everything of the step has been issued; run it (graph or not). */
    void endStep() {
        switch (mode) {
            case OFF -> {
            }
            case EAGER -> {
                if (decode) {
                    seenDecode.add(key);
                }
            }
            case CAPTURE -> {
                CUgraph g = new CUgraph();
                cuStreamEndCapture(ctx.stream, g);
                CUgraphExec exec = new CUgraphExec();
                cuGraphInstantiate(exec, g, 0);
                cuGraphLaunch(exec, ctx.stream);
                captures++;
                if (decode) {
                    graphs.put(key, new Graph(g, exec, recs));
                } else {
                    ctx.sync();
                    destroy(new Graph(g, exec, recs));
                }
            }
            case REPLAY -> {
                if (recs.size() == current.recs.size()) {
                    cuGraphLaunch(current.exec, ctx.stream);
                    replays++;
                } else {
                    abort();
                }
            }
        }
        mode = Mode.OFF;
    }

    private void destroy(Graph g) {
        if (g != null) {
            ctx.sync();
            cuGraphExecDestroy(g.exec);
            cuGraphDestroy(g.graph);
        }
    }

    int size() {
        return graphs.size();
    }

    @Override
    public void close() {
        for (Graph g : graphs.values()) {
            destroy(g);
        }
        graphs.clear();
    }
}
