package io.lingspark.engine.pipeline;

import io.lingspark.engine.config.LingConfig;
import io.lingspark.engine.model.ModelFactory;
import io.lingspark.engine.runtime.EngineOptions;
import io.lingspark.engine.runtime.MemoryPlan;
import io.lingspark.engine.transport.LinkSettings;
import io.lingspark.engine.transport.Ring;
import io.lingspark.engine.transport.TransportException;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.util.ArrayList;
import java.util.List;

/**
 * A pipeline across processes: R ranks (executors), rank r holding stages [rS/R, (r+1)S/R) of the
 * plan on its own devices, linked in a ring over TCP. Rank 0 holds the scheduler and the first
 * stages ({@link #head}); the others serve ({@link #serve}) until rank 0 closes the pipeline.
 */
public final class PipelineRanks {
    private PipelineRanks() {
    }

    /** The stages [from, to) rank r of R holds. */
    public static int[] stages(int rank, int ranks, int stages) {
        if (ranks < 1 || ranks > stages || rank < 0 || rank >= ranks) {
            throw new IllegalArgumentException("rank " + rank + " of " + ranks + " for " + stages + " stages");
        }
        return new int[] {rank * stages / ranks, (rank + 1) * stages / ranks};
    }

    /** Loads rank r's stages from the options' checkpoint (each only its own shards and tensors). */
    public static StageGroup load(EngineOptions o, int rank, int ranks) {
        LingConfig c = LingConfig.fromDirectory(o.modelDir());
        StagePlan plan = Pipelines.plan(o.modelDir(), c, o);
        int[] r = stages(rank, ranks, plan.size());
        return Pipelines.group(c, plan, r[0], r[1], o, (slice, be) -> ModelFactory.open(o.modelDir(), be, slice));
    }

    /** Rank r's stages of a random-weight model (benchmarks, tests): the same weights as the whole model. */
    public static StageGroup random(LingConfig c, long seed, EngineOptions o, int rank, int ranks) {
        StagePlan plan = Pipelines.plan(LayerSizes.of(c, false, Pipelines.onCpu(o) ? 4 : 2), c, o);
        int[] r = stages(rank, ranks, plan.size());
        return Pipelines.group(c, plan, r[0], r[1], o, (slice, be) -> ModelFactory.randomModel(c, be, seed, slice));
    }

    /**
     * Rank 0's runner over a connected ring: its stages here, the rest on the other ranks. Closing
     * it closes the pipeline (the other ranks' serve returns); the group is closed only if owned.
     */
    public static PipelineModelRunner head(StageGroup group, Ring ring, int stages, boolean ownsGroup) {
        if (!group.hasEmbedding()) {
            throw new IllegalArgumentException("rank 0 must hold the first stage");
        }
        MemoryPlan[] joint = new MemoryPlan[1];
        RemoteTail tail = RemoteTail.open(ring, group, group.config.hiddenSize, joint);
        return new PipelineModelRunner(group.config, group, tail, joint[0], stages, ownsGroup);
    }

    /** A rank other than 0: runs its stages until rank 0 closes the pipeline; throws on any failure. */
    public static void serve(StageGroup group, Ring ring) {
        new StageHost(ring, group).serve();
    }

    /**
     * One rank per stage, all in this JVM over loopback TCP (bench --transport tcp): the cache memory
     * is shared out over the ranks as over in-process stages.
     */
    public static PipelineModelRunner loopback(LingConfig c, EngineOptions o, Long randomSeed) {
        StagePlan plan = randomSeed != null ? Pipelines.plan(LayerSizes.of(c, false, Pipelines.onCpu(o) ? 4 : 2), c, o)
            : Pipelines.plan(o.modelDir(), c, o);
        int ranks = plan.size();
        EngineOptions each = Pipelines.onCpu(o) ? o.withKvCacheMemory(
            (o.kvCacheMemory() > 0 ? o.kvCacheMemory() : io.lingspark.engine.backend.cpu.CpuBackend.defaultCacheMemory()) / ranks) : o;
        List<StageGroup> groups = new ArrayList<>();
        try {
            for (int r = 0; r < ranks; r++) {
                groups.add(randomSeed != null ? random(c, randomSeed, each, r, ranks) : load(each, r, ranks));
            }
        } catch (RuntimeException e) {
            groups.forEach(StageGroup::close);
            throw e;
        }
        return loopback(groups, io.lingspark.engine.transport.Handshake.newSecret(), LinkSettings.DEFAULT);
    }

    /**
     * Every rank in this JVM, linked over loopback TCP exactly as across executors (benchmarks and
     * tests of the transport): ranks 1.. serve on their own threads; the returned runner is rank 0's.
     */
    public static PipelineModelRunner loopback(List<StageGroup> groups, byte[] secret, LinkSettings settings) {
        int ranks = groups.size();
        List<ServerSocket> servers = new ArrayList<>();
        List<InetSocketAddress> addresses = new ArrayList<>();
        try {
            for (int r = 0; r < ranks; r++) {
                ServerSocket s = new ServerSocket(0, 8, InetAddress.getLoopbackAddress());
                servers.add(s);
                addresses.add(new InetSocketAddress(InetAddress.getLoopbackAddress(), s.getLocalPort()));
            }
        } catch (IOException e) {
            servers.forEach(PipelineRanks::closeQuietly);
            throw new TransportException("cannot open loopback sockets: " + e, e);
        }
        int stages = 0;
        for (StageGroup g : groups) {
            stages += g.size();
        }
        for (int r = 1; r < ranks; r++) {
            int rank = r;
            Thread t = new Thread(() -> {
                try (ServerSocket s = servers.get(rank); StageGroup g = groups.get(rank)) {
                    serve(g, Ring.open(s, addresses, rank, secret, settings));
                } catch (IOException | RuntimeException e) {
                    java.util.logging.Logger.getLogger(PipelineRanks.class.getName()).fine("rank " + rank + " ended: " + e);
                }
            }, "lingspark-rank-" + r);
            t.setDaemon(true);
            t.start();
        }
        try (ServerSocket s = servers.get(0)) {
            Ring ring = Ring.open(s, addresses, 0, secret, settings);
            PipelineModelRunner runner = head(groups.get(0), ring, stages, true);
            runner.observe(groups.subList(1, ranks));
            return runner;
        } catch (IOException e) {
            throw new TransportException("loopback pipeline: " + e, e);
        }
    }

    private static void closeQuietly(ServerSocket s) {
        try {
            s.close();
        } catch (IOException ignored) {
            // best effort
        }
    }
}
