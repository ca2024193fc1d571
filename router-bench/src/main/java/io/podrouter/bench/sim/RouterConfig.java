package io.podrouter.bench.sim;

import io.podrouter.api.strategy.SelectionStrategy;
import io.podrouter.bench.cachepeers.CachePeers;
import io.podrouter.bench.cachepeers.PeerFeed;
import io.podrouter.core.Router;
import io.podrouter.core.coldstart.ColdStartHistoryPredictor;
import io.podrouter.core.coldstart.SlowStart;
import io.podrouter.strategies.LeastKvCacheStrategy;
import io.podrouter.strategies.LeastLatencyStrategy;
import io.podrouter.strategies.LeastRequestStrategy;
import io.podrouter.strategies.MissingMetricPolicy;
import io.podrouter.strategies.RoundRobinStrategy;
import io.podrouter.strategies.compose.CacheAware;
import io.podrouter.strategies.compose.ComposedStrategy;
import io.podrouter.strategies.compose.LoadGateFilter;
import io.podrouter.strategies.compose.LoadScorer;
import io.podrouter.strategies.compose.LoraAffinityScorer;
import io.podrouter.strategies.compose.Pickers;
import io.podrouter.strategies.compose.PrefixCacheScorer;
import io.podrouter.strategies.compose.SessionAffinityScorer;

import java.util.Locale;

/**
 * The router configurations the simulator compares, in one place. The naive routers and the AIBrix article's fix
 * run with the router's cold-start handling switched off ({@link #withoutColdStartHandling}), so that
 * they route as those routers did. Each constant configures a
 * {@link Router.Builder} that the simulator has already given its metrics source, virtual clock,
 * seeded random source and {@code metricsRefreshInterval(Duration.ZERO)}; it sets the strategy chain
 * and any other options, or answers false when it does not apply to a strategy kind.
 *
 * <p>To add a configuration (for example other cold-start options for a sweep), add a constant with a
 * label, {@code false} and a lambda that sets the strategy and the options, e.g.
 * <pre>{@code
 * PODROUTER_SLOW_START_60S("podrouter-slowstart-60s", false, (kind, b, clock) -> {
 *     b.strategy(podrouterDefault(kind)).slowStart(Duration.ofSeconds(60), 1.0, 0.1);
 *     return true;
 * }),
 * }</pre>
 * {@code configs=all} and the reports pick it up. The first constant is the
 * baseline the report's ratios are taken against.
 */
public enum RouterConfig {

    /** Naive "reject": a pod whose metrics were never scraped fails the request. Metric-driven strategies only. */
    REJECT("reject", true, (kind, b, clock) -> naive(kind, b, NaiveMetricStrategy.Mode.REJECT)),

    /** Naive "skip": pods without metrics are ignored (random when none has them, as AIBrix). Metric-driven only. */
    SKIP("skip", false, (kind, b, clock) -> naive(kind, b, NaiveMetricStrategy.Mode.SKIP)),

    /**
     * "seed-random": a pod missing the metric makes the metric strategy pick uniformly at random among the
     * ready pods (raw snapshot, no in-flight correction), cold-start handling off. Metric-driven strategies
     * only: round robin and least request read no scraped metric, so for them it is "plain".
     */
    SEED_RANDOM("seed-random", false, (kind, b, clock) -> {
        if (!kind.metricDriven()) {
            return false;
        }
        // the AIBrix article's strategies ranked the raw metrics snapshot: no in-flight correction
        withoutColdStartHandling(b).strategy(kind == StrategyKind.LEAST_LATENCY
                ? new LeastLatencyStrategy(MissingMetricPolicy.RANDOM, LeastLatencyStrategy.DEFAULT_EXPECTED_OUTPUT_TOKENS, false)
                : new LeastKvCacheStrategy(MissingMetricPolicy.RANDOM, false));
        return true;
    }),

