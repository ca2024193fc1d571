package io.podrouter.api.strategy;

import io.podrouter.api.InferenceRequest;
import io.podrouter.api.Outcome;
import io.podrouter.api.Pod;
import org.jspecify.annotations.Nullable;

import java.util.List;

/**
 * One criterion of a composed strategy: writes one score per candidate, in [0, 1], higher is better.
 * Composition multiplies each scorer's scores by its weight and adds them up, so every scorer must
 * normalise to [0, 1] itself and say how (e.g. "matched fraction of the prompt's blocks", or "1 for
 * the least loaded candidate, 0 for the most, linear in between").
 *
 * <p>{@link #score} is called with an array of at least {@link CandidateView#size()} entries that the
 * caller reuses across requests; it must write entries {@code 0..size()-1} for every ready candidate
 * (entries of candidates that are not ready are ignored) and must not keep the array. A NaN, infinite or
 * out-of-range score is a bug in the scorer; the composition clamps it to [0, 1] (NaN counts as 0) rather
 * than let it corrupt the sum.
 *
 * <p>Thread safety: one instance serves every thread; {@code score} runs concurrently, must not lock
 * and should not allocate. The callbacks run on the selecting and completing threads.
 */
public interface Scorer {

    /** Short stable name for logs and {@code toString}, e.g. {@code prefix-cache}. */
    String name();

    /**
     * Whether the scores come from scraped metrics (KV-cache usage, latencies); a composition that holds
     * such a scorer ranks by metrics, so the router's cold-start handling for metric rankings applies.
     * Default false, like {@link SelectionStrategy#ranksByMetrics()}: a scorer that reads scraped metrics
     * says so.
     */
    default boolean usesMetrics() {
        return false;
    }

    /**
     * Whether the score prefers a pod for what it holds (a cached prefix, a session, an adapter) rather than for
     * its load; a composition with such a scorer {@linkplain SelectionStrategy#keepsAffinity() keeps affinity}.
     * Default false.
     */
    default boolean keepsAffinity() {
        return false;
    }

    /** Whether the composition must forward {@link #selected} and {@link #completed} to this scorer. Default false. */
    default boolean observesSelections() {
        return false;
    }

    /** Whether the scores read {@link CandidateView#inFlightTokens}, which the router then counts. Default false. */
    default boolean usesInFlightTokens() {
        return false;
    }

    /**
     * State prepared once per candidate set (when the router creates it from discovered pods), e.g. a
     * per-candidate lookup table; passed back to {@link #score} and the callbacks as {@code prepared}.
     * Runs off the hot path; may allocate. Default null.
     *
     * @param pods the set's pods, indexed like the candidate views of that set; never null
     */
    default @Nullable Object prepare(List<Pod> pods) {
        return null;
    }

    /**
     * Writes each ready candidate's score into {@code out[i]}.
     *
     * @param request    the request; never null
     * @param candidates the candidates; at least one is ready
     * @param prepared   what {@link #prepare} returned for this candidate set (null when the view comes from
     *                   elsewhere, e.g. a test; a scorer must then work without it or say it needs it)
     * @param out        reusable output, length &gt;= candidates.size()
     */
    void score(InferenceRequest request, CandidateView candidates, @Nullable Object prepared, double[] out);

    /**
     * Called after every selection the router makes with a strategy that holds this scorer, whichever
     * rule decided (so an index learns where requests really went). Default: nothing.
     *
     * @param prepared as in {@link #score}: null when there is no prepared state for this view
     */
    default void selected(InferenceRequest request, CandidateView candidates, @Nullable Object prepared, int index) {
    }

    /** Called once when a selection of {@code pod} completes (or its slot is reclaimed, as CANCELLED). Default: nothing. */
    default void completed(InferenceRequest request, Pod pod, Outcome outcome, long latencyNanos) {
    }

    /**
     * Called at most once per selection, before {@link #completed}, when the gateway reports its first token
     * (see {@link SelectionStrategy#firstToken}); only for scorers that {@linkplain #observesSelections observe
     * selections}. Default: nothing.
     */
    default void firstToken(InferenceRequest request, Pod pod) {
    }
}
