package io.podrouter.kubernetes;

import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.PodCondition;
import io.fabric8.kubernetes.api.model.PodStatus;
import io.podrouter.api.Pod;
import org.jspecify.annotations.Nullable;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The endpoint picker's rules for turning a Kubernetes pod into podrouter endpoints. Stateless.
 *
 * <p>Sources: Gateway API Inference Extension (kubernetes-sigs/gateway-api-inference-extension at commit 84436a96)
 * {@code pkg/lwepp/util/pod/pod.go} (readiness), {@code pkg/lwepp/datastore/datastore.go} (rank endpoints,
 * active ports); llm-d-router (llm-d/llm-d-inference-scheduler at commit 520af478) {@code pkg/epp/util/pod/pod.go},
 * {@code pkg/epp/datastore/datastore.go} (the {@code llm-d.ai/active-ports} annotation and its legacy
 * fallback); AIBrix (vllm-project/aibrix at commit e3e10f9e) {@code pkg/utils/pod.go} (a ready pod also needs an IP).
 */
final class EndpointRules {

    /** llm-d-router's annotation limiting which target ports of a pod serve traffic (comma-separated numbers). */
    static final String ACTIVE_PORTS = "llm-d.ai/active-ports";
    /** The Inference Extension's original name for {@link #ACTIVE_PORTS}, read when that one is absent. */
    static final String LEGACY_ACTIVE_PORTS = "inference.networking.k8s.io/active-ports";

    private EndpointRules() {
    }

    /**
     * A candidate iff: no deletion timestamp, condition {@code Ready} with status {@code True}, and a pod IP.
     */
    static boolean isCandidate(io.fabric8.kubernetes.api.model.Pod pod) {
        ObjectMeta meta = pod.getMetadata();
        if (meta == null || meta.getDeletionTimestamp() != null) {
            return false;
        }
        PodStatus status = pod.getStatus();
        if (status == null || status.getPodIP() == null || status.getPodIP().isBlank()) {
            return false;
        }
        PodCondition ready = readyCondition(status);
        return ready != null && "True".equals(ready.getStatus());
    }

    /**
     * When the pod became Ready: the Ready condition's {@code lastTransitionTime}; if that is absent or
     * unparsable, {@code status.startTime}, then {@code metadata.creationTimestamp} (both stable, so a pod
     * does not look new on every rebuild); null when none is usable.
     */
    static @Nullable Instant readySince(io.fabric8.kubernetes.api.model.Pod pod) {
        PodStatus status = pod.getStatus();
        PodCondition ready = status == null ? null : readyCondition(status);
        Instant t = ready == null ? null : parse(ready.getLastTransitionTime());
        if (t == null && status != null) {
            t = parse(status.getStartTime());
        }
        if (t == null && pod.getMetadata() != null) {
            t = parse(pod.getMetadata().getCreationTimestamp());
        }
        return t;
    }

    /**
     * The target ports of {@code pod} that serve traffic: all of them without an active-ports annotation;
     * with one, the listed numbers that are also target ports (blanks around numbers are ignored, entries
     * that are not positive decimal numbers are skipped, an empty value means none). {@code llm-d.ai/active-ports}
     * wins over {@code inference.networking.k8s.io/active-ports} when both are present.
     */
    static Set<Integer> activePorts(@Nullable Map<String, String> annotations, List<Integer> targetPorts) {
        Set<Integer> all = new LinkedHashSet<>(targetPorts);
        String value = null;
        if (annotations != null) {
            value = annotations.get(ACTIVE_PORTS);
            if (value == null) {
                value = annotations.get(LEGACY_ACTIVE_PORTS);
            }
        }
        if (value == null) {
            return all;
        }
        Set<Integer> active = new LinkedHashSet<>();
        for (String part : value.split(",", -1)) {
            String s = part.strip();
            if (s.isEmpty() || s.length() > 9 || !s.chars().allMatch(c -> c >= '0' && c <= '9')) {
                continue;
            }
            int port = Integer.parseInt(s);
            if (port > 0 && all.contains(port)) {
                active.add(port);
            }
        }
        return active;
    }

    /**
     * The endpoints of a candidate pod: one per active target port, id {@code <namespace>/<pod>} when the
     * pool has one target port, else {@code <namespace>/<pod>-rank-<index of the port in targetPorts>}; host the
     * pod IP; labels copied; Ready since {@link #readySince}. Empty when the pod is not a candidate or has no
     * usable ready time.
     */
    static List<Pod> endpoints(io.fabric8.kubernetes.api.model.Pod pod, List<Integer> targetPorts) {
        if (!isCandidate(pod)) {
            return List.of();
        }
        Instant since = readySince(pod);
        if (since == null) {
            return List.of();
        }
        ObjectMeta meta = pod.getMetadata();
        String base = meta.getNamespace() + "/" + meta.getName();
        Set<Integer> active = activePorts(meta.getAnnotations(), targetPorts);
        Map<String, String> labels = meta.getLabels();
        String ip = pod.getStatus().getPodIP();
        List<Pod> out = new ArrayList<>(active.size());
        for (int idx = 0; idx < targetPorts.size(); idx++) {
            int port = targetPorts.get(idx);
            if (active.contains(port)) {
                String id = targetPorts.size() == 1 ? base : base + "-rank-" + idx;
                out.add(new Pod(id, ip, port, labels, true, since));
            }
        }
        return out;
    }

    /** Whether every entry of {@code selector} is among {@code labels} (an empty selector matches all). */
    static boolean matches(Map<String, String> selector, @Nullable Map<String, String> labels) {
        if (selector.isEmpty()) {
            return true;
        }
        if (labels == null) {
            return false;
        }
        for (Map.Entry<String, String> e : selector.entrySet()) {
            if (!e.getValue().equals(labels.get(e.getKey()))) {
                return false;
            }
        }
        return true;
    }

    /**
     * Validates a list of target ports: 1 to 8 numbers in 1..65535, no duplicates (the InferencePool CRD's
     * limits, {@code api/v1/inferencepool_types.go}).
     *
     * @throws IllegalArgumentException naming {@code what} otherwise
     */
    static List<Integer> checkTargetPorts(List<Integer> ports, String what) {
        if (ports.isEmpty() || ports.size() > 8) {
            throw new IllegalArgumentException(what + ": " + ports + " (expected: 1 to 8 ports)");
        }
        Set<Integer> seen = new LinkedHashSet<>();
        for (Integer p : ports) {
            if (p == null || p < 1 || p > 65535) {
                throw new IllegalArgumentException(what + ": " + ports + " (expected: port numbers in 1..65535)");
            }
            if (!seen.add(p)) {
                throw new IllegalArgumentException(what + ": " + ports + " (expected: unique port numbers)");
            }
        }
        return List.copyOf(ports);
    }

    private static @Nullable PodCondition readyCondition(PodStatus status) {
        List<PodCondition> conditions = status.getConditions();
        if (conditions == null) {
            return null;
        }
        for (PodCondition c : conditions) {
            if ("Ready".equals(c.getType())) {
                return c;
            }
        }
        return null;
    }

    private static @Nullable Instant parse(@Nullable String time) {
        if (time == null || time.isBlank()) {
            return null;
        }
        try {
            return OffsetDateTime.parse(time).toInstant();
        } catch (DateTimeParseException e) {
            return null;
        }
    }
}