    /**
     * "plain": the strategy with {@link MissingMetricPolicy#FAIR_SHARE} (metric strategies) and the router's
     * cold-start handling switched off ({@code withoutPrediction()}, {@code SlowStart.disabled()},
     * {@code coldStartInFlightCap(Integer.MAX_VALUE)}): separates what the missing-metric policy does from
     * what the cold-start handling adds. Every kind.
     */
    PLAIN("plain", false, (kind, b, clock) -> {
        if (kind == StrategyKind.CACHE_AWARE) {
            return false;
        }
        withoutColdStartHandling(b).strategy(plainStrategy(kind));
        return true;
    }),

    /**
     * "podrouter": the strategy as {@code new XxxStrategy()} and no other router option, i.e. whatever the
     * library's defaults are when the simulator runs (warm-up probes need a probe and are not configured).
     * Every kind; for {@link StrategyKind#CACHE_AWARE} the library's default composition
     * ({@code CacheAware.defaults()}) with the simulation's virtual clock given to its prefix index, so that the
     * index's TTL and LRU run on simulated time (on the wall clock a run would not be reproducible).
     */
    PODROUTER("podrouter", false, (kind, b, clock) -> {
        b.strategy(kind == StrategyKind.CACHE_AWARE
                ? CacheAware.withPrefixScorer(PrefixCacheScorer.builder().clock(clock).build())
                : podrouterDefault(kind));
        return true;
    }),

    /**
     * llm-d's default scheduling profile (prefix cache 3, queue 2, KV cache 2, max score), as modelled in
     * {@link CachePeers}, reading metrics from its own 50 ms poller. Cache-aware kind only; like the other peers,
     * with the simulation's virtual clock for its index's time-to-live and podrouter's cold-start handling off.
     */
    LLM_D("llm-d", (kind, b, clock, feed) -> peer("llm-d", kind, b, clock, feed)),

    /** SGLang's gateway cache-aware policy (64 / 1.5 / 0.3), as modelled in {@link CachePeers}. Cache-aware kind only. */
    SGLANG("sglang", (kind, b, clock, feed) -> peer("sglang", kind, b, clock, feed)),

    /**
     * AIBrix's prefix-cache router as its code sets it (gate 8, mean + 1 sigma, one 200k-block index of
     * 4-character blocks), as modelled in {@link CachePeers}. Cache-aware kind only.
     */
    AIBRIX("aibrix", (kind, b, clock, feed) -> peer("aibrix", kind, b, clock, feed)),

    /**
     * AIBrix's prefix-cache router as its README describes it (gate 16, mean + 2 sigma, 16-token blocks, an index
     * per pod), as modelled in {@link CachePeers}. Cache-aware kind only.
     */
    AIBRIX_TUNED("aibrix-tuned", (kind, b, clock, feed) -> peer("aibrix-tuned", kind, b, clock, feed)),

    /**
     * NVIDIA Dynamo's KV router cost function with its default KV events (the simulated caches' own events, 20 ms
     * late), as modelled in {@link CachePeers}. Cache-aware kind only.
     */
    DYNAMO("dynamo", (kind, b, clock, feed) -> peer("dynamo", kind, b, clock, feed)),

    /**
     * NVIDIA Dynamo's KV router in approximate mode ({@code --no-kv-events}: the cache predicted from its own
     * decisions for 120 s), as modelled in {@link CachePeers}. Cache-aware kind only.
     */
    DYNAMO_APPROX("dynamo-approx", (kind, b, clock, feed) -> peer("dynamo-approx", kind, b, clock, feed)),

    /**
     * Round robin for the cache-aware comparison: {@link RoundRobinStrategy} with the router's cold-start
     * handling off, the reference point of the published cache-aware gains. Cache-aware kind only.
     */
    CACHE_ROUND_ROBIN("round-robin", false, (kind, b, clock) -> {
        if (kind != StrategyKind.CACHE_AWARE) {
            return false;
        }
        withoutColdStartHandling(b).strategy(new RoundRobinStrategy());
        return true;
    }),

    /**
     * Ablation of podrouter's cache-aware composition: {@code CacheAware.defaults()} with the request-count
     * imbalance rule added ({@code new LoadGateFilter()}: least loaded only when in-flight counts differ by more
     * than 16 and 1.5x, AIBrix's and SGLang's thresholds) in place of the 2-sigma guard alone. Cache-aware kind
     * only; not in the default run.
     */
    PODROUTER_IMBALANCE_GATE("podrouter-imbalance-gate", false, (kind, b, clock) -> {
        if (kind != StrategyKind.CACHE_AWARE) {
            return false;
        }
        b.strategy(composition(new LoadGateFilter(), PrefixCacheScorer.builder().clock(clock).build(), true));
        return true;
    }),

