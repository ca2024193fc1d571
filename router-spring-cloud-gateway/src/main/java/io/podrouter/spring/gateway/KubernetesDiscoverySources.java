package io.podrouter.spring.gateway;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.podrouter.api.Pod;
import io.podrouter.kubernetes.DiscoveryStartException;
import io.podrouter.kubernetes.InferencePoolDiscovery;
import io.podrouter.kubernetes.LabelSelectorDiscovery;
import io.podrouter.kubernetes.PodDiscovery;
import io.podrouter.kubernetes.PodDiscoveryListener;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Supplier;

/**
 * podrouter-kubernetes as the pod source of pools: an {@link InferencePoolDiscovery} for
 * {@code kubernetes.inference-pool}, a {@link LabelSelectorDiscovery} for {@code kubernetes.label-selector}, each
 * publishing into its pool as the source {@code kubernetes:NAMESPACE/NAME} (or {@code kubernetes:NAMESPACE/SELECTOR}).
 *
 * <p>Pods: an InferencePool's endpoints all join the pool (an InferencePool serves one model). A label selector
 * without {@code model-key} gives every selected pod; with it, the pods whose model (that label, else that
 * annotation) is one of the pool's {@code models}, or every pod naming a model when the pool lists none.
 *
 * <p>Client: the application's {@link KubernetesClient} bean when there is one (never closed here); otherwise one
 * built from the environment on first use ({@code new KubernetesClientBuilder().build()}: the pod's service account
 * in a cluster, else {@code ~/.kube/config}) and closed by {@link #close()}. Namespace when unset: the one in the
 * service-account file {@value #SERVICE_ACCOUNT_NAMESPACE}, else {@code default}.
 *
 * <p>Thread-safe (synchronized). {@link #close()} closes every discovery started here, then the client it built;
 * a pool closing its discovery again afterwards is harmless (closing is idempotent).
 */
final class KubernetesDiscoverySources implements KubernetesPodSources, AutoCloseable {

    /** Where a pod finds its own namespace (mounted with the service-account token). */
    static final String SERVICE_ACCOUNT_NAMESPACE = "/var/run/secrets/kubernetes.io/serviceaccount/namespace";

    private static final Logger LOG = LoggerFactory.getLogger(KubernetesDiscoverySources.class);

    private final Supplier<@Nullable KubernetesClient> applicationClient;
    private final Supplier<KubernetesClient> clientFactory;
    private final Path namespaceFile;
    private final List<PodDiscovery> discoveries = new ArrayList<>();
    private @Nullable KubernetesClient ownClient;
    private boolean closed;

    /**
     * @param applicationClient the application's client, or null from the supplier when it has none
     * @param clientFactory     builds a client when the application has none; called at most once
     * @param namespaceFile     the service-account namespace file (tests point it elsewhere)
     */
    KubernetesDiscoverySources(Supplier<@Nullable KubernetesClient> applicationClient,
                               Supplier<KubernetesClient> clientFactory, Path namespaceFile) {
        this.applicationClient = Objects.requireNonNull(applicationClient, "applicationClient");
        this.clientFactory = Objects.requireNonNull(clientFactory, "clientFactory");
        this.namespaceFile = Objects.requireNonNull(namespaceFile, "namespaceFile");
    }

