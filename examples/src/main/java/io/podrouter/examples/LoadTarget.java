package io.podrouter.examples;

import io.podrouter.api.Pod;
import io.podrouter.examples.fakevllm.FakeVllmBackend;
import io.podrouter.examples.gateway.InferenceGateway;

import java.time.Duration;
import java.time.Instant;

/**
 * What {@code examples/load.sh} measures: one {@link FakeVllmBackend} and an {@link InferenceGateway} in
 * front of it, so that a load generator can hit the gateway and the backend directly with the same
 * requests and the difference is the gateway's cost.
 *
 * <p>The backend answers every request after a fixed 10 ms plus 1 ms per output token, with up to 256
 * requests running at once and no slowdown under load ({@link FakeVllmBackend.Builder#loadSlowdown} 0),
 * so that it is never the bottleneck being measured. The JVM needs no flag: the backend's two JDK HTTP
 * server settings ({@code sun.net.httpserver.maxIdleConnections} 4,096 and
 * {@code sun.net.httpserver.nodelay} true) are set here unless given on the command line. Prints {@code gateway=<port> backend=<port>} on one
 * line once both are ready, then serves until the process is stopped (SIGTERM or Ctrl-C), and then
 * stops both.
 *
 * <p>Example code: prints to standard output.
 */
public final class LoadTarget {

    private static final String MODEL = "llama-3-8b";

    private LoadTarget() {
    }

    /**
     * Starts the backend and the gateway and serves until the process is stopped.
     *
     * @param args ignored
     * @throws Exception when a server cannot start
     */
    public static void main(String[] args) throws Exception {
        if (System.getProperty("org.slf4j.simpleLogger.defaultLogLevel") == null) {
            System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", "warn");
        }
        // The fake backend is the JDK's HTTP server, which reads these once, when its first server starts: keep
        // up to 4,096 idle keep-alive connections (its default of 200 would close most of 1,000 clients' after
        // each answer) and send without Nagle's delay (by default the body waits for the ACK of the headers).
        setIfAbsent("sun.net.httpserver.maxIdleConnections", "4096");
        setIfAbsent("sun.net.httpserver.nodelay", "true");
        FakeVllmBackend backend = FakeVllmBackend.builder("pod-a", MODEL)
                .timeToFirstToken(Duration.ofMillis(10)).timePerOutputToken(Duration.ofMillis(1))
                .loadSlowdown(0).maxRunningRequests(256).threads(320).kvCacheTokens(1 << 24)
                .build().start();
        InferenceGateway gateway = InferenceGateway.builder().start();
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            gateway.close();
            backend.close();
        }, "load-target-stop"));
        HealthProbe.awaitHealthy(backend.host(), backend.port(), Duration.ofSeconds(10));
        gateway.addBackend(MODEL, Pod.ready("pod-a", backend.host(), backend.port(), Instant.now().minusSeconds(600)));
        if (!gateway.awaitMetrics(Duration.ofSeconds(10))) {
            throw new IllegalStateException("the backend's metrics did not arrive within 10 s");
        }
        System.out.println("gateway=" + gateway.port() + " backend=" + backend.port());
        System.out.flush();
        Thread.currentThread().join(); // until the process is stopped
    }

    private static void setIfAbsent(String property, String value) {
        if (System.getProperty(property) == null) {
            System.setProperty(property, value);
        }
    }
}
