package io.podrouter.bench.select;

import io.podrouter.api.Candidates;
import io.podrouter.api.InferenceRequest;
import io.podrouter.api.Outcome;
import io.podrouter.api.Pod;
import io.podrouter.api.PodSelection;
import io.podrouter.core.Router;
import io.podrouter.api.strategy.SelectionStrategy;
import io.podrouter.strategies.compose.CacheAware;
import io.podrouter.strategies.compose.ComposedStrategy;
import io.podrouter.strategies.compose.LoadGateFilter;
import io.podrouter.strategies.compose.LoadScorer;
import io.podrouter.strategies.compose.PrefixCacheScorer;
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
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

/**
 * A prefix-aware selection through the router: {@code selectPod} plus {@code complete} with the default
 * cache-aware composition ({@link CacheAware#defaults()}: load gate, prefix-cache affinity, token load,
 * session and LoRA affinity, max-score picker), for prompts of 1k, 8k and 32k characters over 8, 64 and 512
 * pods. The op includes hashing the prompt's 128-character blocks, matching them against every candidate's
 * index, the other scorers, and recording the blocks for the chosen pod afterwards (the learning callback).
 *
 * <p>State: {@value #GROUPS} prefix groups (a shared system prompt taking 3/4 of the prompt, then a
 * question), each routed once in set-up so that the index holds every group on the pod that took it; the
 * measured requests cycle through {@value #REQUESTS} prepared requests of those groups, so each op hashes a
 * prompt it did not hash in the op before. The requests are built in set-up: nothing of the prompt is
 * allocated in the op.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
@State(Scope.Benchmark)
public class CacheAwareSelectBenchmark {

    static final int GROUPS = 64;
    static final int REQUESTS = 256;

    @Param({"1024", "8192", "32768"})
    public int promptChars;

    @Param({"8", "64", "512"})
    public int pods;

    /**
     * {@code CACHE_AWARE}: {@link CacheAware#defaults()}. {@code PREFIX_REQUEST_LOAD}: the load gate, prefix
     * affinity (weight 3) and in-flight request load (weight 2) only, to separate the cost of the token
     * counters and the session and LoRA scorers.
     */
    @Param({"CACHE_AWARE"})
    public String composition;

    private Router router;
    private Candidates candidates;
    private InferenceRequest[] requests;
    private int next;

    @Setup(Level.Trial)
    public void setUp() {
        BenchFixture fixture = BenchFixture.create(pods, MetricsMode.PRESENT, 42);
        router = Router.builder()
                .metricsSource(fixture.source())
                .strategy(strategy(PrefixCacheScorer.withDefaults()))
                .clock(BenchFixture.clock())
                .metricsRefreshInterval(Duration.ZERO)
                .build();
        candidates = router.candidates(fixture.pods());
        requests = requests(promptChars, 7);
        for (InferenceRequest r : requests) {
            router.selectPod(r, candidates).complete(Outcome.SUCCESS, 1_000_000);
        }
        router.refreshMetrics();
    }

    private SelectionStrategy strategy(PrefixCacheScorer prefix) {
        switch (composition) {
            case "CACHE_AWARE":
                return CacheAware.withPrefixScorer(prefix);
            case "PREFIX_REQUEST_LOAD":
                return ComposedStrategy.builder("prefix-request-load").filter(new LoadGateFilter())
                        .scorer(prefix, 3).scorer(LoadScorer.inFlightRequests(), 2).build();
            default:
                throw new IllegalArgumentException("composition: " + composition
                        + " (expected: CACHE_AWARE or PREFIX_REQUEST_LOAD)");
        }
    }

    /** {@value #REQUESTS} requests over {@value #GROUPS} prefix groups, system prompt 3/4 of {@code chars}. */
    static InferenceRequest[] requests(int chars, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        int system = chars * 3 / 4;
        String[] groups = new String[GROUPS];
        for (int g = 0; g < GROUPS; g++) {
            groups[g] = text(random, system);
        }
        InferenceRequest[] out = new InferenceRequest[REQUESTS];
        for (int k = 0; k < REQUESTS; k++) {
            out[k] = InferenceRequest.forModel("llama-3.1-8b")
                    .withPrompt(groups[k % GROUPS] + text(random, chars - system))
                    .withMaxOutputTokens(200);
        }
        return out;
    }

    static String text(SplittableRandom random, int chars) {
        char[] c = new char[chars];
        for (int i = 0; i < chars; i++) {
            c[i] = (char) ('a' + random.nextInt(26));
        }
        return new String(c);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        try {
            for (Pod pod : candidates.pods()) {
                if (router.inFlight(pod.id()) != 0) {
                    throw new IllegalStateException("pod " + pod.id() + " has requests in flight (expected: 0)");
                }
            }
        } finally {
            router.close();
        }
    }

    /** One thread selecting and completing. */
    @Benchmark
    @Threads(1)
    public PodSelection selectAndComplete() {
        InferenceRequest r = requests[next++ & (REQUESTS - 1)];
        PodSelection s = router.selectPod(r, candidates);
        s.complete(Outcome.SUCCESS, 1_000_000);
        return s;
    }
}
