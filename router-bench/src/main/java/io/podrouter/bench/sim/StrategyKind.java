package io.podrouter.bench.sim;

import java.util.Locale;

/**
 * The routing strategies the simulator compares. Each {@link RouterConfig} decides how (and whether) it
 * builds a router for a kind; {@link #metricDriven()} says whether the kind ranks by scraped metrics
 * (and so is affected by pods without metrics) or by the router's own in-flight counts or order.
 */
public enum StrategyKind {
    /** Lowest TTFT + TPOT x L ({@link io.podrouter.strategies.LeastLatencyStrategy}). */
    LEAST_LATENCY(true),
    /** Lowest KV-cache usage ({@link io.podrouter.strategies.LeastKvCacheStrategy}). */
    LEAST_KV_CACHE(true),
    /** Fewest requests in flight ({@link io.podrouter.strategies.LeastRequestStrategy}, exact). */
    LEAST_REQUEST(false),
    /** Ready pods in turn ({@link io.podrouter.strategies.RoundRobinStrategy}). */
    ROUND_ROBIN(false),
    /**
     * Cache-aware routing of requests with content: podrouter's composition
     * ({@link io.podrouter.strategies.compose.CacheAware}) against the field's algorithms and round robin, one
     * {@link RouterConfig} each. Runs on the content workloads ({@code workload=shared-prefix} or
     * {@code multi-turn}); it reads no scraped metric itself, though some peers do.
     */
    CACHE_AWARE(false);

    private final boolean metricDriven;

    StrategyKind(boolean metricDriven) {
        this.metricDriven = metricDriven;
    }

    /** Whether the strategy ranks by scraped metrics. */
    public boolean metricDriven() {
        return metricDriven;
    }

    /** The name used in reports and on the command line, e.g. {@code least-kv-cache}. */
    public String label() {
        return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    /**
     * The kinds {@code strategies=all} means: {@link #CACHE_AWARE} for workloads with content (the cold-start
     * comparison of the other kinds is defined on the length workloads), the other four otherwise.
     */
    public static StrategyKind[] defaults(boolean contentWorkload) {
        return contentWorkload ? new StrategyKind[] {CACHE_AWARE}
                : new StrategyKind[] {LEAST_LATENCY, LEAST_KV_CACHE, LEAST_REQUEST, ROUND_ROBIN};
    }

    /** The kind for a label such as {@code least-latency}; unknown names throw. */
    public static StrategyKind parse(String label) {
        for (StrategyKind k : values()) {
            if (k.label().equals(label)) {
                return k;
            }
        }
        throw new IllegalArgumentException("strategy: " + label
                + " (expected: least-latency, least-kv-cache, least-request, round-robin or cache-aware)");
    }
}
