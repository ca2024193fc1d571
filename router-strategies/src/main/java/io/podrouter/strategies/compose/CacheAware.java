package io.podrouter.strategies.compose;

/**
 * podrouter's default cache-aware configuration, assembled from the composition parts:
 * <ul>
 *   <li>{@link LoadGateFilter#outlierGuard()}: a pod more than two standard deviations above the mean
 *       in-flight count is out (AIBrix's guard). Not the request-count imbalance rule of
 *       {@code new LoadGateFilter()}: it fires whenever a new pod joins a busy fleet and then floods the
 *       pods that are still warming up with requests they must prefill whole (measured in the class comment
 *       of {@link LoadGateFilter}). Add {@code new LoadGateFilter()} in your own composition when hot
 *       prefix groups on a small fleet matter more to you than scale-outs: with fewer than 6 pods the guard
 *       cannot remove any pod, and a pod holding more than two thirds of a prompt keeps winning it
 *       whatever its load;</li>
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
 * load 0 makes it the first choice for requests that match nowhere (new prefix groups, new sessions), and
 * requests whose prefix another pod holds stay there. A new pod therefore takes over groups as they appear
 * rather than being handed whole prompts to prefill while it warms up; when every request matches a warm
 * pod's cache it gets little traffic until loads differ (in the simulator's shared-prefix scale-out, 8 %,
 * 15 % and 25 % of requests 0-10, 10-30 and 30-60 s after Ready, against an even split of 50 %, while the warm
 * pods kept up at a 94 % hit rate).
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
                .filter(LoadGateFilter.outlierGuard())
                .scorer(prefix, 3)
                .scorer(LoadScorer.inFlightTokens(), 2)
                .scorer(new SessionAffinityScorer(), 2)
                .scorer(new LoraAffinityScorer(), 1)
                .picker(Pickers.maxScore())
                .build();
    }
}
