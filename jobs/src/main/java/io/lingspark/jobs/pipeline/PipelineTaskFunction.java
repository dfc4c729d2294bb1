package io.lingspark.jobs.pipeline;

import io.lingspark.engine.pipeline.PipelineModelRunner;
import io.lingspark.engine.pipeline.PipelineRanks;
import io.lingspark.engine.pipeline.StageGroup;
import io.lingspark.engine.runtime.EngineOptions;
import io.lingspark.engine.runtime.LingEngine;
import io.lingspark.engine.transport.LinkSettings;
import io.lingspark.engine.transport.Ring;
import io.lingspark.engine.transport.TransportException;
import io.lingspark.jobs.generate.PartitionGenerator;
import java.io.IOException;
import java.io.Serializable;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.BarrierTaskContext;
import org.apache.spark.SparkEnv;
import org.apache.spark.sql.Row;
import org.apache.spark.util.CollectionAccumulator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import scala.jdk.javaapi.CollectionConverters;
import scala.runtime.AbstractFunction1;

/**
 * The body of a batch's barrier stage (spark-notes §3.3): every task loads (or reuses) its rank's
 * stages, opens a socket and learns the others' with allGather, links into its pipeline's ring and
 * then either runs the engine over the batch's rows (rank 0) or serves its stages until rank 0 is
 * done. A failure anywhere fails the task: the rows of a rank 0 whose pipeline broke are never
 * emitted, and Spark reruns the whole stage (it is a shuffle map stage), so nothing is lost or
 * written twice.
 */
public final class PipelineTaskFunction extends AbstractFunction1<scala.collection.Iterator<RankTask>, scala.collection.Iterator<Row>>
        implements Serializable {
    private static final long serialVersionUID = 1L;
    private static final Logger LOG = LoggerFactory.getLogger(PipelineTaskFunction.class);

    private final PartitionGenerator generator;
    private final String modelDir;
    private final io.lingspark.jobs.generate.EngineSettings engine;
    private final int ranks;
    private final byte[] secret;
    private final CollectionAccumulator<String> placements;
    private final String failHook; // test hook "kind:rank:ms" (close | exit), first stage attempt of batch 0

    public PipelineTaskFunction(PartitionGenerator generator, String modelDir, io.lingspark.jobs.generate.EngineSettings engine,
                                int ranks, byte[] secret, CollectionAccumulator<String> placements, String failHook) {
        this.generator = generator;
        this.modelDir = modelDir;
        this.engine = engine;
        this.ranks = ranks;
        this.secret = secret.clone();
        this.placements = placements;
        this.failHook = failHook;
    }

    @Override
    public scala.collection.Iterator<Row> apply(scala.collection.Iterator<RankTask> in) {
        BarrierTaskContext ctx = BarrierTaskContext.get();
        RankTask t = in.next();
        String executor = SparkEnv.get() == null ? "driver" : SparkEnv.get().executorId();
        String host = SparkEnv.get() == null ? "127.0.0.1" : SparkEnv.get().blockManager().blockManagerId().host();
        boolean local = "driver".equals(executor);
        EngineOptions o = engine.options(java.nio.file.Path.of(modelDir),
            PartitionGenerator.device(ctx, engine.device()));
        StageGroup group = StageHolder.get(o, t.pipeline(), t.rank(), ranks, local);
        List<Row> out = new ArrayList<>();
        ServerSocket server;
        try {
            server = new ServerSocket(0, 16);
        } catch (IOException e) {
            throw new TransportException("cannot open a pipeline socket on " + host + ": " + e, e);
        }
        // every task of the stage, all pipelines: "pipeline|rank|host:port"
        String[] all = ctx.allGather(t.pipeline() + "|" + t.rank() + "|" + host + "|" + server.getLocalPort());
        InetSocketAddress[] peers = new InetSocketAddress[ranks];
        for (String a : all) {
            String[] f = a.split("\\|");
            if (Integer.parseInt(f[0]) == t.pipeline()) {
                peers[Integer.parseInt(f[1])] = new InetSocketAddress(f[2], Integer.parseInt(f[3]));
            }
        }
        placements.add(t.pipeline() + "," + t.rank() + ",executor_" + host + "_" + executor);
        Ring ring;
        try (ServerSocket s = server) {
            ring = Ring.open(s, List.of(peers), t.rank(), secret, LinkSettings.DEFAULT);
        } catch (IOException e) {
            throw new TransportException("pipeline socket: " + e, e);
        }
        armFailHook(ctx, t, ring);
        LOG.info("lingspark pipeline: batch {} pipeline {} rank {} of {} on executor {} ({} rows)", t.batch(), t.pipeline(),
            t.rank(), ranks, executor, t.rows() == null ? 0 : t.rows().size());
        if (t.rank() == 0) {
            PipelineModelRunner runner = PipelineRanks.head(group, ring, o.pipelineStages(), false);
            runner.resetBusy(); // the stages outlive the batch: count this one only
            try (LingEngine e = LingEngine.open(o, (oo, c) -> new LingEngine.Loaded(runner, () -> { },
                    runner.stages() + " pipeline stages over " + ranks + " executors"))) {
                java.util.Iterator<Row> rows = generator.stream(t.rows().iterator(), e, ctx.stageAttemptNumber(), false);
                while (rows.hasNext()) {
                    out.add(rows.next());
                }
                StringBuilder busy = new StringBuilder();
                for (double b : runner.busyFractions()) {
                    busy.append(busy.length() > 0 ? ", " : "").append(Math.round(100 * b)).append(" %");
                }
                LOG.info("lingspark pipeline: batch {} pipeline {}: rank 0's stages were busy {}", t.batch(), t.pipeline(), busy);
                if (runner.linkFailure() != null) {
                    // its requests ended as engine errors; they must be generated again, not written
                    throw runner.linkFailure();
                }
            }
        } else {
            PipelineRanks.serve(group, ring);
        }
        ctx.barrier();
        return CollectionConverters.asScala(out.iterator());
    }

    /**
     * Test hook "kind:rank:frames": once that rank has sent that many frames in the first attempt of
     * batch 0, its links die (close) or its executor JVM exits (exit).
     */
    private void armFailHook(BarrierTaskContext ctx, RankTask t, Ring ring) {
        if (failHook == null || failHook.isEmpty() || ctx.stageAttemptNumber() > 0 || t.batch() != 0) {
            return;
        }
        String[] f = failHook.split(":");
        if (Integer.parseInt(f[1]) != t.rank()) {
            return;
        }
        long frames = Long.parseLong(f[2]);
        Thread th = new Thread(() -> {
            try {
                while (ring.framesSent() < frames) { // mid-batch: after this rank passed on that many frames
                    Thread.sleep(2);
                }
            } catch (InterruptedException e) {
                return;
            }
            LOG.warn("lingspark test hook: {} rank {} of pipeline {} in batch 0", f[0], t.rank(), t.pipeline());
            if (f[0].equals("exit")) {
                Runtime.getRuntime().halt(137);
            }
            ring.close();
        }, "lingspark-fail-hook");
        th.setDaemon(true);
        th.start();
    }
}
