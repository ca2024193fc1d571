package io.podrouter.strategies;

import io.podrouter.api.InferenceRequest;
import io.podrouter.api.strategy.CandidateView;

/**
 * Picks the ready candidate with the lowest expected latency for the request; ties are broken uniformly
 * at random.
 *
 * <p><b>Formula.</b> {@code expected = TTFT + TPOT x L}, where TTFT and TPOT are the pod's recent mean
 * time to first token and time per output token, and {@code L} is the number of output tokens expected:
 * the request's {@code maxOutputTokens} when it is known and smaller than
 * {@code expectedOutputTokens}, else {@code expectedOutputTokens} (default {@value #DEFAULT_EXPECTED_OUTPUT_TOKENS}).
 * Why this shape: TTFT as vLLM reports it runs from arrival to first token, so it already contains the
 * queueing delay and the prefill cost under the pod's current load, and TPOT captures how the running
 * batch slows decoding; their sum over the request's output is the end-to-end time a new request would
 * see. The default L follows the mean output length of common chat workloads (ShareGPT as vLLM's
 * benchmarks sample it: about 200 tokens; the Azure 2023 conversation trace: lognormal mu 5.02 sigma
 * 0.86, mean about 220). {@code max_tokens} is only an upper bound, so it is used only when it lowers L.
 * End-to-end latency alone is not used: it mixes output lengths of past requests.
 *
 * <p>A candidate lacking TTFT or TPOT counts as missing the metric and is handled by the
 * {@link MissingMetricPolicy} ({@link MissingMetricPolicy#FAIR_SHARE} by default).
 *
 * <p><b>Queue and in-flight correction</b> (on by default). Latency metrics are recent means of
 * requests that already got their tokens: they lag the queue a pod has now, and ranking them as is sends
 * every request to the same pod until the next scrape. With the correction the score is
 * {@code expected x (1 + queued / max(running, 1))}, where {@code running} is the pod's running
 * requests in the snapshot and {@code queued} its waiting requests plus the change in the router's
 * in-flight count for it since the snapshot (at least 0). Why: a batch of {@code running} requests that
 * each take about {@code expected} completes one every {@code expected / running} seconds (Little's
 * law), so each request ahead in the queue delays a new one by about that much.
 *
 * <p>Thread-safe and immutable; O(n) per pick, no allocation. With the correction, the scan reads the
 * view's precomputed lower bound ({@link CandidateView#expectedLatencyFloorSeconds}) and computes the full
 * score, with its live in-flight read, only for candidates whose bound does not exceed the best so far.
 */
public final class LeastLatencyStrategy extends MetricRankingStrategy {

    /** The strategy's name in results and telemetry. */
    public static final String NAME = "least-latency";

    /** Output tokens assumed when the request does not bound them lower. */
    public static final int DEFAULT_EXPECTED_OUTPUT_TOKENS = 200;

    private final int expectedOutputTokens;

    /** With {@link MissingMetricPolicy#FAIR_SHARE}, {@value #DEFAULT_EXPECTED_OUTPUT_TOKENS} expected output tokens, in-flight correction. */
    public LeastLatencyStrategy() {
        this(MissingMetricPolicy.FAIR_SHARE, DEFAULT_EXPECTED_OUTPUT_TOKENS, true);
    }

    /** With {@value #DEFAULT_EXPECTED_OUTPUT_TOKENS} expected output tokens and in-flight correction. */
    public LeastLatencyStrategy(MissingMetricPolicy policy) {
        this(policy, DEFAULT_EXPECTED_OUTPUT_TOKENS, true);
    }

    /**
     * @param policy               what to do with candidates lacking the metric; null throws {@link NullPointerException}
     * @param expectedOutputTokens L when the request does not bound it lower; must be &gt;= 1
     *                             ({@link IllegalArgumentException} otherwise)
     * @param inFlightCorrection   whether to account for requests routed since the metrics snapshot (false
     *                             ranks the raw snapshot, as routers before podrouter did)
     */
    public LeastLatencyStrategy(MissingMetricPolicy policy, int expectedOutputTokens, boolean inFlightCorrection) {
        super(policy, inFlightCorrection);
        if (expectedOutputTokens < 1) {
            throw new IllegalArgumentException("expectedOutputTokens: " + expectedOutputTokens + " (expected: >= 1)");
        }
        this.expectedOutputTokens = expectedOutputTokens;
    }

    @Override
    public String name() {
        return NAME;
    }

    /** The output length assumed for requests without a lower {@code maxOutputTokens}. */
    public int expectedOutputTokens() {
        return expectedOutputTokens;
    }

    @Override
    double scoreParameter(InferenceRequest request) {
        int max = request.maxOutputTokens();
        return max >= 0 && max < expectedOutputTokens ? max : expectedOutputTokens;
    }

    @Override
    double score(CandidateView v, int i, double outputTokens) {
        // NaN in either input propagates, which is exactly "metric missing".
        double expected = v.timeToFirstTokenSeconds(i) + v.timePerOutputTokenSeconds(i) * outputTokens;
        if (!inFlightCorrection || expected != expected) {
            return expected;
        }
        double running = v.runningRequests(i);
        double waiting = v.waitingRequests(i);
        double queued = (waiting == waiting ? waiting : 0) + v.inFlightSinceRefresh(i);
        if (queued <= 0) {
            return expected;
        }
        return expected * (1 + queued / Math.max(running == running ? running : 0, 1));
    }

    @Override
    double floor(CandidateView v, int i, double outputTokens) {
        return inFlightCorrection ? v.expectedLatencyFloorSeconds(i, outputTokens)
                : v.timeToFirstTokenSeconds(i) + v.timePerOutputTokenSeconds(i) * outputTokens;
    }

    @Override
    boolean floorIsScore() {
        return !inFlightCorrection;
    }

    @Override
    public String toString() {
        return NAME + "(" + missingMetricPolicy() + ", L=" + expectedOutputTokens
                + (inFlightCorrection ? ", in-flight corrected" : "") + ")";
    }
}
