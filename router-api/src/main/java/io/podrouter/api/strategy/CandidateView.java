package io.podrouter.api.strategy;

import io.podrouter.api.InferenceRequest;
import io.podrouter.api.MissingReason;
import io.podrouter.api.Pod;
import io.podrouter.api.RandomSource;
import org.jspecify.annotations.Nullable;

/**
 * What a strategy sees of the candidates for one selection: an indexed snapshot of each candidate's
 * readiness and metrics (for the request's model), plus live in-flight counts.
 *
 * <p>Indexes run from 0 to {@link #size()} - 1 in the order the candidates were given. Metric accessors
 * return {@link Double#NaN} when the value is missing for any reason: pod not ready, no metrics yet,
 * stale, invalid, or this metric absent; {@link #missingReason(int)} says which. Metrics are refreshed
 * by the router at its refresh interval, not on every call; in-flight counts are live.
 *
 * <p>Accessors with an index outside 0..size()-1 throw {@link IndexOutOfBoundsException}.
 *
 * <p>Thread safety: a view is shared by concurrent selections and is read-only, apart from the
 * in-flight counts the router maintains.
 */
public interface CandidateView {

    /** Number of candidates, ready or not. */
    int size();

    /** The pod at index {@code i}. */
    Pod pod(int i);

    /** Whether candidate {@code i} may be selected (Ready per discovery and not "not ready" per the metrics source). */
    boolean isReady(int i);

    /** Number of selectable candidates. */
    int readyCount();

    /** Index of the {@code k}-th selectable candidate, {@code 0 <= k < readyCount()}. */
    int readyIndex(int k);

    /**
     * Requests the router has routed to candidate {@code i} and not seen completed, counted across all
     * candidate sets and models. Includes selections made a moment ago by other threads.
     */
    int inFlight(int i);

    /**
     * How much candidate {@code i}'s in-flight count changed since the metrics were last refreshed: the
     * requests the router routed to it since then minus those that completed (negative when completions
     * outpaced new picks). Metrics are a snapshot; this is what the router knows happened since, so
     * that a ranking strategy does not send every request to the same "best" pod until the next scrape.
     */
    int inFlightSinceRefresh(int i);

    /**
     * The KV-cache fraction one more request is expected to take on candidate {@code i}: its usage divided
     * by its running requests, or, when it runs none, the median of that ratio over the candidates that
     * do; NaN when there is no basis (no candidate reports both values).
     */
    double kvCacheUsagePerRequest(int i);

    /**
     * A lower bound of candidate {@code i}'s in-flight-corrected KV-cache usage
     * ({@code usage + inFlightSinceRefresh x usagePerRequest}, at least 0) that needs no live read: the
     * value if every request counted at the snapshot had completed since. NaN exactly when
     * {@link #kvCacheUsage(int)} is NaN. A scan can skip the live read for candidates whose bound is
     * already above the best score found. The default, 0 for any present value, is valid but prunes
     * nothing.
     */
    default double kvCacheUsageFloor(int i) {
        return Double.isNaN(kvCacheUsage(i)) ? Double.NaN : 0.0;
    }

    /**
     * A lower bound, needing no live read, of candidate {@code i}'s expected latency for a request of
     * {@code outputTokens} output tokens with the queue correction least-latency ranks by:
     * {@code (TTFT + TPOT x outputTokens) x q}, where {@code q = 1 + queued / max(running, 1)} when
     * {@code queued = waiting + inFlightSinceRefresh} is positive and 1 otherwise (NaN waiting or running
     * count as 0). The bound takes the lowest {@code queued} can be: every request counted at the snapshot
     * completed since; an implementation may lower it further by a tiny relative margin so that rounding
     * never lifts it above the value computed by that formula. NaN exactly when TTFT or TPOT is NaN, or
     * when {@code outputTokens} is NaN; {@code outputTokens}
     * must be &gt;= 0 (a negative value gives a meaningless bound, not an exception: this is a hot-path
     * read). The default, {@code TTFT + TPOT x outputTokens}, is valid (the factor is at least 1) but
     * prunes less.
     */
    default double expectedLatencyFloorSeconds(int i, double outputTokens) {
        return timeToFirstTokenSeconds(i) + timePerOutputTokenSeconds(i) * outputTokens;
    }

    /**
     * Why candidate {@code i}'s metrics are missing, or null when they are present (or the pod is not
     * ready). A pod with metrics that lack one particular value has null here and NaN for that value.
     */
    @Nullable MissingReason missingReason(int i);

    /** Running requests per the pod's last metrics, or NaN. */
    double runningRequests(int i);

    /** Waiting (queued) requests per the pod's last metrics, or NaN. */
    double waitingRequests(int i);

    /** KV-cache usage fraction 0..1, or NaN. */
    double kvCacheUsage(int i);

    /** Recent mean time to first token in seconds, or NaN. */
    double timeToFirstTokenSeconds(int i);

    /** Recent mean time per output token in seconds, or NaN. */
    double timePerOutputTokenSeconds(int i);

    /** Recent mean end-to-end latency in seconds, or NaN. */
    double e2eLatencySeconds(int i);

    /** Recent mean queue time in seconds, or NaN. */
    double queueTimeSeconds(int i);

    /** Whether candidate {@code i}'s metrics for this selection are predicted, not observed. */
    boolean isPredicted(int i);

    /**
     * Prompt plus output tokens of the requests the router has routed to candidate {@code i} and not seen
     * completed, across all candidate sets and models: each selection adds
     * {@link InferenceRequest#estimatedPromptTokens()} + {@link InferenceRequest#estimatedOutputTokens()}
     * and its completion takes them off. Live, like {@link #inFlight}. The router counts only when a
     * strategy of its chain {@linkplain SelectionStrategy#usesInFlightTokens() asks for it}; otherwise,
     * and in the default for views that do not count tokens, 0.
     */
    default long inFlightTokens(int i) {
        return 0;
    }

    /**
     * What {@code strategy}'s {@link SelectionStrategy#prepare} returned for this view's candidate set,
     * or null (not prepared, or a view that does not carry prepared state, e.g. one built by a test).
     */
    default @Nullable Object prepared(SelectionStrategy strategy) {
        return null;
    }

    /**
     * The engine-specific metric {@code name} of candidate {@code i} (from {@code PodMetrics.extra}), or
     * NaN when absent, the pod is not ready, or its metrics are missing. A map lookup: read it once per
     * candidate, not in an inner loop. The default is NaN for all.
     */
    default double extra(int i, String name) {
        return Double.NaN;
    }

    /** The router's random source, for tie-breaks and fallbacks (injected, so tests are deterministic). */
    RandomSource random();
}
