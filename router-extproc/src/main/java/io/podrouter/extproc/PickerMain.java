package io.podrouter.extproc;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.podrouter.api.Pod;
import io.podrouter.api.strategy.SelectionStrategy;
import io.podrouter.core.OutlierDetection;
import io.podrouter.core.Router;
import io.podrouter.kubernetes.InferencePoolDiscovery;
import io.podrouter.prometheus.PrometheusScraper;
import io.podrouter.strategies.LeastKvCacheStrategy;
import io.podrouter.strategies.LeastLatencyStrategy;
import io.podrouter.strategies.LeastRequestStrategy;
import io.podrouter.strategies.RandomStrategy;
import io.podrouter.strategies.RoundRobinStrategy;
import io.podrouter.strategies.compose.CacheAware;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;

/**
 * The runnable endpoint picker: {@code java -jar podrouter-extproc.jar --pool-namespace NS --pool-name NAME}
 * discovers the InferencePool's pods with podrouter-kubernetes, scrapes their metrics with podrouter-prometheus,
 * routes with podrouter's {@link Router} and serves {@link EndpointPickerServer}'s ports; {@code --endpoints}
 * replaces Kubernetes with a fixed list of model servers. {@code --help} prints the flags.
 *
 * <p>An invalid command line prints the problem and the usage and exits with status 2.
 */
