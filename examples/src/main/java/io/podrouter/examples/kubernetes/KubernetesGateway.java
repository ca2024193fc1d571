package io.podrouter.examples.kubernetes;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.podrouter.api.Pod;
import io.podrouter.examples.gateway.InferenceGateway;
import io.podrouter.kubernetes.InferencePoolDiscovery;
import io.podrouter.kubernetes.LabelSelectorDiscovery;
import io.podrouter.kubernetes.PodDiscovery;
import io.podrouter.kubernetes.PodDiscoveryListener;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.InetAddress;
import java.net.URI;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CountDownLatch;
import java.util.function.Consumer;

/**
 * The example gateway ({@link InferenceGateway}) in Kubernetes mode: its backends come from an
 * {@code InferencePool} or a label selector ({@code podrouter-kubernetes}) instead of being added by code. Each
 * list discovery publishes replaces the model's backends (and the scraper's targets) at once.
 *
 * <p>Run in a cluster with the manifests of {@code examples/kubernetes/}; the client is fabric8's default
 * (in-cluster service account, else {@code ~/.kube/config}). Command line: {@link KubernetesGatewayOptions}.
 *
 * <p>Thread-safe; {@link #close()} stops discovery, then the gateway.
 */
public final class KubernetesGateway implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(KubernetesGateway.class);

    private final InferenceGateway gateway;
    private final PodDiscovery discovery;

    private KubernetesGateway(InferenceGateway gateway, PodDiscovery discovery) {
        this.gateway = gateway;
        this.discovery = discovery;
    }

    /**
     * Starts the gateway, then discovery (which blocks until the first pod list is loaded and applied).
     *
     * @param client  the Kubernetes client; not closed by the gateway
     * @param options the command line
     * @throws IOException              when the port cannot be bound
     * @throws IllegalArgumentException when no namespace is given and the client has none
     * @throws io.podrouter.kubernetes.DiscoveryStartException when the API server does not answer in time
     */
    public static KubernetesGateway start(KubernetesClient client, KubernetesGatewayOptions options) throws IOException {
        return start(client, options, b -> { });
    }

    /**
     * As {@link #start(KubernetesClient, KubernetesGatewayOptions)}, with a last say on the gateway's options
     * (strategies, timeouts) before it starts.
     *
     * @param customize called with the gateway builder after the options are applied
     */
    public static KubernetesGateway start(KubernetesClient client, KubernetesGatewayOptions options,
                                          Consumer<InferenceGateway.Builder> customize) throws IOException {
        Objects.requireNonNull(client, "client: null (expected: a KubernetesClient)");
        Objects.requireNonNull(customize, "customize: null (expected: a builder callback)");
        Objects.requireNonNull(options, "options: null (expected: parsed options)");
        String namespace = options.namespace() != null ? options.namespace() : client.getNamespace();
        if (namespace == null || namespace.isBlank()) {
            throw new IllegalArgumentException("--k8s-namespace: not given and the client has no default namespace "
                    + "(expected: --k8s-namespace NS)");
        }
        String pool = options.pool();
        String model = options.model() != null ? options.model() : pool;
        InferenceGateway.Builder b = InferenceGateway.builder()
                .bindAddress(InetAddress.getByName(options.bind()))
                .port(options.port());
        if (model != null) {
            b.model(model); // 503 rather than 404 until its pods are Ready
        }
        customize.accept(b);
        InferenceGateway gateway = b.start();
        PodDiscoveryListener toGateway = new PodDiscoveryListener() {
            @Override
            public void podsChanged(String m, List<Pod> pods) {
                gateway.replaceBackends(m, pods);
            }

            @Override
            public void staleChanged(boolean stale) {
                LOG.warn(stale ? "Kubernetes discovery is stale: routing on the last known pods"
                        : "Kubernetes discovery is current again");
            }
        };
        PodDiscovery discovery;
        if (pool != null) {
            discovery = InferencePoolDiscovery.builder(client, namespace, pool)
                    .model(Objects.requireNonNull(model)).listener(toGateway).build();
        } else {
            LabelSelectorDiscovery.Builder lb = LabelSelectorDiscovery.builder(client, namespace)
                    .matchLabels(Objects.requireNonNull(options.selector()))
                    .targetPorts(options.targetPorts().stream().mapToInt(Integer::intValue).toArray())
                    .listener(toGateway);
            if (model != null) {
                lb.model(model);
            }
            discovery = lb.build();
        }
        try {
            discovery.start();
        } catch (RuntimeException e) {
            gateway.close();
            throw e;
        }
        return new KubernetesGateway(gateway, discovery);
    }

    /** The gateway (its base URI, backends, router). */
    public InferenceGateway gateway() {
        return gateway;
    }

    /** The discovery feeding it. */
    public PodDiscovery discovery() {
        return discovery;
    }

    /** The gateway's base URI. */
    public URI baseUri() {
        return gateway.baseUri();
    }

    @Override
    public void close() {
        discovery.close();
        gateway.close();
    }

    /**
     * Runs the gateway until the JVM is stopped (SIGTERM in a pod). Exit status 2 on a bad command line.
     *
     * @param args see {@link KubernetesGatewayOptions}
     * @throws Exception when the gateway cannot start
     */
    public static void main(String[] args) throws Exception {
        KubernetesGatewayOptions options;
        try {
            options = KubernetesGatewayOptions.parse(args);
        } catch (IllegalArgumentException e) {
            System.err.println(e.getMessage());
            System.err.println(KubernetesGatewayOptions.USAGE);
            System.exit(2);
            return;
        }
        KubernetesClient client = new KubernetesClientBuilder().build();
        KubernetesGateway running = start(client, options);
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            running.close();
            client.close();
            stopped.countDown();
        }, "podrouter-gateway-shutdown"));
        System.out.println("podrouter gateway listening on " + running.baseUri() + ", discovery: "
                + (options.pool() != null ? "InferencePool " + options.pool() : "selector " + options.selector()));
        stopped.await();
    }
}
