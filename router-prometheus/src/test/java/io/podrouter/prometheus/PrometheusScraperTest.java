package io.podrouter.prometheus;

import io.podrouter.api.MetricsLookup;
import io.podrouter.api.MissingReason;
import io.podrouter.api.Pod;
import io.podrouter.api.PodMetrics;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BooleanSupplier;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

class PrometheusScraperTest {

    static final String LLAMA = "meta-llama/Llama-3.1-8B-Instruct";
    static final double INF = Double.POSITIVE_INFINITY;
    static final double[] BOUNDS = {0.1, 0.5, 1.0, INF};

    private final MutableClock clock = new MutableClock(Instant.parse("2025-01-01T00:00:00Z"));
    private final List<AutoCloseable> closeables = new ArrayList<>();

    @AfterEach
    void closeAll() throws Exception {
        for (AutoCloseable c : closeables) {
            c.close();
        }
    }

    private FakePod pod() throws Exception {
        FakePod p = new FakePod();
        closeables.add(p);
        return p;
    }

    private PrometheusScraper.Builder builder() {
        return PrometheusScraper.builder().clock(clock);
    }

    private PrometheusScraper scraper(PrometheusScraper.Builder b) {
        PrometheusScraper s = b.build();
        closeables.add(0, s);
        return s;
    }

