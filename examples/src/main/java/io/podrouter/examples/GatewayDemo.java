package io.podrouter.examples;

import io.podrouter.prometheus.text.Exposition;
import io.podrouter.prometheus.text.MetricFamily;
import io.podrouter.prometheus.text.PrometheusTextParser;
import io.podrouter.prometheus.text.Sample;
import io.podrouter.examples.fakevllm.FakeVllmBackend;
import io.podrouter.examples.gateway.InferenceGateway;

import java.io.IOException;
import java.io.InputStream;
import java.net.HttpURLConnection;
import java.net.URL;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The README's first command: podrouter in an OpenAI-compatible gateway, live, on loopback, in 30 s.
 *
 * <p>Starts an {@link InferenceGateway} and three warm {@link FakeVllmBackend}s serving one model, drives
 * steady load through the gateway with a few client threads ({@link LoadDriver}), and at t = 6 s starts a
 * fourth backend cold: healthy at once (so discovery reports it Ready and the gateway adds it), but
 * without vLLM metrics for 5 s and with slow first requests. Prints one line per second (requests per
 * second, each backend's share, errors, whether pod-d is cold) and a summary with the cold-start
 * telemetry read back from the gateway's {@code GET /metrics}. The router runs with its defaults (bounded
 * cold share, burst cap, outlier detection); the scrape interval (250 ms) is shorter than the scraper's
 * default (1 s) so that the whole cold start fits in the run; the output says so. Ends by itself and frees every port and thread.
 *
 * <p>Example code: prints to standard output. Run with
 * {@code mvn -q -B -pl examples -am compile exec:java}.
 */
public final class GatewayDemo {

    private static final String MODEL = "llama-3-8b";
    private static final int RUN_SECONDS = 30;
    private static final int COLD_BACKEND_AT_SECOND = 6;
    private static final Duration COLD_METRICS_DELAY = Duration.ofSeconds(5);
    private static final Duration SCRAPE_INTERVAL = Duration.ofMillis(250);
    private static final int CLIENTS = 6;

    private GatewayDemo() {
    }

    /**
     * Runs the demo (about 30 s).
     *
     * @param args ignored
     * @throws Exception when a server cannot start (ports, threads); the demo then stops what it started
     */
    public static void main(String[] args) throws Exception {
        if (System.getProperty("org.slf4j.simpleLogger.defaultLogLevel") == null) {
            // The per-second lines are the show; the library's INFO lines would interleave with them.
            System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", "warn");
        }
        List<FakeVllmBackend> backends = new ArrayList<>();
        InferenceGateway gateway = null;
        LoadDriver load = null;
        try {
            gateway = InferenceGateway.builder()
                    .scrapeInterval(SCRAPE_INTERVAL)
                    .start(); // the router's defaults: bounded cold share, burst cap, outlier detection
            for (String id : List.of("pod-a", "pod-b", "pod-c")) {
                FakeVllmBackend b = FakeVllmBackend.builder(id, MODEL).build().start();
                backends.add(b);
                HealthProbe.awaitHealthy(b.host(), b.port(), Duration.ofSeconds(10));
                // These three have been up for a while: Ready long ago, so no ramp and no cold start.
                gateway.addBackend(MODEL, io.podrouter.api.Pod.ready(id, b.host(), b.port(), Instant.now().minus(Duration.ofMinutes(10))));
            }
            if (!gateway.awaitMetrics(Duration.ofSeconds(10))) {
                throw new IllegalStateException("the warm backends' metrics did not arrive within 10 s");
            }
            printHeader(gateway);

            load = new LoadDriver(gateway.baseUri(), MODEL, CLIENTS, Duration.ofMillis(10));
            long t0 = System.nanoTime();
            load.start();
            Instant coldReadySince = null;
            boolean seenCold = false;
            boolean metricsAnnounced = false;
            int seen = 0;
            for (int second = 1; second <= RUN_SECONDS; second++) {
                sleepUntil(t0 + second * 1_000_000_000L);
                if (second == COLD_BACKEND_AT_SECOND) {
                    FakeVllmBackend cold = FakeVllmBackend.builder("pod-d", MODEL)
                            .coldStart(COLD_METRICS_DELAY, 10, 5.0).build().start();
                    backends.add(cold);
                    HealthProbe.awaitHealthy(cold.host(), cold.port(), Duration.ofSeconds(10));
                    gateway.addBackend(MODEL, "pod-d", cold.host(), cold.port());
                    coldReadySince = Instant.now();
                    System.out.printf("  -- t=%ds: pod-d started and healthy: added as Ready; its engine exports no vllm: metrics for %d s --%n",
                            second, COLD_METRICS_DELAY.toSeconds());
                }
                List<LoadDriver.Result> all = load.results();
                List<LoadDriver.Result> window = all.subList(seen, all.size());
                seen = all.size();
                seenCold |= gateway.router().isCold("pod-d");
                if (seenCold && !metricsAnnounced && !gateway.router().isCold("pod-d")) {
                    metricsAnnounced = true;
                    System.out.printf("  -- by t=%ds: pod-d's first metrics were scraped: no longer cold (exact time in the summary); now ranked by its metrics --%n",
                            second);
                }
                System.out.println(line(second, window, gateway, coldReadySince, seenCold));
            }
            load.stop();
            printSummary(load.results(), backends, gateway);
        } finally {
            if (load != null) {
                load.stop();
            }
            if (gateway != null) {
                gateway.close();
            }
            backends.forEach(FakeVllmBackend::close);
        }
        System.out.println("all servers stopped, ports and threads released.");
    }

