package io.podrouter.strategies.compose;

/**
 * podrouter's default cache-aware configuration, assembled from the composition parts:
 * <ul>
 *   <li>{@link LoadGateFilter} with its defaults (imbalance of 16 requests and 1.5x: least loaded only;
 *       otherwise pods above mean + 2 sigma are out);</li>
 *   <li>{@link PrefixCacheScorer}, weight 3, and {@link LoadScorer#inFlightTokens()}, weight 2: llm-d's
 *       recommended baseline (prefix-cache affinity plus in-flight token load, no scraped metrics) with
 *       llm-d's prefix-to-load weight ratio. With these weights a prefix match wins over the least loaded
 *       pod when it covers more than two thirds of the prompt or loads are close;</li>
 *   <li>{@link SessionAffinityScorer}, weight 2, and {@link LoraAffinityScorer}, weight 1: 0 for requests
 *       without a session key or adapter, so they change nothing for those;</li>
 *   <li>{@link Pickers#maxScore()}: ties (an idle fleet, or requests that match nowhere on equally loaded
 *       pods) are broken uniformly at random, so new prefix groups do not cluster on one pod.</li>
 * </ul>
 * It uses no scraped metrics ({@code ranksByMetrics()} is false), so a cold pod is scored like any other:
 * load 0 makes it the first choice for requests that match nowhere, and the gate sends it traffic when
 * affinity leaves it idle while the others queue.
 */
public final class CacheAware {

    /** The strategy's name in results and telemetry. */
    public static final String NAME = "cache-aware";

    private CacheAware() {
    }

    /** The default configuration with a default {@link PrefixCacheScorer}. A new instance (with its own index) per call. */
    public static ComposedStrategy defaults() {
        return withPrefixScorer(PrefixCacheScorer.withDefaults());
    }

    /** The default configuration around {@code prefix} (e.g. one with an injected clock or another block size). */
    public static ComposedStrategy withPrefixScorer(PrefixCacheScorer prefix) {
        return ComposedStrategy.builder(NAME)
                .filter(new LoadGateFilter())
                .scorer(prefix, 3)
                .scorer(LoadScorer.inFlightTokens(), 2)
                .scorer(new SessionAffinityScorer(), 2)
                .scorer(new LoraAffinityScorer(), 1)
                .picker(Pickers.maxScore())
                .build();
    }
}
