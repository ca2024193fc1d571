package io.podrouter.examples.gateway;

import io.podrouter.api.Pod;
import io.podrouter.core.coldstart.SlowStart;
import io.podrouter.prometheus.text.Exposition;
import io.podrouter.prometheus.text.MetricFamily;
import io.podrouter.prometheus.text.MetricType;
import io.podrouter.prometheus.text.PrometheusTextParser;
import io.podrouter.prometheus.text.Sample;
import io.podrouter.core.telemetry.TelemetrySnapshot;
import io.podrouter.examples.HealthProbe;
import io.podrouter.examples.LoadDriver;
import io.podrouter.examples.fakevllm.FakeVllmBackend;
import io.podrouter.extproc.JsonReader;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The gateway on 127.0.0.1 with real sockets: fake vLLM backends, the scraper, the router, HTTP clients.
 */
class InferenceGatewayIntegrationTest {

    private static final String MODEL = "llama-3-8b";
    private static final Duration SLOW_START_WINDOW = Duration.ofSeconds(20);
    private static final double EARLY_SECONDS = 4.0;

    private final List<AutoCloseable> toClose = new ArrayList<>();
    private final List<Integer> ports = new ArrayList<>();
    private ExecutorService clientPool;
    private HttpClient http;

    @AfterEach
    void closeEverything() throws Exception {
        for (int i = toClose.size() - 1; i >= 0; i--) {
            toClose.get(i).close();
        }
        if (clientPool != null) {
            clientPool.shutdownNow();
        }
    }

