package io.lingspark.engine.pipeline;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.lingspark.engine.model.Fixtures;
import io.lingspark.engine.runtime.EngineOptions;
import io.lingspark.engine.runtime.GenerationRequest;
import io.lingspark.engine.runtime.GenerationResult;
import io.lingspark.engine.runtime.Greedy;
import io.lingspark.engine.runtime.LingEngine;
import io.lingspark.engine.runtime.ModelSession;
import io.lingspark.engine.runtime.ModelSession.SeqInput;
import io.lingspark.engine.runtime.SamplingParams;
import io.lingspark.engine.transport.Handshake;
import io.lingspark.engine.transport.LinkSettings;
import io.lingspark.engine.transport.Ring;
import io.lingspark.engine.transport.TransportException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Stages in different ranks linked over TCP (here all in this JVM on loopback, with the same code a
 * rank in another executor runs): the same logits and tokens as one engine, a peer without the
 * job's secret refused, and a dead or silent peer failing the pipeline within seconds.
 */
class TcpPipelineTest {
    static final LinkSettings FAST = new LinkSettings(1_500, 200, 10_000);

    static EngineOptions options(String fixture, int stages) {
        return EngineOptions.of(Fixtures.model(fixture)).withMaxBatchTokens(48).withKvCacheMemory(16L << 20)
            .withPipeline(stages, null, 1);
    }

    static PipelineModelRunner ring(String fixture, int ranks) {
        EngineOptions o = options(fixture, ranks);
        List<StageGroup> groups = new ArrayList<>();
        for (int r = 0; r < ranks; r++) {
            groups.add(PipelineRanks.load(o, r, ranks));
        }
        return PipelineRanks.loopback(groups, Handshake.newSecret(), FAST);
    }

    @ParameterizedTest(name = "{0}, {1} ranks")
    @CsvSource({"tiny-ling-v2, 2", "tiny-ling-v2-fp8, 2", "tiny-ling-v25, 3"})
    void logitsAndGreedyOverTcpMatchTheSingleEngine(String fixture, int ranks) throws Exception {
        JsonNode ref = Fixtures.reference(fixture);
        int[][] prompts = Fixtures.ints2(ref.get("prompt_ids"));
        try (ModelSession whole = ModelSession.open(io.lingspark.engine.model.ModelFactory.open(Fixtures.model(fixture),
                 new io.lingspark.engine.backend.cpu.CpuBackend(1, 16L << 20)));
             ModelSession split = new ModelSession(ring(fixture, ranks))) {
            for (int[] p : prompts) {
                float[] want = whole.forward(List.of(new SeqInput(whole.newSequence(), p, true))).logits()[0];
                float[] got = split.forward(List.of(new SeqInput(split.newSequence(), p, true))).logits()[0];
                assertArrayEquals(want, got, 0f, fixture + ": logits over TCP");
            }
            int[][] greedy = Fixtures.ints2(ref.get("greedy_fp32"));
            int[][] got = Greedy.decode(split, prompts, 24);
            for (int p = 0; p < prompts.length; p++) {
                assertArrayEquals(greedy[p], got[p], fixture + " prompt " + p);
            }
            PipelineModelRunner r = (PipelineModelRunner) split.runner();
            assertTrue(r.bytesSent() > 0);
            assertEquals(null, r.linkFailure());
        }
    }

    @Test
    void engineOverTcpGivesTheSingleEnginesSamples() {
        String fixture = "tiny-ling-v2";
        int[][] prompts = Fixtures.ints2(referenceUnchecked(fixture).get("prompt_ids"));
        List<GenerationRequest> rs = new ArrayList<>();
        for (int i = 0; i < 12; i++) {
            SamplingParams p = SamplingParams.builder().temperature(i % 3 == 0 ? 0 : 0.8).topP(0.9).seed(7L + i)
                .repetitionPenalty(i % 2 == 0 ? 1.2 : 1.0).maxTokens(20).ignoreEos(true).logprobs(i % 4 == 0 ? 2 : null).build();
            rs.add(GenerationRequest.ofIds("r" + i, prompts[i % prompts.length], p));
        }
        List<GenerationResult> want;
        try (LingEngine e = LingEngine.open(options(fixture, 1).withCpuThreads(1))) {
            want = submit(e, rs);
        }
        PipelineModelRunner runner = ring(fixture, 2);
        try (LingEngine e = LingEngine.open(options(fixture, 2), (o, c) -> new LingEngine.Loaded(runner, () -> { }, "tcp"))) {
            List<GenerationResult> got = submit(e, rs);
            for (int i = 0; i < rs.size(); i++) {
                assertTrue(got.get(i).ok(), got.get(i).errorMessage());
                assertArrayEquals(want.get(i).choices().get(0).tokenIds(), got.get(i).choices().get(0).tokenIds(), "r" + i);
                assertEquals(want.get(i).choices().get(0).text(), got.get(i).choices().get(0).text());
            }
        }
    }

