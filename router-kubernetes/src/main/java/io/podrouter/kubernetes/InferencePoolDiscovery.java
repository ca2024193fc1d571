package io.podrouter.kubernetes;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;
import io.podrouter.api.Pod;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The endpoints of one Gateway API Inference Extension {@code InferencePool} ({@code
 * inference.networking.k8s.io/v1}), found the way the Inference Extension's endpoint picker finds them, and
 * published as one model's {@link Pod} list.
 *
 * <pre>{@code
 * InferencePoolDiscovery discovery = InferencePoolDiscovery.builder(client, "llm", "qwen-pool")
 *     .model("Qwen/Qwen3-8B")
 *     .listener(candidateSets)
 *     .build();
 * discovery.start();
 * }</pre>
 *
 * <p>Rules, as the lightweight endpoint picker applies them (kubernetes-sigs/gateway-api-inference-extension
 * at commit 84436a96, {@code pkg/lwepp/controller/inferencepool_reconciler.go}, {@code pod_reconciler.go},
 * {@code datastore/datastore.go}, {@code util/pod/pod.go}, {@code util/pool/pool.go}) and llm-d-router
 * (llm-d/llm-d-inference-scheduler at commit 520af478, {@code pkg/epp/controller/pod_reconciler.go},
 * {@code pkg/epp/datastore/datastore.go}, {@code pkg/epp/util/pod/pod.go}):
 * <ul>
 *   <li>The pool is read as a generic resource (unknown fields are ignored): {@code spec.selector.matchLabels}
 *       (all must match; pods of the pool's namespace only), {@code spec.targetPorts} (1 to 8),
 *       {@code spec.appProtocol} ({@link #appProtocol()}).</li>
 *   <li>Pool missing, or its {@code deletionTimestamp} set: no endpoints. A malformed pool (only possible
 *       when the CRD's schema validation is off) is treated the same and logged once per version.</li>
 *   <li>Selector changed: the pod informer is restarted with the new selector; the previous endpoints stay
 *       published until the new informer has loaded its first list. Every rebuild recomputes all endpoints
 *       from the informer's cache, so a change of target ports drops orphaned ranks too (the endpoint
 *       picker's "full resync").</li>
 *   <li>A pod is an endpoint iff it has no {@code deletionTimestamp}, its {@code Ready} condition is
 *       {@code True}, and it has a pod IP (the last rule is AIBrix's {@code pkg/utils/pod.go}, a harmless
 *       extra check). A pod that loses a selected label leaves.</li>
 *   <li>One endpoint per (pod, active target port): id {@code <namespace>/<pod>-rank-<index of the port>}, or
 *       {@code <namespace>/<pod>} when the pool has a single target port; host the pod IP; the pod's labels
 *       copied; {@link Pod#readySince()} the {@code Ready} condition's {@code lastTransitionTime} (a container
 *       restart flips Ready and moves it, so a restarted pod starts cold).</li>
 *   <li>Annotation {@code llm-d.ai/active-ports} (else the deprecated {@code
 *       inference.networking.k8s.io/active-ports}): comma-separated port numbers; only listed ports that are
 *       also target ports serve; an empty value means none; without the annotation all target ports serve.</li>
 * </ul>
 *
 * <p>The pool serves one model, {@link Builder#model(String)} (default: the pool's name).
 *
 * <p>RBAC: {@code get}, {@code list}, {@code watch} on {@code pods} and on {@code inferencepools} of the API
 * group {@code inference.networking.k8s.io} in the pool's namespace.
 *
 * <p>Thread-safe; see {@link PodDiscovery} for the life cycle and failure behaviour.
 */
public final class InferencePoolDiscovery extends AbstractPodDiscovery {

    /** The InferencePool resource, addressed without an API discovery call. */
    static final ResourceDefinitionContext INFERENCE_POOL = new ResourceDefinitionContext.Builder()
            .withGroup("inference.networking.k8s.io")
            .withVersion("v1")
            .withKind("InferencePool")
            .withPlural("inferencepools")
            .withNamespaced(true)
            .build();

    private static final Logger LOG = LoggerFactory.getLogger(InferencePoolDiscovery.class);

    private final KubernetesClient client;
    private final String namespace;
    private final String poolName;
    private final String model;

    // Touched only under the rebuild lock (rebuild()) or before the first rebuild (startInformers()).
    private @Nullable Tracked poolInformer;
    private @Nullable Tracked podInformer;
    private @Nullable Map<String, String> podSelector;
    private @Nullable String lastPoolProblem;
    private volatile @Nullable PoolSpec spec;

    private InferencePoolDiscovery(Builder b) {
        super("InferencePool " + b.namespace + "/" + b.poolName, b.settings);
        this.client = b.client;
        this.namespace = b.namespace;
        this.poolName = b.poolName;
        this.model = b.model == null ? b.poolName : b.model;
    }

    /**
     * A builder for the pool {@code poolName} in {@code namespace}.
     *
     * @param client    the Kubernetes client (for example {@code new KubernetesClientBuilder().build()}, which
     *                  reads the in-cluster service account or the kubeconfig); not closed by the discovery
     * @param namespace the pool's namespace; non-blank
     * @param poolName  the InferencePool's name; non-blank
     * @throws NullPointerException     on a null argument
     * @throws IllegalArgumentException on a blank namespace or pool name
     */
    public static Builder builder(KubernetesClient client, String namespace, String poolName) {
        return new Builder(client, namespace, poolName);
    }

    /** The model this pool's endpoints are published under. */
    public String model() {
        return model;
    }

    /**
     * The pool's {@code spec.appProtocol} ({@code http} or {@code kubernetes.io/h2c}), or null while there is
     * no usable pool (not started, missing, being deleted, malformed).
     */
    public @Nullable String appProtocol() {
        PoolSpec s = spec;
        return s == null ? null : s.appProtocol();
    }

    @Override
    void startInformers(long deadlineNanos) {
        Tracked pool = track(client.genericKubernetesResources(INFERENCE_POOL).inNamespace(namespace)
                .withName(poolName).runnableInformer(0), "the InferencePool '" + poolName + "'");
        poolInformer = pool;
        awaitSynced(pool, deadlineNanos);
        // The first rebuild reads the pool and starts the pod informer for its selector.
        rebuildNow(deadlineNanos);
        Tracked pods = podInformer;
        if (pods != null) {
            awaitSynced(pods, deadlineNanos);
            rebuildNow(deadlineNanos);
        }
    }

    @Override
    @Nullable Map<String, List<Pod>> rebuild() {
        Tracked pool = Objects.requireNonNull(poolInformer, "poolInformer");
        GenericKubernetesResource resource = null;
        for (Object o : pool.informer.getStore().list()) {
            GenericKubernetesResource r = (GenericKubernetesResource) o;
            if (r.getMetadata() != null && poolName.equals(r.getMetadata().getName())) {
                resource = r;
            }
        }
        if (resource == null || resource.getMetadata().getDeletionTimestamp() != null) {
            noPool(resource == null ? "not found" : "being deleted");
            return Map.of();
        }
        PoolSpec s;
        try {
            s = PoolSpec.of(resource);
        } catch (IllegalArgumentException e) {
            noPool("malformed (" + e.getMessage() + ") at resourceVersion "
                    + resource.getMetadata().getResourceVersion());
            return Map.of();
        }
        if (lastPoolProblem != null) {
            LOG.info("{}: pool usable again", description());
            lastPoolProblem = null;
        }
        Tracked pods = podInformer;
        if (pods == null || !s.matchLabels().equals(podSelector)) {
            if (pods != null) {
                LOG.info("{}: selector changed from {} to {}; resyncing pods", description(), podSelector, s.matchLabels());
                untrack(pods);
            }
            Map<String, String> selector = s.matchLabels();
            pods = track(client.pods().inNamespace(namespace).withLabels(selector).runnableInformer(0),
                    "pods matching " + s.matchLabels());
            podInformer = pods;
            podSelector = s.matchLabels();
            startTracked(pods);
        }
        spec = s;
        if (!pods.informer.hasSynced()) {
            return null;
        }
        List<Pod> endpoints = new ArrayList<>();
        for (Object o : pods.informer.getStore().list()) {
            io.fabric8.kubernetes.api.model.Pod pod = (io.fabric8.kubernetes.api.model.Pod) o;
            if (pod.getMetadata() != null && namespace.equals(pod.getMetadata().getNamespace())
                    && EndpointRules.matches(s.matchLabels(), pod.getMetadata().getLabels())) {
                endpoints.addAll(EndpointRules.endpoints(pod, s.targetPorts()));
            }
        }
        return Map.of(model, endpoints);
    }

    private void noPool(String why) {
        spec = null;
        Tracked pods = podInformer;
        if (pods != null) {
            untrack(pods);
            podInformer = null;
            podSelector = null;
        }
        if (!why.equals(lastPoolProblem)) {
            LOG.warn("{}: pool {}; no endpoints for model '{}'", description(), why, model);
            lastPoolProblem = why;
        }
    }

    /**
     * Options of an {@link InferencePoolDiscovery}. Not thread-safe; each setter validates its argument and
     * throws {@link NullPointerException} / {@link IllegalArgumentException} on bad input.
     */
    public static final class Builder extends DiscoveryBuilder<Builder> {
        private final KubernetesClient client;
        private final String namespace;
        private final String poolName;
        private @Nullable String model;

        private Builder(KubernetesClient client, String namespace, String poolName) {
            this.client = Objects.requireNonNull(client, "client: null (expected: a KubernetesClient)");
            this.namespace = Settings.requireText(namespace, "namespace");
            this.poolName = Settings.requireText(poolName, "poolName");
        }

        /** The model the pool serves; its endpoints are published under this name. Default: the pool's name. */
        public Builder model(String model) {
            this.model = Settings.requireText(model, "model");
            return this;
        }

        /** A discovery with these options, not yet started. */
        public InferencePoolDiscovery build() {
            return new InferencePoolDiscovery(this);
        }
    }
}
