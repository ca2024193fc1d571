package io.podrouter.examples.gateway;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.podrouter.api.RouterEventListener;
import io.podrouter.core.Router;
import io.podrouter.micrometer.PodRouterMetrics;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;

/**
 * The gateway's telemetry: the registry behind {@code GET /metrics} (the router's meters through
 * {@link PodRouterMetrics}, and the gateway's own counters and gauges, documented on
 * {@link InferenceGateway}), and the rate-limited log of backend failures.
 *
 * <p>Thread-safe: counters are cached in concurrent maps (so counting is a map lookup, not a registry
 * lookup), the in-flight gauge reads a {@link LongAdder}, and the failure log is guarded by an atomic flag.
 */
final class GatewayMetrics {

    private final LongAdder exchangesInFlight;
    private final PrometheusMeterRegistry meters = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final PodRouterMetrics routerMetrics = new PodRouterMetrics();
    // Counters by their label values, so counting is a map lookup, not a registry lookup.
    private final Map<String, Counter> responses = new ConcurrentHashMap<>();
    private final Map<String, Counter> retriesByReason = new ConcurrentHashMap<>();
    private final Map<String, Counter> retriesSkipped = new ConcurrentHashMap<>();
    private final Map<String, Counter> timeouts = new ConcurrentHashMap<>();
    private final AtomicBoolean backendFailureLogged = new AtomicBoolean();

    /** @param exchangesInFlight the completion requests being forwarded or relayed now, shown as a gauge */
    GatewayMetrics(LongAdder exchangesInFlight) {
        this.exchangesInFlight = exchangesInFlight;
    }

    /** The router's event listener, for {@code Router.Builder.eventListener} (the cold-start histogram's observations). */
    RouterEventListener routerEvents() {
        return routerMetrics.eventListener();
    }

    /** Binds the router's meters and the in-flight gauge; once, when the router is built. */
    void bind(Router router) {
        routerMetrics.attach(router).bindTo(meters);
        Gauge.builder("podrouter.gateway.requests.in.flight", exchangesInFlight, LongAdder::sum)
                .description("Completion requests being forwarded or relayed now.").register(meters);
    }

    /** Registers the backend gauges of a new model (models are never removed, so neither are they). */
    void registerBackendGauges(ModelBackends m) {
        for (boolean ready : new boolean[] {true, false}) {
            Gauge.builder("podrouter.gateway.backends", m, x -> x.pods.stream().filter(p -> p.ready() == ready).count())
                    .description("Registered backends per model and readiness.")
                    .tags("model", m.model, "ready", Boolean.toString(ready)).register(meters);
        }
    }

    /** Logs a backend failure: the first of the gateway at WARN, the rest at DEBUG. */
    void backendFailed(String podId, String what) {
        // Once per gateway at WARN, then DEBUG: the router's telemetry and the gateway's counters count the rest.
        if (backendFailureLogged.compareAndSet(false, true)) {
            InferenceGateway.LOG.warn("backend {} failed: {} (further backend failures are logged at DEBUG and counted at /metrics)", podId, what);
        } else {
            InferenceGateway.LOG.debug("backend {} failed: {}", podId, what);
        }
    }

    /** Counts a response sent to a client, by HTTP status and how it ended ({@code RESULT_*}). */
    void countResponse(int status, String result) {
        counter(responses, "podrouter.gateway.responses", "Responses the gateway sent, by HTTP status and how they ended.",
                "code", Integer.toString(status), "result", result).increment();
    }

    /** Counts a retry on another pod, by what failed first. */
    void countRetry(String reason) {
        counter(retriesByReason, "podrouter.gateway.retries", "Requests retried on another pod, by what failed first.",
                "reason", reason).increment();
    }

    /** Counts a retryable failure not retried, by why. */
    void countRetrySkipped(String reason) {
        counter(retriesSkipped, "podrouter.gateway.retries.skipped", "Retryable failures not retried, by why.",
                "reason", reason).increment();
    }

    /** Counts a timeout, by phase. */
    void countTimeout(String phase) {
        counter(timeouts, "podrouter.gateway.timeouts", "Timeouts, by phase.", "phase", phase).increment();
    }

    /** Counts a client too slow to send its request. */
    void countRequestReadTimeout() {
        countTimeout("request_read");
    }

    /** The counter of one label combination (label values come from the gateway's own constants). */
    private Counter counter(Map<String, Counter> cache, String name, String help, String... tags) {
        String key = tags.length == 2 ? tags[1] : String.join("\u0000", tags);
        Counter c = cache.get(key);
        if (c == null) {
            c = cache.computeIfAbsent(key, k -> Counter.builder(name).description(help).tags(tags).register(meters));
        }
        return c;
    }

    /** See {@link InferenceGateway#responses(int, String)}. */
    long responses(int code, String result) {
        Counter c = responses.get(String.join("\u0000", "code", Integer.toString(code), "result", String.valueOf(result)));
        return c == null ? 0 : (long) c.count();
    }

    /** See {@link InferenceGateway#retries()}. */
    long retries() {
        return (long) retriesByReason.values().stream().mapToDouble(Counter::count).sum();
    }

    /** The registry behind {@code GET /metrics}. */
    PrometheusMeterRegistry registry() {
        return meters;
    }

    /** The scrape of {@code GET /metrics}, from a telemetry snapshot taken now (so new pods show at once). */
    String scrape() {
        routerMetrics.update();
        return meters.scrape();
    }

    /** Closes the registry. */
    void close() {
        meters.close();
    }
}
