package io.podrouter.kubernetes;

import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.podrouter.api.Pod;
import org.jspecify.annotations.Nullable;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The endpoints of the pods that match a label selector in one namespace, for clusters without the
 * {@code InferencePool} CRD; one discovery can feed several models.
 *
 * <pre>{@code
 * LabelSelectorDiscovery discovery = LabelSelectorDiscovery.builder(client, "llm")
 *     .matchLabels(Map.of("app", "vllm"))
 *     .targetPorts(8000)
 *     .listener(candidateSets)
 *     .build();
 * discovery.start();
 * }</pre>
 *
 * <p>Pod rules are those of {@link InferencePoolDiscovery} (readiness, pod IP, one endpoint per active target
 * port with {@code -rank-<idx>} ids when there are several ports, the active-ports annotations, readySince,
 * labels), applied to the given {@code matchLabels} and {@code targetPorts} the way the endpoint picker's
 * standalone mode does ({@code --endpoint-selector}, {@code --endpoint-target-ports}; llm-d-router
 * {@code pkg/epp/server/options.go} at commit 520af478).
 *
 * <p>Model of a pod: {@link Builder#model(String)} when set (every pod serves it); otherwise the pod's label
 * {@link Builder#modelKey(String)}, else the annotation of that key (for model names that are not valid label
 * values), following AIBrix's {@code model.aibrix.ai/name} convention (vllm-project/aibrix at commit e3e10f9e,
 * {@code pkg/constants/model.go}). Pods without a model name are skipped.
 *
 * <p>RBAC: {@code get}, {@code list}, {@code watch} on {@code pods} in the namespace.
 *
 * <p>Thread-safe; see {@link PodDiscovery} for the life cycle and failure behaviour.
 */
public final class LabelSelectorDiscovery extends AbstractPodDiscovery {

    /** The default pod label (or annotation) naming the model a pod serves: AIBrix's {@code model.aibrix.ai/name}. */
    public static final String DEFAULT_MODEL_KEY = "model.aibrix.ai/name";

    private final KubernetesClient client;
    private final String namespace;
    private final Map<String, String> matchLabels;
    private final List<Integer> targetPorts;
    private final @Nullable String fixedModel;
    private final String modelKey;
    private @Nullable Tracked pods;

    private LabelSelectorDiscovery(Builder b) {
        super("pods " + b.namespace + "/" + b.matchLabels, b.settings);
        this.client = b.client;
        this.namespace = b.namespace;
        this.matchLabels = Map.copyOf(b.matchLabels);
        this.targetPorts = EndpointRules.checkTargetPorts(
                Objects.requireNonNull(b.targetPorts, "targetPorts: not set (expected: 1 to 8 ports)"), "targetPorts");
        this.fixedModel = b.model;
        this.modelKey = b.modelKey;
    }

    /**
     * A builder for pods in {@code namespace}; {@link Builder#targetPorts(int...)} is required.
     *
     * @param client    the Kubernetes client; not closed by the discovery
     * @param namespace non-blank
     * @throws NullPointerException     on a null argument
     * @throws IllegalArgumentException on a blank namespace
     */
    public static Builder builder(KubernetesClient client, String namespace) {
        return new Builder(client, namespace);
    }

    @Override
    void startInformers(long deadlineNanos) {
        Tracked t = track(client.pods().inNamespace(namespace).withLabels(matchLabels).runnableInformer(0),
                "pods matching " + matchLabels);
        pods = t;
        awaitSynced(t, deadlineNanos);
        rebuildNow(deadlineNanos);
    }

    @Override
    Map<String, List<Pod>> rebuild() {
        Tracked t = Objects.requireNonNull(pods, "pods");
        Map<String, List<Pod>> byModel = new HashMap<>();
        for (Object o : t.informer.getStore().list()) {
            io.fabric8.kubernetes.api.model.Pod pod = (io.fabric8.kubernetes.api.model.Pod) o;
            ObjectMeta meta = pod.getMetadata();
            if (meta == null || !namespace.equals(meta.getNamespace())
                    || !EndpointRules.matches(matchLabels, meta.getLabels())) {
                continue;
            }
            String model = modelOf(meta);
            if (model == null) {
                continue;
            }
            List<Pod> endpoints = EndpointRules.endpoints(pod, targetPorts);
            if (!endpoints.isEmpty()) {
                byModel.computeIfAbsent(model, k -> new ArrayList<>()).addAll(endpoints);
            }
        }
        return byModel;
    }

    private @Nullable String modelOf(ObjectMeta meta) {
        if (fixedModel != null) {
            return fixedModel;
        }
        String m = meta.getLabels() == null ? null : meta.getLabels().get(modelKey);
        if (m == null || m.isBlank()) {
            m = meta.getAnnotations() == null ? null : meta.getAnnotations().get(modelKey);
        }
        return m == null || m.isBlank() ? null : m;
    }

    /**
     * Options of a {@link LabelSelectorDiscovery}. Not thread-safe; each setter validates its argument and
     * throws {@link NullPointerException} / {@link IllegalArgumentException} on bad input.
     */
    public static final class Builder extends DiscoveryBuilder<Builder> {
        private final KubernetesClient client;
        private final String namespace;
        private Map<String, String> matchLabels = Map.of();
        private @Nullable List<Integer> targetPorts;
        private @Nullable String model;
        private String modelKey = DEFAULT_MODEL_KEY;

        private Builder(KubernetesClient client, String namespace) {
            this.client = Objects.requireNonNull(client, "client: null (expected: a KubernetesClient)");
            this.namespace = Settings.requireText(namespace, "namespace");
        }

        /**
         * Labels a pod must all carry (AND). Default: none, which selects every pod of the namespace (then the
         * model key does the filtering).
         */
        public Builder matchLabels(Map<String, String> labels) {
            Objects.requireNonNull(labels, "matchLabels: null (expected: a map, possibly empty)");
            Map<String, String> copy = new LinkedHashMap<>();
            labels.forEach((k, v) -> {
                Settings.requireText(k, "matchLabels key");
                copy.put(k, Objects.requireNonNull(v, () -> "matchLabels['" + k + "']: null (expected: a label value)"));
            });
            this.matchLabels = copy;
            return this;
        }

        /** The model-server ports of each pod: 1 to 8 unique numbers in 1..65535. Required. */
        public Builder targetPorts(int... ports) {
            Objects.requireNonNull(ports, "targetPorts: null (expected: 1 to 8 ports)");
            List<Integer> list = new ArrayList<>(ports.length);
            for (int p : ports) {
                list.add(p);
            }
            this.targetPorts = EndpointRules.checkTargetPorts(list, "targetPorts");
            return this;
        }

        /** Every selected pod serves this model (then {@link #modelKey(String)} is not read). Default: unset. */
        public Builder model(String model) {
            this.model = Settings.requireText(model, "model");
            return this;
        }

        /** The label, else annotation, naming a pod's model. Default {@value LabelSelectorDiscovery#DEFAULT_MODEL_KEY}. */
        public Builder modelKey(String key) {
            this.modelKey = Settings.requireText(key, "modelKey");
            return this;
        }

        /**
         * A discovery with these options, not yet started.
         *
         * @throws NullPointerException when {@link #targetPorts(int...)} was not set
         */
        public LabelSelectorDiscovery build() {
            return new LabelSelectorDiscovery(this);
        }
    }
}