    /**
     * Ablation: {@code CacheAware.defaults()} with a prefix index of 16,384 blocks per pod (half the default).
     * Cache-aware kind only; not in the default run.
     */
    PODROUTER_INDEX_16K("podrouter-index-16k", false, (kind, b, clock) -> {
        if (kind != StrategyKind.CACHE_AWARE) {
            return false;
        }
        b.strategy(CacheAware.withPrefixScorer(PrefixCacheScorer.builder().clock(clock).blocksPerPod(16_384).build()));
        return true;
    }),

    /**
     * Ablation: {@code CacheAware.defaults()} without its in-flight token load scorer. Cache-aware kind only; not
     * in the default run.
     */
    PODROUTER_NO_LOAD_SCORE("podrouter-no-load-score", false, (kind, b, clock) -> {
        if (kind != StrategyKind.CACHE_AWARE) {
            return false;
        }
        b.strategy(composition(LoadGateFilter.outlierGuard(), PrefixCacheScorer.builder().clock(clock).build(), false));
        return true;
    }),

    /**
     * The composition podrouter shipped as its cache-aware default before the simulator had a prefix cache: the
     * imbalance rule and a 16,384-block index. Cache-aware kind only; not in the default run.
     */
    PODROUTER_PREVIOUS("podrouter-previous", false, (kind, b, clock) -> {
        if (kind != StrategyKind.CACHE_AWARE) {
            return false;
        }
        b.strategy(composition(new LoadGateFilter(),
                PrefixCacheScorer.builder().clock(clock).blocksPerPod(16_384).build(), true));
        return true;
    }),

    /**
     * Ablation: {@code CacheAware.defaults()} without the prefix scorer's affinity release (a holder keeps its match
     * whatever its pending prefill): the default before the release. Cache-aware kind only; not in the default run.
     */
    PODROUTER_NO_RELEASE("podrouter-no-release", false, (kind, b, clock) -> {
        if (kind != StrategyKind.CACHE_AWARE) {
            return false;
        }
        b.strategy(CacheAware.withPrefixScorer(PrefixCacheScorer.builder().clock(clock).withoutAffinityRelease().build()));
        return true;
    }),

    /** Tuning: the affinity release with a 25 ms margin. Cache-aware kind only; not in the default run. */
    PODROUTER_MARGIN_25MS("podrouter-margin-25ms", false, (kind, b, clock) -> margin(kind, b, clock, 25)),

    /** Tuning: the affinity release with a 50 ms margin. Cache-aware kind only; not in the default run. */
    PODROUTER_MARGIN_50MS("podrouter-margin-50ms", false, (kind, b, clock) -> margin(kind, b, clock, 50)),

    /** Tuning: the affinity release with a 100 ms margin. Cache-aware kind only; not in the default run. */
    PODROUTER_MARGIN_100MS("podrouter-margin-100ms", false, (kind, b, clock) -> margin(kind, b, clock, 100)),

    /** Tuning: the affinity release with a 200 ms margin. Cache-aware kind only; not in the default run. */
    PODROUTER_MARGIN_200MS("podrouter-margin-200ms", false, (kind, b, clock) -> margin(kind, b, clock, 200)),

    /** Tuning: the affinity release with a 400 ms margin. Cache-aware kind only; not in the default run. */
    PODROUTER_MARGIN_400MS("podrouter-margin-400ms", false, (kind, b, clock) -> margin(kind, b, clock, 400)),

    /**
     * Ablation: the release, without the 2-sigma load guard. Cache-aware kind only; not in the default run.
     */
    PODROUTER_NO_GUARD("podrouter-no-guard", false, (kind, b, clock) -> {
        if (kind != StrategyKind.CACHE_AWARE) {
            return false;
        }
        b.strategy(ComposedStrategy.builder(CacheAware.NAME).scorer(PrefixCacheScorer.builder().clock(clock).build(), 3)
                .scorer(LoadScorer.inFlightTokens(), 2).scorer(new SessionAffinityScorer(), 2)
                .scorer(new LoraAffinityScorer(), 1).picker(Pickers.maxScore()).build());
        return true;
    }),

