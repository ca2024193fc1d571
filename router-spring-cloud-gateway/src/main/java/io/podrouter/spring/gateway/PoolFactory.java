package io.podrouter.spring.gateway;

import io.micrometer.core.instrument.Tags;
import io.podrouter.api.Pod;
import io.podrouter.api.strategy.SelectionStrategy;
import io.podrouter.core.OutlierDetection;
import io.podrouter.core.Router;
import io.podrouter.micrometer.PodRouterMetrics;
import io.podrouter.prometheus.EngineMapping;
import io.podrouter.prometheus.PrometheusScraper;
import io.podrouter.strategies.LeastKvCacheStrategy;
import io.podrouter.strategies.LeastLatencyStrategy;
import io.podrouter.strategies.LeastRequestStrategy;
import io.podrouter.strategies.RandomStrategy;
import io.podrouter.strategies.RoundRobinStrategy;
import io.podrouter.strategies.compose.CacheAware;
import org.jspecify.annotations.Nullable;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * Builds pools from {@link PodRouterProperties}, validating every value with a message that names the property
 * ({@code podrouter.pools.NAME.engine: tgi (expected: vllm or sglang)}). Stateless.
 */
final class PoolFactory {

    /** The pod sources a pool may name, as property paths below the pool; a pool has at most one. */
    static final List<String> SOURCES = List.of("static-pods", "discovery-service-id", "kubernetes.inference-pool",
            "kubernetes.label-selector");

    /** The label-selector source's target port when none is set: vLLM's default serving port. */
    static final int DEFAULT_TARGET_PORT = 8000;

    /** The strategy names a pool's {@code strategies} list accepts. */
    static final List<String> STRATEGY_NAMES = List.of("least-kv-cache", "least-request", "least-latency", "round-robin",
            "random", "cache-aware");

    private PoolFactory() {
    }

    /**
     * Builds every pool of {@code props} with its static pods. A pool that fails to build closes the ones built
     * before it, then the exception propagates.
     *
     * @throws IllegalArgumentException for an invalid value, naming the property
     */
    static List<PodRouterPool> build(PodRouterProperties props) {
        List<PodRouterPool> built = new ArrayList<>();
        Set<String> podIds = new HashSet<>();
        try {
            for (Map.Entry<String, PodRouterProperties.Pool> e : props.getPools().entrySet()) {
                built.add(build(e.getKey(), e.getValue(), podIds));
            }
        } catch (RuntimeException e) {
            built.forEach(PodRouterPool::close);
            throw e;
        }
        return built;
    }

    private static PodRouterPool build(String name, PodRouterProperties.@Nullable Pool pool, Set<String> podIds) {
        String at = "podrouter.pools." + name;
        if (name.isBlank()) {
            throw new IllegalArgumentException("podrouter.pools: a pool with a blank name (expected: a host-name-like name)");
        }
        if (pool == null) {
            throw new IllegalArgumentException(at + ": empty (expected: the pool's settings)");
        }
        podSource(name, pool);
        kubernetes(at + ".kubernetes", pool.getKubernetes());
        List<Pod> staticPods = staticPods(at, pool.getStaticPods(), podIds);
        List<SelectionStrategy> strategies = strategies(at, pool.getStrategies());
        EngineMapping engine = engine(at, pool.getEngine());
        Duration interval = positive(at + ".scrape-interval", pool.getScrapeInterval());
        List<String> models = new ArrayList<>();
        for (String m : pool.getModels()) {
            if (m == null || m.isBlank()) {
                throw new IllegalArgumentException(at + ".models: contains a blank name (expected: model names)");
            }
            models.add(m);
        }
        PodRouterMetrics metrics = new PodRouterMetrics(Tags.of("pool", name));
        Router.Builder rb = Router.builder()
                .strategies(strategies.toArray(new SelectionStrategy[0]))
                .eventListener(metrics.eventListener());
        coldStart(at + ".cold-start", pool.getColdStart(), rb);
        outlier(at + ".outlier", pool.getOutlier(), rb);
        PrometheusScraper scraper = PrometheusScraper.builder().engine(engine).interval(interval).build();
        Router router;
        try {
            router = rb.metricsSource(scraper).build();
        } catch (RuntimeException e) {
            scraper.close();
            throw e;
        }
        metrics.attach(router);
        PodRouterPool p = new PodRouterPool(name, router, scraper, metrics, models);
        p.updatePods("static", staticPods);
        return p;
    }