    /** Structured output over TCP: the masks travel with the step and the last rank samples under them. */
    @Test
    void constrainedRequestsOverTcpGiveTheSingleEnginesAnswers() {
        String fixture = "tiny-ling-v2";
        List<GenerationRequest> rs = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            io.lingspark.engine.structured.StructuredOutput so = i % 2 == 0
                ? io.lingspark.engine.structured.StructuredOutput.choice(List.of("alpha", "beta", "gamma delta"))
                : io.lingspark.engine.structured.StructuredOutput.jsonSchema(
                    "{\"type\":\"object\",\"properties\":{\"n\":{\"type\":\"integer\",\"minimum\":0,\"maximum\":99}},"
                        + "\"required\":[\"n\"],\"additionalProperties\":false}");
            SamplingParams p = SamplingParams.builder().temperature(1).seed(11L + i).maxTokens(24).structuredOutput(so).build();
            rs.add(GenerationRequest.ofPrompt("r" + i, "Answer number " + i, p));
        }
        List<GenerationResult> want;
        try (LingEngine e = LingEngine.open(options(fixture, 1).withCpuThreads(1))) {
            want = submit(e, rs);
        }
        PipelineModelRunner runner = ring(fixture, 2);
        try (LingEngine e = LingEngine.open(options(fixture, 2), (o, c) -> new LingEngine.Loaded(runner, () -> { }, "tcp"))) {
            List<GenerationResult> got = submit(e, rs);
            int parsed = 0;
            for (int i = 0; i < rs.size(); i++) {
                assertTrue(got.get(i).ok(), got.get(i).errorMessage());
                assertArrayEquals(want.get(i).choices().get(0).tokenIds(), got.get(i).choices().get(0).tokenIds(), "r" + i);
                assertEquals(want.get(i).choices().get(0).parsed(), got.get(i).choices().get(0).parsed());
                parsed += got.get(i).choices().get(0).parsed() != null ? 1 : 0;
            }
            assertTrue(parsed >= 4, "answers that completed: " + parsed);
        }
    }

    static List<GenerationResult> submit(LingEngine e, List<GenerationRequest> rs) {
        List<CompletableFuture<GenerationResult>> fs = new ArrayList<>();
        rs.forEach(r -> fs.add(e.submit(r)));
        return fs.stream().map(CompletableFuture::join).toList();
    }

    static JsonNode referenceUnchecked(String fixture) {
        try {
            return Fixtures.reference(fixture);
        } catch (java.io.IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * A rank run the way an executor runs it, on a thread of its own: in the common pool it could wait
     * behind other work past the link's timeouts (a 2-core machine's pool has one thread).
     */
    static <T> CompletableFuture<T> onItsOwnThread(java.util.function.Supplier<T> body) {
        CompletableFuture<T> f = new CompletableFuture<>();
        Thread t = new Thread(() -> {
            try {
                f.complete(body.get());
            } catch (Throwable e) {
                f.completeExceptionally(e);
            }
        }, "test-rank");
        t.setDaemon(true);
        t.start();
        return f;
    }

    static CompletableFuture<Void> onItsOwnThread(Runnable body) {
        return onItsOwnThread(() -> {
            body.run();
            return null;
        });
    }

    /** Two ranks' sockets on loopback, not yet connected. */
    static List<ServerSocket> servers(int n, List<InetSocketAddress> addresses) throws Exception {
        List<ServerSocket> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            ServerSocket s = new ServerSocket(0, 8, InetAddress.getLoopbackAddress());
            out.add(s);
            addresses.add(new InetSocketAddress(InetAddress.getLoopbackAddress(), s.getLocalPort()));
        }
        return out;
    }

    @Test
    void aPeerWithoutTheSecretIsRefused() throws Exception {
        List<InetSocketAddress> addr = new ArrayList<>();
        List<ServerSocket> ss = servers(2, addr);
        CompletableFuture<Ring> stranger = onItsOwnThread(
            () -> Ring.open(ss.get(1), addr, 1, Handshake.newSecret(), FAST));
        TransportException e = assertThrows(TransportException.class,
            () -> Ring.open(ss.get(0), addr, 0, Handshake.newSecret(), new LinkSettings(1_500, 200, 2_000)));
        assertTrue(e.getMessage().contains("secret"), e.getMessage());
        assertThrows(Exception.class, () -> stranger.get(10, TimeUnit.SECONDS));
        for (ServerSocket s : ss) {
            s.close();
        }
    }

    @Test
    void aDeadOrSilentPeerFailsThePipelineWithinSeconds() throws Exception {
        for (boolean silent : new boolean[] {false, true}) {
            List<InetSocketAddress> addr = new ArrayList<>();
            List<ServerSocket> ss = servers(2, addr);
            byte[] secret = Handshake.newSecret();
            EngineOptions o = options("tiny-ling-v2", 2);
            StageGroup g1 = PipelineRanks.load(o, 1, 2);
            CompletableFuture<Ring> peer = onItsOwnThread(() -> Ring.open(ss.get(1), addr, 1, secret, FAST));
            PipelineModelRunner head;
            Ring r1;
            if (silent) {
                // rank 1 connects, answers the setup, then hangs: no heartbeats come back
                CompletableFuture<PipelineModelRunner> h = onItsOwnThread(
                    () -> PipelineRanks.head(PipelineRanks.load(o, 0, 2), Ring.open(ss.get(0), addr, 0, secret, FAST), 2, true));
                r1 = peer.get(10, TimeUnit.SECONDS);
                for (int i = 0; i < 2; i++) { // HELLO, CONFIG through a real host would answer; echo them
                    var f = r1.receive();
                    if (f.kind() == io.lingspark.engine.transport.Frame.Kind.HELLO) {
                        var caps = (com.fasterxml.jackson.databind.node.ArrayNode) new com.fasterxml.jackson.databind.ObjectMapper()
                            .readTree(f.text());
                        g1.plans.forEach(p -> caps.add(StageHost.capacity(p)));
                        r1.send(io.lingspark.engine.transport.Frame.control(f.kind(), f.step(), caps.toString()));
                    } else {
                        r1.send(f);
                    }
                }
                head = h.get(10, TimeUnit.SECONDS);
            } else {
                CompletableFuture<Void> host = onItsOwnThread(() -> {
                    try {
                        PipelineRanks.serve(g1, peer.join());
                    } catch (TransportException ignored) {
                        // expected: its link is cut
                    }
                });
                head = PipelineRanks.head(PipelineRanks.load(o, 0, 2), Ring.open(ss.get(0), addr, 0, secret, FAST), 2, true);
                r1 = peer.get(10, TimeUnit.SECONDS);
                assertFalse(host.isDone());
            }
            ModelSession split = new ModelSession(head);
            int[] prompt = {1, 2, 3, 4, 5};
            if (!silent) {
                split.forward(List.of(new SeqInput(split.newSequence(), prompt))); // healthy first
                r1.close(); // the peer dies: its sockets close
            }
            long t0 = System.nanoTime();
            assertThrows(TransportException.class, () -> {
                for (int i = 0; i < 100; i++) {
                    split.forward(List.of(new SeqInput(split.newSequence(), prompt)));
                }
            });
            double s = (System.nanoTime() - t0) / 1e9;
            assertNotNull(head.linkFailure());
            assertTrue(s < 5, (silent ? "silent" : "dead") + " peer noticed after " + s + " s");
            System.out.printf("%s peer: pipeline failed after %.2f s: %s%n", silent ? "silent" : "dead", s, head.linkFailure().getMessage());
            split.close();
            r1.close();
            g1.close();
            for (ServerSocket x : ss) {
                x.close();
            }
        }
    }
}
