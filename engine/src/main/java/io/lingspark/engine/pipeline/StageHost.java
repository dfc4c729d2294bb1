package io.lingspark.engine.pipeline;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.lingspark.engine.runtime.MemoryPlan;
import io.lingspark.engine.runtime.SamplingBatch;
import io.lingspark.engine.transport.Frame;
import io.lingspark.engine.transport.ResultCodec;
import io.lingspark.engine.transport.Ring;
import io.lingspark.engine.transport.StepCodec;
import io.lingspark.engine.transport.StepMessage;
import io.lingspark.engine.transport.TransportException;
import java.io.IOException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;

/**
 * A rank other than 0 of a pipeline across processes: it reads micro-batches from the previous rank,
 * runs its stages on them (several in flight, one per stage), and passes the hidden rows on, or, on
 * the last rank, samples and sends the tokens back to rank 0. {@link #serve} returns when rank 0
 * closes the pipeline and throws when anything fails, after telling the ranks downstream.
 */
public final class StageHost {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final Ring ring;
    private final StageGroup group;
    private final int hiddenSize;
    private final boolean last;
    private final SamplingStates sampling = new SamplingStates();
    private volatile Throwable failure;
    private long started;

    public StageHost(Ring ring, StageGroup group) {
        this.ring = ring;
        this.group = group;
        this.hiddenSize = group.config.hiddenSize;
        this.last = group.hasHead();
    }

    /** Runs this rank until rank 0 closes the pipeline; throws TransportException on any failure. */
    public void serve() {
        group.resetBusy(); // the group outlives this pipeline (an executor keeps its stages across batches)
        started = System.nanoTime();
        CompletableFuture<Void> tail = CompletableFuture.completedFuture(null);
        try (BufferAllocator allocator = new RootAllocator()) {
            StepCodec steps = new StepCodec(allocator);
            ResultCodec results = new ResultCodec(allocator);
            while (true) {
                Frame f = ring.receive();
                if (failure != null) {
                    throw failure instanceof TransportException t ? t : new TransportException("stage failed: " + failure, failure);
                }
                switch (f.kind()) {
                    case HELLO -> {
                        ArrayNode caps = (ArrayNode) JSON.readTree(f.text());
                        for (MemoryPlan p : group.plans) {
                            caps.add(capacity(p));
                        }
                        ring.send(Frame.control(Frame.Kind.HELLO, f.step(), caps.toString()));
                    }
                    case CONFIG -> {
                        JsonNode c = JSON.readTree(f.text());
                        MemoryPlan p = group.plans.get(0);
                        group.allocate(new MemoryPlan(0, 0, 0, 0, c.get("blocks").asInt(), c.get("block_size").asInt(),
                            p.maxBatchTokens(), 0, c.get("slots").asInt()));
                        ring.send(f);
                    }
                    case STEP -> tail = step(f, steps, results);
                    case HEARTBEAT -> ring.send(f);
                    case CLOSE -> {
                        tail.join();
                        ring.send(f);
                        logBusy();
                        return;
                    }
                    case ERROR -> {
                        ring.send(f);
                        throw new TransportException("rank " + ring.rank + ": an earlier rank failed: " + f.text());
                    }
                    default -> throw new TransportException("pipeline protocol: unexpected " + f.kind() + " at rank " + ring.rank);
                }
            }
        } catch (IOException | RuntimeException e) {
            Throwable cause = e instanceof CompletionException && e.getCause() != null ? e.getCause() : e;
            try {
                ring.send(Frame.control(Frame.Kind.ERROR, -1, "rank " + ring.rank + ": " + cause));
            } catch (RuntimeException ignored) {
                // the link downstream may be what failed
            }
            throw cause instanceof TransportException t ? t : new TransportException("rank " + ring.rank + " failed: " + cause, cause);
        } finally {
            ring.close();
        }
    }

    /** Decodes a step, runs it on this rank's stages, and sends the outcome on from the last stage's thread. */
    private CompletableFuture<Void> step(Frame f, StepCodec steps, ResultCodec results) throws IOException {
        StepMessage m = steps.decode(f.payload());
        for (int slot : m.resetSlots()) {
            group.resetState(slot);
        }
        SamplingBatch rows = last && m.sample() ? new SamplingBatch(sampling.rows(m.sampling()).rows(), m.scoreTargets()) : null;
        if (last) {
            sampling.release(m.released()); // after this step's rows were built: its draws still see the state
        }
        return group.run(m.batch(), m.hidden(), rows, null).thenAccept(out -> {
            try {
                if (last) {
                    ResultCodec.Result r = new ResultCodec.Result(out.samples(), out.samples() == null ? out.logits() : null);
                    ring.send(new Frame(Frame.Kind.RESULT, f.step(), results.encode(r)));
                } else {
                    StepMessage next = new StepMessage(m.sample(), m.batch(), out.hidden(), m.sampling(), m.resetSlots(), m.released(),
                        m.scoreTargets());
                    ring.send(new Frame(Frame.Kind.STEP, f.step(), steps.encode(next, hiddenSize)));
                }
            } catch (IOException e) {
                throw new CompletionException(e);
            }
        }).whenComplete((v, e) -> {
            if (e != null && failure == null) {
                failure = e instanceof CompletionException && e.getCause() != null ? e.getCause() : e;
                try {
                    ring.send(Frame.control(Frame.Kind.ERROR, f.step(), "rank " + ring.rank + ": " + failure));
                } catch (RuntimeException ignored) {
                    // the link downstream may be what failed
                }
                ring.close(); // wakes the reader; every rank sees the links drop
            }
        });
    }

    /** How busy this rank's stages were while it served (a lopsided split shows here; `--stage-layers` fixes it). */
    private void logBusy() {
        double wall = System.nanoTime() - started;
        StringBuilder sb = new StringBuilder();
        for (double b : group.busyNanos()) {
            sb.append(sb.length() > 0 ? ", " : "").append(Math.round(100 * b / wall)).append(" %");
        }
        java.util.logging.Logger.getLogger(StageHost.class.getName()).info("pipeline rank " + ring.rank
            + ": its stages were busy " + sb + " of the " + Math.round(wall / 1e6) + " ms it served");
    }

    /** What one stage can hold, as rank 0 reads it (HELLO). */
    static ObjectNode capacity(MemoryPlan p) {
        return JSON.createObjectNode().put("budget", p.cacheBudget()).put("weights", p.weightBytes())
            .put("activations", p.activationBytes()).put("block_bytes", p.kvBlockBytes()).put("blocks", p.kvBlocks())
            .put("block_size", p.blockSize()).put("max_batch_tokens", p.maxBatchTokens()).put("slot_bytes", p.slotBytes())
            .put("slots", p.slots());
    }

    static MemoryPlan plan(JsonNode n) {
        return new MemoryPlan(n.get("budget").asLong(), n.get("weights").asLong(), n.get("activations").asLong(),
            n.get("block_bytes").asLong(), n.get("blocks").asInt(), n.get("block_size").asInt(),
            n.get("max_batch_tokens").asInt(), n.get("slot_bytes").asLong(), n.get("slots").asInt());
    }
}
