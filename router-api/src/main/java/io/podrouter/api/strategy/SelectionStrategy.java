package io.podrouter.api.strategy;

import io.podrouter.api.InferenceRequest;

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
     * scraped) of such strategies a bounded share of traffic before the strategy ranks the others (see
     * the router's cold-start documentation); strategies that need no scraped metrics (round-robin,
     * least-request, random) return false and keep their own logic for cold pods. Default true.
     */
    default boolean ranksByMetrics() {
        return true;
    }

    /**
     * Chooses a candidate for {@code request}.
     *
     * @param request    the request; never null
     * @param candidates the candidates; at least one is ready
     * @return a pick ({@link #chosen}, {@link #randomFallback}) or {@link #PASS}
     */
    long pick(InferenceRequest request, CandidateView candidates);

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