    // Ablations of "podrouter": the library's defaults with one cold-start option changed, so that each
    // mechanism's effect can be read off the suite. Not in the default run ("configs=all"); name them, or use
    // "configs=sweep".

    /**
     * podrouter without the bounded cold share (cold pods then follow the strategy's missing-metric policy).
     * Metric-driven strategies only: the others never get it.
     */
    PODROUTER_NO_COLD_SHARE("podrouter-no-cold-share", false, (kind, b, clock) -> {
        if (!kind.metricDriven()) {
            return false; // round robin and least request get neither by default: the same runs as "podrouter"
        }
        b.strategy(podrouterDefault(kind)).boundedColdShare(false);
        return true;
    }),

    /**
     * podrouter without the cold in-flight cap (burst guard). Metric-driven strategies only: round robin and
     * least request have no cap by default.
     */
    PODROUTER_NO_CAP("podrouter-no-cap", false, (kind, b, clock) -> {
        if (!kind.metricDriven()) {
            return false; // round robin and least request get neither by default: the same runs as "podrouter"
        }
        b.strategy(podrouterDefault(kind)).coldStartInFlightCap(Integer.MAX_VALUE);
        return true;
    }),

    /** podrouter without outlier detection. */
    PODROUTER_NO_OUTLIER("podrouter-no-outlier", false, (kind, b, clock) -> {
        if (kind == StrategyKind.CACHE_AWARE) {
            return false; // the cold-start ablations are defined on the metric comparison
        }
        b.strategy(podrouterDefault(kind)).withoutOutlierDetection();
        return true;
    }),

    /**
     * podrouter without the stall detector ({@code stallTimeout(Duration.ZERO)}). "plain" keeps the detector, so this
     * isolates what it does on top of the strategy; it is not part of the cold-start handling that "plain" turns off.
     */
    PODROUTER_NO_STALL("podrouter-no-stall", false, (kind, b, clock) -> {
        if (kind == StrategyKind.CACHE_AWARE) {
            return false; // the cold-start ablations are defined on the metric comparison
        }
        b.strategy(podrouterDefault(kind)).stallTimeout(java.time.Duration.ZERO);
        return true;
    }),

    /** podrouter with the history predictor of cold pods' metrics. */
    PODROUTER_PREDICTION("podrouter-prediction", false, (kind, b, clock) -> {
        if (kind == StrategyKind.CACHE_AWARE) {
            return false; // the cold-start ablations are defined on the metric comparison
        }
        b.strategy(podrouterDefault(kind)).metricsPredictor(new ColdStartHistoryPredictor());
        return true;
    }),

    /** podrouter with a 30 s linear slow-start ramp (minimum weight 0.1). */
    PODROUTER_RAMP_30S("podrouter-ramp-30s", false, (kind, b, clock) -> {
        if (kind == StrategyKind.CACHE_AWARE) {
            return false; // the cold-start ablations are defined on the metric comparison
        }
        b.strategy(podrouterDefault(kind)).slowStart(java.time.Duration.ofSeconds(30), 1.0, 0.1);
        return true;
    });

    /**
     * The configurations of the default run and of the suite ("configs=all"): the five baselines of the cold-start
     * comparison, and the cache-aware comparison's configurations (each applies to its kinds only).
     */
    public static RouterConfig[] mainConfigs() {
        return new RouterConfig[] {REJECT, SKIP, SEED_RANDOM, PLAIN, PODROUTER, LLM_D, SGLANG, AIBRIX, AIBRIX_TUNED, DYNAMO,
            DYNAMO_APPROX, CACHE_ROUND_ROBIN};
    }

