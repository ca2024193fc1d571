package io.podrouter.bench.select;

import io.podrouter.api.strategy.SelectionStrategy;
import io.podrouter.strategies.LeastKvCacheStrategy;
import io.podrouter.strategies.LeastLatencyStrategy;
import io.podrouter.strategies.LeastRequestStrategy;
import io.podrouter.strategies.RandomStrategy;
import io.podrouter.strategies.RoundRobinStrategy;

import java.util.function.Supplier;

/** podrouter's strategies as a JMH {@code @Param}, each with its default settings. */
public enum RouterStrategy {

    /** {@link RoundRobinStrategy}. */
    ROUND_ROBIN("podrouter round-robin", false, RoundRobinStrategy::new),
    /** {@link LeastRequestStrategy} in {@link LeastRequestStrategy.Mode#EXACT} mode. */
    LEAST_REQUEST_EXACT("podrouter least-request EXACT", false,
            () -> new LeastRequestStrategy(LeastRequestStrategy.Mode.EXACT)),
    /** {@link LeastRequestStrategy} in {@link LeastRequestStrategy.Mode#POWER_OF_TWO_CHOICES} mode. */
    LEAST_REQUEST_P2C("podrouter least-request P2C", false,
            () -> new LeastRequestStrategy(LeastRequestStrategy.Mode.POWER_OF_TWO_CHOICES)),
    /** {@link LeastKvCacheStrategy} with the default missing-metric policy. */
    LEAST_KV_CACHE("podrouter least-kv-cache", true, LeastKvCacheStrategy::new),
    /** {@link LeastLatencyStrategy} with the default missing-metric policy and output length. */
    LEAST_LATENCY("podrouter least-latency", true, LeastLatencyStrategy::new),
    /** {@link RandomStrategy}. */
    RANDOM("podrouter random", false, RandomStrategy::new);

    private final String label;
    private final boolean readsMetrics;
    private final Supplier<SelectionStrategy> factory;

    RouterStrategy(String label, boolean readsMetrics, Supplier<SelectionStrategy> factory) {
        this.label = label;
        this.readsMetrics = readsMetrics;
        this.factory = factory;
    }

    /** A new strategy instance (strategies keep per-instance state such as round-robin cursors). */
    public SelectionStrategy create() {
        return factory.get();
    }

    /** The name used in reports. */
    public String label() {
        return label;
    }

    /** Whether picks depend on scraped metrics (and so have a fallback path when they are missing). */
    public boolean readsMetrics() {
        return readsMetrics;
    }
}
