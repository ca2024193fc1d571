package io.podrouter.kubernetes;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import org.jspecify.annotations.Nullable;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The parts of an {@code InferencePool} ({@code inference.networking.k8s.io/v1}) that discovery uses, read
 * from the generic resource so that fields added by later API versions are ignored. Field rules from the
 * Gateway API Inference Extension's {@code api/v1/inferencepool_types.go} at commit 84436a96: {@code spec.selector.matchLabels}
 * 1..64 entries; {@code spec.targetPorts} 1..8 unique {@code {number}} in 1..65535; {@code spec.appProtocol}
 * {@code http} (default) or {@code kubernetes.io/h2c}.
 */
record PoolSpec(Map<String, String> matchLabels, List<Integer> targetPorts, String appProtocol) {

    static final String DEFAULT_APP_PROTOCOL = "http";

    /**
     * Reads the spec of {@code pool}.
     *
     * @throws IllegalArgumentException naming the field, when a required field is missing or malformed
     */
    static PoolSpec of(GenericKubernetesResource pool) {
        Map<?, ?> spec = map(pool.getAdditionalProperties().get("spec"), "spec");
        Map<?, ?> selector = map(spec.get("selector"), "spec.selector");
        Map<?, ?> rawLabels = map(selector.get("matchLabels"), "spec.selector.matchLabels");
        if (rawLabels.isEmpty() || rawLabels.size() > 64) {
            throw new IllegalArgumentException("spec.selector.matchLabels: " + rawLabels.size()
                    + " entries (expected: 1 to 64)");
        }
        Map<String, String> labels = new LinkedHashMap<>();
        for (Map.Entry<?, ?> e : rawLabels.entrySet()) {
            if (!(e.getKey() instanceof String k) || !(e.getValue() instanceof String v)) {
                throw new IllegalArgumentException("spec.selector.matchLabels: " + rawLabels
                        + " (expected: string keys and values)");
            }
            labels.put(k, v);
        }
        Object rawPorts = spec.get("targetPorts");
        if (!(rawPorts instanceof List<?> portList)) {
            throw new IllegalArgumentException("spec.targetPorts: " + rawPorts + " (expected: a list of {number: port})");
        }
        List<Integer> ports = new ArrayList<>(portList.size());
        for (Object item : portList) {
            Object number = map(item, "spec.targetPorts[]").get("number");
            if (!(number instanceof Number n) || n.doubleValue() != n.intValue()) {
                throw new IllegalArgumentException("spec.targetPorts[].number: " + number + " (expected: an integer port)");
            }
            ports.add(n.intValue());
        }
        EndpointRules.checkTargetPorts(ports, "spec.targetPorts");
        Object proto = spec.get("appProtocol");
        String appProtocol;
        if (proto == null) {
            appProtocol = DEFAULT_APP_PROTOCOL;
        } else if (proto instanceof String s && !s.isBlank()) {
            appProtocol = s;
        } else {
            throw new IllegalArgumentException("spec.appProtocol: " + proto + " (expected: http or kubernetes.io/h2c)");
        }
        return new PoolSpec(Map.copyOf(labels), List.copyOf(ports), appProtocol);
    }

    private static Map<?, ?> map(@Nullable Object o, String field) {
        if (o instanceof Map<?, ?> m) {
            return m;
        }
        throw new IllegalArgumentException(field + ": " + o + " (expected: an object)");
    }
}