    @Override
    public synchronized AutoCloseable start(PodRouterPool pool, PodRouterProperties.Pool settings) {
        if (closed) {
            throw new IllegalStateException("podrouter.pools." + pool.name() + ".kubernetes: the sources are closed"
                    + " (expected: a start while the application context runs)");
        }
        PodRouterProperties.Kubernetes k = settings.getKubernetes();
        String at = "podrouter.pools." + pool.name() + ".kubernetes";
        String namespace = k.getNamespace() != null ? k.getNamespace() : defaultNamespace(namespaceFile);
        String poolName = k.getInferencePool();
        String property;
        String source;
        PodDiscovery discovery;
        try {
            if (poolName != null) {
                property = at + ".inference-pool";
                source = "kubernetes:" + namespace + "/" + poolName;
                discovery = InferencePoolDiscovery.builder(client(), namespace, poolName)
                        .listener(new PoolFeed(pool, source, Set.of()))
                        .debounce(k.getDebounce()).startTimeout(k.getStartTimeout())
                        .stalenessCheckInterval(k.getStalenessCheckInterval())
                        .build();
            } else {
                property = at + ".label-selector";
                source = "kubernetes:" + namespace + "/" + k.getLabelSelector();
                LabelSelectorDiscovery.Builder b = LabelSelectorDiscovery.builder(client(), namespace)
                        .matchLabels(k.getLabelSelector())
                        .targetPorts(PoolFactory.targetPorts(at + ".target-ports", k.getTargetPorts()))
                        .listener(new PoolFeed(pool, source, k.getModelKey() == null ? Set.of() : pool.models()))
                        .debounce(k.getDebounce()).startTimeout(k.getStartTimeout())
                        .stalenessCheckInterval(k.getStalenessCheckInterval());
                if (k.getModelKey() == null) {
                    b.model(pool.name()); // every selected pod, whatever its labels say
                } else {
                    b.modelKey(k.getModelKey());
                }
                discovery = b.build();
            }
        } catch (IllegalArgumentException | NullPointerException e) {
            throw new IllegalArgumentException(at + ": " + e.getMessage(), e);
        }
        try {
            discovery.start();
        } catch (DiscoveryStartException e) {
            throw new IllegalStateException(property + ": " + source.substring("kubernetes:".length())
                    + " did not start (expected: a reachable API server and RBAC get/list/watch on pods"
                    + (poolName != null ? " and inferencepools" : "") + "): " + e.getMessage(), e);
        }
        discoveries.add(discovery);
        LOG.info("podrouter pool {}: pods from {} ({} now)", pool.name(), source, pool.pods().size());
        return discovery;
    }

    /** The application's client, else the one built here (built on first use). */
    private KubernetesClient client() {
        KubernetesClient app = applicationClient.get();
        if (app != null) {
            return app;
        }
        KubernetesClient own = ownClient;
        if (own == null) {
            own = Objects.requireNonNull(clientFactory.get(), "clientFactory returned null");
            ownClient = own;
            LOG.info("podrouter: no KubernetesClient bean; built one for {} (closed with the application)", own.getMasterUrl());
        }
        return own;
    }

    /** The discoveries started here and not yet closed (for tests). */
    synchronized List<PodDiscovery> discoveries() {
        return List.copyOf(discoveries);
    }

    /** The client built here because the application had none, or null. */
    synchronized @Nullable KubernetesClient ownClient() {
        return ownClient;
    }

    /**
     * The namespace in {@code file} (trimmed), or {@code default} when the file is missing, empty or unreadable
     * (unreadable is logged).
     */
    static String defaultNamespace(Path file) {
        if (!Files.isRegularFile(file)) {
            return "default";
        }
        try {
            String ns = Files.readString(file, StandardCharsets.UTF_8).trim();
            return ns.isEmpty() ? "default" : ns;
        } catch (IOException e) {
            LOG.warn("podrouter: cannot read the namespace from {}, using 'default': {}", file, e.toString());
            return "default";
        }
    }

    /** Closes the discoveries started here, then the client built here. Idempotent. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        discoveries.forEach(PodDiscovery::close);
        discoveries.clear();
        if (ownClient != null) {
            ownClient.close();
        }
    }

    /**
     * Hands a pool the union of the discovered models' pods it takes (all when {@code models} is empty). Called on
     * the discovery's thread, one call at a time; synchronized anyway, as the union is rebuilt from shared state.
     */
    static final class PoolFeed implements PodDiscoveryListener {

        private final PodRouterPool pool;
        private final String source;
        private final Set<String> models;
        private final Map<String, List<Pod>> byModel = new TreeMap<>();

        PoolFeed(PodRouterPool pool, String source, Set<String> models) {
            this.pool = pool;
            this.source = source;
            this.models = Set.copyOf(models);
        }

        @Override
        public synchronized void podsChanged(String model, List<Pod> pods) {
            if (!models.isEmpty() && !models.contains(model)) {
                return;
            }
            if (pods.isEmpty()) {
                byModel.remove(model);
            } else {
                byModel.put(model, pods);
            }
            Map<String, Pod> union = new LinkedHashMap<>();
            byModel.values().forEach(ps -> ps.forEach(p -> union.putIfAbsent(p.id(), p)));
            pool.updatePods(source, union.values());
        }

        @Override
        public String toString() {
            return "PoolFeed[" + pool.name() + " <- " + source + "]";
        }
    }
}