    private static String resource(String name) throws Exception {
        try (java.io.InputStream in = PrometheusScraperTest.class.getResourceAsStream("/" + name)) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    private static PodMetrics present(MetricsLookup l) {
        assertThat(l).isInstanceOf(MetricsLookup.Present.class);
        return ((MetricsLookup.Present) l).metrics();
    }

    private static MetricsLookup.Missing missing(MetricsLookup l, MissingReason reason) {
        assertThat(l).isInstanceOf(MetricsLookup.Missing.class);
        MetricsLookup.Missing m = (MetricsLookup.Missing) l;
        assertThat(m.reason()).as(m.detail()).isEqualTo(reason);
        return m;
    }

    private static void await(String what, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(15).toNanos();
        while (!condition.getAsBoolean()) {
            assertThat(System.nanoTime()).as("timed out waiting for " + what).isLessThan(deadline);
            Thread.sleep(10);
        }
    }

    // ---- values ----

    @Test
    void presentMetricsForTheRequestedModelAggregatedAcrossEngines() throws Exception {
        FakePod server = pod().serve(resource("vllm-v1.txt"));
        PrometheusScraper scraper = scraper(builder());
        Pod pod = server.pod("p1");
        scraper.updateTargets(List.of(pod));

        scraper.scrapeNow();

        PodMetrics m = present(scraper.lookup(pod, LLAMA));
        assertThat(m.observedAt()).isEqualTo(clock.instant());
        assertThat(m.runningRequests()).isEqualTo(7.0); // 3 + 4 across engines 0 and 1
        assertThat(m.waitingRequests()).isEqualTo(1.0);
        assertThat(m.kvCacheUsage()).as("mean of engines 0 and 1, as vLLM's aggregated logger").isCloseTo(0.495, within(1e-12));
        assertThat(m.timeToFirstTokenSeconds()).as("first scrape: baseline only, no lifetime means").isNaN();
        assertThat(m.firstInvalidValue()).isNull();
        assertThat(server.lastPath).isEqualTo("/metrics");
        assertThat(scraper.lookup(pod, LLAMA)).as("allocation-free: the same prebuilt answer").isSameAs(scraper.lookup(pod, LLAMA));
    }

    @Test
    void readsOlderVllmNamesAndSeparatesModels() throws Exception {
        FakePod server = pod().serve(resource("vllm-v0-two-models.txt"));
        PrometheusScraper scraper = scraper(builder());
        Pod pod = server.pod("p1");
        scraper.updateTargets(List.of(pod));
        scraper.scrapeNow();

        PodMetrics base = present(scraper.lookup(pod, "base-7b"));
        PodMetrics lora = present(scraper.lookup(pod, "sql-lora"));
        assertThat(base.runningRequests()).isEqualTo(5.0);
        assertThat(base.waitingRequests()).isEqualTo(7.0);
        assertThat(base.kvCacheUsage()).as("vllm:gpu_cache_usage_perc").isEqualTo(0.91);
        assertThat(lora.runningRequests()).isEqualTo(2.0);
    }

    @Test
    void readsSglangBody() throws Exception {
        FakePod server = pod().serve(resource("sglang.txt"));
        PrometheusScraper scraper = scraper(builder().engine(EngineMapping.sglang()));
        Pod pod = server.pod("p1");
        scraper.updateTargets(List.of(pod));
        scraper.scrapeNow();

        PodMetrics m = present(scraper.lookup(pod, LLAMA));
        assertThat(m.runningRequests()).isEqualTo(12.0);
        assertThat(m.waitingRequests()).isEqualTo(2.0);
        assertThat(m.kvCacheUsage()).isEqualTo(0.28);
        assertThat(m.extra()).containsEntry("cache_hit_rate", 0.007507552643049313).containsKey("gen_throughput");
    }

    @Test
    void readsSglangUnderscorePrefixSpelling() throws Exception {
        FakePod server = pod().serve(resource("sglang.txt").replace("sglang:", "sglang_"));
        PrometheusScraper scraper = scraper(builder().engine(EngineMapping.sglang()));
        Pod pod = server.pod("p1");
        scraper.updateTargets(List.of(pod));
        scraper.scrapeNow();
        assertThat(present(scraper.lookup(pod, LLAMA)).runningRequests()).isEqualTo(12.0);
    }

    @Test
    void recentLatencyComesFromTheChangeBetweenScrapes() throws Exception {
        FakePod server = pod();
        PrometheusScraper scraper = scraper(builder());
        Pod pod = server.pod("p1");
        scraper.updateTargets(List.of(pod));

        server.serve(latencyBody(new double[] {10, 60, 90, 100}, 50.0, 2, 1000, 20.0));
        scraper.scrapeNow();
        clock.advance(Duration.ofSeconds(1));
        // 10 new requests in the window: 5 <= 0.1 s, 5 in (0.5, 1.0]; their TTFT sum is 4.0 s
        server.serve(latencyBody(new double[] {15, 65, 100, 110}, 54.0, 3, 1100, 23.0));
        scraper.scrapeNow();

        PodMetrics m = present(scraper.lookup(pod, LLAMA));
        assertThat(m.timeToFirstTokenSeconds()).isCloseTo(0.4, within(1e-12));
        assertThat(m.extra().get("time_to_first_token_seconds_p90")).as("rank 9 of 10 lies in (0.5, 1.0]")
                .isCloseTo(0.5 + 0.5 * (9.0 - 5.0) / 5.0, within(1e-12));
        assertThat(m.timePerOutputTokenSeconds()).as("from vllm:inter_token_latency_seconds, preferred over the deprecated name")
                .isCloseTo(0.03, within(1e-12));
        assertThat(m.e2eLatencySeconds()).isNaN();
    }

    @Test
    void serverRestartResetsTheBaselineWithoutNegativeLatency() throws Exception {
        FakePod server = pod();
        PrometheusScraper scraper = scraper(builder());
        Pod pod = server.pod("p1");
        scraper.updateTargets(List.of(pod));
        server.serve(latencyBody(new double[] {10, 60, 90, 100}, 50.0, 2, 1000, 20.0));
        scraper.scrapeNow();
        clock.advance(Duration.ofSeconds(1));
        // the server restarted: 4 requests since, TTFT sum 1.2 s
        server.serve(latencyBody(new double[] {1, 3, 4, 4}, 1.2, 1, 40, 0.4));
        scraper.scrapeNow();

        PodMetrics m = present(scraper.lookup(pod, LLAMA));
        assertThat(m.timeToFirstTokenSeconds()).isCloseTo(0.3, within(1e-12));
        assertThat(m.firstInvalidValue()).isNull();

        clock.advance(Duration.ofSeconds(1));
        server.serve(latencyBody(new double[] {2, 4, 5, 6}, 2.0, 1, 60, 0.6));
        scraper.scrapeNow();
        assertThat(present(scraper.lookup(pod, LLAMA)).timeToFirstTokenSeconds()).isCloseTo(0.4, within(1e-12));
    }

    @Test
    void quietWindowKeepsThePreviousLatencyUntilTheHoldTimeEnds() throws Exception {
        FakePod server = pod();
        PrometheusScraper scraper = scraper(builder().latencyHoldTime(Duration.ofSeconds(10)).maxAge(Duration.ofMinutes(1)));
        Pod pod = server.pod("p1");
        scraper.updateTargets(List.of(pod));
        server.serve(latencyBody(new double[] {10, 60, 90, 100}, 50.0, 2, 1000, 20.0));
        scraper.scrapeNow();
        clock.advance(Duration.ofSeconds(1));
        String busy = latencyBody(new double[] {15, 65, 100, 110}, 54.0, 3, 1100, 23.0);
        server.serve(busy);
        scraper.scrapeNow();

        clock.advance(Duration.ofSeconds(9));
        scraper.scrapeNow(); // same body: no request in the window
        assertThat(present(scraper.lookup(pod, LLAMA)).timeToFirstTokenSeconds()).isCloseTo(0.4, within(1e-12));

        clock.advance(Duration.ofSeconds(2));
        scraper.scrapeNow();
        PodMetrics m = present(scraper.lookup(pod, LLAMA));
        assertThat(m.timeToFirstTokenSeconds()).isNaN();
        assertThat(m.runningRequests()).isEqualTo(3.0);
    }

    /** A vLLM body with a TTFT histogram, an inter-token histogram, and the deprecated TPOT name with other values. */
    private static String latencyBody(double[] ttftCumulative, double ttftSum, double running, double itlCount, double itlSum) {
        return new FakePod.Text()
                .gauge("vllm:num_requests_running", LLAMA, running)
                .histogram("vllm:time_to_first_token_seconds", LLAMA, BOUNDS, ttftCumulative, ttftSum)
                .histogram("vllm:inter_token_latency_seconds", LLAMA, BOUNDS, new double[] {itlCount, itlCount, itlCount, itlCount}, itlSum)
                .histogram("vllm:time_per_output_token_seconds", LLAMA, BOUNDS, new double[] {1, 1, 1, 1}, 99.0)
                .toString();
    }

    @Test
    void kvCacheUsageOfDataParallelEnginesIsTheMeanByDefaultAndTheMaxWhenAsked() throws Exception {
        FakePod server = pod().serve(resource("vllm-v1.txt")); // engines 0 and 1 at 0.42 and 0.57
        Pod pod = server.pod("p1");
        PrometheusScraper mean = scraper(builder());
        PrometheusScraper max = scraper(builder().kvCacheAggregation(EngineMapping.Aggregation.MAX));
        for (PrometheusScraper s : List.of(mean, max)) {
            s.updateTargets(List.of(pod));
            s.scrapeNow();
        }
        assertThat(present(mean.lookup(pod, LLAMA)).kvCacheUsage()).isCloseTo(0.495, within(1e-12));
        assertThat(present(max.lookup(pod, LLAMA)).kvCacheUsage()).isEqualTo(0.57);
        assertThat(present(mean.lookup(pod, LLAMA)).runningRequests()).as("request counts still add up").isEqualTo(7.0);
    }

    // ---- values out of range ----

    /** Scrapes {@code body} once and returns the lookup, which must be INVALID_VALUE. */
    private MetricsLookup.Missing invalid(String body) throws Exception {
        FakePod server = pod().serve(body);
        // A generous timeout: on a loaded machine the local fake pod can take seconds to answer, and this test
        // is about parsing, not timing (with the 2 s default it failed as SCRAPE_FAILED at load average 28).
        PrometheusScraper scraper = scraper(builder().timeout(Duration.ofSeconds(30)));
        Pod pod = server.pod("p1");
        scraper.updateTargets(List.of(pod));
        scraper.scrapeNow();
        MetricsLookup.Missing m = missing(scraper.lookup(pod, LLAMA), MissingReason.INVALID_VALUE);
        assertThat(scraper.stats().invalidValues()).isEqualTo(1);
        assertThat(scraper.stats().totalFailures()).as("the scrape itself worked").isZero();
        return m;
    }

    @Test
    void absurdGaugeValuesAreInvalidValuesNamingTheMetricAndTheValue() throws Exception {
        for (String value : List.of("NaN", "+Inf", "-Inf", "-1", "1e308")) {
            String body = new FakePod.Text().gauge("vllm:num_requests_waiting", LLAMA, 2)
                    .raw("# TYPE vllm:num_requests_running gauge\nvllm:num_requests_running{model_name=\"" + LLAMA + "\"} " + value + "\n")
                    .toString();
            assertThat(invalid(body).detail()).as(value).contains("vllm:num_requests_running=").contains("expected: finite, >= 0");
        }
        assertThat(invalid(new FakePod.Text().gauge("vllm:kv_cache_usage_perc", LLAMA, 1.7).toString()).detail())
                .contains("vllm:kv_cache_usage_perc=1.7 (expected: a fraction 0..1)");
        assertThat(invalid(new FakePod.Text().gauge("vllm:kv_cache_usage_perc", LLAMA, -0.1).toString()).detail())
                .contains("vllm:kv_cache_usage_perc=-0.1");
    }

    @Test
    void oneBadEngineSeriesMakesTheModelInvalidEvenIfTheSumLooksFine() throws Exception {
        String body = "# TYPE vllm:num_requests_running gauge\n"
                + "vllm:num_requests_running{engine=\"0\",model_name=\"" + LLAMA + "\"} 5\n"
                + "vllm:num_requests_running{engine=\"1\",model_name=\"" + LLAMA + "\"} -3\n";
        assertThat(invalid(body).detail()).contains("vllm:num_requests_running=-3.0");
    }

    @Test
    void invalidValuesAffectOnlyTheModelConcerned() throws Exception {
        String body = new FakePod.Text().gauge("vllm:num_requests_running", LLAMA, Double.NaN)
                .raw("vllm:num_requests_running{model_name=\"other\"} 3\n").toString();
        FakePod server = pod().serve(body);
        PrometheusScraper scraper = scraper(builder());
        Pod pod = server.pod("p1");
        scraper.updateTargets(List.of(pod));
        scraper.scrapeNow();
        missing(scraper.lookup(pod, LLAMA), MissingReason.INVALID_VALUE);
        assertThat(present(scraper.lookup(pod, "other")).runningRequests()).isEqualTo(3.0);
    }

    @Test
    void malformedHistogramsAreInvalidValuesNotLatencies() throws Exception {
        double[] noInf = {0.1, 0.5, 1.0};
        assertThat(invalid(new FakePod.Text().histogram("vllm:time_to_first_token_seconds", LLAMA, noInf, new double[] {1, 2, 3}, 1.0)
                .toString()).detail()).contains("vllm:time_to_first_token_seconds: no le=\"+Inf\" bucket");
        assertThat(invalid(new FakePod.Text().histogram("vllm:time_to_first_token_seconds", LLAMA, BOUNDS, new double[] {5, 3, 6, 6}, 1.0)
                .toString()).detail()).contains("count 3.0 < 5.0").contains("never decrease");
        assertThat(invalid(new FakePod.Text().histogram("vllm:time_to_first_token_seconds", LLAMA, BOUNDS, new double[] {1, 2, 3, 4}, -2.0)
                .toString()).detail()).contains("_sum -2.0");
        String countMismatch = new FakePod.Text().histogram("vllm:time_to_first_token_seconds", LLAMA, BOUNDS, new double[] {1, 2, 3, 4}, 1.0)
                .toString().replace("_count{model_name=\"" + LLAMA + "\"} 4.0", "_count{model_name=\"" + LLAMA + "\"} 9.0");
        assertThat(invalid(countMismatch).detail()).contains("_count 9.0 != +Inf bucket 4.0");
        assertThat(invalid(new FakePod.Text().histogram("vllm:time_to_first_token_seconds", LLAMA, BOUNDS, new double[] {1, 2, 3, 1e308}, 1.0)
                .toString()).detail()).contains("le=\"Infinity\" count 1.0E308");
    }

    @Test
    void negativeSumAfterAValidScrapeNeverBecomesANegativeLatency() throws Exception {
        // Before the checks, the sum going down read as a restart and -5 / 20 = -0.25 s was reported as present.
        FakePod server = pod();
        PrometheusScraper scraper = scraper(builder());
        Pod pod = server.pod("p1");
        scraper.updateTargets(List.of(pod));
        server.serve(new FakePod.Text().histogram("vllm:time_to_first_token_seconds", LLAMA, BOUNDS, new double[] {2, 5, 8, 10}, 5.0).toString());
        scraper.scrapeNow();
        clock.advance(Duration.ofSeconds(1));
        server.serve(new FakePod.Text().histogram("vllm:time_to_first_token_seconds", LLAMA, BOUNDS, new double[] {4, 10, 16, 20}, -5.0).toString());
        scraper.scrapeNow();
        assertThat(missing(scraper.lookup(pod, LLAMA), MissingReason.INVALID_VALUE).detail())
                .isEqualTo("model '" + LLAMA + "': vllm:time_to_first_token_seconds: _sum -5.0 (expected: finite, >= 0 and <= 9.007199254740992E15)");

        clock.advance(Duration.ofSeconds(1));
        server.serve(new FakePod.Text().histogram("vllm:time_to_first_token_seconds", LLAMA, BOUNDS, new double[] {6, 15, 24, 30}, 15.0).toString());
        scraper.scrapeNow();
        assertThat(present(scraper.lookup(pod, LLAMA)).timeToFirstTokenSeconds())
                .as("the invalid scrape dropped the baseline: a fresh one, no latency yet").isNaN();
    }

    // ---- lookup outcomes ----

    @Test
    void notYetScrapedBeforeTheFirstScrapeAndForUnknownPods() throws Exception {
        FakePod server = pod().serve(resource("vllm-v1.txt"));
        PrometheusScraper scraper = scraper(builder());
        Pod pod = server.pod("p1");
        scraper.updateTargets(List.of(pod));

        missing(scraper.lookup(pod, LLAMA), MissingReason.NOT_YET_SCRAPED);
        assertThat(missing(scraper.lookup(server.pod("other"), LLAMA), MissingReason.NOT_YET_SCRAPED).detail())
                .contains("not a scrape target");
    }

    @Test
    void serverWithoutSeriesForTheModelIsNotYetScrapedWithDetail() throws Exception {
        // vLLM exports only process metrics until the engine is up
        FakePod server = pod().serve("# TYPE process_open_fds gauge\nprocess_open_fds 12\n");
        PrometheusScraper scraper = scraper(builder());
        Pod pod = server.pod("p1");
        scraper.updateTargets(List.of(pod));
        scraper.scrapeNow();
        assertThat(missing(scraper.lookup(pod, LLAMA), MissingReason.NOT_YET_SCRAPED).detail())
                .contains("no series for model '" + LLAMA + "'");

        server.serve(resource("vllm-v0-two-models.txt"));
        scraper.scrapeNow();
        assertThat(missing(scraper.lookup(pod, "unknown-model"), MissingReason.NOT_YET_SCRAPED).detail())
                .contains("no series for model 'unknown-model'").contains("base-7b");
    }

    @Test
    void seriesWithoutModelLabelServeEveryModel() throws Exception {
        FakePod server = pod().serve("# TYPE vllm:num_requests_running gauge\nvllm:num_requests_running 4\n");
        PrometheusScraper scraper = scraper(builder());
        Pod pod = server.pod("p1");
        scraper.updateTargets(List.of(pod));
        scraper.scrapeNow();
        assertThat(present(scraper.lookup(pod, "any")).runningRequests()).isEqualTo(4.0);
    }

    @Test
    void staleWhenTheLastGoodScrapeIsOlderThanMaxAge() throws Exception {
        FakePod server = pod().serve(resource("vllm-v1.txt"));
        PrometheusScraper scraper = scraper(builder().maxAge(Duration.ofSeconds(5)));
        Pod pod = server.pod("p1");
        scraper.updateTargets(List.of(pod));
        scraper.scrapeNow();

        clock.advance(Duration.ofSeconds(5));
        present(scraper.lookup(pod, LLAMA));
        clock.advance(Duration.ofMillis(1));
        assertThat(missing(scraper.lookup(pod, LLAMA), MissingReason.STALE).detail()).contains("maxAge PT5S");
    }

    // ---- failures ----

    private MetricsLookup.Missing failedWith(FailureKind kind, PrometheusScraper.Builder b, FakePod server) throws Exception {
        PrometheusScraper scraper = scraper(b);
        Pod pod = server.pod("p1");
        scraper.updateTargets(List.of(pod));
        scraper.scrapeNow();
        MetricsLookup.Missing m = missing(scraper.lookup(pod, LLAMA), MissingReason.SCRAPE_FAILED);
        assertThat(m.detail()).startsWith(kind + ": ");
        ScrapeStats stats = scraper.stats();
        assertThat(stats.failures(kind)).isEqualTo(1);
        assertThat(stats.totalFailures()).isEqualTo(1);
        assertThat(stats.successes()).isZero();
        return m;
    }

    @Test
    void connectionRefusedIsAConnectFailure() throws Exception {
        int freePort;
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            freePort = s.getLocalPort();
        }
        PrometheusScraper scraper = scraper(builder());
        Pod pod = Pod.ready("p1", "127.0.0.1", freePort, Instant.EPOCH);
        scraper.updateTargets(List.of(pod));
        scraper.scrapeNow();
        assertThat(missing(scraper.lookup(pod, LLAMA), MissingReason.SCRAPE_FAILED).detail()).startsWith("CONNECT: ");
        assertThat(scraper.stats().failures(FailureKind.CONNECT)).isEqualTo(1);
    }

