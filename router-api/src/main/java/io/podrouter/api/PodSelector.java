package io.podrouter.api;

import org.jspecify.annotations.Nullable;

import java.util.Collection;

/**
 * Chooses the pod for each inference request. podrouter's {@code io.podrouter.core.Router} implements
 * it; gateways call it in-process.
 *
 * <p>Thread-safe: implementations are designed for many concurrent callers.
 */
public interface PodSelector {

    /**
     * Prepares a reusable, immutable candidate set from the pods discovery currently offers for a
     * model. O(n) with a hash lookup per pod; do it when discovery changes, not per request.
     *
     * @param pods the pods in the order given; null or empty gives an empty set (selections then throw
     *             {@link NoPodAvailableException}); a null element throws {@link NullPointerException};
     *             two pods with the same id throw {@link IllegalArgumentException}
     */
    Candidates candidates(@Nullable Collection<Pod> pods);

    /**
     * Chooses one ready pod for {@code request}. Never blocks on I/O and never throws because of a
     * faulty metrics source: missing, stale or invalid metrics lead to the strategy's documented
     * fallback. The chosen pod's in-flight count is incremented before this method returns.
     *
     * @param request    the request; null throws {@link NullPointerException}
     * @param candidates a set prepared by this selector's {@link #candidates}; null or empty throws
     *                   {@link NoPodAvailableException}; a set from another selector throws
     *                   {@link IllegalArgumentException}
     * @return the selection, to be completed exactly once
     * @throws NoPodAvailableException when no candidate is ready
     */
    PodSelection selectPod(InferenceRequest request, @Nullable Candidates candidates);

    /**
     * Chooses again for a retry of {@code request}, among {@code candidates} minus the pods whose ids are
     * in {@code excludedPodIds} (typically the pods already tried for this request), by the same rules as
     * {@link #selectPod(InferenceRequest, Candidates)}. It uses the set's prepared metrics: no metrics
     * lookup, no new candidate set. Costs O(candidates) work and a copy of the set's metrics table, so it
     * is meant for the rare retry, not for every request.
     *
     * @param request        the request; null throws {@link NullPointerException}
     * @param candidates     as for {@link #selectPod(InferenceRequest, Candidates)}
     * @param excludedPodIds ids of pods not to choose; null or empty excludes nothing; ids of pods that
     *                       are not candidates are ignored; a null element throws
     *                       {@link NullPointerException}
     * @return the selection, to be completed exactly once
     * @throws NoPodAvailableException when no candidate is both ready and not excluded; its
     *                                 {@link NoPodAvailableException#rejections()} count the excluded
     *                                 pods as {@link RejectReason#EXCLUDED}
     */
    PodSelection selectPod(InferenceRequest request, @Nullable Candidates candidates,
                           @Nullable Collection<String> excludedPodIds);

    /**
     * Convenience for callers without a prepared set: {@code selectPod(request, candidates(pods))}.
     * Costs a hash lookup and a metrics lookup per pod on every call; prefer a prepared
     * {@link Candidates} on a busy gateway. Null or empty {@code pods} throws
     * {@link NoPodAvailableException}.
     */
    default PodSelection selectPod(InferenceRequest request, @Nullable Collection<Pod> pods) {
        return selectPod(request, candidates(pods));
    }
}
