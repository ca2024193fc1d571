package io.podrouter.api.strategy;

import io.podrouter.api.InferenceRequest;
import io.podrouter.api.Outcome;
import io.podrouter.api.Pod;
import org.jspecify.annotations.Nullable;

import java.util.List;

/**
 * One way of choosing a pod. A router holds an ordered chain of strategies; the first that decides
 * wins, and a uniformly random ready pod is the last resort when none does.
 *
 * <p>{@link #pick} answers with a {@code long} built by {@link #chosen(int)},
 * {@link #randomFallback(int)}, or {@link #PASS}, so that the hot path allocates nothing. It must
 * return the index of a ready candidate ({@link CandidateView#isReady(int)}); the router checks, and
 * treats an invalid index or an exception like {@link #PASS}, logging it once per strategy.
 *
 * <p>The router calls {@code pick} only when at least one candidate is ready. Implementations must be
 * thread-safe: one instance serves all threads and may be shared by several routers.
 */
public interface SelectionStrategy {

    /** "I cannot decide; ask the next strategy in the chain." */
    long PASS = -1L;

    /** Bit set in a pick when the choice was a random fallback for missing metrics. */
    long RANDOM_FALLBACK_BIT = 1L << 32;

    /** Bit set in a pick when the choice ranked on predicted metrics. */
    long PREDICTED_BIT = 1L << 33;

    /**
     * Bit set in a random-fallback pick of a candidate that HAS the metric: the decision went random
     * because other candidates lack it (e.g. {@code MissingMetricPolicy.RANDOM}). The router then
     * reports those candidates' reason; without the bit it reports the picked candidate's own reason, or
     * {@link io.podrouter.api.MissingReason#METRIC_ABSENT} when its metrics are present but lack the
     * value.
     */
    long OTHERS_MISSING_BIT = 1L << 34;

    /** Short stable name for results, logs and telemetry, e.g. {@code least-kv-cache}. */
    String name();

    /**
     * Whether the strategy ranks pods by scraped metrics. The router gives cold pods (Ready, never
     * scraped) of such strategies a bounded share of traffic before the strategy ranks the others, and
     * applies its cold-start burst guard (see the router's cold-start documentation); strategies that need
     * no scraped metrics (round-robin, least-request, random) keep their own logic for cold pods.
     *
     * <p>Default false, like {@link Scorer#usesMetrics()}: a strategy or scorer that ranks by scraped
     * metrics says so (the built-in least-KV-cache and least-latency strategies do; a composed strategy
     * does when one of its scorers does). A custom metric ranking that leaves the default gets no bounded
     * cold share, so a pod with missing metrics is left to the strategy itself.
     */
    default boolean ranksByMetrics() {
        return false;
    }

    /**
     * Whether the strategy may keep sending requests to a pod for what it holds (a cached prefix, a session,
     * a LoRA adapter) whatever its load. The router applies its burst guard to cold pods by default when the
     * first strategy of the chain keeps affinity or ranks by metrics: neither backs off when a warming pod
     * falls behind (affinity ignores load, metrics lag), while least-request does by construction and
     * round-robin gives a fixed share. Default false.
     */
    default boolean keepsAffinity() {
        return false;
    }

    /**
     * Chooses a candidate for {@code request}.
     *
     * @param request    the request; never null
     * @param candidates the candidates; at least one is ready
     * @return a pick ({@link #chosen}, {@link #randomFallback}) or {@link #PASS}
     */
    long pick(InferenceRequest request, CandidateView candidates);

    /**
     * State the strategy prepares once per candidate set, when the router creates the set from discovered
     * pods (e.g. a hash ring, or a per-candidate table of per-pod state); the router hands it back through
     * {@link CandidateView#prepared(SelectionStrategy)}. Runs off the hot path and may allocate; an
     * exception here propagates to the caller of {@code router.candidates(pods)}. Default null.
     *
     * @param pods the set's pods in candidate order; never null, may be empty
     */
    default @Nullable Object prepare(List<Pod> pods) {
        return null;
    }

