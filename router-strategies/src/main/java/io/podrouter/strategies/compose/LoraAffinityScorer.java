package io.podrouter.strategies.compose;

import io.podrouter.api.InferenceRequest;
import io.podrouter.api.Pod;
import io.podrouter.api.strategy.CandidateView;
import io.podrouter.api.strategy.Scorer;
import org.jspecify.annotations.Nullable;

import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * LoRA adapter affinity: for a request that names a {@linkplain InferenceRequest#loraAdapter() LoRA
 * adapter}, candidates whose pod label {@code labelKey} (default {@value #DEFAULT_LABEL}) lists the adapter
 * (comma-separated, surrounding spaces ignored), or whose metrics carry a positive engine-specific value
 * {@code lora_running:<adapter>} ({@code PodMetrics.extra}, e.g. filled by your scraper from vLLM's
 * {@code vllm:lora_requests_info} running adapters), score 1, the others 0; requests without an adapter, and
 * adapters no pod lists, score 0 everywhere, so the load scorers decide (a pod that loads the adapter on
 * demand is still chosen, just not preferred). Labels are what discovery knows; set them from your
 * deployment, or from vLLM's {@code vllm:lora_requests_info} running adapters in your discovery code.
 *
 * <p>Thread-safe; the labels are parsed once per candidate set; the metric name of each adapter is built once
 * (at most {@value #MAX_CACHED_ADAPTERS} names are kept; beyond that the cache starts over), so no allocation
 * per request.
 */
public final class LoraAffinityScorer implements Scorer {

    /** The default label listing a pod's adapters. */
    public static final String DEFAULT_LABEL = "podrouter.io/lora-adapters";

    /** Prefix of the {@code PodMetrics.extra} value saying how many requests of an adapter a pod runs. */
    public static final String EXTRA_PREFIX = "lora_running:";

    static final int MAX_CACHED_ADAPTERS = 1024;

    private final String labelKey;
    private final java.util.concurrent.ConcurrentHashMap<String, String> extraNames = new java.util.concurrent.ConcurrentHashMap<>();

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

    /** True: the score is for what the pod holds, not for its load. */
    @Override
    public boolean keepsAffinity() {
        return true;
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

    static Set<String> parse(@Nullable String label) {
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
    public void score(InferenceRequest request, CandidateView v, @Nullable Object prepared, double[] out) {
        int n = v.size();
        String adapter = request.loraAdapter();
        if (adapter == null) {
            for (int i = 0; i < n; i++) {
                out[i] = 0;
            }
            return;
        }
        Set<?>[] sets = prepared instanceof Set<?>[] p && p.length == n ? p : null;
        String extra = extraName(adapter);
        for (int i = 0; i < n; i++) {
            boolean has = false;
            if (v.isReady(i)) {
                has = sets != null ? sets[i].contains(adapter) : parse(v.pod(i).labels().get(labelKey)).contains(adapter);
                has |= v.extra(i, extra) > 0; // NaN (absent) compares false
            }
            out[i] = has ? 1 : 0;
        }
    }

    private String extraName(String adapter) {
        String name = extraNames.get(adapter);
        if (name == null) {
            if (extraNames.size() >= MAX_CACHED_ADAPTERS) {
                extraNames.clear(); // adapter names come from requests: bound what they can make us keep
            }
            name = EXTRA_PREFIX + adapter;
            extraNames.put(adapter, name);
        }
        return name;
    }

    @Override
    public String toString() {
        return name() + "(" + labelKey + ")";
    }
}