    /**
     * The demo's scenario, shortened: 3 warm backends under steady load, a 4th added cold (no metrics for
     * 1.5 s, slow first requests), 8 s more of load.
     *
     * <p>The bound on the cold backend's early traffic, and why: the ramp (20 s here, linear from 10 %) gives
     * it weight {@code w(t) = max(0.1, t / 20 s)} relative to the warm backends' 1. The router admits a pick
     * of a ramping pod beyond its in-flight floor {@code w x (mean in-flight of the warm pods)} only with
     * probability w, and always its very first request. With 8 clients that mean is at most 8/3, so during
     * the first 4 s (w &lt;= 0.2) the floor is below 1 and every pick of the new pod except the first passes
     * the coin: each request goes there with probability at most w at its selection time. So its count
     * there is at most 1 plus a sum of Bernoulli(p_i) with p_i &lt;= w_i; we assert at most
     * {@code 1 + sum(w_i) + 4 sqrt(sum(w_i))} (a 4-sigma margin; w_i is taken at the request's completion,
     * which is after its selection, so it over-estimates). The expected share is thus at most the mean
     * of w_i (about 0.13); we also assert the observed early share is below 0.2, clearly under the 25 %
     * fair share the backend would take at full weight (measured here: 5-8 %), and far below what an idle
     * pod takes from a least-loaded strategy without a ramp.
     */
    @Test
    void coldBackendRampsUpWithoutFailedRequestsAndTelemetryShowsItsColdStart() throws Exception {
        InferenceGateway gateway = gateway(InferenceGateway.builder()
                .scrapeInterval(Duration.ofMillis(250))
                .slowStart(new SlowStart(SLOW_START_WINDOW, 1.0, 0.1)));
        for (String id : List.of("pod-a", "pod-b", "pod-c")) {
            FakeVllmBackend b = backend(fast(FakeVllmBackend.builder(id, MODEL)));
            gateway.addBackend(MODEL, Pod.ready(id, b.host(), b.port(), Instant.now().minusSeconds(600)));
        }
        assertThat(gateway.awaitMetrics(Duration.ofSeconds(10))).isTrue();

        LoadDriver load = new LoadDriver(gateway.baseUri(), MODEL, 8, Duration.ZERO);
        load.start();
        Thread.sleep(1500);
        long coldStartedNanos = System.nanoTime(); // its metrics delay runs from its start, after this
        FakeVllmBackend cold = backend(fast(FakeVllmBackend.builder("pod-d", MODEL))
                .coldStart(Duration.ofMillis(1500), 5, 4.0));
        HealthProbe.awaitHealthy(cold.host(), cold.port(), Duration.ofSeconds(5));
        long addedAtNanos = System.nanoTime(); // before readySince: ages computed from it are never too young
        gateway.addBackend(MODEL, Pod.ready("pod-d", cold.host(), cold.port(), Instant.now()));
        long readyByNanos = System.nanoTime(); // readySince is no later than this
        Thread.sleep(8000);
        load.stop();

        List<LoadDriver.Result> results = load.results();
        assertThat(results).hasSizeGreaterThan(200);
        assertThat(results).allSatisfy(r -> assertThat(r.ok()).as(r.problem()).isTrue());

        double sumW = 0;
        int early = 0;
        int earlyOnCold = 0;
        int onColdWithinWindow = 0;
        for (LoadDriver.Result r : results) {
            double ageSeconds = (r.doneAtNanos() - addedAtNanos) / 1e9;
            if (ageSeconds < 0) {
                continue;
            }
            if ("pod-d".equals(r.pod()) && ageSeconds < SLOW_START_WINDOW.toSeconds()) {
                onColdWithinWindow++;
            }
            if (ageSeconds <= EARLY_SECONDS) {
                early++;
                sumW += Math.max(0.1, ageSeconds / SLOW_START_WINDOW.toSeconds());
                earlyOnCold += "pod-d".equals(r.pod()) ? 1 : 0;
            }
        }
        double bound = 1 + sumW + 4 * Math.sqrt(sumW);
        assertThat(earlyOnCold).as("requests on the cold backend in its first %s s, of %d (ramp bound %.1f)",
                EARLY_SECONDS, early, bound).isLessThanOrEqualTo((int) bound);
        assertThat((double) earlyOnCold / early).as("early share of the cold backend, below the 25 %% fair share")
                .isLessThan(0.2);
        assertThat(onColdWithinWindow).as("requests on the cold backend within its ramp window").isGreaterThanOrEqualTo(10);

        Exposition metrics = PrometheusTextParser.parseExposition(getMetrics(gateway));
        MetricFamily coldStarts = metrics.family("pod_coldstart_duration_seconds");
        assertThat(coldStarts).isNotNull();
        assertThat(sample(coldStarts, "pod_coldstart_duration_seconds_count")).isEqualTo(1.0);
        // Bounds from what the test saw, not fixed seconds: the first metrics come no earlier than 1.5 s after
        // the backend started, and Ready was at most (readyBy - coldStarted) after that start (the fixed 1.0 s
        // lower bound failed when a loaded machine took over 0.5 s to add the backend); and the first metrics
        // were recorded before this read of them. Load moves neither bound the wrong way.
        double readyAfterStart = (readyByNanos - coldStartedNanos) / 1e9;
        assertThat(sample(coldStarts, "pod_coldstart_duration_seconds_sum")).as("Ready to first metrics, seconds")
                .isBetween(1.5 - readyAfterStart - 0.01, (System.nanoTime() - addedAtNanos) / 1e9);
        assertThat(sample(metrics.family("podrouter_cold_requests_total"), "podrouter_cold_requests_total")).isGreaterThanOrEqualTo(1.0);
        assertThat(sample(metrics.family("podrouter_cold_requests_failed_total"), "podrouter_cold_requests_failed_total")).isZero();
        assertThat(gateway.router().isCold("pod-d")).isFalse();
        for (String id : List.of("pod-a", "pod-b", "pod-c", "pod-d")) {
            assertThat(gateway.router().inFlight(id)).as("in flight on %s after the load stopped", id).isZero();
        }

        closeAndAssertPortsAndThreadsReleased();
    }

    @Test
    void answersBadRequestsWithOpenAiErrorsAndDocumentedStatusCodes() throws Exception {
        InferenceGateway gateway = gateway(InferenceGateway.builder().maxRequestBytes(1024).model("empty-model")
                .connectTimeout(Duration.ofSeconds(1)));
        FakeVllmBackend failing = backend(fast(FakeVllmBackend.builder("failing", "failing-model")));
        failing.setFailing(true);
        gateway.addBackend("failing-model", "failing", failing.host(), failing.port());
        int closedPort;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            closedPort = s.getLocalPort();
        }
        gateway.addBackend("gone-model", "gone", "127.0.0.1", closedPort);

