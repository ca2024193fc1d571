package io.podrouter.micrometer;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.podrouter.api.Candidates;
import io.podrouter.api.Fallback;
import io.podrouter.api.InferenceRequest;
import io.podrouter.api.MetricsLookup;
import io.podrouter.api.MetricsSource;
import io.podrouter.api.MissingReason;
import io.podrouter.api.Outcome;
import io.podrouter.api.Pod;
import io.podrouter.api.PodMetrics;
import io.podrouter.api.RouterEventListener;
import io.podrouter.core.Router;
import io.podrouter.core.telemetry.PrometheusExposition;
import io.podrouter.strategies.LeastRequestStrategy;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The Java snippets of the telemetry page (docs/telemetry.md), kept here so that they compile: the regions between
 * {@code tag::name[]} and {@code end::name[]} are copied verbatim into that page, with the imports they use
 * (the examples module's ReadmeSnippetsTest checks that).
 */
class TelemetrySnippetsTest {

    private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");
    private final MetricsSource source = (pod, model) ->
            MetricsLookup.present(PodMetrics.observedAt(Instant.now()).withRunningRequests(0));

    /** A per-pod latency sum, standing in for the user's own sink. */
    static final class LatencyByPod {
        final Map<String, LongAdder> nanos = new ConcurrentHashMap<>();

        void record(String podId, long latencyNanos) {
            nanos.computeIfAbsent(podId, k -> new LongAdder()).add(latencyNanos);
        }
    }

    private final LatencyByPod latencyByPod = new LatencyByPod();

    // tag::micrometer[]
    Router routerWithMicrometer(MeterRegistry registry) {
        PodRouterMetrics metrics = new PodRouterMetrics(Tags.of("gateway", "chat"));
        Router router = Router.builder()
                .metricsSource(source)
                .strategy(new LeastRequestStrategy())
                .eventListener(metrics.eventListener())     // records cold-start durations for the histogram
                .build();
        metrics.attach(router).bindTo(registry);
        return router;
    }
    // end::micrometer[]

    // tag::listener[]
    Router routerWithListener() {
        return Router.builder()
                .metricsSource(source)
                .strategy(new LeastRequestStrategy())
                .eventListener(new RouterEventListener() {
                    @Override
                    public void completed(Pod pod, String strategy, Fallback fallback, MissingReason reason,
                                          Outcome outcome, long latencyNanos) {
                        if (latencyNanos >= 0) {                        // negative: the caller did not know it
                            latencyByPod.record(pod.id(), latencyNanos);  // your own sink; must not block
                        }
                    }
                })
                .build();
    }
    // end::listener[]

    // tag::exposition[]
    static void serveMetrics(Router router, com.sun.net.httpserver.HttpExchange exchange) throws IOException {
        exchange.getResponseHeaders().set("Content-Type", PrometheusExposition.CONTENT_TYPE);
        exchange.sendResponseHeaders(200, 0);
        try (Writer out = new OutputStreamWriter(exchange.getResponseBody(), StandardCharsets.UTF_8)) {
            router.writePrometheus(out);
        }
    }
    // end::exposition[]

    @Test
    void snippetsRunAgainstARealRouter() throws IOException {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        try (Router router = routerWithListener(); Router measured = routerWithMicrometer(registry)) {
            Candidates pods = router.candidates(List.of(Pod.ready("p1", "10.0.0.1", 8000, T0.minusSeconds(60))));
            router.selectPod(InferenceRequest.forModel("m"), pods).complete(Outcome.SUCCESS, Duration.ofMillis(20));
            router.selectPod(InferenceRequest.forModel("m"), pods).complete(Outcome.SUCCESS, -1);
            Candidates measuredPods = measured.candidates(List.of(Pod.ready("p1", "10.0.0.1", 8000, T0.minusSeconds(60))));
            measured.selectPod(InferenceRequest.forModel("m"), measuredPods).complete(Outcome.SUCCESS, 5);

            assertThat(latencyByPod.nanos.get("p1").sum()).isEqualTo(20_000_000L);
            assertThat(registry.get(PodRouterMetrics.OUTCOMES).tags("gateway", "chat", "outcome", "SUCCESS")
                    .functionCounter().count()).as("the snapshot taken at bindTo, shared for a second").isZero();
            assertThat(registry.get(PodRouterMetrics.COLDSTART_DURATION).tags("gateway", "chat").timer()).isNotNull();
            StringBuilder text = new StringBuilder();
            router.writePrometheus(text);
            assertThat(text).contains("podrouter_outcomes_total{outcome=\"SUCCESS\"} 2\n");
        }
    }
}
