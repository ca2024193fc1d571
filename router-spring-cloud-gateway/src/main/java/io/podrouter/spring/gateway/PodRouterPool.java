package io.podrouter.spring.gateway;

import io.podrouter.api.Candidates;
import io.podrouter.api.Pod;
import io.podrouter.core.Router;
import io.podrouter.micrometer.PodRouterMetrics;
import io.podrouter.prometheus.PrometheusScraper;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * One pool of model-server pods that routes reach as {@code podrouter://NAME}: its {@link Router} (with the pool's
 * strategy chain, cold-start and outlier settings), the {@link PrometheusScraper} feeding it, its Micrometer
 * binder, and the pods its sources currently offer.
 *
 * <p>Pods come from named sources (the static list, a discovery service, a Kubernetes discovery; the
 * auto-configuration gives each pool at most one); each source replaces its own pods with
 * {@link #updatePods(String, Collection)}, and the pool's pods are the union, in source order. A pod id offered by
 * two sources is taken from the first. Every change rebuilds the {@link Candidates} (held in a
 * volatile field, so requests in flight keep the set they started with) and the scraper's targets.
 *
 * <p>Thread-safe: updates are serialized on the pool; reads are lock-free. Logs once per change of the pod set
 * (not per request). {@link #close()} closes the scraper and the router.
 */
public final class PodRouterPool implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(PodRouterPool.class);

    private final String name;
    private final Router router;
    private final PrometheusScraper scraper;
    private final PodRouterMetrics metrics;
    private final Set<String> models;
    private final Map<String, List<Pod>> bySource = new LinkedHashMap<>();
    private volatile List<Pod> pods = List.of();
    private volatile Candidates candidates;
    private final List<AutoCloseable> sources = new java.util.concurrent.CopyOnWriteArrayList<>();

    /**
     * @param name    the pool's name; non-blank
     * @param router  its router, built with {@code metrics.eventListener()}
     * @param scraper the scraper that is the router's metrics source; started here
     * @param metrics the binder attached to {@code router}
     * @param models  the models served; empty means any
     */
    PodRouterPool(String name, Router router, PrometheusScraper scraper, PodRouterMetrics metrics, Collection<String> models) {
        this.name = Objects.requireNonNull(name, "name");
        this.router = Objects.requireNonNull(router, "router");
        this.scraper = Objects.requireNonNull(scraper, "scraper");
        this.metrics = Objects.requireNonNull(metrics, "metrics");
        this.models = Set.copyOf(new LinkedHashSet<>(models));
        this.candidates = router.candidates(List.of());
        scraper.start();
    }

    /** The pool's name, as routes name it. */
    public String name() {
        return name;
    }

    /** The pool's router (for its telemetry, {@link Router#inFlight}, {@link Router#isCold}). */
    public Router router() {
        return router;
    }

    /** The scraper feeding the router (for {@link PrometheusScraper#stats()}). */
    public PrometheusScraper scraper() {
        return scraper;
    }

    /** The pool's Micrometer binder (bound to the application's registry by the auto-configuration). */
    public PodRouterMetrics metrics() {
        return metrics;
    }

    /** The models the pool serves; empty means any model is forwarded. Unmodifiable. */
    public Set<String> models() {
        return models;
    }

    /** Whether a request for {@code model} may be routed here: the model is listed, or no model is. Null: false. */
    public boolean servesModel(@org.jspecify.annotations.Nullable String model) {
        return model != null && (models.isEmpty() || models.contains(model));
    }

    /** The pods all sources offer now (unmodifiable; Ready and not). */
    public List<Pod> pods() {
        return pods;
    }

    /** How many of {@link #pods()} are Ready. */
    public int readyPods() {
        int n = 0;
        for (Pod p : pods) {
            n += p.ready() ? 1 : 0;
        }
        return n;
    }

    /** The candidate set of the current pods, prepared by the router. */
    public Candidates candidates() {
        return candidates;
    }

    /**
     * Replaces the pods of one source and rebuilds the candidates and the scraper's targets.
     *
     * @param source a name for the source, e.g. {@code static}, {@code discovery:vllm} or
     *               {@code kubernetes:llm/vllm-llama}; null throws
     * @param offered the source's pods now; null means none; a null element throws {@link NullPointerException}
     */
    public synchronized void updatePods(String source, @org.jspecify.annotations.Nullable Collection<Pod> offered) {
        Objects.requireNonNull(source, "source: null (expected: a source name)");
        List<Pod> list = offered == null ? List.of() : List.copyOf(offered);
        List<Pod> before = bySource.put(source, list);
        if (list.equals(before)) {
            return;
        }
        Map<String, Pod> merged = new LinkedHashMap<>();
        for (List<Pod> ps : bySource.values()) {
            for (Pod p : ps) {
                merged.putIfAbsent(p.id(), p);
            }
        }
        List<Pod> all = List.copyOf(merged.values());
        scraper.updateTargets(all); // targets first: a new pod's first scrape starts before requests reach it
        pods = all;
        candidates = router.candidates(all);
        LOG.info("podrouter pool {}: {} pods ({} Ready) after an update from {}", name, all.size(), readyPods(), source);
    }

    /** The ids of the current pods, for messages. */
    List<String> podIds() {
        List<String> ids = new ArrayList<>(pods.size());
        for (Pod p : pods) {
            ids.add(p.id());
        }
        return ids;
    }

    /** Registers a pod source (e.g. a discovery poller) to be closed with the pool. */
    void addSource(AutoCloseable source) {
        sources.add(Objects.requireNonNull(source, "source"));
    }

    /** Closes the pool's pod sources, then the scraper and the router (their threads end). Idempotent. */
    @Override
    public void close() {
        for (AutoCloseable s : sources) {
            try {
                s.close();
            } catch (Exception e) {
                LOG.warn("podrouter pool {}: closing a pod source failed: {}", name, e.toString());
            }
        }
        sources.clear();
        scraper.close();
        router.close();
    }

    @Override
    public String toString() {
        return "PodRouterPool[" + name + ", " + pods.size() + " pods, models " + (models.isEmpty() ? "any" : models) + "]";
    }
}
