package io.podrouter.api;

import java.util.List;

/**
 * An immutable set of candidate pods, prepared once by {@link PodSelector#candidates} and reused for
 * many selections. Preparing resolves each pod to the router's own per-pod state, so that a selection
 * reaches every candidate's metrics and in-flight count directly, without a per-candidate lookup.
 *
 * <p>Typical use: rebuild it when service discovery changes (per model), keep it in a volatile field,
 * and pass it to every {@code selectPod} call. Thread-safe. A {@code Candidates} belongs to the
 * selector that created it; passing it to another selector throws {@link IllegalArgumentException}.
 */
public interface Candidates {

    /** The pods, in the order given; unmodifiable. */
    List<Pod> pods();

    /** The number of pods. */
    default int size() {
        return pods().size();
    }
}
