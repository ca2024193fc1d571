package io.podrouter.bench.cachepeers;

import io.podrouter.api.strategy.SelectionStrategy;
import io.podrouter.core.Router;
import io.podrouter.core.coldstart.SlowStart;
import io.podrouter.strategies.compose.ComposedStrategy;
import io.podrouter.strategies.compose.Pickers;

import java.util.List;
import java.util.Objects;
import java.util.function.LongSupplier;

/**
 * The field's cache-aware routers as podrouter strategies, so that the simulator can compare them with
 * podrouter's own cache-aware configuration on the same workloads. Each follows its project's source at a
 * named commit, with that project's defaults, including what it does with a new pod that has no metrics and
 * an empty cache:
 * <ul>
 *   <li>{@code llm-d}: llm-d's default scheduling profile: prefix-cache (approximate, 64-token blocks,
 *       weight 3), queue (weight 2) and KV-cache utilisation (weight 2) scorers summed, the highest score
 *       wins, random among ties; metrics from its own 50 ms poller. See {@link LlmdScorers}.</li>
 *   <li>{@code sglang}: SGLang's gateway {@code cache_aware} policy: shortest queue when the load is
 *       imbalanced by more than 64 requests and 1.5x, else the best prefix match above a 0.3 match rate
 *       (the worker that first held it), else the least loaded. See {@link SglangCacheAware}.</li>
 *   <li>{@code aibrix}: AIBrix's {@code prefix-cache} router as its code sets it: the least-loaded pods
 *       only when running requests differ by more than 8, the best match among pods running at most mean +
 *       1 standard deviation, one 200,000-block index of 4-character blocks for the fleet. See
 *       {@link AibrixPrefixCache}.</li>
 *   <li>{@code aibrix-tuned}: the same router as its README describes it (gate 16, 2 standard deviations,
 *       an index per pod). See {@link AibrixTuned}.</li>
 *   <li>{@code dynamo}: NVIDIA Dynamo's KV router: the lowest {@code prefill blocks + decode blocks} cost,
 *       with load counted by the router and the cache known from the pods' KV events (its default). See
 *       {@link DynamoKvRouter}.</li>
 *   <li>{@code dynamo-approx}: the same with {@code --no-kv-events}: the cache predicted from its own
 *       decisions for 120 s.</li>
 * </ul>
 * Round-robin needs no model here: podrouter's {@code RoundRobinStrategy} is the same thing.
 *
 * <p>Stateless and thread-safe; every {@link #configure} call creates new strategy instances (each with an
 * index of its own).
 */
public final class CachePeers {

    private static final List<String> LABELS = List.of("llm-d", "sglang", "aibrix", "aibrix-tuned", "dynamo", "dynamo-approx");
    private static final String EXPECTED = "(expected: llm-d, sglang, aibrix, aibrix-tuned, dynamo or dynamo-approx)";

    private CachePeers() {
    }

    /**
     * The peer labels in report order: {@code llm-d}, {@code sglang}, {@code aibrix}, {@code aibrix-tuned},
     * {@code dynamo}, {@code dynamo-approx}. Immutable.
     */
    public static List<String> labels() {
        return LABELS;
    }

    /**
     * Configures {@code builder} to route as the peer {@code label} does, with {@link System#nanoTime()} as
     * the clock of the peers' index time-to-live and no {@link PeerFeed} ({@link PeerFeed#none()}). A
     * simulation on virtual time must use {@link #configure(String, Router.Builder, LongSupplier, PeerFeed)}
     * instead, or those entries never expire in simulated time.
     *
     * @throws IllegalArgumentException for an unknown label, and for {@code dynamo}, which needs KV events
     * @throws NullPointerException     when {@code label} or {@code builder} is null
     */
    public static void configure(String label, Router.Builder builder) {
        configure(label, builder, System::nanoTime, PeerFeed.none());
    }

    /**
     * {@link #configure(String, Router.Builder, LongSupplier, PeerFeed)} without a feed ({@link PeerFeed#none()}).
     *
     * @throws IllegalArgumentException for an unknown label, and for {@code dynamo}, which needs KV events
     * @throws NullPointerException     when an argument is null
     */
    public static void configure(String label, Router.Builder builder, LongSupplier nanoClock) {
        configure(label, builder, nanoClock, PeerFeed.none());
    }