    private static List<Pod> staticPods(String at, List<PodRouterProperties.StaticPod> pods, Set<String> ids) {
        List<Pod> out = new ArrayList<>();
        Instant now = Instant.now();
        for (int i = 0; i < pods.size(); i++) {
            PodRouterProperties.StaticPod s = pods.get(i);
            String where = at + ".static-pods[" + i + "]";
            if (s == null || s.getHost() == null || s.getHost().isBlank()) {
                throw new IllegalArgumentException(where + ".host: missing (expected: a host name or IP address)");
            }
            if (s.getPort() < 1 || s.getPort() > 65535) {
                throw new IllegalArgumentException(where + ".port: " + s.getPort() + " (expected: 1..65535)");
            }
            String id = s.getId() == null || s.getId().isBlank() ? s.getHost() + ":" + s.getPort() : s.getId();
            if (!ids.add(id)) {
                throw new IllegalArgumentException(where + ".id: '" + id + "' used twice (expected: unique pod ids in every pool)");
            }
            out.add(Pod.ready(id, s.getHost(), s.getPort(), now));
        }
        return out;
    }

    /**
     * The pool's pod source, one of {@link #SOURCES}, or null when it has none (its pods list stays empty).
     *
     * @throws IllegalArgumentException when two or more sources are configured, naming the pool and them
     */
    static @Nullable String podSource(String name, PodRouterProperties.Pool pool) {
        List<String> set = new ArrayList<>();
        if (!pool.getStaticPods().isEmpty()) {
            set.add("static-pods");
        }
        String serviceId = pool.getDiscoveryServiceId();
        if (serviceId != null && !serviceId.isBlank()) {
            set.add("discovery-service-id");
        }
        PodRouterProperties.Kubernetes k = pool.getKubernetes();
        if (k.getInferencePool() != null) {
            set.add("kubernetes.inference-pool");
        }
        if (!k.getLabelSelector().isEmpty()) {
            set.add("kubernetes.label-selector");
        }
        if (set.size() > 1) {
            throw new IllegalArgumentException("podrouter.pools." + name + ": " + String.join(" and ", set)
                    + " (expected: at most one pod source per pool, one of " + String.join(", ", SOURCES) + ")");
        }
        return set.isEmpty() ? null : set.get(0);
    }

    /**
     * Checks the Kubernetes source's settings without touching podrouter-kubernetes (which may be absent): the
     * source-specific options only with their source, and every value in range.
     */
    private static void kubernetes(String at, PodRouterProperties.Kubernetes k) {
        String poolName = k.getInferencePool();
        boolean selector = !k.getLabelSelector().isEmpty();
        if (poolName != null && poolName.isBlank()) {
            throw new IllegalArgumentException(at + ".inference-pool: blank (expected: the name of an InferencePool)");
        }
        if (poolName == null && !selector) {
            String stray = k.getNamespace() != null ? "namespace: " + k.getNamespace()
                    : !k.getTargetPorts().isEmpty() ? "target-ports: " + k.getTargetPorts()
                    : k.getModelKey() != null ? "model-key: " + k.getModelKey() : null;
            if (stray != null) {
                throw new IllegalArgumentException(at + "." + stray + " (expected: set only with kubernetes.inference-pool"
                        + " or kubernetes.label-selector)");
            }
            return;
        }
        if (k.getNamespace() != null && k.getNamespace().isBlank()) {
            throw new IllegalArgumentException(at + ".namespace: blank (expected: a namespace, or unset for the gateway pod's own)");
        }
        if (poolName != null) {
            if (!k.getTargetPorts().isEmpty()) {
                throw new IllegalArgumentException(at + ".target-ports: " + k.getTargetPorts()
                        + " (expected: unset with inference-pool, whose spec.targetPorts name the ports)");
            }
            if (k.getModelKey() != null) {
                throw new IllegalArgumentException(at + ".model-key: " + k.getModelKey()
                        + " (expected: unset with inference-pool, which serves one model)");
            }
        } else {
            k.getLabelSelector().forEach((key, value) -> {
                if (key == null || key.isBlank() || value == null) {
                    throw new IllegalArgumentException(at + ".label-selector: " + k.getLabelSelector()
                            + " (expected: label names with values)");
                }
            });
            targetPorts(at + ".target-ports", k.getTargetPorts());
            if (k.getModelKey() != null && k.getModelKey().isBlank()) {
                throw new IllegalArgumentException(at + ".model-key: blank (expected: a label or annotation name, or unset)");
            }
        }
        Duration debounce = k.getDebounce();
        if (debounce == null || debounce.isNegative()) {
            throw new IllegalArgumentException(at + ".debounce: " + debounce + " (expected: >= 0)");
        }
        positive(at + ".start-timeout", k.getStartTimeout());
        positive(at + ".staleness-check-interval", k.getStalenessCheckInterval());
    }

