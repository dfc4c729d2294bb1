package io.lingspark.engine.pipeline;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import io.lingspark.engine.runtime.MemoryPlan;
import io.lingspark.engine.runtime.SamplingBatch;
import io.lingspark.engine.step.ForwardBatch;
import io.lingspark.engine.transport.Frame;
import io.lingspark.engine.transport.ResultCodec;
import io.lingspark.engine.transport.Ring;
import io.lingspark.engine.transport.StepCodec;
import io.lingspark.engine.transport.StepMessage;
import io.lingspark.engine.transport.TransportException;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;

/**
 * Rank 0's view of the stages in other processes: after its own stages, a step goes out on the ring
 * to rank 1 and its tokens (or logits) come back from the last rank. A reader thread matches
 * results to steps; a heartbeat keeps idle links alive; any failure (a peer gone, silent past the
 * timeout, or reporting an error) fails every step in flight and every later one at once.
 */
final class RemoteTail implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final Ring ring;
    private final int hiddenSize;
    private final BufferAllocator allocator = new RootAllocator();
    private final StepCodec steps = new StepCodec(allocator);
    private final ResultCodec results = new ResultCodec(allocator);
    private final Map<Long, CompletableFuture<StageWorker.Output>> pending = new ConcurrentHashMap<>();
    private final ConcurrentLinkedQueue<Integer> resets = new ConcurrentLinkedQueue<>();
    private final ConcurrentLinkedQueue<Long> released = new ConcurrentLinkedQueue<>();
    private final SamplingStates.Deltas deltas = new SamplingStates.Deltas();
    private final AtomicLong nextStep = new AtomicLong();
    private final AtomicLong transportNanos = new AtomicLong(); // encoding, sending, decoding
    private volatile TransportException failure;
    private volatile boolean closing;
    private final Thread reader;
    private final Thread heartbeat;

    private RemoteTail(Ring ring, int hiddenSize) {
        this.ring = ring;
        this.hiddenSize = hiddenSize;
        this.reader = new Thread(this::readLoop, "lingspark-pipeline-results");
        this.heartbeat = new Thread(this::heartbeatLoop, "lingspark-pipeline-heartbeat");
        reader.setDaemon(true);
        heartbeat.setDaemon(true);
    }

    /**
     * Opens the tail over a connected ring: every rank reports what its stages can hold (HELLO), the
     * joint plan (smallest capacity) goes round (CONFIG) and each rank allocates its caches.
     */
    static RemoteTail open(Ring ring, StageGroup local, int hiddenSize, MemoryPlan[] jointOut) {
        RemoteTail t = new RemoteTail(ring, hiddenSize);
        try {
            ArrayNode caps = JSON.createArrayNode();
            for (MemoryPlan p : local.plans) {
                caps.add(StageHost.capacity(p));
            }
            ring.send(Frame.control(Frame.Kind.HELLO, -1, caps.toString()));
            Frame hello = expect(ring.receive(), Frame.Kind.HELLO);
            List<MemoryPlan> plans = new ArrayList<>();
            for (JsonNode n : JSON.readTree(hello.text())) {
                plans.add(StageHost.plan(n));
            }
            MemoryPlan joint = Pipelines.joint(plans, plans.size());
            String config = JSON.createObjectNode().put("blocks", joint.kvBlocks()).put("slots", joint.slots())
                .put("block_size", joint.blockSize()).toString();
            local.allocate(joint);
            ring.send(Frame.control(Frame.Kind.CONFIG, -1, config));
            expect(ring.receive(), Frame.Kind.CONFIG);
            jointOut[0] = joint;
            t.reader.start();
            t.heartbeat.start();
            return t;
        } catch (IOException | RuntimeException e) {
            ring.close();
            t.allocator.close();
            throw e instanceof TransportException te ? te : new TransportException("pipeline setup failed: " + e, e);
        }
    }

    static Frame expect(Frame f, Frame.Kind kind) {
        if (f.kind() == Frame.Kind.ERROR) {
            throw new TransportException("a pipeline rank failed: " + f.text());
        }
        if (f.kind() != kind) {
            throw new TransportException("pipeline protocol: expected " + kind + ", got " + f.kind());
        }
        return f;
    }

    /** Sends a step after rank 0's stages; the future completes when the last rank answers. */
    CompletableFuture<StageWorker.Output> send(ForwardBatch batch, float[] hidden, SamplingBatch sampling) {
        TransportException f = failure;
        if (f != null) {
            return CompletableFuture.failedFuture(f);
        }
        long t0 = System.nanoTime();
        long id = nextStep.getAndIncrement();
        CompletableFuture<StageWorker.Output> out = new CompletableFuture<>();
        pending.put(id, out);
        try {
            StepMessage m = new StepMessage(sampling != null, batch, hidden,
                sampling != null ? deltas.infos(batch, sampling) : List.of(), drainInts(), drainLongs(),
                sampling != null ? sampling.scoreTargets() : List.of());
            ring.send(new Frame(Frame.Kind.STEP, id, steps.encode(m, hiddenSize)));
        } catch (IOException | RuntimeException e) {
            fail(e instanceof TransportException te ? te : new TransportException("sending step " + id + " failed: " + e, e));
        }
        transportNanos.addAndGet(System.nanoTime() - t0);
        return out;
    }

    void resetState(int slot) {
        resets.add(slot);
    }

    void release(long seqId) {
        deltas.forget(seqId);
        released.add(seqId);
    }

    private int[] drainInts() {
        List<Integer> l = new ArrayList<>();
        for (Integer x; (x = resets.poll()) != null; ) {
            l.add(x);
        }
        return l.stream().mapToInt(Integer::intValue).toArray();
    }

    private long[] drainLongs() {
        List<Long> l = new ArrayList<>();
        for (Long x; (x = released.poll()) != null; ) {
            l.add(x);
        }
        return l.stream().mapToLong(Long::longValue).toArray();
    }

    private void readLoop() {
        try {
            while (true) {
                Frame f = ring.receive();
                switch (f.kind()) {
                    case RESULT -> {
                        long t0 = System.nanoTime();
                        ResultCodec.Result r = results.decode(f.payload());
                        transportNanos.addAndGet(System.nanoTime() - t0);
                        CompletableFuture<StageWorker.Output> p = pending.remove(f.step());
                        if (p != null) {
                            p.complete(new StageWorker.Output(null, r.logits(), r.samples()));
                        }
                    }
                    case HEARTBEAT -> { }
                    case ERROR -> throw new TransportException("a pipeline rank failed: " + f.text());
                    case CLOSE -> {
                        return;
                    }
                    default -> throw new TransportException("pipeline protocol: unexpected " + f.kind() + " at rank 0");
                }
            }
        } catch (IOException | RuntimeException e) {
            if (!closing) {
                fail(e instanceof TransportException te ? te : new TransportException("pipeline result link: " + e, e));
            }
        }
    }

    private void heartbeatLoop() {
        long every = ring.settings().heartbeatMs();
        while (!closing && failure == null) {
            try {
                Thread.sleep(every);
                if (ring.idleNanos() >= every * 1_000_000L) {
                    ring.send(Frame.control(Frame.Kind.HEARTBEAT, -1, ""));
                }
            } catch (InterruptedException e) {
                return;
            } catch (RuntimeException e) {
                if (!closing) {
                    fail(e instanceof TransportException te ? te : new TransportException("heartbeat: " + e, e));
                }
                return;
            }
        }
    }

    private void fail(TransportException e) {
        if (failure == null) {
            failure = e;
        }
        for (Long id : pending.keySet()) {
            CompletableFuture<StageWorker.Output> p = pending.remove(id);
            if (p != null) {
                p.completeExceptionally(failure);
            }
        }
        ring.close(); // the other ranks see the link drop and stop too
    }

    /** The link's failure, or null while it is healthy. */
    TransportException failure() {
        return failure;
    }

    long bytesSent() {
        return ring.bytesSent();
    }

    long framesSent() {
        return ring.framesSent();
    }

    long transportNanos() {
        return transportNanos.get();
    }

    @Override
    public void close() {
        if (failure == null && !closing) {
            try {
                ring.send(Frame.control(Frame.Kind.CLOSE, -1, ""));
            } catch (RuntimeException ignored) {
                // the ring is going away anyway
            }
        }
        closing = true;
        heartbeat.interrupt();
        try {
            reader.join(ring.settings().timeoutMs());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        ring.close();
        fail(new TransportException("pipeline closed"));
        allocator.close();
    }
}