        assertError(post(gateway, "/v1/completions", "{\"model\": \"x\", "), 400, "invalid_request_error");
        assertError(post(gateway, "/v1/chat/completions", "[1, 2]"), 400, "invalid_request_error");
        assertError(post(gateway, "/v1/completions", "{\"prompt\": \"hi\"}"), 400, "invalid_request_error");
        assertError(post(gateway, "/v1/completions", "{\"model\": 7}"), 400, "invalid_request_error");
        assertError(post(gateway, "/v1/completions", "{\"model\": \"m\", \"stream\": \"yes\"}"), 400, "invalid_request_error");
        assertError(post(gateway, "/v1/completions", "{\"model\": \"no-such-model\"}"), 404, "invalid_request_error");
        assertError(post(gateway, "/v1/completions", "{\"model\": \"m\", \"prompt\": \"" + "x".repeat(2000) + "\"}"),
                413, "invalid_request_error");
        HttpResponse<String> unavailable = post(gateway, "/v1/completions", "{\"model\": \"empty-model\"}");
        assertError(unavailable, 503, "service_unavailable");
        assertThat(unavailable.headers().firstValue("Retry-After")).hasValue("1");
        assertError(post(gateway, "/v1/completions", "{\"model\": \"failing-model\"}"), 502, "bad_gateway");
        assertError(post(gateway, "/v1/completions", "{\"model\": \"gone-model\"}"), 502, "bad_gateway");
        HttpResponse<String> get = http().send(HttpRequest.newBuilder(gateway.baseUri().resolve("/v1/completions")).GET().build(),
                HttpResponse.BodyHandlers.ofString());
        assertError(get, 405, "invalid_request_error");

