package io.podrouter.strategies;

import io.podrouter.api.strategy.CandidateView;

/**
 * Picks the ready candidate with the lowest KV-cache usage ({@code vllm:kv_cache_usage_perc},
 * {@code sglang:token_usage}); ties are broken uniformly at random.
 *
 * <p>A pod with a fuller KV cache is closer to preempting or queueing requests, so the lowest usage
 * is the best predictor of headroom for a new sequence. Candidates without a KV-cache value are handled
 * by the {@link MissingMetricPolicy} ({@link MissingMetricPolicy#FAIR_SHARE} by default).
 *
 * <p><b>In-flight correction</b> (on by default). Scraped usage is a snapshot, seconds old; ranking it
 * as is sends every request to the same pod until the next scrape (herding). With the correction the
 * score is {@code usage + delta x perRequest}, where {@code delta} is the change in the router's
 * in-flight count for the pod since the snapshot and {@code perRequest} the KV fraction one request
 * takes ({@link io.podrouter.api.strategy.CandidateView#kvCacheUsagePerRequest}); each request routed
 * to a pod makes it look as much fuller as a request there costs.
 *
 * <p>Thread-safe and stateless; one instance may serve any number of routers. O(n) per pick with one
 * pass over the candidates (a second only on ties, unless every candidate tied), no allocation.
 */
public final class LeastKvCacheStrategy extends MetricRankingStrategy {

    /** The strategy's name in results and telemetry. */
    public static final String NAME = "least-kv-cache";

    /** With the default {@link MissingMetricPolicy#FAIR_SHARE} and in-flight correction. */
    public LeastKvCacheStrategy() {
        this(MissingMetricPolicy.FAIR_SHARE, true);
    }

    /** With in-flight correction. @param policy what to do with candidates lacking the metric; null throws */
    public LeastKvCacheStrategy(MissingMetricPolicy policy) {
        this(policy, true);
    }

    /**
     * @param policy             what to do with candidates lacking the metric; null throws {@link NullPointerException}
     * @param inFlightCorrection whether to account for requests routed since the metrics snapshot (false
     *                           ranks the raw snapshot, as routers before podrouter did)
     */
    public LeastKvCacheStrategy(MissingMetricPolicy policy, boolean inFlightCorrection) {
        super(policy, inFlightCorrection);
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    double score(CandidateView v, int i, double unused) {
        double kv = v.kvCacheUsage(i);
        if (!inFlightCorrection || kv != kv) {
            return kv;
        }
        int delta = v.inFlightSinceRefresh(i);
        if (delta == 0) {
            return kv;
        }
        double perRequest = v.kvCacheUsagePerRequest(i);
        return perRequest == perRequest ? Math.max(0.0, kv + delta * perRequest) : kv;
    }

    @Override
    double floor(CandidateView v, int i, double unused) {
        return inFlightCorrection ? v.kvCacheUsageFloor(i) : v.kvCacheUsage(i);
    }

    @Override
    boolean floorIsScore() {
        return !inFlightCorrection;
    }

    @Override
    public String toString() {
        return NAME + "(" + missingMetricPolicy() + (inFlightCorrection ? ", in-flight corrected" : "") + ")";
    }
}