    /**
     * Whether the router must call {@link #selected} and {@link #completed} for this strategy. Default
     * false, so strategies that learn nothing cost the selection path nothing.
     */
    default boolean observesSelections() {
        return false;
    }

    /**
     * Whether the strategy reads {@link CandidateView#inFlightTokens}; the router counts in-flight tokens
     * only when some strategy of its chain does (it then keeps each selection's request until completion,
     * 8 more bytes per selection). Default false.
     */
    default boolean usesInFlightTokens() {
        return false;
    }

    /**
     * Called, when {@link #observesSelections()}, after every selection the router makes, whichever
     * strategy of the chain or cold-start rule decided, once the in-flight slot is taken: so an index
     * learns where requests went. Runs on the selecting thread; must not lock or block. An exception is
     * logged once per strategy and otherwise ignored (the selection stands). Default: nothing.
     *
     * @param candidates the view the selection was made from (a retry's view has the excluded pods not ready)
     * @param index      the chosen candidate in that view
     */
    default void selected(InferenceRequest request, CandidateView candidates, int index) {
    }

    /**
     * Called, when {@link #observesSelections()}, once per selection when it completes; a selection whose
     * slot the router reclaimed (see the router's maximum in-flight age) completes as
     * {@link Outcome#CANCELLED} with latency -1. Runs on the completing thread; exceptions are logged once
     * per strategy and ignored. Default: nothing.
     */
    default void completed(InferenceRequest request, Pod pod, Outcome outcome, long latencyNanos) {
    }

    /**
     * Called, when {@link #observesSelections()}, when the gateway reports the first token of a selection
     * ({@link io.podrouter.api.PodSelection#firstToken()}): the request's prompt has been prefilled and it now
     * decodes. At most once per selection, never after its {@link #completed} has begun (a gateway that
     * reports the first token and completes from two threads at once may have the two callbacks overlap);
     * never for a selection whose gateway does not report first tokens. Runs on the reporting thread; must not lock or block;
     * exceptions are logged once per strategy and ignored. Default: nothing.
     */
    default void firstToken(InferenceRequest request, Pod pod) {
    }

    /** A pick of candidate {@code index} by the strategy's primary rule. */
    static long chosen(int index) {
        if (index < 0) {
            throw new IllegalArgumentException("index: " + index + " (expected: >= 0)");
        }
        return index;
    }

    /** A pick of candidate {@code index} made at random because the ranking metric was missing. */
    static long randomFallback(int index) {
        return chosen(index) | RANDOM_FALLBACK_BIT;
    }

    /**
     * A pick of candidate {@code index}, which has the metric, made at random because other candidates
     * lack it.
     */
    static long randomFallbackForOthers(int index) {
        return randomFallback(index) | OTHERS_MISSING_BIT;
    }

    /** Whether a random-fallback pick was made for other candidates' missing metric. */
    static boolean isOthersMissing(long pick) {
        return pick >= 0 && (pick & OTHERS_MISSING_BIT) != 0;
    }

    /** A pick of candidate {@code index} ranked on predicted metrics. */
    static long predicted(int index) {
        return chosen(index) | PREDICTED_BIT;
    }

    /** Whether {@code pick} is {@link #PASS} (any negative value counts as a pass). */
    static boolean isPass(long pick) {
        return pick < 0;
    }

    /** The candidate index of a pick that is not a pass. */
    static int index(long pick) {
        return (int) pick;
    }

    /** Whether the pick was a random fallback. */
    static boolean isRandomFallback(long pick) {
        return pick >= 0 && (pick & RANDOM_FALLBACK_BIT) != 0;
    }

    /** Whether the pick ranked on predicted metrics. */
    static boolean isPredicted(long pick) {
        return pick >= 0 && (pick & PREDICTED_BIT) != 0;
    }
}
