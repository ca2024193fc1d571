package io.podrouter.bench.select;

import io.podrouter.api.Candidates;
import io.podrouter.api.InferenceRequest;
import io.podrouter.api.Outcome;
import io.podrouter.api.Pod;
import io.podrouter.api.PodSelection;
import io.podrouter.core.Router;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * podrouter's selection hot path: one {@code selectPod} on a prepared {@link Candidates} plus the
 * selection's {@code complete}, per strategy, candidate count and metrics state, on 1 thread and on 2
 * threads sharing one router.
 *
 * <p>Steady state: the router refreshes metrics only when told ({@code metricsRefreshInterval(ZERO)}),
 * its clock is fixed, and {@link #setUp()} builds and refreshes the metrics table before measuring, so
 * the measured path is exactly what a gateway runs between two background refreshes. The selection is
 * returned to JMH, so it escapes as it does in a gateway (which holds it until the response) and its
 * allocation is counted. Completing at once means that, on 1 thread, every in-flight count is 0 at each
 * pick: least-request then sees all candidates tied (its tie-break pass runs every time).
 *
 * <p>Pods without metrics are cold for the router (Ready, never scraped), so in the
 * {@link MetricsMode#COLD_10_PERCENT} and {@link MetricsMode#ALL_MISSING} modes the measured path includes
 * the router's cold-start handling as configured by default (admission under the cold in-flight cap,
 * metric prediction from warm peers, cold-start telemetry): the real cost of routing during a cold start.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
@State(Scope.Benchmark)
public class RouterSelectBenchmark {

    /** Seed of the fixture's metric values. */
    static final long SEED = 42;
    /** Latency reported on completion (1 ms); only recorded by strategies that use it. */
    static final long LATENCY_NANOS = 1_000_000;

    @Param({"ROUND_ROBIN", "LEAST_REQUEST_EXACT", "LEAST_REQUEST_P2C", "LEAST_KV_CACHE", "LEAST_LATENCY", "RANDOM"})
    public RouterStrategy strategy;

    @Param({"8", "64", "512", "4096"})
    public int pods;

    @Param({"PRESENT", "COLD_10_PERCENT", "ALL_MISSING"})
    public MetricsMode metrics;

    private Router router;
    private BenchFixture fixture;
    private Candidates candidates;
    private InferenceRequest request;

    /**
     * Builds the router and candidate set, builds the metrics table by one selection, refreshes it, and
     * checks that selections work and that completion returns every in-flight count to 0.
     */
    @Setup(Level.Trial)
    public void setUp() {
        fixture = BenchFixture.create(pods, metrics, SEED);
        router = Router.builder()
                .metricsSource(fixture.source())
                .strategy(strategy.create())
                .clock(BenchFixture.clock())
                .metricsRefreshInterval(Duration.ZERO)
                .build();
        candidates = router.candidates(fixture.pods());
        request = InferenceRequest.forModel("llama-3.1-8b").withPromptTokens(220).withMaxOutputTokens(200);
        router.selectPod(request, candidates).complete(Outcome.SUCCESS, LATENCY_NANOS);
        router.refreshMetrics();
        for (int i = 0; i < 4 * pods; i++) {
            PodSelection s = selectAndComplete();
            if (!s.pod().ready()) {
                throw new IllegalStateException("selected a pod that is not ready: " + s.describe());
            }
        }
        checkNothingInFlight();
    }

    /** Closes the router after checking that in-flight accounting balanced out over the whole run. */
    @TearDown(Level.Trial)
    public void tearDown() {
        try {
            checkNothingInFlight();
        } finally {
            router.close();
        }
    }

    private void checkNothingInFlight() {
        for (Pod pod : fixture.pods()) {
            int inFlight = router.inFlight(pod.id());
            if (inFlight != 0) {
                throw new IllegalStateException("pod " + pod.id() + " has " + inFlight + " in flight (expected: 0)");
            }
        }
    }

    private PodSelection selectAndComplete() {
        PodSelection selection = router.selectPod(request, candidates);
        selection.complete(Outcome.SUCCESS, LATENCY_NANOS);
        return selection;
    }

    /** One thread selecting and completing. */
    @Benchmark
    @Threads(1)
    public PodSelection oneThread() {
        return selectAndComplete();
    }

    /** Two threads selecting and completing on the same router and candidate set. */
    @Benchmark
    @Threads(2)
    public PodSelection twoThreads() {
        return selectAndComplete();
    }
}
