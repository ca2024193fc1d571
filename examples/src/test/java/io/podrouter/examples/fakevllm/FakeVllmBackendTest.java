package io.podrouter.examples.fakevllm;

import io.podrouter.api.MetricsLookup;
import io.podrouter.api.MissingReason;
import io.podrouter.api.Pod;
import io.podrouter.prometheus.text.Exposition;
import io.podrouter.prometheus.text.MetricType;
import io.podrouter.prometheus.text.PrometheusTextParser;
import io.podrouter.prometheus.PrometheusScraper;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class FakeVllmBackendTest {

    @Test
    void exportsVllmMetricsThatReflectItsLoadAndThatTheScraperReads() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try (FakeVllmBackend backend = FakeVllmBackend.builder("b1", "m").maxRunningRequests(2)
                .timeToFirstToken(Duration.ofMillis(300)).build().start();
             PrometheusScraper scraper = PrometheusScraper.builder().build()) {
            HttpClient http = HttpClient.newBuilder().executor(pool).build();
            List<CompletableFuture<HttpResponse<String>>> inFlight = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                inFlight.add(http.sendAsync(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + backend.port() + "/v1/completions"))
                        .POST(HttpRequest.BodyPublishers.ofString("{\"model\":\"m\",\"prompt\":\"hello\",\"max_tokens\":4}")).build(),
                        HttpResponse.BodyHandlers.ofString()));
            }
            // Wait until the third request has arrived too (queued behind the two running ones): waiting only
            // for two running requests raced with the third one's arrival.
            long deadline = System.nanoTime() + 5_000_000_000L;
            Exposition busy = PrometheusTextParser.parseExposition(backend.exposition());
            while ((busy.family("vllm:num_requests_running").samples().get(0).value() < 2
                    || busy.family("vllm:num_requests_waiting").samples().get(0).value() < 1)
                    && System.nanoTime() < deadline) {
                Thread.sleep(5);
                busy = PrometheusTextParser.parseExposition(backend.exposition());
            }
            assertThat(busy.family("vllm:num_requests_running").samples().get(0).value()).isEqualTo(2.0);
            assertThat(busy.family("vllm:num_requests_waiting").samples().get(0).value()).isEqualTo(1.0);
            assertThat(busy.family("vllm:kv_cache_usage_perc").samples().get(0).value()).isBetween(0.0, 1.0).isPositive();
            assertThat(busy.family("vllm:num_requests_running").samples().get(0).label("model_name")).isEqualTo("m");
            for (CompletableFuture<HttpResponse<String>> f : inFlight) {
                assertThat(f.get().statusCode()).isEqualTo(200);
                assertThat(f.get().body()).contains("\"object\":\"text_completion\"");
            }
            // The backend records a request's end after its last byte went out: a client can read all three
            // answers before the third is counted, so wait (bounded) for the count to catch up.
            Exposition idle = PrometheusTextParser.parseExposition(backend.exposition());
            deadline = System.nanoTime() + 5_000_000_000L;
            while ((e2eCount(idle) < 3 || idle.family("vllm:num_requests_running").samples().get(0).value() > 0)
                    && System.nanoTime() < deadline) {
                Thread.sleep(5);
                idle = PrometheusTextParser.parseExposition(backend.exposition());
            }
            for (String h : List.of("vllm:time_to_first_token_seconds", "vllm:inter_token_latency_seconds",
                    "vllm:time_per_output_token_seconds", "vllm:e2e_request_latency_seconds", "vllm:request_queue_time_seconds")) {
                assertThat(idle.family(h).type()).as(h).isEqualTo(MetricType.HISTOGRAM);
            }
            assertThat(e2eCount(idle)).isEqualTo(3.0);
            assertThat(idle.family("vllm:num_requests_running").samples().get(0).value()).isZero();

            Pod pod = Pod.ready("b1", backend.host(), backend.port(), Instant.now());
            scraper.updateTargets(List.of(pod));
            scraper.scrapeNow();
            MetricsLookup lookup = scraper.lookup(pod, "m");
            assertThat(lookup).isInstanceOf(MetricsLookup.Present.class);
            assertThat(((MetricsLookup.Present) lookup).metrics().runningRequests()).isZero();
            assertThat(((MetricsLookup.Present) lookup).metrics().kvCacheUsage()).isZero();
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void coldBackendIsHealthyBeforeItExportsAnyVllmSeries() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try (FakeVllmBackend backend = FakeVllmBackend.builder("cold", "m").coldStart(Duration.ofSeconds(30), 1, 2.0).build().start();
             PrometheusScraper scraper = PrometheusScraper.builder().build()) {
            HttpClient http = HttpClient.newBuilder().executor(pool).build();
            HttpResponse<String> health = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + backend.port() + "/health"))
                    .build(), HttpResponse.BodyHandlers.ofString());
            assertThat(health.statusCode()).isEqualTo(200);
            assertThat(backend.metricsAvailable()).isFalse();
            String text = backend.exposition();
            assertThat(text).doesNotContain("vllm:");
            assertThat(PrometheusTextParser.parseExposition(text).families()).isNotEmpty();

            Pod pod = Pod.ready("cold", backend.host(), backend.port(), Instant.now());
            scraper.updateTargets(List.of(pod));
            scraper.scrapeNow();
            MetricsLookup lookup = scraper.lookup(pod, "m");
            assertThat(lookup).isInstanceOf(MetricsLookup.Missing.class);
            assertThat(((MetricsLookup.Missing) lookup).reason()).isEqualTo(MissingReason.NOT_YET_SCRAPED);
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void rejectsInvalidSettingsNamingThem() {
        assertThatThrownBy(() -> FakeVllmBackend.builder("a b", "m")).hasMessageContaining("id: 'a b'");
        assertThatThrownBy(() -> FakeVllmBackend.builder("a", "m").maxRunningRequests(0))
                .hasMessage("maxRunningRequests: 0 (expected: >= 1)");
        assertThatThrownBy(() -> FakeVllmBackend.builder("a", "m").timeToFirstToken(Duration.ofMillis(-1)))
                .hasMessage("timeToFirstToken: PT-0.001S (expected: >= 0)");
        assertThatThrownBy(() -> FakeVllmBackend.builder("a", "m").coldStart(Duration.ZERO, 1, 0.5))
                .hasMessage("slowFactor: 0.5 (expected: >= 1 and finite)");
        assertThatThrownBy(() -> FakeVllmBackend.builder("a", "m").maxRunningRequests(8).threads(8).build())
                .hasMessageContaining("threads: 8 (expected: > maxRunningRequests 8)");
    }

    private static double e2eCount(Exposition e) {
        return e.family("vllm:e2e_request_latency_seconds").samples().stream()
                .filter(s -> s.name().endsWith("_count")).findFirst().orElseThrow().value();
    }
}