    /** The label-selector source's ports: the configured ones, or {@link #DEFAULT_TARGET_PORT} when none is. */
    static int[] targetPorts(String at, List<Integer> ports) {
        if (ports.isEmpty()) {
            return new int[] {DEFAULT_TARGET_PORT};
        }
        if (ports.size() > 8 || new HashSet<>(ports).size() != ports.size()) {
            throw new IllegalArgumentException(at + ": " + ports + " (expected: 1 to 8 unique ports)");
        }
        int[] out = new int[ports.size()];
        for (int i = 0; i < out.length; i++) {
            Integer p = ports.get(i);
            if (p == null || p < 1 || p > 65535) {
                throw new IllegalArgumentException(at + ": " + ports + " (expected: ports in 1..65535)");
            }
            out[i] = p;
        }
        return out;
    }

    static List<SelectionStrategy> strategies(String at, List<String> names) {
        if (names.isEmpty()) {
            throw new IllegalArgumentException(at + ".strategies: [] (expected: one or more of " + STRATEGY_NAMES + ")");
        }
        List<SelectionStrategy> out = new ArrayList<>();
        for (String n : names) {
            String key = n == null ? "" : n.trim().toLowerCase(Locale.ROOT);
            out.add(switch (key) {
                case "least-kv-cache" -> new LeastKvCacheStrategy();
                case "least-request" -> new LeastRequestStrategy();
                case "least-latency" -> new LeastLatencyStrategy();
                case "round-robin" -> new RoundRobinStrategy();
                case "random" -> new RandomStrategy();
                case "cache-aware" -> CacheAware.defaults();
                default -> throw new IllegalArgumentException(at + ".strategies: '" + n + "' (expected: one of "
                        + STRATEGY_NAMES + ")");
            });
        }
        return out;
    }

    static EngineMapping engine(String at, @Nullable String engine) {
        String key = engine == null ? "" : engine.trim().toLowerCase(Locale.ROOT);
        return switch (key) {
            case "vllm" -> EngineMapping.vllm();
            case "sglang" -> EngineMapping.sglang();
            default -> throw new IllegalArgumentException(at + ".engine: " + engine + " (expected: vllm or sglang)");
        };
    }

    private static void coldStart(String at, PodRouterProperties.ColdStart c, Router.Builder rb) {
        Integer cap = c.getInFlightCap();
        if (cap != null) { // unset keeps the router's default: the guard only for metric-ranking and affinity chains
            if (cap < 1) {
                throw new IllegalArgumentException(at + ".in-flight-cap: " + cap + " (expected: >= 1, or unset)");
            }
            rb.coldStartInFlightCap(cap);
        }
        rb.boundedColdShare(c.isBoundedColdShare());
        Duration window = Objects.requireNonNull(c.getSlowStartWindow(), at + ".slow-start-window: null (expected: >= 0)");
        if (window.isNegative()) {
            throw new IllegalArgumentException(at + ".slow-start-window: " + window + " (expected: >= 0, 0 for off)");
        }
        if (!window.isZero()) {
            try {
                rb.slowStart(window, c.getSlowStartAggression(), c.getSlowStartMinWeight());
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(at + ": " + e.getMessage(), e);
            }
        }
    }

    private static void outlier(String at, PodRouterProperties.Outlier o, Router.Builder rb) {
        if (!o.isEnabled()) {
            rb.withoutOutlierDetection();
            return;
        }
        try {
            rb.outlierDetection(new OutlierDetection(o.getConsecutiveFailures(), o.getFailureRateThreshold(),
                    o.getMinimumRequests(), o.getInterval(), o.getBaseEjectionTime(), o.getMaxEjectionTime(),
                    o.getMaxEjectedFraction()));
        } catch (IllegalArgumentException | NullPointerException e) {
            throw new IllegalArgumentException(at + ": " + e.getMessage(), e);
        }
    }

    static Duration positive(String at, @Nullable Duration d) {
        if (d == null || d.isNegative() || d.isZero()) {
            throw new IllegalArgumentException(at + ": " + d + " (expected: > 0)");
        }
        return d;
    }
}
