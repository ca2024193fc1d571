package io.podrouter.examples.gateway;

import io.podrouter.api.MetricsLookup;
import io.podrouter.api.Pod;
import io.podrouter.core.Router;
import io.podrouter.prometheus.PrometheusScraper;
import org.jspecify.annotations.Nullable;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;

import static io.podrouter.examples.gateway.InferenceGateway.LOG;

/**
 * The gateway's models and their backends. A change is applied in one order: the scraper's targets first
 * (a new pod's first scrape starts at once, before requests can reach it), then the model's pods and
 * candidates, then the pod connection pools (a removed pod's idle connections close).
 *
 * <p>Thread-safe: changes are serialised by a lock; readers (the request path) see each model's pods and
 * candidates through volatile fields replaced whole, never a half-applied change.
 */
final class BackendRegistry {

    private final Map<String, ModelBackends> models = new ConcurrentHashMap<>();
    private final Object backendsLock = new Object();
    private final Router router;
    private final PrometheusScraper scraper;
    private final PodClient podClient;
    private final GatewayMetrics metrics;
    private final AtomicBoolean closed;

    BackendRegistry(Router router, PrometheusScraper scraper, PodClient podClient, GatewayMetrics metrics,
                    AtomicBoolean closed) {
        this.router = router;
        this.scraper = scraper;
        this.podClient = podClient;
        this.metrics = metrics;
        this.closed = closed;
    }

    /** Makes {@code model} known, with no backend, unless it is. */
    void declare(String model) {
        synchronized (backendsLock) {
            models.computeIfAbsent(model, this::newModel);
        }
    }

    /** The backends of {@code model}, or null for an unknown model (or null). */
    @Nullable ModelBackends get(@Nullable String model) {
        return model == null ? null : models.get(model);
    }

    /** Every model, sorted by name. */
    List<ModelBackends> sorted() {
        return List.copyOf(new TreeMap<>(models).values());
    }

    /** See {@link InferenceGateway#addBackend(String, Pod)}. */
    void addBackend(String model, Pod pod) {
        Objects.requireNonNull(model, "model: null (expected: the model the backend serves)");
        Objects.requireNonNull(pod, "pod: null (expected: a Pod)");
        if (model.isBlank()) {
            throw new IllegalArgumentException("model: blank (expected: the model the backend serves)");
        }
        synchronized (backendsLock) {
            ensureOpen();
            for (ModelBackends m : models.values()) {
                if (!m.model.equals(model) && m.pods.stream().anyMatch(p -> p.id().equals(pod.id()))) {
                    throw new IllegalArgumentException("pod: id '" + pod.id() + "' already serves model '" + m.model
                            + "' (expected: a unique id per backend)");
                }
            }
            ModelBackends m = models.computeIfAbsent(model, this::newModel);
            List<Pod> pods = new ArrayList<>(m.pods);
            pods.removeIf(p -> p.id().equals(pod.id()));
            pods.add(pod);
            apply(m, pods);
        }
        LOG.info("backend {} at {} added for model {} ({})", pod.id(), pod.authority(), model,
                pod.ready() ? "Ready since " + pod.readySince() : "not ready");
    }

    /** See {@link InferenceGateway#replaceBackends}. */
    void replaceBackends(String model, List<Pod> pods) {
        Objects.requireNonNull(model, "model: null (expected: the model the backends serve)");
        Objects.requireNonNull(pods, "pods: null (expected: a list, possibly empty)");
        if (model.isBlank()) {
            throw new IllegalArgumentException("model: blank (expected: the model the backends serve)");
        }
        Set<String> ids = new HashSet<>();
        for (Pod p : pods) {
            Objects.requireNonNull(p, "pods: contains null (expected: only pods)");
            if (!ids.add(p.id())) {
                throw new IllegalArgumentException("pods: duplicate id '" + p.id() + "' (expected: unique ids)");
            }
        }
        synchronized (backendsLock) {
            ensureOpen();
            for (ModelBackends m : models.values()) {
                if (!m.model.equals(model) && m.pods.stream().anyMatch(p -> ids.contains(p.id()))) {
                    throw new IllegalArgumentException("pods: an id already serves model '" + m.model
                            + "' (expected: a unique id per backend)");
                }
            }
            apply(models.computeIfAbsent(model, this::newModel), pods);
        }
        LOG.info("model {} now has {} backends", model, pods.size());
    }

    /** See {@link InferenceGateway#removeBackend}. */
    boolean removeBackend(String podId) {
        synchronized (backendsLock) {
            for (ModelBackends m : models.values()) {
                List<Pod> pods = new ArrayList<>(m.pods);
                if (pods.removeIf(p -> p.id().equals(podId))) {
                    apply(m, pods);
                    LOG.info("backend {} removed from model {}", podId, m.model);
                    return true;
                }
            }
            return false;
        }
    }

    /** See {@link InferenceGateway#awaitMetrics}. */
    boolean awaitMetrics(Duration timeout) throws InterruptedException {
        Objects.requireNonNull(timeout, "timeout: null (expected: > 0)");
        if (timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("timeout: " + timeout + " (expected: > 0)");
        }
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            ensureOpen();
            boolean all = true;
            for (ModelBackends m : models.values()) {
                for (Pod p : m.pods) {
                    all &= !p.ready() || scraper.lookup(p, m.model) instanceof MetricsLookup.Present;
                }
            }
            if (all) {
                return true;
            }
            if (System.nanoTime() >= deadline) {
                return false;
            }
            scraper.scrapeNow();
            Thread.sleep(50);
        }
    }

    /** See {@link InferenceGateway#backends}. */
    List<Pod> backends(@Nullable String model) {
        ModelBackends m = model == null ? null : models.get(model);
        return m == null ? List.of() : m.pods;
    }

    /** See {@link InferenceGateway#models()}. */
    Set<String> models() {
        return new TreeSet<>(models.keySet());
    }

    /** See {@link InferenceGateway#servedModels()}. */
    Set<String> servedModels() {
        Set<String> served = new TreeSet<>();
        for (ModelBackends m : models.values()) {
            if (m.pods.stream().anyMatch(Pod::ready)) {
                served.add(m.model);
            }
        }
        return served;
    }

    /** A model without backends, with its gauges. */
    private ModelBackends newModel(String model) {
        ModelBackends m = new ModelBackends(model, router.candidates(List.of()));
        metrics.registerBackendGauges(m);
        return m;
    }

    private void apply(ModelBackends m, List<Pod> pods) {
        List<Pod> all = new ArrayList<>();
        for (ModelBackends other : models.values()) {
            all.addAll(other == m ? pods : other.pods);
        }
        // Targets first: a new pod's first scrape starts at once, before requests can reach it.
        scraper.updateTargets(all);
        m.pods = List.copyOf(pods);
        m.candidates = router.candidates(pods);
        podClient.retainOnly(all); // a removed pod's idle connections close; its requests in flight finish
    }

    private void ensureOpen() {
        if (closed.get()) {
            throw new IllegalStateException("gateway is closed");
        }
    }
}