    @Test
    void hungServerIsATimeout() throws Exception {
        FakePod server = pod();
        server.behave(server.hang());
        long start = System.nanoTime();
        failedWith(FailureKind.TIMEOUT, builder().timeout(Duration.ofMillis(300)), server);
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(5));
    }

    @Test
    void serverErrorAndNotFoundAreHttpStatusFailures() throws Exception {
        assertThat(failedWith(FailureKind.HTTP_STATUS, builder(), pod().behave(FakePod.status(503, "overloaded"))).detail())
                .contains("HTTP 503");
        closeAll();
        closeables.clear();
        assertThat(failedWith(FailureKind.HTTP_STATUS, builder(), pod().behave(FakePod.status(404, ""))).detail())
                .contains("HTTP 404");
    }

    @Test
    void garbageBodyIsAParseFailureNamingTheLine() throws Exception {
        assertThat(failedWith(FailureKind.PARSE, builder(), pod().serve("<html>\n<body>502 Bad Gateway</body>\n")).detail())
                .contains("line 1: ");
    }

    @Test
    void bodyCutMidLineIsAParseFailure() throws Exception {
        String body = resource("vllm-v1.txt");
        failedWith(FailureKind.PARSE, builder(), pod().serve(body.substring(0, body.length() / 2)));
    }

    @Test
    void bodyShorterThanItsDeclaredLengthIsAnIoFailure() throws Exception {
        failedWith(FailureKind.IO, builder(), pod().behave(FakePod.shortBody(resource("vllm-v1.txt"))));
    }

    @Test
    void fiftyMegabyteChunkedBodyIsCappedAtMaxBodyBytes() throws Exception {
        assertThat(failedWith(FailureKind.BODY_TOO_LARGE, builder().maxBodyBytes(1 << 20),
                pod().behave(FakePod.huge(50_000_000L, false))).detail()).contains("maxBodyBytes 1048576");
    }

    @Test
    void fiftyMegabyteDeclaredBodyIsRefusedWithoutReadingIt() throws Exception {
        assertThat(failedWith(FailureKind.BODY_TOO_LARGE, builder(), pod().behave(FakePod.huge(50_000_000L, true))).detail())
                .contains("declared body of 50000000 bytes");
    }

    @Test
    void metricOfTheWrongTypeIsAWrongTypeFailure() throws Exception {
        String body = "# TYPE vllm:time_to_first_token_seconds gauge\nvllm:time_to_first_token_seconds{model_name=\"m\"} 0.2\n";
        assertThat(failedWith(FailureKind.WRONG_TYPE, builder(), pod().serve(body)).detail())
                .contains("vllm:time_to_first_token_seconds is declared gauge (expected: histogram)");
    }

    @Test
    void failuresAreCountedButLoggedOncePerStateChange() throws Exception {
        FakePod server = pod().behave(FakePod.status(500, "boom"));
        PrometheusScraper scraper = scraper(builder());
        Pod pod = server.pod("p1");
        scraper.updateTargets(List.of(pod));
        for (int i = 0; i < 3; i++) {
            scraper.scrapeNow();
        }
        assertThat(scraper.stats().failures(FailureKind.HTTP_STATUS)).isEqualTo(3);
        assertThat(scraper.stats().stateChanges()).isEqualTo(1);

        server.serve(resource("vllm-v1.txt"));
        scraper.scrapeNow();
        scraper.scrapeNow();
        present(scraper.lookup(pod, LLAMA));
        assertThat(scraper.stats().stateChanges()).isEqualTo(2);

        server.serve("garbage\n");
        scraper.scrapeNow();
        assertThat(scraper.stats().stateChanges()).isEqualTo(3);
        assertThat(scraper.stats().successes()).isEqualTo(2);
        assertThat(scraper.stats().attempts()).isEqualTo(6);
    }

    // ---- memory ----

    @Test
    void scrapeThatCannotGetMemoryBudgetFailsWithAReason() throws Exception {
        FakePod server = pod().serve(resource("vllm-v1.txt"));
        PrometheusScraper scraper = scraper(builder().maxBodyBytes(1 << 20).maxTotalBodyBytes(2 << 20));
        Pod pod = server.pod("p1");
        scraper.updateTargets(List.of(pod));
        ByteBudget budget = scraper.budget();
        assertThat(budget.tryAcquire(budget.limit())).isTrue(); // as if other scrapes held it all
        scraper.scrapeNow();
        assertThat(missing(scraper.lookup(pod, LLAMA), MissingReason.SCRAPE_FAILED).detail())
                .startsWith("MEMORY_BUDGET: ").contains("maxTotalBodyBytes 2097152");
        assertThat(scraper.stats().failures(FailureKind.MEMORY_BUDGET)).isEqualTo(1);

        budget.release(budget.limit());
        scraper.scrapeNow();
        present(scraper.lookup(pod, LLAMA));
        assertThat(budget.used()).as("the body's memory is given back after the scrape").isZero();
    }

    @Test
    void totalBufferedBytesStayWithinTheBudgetWhileManyPodsSendHugeBodies() throws Exception {
        List<Pod> pods = new ArrayList<>();
        for (int i = 0; i < 12; i++) {
            pods.add(pod().behave(FakePod.huge(20_000_000L, false)).pod("huge-" + i));
        }
        long limit = 3L << 20;
        // A generous timeout so that every scrape ends by size or budget, not by time, on a loaded machine (with
        // the 2 s default, 4 of 36 ended as TIMEOUT at load average 28).
        PrometheusScraper scraper = scraper(builder().concurrency(8).maxBodyBytes(1 << 20).maxTotalBodyBytes(limit)
                .timeout(Duration.ofSeconds(30)));
        scraper.updateTargets(pods);
        for (int round = 0; round < 3; round++) {
            scraper.scrapeNow();
        }
        ScrapeStats stats = scraper.stats();
        assertThat(stats.failures(FailureKind.BODY_TOO_LARGE) + stats.failures(FailureKind.MEMORY_BUDGET)).isEqualTo(36);
        assertThat(scraper.budget().peak()).as("bytes held at once, all scrapes together").isLessThanOrEqualTo(limit)
                .as("eight 1 MiB bodies would have needed more than the budget").isGreaterThan(1L << 20);
        assertThat(scraper.budget().used()).isZero();
    }

    // ---- logging ----

    /** The lines logged so far about pod {@code id} (slf4j-simple writes to the file the build configures). */
    private static List<String> logLines(String id) throws Exception {
        java.nio.file.Path log = java.nio.file.Path.of(System.getProperty("org.slf4j.simpleLogger.logFile", "target/scraper-test.log"));
        return java.nio.file.Files.readAllLines(log).stream().filter(l -> l.contains("pod " + id + ":")).toList();
    }

    @Test
    void podFlappingForSixtySecondsIsLoggedOncePerLogInterval() throws Exception {
        FakePod server = pod();
        PrometheusScraper scraper = scraper(builder());
        Pod pod = server.pod("flapping-pod");
        scraper.updateTargets(List.of(pod));
        String good = resource("vllm-v1.txt");
        for (int second = 0; second < 60; second++) {
            if (second % 2 == 0) {
                server.serve(good);
            } else {
                server.behave(FakePod.status(500, "boom"));
            }
            scraper.scrapeNow();
            clock.advance(Duration.ofSeconds(1));
        }
        assertThat(scraper.stats().stateChanges()).isEqualTo(60);
        List<String> lines = logLines("flapping-pod");
        assertThat(lines).as("one line at 0 s, one at 31 s (60 state changes)").hasSize(2);
        assertThat(lines.get(1)).contains("30 earlier state changes of this pod not logged");
    }

    @Test
    void serverRestartIsLoggedOncePerRunOfRestartsNotPerScrape() throws Exception {
        FakePod server = pod();
        PrometheusScraper scraper = scraper(builder().logInterval(Duration.ZERO));
        Pod pod = server.pod("restarting-pod");
        scraper.updateTargets(List.of(pod));
        for (int i = 10; i > 4; i--) { // the counters go down on every scrape after the first
            server.serve(new FakePod.Text().histogram("vllm:time_to_first_token_seconds", LLAMA, BOUNDS,
                    new double[] {i, i, i, i}, i).toString());
            scraper.scrapeNow();
            clock.advance(Duration.ofSeconds(1));
        }
        assertThat(logLines("restarting-pod")).filteredOn(l -> l.contains("restarted")).hasSize(1);
        server.serve(new FakePod.Text().histogram("vllm:time_to_first_token_seconds", LLAMA, BOUNDS, new double[] {9, 9, 9, 9}, 9).toString());
        scraper.scrapeNow(); // counters up again: the run of restarts is over
        server.serve(new FakePod.Text().histogram("vllm:time_to_first_token_seconds", LLAMA, BOUNDS, new double[] {1, 1, 1, 1}, 1).toString());
        scraper.scrapeNow();
        assertThat(logLines("restarting-pod")).filteredOn(l -> l.contains("restarted")).hasSize(2);
    }

    @Test
    void aValueThatStaysInvalidIsOneStateHoweverItChanges() throws Exception {
        FakePod server = pod();
        PrometheusScraper scraper = scraper(builder().logInterval(Duration.ZERO));
        Pod pod = server.pod("invalid-pod");
        scraper.updateTargets(List.of(pod));
        for (double kv : new double[] {1.5, 1.6, 1.7}) {
            server.serve(new FakePod.Text().gauge("vllm:kv_cache_usage_perc", LLAMA, kv)
                    .histogram("vllm:time_to_first_token_seconds", LLAMA, BOUNDS, new double[] {1, 2, 3, 4}, -kv).toString());
            scraper.scrapeNow();
        }
        assertThat(scraper.stats().stateChanges()).isEqualTo(1);
        assertThat(scraper.stats().invalidValues()).isEqualTo(3);
        assertThat(logLines("invalid-pod")).hasSize(1).first().asString().contains("WARN")
                .contains("vllm:kv_cache_usage_perc=1.5 (expected: a fraction 0..1)");
    }

    @Test
    void failureFromAnExceptionIsLoggedOnceWithItsStackTrace() throws Exception {
        int freePort;
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            freePort = s.getLocalPort();
        }
        PrometheusScraper scraper = scraper(builder());
        Pod pod = Pod.ready("refusing-pod", "127.0.0.1", freePort, Instant.EPOCH);
        scraper.updateTargets(List.of(pod));
        for (int i = 0; i < 5; i++) {
            scraper.scrapeNow();
            clock.advance(Duration.ofSeconds(40));
        }
        assertThat(scraper.stats().failures(FailureKind.CONNECT)).isEqualTo(5);
        assertThat(logLines("refusing-pod")).hasSize(1);
        java.nio.file.Path log = java.nio.file.Path.of(System.getProperty("org.slf4j.simpleLogger.logFile", "target/scraper-test.log"));
        List<String> all = java.nio.file.Files.readAllLines(log);
        int at = all.indexOf(logLines("refusing-pod").get(0));
        assertThat(all.get(at + 1)).as("the cause follows the line").contains("java.net.ConnectException");
        assertThat(all.subList(at + 1, Math.min(all.size(), at + 40))).anyMatch(l -> l.startsWith("\tat "));
    }

    @Test
    void throwingTargetUriFunctionKeepsItsCause() throws Exception {
        PrometheusScraper scraper = scraper(builder().targetUri(p -> {
            throw new IllegalStateException("service registry down");
        }));
        Pod pod = Pod.ready("bad-uri-pod", "127.0.0.1", 1, Instant.EPOCH);
        scraper.updateTargets(List.of(pod));
        scraper.scrapeNow();
        scraper.scrapeNow();
        assertThat(missing(scraper.lookup(pod, LLAMA), MissingReason.SCRAPE_FAILED).detail())
                .isEqualTo("BAD_TARGET: service registry down");
        List<String> lines = logLines("bad-uri-pod");
        assertThat(lines).hasSize(1);
        java.nio.file.Path log = java.nio.file.Path.of(System.getProperty("org.slf4j.simpleLogger.logFile", "target/scraper-test.log"));
        List<String> all = java.nio.file.Files.readAllLines(log);
        assertThat(all.get(all.indexOf(lines.get(0)) + 1)).contains("java.lang.IllegalStateException: service registry down");
    }

    @Test
    void oneFailingPodLeavesTheOthersPresent() throws Exception {
        FakePod good = pod().serve(resource("vllm-v1.txt"));
        FakePod bad = pod().behave(FakePod.status(500, ""));
        PrometheusScraper scraper = scraper(builder());
        scraper.updateTargets(List.of(good.pod("good"), bad.pod("bad")));
        scraper.scrapeNow();
        present(scraper.lookup(good.pod("good"), LLAMA));
        missing(scraper.lookup(bad.pod("bad"), LLAMA), MissingReason.SCRAPE_FAILED);
    }

    @Test
    void hungPodNeverDelaysTheOthersAndIsNotQueuedTwice() throws Exception {
        FakePod hung = pod();
        hung.behave(hung.hang());
        FakePod good = pod().serve(resource("vllm-v1.txt"));
        PrometheusScraper scraper = scraper(PrometheusScraper.builder()
                .interval(Duration.ofMillis(50)).timeout(Duration.ofSeconds(10)).maxAge(Duration.ofSeconds(10)));
        scraper.updateTargets(List.of(hung.pod("hung"), good.pod("good")));
        scraper.start();

        await("20 scrapes of the good pod", () -> good.requests.get() >= 20);
        assertThat(hung.requests.get()).as("the hung pod's scrape is still running, not re-queued").isEqualTo(1);
        assertThat(scraper.stats().skippedBusy()).isGreaterThanOrEqualTo(10);
        present(scraper.lookup(good.pod("good"), LLAMA));
        missing(scraper.lookup(hung.pod("hung"), LLAMA), MissingReason.NOT_YET_SCRAPED);
    }

    // ---- targets ----

    @Test
    void podsNoLongerListedAreDropped() throws Exception {
        FakePod a = pod().serve(resource("vllm-v1.txt"));
        FakePod b = pod().serve(resource("vllm-v1.txt"));
        PrometheusScraper scraper = scraper(builder());
        scraper.updateTargets(List.of(a.pod("a"), b.pod("b")));
        scraper.scrapeNow();
        scraper.updateTargets(List.of(b.pod("b").markedNotReady()));

        assertThat(scraper.stats().targets()).isEqualTo(1);
        assertThat(missing(scraper.lookup(a.pod("a"), LLAMA), MissingReason.NOT_YET_SCRAPED).detail()).contains("not a scrape target");
        present(scraper.lookup(b.pod("b"), LLAMA)); // same URI: history kept
        scraper.scrapeNow();
        assertThat(a.requests.get()).isEqualTo(1);
        assertThat(b.requests.get()).isEqualTo(2);
    }

    @Test
    void newTargetsAreScrapedAtOnceWhenStarted() throws Exception {
        FakePod server = pod().serve(resource("vllm-v1.txt"));
        PrometheusScraper scraper = scraper(PrometheusScraper.builder().interval(Duration.ofHours(1)).maxAge(Duration.ofHours(1)));
        scraper.start();
        Pod pod = server.pod("p1");
        scraper.updateTargets(List.of(pod));
        await("first metrics", () -> scraper.lookup(pod, LLAMA) instanceof MetricsLookup.Present);
    }

    @Test
    void podLabelsOverridePortAndPath() throws Exception {
        FakePod server = pod().serve(resource("vllm-v1.txt"));
        PrometheusScraper scraper = scraper(builder());
        Pod pod = Pod.ready("p1", "127.0.0.1", 8000, Instant.EPOCH).withLabels(FakePod.labels(
                PrometheusScraper.METRICS_PORT_LABEL, Integer.toString(server.port()),
                PrometheusScraper.METRICS_PATH_LABEL, "/custom/metrics"));
        scraper.updateTargets(List.of(pod));
        scraper.scrapeNow();
        present(scraper.lookup(pod, LLAMA));
        assertThat(server.lastPath).isEqualTo("/custom/metrics");
    }

    @Test
    void badPortLabelMakesABadTarget() throws Exception {
        PrometheusScraper scraper = scraper(builder());
        Pod pod = Pod.ready("p1", "127.0.0.1", 8000, Instant.EPOCH).withLabels(FakePod.labels(PrometheusScraper.METRICS_PORT_LABEL, "http"));
        scraper.updateTargets(List.of(pod));
        scraper.scrapeNow();
        assertThat(missing(scraper.lookup(pod, LLAMA), MissingReason.SCRAPE_FAILED).detail())
                .startsWith("BAD_TARGET: ").contains("podrouter.io/metrics-port=http (expected: a port 1..65535)");
    }

    @Test
    void targetUriFunctionReplacesTheDefaultRule() throws Exception {
        FakePod server = pod().serve(resource("vllm-v1.txt"));
        PrometheusScraper scraper = scraper(builder().targetUri(p -> URI.create("http://127.0.0.1:" + server.port() + "/m/" + p.id())));
        Pod pod = Pod.ready("p7", "ignored.invalid", 1, Instant.EPOCH);
        scraper.updateTargets(List.of(pod));
        scraper.scrapeNow();
        present(scraper.lookup(pod, LLAMA));
        assertThat(server.lastPath).isEqualTo("/m/p7");
    }

    // ---- lifecycle ----

    @Test
    void closeEndsEveryThreadTheScraperOwnsWithoutWaitingForGc() throws Exception {
        FakePod server = pod().serve(resource("vllm-v1.txt"));
        java.util.Set<Thread> before = Thread.getAllStackTraces().keySet();
        PrometheusScraper scraper = PrometheusScraper.builder().interval(Duration.ofMillis(20)).build();
        Pod pod = server.pod("p1");
        scraper.updateTargets(List.of(pod));
        scraper.start();
        await("a few scrapes", () -> server.requests.get() >= 3);
        List<Thread> own = scraperThreads(before);
        assertThat(own).extracting(Thread::getName).anyMatch(n -> n.startsWith("podrouter-scrape-worker-"))
                .anyMatch(n -> n.startsWith("podrouter-scrape-http-")).contains("podrouter-scrape-timer");

        scraper.close();
        scraper.close(); // idempotent

        // close() waited for the executors to terminate; a terminated executor's thread may still be
        // returning from its run loop, so join it (bounded) rather than sample isAlive once
        for (Thread t : own) {
            t.join(5_000);
        }
        assertThat(describe(scraperThreads(before))).as("scraper threads left after close()").isEmpty();
        assertThatThrownBy(scraper::scrapeNow).isInstanceOf(IllegalStateException.class).hasMessageContaining("closed");
        assertThatThrownBy(scraper::start).isInstanceOf(IllegalStateException.class);
        assertThat(scraper.lookup(pod, LLAMA)).isInstanceOf(MetricsLookup.Present.class); // from memory, until stale
    }

    @Test
    void injectedHttpClientIsUsedAndLeftOpenByClose() throws Exception {
        FakePod server = pod().serve(resource("vllm-v1.txt"));
        java.util.concurrent.atomic.AtomicInteger tasks = new java.util.concurrent.atomic.AtomicInteger();
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(2);
        closeables.add(pool::shutdownNow);
        java.net.http.HttpClient client = java.net.http.HttpClient.newBuilder()
                .executor(r -> {
                    tasks.incrementAndGet();
                    pool.execute(r);
                })
                .build();
        java.util.Set<Thread> before = Thread.getAllStackTraces().keySet();
        PrometheusScraper scraper = PrometheusScraper.builder().clock(clock).httpClient(client).build();
        Pod pod = server.pod("p1");
        scraper.updateTargets(List.of(pod));
        scraper.scrapeNow();
        present(scraper.lookup(pod, LLAMA));
        assertThat(tasks.get()).as("the scrape ran on the injected client").isPositive();
        List<Thread> own = scraperThreads(before);
        assertThat(own).extracting(Thread::getName).noneMatch(n -> n.startsWith("podrouter-scrape-http-"));

        scraper.close();
        for (Thread t : own) {
            t.join(5_000);
        }
        assertThat(describe(scraperThreads(before))).as("scraper threads left after close()").isEmpty();
        java.net.http.HttpResponse<String> r = client.send(
                java.net.http.HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + "/metrics")).build(),
                java.net.http.HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as("the injected client still works after the scraper closed").isEqualTo(200);
    }

    /** {@code threads} with each thread's state and top frames, for a failure message. */
    private static List<String> describe(List<Thread> threads) {
        List<String> left = new ArrayList<>();
        for (Thread t : threads) {
            StackTraceElement[] frames = t.getStackTrace();
            left.add(t.getName() + " " + t.getState() + " at "
                    + java.util.Arrays.toString(java.util.Arrays.copyOf(frames, Math.min(frames.length, 6))));
        }
        return left;
    }

    /** Live threads started since {@code before} that the scraper owns (named podrouter-scrape-*). */
    private static List<Thread> scraperThreads(java.util.Set<Thread> before) {
        List<Thread> own = new ArrayList<>();
        for (Thread t : Thread.getAllStackTraces().keySet()) {
            if (!before.contains(t) && t.isAlive() && t.getName().startsWith("podrouter-scrape")) {
                own.add(t);
            }
        }
        return own;
    }

    @Test
    void builderRejectsBadSettingsWithClearMessages() {
        assertThatThrownBy(() -> PrometheusScraper.builder().interval(Duration.ofSeconds(-1)))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("interval: PT-1S (expected: > 0)");
        assertThatThrownBy(() -> PrometheusScraper.builder().timeout(Duration.ZERO))
                .hasMessage("timeout: PT0S (expected: > 0)");
        assertThatThrownBy(() -> PrometheusScraper.builder().maxAge(Duration.ofMillis(500)).build())
                .hasMessage("maxAge: PT0.5S (expected: >= interval PT1S)");
        assertThatThrownBy(() -> PrometheusScraper.builder().maxBodyBytes(0))
                .hasMessage("maxBodyBytes: 0 (expected: 1..2147483639)");
        assertThatThrownBy(() -> PrometheusScraper.builder().concurrency(0)).hasMessage("concurrency: 0 (expected: 1..1024)");
        assertThatThrownBy(() -> PrometheusScraper.builder().latencyHoldTime(Duration.ofSeconds(-2)))
                .hasMessage("latencyHoldTime: PT-2S (expected: >= 0)");
        assertThatThrownBy(() -> PrometheusScraper.builder().metricsPath("metrics"))
                .hasMessage("metricsPath: 'metrics' (expected: a path starting with /)");
        assertThatThrownBy(() -> PrometheusScraper.builder().clock(null)).isInstanceOf(NullPointerException.class)
                .hasMessageContaining("clock: null");
        assertThat(PrometheusScraper.DEFAULT_INTERVAL).isEqualTo(Duration.ofSeconds(1));
        assertThatThrownBy(() -> PrometheusScraper.builder().maxTotalBodyBytes(0))
                .hasMessage("maxTotalBodyBytes: 0 (expected: >= 1)");
        assertThatThrownBy(() -> PrometheusScraper.builder().maxBodyBytes(2048).maxTotalBodyBytes(1024).build())
                .hasMessage("maxTotalBodyBytes: 1024 (expected: >= maxBodyBytes 2048)");
        assertThatThrownBy(() -> PrometheusScraper.builder().kvCacheAggregation(EngineMapping.Aggregation.SUM))
                .hasMessage("kvCacheAggregation: SUM (expected: MEAN or MAX)");
        assertThatThrownBy(() -> PrometheusScraper.builder().logInterval(Duration.ofSeconds(-1)))
                .hasMessage("logInterval: PT-1S (expected: >= 0)");
        assertThatThrownBy(() -> PrometheusScraper.builder().httpClient(null)).isInstanceOf(NullPointerException.class)
                .hasMessageContaining("httpClient: null");
    }

    @Test
    void lookupRejectsNulls() {
        PrometheusScraper scraper = scraper(builder());
        assertThatThrownBy(() -> scraper.lookup(null, "m")).isInstanceOf(NullPointerException.class).hasMessageContaining("pod: null");
        assertThatThrownBy(() -> scraper.lookup(Pod.ready("p", "h", 1, Instant.EPOCH), null))
                .isInstanceOf(NullPointerException.class).hasMessageContaining("model: null");
    }
}