    private static void printHeader(InferenceGateway gateway) {
        System.out.println("podrouter gateway demo: an OpenAI-compatible gateway at " + gateway.baseUri()
                + " routes model " + MODEL + " over fake vLLM backends on 127.0.0.1.");
        System.out.println("  router: " + String.join(" then ", gateway.router().strategies().stream()
                .map(s -> s.name()).toList()) + ", fed by a Prometheus scraper of each backend's /metrics.");
        System.out.println("  shortened for a 30 s run: scrape interval " + SCRAPE_INTERVAL.toMillis() + " ms (default 1 s).");
        System.out.println("  " + CLIENTS + " client threads send requests back to back (half streamed). At t="
                + COLD_BACKEND_AT_SECOND + "s a 4th backend, pod-d, starts cold.");
        System.out.println();
        System.out.println("    t  req/s   pod-a  pod-b  pod-c  pod-d  errors  pod-d");
    }

    private static String line(int second, List<LoadDriver.Result> window, InferenceGateway gateway,
                               Instant coldReadySince, boolean seenCold) {
        Map<String, Integer> perPod = new LinkedHashMap<>();
        for (String id : List.of("pod-a", "pod-b", "pod-c", "pod-d")) {
            perPod.put(id, 0);
        }
        int errors = 0;
        for (LoadDriver.Result r : window) {
            if (!r.ok()) {
                errors++;
            } else if (r.pod() != null) {
                perPod.merge(r.pod(), 1, Integer::sum);
            }
        }
        int ok = window.size() - errors;
        StringBuilder b = new StringBuilder(String.format(Locale.ROOT, "  %3ds  %5d ", second, window.size()));
        for (Map.Entry<String, Integer> e : perPod.entrySet()) {
            boolean registered = !gateway.backends(MODEL).stream().noneMatch(p -> p.id().equals(e.getKey()));
            b.append(registered && ok > 0 ? String.format(Locale.ROOT, "  %4.0f%%", 100.0 * e.getValue() / ok) : "      -");
        }
        b.append(String.format(Locale.ROOT, "  %6d  ", errors));
        if (coldReadySince == null) {
            b.append("-");
        } else if (gateway.router().isCold("pod-d")) {
            b.append(String.format(Locale.ROOT, "cold (no metrics yet): bounded share, %d in flight",
                    gateway.router().inFlight("pod-d")));
        } else if (!seenCold) {
            b.append("added, not routed to yet");
        } else {
            b.append("warm: ranked by its metrics");
        }
        return b.toString();
    }