        // Failures were reported to the router: nothing stays in flight.
        assertThat(gateway.router().inFlight("failing")).isZero();
        assertThat(gateway.router().inFlight("gone")).isZero();
        closeAndAssertPortsAndThreadsReleased();
    }

    @Test
    void relaysStreamsChunkByChunkAndStopsRoutingToRemovedBackends() throws Exception {
        InferenceGateway gateway = gateway(InferenceGateway.builder().scrapeInterval(Duration.ofMillis(200)));
        FakeVllmBackend slow = backend(FakeVllmBackend.builder("slow", MODEL)
                .timeToFirstToken(Duration.ofMillis(5)).timePerOutputToken(Duration.ofMillis(200)));
        gateway.addBackend(MODEL, "slow", slow.host(), slow.port());

        HttpRequest request = HttpRequest.newBuilder(gateway.baseUri().resolve("/v1/chat/completions"))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"model\":\"" + MODEL
                        + "\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"max_tokens\":10,\"stream\":true}"))
                .build();
        HttpResponse<java.io.InputStream> response = http().send(request, HttpResponse.BodyHandlers.ofInputStream());
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("Content-Type")).hasValue("text/event-stream");
        int runningAtFirstChunk = -1;
        List<String> events = new ArrayList<>();
        try (BufferedReader in = new BufferedReader(new InputStreamReader(response.body(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = in.readLine()) != null) {
                if (line.startsWith("data: ")) {
                    if (events.isEmpty()) {
                        runningAtFirstChunk = slow.runningRequests();
                    }
                    events.add(line.substring(6));
                }
            }
        }
        assertThat(events).hasSize(11).last().isEqualTo("[DONE]");
        for (String e : events.subList(0, 10)) {
            assertThat(JsonReader.parseObject(e)).containsEntry("object", "chat.completion.chunk");
        }
        // An ordering instead of "over 300 ms between the first and the last chunk" (a client read late on a
        // loaded machine finds every chunk buffered and reads them together): the first chunk reached the client
        // while the backend was still generating (9 x 200 ms to go). A relay that buffered the stream would
        // deliver it only after the backend had finished; only a client read 1.8 s late could fail this.
        assertThat(runningAtFirstChunk).as("requests running at the backend when the first chunk arrived").isEqualTo(1);

        FakeVllmBackend other = backend(fast(FakeVllmBackend.builder("other", MODEL)));
        gateway.addBackend(MODEL, "other", other.host(), other.port());
        assertThat(gateway.removeBackend("slow")).isTrue();
        assertThat(gateway.removeBackend("slow")).isFalse();
        for (int i = 0; i < 10; i++) {
            HttpResponse<String> r = post(gateway, "/v1/completions", "{\"model\":\"" + MODEL + "\",\"max_tokens\":2}");
            assertThat(r.statusCode()).isEqualTo(200);
            assertThat(r.headers().firstValue(InferenceGateway.POD_HEADER)).hasValue("other");
        }
        assertThat(gateway.removeBackend("other")).isTrue();
        HttpResponse<String> none = post(gateway, "/v1/completions", "{\"model\":\"" + MODEL + "\"}");
        assertError(none, 503, "service_unavailable");
        closeAndAssertPortsAndThreadsReleased();
    }

    /**
     * {@code /metrics} is Micrometer's Prometheus scrape: the binder's families under the exposition's names,
     * and the cold-start histogram with the router's own bucket bounds and counts.
     */
    @Test
    void metricsServesSelectionsOutcomesAndTheColdStartHistogramThroughMicrometer() throws Exception {
        InferenceGateway gateway = gateway(InferenceGateway.builder().scrapeInterval(Duration.ofMillis(100)));
        // No metrics for its first 300 ms: the request below finds it cold, so the router sees a cold start.
        FakeVllmBackend b = backend(fast(FakeVllmBackend.builder("pod-m", MODEL)).coldStart(Duration.ofMillis(300), 0, 1));
        gateway.addBackend(MODEL, Pod.ready("pod-m", b.host(), b.port(), Instant.now()));
        int requests = 5;
        for (int i = 0; i < requests; i++) {
            assertThat(post(gateway, "/v1/completions", "{\"model\":\"" + MODEL + "\",\"max_tokens\":2}").statusCode())
                    .isEqualTo(200);
        }
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (gateway.router().isCold("pod-m") && System.nanoTime() < deadline) {
            Thread.sleep(20); // bounded wait for the first scrape after the 300 ms
        }
        assertThat(gateway.router().isCold("pod-m")).as("pod-m has its first metrics").isFalse();

        Exposition metrics = PrometheusTextParser.parseExposition(getMetrics(gateway));
        MetricFamily outcomes = metrics.family("podrouter_outcomes_total");
        assertThat(outcomes.type()).isEqualTo(MetricType.COUNTER);
        assertThat(outcomes.samples()).anySatisfy(x -> {
            assertThat(x.label("outcome")).isEqualTo("SUCCESS");
            assertThat(x.value()).isEqualTo(requests);
        });
        MetricFamily selections = metrics.family("podrouter_selections_total");
        assertThat(selections.type()).isEqualTo(MetricType.COUNTER);
        assertThat(selections.samples().stream().mapToDouble(Sample::value).sum()).isEqualTo(requests);
        assertThat(selections.samples()).allSatisfy(x -> assertThat(x.labels()).containsKeys("strategy", "fallback"));
        MetricFamily perPod = metrics.family("podrouter_pod_selections_total");
        assertThat(perPod.samples()).singleElement().satisfies(x -> {
            assertThat(x.label("pod")).isEqualTo("pod-m");
            assertThat(x.value()).isEqualTo(requests);
        });
        assertThat(metrics.family("podrouter_gateway_responses_total").samples()).anySatisfy(x -> {
            assertThat(x.labels()).containsEntry("code", "200").containsEntry("result", "complete");
            assertThat(x.value()).isEqualTo(requests);
        });
        assertThat(metrics.family("podrouter_gateway_backends").samples()).anySatisfy(x -> {
            assertThat(x.labels()).containsEntry("model", MODEL).containsEntry("ready", "true");
            assertThat(x.value()).isEqualTo(1);
        });

        MetricFamily cold = metrics.family("pod_coldstart_duration_seconds");
        assertThat(cold.type()).isEqualTo(MetricType.HISTOGRAM);
        TelemetrySnapshot.Histogram expected = gateway.router().telemetry().coldStartDurations();
        assertThat(expected.count()).isEqualTo(1);
        List<Double> bounds = new ArrayList<>();
        for (Sample x : cold.samples()) {
            if (x.name().equals("pod_coldstart_duration_seconds_bucket")) {
                double le = x.label("le").equals("+Inf") ? Double.POSITIVE_INFINITY : Double.parseDouble(x.label("le"));
                bounds.add(le);
                assertThat(x.value()).as("le=%s", le).isEqualTo((double) expected.cumulativeCounts()
                        .get(expected.upperBounds().indexOf(le)));
            }
        }
        assertThat(bounds).as("the router's bucket bounds").containsExactlyElementsOf(expected.upperBounds());
        assertThat(sample(cold, "pod_coldstart_duration_seconds_count")).isEqualTo(1.0);
        assertThat(sample(cold, "pod_coldstart_duration_seconds_sum")).isCloseTo(expected.sum(),
                org.assertj.core.api.Assertions.within(1e-6));
        closeAndAssertPortsAndThreadsReleased();
    }

    private static FakeVllmBackend.Builder fast(FakeVllmBackend.Builder b) {
        return b.timeToFirstToken(Duration.ofMillis(8)).timePerOutputToken(Duration.ofMillis(1));
    }

    private InferenceGateway gateway(InferenceGateway.Builder b) throws IOException {
        InferenceGateway g = b.start();
        toClose.add(g);
        ports.add(g.port());
        return g;
    }

    private FakeVllmBackend backend(FakeVllmBackend.Builder b) throws IOException {
        FakeVllmBackend backend = b.build().start();
        toClose.add(backend);
        ports.add(backend.port());
        return backend;
    }

    private HttpClient http() {
        if (http == null) {
            clientPool = Executors.newFixedThreadPool(2, r -> {
                Thread t = new Thread(r, "test-http-client");
                t.setDaemon(true);
                return t;
            });
            http = HttpClient.newBuilder().executor(clientPool).version(HttpClient.Version.HTTP_1_1).build();
        }
        return http;
    }

    private HttpResponse<String> post(InferenceGateway g, String path, String body) throws Exception {
        return http().send(HttpRequest.newBuilder(g.baseUri().resolve(path)).timeout(Duration.ofSeconds(10))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private String getMetrics(InferenceGateway g) throws Exception {
        HttpResponse<String> r = http().send(HttpRequest.newBuilder(g.baseUri().resolve("/metrics")).GET().build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.headers().firstValue("Content-Type")).hasValue(InferenceGateway.METRICS_CONTENT_TYPE);
        // Selection, outcome and per-pod families beside the cold-start ones.
        assertThat(r.body()).contains("# TYPE podrouter_selections_total counter", "# TYPE podrouter_outcomes_total counter",
                "# TYPE podrouter_pod_in_flight gauge", "# TYPE podrouter_outlier_ejections_total counter");
        return r.body();
    }

    private static void assertError(HttpResponse<String> r, int status, String type) throws Exception {
        assertThat(r.statusCode()).as(r.body()).isEqualTo(status);
        assertThat(r.headers().firstValue("Content-Type")).hasValue("application/json");
        Map<String, Object> body = JsonReader.parseObject(r.body());
        assertThat(body).containsKey("error");
        @SuppressWarnings("unchecked")
        Map<String, Object> error = (Map<String, Object>) body.get("error");
        assertThat(error).containsEntry("type", type).containsKeys("message", "param", "code");
        assertThat((String) error.get("message")).isNotBlank();
    }

    private static double sample(MetricFamily f, String name) {
        assertThat(f).isNotNull();
        return f.samples().stream().filter(s -> s.name().equals(name)).mapToDouble(Sample::value).findFirst()
                .orElseThrow(() -> new AssertionError("no sample " + name + " in " + f));
    }

    private void closeAndAssertPortsAndThreadsReleased() throws Exception {
        closeEverything();
        toClose.clear();
        for (int port : ports) {
            try (ServerSocket s = new ServerSocket(port, 1, InetAddress.getLoopbackAddress())) {
                assertThat(s.getLocalPort()).isEqualTo(port);
            }
        }
        long deadline = System.nanoTime() + 5_000_000_000L;
        List<String> alive;
        do {
            alive = Thread.getAllStackTraces().keySet().stream().filter(Thread::isAlive).map(Thread::getName)
                    .filter(n -> n.startsWith("podrouter-")).toList();
            if (alive.isEmpty()) {
                break;
            }
            Thread.sleep(50);
        } while (System.nanoTime() < deadline);
        assertThat(alive).as("podrouter threads alive after close").isEmpty();
    }
}
