package io.podrouter.bench.select;

import io.podrouter.api.InferenceRequest;
import io.podrouter.api.MissingReason;
import io.podrouter.api.Pod;
import io.podrouter.api.RandomSource;
import io.podrouter.api.strategy.CandidateView;
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
import org.openjdk.jmh.annotations.Warmup;

import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Prefix scoring alone: {@link PrefixCacheScorer#score} (hash the prompt's blocks, match them against each
 * candidate's index) for prompts of 1k, 8k and 32k characters over 8, 64 and 512 pods, with the index
 * filled as in {@link CacheAwareSelectBenchmark} (64 prefix groups spread over the pods). Returns the
 * scores array's sum so the work is not eliminated.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
@State(Scope.Benchmark)
public class PrefixScoreBenchmark {

    @Param({"1024", "8192", "32768"})
    public int promptChars;

    @Param({"8", "64", "512"})
    public int pods;

    private PrefixCacheScorer scorer;
    private Object prepared;
    private CandidateView view;
    private InferenceRequest[] requests;
    private double[] out;
    private int next;

    @Setup(Level.Trial)
    public void setUp() {
        BenchFixture fixture = BenchFixture.create(pods, MetricsMode.PRESENT, 42);
        scorer = PrefixCacheScorer.withDefaults();
        prepared = scorer.prepare(fixture.pods());
        view = new ReadyView(fixture.pods());
        requests = CacheAwareSelectBenchmark.requests(promptChars, 7);
        out = new double[pods];
        for (int k = 0; k < requests.length; k++) {
            scorer.selected(requests[k], view, prepared, (k % CacheAwareSelectBenchmark.GROUPS) % pods);
        }
    }

    @Benchmark
    public double score() {
        InferenceRequest r = requests[next++ & (CacheAwareSelectBenchmark.REQUESTS - 1)];
        scorer.score(r, view, prepared, out);
        double sum = 0;
        for (int i = 0; i < out.length; i++) {
            sum += out[i];
        }
        return sum;
    }

    /** Every candidate ready, no metrics: all that prefix scoring reads. */
    private static final class ReadyView implements CandidateView {
        private final List<Pod> pods;

        ReadyView(List<Pod> pods) {
            this.pods = pods;
        }

        @Override public int size() { return pods.size(); }
        @Override public Pod pod(int i) { return pods.get(i); }
        @Override public boolean isReady(int i) { return true; }
        @Override public int readyCount() { return pods.size(); }
        @Override public int readyIndex(int k) { return k; }
        @Override public int inFlight(int i) { return 0; }
        @Override public int inFlightSinceRefresh(int i) { return 0; }
        @Override public double kvCacheUsagePerRequest(int i) { return Double.NaN; }
        @Override public MissingReason missingReason(int i) { return null; }
        @Override public double runningRequests(int i) { return Double.NaN; }
        @Override public double waitingRequests(int i) { return Double.NaN; }
        @Override public double kvCacheUsage(int i) { return Double.NaN; }
        @Override public double timeToFirstTokenSeconds(int i) { return Double.NaN; }
        @Override public double timePerOutputTokenSeconds(int i) { return Double.NaN; }
        @Override public double e2eLatencySeconds(int i) { return Double.NaN; }
        @Override public double queueTimeSeconds(int i) { return Double.NaN; }
        @Override public boolean isPredicted(int i) { return false; }
        @Override public RandomSource random() { return RandomSource.threadLocal(); }
    }
}