    private static void printSummary(List<LoadDriver.Result> results, List<FakeVllmBackend> backends,
                                     InferenceGateway gateway) throws IOException {
        System.out.println();
        List<Long> latencies = new ArrayList<>();
        Map<String, Integer> perPod = new LinkedHashMap<>();
        backends.forEach(b -> perPod.put(b.id(), 0));
        LoadDriver.Result firstError = null;
        int errors = 0;
        for (LoadDriver.Result r : results) {
            if (r.ok()) {
                latencies.add(r.latencyNanos());
                perPod.merge(r.pod(), 1, Integer::sum);
            } else {
                errors++;
                firstError = firstError == null ? r : firstError;
            }
        }
        latencies.sort(null);
        System.out.printf(Locale.ROOT, "summary: %d requests in %d s, %d failed; latency through the gateway p50 %.0f ms, p99 %.0f ms%n",
                results.size(), RUN_SECONDS, errors, percentileMillis(latencies, 0.50), percentileMillis(latencies, 0.99));
        System.out.println("  requests per backend: " + perPod);
        if (firstError != null) {
            System.out.println("  first failure: " + firstError.problem());
        }
        String text = get(gateway.baseUri().resolve("/metrics").toURL());
        Exposition metrics;
        try {
            metrics = PrometheusTextParser.parseExposition(text);
        } catch (io.podrouter.prometheus.text.ParseException e) {
            throw new IOException("gateway /metrics did not parse: " + e.getMessage(), e);
        }
        System.out.println("cold-start telemetry, from the gateway's GET /metrics:");
        double count = value(metrics, "pod_coldstart_duration_seconds", "pod_coldstart_duration_seconds_count");
        double sum = value(metrics, "pod_coldstart_duration_seconds", "pod_coldstart_duration_seconds_sum");
        System.out.printf(Locale.ROOT, "  pod_coldstart_duration_seconds: %.0f observation(s), total %.2f s from Ready to first metrics%n",
                count, sum);
        System.out.printf(Locale.ROOT, "  podrouter_cold_requests_total %.0f (routed to pod-d while cold), podrouter_cold_requests_failed_total %.0f%n",
                value(metrics, "podrouter_cold_requests_total", "podrouter_cold_requests_total"),
                value(metrics, "podrouter_cold_requests_failed_total", "podrouter_cold_requests_failed_total"));
        MetricFamily fallbacks = metrics.family("podrouter_fallbacks_total");
        if (fallbacks != null) {
            for (Sample s : fallbacks.samples()) {
                System.out.printf(Locale.ROOT, "  podrouter_fallbacks_total{strategy=%s,fallback=%s,reason=%s} %.0f%n",
                        s.label("strategy"), s.label("fallback"), s.label("reason"), s.value());
            }
        }
        System.out.printf(Locale.ROOT, "  podrouter_cold_pods %.0f (now); the scraper made %d scrapes, %d failed%n",
                value(metrics, "podrouter_cold_pods", "podrouter_cold_pods"), gateway.scraper().stats().attempts(),
                gateway.scraper().stats().totalFailures());
    }

    private static double value(Exposition metrics, String family, String sample) {
        MetricFamily f = metrics.family(family);
        if (f == null) {
            return Double.NaN;
        }
        for (Sample s : f.samples()) {
            if (s.name().equals(sample)) {
                return s.value();
            }
        }
        return Double.NaN;
    }

    private static double percentileMillis(List<Long> sorted, double q) {
        if (sorted.isEmpty()) {
            return Double.NaN;
        }
        int i = Math.min(sorted.size() - 1, (int) Math.ceil(q * sorted.size()) - 1);
        return sorted.get(Math.max(0, i)) / 1e6;
    }

    private static String get(URL url) throws IOException {
        HttpURLConnection c = (HttpURLConnection) url.openConnection();
        try (InputStream in = c.getInputStream()) {
            return new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        } finally {
            c.disconnect();
        }
    }

    private static void sleepUntil(long nanoTime) throws InterruptedException {
        long wait = nanoTime - System.nanoTime();
        if (wait > 0) {
            Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
        }
    }
}