    /** Configures a builder for one strategy kind. */
    @FunctionalInterface
    public interface BuilderConfigurer {
        /**
         * Sets the strategy chain (and other options) on {@code builder}.
         *
         * @param clock the simulation's clock, for strategies that keep time of their own (the router's clock is
         *              already set on the builder)
         * @return false when this configuration does not apply to {@code kind} (the run is skipped)
         */
        boolean configure(StrategyKind kind, Router.Builder builder, VirtualClock clock);
    }

    /** Configures a builder for one strategy kind with what the simulated fleet offers the peers. */
    @FunctionalInterface
    interface PeerConfigurer {
        /** As {@link BuilderConfigurer#configure}, with {@code feed} for configurations that read more than the router's view. */
        boolean configure(StrategyKind kind, Router.Builder builder, VirtualClock clock, PeerFeed feed);
    }

    /** For {@link #appliesTo}: a fleet that publishes KV events but never has any. */
    private static final PeerFeed SCRATCH_FEED = new PeerFeed() {
        @Override
        public io.podrouter.api.MetricsSource polledMetrics() {
            return null;
        }

        @Override
        public int kvCacheBlocks(io.podrouter.api.Pod pod) {
            return 0;
        }

        @Override
        public boolean subscribe(KvEventListener listener) {
            return true;
        }

        @Override
        public int kvBlockHashes(io.podrouter.api.InferenceRequest request, long[] out) {
            return 0;
        }
    };

    private final String label;
    private final boolean failsWhenNoStrategyDecides;
    private final PeerConfigurer configurer;

    RouterConfig(String label, boolean failsWhenNoStrategyDecides, BuilderConfigurer configurer) {
        this.label = label;
        this.failsWhenNoStrategyDecides = failsWhenNoStrategyDecides;
        this.configurer = (kind, b, clock, feed) -> configurer.configure(kind, b, clock);
    }

    RouterConfig(String label, PeerConfigurer configurer) {
        this.label = label;
        this.failsWhenNoStrategyDecides = false;
        this.configurer = configurer;
    }

    /**
     * Whether a selection that no strategy of the chain decided (the router's last-resort random pick,
     * {@code Fallback.LAST_RESORT_RANDOM}) counts as a failed request that is never forwarded: true only
     * for the naive "reject" router, whose strategy passes exactly when a metric is missing.
     */
    public boolean failsWhenNoStrategyDecides() {
        return failsWhenNoStrategyDecides;
    }

    /** The name in reports and on the command line. */
    public String label() {
        return label;
    }

    /** Whether this configuration applies to {@code kind}: configures a scratch builder to find out. */
    public boolean appliesTo(StrategyKind kind) {
        return configurer.configure(kind, Router.builder(), new VirtualClock(), SCRATCH_FEED);
    }

    /**
     * Configures {@code builder} for {@code kind} with {@code clock} as the clock of strategies that keep time and
     * no fleet feed ({@link PeerFeed#none()}); false when the configuration does not apply.
     *
     * @throws IllegalArgumentException for {@link #DYNAMO}, which needs KV events: use
     *                                  {@link #configure(StrategyKind, Router.Builder, VirtualClock, PeerFeed)}
     */
    public boolean configure(StrategyKind kind, Router.Builder builder, VirtualClock clock) {
        return configure(kind, builder, clock, PeerFeed.none());
    }

    /**
     * Configures {@code builder} for {@code kind} with {@code clock} as the clock of strategies that keep time and
     * {@code feed} as what the fleet offers the peers (llm-d's polled metrics, Dynamo's KV events); false when the
     * configuration does not apply.
     *
     * @throws IllegalArgumentException for {@link #DYNAMO} when {@code feed} publishes no KV events
     */
    public boolean configure(StrategyKind kind, Router.Builder builder, VirtualClock clock, PeerFeed feed) {
        return configurer.configure(kind, builder, clock, feed);
    }

    /** The configuration with this label; unknown labels throw. */
    public static RouterConfig parse(String label) {
        for (RouterConfig c : values()) {
            if (c.label.equals(label.toLowerCase(Locale.ROOT))) {
                return c;
            }
        }
        StringBuilder known = new StringBuilder();
        for (RouterConfig c : values()) {
            known.append(known.length() == 0 ? "" : ", ").append(c.label);
        }
        throw new IllegalArgumentException("config: " + label + " (expected one of " + known + ")");
    }

