package io.podrouter.bench.select;

import io.podrouter.api.Candidates;
import io.podrouter.api.Fallback;
import io.podrouter.api.InferenceRequest;
import io.podrouter.api.MissingReason;
import io.podrouter.api.Outcome;
import io.podrouter.api.Pod;
import io.podrouter.api.PodSelection;
import io.podrouter.api.RouterEventListener;
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
import java.util.concurrent.atomic.LongAdder;

/**
 * What a {@link RouterEventListener} costs on the selection path: the {@link RouterSelectBenchmark}
 * steady state (one {@code selectPod} plus its {@code complete}) without a listener and with one that
 * counts its {@code selected} and {@code completed} calls (a minimal, non-allocating listener, so the
 * figure is the router's share of the cost).
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
@State(Scope.Benchmark)
public class ListenerSelectBenchmark {

    @Param({"LEAST_REQUEST_P2C", "LEAST_KV_CACHE"})
    public RouterStrategy strategy;

    @Param({"64"})
    public int pods;

    @Param({"false", "true"})
    public boolean listener;

    private Router router;
    private Candidates candidates;
    private InferenceRequest request;
    private final LongAdder events = new LongAdder();

    /** Builds the router (with the counting listener when {@link #listener}) and its metrics table. */
    @Setup(Level.Trial)
    public void setUp() {
        BenchFixture fixture = BenchFixture.create(pods, MetricsMode.PRESENT, RouterSelectBenchmark.SEED);
        Router.Builder b = Router.builder()
                .metricsSource(fixture.source())
                .strategy(strategy.create())
                .clock(BenchFixture.clock())
                .metricsRefreshInterval(Duration.ZERO);
        if (listener) {
            b.eventListener(new RouterEventListener() {
                @Override
                public void selected(Pod pod, String strategy, Fallback fallback, MissingReason reason, boolean cold) {
                    events.increment();
                }

                @Override
                public void completed(Pod pod, String strategy, Fallback fallback, MissingReason reason,
                                      Outcome outcome, long latencyNanos) {
                    events.increment();
                }
            });
        }
        router = b.build();
        candidates = router.candidates(fixture.pods());
        request = InferenceRequest.forModel("llama-3.1-8b").withPromptTokens(220).withMaxOutputTokens(200);
        router.selectPod(request, candidates).complete(Outcome.SUCCESS, RouterSelectBenchmark.LATENCY_NANOS);
        router.refreshMetrics();
    }

    /** Closes the router; checks that the listener heard every selection and completion when set. */
    @TearDown(Level.Trial)
    public void tearDown() {
        router.close();
        long selections = router.telemetry().totalSelections();
        if (events.sum() != (listener ? 2 * selections : 0)) {
            throw new IllegalStateException("listener heard " + events.sum() + " events for " + selections + " selections");
        }
    }

    /** One thread selecting and completing. */
    @Benchmark
    @Threads(1)
    public PodSelection oneThread() {
        PodSelection selection = router.selectPod(request, candidates);
        selection.complete(Outcome.SUCCESS, RouterSelectBenchmark.LATENCY_NANOS);
        return selection;
    }
}
