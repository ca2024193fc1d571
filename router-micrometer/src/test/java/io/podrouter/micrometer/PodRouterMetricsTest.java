package io.podrouter.micrometer;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.distribution.CountAtBucket;
import io.micrometer.core.instrument.distribution.HistogramSnapshot;
import io.micrometer.core.instrument.config.NamingConvention;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.podrouter.api.Candidates;
import io.podrouter.api.EjectionReason;
import io.podrouter.api.Fallback;
import io.podrouter.api.InferenceRequest;
import io.podrouter.api.MetricsLookup;
import io.podrouter.api.MissingReason;
import io.podrouter.api.Outcome;
import io.podrouter.api.Pod;
import io.podrouter.api.PodMetrics;
import io.podrouter.api.PodSelection;
import io.podrouter.api.RandomSource;
import io.podrouter.api.WarmupOutcome;
import io.podrouter.core.Router;
import io.podrouter.core.telemetry.PrometheusExposition;
import io.podrouter.core.telemetry.TelemetrySnapshot;
import io.podrouter.core.telemetry.TelemetrySnapshot.PodTelemetry;
import io.podrouter.strategies.LeastRequestStrategy;
import org.junit.jupiter.api.Test;

import java.lang.ref.WeakReference;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class PodRouterMetricsTest {

    private static final Duration AGE = Duration.ofSeconds(1);

    private final Object owner = new Object();
    private final FakeTelemetry telemetry = new FakeTelemetry();
    private final Map<String, PodTelemetry> pods = new ConcurrentHashMap<>();
    private final AtomicInteger snapshots = new AtomicInteger();
    private final AtomicLong nanos = new AtomicLong(1_000);
    private final Function<Object, TelemetrySnapshot> source = o -> {
        snapshots.incrementAndGet();
        return telemetry.snapshot(3, pods);
    };

    private PodRouterMetrics binder(Tags tags) {
        return new PodRouterMetrics(tags, AGE, nanos::get).attach(owner, source);
    }

    private void later() {
        nanos.addAndGet(AGE.toNanos());
    }

    private static double counter(SimpleMeterRegistry r, String name, String... tags) {
        return r.get(name).tags(tags).functionCounter().count();
    }

    @Test
    void metersMirrorTheSnapshot() {
        telemetry.selections("least-kv-cache", Fallback.NONE, 40);
        telemetry.selections("random", Fallback.LAST_RESORT_RANDOM, 0);
        telemetry.fallbacks("least-kv-cache", Fallback.RANDOM_METRIC_MISSING, MissingReason.STALE, 2);
        telemetry.outcomes.put(Outcome.SUCCESS, 1L);
        telemetry.outcomes.put(Outcome.FAILURE, 2L);
        telemetry.coldRequests = 1;
        telemetry.coldRequestsFailed = 1;
        telemetry.warmups.put(WarmupOutcome.TIMEOUT, 1L);
        telemetry.ejections.put(EjectionReason.CONSECUTIVE_FAILURES, 1L);
        telemetry.ejectedPods = 1;
        telemetry.ejectionsSkipped = 1;
        telemetry.inFlightReclaimed = 2;
        pods.put("pod-a", new PodTelemetry(17, 4));
        SimpleMeterRegistry r = new SimpleMeterRegistry();
        binder(Tags.empty()).bindTo(r);

        assertThat(counter(r, PodRouterMetrics.SELECTIONS, "strategy", "least-kv-cache", "fallback", "NONE")).isEqualTo(40);
        assertThat(counter(r, PodRouterMetrics.SELECTIONS, "strategy", "random", "fallback", "LAST_RESORT_RANDOM")).isZero();
        assertThat(counter(r, PodRouterMetrics.FALLBACKS, "strategy", "least-kv-cache",
                "fallback", "RANDOM_METRIC_MISSING", "reason", "STALE")).isEqualTo(2);
        assertThat(counter(r, PodRouterMetrics.OUTCOMES, "outcome", "FAILURE")).isEqualTo(2);
        assertThat(counter(r, PodRouterMetrics.OUTCOMES, "outcome", "CANCELLED")).isZero();
        assertThat(counter(r, PodRouterMetrics.POD_SELECTIONS, "pod", "pod-a")).isEqualTo(17);
        assertThat(r.get(PodRouterMetrics.POD_IN_FLIGHT).tags("pod", "pod-a").gauge().value()).isEqualTo(4);
        assertThat(counter(r, PodRouterMetrics.COLD_REQUESTS)).isEqualTo(1);
        assertThat(counter(r, PodRouterMetrics.COLD_REQUESTS_FAILED)).isEqualTo(1);
        assertThat(counter(r, PodRouterMetrics.WARMUP_PROBES, "outcome", "TIMEOUT")).isEqualTo(1);
        assertThat(r.get(PodRouterMetrics.COLD_PODS).gauge().value()).isEqualTo(3);
        assertThat(counter(r, PodRouterMetrics.OUTLIER_EJECTIONS, "reason", "CONSECUTIVE_FAILURES")).isEqualTo(1);
        assertThat(counter(r, PodRouterMetrics.OUTLIER_EJECTIONS_SKIPPED)).isEqualTo(1);
        assertThat(r.get(PodRouterMetrics.EJECTED_PODS).gauge().value()).isEqualTo(1);
        assertThat(counter(r, PodRouterMetrics.IN_FLIGHT_RECLAIMED)).isEqualTo(2);
    }

    @Test
    void everyMeterHasTheNameAndLabelsOfAPrometheusExpositionFamily() {
        telemetry.selections("least-request", Fallback.NONE, 1);
        telemetry.fallbacks("least-request", Fallback.LAST_RESORT_RANDOM, null, 1);
        pods.put("pod-a", new PodTelemetry(1, 0));
        SimpleMeterRegistry r = new SimpleMeterRegistry();
        binder(Tags.empty()).bindTo(r);
        String text = new PrometheusExposition(null).toText(source.apply(owner));

        Set<String> families = new HashSet<>();
        for (Meter m : r.getMeters()) {
            if (m.getId().getName().endsWith(".histogram")) {
                continue; // SimpleMeterRegistry's gauges per bucket; a Prometheus registry writes them as _bucket
            }
            String name = NamingConvention.snakeCase.name(m.getId().getName(), m.getId().getType());
            String family = switch (m.getId().getType()) {
                case COUNTER -> name + "_total";
                case TIMER -> name + "_seconds"; // Micrometer's Prometheus registry appends the base unit
                default -> name;
            };
            families.add(family);
            assertThat(text).as(m.getId().toString()).contains("# TYPE " + family + " ");
            for (var tag : m.getId().getTags()) {
                assertThat(text).as(m.getId() + " label " + tag.getKey()).containsPattern(
                        "(?m)^" + family + "(_count|_sum|_bucket)?\\{[^}]*" + tag.getKey() + "=\"");
            }
        }
        assertThat(families).contains("podrouter_selections_total", "podrouter_pod_selections_total",
                "podrouter_pod_in_flight", "podrouter_outcomes_total", "podrouter_fallbacks_total",
                "pod_coldstart_duration_seconds", "podrouter_outlier_ejections_total", "podrouter_ejected_pods");
        List<String> exposed = text.lines().filter(l -> l.startsWith("# TYPE ")).map(l -> l.split(" ")[2]).toList();
        assertThat(families).as("every exposition family has a meter").containsAll(exposed);
    }

    @Test
    void podMetersAppearAndDisappearWithThePodsTheRouterKnows() {
        pods.put("pod-a", new PodTelemetry(5, 1));
        pods.put("pod-b", new PodTelemetry(7, 0));
        SimpleMeterRegistry r = new SimpleMeterRegistry();
        SimpleMeterRegistry other = new SimpleMeterRegistry();
        PodRouterMetrics binder = binder(Tags.empty());
        binder.bindTo(r);
        binder.bindTo(other);
        assertThat(podTags(r)).containsExactlyInAnyOrder("pod-a", "pod-b");
        assertThat(podTags(other)).containsExactlyInAnyOrder("pod-a", "pod-b");

        pods.remove("pod-a");
        pods.put("pod-b", new PodTelemetry(9, 2));
        pods.put("pod-c", new PodTelemetry(1, 1));
        // Within the snapshot age nothing changes; afterwards the next read brings the meters up to date.
        assertThat(r.get(PodRouterMetrics.COLD_PODS).gauge().value()).isEqualTo(3);
        assertThat(podTags(r)).containsExactlyInAnyOrder("pod-a", "pod-b");
        later();
        assertThat(r.get(PodRouterMetrics.COLD_PODS).gauge().value()).isEqualTo(3);

        assertThat(podTags(r)).containsExactlyInAnyOrder("pod-b", "pod-c");
        assertThat(podTags(other)).containsExactlyInAnyOrder("pod-b", "pod-c");
        assertThat(r.find(PodRouterMetrics.POD_IN_FLIGHT).tag("pod", "pod-a").gauge()).isNull();
        assertThat(counter(r, PodRouterMetrics.POD_SELECTIONS, "pod", "pod-b")).isEqualTo(9);
        assertThat(other.get(PodRouterMetrics.POD_IN_FLIGHT).tags("pod", "pod-c").gauge().value()).isEqualTo(1);
    }

    private static Set<String> podTags(SimpleMeterRegistry r) {
        Set<String> ids = new HashSet<>();
        for (Meter m : r.getMeters()) {
            if (m.getId().getName().startsWith("podrouter.pod.")) {
                ids.add(m.getId().getTag("pod"));
            }
        }
        return ids;
    }

    @Test
    void allMetersShareOneSnapshotWithinTheMaximumAge() {
        SimpleMeterRegistry r = new SimpleMeterRegistry();
        binder(Tags.empty()).bindTo(r);
        int taken = snapshots.get(); // attach reads the bucket bounds, bindTo registers from a fresh one
        r.getMeters().forEach(m -> m.measure().forEach(x -> x.getValue()));
        r.getMeters().forEach(m -> m.measure().forEach(x -> x.getValue()));
        assertThat(snapshots).hasValue(taken);
        telemetry.outcomes.put(Outcome.CANCELLED, 1L);
        assertThat(counter(r, PodRouterMetrics.OUTCOMES, "outcome", "CANCELLED")).as("cached").isZero();
        later();
        assertThat(counter(r, PodRouterMetrics.OUTCOMES, "outcome", "CANCELLED")).isEqualTo(1);
        r.getMeters().forEach(m -> m.measure().forEach(x -> x.getValue()));
        assertThat(snapshots).hasValue(taken + 1);
    }

    @Test
    void newStrategiesAndFallbackKindsGetMetersAtTheNextSnapshot() {
        SimpleMeterRegistry r = new SimpleMeterRegistry();
        binder(Tags.empty()).bindTo(r);
        assertThat(r.find(PodRouterMetrics.FALLBACKS).functionCounters()).isEmpty();
        telemetry.fallbacks("least-kv-cache", Fallback.CHAIN, null, 3);
        later();
        r.getMeters().forEach(m -> m.measure().forEach(x -> x.getValue()));
        FunctionCounter c = r.get(PodRouterMetrics.FALLBACKS).tags("strategy", "least-kv-cache", "fallback", "CHAIN", "reason", "")
                .functionCounter();
        assertThat(c.count()).isEqualTo(3);
    }

    @Test
    void extraTagsAreOnEveryMeterAndBindingTwiceRegistersNothingNew() {
        pods.put("pod-a", new PodTelemetry(0, 0));
        SimpleMeterRegistry r = new SimpleMeterRegistry();
        PodRouterMetrics binder = binder(Tags.of("gateway", "chat"));
        binder.bindTo(r);
        int meters = r.getMeters().size();
        binder.bindTo(r);
        assertThat(r.getMeters()).hasSize(meters).allSatisfy(m -> assertThat(m.getId().getTag("gateway")).isEqualTo("chat"));
    }

    @Test
    void metersDoNotKeepTheRouterAliveAndGaugesReportNaNOnceItIsGone() throws InterruptedException {
        SimpleMeterRegistry r = new SimpleMeterRegistry();
        Object router = new Object();
        WeakReference<Object> ref = new WeakReference<>(router);
        new PodRouterMetrics(Tags.empty(), AGE, nanos::get).attach(router, source).bindTo(r);
        assertThat(r.get(PodRouterMetrics.COLD_PODS).gauge().value()).isEqualTo(3);
        router = null;
        // Bounded retries: the registry must not be what keeps the owner reachable.
        for (int attempt = 0; attempt < 50 && ref.get() != null; attempt++) {
            System.gc();
            Thread.sleep(20);
        }
        assertThat(ref.get()).isNull();
        later();
        assertThat(r.get(PodRouterMetrics.COLD_PODS).gauge().value()).isNaN();
        // Micrometer's function counters keep the last value they read.
        assertThat(r.get(PodRouterMetrics.OUTCOMES).tags("outcome", "SUCCESS").functionCounter().count()).isZero();
    }

    @Test
    void invalidArgumentsAreRejectedWithTheirName() {
        assertThatThrownBy(() -> new PodRouterMetrics().attach(null)).isInstanceOf(NullPointerException.class)
                .hasMessage("router: null (expected: a Router)");
        assertThatThrownBy(() -> new PodRouterMetrics(null)).isInstanceOf(NullPointerException.class)
                .hasMessage("tags: null (expected: tags, or Tags.empty())");
        assertThatThrownBy(() -> new PodRouterMetrics(Tags.empty(), Duration.ofMillis(-1)))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("maxSnapshotAge: PT-0.001S (expected: >= 0)");
        assertThatThrownBy(() -> new PodRouterMetrics().bindTo(new SimpleMeterRegistry()))
                .isInstanceOf(IllegalStateException.class)
                .hasMessage("router: not attached (expected: attach(router) before bindTo)");
        assertThatThrownBy(() -> binder(Tags.empty()).attach(owner, source)).isInstanceOf(IllegalStateException.class)
                .hasMessage("router: already attached (expected: one router per PodRouterMetrics)");
        assertThatThrownBy(() -> binder(Tags.empty()).bindTo(null)).isInstanceOf(NullPointerException.class)
                .hasMessage("registry: null (expected: a MeterRegistry)");
    }

    @Test
    void aRealRoutersSelectionsAndOutcomesShowAsMeters() {
        Instant t0 = Instant.parse("2026-01-01T00:00:00Z");
        try (Router router = Router.builder()
                .metricsSource((pod, model) -> MetricsLookup.present(PodMetrics.observedAt(t0).withRunningRequests(0)))
                .strategy(new LeastRequestStrategy()).clock(() -> t0).random(RandomSource.seeded(3))
                .metricsRefreshInterval(Duration.ZERO).build()) {
            SimpleMeterRegistry r = new SimpleMeterRegistry();
            new PodRouterMetrics(Tags.empty(), Duration.ZERO).attach(router).bindTo(r);
            Candidates c = router.candidates(List.of(Pod.ready("p1", "10.0.0.1", 8000, t0.minusSeconds(600)),
                    Pod.ready("p2", "10.0.0.2", 8000, t0.minusSeconds(600))));
            InferenceRequest req = InferenceRequest.forModel("m");
            PodSelection held = router.selectPod(req, c);
            for (int i = 0; i < 5; i++) {
                router.selectPod(req, c).complete(Outcome.SUCCESS, 1_000);
            }
            router.selectPod(req, c).complete(Outcome.FAILURE, -1);

            // The first read takes a snapshot in which p1 and p2 exist and registers their meters.
            assertThat(counter(r, PodRouterMetrics.OUTCOMES, "outcome", "SUCCESS")).isEqualTo(5);
            assertThat(counter(r, PodRouterMetrics.OUTCOMES, "outcome", "FAILURE")).isEqualTo(1);
            assertThat(counter(r, PodRouterMetrics.SELECTIONS, "strategy", "least-request", "fallback", "NONE")).isEqualTo(7);
            assertThat(counter(r, PodRouterMetrics.POD_SELECTIONS, "pod", "p1")
                    + counter(r, PodRouterMetrics.POD_SELECTIONS, "pod", "p2")).isEqualTo(7);
            assertThat(r.get(PodRouterMetrics.POD_IN_FLIGHT).tags("pod", held.pod().id()).gauge().value()).isEqualTo(1);
            held.close();
            assertThat(r.get(PodRouterMetrics.POD_IN_FLIGHT).tags("pod", held.pod().id()).gauge().value()).isZero();
        }
    }

    @Test
    void coldStartDurationsHeardFromTheRouterFillATimerWithTheExpositionsBuckets() {
        Instant t0 = Instant.parse("2026-01-01T00:00:00Z");
        AtomicReference<Instant> now = new AtomicReference<>(t0);
        Map<String, PodMetrics> answers = new ConcurrentHashMap<>();
        PodRouterMetrics metrics = new PodRouterMetrics(Tags.of("gateway", "chat"), Duration.ZERO);
        try (Router router = Router.builder()
                .metricsSource((pod, model) -> {
                    PodMetrics m = answers.get(pod.id());
                    return m == null ? MetricsLookup.missing(MissingReason.NOT_YET_SCRAPED) : MetricsLookup.present(m);
                })
                .strategy(new LeastRequestStrategy()).clock(now::get).random(RandomSource.seeded(3))
                .metricsRefreshInterval(Duration.ZERO)
                .eventListener(metrics.eventListener())
                .build()) {
            SimpleMeterRegistry r = new SimpleMeterRegistry();
            metrics.attach(router).bindTo(r);
            Candidates c = router.candidates(List.of(Pod.ready("a", "10.0.0.1", 8000, t0),
                    Pod.ready("b", "10.0.0.2", 8000, t0), Pod.ready("c", "10.0.0.3", 8000, t0)));
            router.selectPod(InferenceRequest.forModel("m"), c).complete(Outcome.SUCCESS, 1);
            for (String[] step : new String[][] {{"a", "500"}, {"b", "12000"}, {"c", "400000"}}) {
                now.set(t0.plusMillis(Long.parseLong(step[1])));
                answers.put(step[0], PodMetrics.observedAt(now.get()).withRunningRequests(0));
                router.refreshMetrics();
            }

            TelemetrySnapshot.Histogram expected = router.telemetry().coldStartDurations();
            assertThat(expected.count()).isEqualTo(3);
            Timer timer = r.get(PodRouterMetrics.COLDSTART_DURATION).tags("gateway", "chat").timer();
            HistogramSnapshot hs = timer.takeSnapshot();
            assertThat(hs.count()).isEqualTo(expected.count());
            assertThat(hs.total(TimeUnit.SECONDS)).isEqualTo(expected.sum());
            Map<Double, Double> buckets = new HashMap<>();
            for (CountAtBucket b : hs.histogramCounts()) {
                buckets.put(b.bucket(TimeUnit.SECONDS), b.count());
            }
            List<Double> bounds = expected.upperBounds();
            assertThat(buckets).as("one bucket per finite bound").hasSize(bounds.size() - 1);
            for (int i = 0; i < bounds.size() - 1; i++) {
                assertThat(buckets.get(bounds.get(i))).as("le=%s", bounds.get(i))
                        .isEqualTo((double) expected.cumulativeCounts().get(i));
            }
            assertThat(buckets.get(0.5)).as("a bound is inclusive, as Prometheus' le").isEqualTo(1);
            assertThat(buckets.get(300.0)).as("400 s falls only in +Inf").isEqualTo(2);
        }
    }

    @Test
    void withoutItsListenerTheTimerStaysEmptyInsteadOfInventingDurations() {
        telemetry.coldStarts.add(Duration.ofSeconds(3));
        SimpleMeterRegistry r = new SimpleMeterRegistry();
        PodRouterMetrics binder = binder(Tags.empty());
        binder.bindTo(r);
        later();
        r.getMeters().forEach(m -> m.measure().forEach(x -> x.getValue())); // a refresh notices the gap and logs it
        assertThat(r.get(PodRouterMetrics.COLDSTART_DURATION).timer().count()).isZero();

        binder.eventListener().firstMetrics(Pod.ready("p", "10.0.0.1", 8000, Instant.EPOCH), Duration.ofSeconds(7));
        binder.eventListener().firstMetrics(Pod.ready("p", "10.0.0.1", 8000, Instant.EPOCH), Duration.ofSeconds(-1));
        assertThat(r.get(PodRouterMetrics.COLDSTART_DURATION).timer().count()).as("negative durations are dropped")
                .isEqualTo(1);
    }

    @Test
    void updateRemovesTheMetersOfADepartedPodAtOnceAndAddsNewOnes() {
        pods.put("pod-a", new PodTelemetry(5, 1));
        SimpleMeterRegistry r = new SimpleMeterRegistry();
        PodRouterMetrics binder = binder(Tags.empty());
        binder.bindTo(r);
        int meters = r.getMeters().size();
        pods.remove("pod-a");
        pods.put("pod-b", new PodTelemetry(0, 0));
        binder.update(); // no clock advance: a scrape endpoint calls it right before scraping
        assertThat(podTags(r)).containsExactly("pod-b");
        assertThat(r.find(PodRouterMetrics.POD_SELECTIONS).tag("pod", "pod-a").functionCounter()).isNull();
        assertThat(r.getMeters()).as("bounded: one pod's meters out, one pod's in").hasSize(meters);
        pods.clear();
        binder.update();
        assertThat(podTags(r)).isEmpty();
    }
}
