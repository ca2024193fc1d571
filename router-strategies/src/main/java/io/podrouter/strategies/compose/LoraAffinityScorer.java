package io.podrouter.strategies.compose;

import io.podrouter.api.InferenceRequest;
import io.podrouter.api.Pod;
import io.podrouter.api.strategy.CandidateView;
import io.podrouter.api.strategy.Scorer;

import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * LoRA adapter affinity: for a request that names a {@linkplain InferenceRequest#loraAdapter() LoRA
 * adapter}, candidates whose pod label {@code labelKey} (default {@value #DEFAULT_LABEL}) lists the adapter
 * (comma-separated, surrounding spaces ignored) score 1, the others 0; requests without an adapter, and
 * adapters no pod lists, score 0 everywhere, so the load scorers decide (a pod that loads the adapter on
 * demand is still chosen, just not preferred). Labels are what discovery knows; set them from your
 * deployment, or from vLLM's {@code vllm:lora_requests_info} running adapters in your discovery code.
 *
 * <p>Thread-safe; the labels are parsed once per candidate set; no allocation per request.
 */
public final class LoraAffinityScorer implements Scorer {

    /** The default label listing a pod's adapters. */
    public static final String DEFAULT_LABEL = "podrouter.io/lora-adapters";

    private final String labelKey;

    /** Reading {@value #DEFAULT_LABEL}. */
    public LoraAffinityScorer() {
        this(DEFAULT_LABEL);
    }

    /** @param labelKey the pod label listing adapters, comma-separated; not null or blank */
    public LoraAffinityScorer(String labelKey) {
        Objects.requireNonNull(labelKey, "labelKey: null (expected: a pod label name)");
        if (labelKey.isBlank()) {
            throw new IllegalArgumentException("labelKey: blank (expected: a pod label name)");
        }
        this.labelKey = labelKey;
    }

    @Override
    public String name() {
        return "lora-affinity";
    }

    /** Each candidate's adapter set, by index (an empty set when the label is absent). */
    @Override
    public Object prepare(List<Pod> pods) {
        @SuppressWarnings("unchecked")
        Set<String>[] adapters = new Set[pods.size()];
        for (int i = 0; i < adapters.length; i++) {
            adapters[i] = parse(pods.get(i).labels().get(labelKey));
        }
        return adapters;
    }

    static Set<String> parse(String label) {
        if (label == null || label.isBlank()) {
            return Set.of();
        }
        java.util.HashSet<String> set = new java.util.HashSet<>();
        for (String a : label.split(",")) {
            if (!a.isBlank()) {
                set.add(a.strip());
            }
        }
        return Set.copyOf(set);
    }

    @Override
    public void score(InferenceRequest request, CandidateView v, Object prepared, double[] out) {
        int n = v.size();
        String adapter = request.loraAdapter();
        Set<?>[] sets = prepared instanceof Set<?>[] p && p.length == n ? p : null;
        for (int i = 0; i < n; i++) {
            boolean has = false;
            if (adapter != null && v.isReady(i)) {
                has = sets != null ? sets[i].contains(adapter) : parse(v.pod(i).labels().get(labelKey)).contains(adapter);
            }
            out[i] = has ? 1 : 0;
        }
    }

    @Override
    public String toString() {
        return name() + "(" + labelKey + ")";
    }
}
