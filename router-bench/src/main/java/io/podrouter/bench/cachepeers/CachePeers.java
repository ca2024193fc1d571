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
 * podrouter's own cache-aware configuration on the same workloads. Each is modelled from its published
 * description, including what it does with a new pod that has no metrics and an empty cache:
 * <ul>
 *   <li>{@code llm-d}: llm-d's default scheduling profile: prefix-cache (approximate, weight 3), queue
 *       (weight 2) and KV-cache utilisation (weight 2) scorers summed, the highest score wins, random among
 *       ties. A never-scraped pod has zero metrics there and looks idle. See {@link LlmdScorers}.</li>
 *   <li>{@code sglang}: SGLang's gateway {@code cache_aware} policy: shortest queue when the load is
 *       imbalanced by more than 64 requests and 1.5x, else the best prefix match above a 0.3 match rate,
 *       else the least loaded. See {@link SglangCacheAware}.</li>
 *   <li>{@code aibrix}: AIBrix's {@code prefix-cache} router: least-request when running requests differ by
 *       more than 16, else the best match among pods running at most mean + 2 standard deviations. See
 *       {@link AibrixPrefixCache}.</li>
 *   <li>{@code dynamo}: NVIDIA Dynamo's KV router: the lowest {@code prefill blocks + decode blocks} cost,
 *       with load counted by the router and the cache predicted from its decisions. See
 *       {@link DynamoKvRouter}.</li>
 * </ul>
 * Round-robin needs no model here: podrouter's {@code RoundRobinStrategy} is the same thing.
 *
 * <p>Stateless and thread-safe; every {@link #configure} call creates new strategy instances (each with an
 * index of its own).
 */
public final class CachePeers {

    private static final List<String> LABELS = List.of("llm-d", "sglang", "aibrix", "dynamo");

    private CachePeers() {
    }

    /** The peer labels in report order: {@code llm-d}, {@code sglang}, {@code aibrix}, {@code dynamo}. Immutable. */
    public static List<String> labels() {
        return LABELS;
    }

    /**
     * Configures {@code builder} to route as the peer {@code label} does, with {@link System#nanoTime()} as
     * the clock of the peers' index time-to-live (AIBrix 20 minutes, Dynamo 120 s). A simulation on virtual
     * time must use {@link #configure(String, Router.Builder, LongSupplier)} instead, or those entries never
     * expire in simulated time.
     *
     * @throws IllegalArgumentException for an unknown label
     * @throws NullPointerException     when {@code label} or {@code builder} is null
     */
    public static void configure(String label, Router.Builder builder) {
        configure(label, builder, System::nanoTime);
    }

    /**
     * Configures {@code builder} to route as the peer {@code label} does: sets the strategy chain to a new
     * instance of the peer's strategy and switches podrouter's cold-start handling off (no metric
     * prediction, no slow start, no cold in-flight cap, no bounded cold share, no outlier detection), so
     * that the peer's own rules decide, for new pods too. The builder's metrics source, clock, random
     * source and refresh interval are left as they are; the peers draw their random tie-breaks from the
     * router's random source.
     *
     * @param label     one of {@link #labels()} (exact, lower case)
     * @param builder   the router builder to configure
     * @param nanoClock monotonic time in nanoseconds for the peers' index time-to-live; for the simulator,
     *                  its virtual clock in nanoseconds
     * @throws IllegalArgumentException {@code peer: x (expected: llm-d, sglang, aibrix or dynamo)} for an unknown label
     * @throws NullPointerException     when an argument is null
     */
    public static void configure(String label, Router.Builder builder, LongSupplier nanoClock) {
        Objects.requireNonNull(label, "peer: null (expected: llm-d, sglang, aibrix or dynamo)");
        Objects.requireNonNull(builder, "builder: null (expected: a Router.Builder)");
        Objects.requireNonNull(nanoClock, "nanoClock: null (expected: a nanosecond clock)");
        SelectionStrategy strategy = strategy(label, nanoClock);
        builder.withoutPrediction()
                .slowStart(SlowStart.disabled())
                .coldStartInFlightCap(Integer.MAX_VALUE)
                .boundedColdShare(false)
                .withoutOutlierDetection()
                .strategy(strategy);
    }

    /** A new instance of the peer's strategy. */
    static SelectionStrategy strategy(String label, LongSupplier nanoClock) {
        switch (label) {
            case "llm-d":
                return llmd(nanoClock);
            case "sglang":
                return new SglangCacheAware(nanoClock);
            case "aibrix":
                return new AibrixPrefixCache(nanoClock);
            case "dynamo":
                return new DynamoKvRouter(nanoClock);
            default:
                throw new IllegalArgumentException("peer: " + label + " (expected: llm-d, sglang, aibrix or dynamo)");
        }
    }

    /**
     * llm-d's default profile as a podrouter {@link ComposedStrategy}: the composition's weighted sum divided
     * by the total weight ranks candidates exactly as llm-d's weighted sum does, and
     * {@link Pickers#maxScore()} is llm-d's max-score picker with random tie-break. No filter beyond
     * readiness is modelled (llm-d's decode filter matters only for disaggregated prefill and decode).
     */
    static ComposedStrategy llmd(LongSupplier nanoClock) {
        return ComposedStrategy.builder("llm-d")
                .scorer(new LlmdScorers.Prefix(nanoClock), 3)
                .scorer(new LlmdScorers.Queue(), 2)
                .scorer(new LlmdScorers.KvCache(), 2)
                .picker(Pickers.maxScore())
                .build();
    }
}