    /**
     * podrouter's strategy for {@code kind} with the library's default settings; the cache-aware kind's is built
     * by {@link #PODROUTER} with the simulation's clock, so it throws here.
     */
    public static SelectionStrategy podrouterDefault(StrategyKind kind) {
        switch (kind) {
            case CACHE_AWARE:
                throw new IllegalArgumentException("kind: cache-aware (expected: a kind with a single default strategy)");
            case LEAST_LATENCY:
                return new LeastLatencyStrategy();
            case LEAST_KV_CACHE:
                return new LeastKvCacheStrategy();
            case LEAST_REQUEST:
                return new LeastRequestStrategy();
            default:
                return new RoundRobinStrategy();
        }
    }

    /**
     * The "plain" strategy for {@code kind}: metric strategies with {@link MissingMetricPolicy#FAIR_SHARE}; the
     * cache-aware kind has no "plain" configuration, so it throws.
     */
    public static SelectionStrategy plainStrategy(StrategyKind kind) {
        switch (kind) {
            case CACHE_AWARE:
                throw new IllegalArgumentException("kind: cache-aware (expected: a kind with a plain strategy)");
            case LEAST_LATENCY:
                return new LeastLatencyStrategy(MissingMetricPolicy.FAIR_SHARE);
            case LEAST_KV_CACHE:
                return new LeastKvCacheStrategy(MissingMetricPolicy.FAIR_SHARE);
            case LEAST_REQUEST:
                return new LeastRequestStrategy();
            default:
                return new RoundRobinStrategy();
        }
    }

    /** {@code CacheAware}'s parts with another filter or index, optionally without the token load scorer. */
    private static SelectionStrategy composition(LoadGateFilter gate, PrefixCacheScorer prefix, boolean tokenLoad) {
        ComposedStrategy.Builder c = ComposedStrategy.builder(CacheAware.NAME).filter(gate).scorer(prefix, 3);
        if (tokenLoad) {
            c.scorer(LoadScorer.inFlightTokens(), 2);
        }
        return c.scorer(new SessionAffinityScorer(), 2).scorer(new LoraAffinityScorer(), 1).picker(Pickers.maxScore()).build();
    }

    private static boolean margin(StrategyKind kind, Router.Builder b, VirtualClock clock, long millis) {
        if (kind != StrategyKind.CACHE_AWARE) {
            return false;
        }
        b.strategy(CacheAware.withPrefixScorer(PrefixCacheScorer.builder().clock(clock)
                .releaseMargin(java.time.Duration.ofMillis(millis)).build()));
        return true;
    }

    /**
     * Turns off the router's cold-start handling, outlier detection and unanswered-selection limit, so that a
     * configuration routes as routers did before them (the stall detector stays on, as before that limit existed:
     * the comparisons published before it keep their baselines).
     */
    static Router.Builder withoutColdStartHandling(Router.Builder b) {
        return b.withoutPrediction().slowStart(SlowStart.disabled()).coldStartInFlightCap(Integer.MAX_VALUE)
                .boundedColdShare(false).withoutOutlierDetection().maxUnansweredSelections(0);
    }

    /** A peer of the cache-aware comparison, on the simulation's clock (nanoseconds of virtual time). */
    private static boolean peer(String label, StrategyKind kind, Router.Builder b, VirtualClock clock, PeerFeed feed) {
        if (kind != StrategyKind.CACHE_AWARE) {
            return false;
        }
        CachePeers.configure(label, b, () -> Math.round(clock.seconds() * 1e9), feed);
        return true;
    }

    private static boolean naive(StrategyKind kind, Router.Builder b, NaiveMetricStrategy.Mode mode) {
        if (!kind.metricDriven()) {
            return false; // round robin and least request need no scraped metric: the naive routers equal podrouter's
        }
        withoutColdStartHandling(b).strategy(new NaiveMetricStrategy(mode, kind == StrategyKind.LEAST_LATENCY
                ? NaiveMetricStrategy.Metric.LATENCY : NaiveMetricStrategy.Metric.KV_CACHE));
        return true;
    }
}
