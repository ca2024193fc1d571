package io.podrouter.extproc;

import io.podrouter.api.Pod;

import java.util.List;
import java.util.Objects;

/**
 * Where the endpoint picker gets the pods of its pool: Kubernetes discovery of an InferencePool in the runnable
 * picker, a fixed list in tests and standalone use.
 *
 * <p>Implementations must be thread-safe: {@link #pods()} is called on every request, from many threads.
 */
public interface PodSource {

    /**
     * The pods of the pool now, ready or not (the router never chooses a pod that is not ready).
     *
     * <p>Should return the same {@code List} instance while the pods do not change: the picker prepares
     * its candidate set again only when the list it gets is a different one and not equal to the last.
     * Must not return null; an empty list means no pods (requests get 503).
     */
    List<Pod> pods();

    /**
     * Whether discovery has synced, i.e. {@link #pods()} reflects the pool; the picker reports
     * {@code readiness} (and the ext_proc service's health) as SERVING only then.
     */
    boolean synced();

    /**
     * A source with a fixed list of pods, always synced.
     *
     * @param pods copied; null or a null element throws {@link NullPointerException}
     */
    static PodSource of(List<Pod> pods) {
        List<Pod> copy = List.copyOf(Objects.requireNonNull(pods, "pods: null (expected: a list of pods)"));
        return new PodSource() {
            @Override
            public List<Pod> pods() {
                return copy;
            }

            @Override
            public boolean synced() {
                return true;
            }
        };
    }
}
