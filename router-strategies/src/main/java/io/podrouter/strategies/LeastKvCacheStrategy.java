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
 * <p>Thread-safe and stateless; one instance may serve any number of routers. O(n) per pick with one
 * pass over the candidates (a second only on ties), no allocation.
 */
public final class LeastKvCacheStrategy extends MetricRankingStrategy {

    /** The strategy's name in results and telemetry. */
    public static final String NAME = "least-kv-cache";

    /** With the default {@link MissingMetricPolicy#FAIR_SHARE}. */
    public LeastKvCacheStrategy() {
        this(MissingMetricPolicy.FAIR_SHARE);
    }

    /** @param policy what to do with candidates lacking the metric; null throws {@link NullPointerException} */
    public LeastKvCacheStrategy(MissingMetricPolicy policy) {
        super(policy);
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    double score(CandidateView v, int i, double unused) {
        return v.kvCacheUsage(i);
    }

    @Override
    public String toString() {
        return NAME + "(" + missingMetricPolicy() + ")";
    }
}
