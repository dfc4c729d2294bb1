package io.lingspark.engine.transport;

/**
 * Timeouts of pipeline links. Idle links carry a heartbeat every heartbeatMs, so a read that sees
 * nothing for timeoutMs means a dead or hung peer, never a slow step: the pipeline then fails
 * within seconds instead of waiting forever.
 *
 * @param connectMs how long ranks wait for each other's sockets at start
 */
public record LinkSettings(int timeoutMs, int heartbeatMs, int connectMs) {
    public static final LinkSettings DEFAULT = new LinkSettings(
        Integer.getInteger("lingspark.pipeline.timeout-ms", 15_000),
        Integer.getInteger("lingspark.pipeline.heartbeat-ms", 1_000),
        Integer.getInteger("lingspark.pipeline.connect-ms", 120_000));

    public LinkSettings {
        if (heartbeatMs <= 0 || timeoutMs < 2 * heartbeatMs || connectMs <= 0) {
            throw new IllegalArgumentException("pipeline link timeouts: heartbeat > 0, timeout >= 2 heartbeats, connect > 0");
        }
    }
}
