package io.podrouter.extproc;

import com.sun.net.httpserver.HttpServer;
import io.grpc.Grpc;
import io.grpc.InsecureServerCredentials;
import io.grpc.Server;
import io.grpc.ServerCredentials;
import io.grpc.TlsServerCredentials;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.protobuf.services.HealthStatusManager;
import io.podrouter.extproc.proto.ExternalProcessorGrpc;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * The servers around an {@link EndpointPicker}, on the ports llm-d's picker uses: ext_proc gRPC (9002, TLS by
 * default) with a health service for Envoy's cluster health check, gRPC health (9003) and Prometheus metrics
 * over HTTP (9090, {@code GET /metrics}).
 *
 * <p>Health (gRPC Health Checking Protocol): {@code liveness} is SERVING while the process runs;
 * {@code readiness} and {@value #EXT_PROC_SERVICE} are SERVING while the {@link PodSource} is
 * {@linkplain PodSource#synced() synced} and NOT_SERVING otherwise, checked every
 * {@link Builder#healthPollInterval}. The same statuses are served on both gRPC ports.
 *
 * <p>Thread-safe. {@link #start()} once, {@link #close()} to stop (idempotent).
 */
public final class EndpointPickerServer implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(EndpointPickerServer.class);

    /** The health service name Envoy's ext_proc cluster checks. */
    public static final String EXT_PROC_SERVICE = ExternalProcessorGrpc.SERVICE_NAME;
    /** Default {@link Builder#grpcPort}. */
    public static final int DEFAULT_GRPC_PORT = 9002;
    /** Default {@link Builder#healthPort}. */
    public static final int DEFAULT_HEALTH_PORT = 9003;
    /** Default {@link Builder#metricsPort}. */
    public static final int DEFAULT_METRICS_PORT = 9090;

    /** Writes metrics in the Prometheus text format, e.g. {@code router::writePrometheus}. */
    @FunctionalInterface
    public interface MetricsWriter {
        /** Appends this source's metrics to {@code out}. */
        void write(Appendable out) throws IOException;
    }

    /** How the ext_proc port serves. */
    public sealed interface Transport permits Plaintext, SelfSigned, CertificateFiles {
    }

    /** Plaintext gRPC (for a data plane that does not speak TLS to the picker, or tests). */
    public record Plaintext() implements Transport {
    }

    /** TLS with a self-signed certificate made at start with the JDK's {@code keytool}. */
    public record SelfSigned() implements Transport {
    }

    /**
     * TLS with a certificate chain and a PKCS#8 private key in PEM files (a Kubernetes TLS secret's
     * {@code tls.crt} and {@code tls.key}).
     *
     * @param certChain the certificate chain file; null throws {@link NullPointerException}
     * @param privateKey the private key file; null throws {@link NullPointerException}
     */
    public record CertificateFiles(Path certChain, Path privateKey) implements Transport {
        /** Validates that neither path is null. */
        public CertificateFiles {
            Objects.requireNonNull(certChain, "certChain: null (expected: a PEM certificate chain file)");
            Objects.requireNonNull(privateKey, "privateKey: null (expected: a PEM private key file)");
        }
    }

    private final EndpointPicker picker;
    private final int grpcPort;
    private final int healthPort;
    private final int metricsPort;
    private final Transport transport;
    private final List<MetricsWriter> metrics;
    private final Duration healthPollInterval;
    private final HealthStatusManager health = new HealthStatusManager();

    private @Nullable Server grpcServer;
    private @Nullable Server healthServer;
    private @Nullable HttpServer metricsServer;
    private @Nullable ScheduledExecutorService healthPoller;
    private boolean closed;

    private EndpointPickerServer(Builder b) {
        this.picker = Objects.requireNonNull(b.picker, "picker: null (expected: the EndpointPicker to serve)");
        this.grpcPort = b.grpcPort;
        this.healthPort = b.healthPort;
        this.metricsPort = b.metricsPort;
        this.transport = b.transport;
        this.metrics = List.copyOf(b.metrics);
        this.healthPollInterval = b.healthPollInterval;
    }

    /** A builder with llm-d's ports and a self-signed certificate; {@link Builder#picker} is required. */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Binds the ports and starts serving.
     *
     * @throws IOException              when a port cannot be bound, the certificate files cannot be read, or
     *                                  {@code keytool} fails
     * @throws IllegalStateException    when already started or closed
     */
    public synchronized void start() throws IOException {
        if (grpcServer != null || closed) {
            throw new IllegalStateException("start: already " + (closed ? "closed" : "started") + " (expected: a new server)");
        }
        ServerCredentials credentials = credentials(transport);
        health.setStatus("liveness", ServingStatus.SERVING);
        updateReadiness();
        try {
            grpcServer = Grpc.newServerBuilderForPort(grpcPort, credentials)
                    .addService(picker)
                    .addService(health.getHealthService())
                    .build().start();
            healthServer = Grpc.newServerBuilderForPort(healthPort, InsecureServerCredentials.create())
                    .addService(health.getHealthService())
                    .build().start();
            if (metricsPort >= 0) {
                HttpServer http = HttpServer.create(new InetSocketAddress(metricsPort), 0);
                http.createContext("/metrics", exchange -> {
                    try (exchange) {
                        if (!exchange.getRequestMethod().equals("GET")) {
                            exchange.sendResponseHeaders(405, -1);
                            return;
                        }
                        ByteArrayOutputStream buf = new ByteArrayOutputStream();
                        try (Writer w = new OutputStreamWriter(buf, StandardCharsets.UTF_8)) {
                            for (MetricsWriter m : metrics) {
                                m.write(w);
                            }
                            picker.stats().writePrometheus(w);
                        }
                        exchange.getResponseHeaders().set("Content-Type", "text/plain; version=0.0.4; charset=utf-8");
                        exchange.sendResponseHeaders(200, buf.size());
                        exchange.getResponseBody().write(buf.toByteArray());
                    }
                });
                http.setExecutor(Executors.newSingleThreadExecutor(r -> daemon(r, "podrouter-extproc-metrics")));
                http.start();
                metricsServer = http;
            }
            ScheduledExecutorService poller = Executors.newSingleThreadScheduledExecutor(
                    r -> daemon(r, "podrouter-extproc-health"));
            long ms = healthPollInterval.toMillis();
            poller.scheduleWithFixedDelay(this::updateReadiness, ms, ms, TimeUnit.MILLISECONDS);
            healthPoller = poller;
        } catch (IOException | RuntimeException e) {
            close();
            throw e;
        }
        LOG.info("endpoint picker serving: ext_proc on port {} ({}), health on {}, metrics on {}", grpcPort(),
                transport.getClass().getSimpleName(), healthPort(), metricsPort());
    }

    private static Thread daemon(Runnable r, String name) {
        Thread t = new Thread(r, name);
        t.setDaemon(true);
        return t;
    }

    private void updateReadiness() {
        boolean ready;
        try {
            ready = picker.podSource().synced();
        } catch (RuntimeException e) {
            LOG.warn("endpoint picker: PodSource.synced() threw; reporting not ready", e);
            ready = false;
        }
        ServingStatus s = ready ? ServingStatus.SERVING : ServingStatus.NOT_SERVING;
        health.setStatus("readiness", s);
        health.setStatus(EXT_PROC_SERVICE, s);
    }

    private static ServerCredentials credentials(Transport t) throws IOException {
        if (t instanceof Plaintext) {
            return InsecureServerCredentials.create();
        }
        if (t instanceof CertificateFiles f) {
            return TlsServerCredentials.newBuilder().keyManager(f.certChain().toFile(), f.privateKey().toFile()).build();
        }
        try {
            return TlsServerCredentials.newBuilder().keyManager(SelfSignedCertificate.generate().getKeyManagers()).build();
        } catch (GeneralSecurityException e) {
            throw new IOException("self-signed certificate: " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("self-signed certificate: interrupted", e);
        }
    }

    /** The bound ext_proc port (useful with port 0); -1 before {@link #start()}. */
    public synchronized int grpcPort() {
        return grpcServer == null ? -1 : grpcServer.getPort();
    }

    /** The bound health port; -1 before {@link #start()}. */
    public synchronized int healthPort() {
        return healthServer == null ? -1 : healthServer.getPort();
    }

    /** The bound metrics port; -1 before {@link #start()} or when metrics are off. */
    public synchronized int metricsPort() {
        return metricsServer == null ? -1 : metricsServer.getAddress().getPort();
    }

    /** Stops the servers (without waiting for open streams) and the health poller; idempotent. */
    @Override
    public synchronized void close() {
        closed = true;
        health.enterTerminalState();
        if (healthPoller != null) {
            healthPoller.shutdownNow();
        }
        for (Server s : new ArrayList<>(java.util.Arrays.asList(grpcServer, healthServer))) {
            if (s != null) {
                s.shutdownNow();
            }
        }
        if (metricsServer != null) {
            metricsServer.stop(0);
        }
    }

    /** Builds an {@link EndpointPickerServer}. Not thread-safe. */
    public static final class Builder {
        private @Nullable EndpointPicker picker;
        private int grpcPort = DEFAULT_GRPC_PORT;
        private int healthPort = DEFAULT_HEALTH_PORT;
        private int metricsPort = DEFAULT_METRICS_PORT;
        private Transport transport = new SelfSigned();
        private final List<MetricsWriter> metrics = new ArrayList<>();
        private Duration healthPollInterval = Duration.ofSeconds(1);

        private Builder() {
        }

        /** Required: the picker to serve. */
        public Builder picker(EndpointPicker picker) {
            this.picker = Objects.requireNonNull(picker, "picker: null (expected: an EndpointPicker)");
            return this;
        }

        /** The ext_proc port; 0 binds a free one. Default {@value #DEFAULT_GRPC_PORT}; must be in 0..65535. */
        public Builder grpcPort(int port) {
            this.grpcPort = port(port, "grpcPort", 0);
            return this;
        }

        /** The gRPC health port; 0 binds a free one. Default {@value #DEFAULT_HEALTH_PORT}; must be in 0..65535. */
        public Builder healthPort(int port) {
            this.healthPort = port(port, "healthPort", 0);
            return this;
        }

        /** The metrics port; 0 binds a free one, -1 serves no metrics. Default {@value #DEFAULT_METRICS_PORT}. */
        public Builder metricsPort(int port) {
            this.metricsPort = port(port, "metricsPort", -1);
            return this;
        }

        /** TLS or plaintext on the ext_proc port. Default {@link SelfSigned}. */
        public Builder transport(Transport transport) {
            this.transport = Objects.requireNonNull(transport, "transport: null (expected: Plaintext, SelfSigned or CertificateFiles)");
            return this;
        }

        /** Adds a source of metrics to {@code /metrics} (e.g. {@code router::writePrometheus}); the picker's own come last. */
        public Builder metrics(MetricsWriter writer) {
            metrics.add(Objects.requireNonNull(writer, "metrics: null (expected: a MetricsWriter)"));
            return this;
        }

        /** How often readiness follows the pod source. Default 1 s; must be at least 1 ms. */
        public Builder healthPollInterval(Duration interval) {
            Objects.requireNonNull(interval, "healthPollInterval: null (expected: >= 1 ms)");
            if (interval.toMillis() < 1) {
                throw new IllegalArgumentException("healthPollInterval: " + interval + " (expected: >= 1 ms)");
            }
            this.healthPollInterval = interval;
            return this;
        }

        private static int port(int port, String name, int min) {
            if (port < min || port > 65535) {
                throw new IllegalArgumentException(name + ": " + port + " (expected: " + min + "..65535)");
            }
            return port;
        }

        /** Builds the (not yet started) server. @throws NullPointerException without a picker */
        public EndpointPickerServer build() {
            return new EndpointPickerServer(this);
        }
    }
}