    /**
     * Configures {@code builder} to route as the peer {@code label} does: sets the strategy chain to a new
     * instance of the peer's strategy and switches podrouter's cold-start handling off (no metric
     * prediction, no slow start, no cold in-flight cap, no bounded cold share, no outlier detection), so
     * that the peer's own rules decide, for new pods too. For {@code llm-d}, when {@code feed} offers
     * {@linkplain PeerFeed#polledMetrics polled metrics}, they replace the builder's metrics source (llm-d
     * polls pods itself); otherwise the builder's metrics source, clock, random source and refresh interval
     * are left as they are. The peers draw their random tie-breaks from the router's random source.
     *
     * @param label     one of {@link #labels()} (exact, lower case)
     * @param builder   the router builder to configure
     * @param nanoClock monotonic time in nanoseconds for the peers' index time-to-live and KV-event delay; for
     *                  the simulator, its virtual clock in nanoseconds
     * @param feed      what the fleet offers beyond the router's view; {@link PeerFeed#none()} for nothing
     * @throws IllegalArgumentException {@code peer: x (expected: ...)} for an unknown label; for {@code dynamo}
     *                                  when {@code feed} publishes no KV events
     * @throws NullPointerException     when an argument is null
     */
    public static void configure(String label, Router.Builder builder, LongSupplier nanoClock, PeerFeed feed) {
        Objects.requireNonNull(label, "peer: null " + EXPECTED);
        Objects.requireNonNull(builder, "builder: null (expected: a Router.Builder)");
        Objects.requireNonNull(nanoClock, "nanoClock: null (expected: a nanosecond clock)");
        Objects.requireNonNull(feed, "feed: null (expected: a PeerFeed, or PeerFeed.none())");
        SelectionStrategy strategy = strategy(label, nanoClock, feed);
        if (label.equals("llm-d") && feed.polledMetrics() != null) {
            builder.metricsSource(feed.polledMetrics());
        }
        builder.withoutPrediction()
                .slowStart(SlowStart.disabled())
                .coldStartInFlightCap(Integer.MAX_VALUE)
                .boundedColdShare(false)
                .withoutOutlierDetection()
                .maxUnansweredSelections(0) // podrouter's rule, not the peer's
                .strategy(strategy);
    }

    /** A new instance of the peer's strategy. */
    static SelectionStrategy strategy(String label, LongSupplier nanoClock, PeerFeed feed) {
        switch (label) {
            case "llm-d":
                return llmd(nanoClock, feed);
            case "sglang":
                return new SglangCacheAware(nanoClock);
            case "aibrix":
                return new AibrixPrefixCache(nanoClock);
            case "aibrix-tuned":
                return new AibrixTuned(nanoClock);
            case "dynamo":
                return new DynamoKvRouter(nanoClock, feed, DynamoKvRouter.DEFAULT_KV_EVENT_DELAY_NANOS);
            case "dynamo-approx":
                return new DynamoKvRouter(nanoClock);
            default:
                throw new IllegalArgumentException("peer: " + label + " " + EXPECTED);
        }
    }

    /** llm-d's profile without a feed (31,250-entry LRUs). */
    static ComposedStrategy llmd(LongSupplier nanoClock) {
        return llmd(nanoClock, PeerFeed.none());
    }

    /**
     * llm-d's default profile as a podrouter {@link ComposedStrategy}: the composition's weighted sum divided
     * by the total weight ranks candidates exactly as llm-d's weighted sum does, and
     * {@link Pickers#maxScore()} is llm-d's max-score picker with random tie-break. No filter beyond
     * readiness is modelled (llm-d's decode filter matters only for disaggregated prefill and decode).
     */
    static ComposedStrategy llmd(LongSupplier nanoClock, PeerFeed feed) {
        return ComposedStrategy.builder("llm-d")
                .scorer(new LlmdScorers.Prefix(nanoClock, feed), 3)
                .scorer(new LlmdScorers.Queue(), 2)
                .scorer(new LlmdScorers.KvCache(), 2)
                .picker(Pickers.maxScore())
                .build();
    }
}
