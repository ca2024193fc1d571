package io.podrouter.strategies;

/**
 * What a metric-driven strategy ({@link LeastKvCacheStrategy}, {@link LeastLatencyStrategy}) does when
 * some or all ready candidates lack the metric it ranks by. A freshly Ready pod lacks every metric for
 * 5-30 s; the policy decides whether it is starved, flooded, or given its share.
 */
public enum MissingMetricPolicy {

    /**
     * The default. Candidates without the metric, taken together, receive their proportional share of
     * decisions: with {@code m} of {@code r} ready candidates missing the metric, a pick goes with
     * probability {@code m/r} to one of them chosen uniformly at random (reported as a random
     * fallback), and otherwise to the best-ranked candidate that has the metric. A cold pod thus gets
     * about {@code 1/r} of the traffic: never starved (unlike skipping it), never flooded (unlike
     * treating it as idle), and the warm pods keep being ranked. With all candidates missing it is
     * plain uniform random.
     */
    FAIR_SHARE,

    /**
     * The AIBrix cold-start article's rule, "missing means random": as soon as any ready candidate lacks the metric, the
     * whole decision is uniform among all ready candidates (reported as a random fallback). Never starves
     * or floods, but discards the ranking of the warm pods while any pod is cold.
     */
    RANDOM,

    /**
     * As soon as any ready candidate lacks the metric, pass to the next strategy in the router's chain
     * (e.g. from least-latency to least-KV-cache to least-request); the router's last resort is random.
     */
    PASS
}