public final class PickerMain implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(PickerMain.class);

    private final List<AutoCloseable> resources = new ArrayList<>();
    private final EndpointPickerServer server;
    private final Router router;

    private PickerMain(PickerOptions o, @Nullable KubernetesClient givenClient) throws IOException {
        try {
            PrometheusScraper scraper = PrometheusScraper.builder().interval(o.scrapeInterval()).build();
            resources.add(scraper);
            Router.Builder rb = Router.builder()
                    .metricsSource(scraper)
                    .strategies(strategies(o.strategies()))
                    .boundedColdShare(o.boundedColdShare())
                    .maxInFlightAge(o.maxInFlightAge());
            if (o.coldStartInFlightCap() > 0) { // 0 keeps the router's default (the guard for metric and affinity chains)
                rb.coldStartInFlightCap(o.coldStartInFlightCap());
            }
            if (o.slowStartWindow() != null) {
                rb.slowStart(o.slowStartWindow(), 1.0, 0.1);
            }
            if (o.outlierConsecutiveFailures() == 0) {
                rb.withoutOutlierDetection();
            } else {
                rb.outlierDetection(OutlierDetection.defaults().withConsecutiveFailures(o.outlierConsecutiveFailures()));
            }
            router = rb.build();
            resources.add(router);

            PodSource source;
            String model;
            if (o.poolName() != null && o.poolNamespace() != null) {
                model = o.model() != null ? o.model() : o.poolName();
                DiscoveryPodSource discovered = new DiscoveryPodSource(model, scraper::updateTargets);
                KubernetesClient client = givenClient;
                if (client == null) {
                    client = new KubernetesClientBuilder().build();
                    resources.add(client);
                }
                InferencePoolDiscovery discovery = InferencePoolDiscovery.builder(client, o.poolNamespace(), o.poolName())
                        .model(model).listener(discovered).build();
                resources.add(discovery);
                discovery.start();
                discovered.markSynced();
                source = discovered;
            } else {
                model = o.model() != null ? o.model() : EndpointPicker.DEFAULT_HEADER_ONLY_MODEL;
                List<Pod> pods = staticPods(o.endpoints());
                scraper.updateTargets(pods);
                source = PodSource.of(pods);
            }
            scraper.start();

            EndpointPicker.Builder pb = EndpointPicker.builder().selector(router).podSource(source)
                    .fallbacks(o.fallbacks()).maxRequestBodyBytes(o.maxRequestBodyBytes()).headerOnlyModel(model);
            if (o.maxInFlightPerPod() > 0) {
                pb.admission(Admission.maxInFlightPerPod(o.maxInFlightPerPod(), router::inFlight));
            }
            EndpointPickerServer.Transport transport = !o.secureServing() ? new EndpointPickerServer.Plaintext()
                    : o.certPath() != null ? new EndpointPickerServer.CertificateFiles(o.certPath().resolve("tls.crt"),
                    o.certPath().resolve("tls.key")) : new EndpointPickerServer.SelfSigned();
            server = EndpointPickerServer.builder().picker(pb.build()).grpcPort(o.grpcPort()).healthPort(o.healthPort())
                    .metricsPort(o.metricsPort()).transport(transport).metrics(router::writePrometheus).build();
            resources.add(server);
            server.start();
        } catch (IOException | RuntimeException e) {
            close();
            throw e;
        }
    }

    /** Pods for {@code --endpoints}: id and address {@code host:port}, Ready since now. */
    static List<Pod> staticPods(List<String> endpoints) {
        List<Pod> pods = new ArrayList<>();
        Instant now = Instant.now();
        for (String e : endpoints) {
            int colon = e.lastIndexOf(':');
            String host = colon > 0 ? e.substring(0, colon) : "";
            if (host.startsWith("[") && host.endsWith("]")) {
                host = host.substring(1, host.length() - 1);
            }
            int port;
            try {
                port = Integer.parseInt(e.substring(colon + 1));
            } catch (NumberFormatException | IndexOutOfBoundsException ex) {
                port = -1;
            }
            if (host.isBlank() || port < 1 || port > 65535) {
                throw new IllegalArgumentException("--endpoints: '" + e + "' (expected: host:port with port 1..65535)");
            }
            pods.add(Pod.ready(e, host, port, now));
        }
        return List.copyOf(pods);
    }

    static SelectionStrategy[] strategies(List<String> names) {
        SelectionStrategy[] chain = new SelectionStrategy[names.size()];
        for (int i = 0; i < chain.length; i++) {
            chain[i] = switch (names.get(i)) {
                case "least-kv-cache" -> new LeastKvCacheStrategy();
                case "least-request" -> new LeastRequestStrategy();
                case "least-latency" -> new LeastLatencyStrategy();
                case "round-robin" -> new RoundRobinStrategy();
                case "random" -> new RandomStrategy();
                case "cache-aware" -> CacheAware.defaults();
                default -> throw new IllegalArgumentException("--strategy: '" + names.get(i) + "' (expected: see --help)");
            };
        }
        return chain;
    }

    /**
     * Starts a picker from command-line flags (see {@link PickerOptions#USAGE}); the returned picker serves until
     * closed. Used by {@link #main} and by tests.
     *
     * @throws IllegalArgumentException on an invalid command line
     * @throws IOException              when a port cannot be bound or TLS cannot be set up
     */
    public static PickerMain start(String... args) throws IOException {
        return new PickerMain(PickerOptions.parse(args), null);
    }

    /** As {@link #start(String...)} with a given Kubernetes client (not closed by the picker). */
    static PickerMain start(KubernetesClient client, String... args) throws IOException {
        return new PickerMain(PickerOptions.parse(args), client);
    }

    /** The bound ext_proc port. */
    public int grpcPort() {
        return server.grpcPort();
    }

    /** The bound health port. */
    public int healthPort() {
        return server.healthPort();
    }

    /** The bound metrics port, or -1 when metrics are off. */
    public int metricsPort() {
        return server.metricsPort();
    }

    /** The router (for tests and embedding). */
    public Router router() {
        return router;
    }

    /** Stops the servers, discovery, router and scraper, in the reverse order of their start; idempotent. */
    @Override
    public void close() {
        for (int i = resources.size() - 1; i >= 0; i--) {
            try {
                resources.get(i).close();
            } catch (Exception e) {
                LOG.warn("endpoint picker: closing {} failed", resources.get(i).getClass().getSimpleName(), e);
            }
        }
        resources.clear();
    }

    /** Runs the picker until the JVM is stopped. */
    public static void main(String[] args) throws Exception {
        PickerOptions options;
        try {
            options = PickerOptions.parse(args);
        } catch (IllegalArgumentException e) {
            System.err.println("podrouter-extproc: " + e.getMessage());
            System.err.print(PickerOptions.USAGE);
            System.exit(2);
            return;
        }
        if (options.help()) {
            System.out.print(PickerOptions.USAGE);
            return;
        }
        PickerMain picker = new PickerMain(options, null);
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            picker.close();
            stopped.countDown();
        }, "podrouter-extproc-shutdown"));
        stopped.await();
    }
}
