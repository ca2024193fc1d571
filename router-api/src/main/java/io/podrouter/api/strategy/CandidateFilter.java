package io.podrouter.api.strategy;

import io.podrouter.api.InferenceRequest;

/**
 * A rule of a composed strategy that removes candidates before scoring: it clears {@code keep[i]} for
 * each candidate it rules out and leaves the others as they are. The composition starts with
 * {@code keep[i]} set for every ready candidate and runs its filters in order.
 *
 * <p>A filter must not set entries that are false (it only narrows). If the filters leave no candidate,
 * the composed strategy passes to the next strategy of the router's chain.
 *
 * <p>Thread safety: one instance serves every thread; {@code filter} must not lock and should not
 * allocate.
 */
public interface CandidateFilter {

    /** Short stable name for logs and {@code toString}. */
    String name();

    /**
     * Clears {@code keep[i]} for the candidates this filter rules out.
     *
     * @param request    the request; never null
     * @param candidates the candidates; at least one is ready
     * @param keep       reusable, length &gt;= candidates.size(); true for the candidates still in
     */
    void filter(InferenceRequest request, CandidateView candidates, boolean[] keep);
}
