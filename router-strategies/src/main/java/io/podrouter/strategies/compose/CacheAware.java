package io.podrouter.strategies.compose;

/**
 * podrouter's default cache-aware configuration, assembled from the composition parts:
 * <ul>
 *   <li>{@link LoadGateFilter#outlierGuard()}: a pod more than two standard deviations above the mean
 *       in-flight count is out (AIBrix's guard). Not the request-count imbalance rule of
 *       {@code new LoadGateFilter()}: it fires whenever a new pod joins a busy fleet and then floods the
 *       pods that are still warming up with requests they must prefill whole (measured in the class comment
 *       of {@link LoadGateFilter}). With fewer than 6 pods the guard cannot remove any pod; the prefix scorer's
 *       affinity release is what keeps a hot prefix group from being pinned there;</li>
 *   <li>{@link PrefixCacheScorer}, weight 3, with its <b>affinity release</b>: a pod's match counts only while
 *       its estimated prefill wait (prompt tokens routed to it that have not reported their first token, cached or
 *       not, at 58,000 tokens/s) exceeds the least waiting candidate's by no more than the prefill time its cached
 *       prefix saves plus 200 ms; above that its match is released (scored 0) until the excess falls back
 *       under the saved time plus 100 ms. So a hot group spreads once its pod queues, on any number of pods,
 *       and warm pods release new pods' share in a scale-out once their queues outgrow what their caches save
 *       (the rule, its sources and figures: the class comment of {@link PrefixCacheScorer});</li>
 *   <li>{@link LoadScorer#inFlightTokens()}, weight 2: llm-d's recommended baseline (prefix-cache affinity plus
 *       in-flight token load, no scraped metrics) with llm-d's prefix-to-load weight ratio. While a match is not
 *       released it wins over the least loaded pod when it covers more than two thirds of the prompt or loads are
 *       close;</li>
 *   <li>{@link SessionAffinityScorer}, weight 2, and {@link LoraAffinityScorer}, weight 1: 0 for requests
 *       without a session key or adapter, so they change nothing for those;</li>
 *   <li>{@link Pickers#maxScore()}: ties (an idle fleet, or requests that match nowhere on equally loaded
 *       pods) are broken uniformly at random, so new prefix groups do not cluster on one pod.</li>
 * </ul>
 * It uses no scraped metrics ({@code ranksByMetrics()} is false), so a cold pod is scored like any other:
 * load 0 makes it the first choice for requests that match nowhere (new prefix groups, new sessions), and
 * requests whose prefix another pod holds stay there while that pod's queue costs less than the prefix saves.
 * Report first tokens ({@code PodSelection.firstToken()}) from your gateway: without them every in-flight
 * prompt counts as pending prefill until completion, and the release acts on the pods' whole in-flight prompt
 * tokens instead.
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
