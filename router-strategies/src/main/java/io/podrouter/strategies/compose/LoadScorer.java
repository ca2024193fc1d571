package io.podrouter.strategies.compose;

import io.podrouter.api.InferenceRequest;
import io.podrouter.api.strategy.CandidateView;
import io.podrouter.api.strategy.Scorer;
import org.jspecify.annotations.Nullable;

/**
 * Scores candidates by the load the router itself has routed to them and not seen completed: in-flight
 * requests ({@link #inFlightRequests()}) or in-flight prompt plus output tokens ({@link #inFlightTokens()},
 * the load llm-d's recommended baseline and NVIDIA Dynamo's cost use). Counted at selection, so
 * concurrent selections see each other, and independent of scraped metrics, so cold pods are scored like
 * warm ones (a new pod starts at 0 and scores 1).
 *
 * <p><b>Normalisation.</b> Min-max over the ready candidates: {@code (max - load) / (max - min)}, so the
 * least loaded scores 1, the most loaded 0, linear in between; 1 for all when every load is equal (an idle
 * fleet). Relative, like llm-d's queue scorer: the score says which pod is least loaded, not by how
 * much; a gate ({@link LoadGateFilter}) handles "by how much".
 *
 * <p>Thread-safe and stateless; no allocation; two passes over the candidates (live counts may move
 * between them under concurrent selections; a score is then clamped to [0, 1]).
 */
public final class LoadScorer implements Scorer {

    private static final LoadScorer REQUESTS = new LoadScorer(false);
    private static final LoadScorer TOKENS = new LoadScorer(true);

    private final boolean tokens;

    private LoadScorer(boolean tokens) {
        this.tokens = tokens;
    }

    /** By {@link CandidateView#inFlight} requests. */
    public static LoadScorer inFlightRequests() {
        return REQUESTS;
    }

    /** By {@link CandidateView#inFlightTokens} (prompt plus output tokens; the router counts them for this scorer). */
    public static LoadScorer inFlightTokens() {
        return TOKENS;
    }

    @Override
    public String name() {
        return tokens ? "token-load" : "request-load";
    }

    @Override
    public boolean usesInFlightTokens() {
        return tokens;
    }

    @Override
    public void score(InferenceRequest request, CandidateView v, @Nullable Object prepared, double[] out) {
        int n = v.size();
        long min = Long.MAX_VALUE;
        long max = Long.MIN_VALUE;
        for (int i = 0; i < n; i++) {
            if (v.isReady(i)) {
                long load = load(v, i);
                out[i] = load; // kept, so the second pass reads the same value as the first
                min = Math.min(min, load);
                max = Math.max(max, load);
            }
        }
        double range = max - min;
        for (int i = 0; i < n; i++) {
            if (v.isReady(i)) {
                out[i] = range > 0 ? (max - out[i]) / range : 1.0;
            }
        }
    }

    private long load(CandidateView v, int i) {
        return Math.max(0, tokens ? v.inFlightTokens(i) : v.inFlight(i));
    }

    @Override
    public String toString() {
        return name();
    }
}
