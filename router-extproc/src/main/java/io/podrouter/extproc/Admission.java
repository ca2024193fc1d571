package io.podrouter.extproc;

import io.podrouter.api.Candidates;
import io.podrouter.api.InferenceRequest;
import io.podrouter.api.Pod;

import java.util.function.ToIntFunction;

/**
 * Decides, before a pod is chosen, whether the pool takes a request at all; a request it refuses is shed
 * with HTTP 429 (the endpoint picker protocol's answer for a request that "should be dropped").
 *
 * <p>Implementations must be thread-safe and fast: they run on every request, on gRPC threads.
 */
@FunctionalInterface
public interface Admission {

    /**
     * Whether to route {@code request} to one of {@code candidates} (already narrowed to the subset hint).
     * An exception counts as "admit" (the picker logs it, rate-limited): admission must never turn a bug into
     * dropped traffic.
     */
    boolean admit(InferenceRequest request, Candidates candidates);

    /** Admits everything (the default). */
    static Admission always() {
        return (request, candidates) -> true;
    }

    /**
     * Sheds a request when every ready candidate already has {@code limit} or more requests in flight, as
     * counted by {@code inFlight} (typically {@code router::inFlight}, which counts the router's own
     * selections, so it is exact for this picker replica and blind to other replicas).
     *
     * @param limit    in-flight requests per pod at which a pod counts as saturated; must be &gt;= 1
     * @param inFlight in-flight count per pod id; null throws {@link NullPointerException}
     * @throws IllegalArgumentException when {@code limit} &lt; 1
     */
    static Admission maxInFlightPerPod(int limit, ToIntFunction<String> inFlight) {
        if (limit < 1) {
            throw new IllegalArgumentException("limit: " + limit + " (expected: >= 1)");
        }
        java.util.Objects.requireNonNull(inFlight, "inFlight: null (expected: in-flight count per pod id)");
        return (request, candidates) -> {
            for (Pod pod : candidates.pods()) {
                if (pod.ready() && inFlight.applyAsInt(pod.id()) < limit) {
                    return true;
                }
            }
            // no ready pod at all is the selector's 503, not a shed
            return candidates.pods().stream().noneMatch(Pod::ready);
        };
    }
}
