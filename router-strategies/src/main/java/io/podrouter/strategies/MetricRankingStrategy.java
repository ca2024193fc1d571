package io.podrouter.strategies;

import io.podrouter.api.InferenceRequest;
import io.podrouter.api.RandomSource;
import io.podrouter.api.strategy.CandidateView;
import io.podrouter.api.strategy.SelectionStrategy;

import java.util.Objects;

/**
 * Shared skeleton of the strategies that pick the candidate with the lowest value of a live metric:
 * one scan for the minimum, its tie count and the number of candidates missing the metric, then the
 * {@link MissingMetricPolicy} and a uniform tie-break (one draw; a second pass finds the drawn tie unless
 * every candidate tied). Subclasses supply {@link #score}.
 *
 * <p>Not public API: extend {@link SelectionStrategy} directly for your own strategies.
 */
abstract class MetricRankingStrategy implements SelectionStrategy {

    private final MissingMetricPolicy policy;
    /** Whether scores account for requests routed since the metrics snapshot. */
    final boolean inFlightCorrection;

    MetricRankingStrategy(MissingMetricPolicy policy, boolean inFlightCorrection) {
        this.policy = Objects.requireNonNull(policy, "policy: null (expected: a MissingMetricPolicy)");
        this.inFlightCorrection = inFlightCorrection;
    }

    /** True: these strategies rank by scraped metrics, so the router's cold-start handling for metric rankings applies. */
    @Override
    public final boolean ranksByMetrics() {
        return true;
    }

    /** Whether scores account for requests routed since the last metrics refresh (see the subclasses). */
    public final boolean inFlightCorrection() {
        return inFlightCorrection;
    }

    /** The policy for candidates missing the metric. */
    public final MissingMetricPolicy missingMetricPolicy() {
        return policy;
    }

    /**
     * The candidate's score, lower is better, or NaN when the metric is missing. Must be NaN for
     * candidates that are not ready (the view's metrics are NaN for them).
     */
    abstract double score(CandidateView v, int i, double param);

    /**
     * A lower bound of {@link #score} that is cheap to read (no live counter), NaN exactly when the score
     * is NaN. Candidates whose floor is above the best score so far are skipped without computing their
     * score; the result is the same as scoring every candidate. The default is the score itself.
     */
    double floor(CandidateView v, int i, double param) {
        return score(v, i, param);
    }

    /** Whether {@link #floor} is the score itself, so a scan must not compute it twice. */
    boolean floorIsScore() {
        return true;
    }

    /** A per-request parameter of the score (computed once per pick, not per candidate). */
    double scoreParameter(InferenceRequest request) {
        return 0;
    }

    @Override
    public final long pick(InferenceRequest request, CandidateView v) {
        double param = scoreParameter(request);
        int n = v.size();
        int absent = 0;
        int ties = 0;
        int best = -1;
        double min = Double.POSITIVE_INFINITY;
        boolean exact = floorIsScore();
        for (int i = skipWorse(v, 0, n, min, param); i < n; i = skipWorse(v, i + 1, n, min, param)) {
            double f = floor(v, i, param);
            if (f != f) {
                // Missing or not ready; absent candidates come in runs (a fleet without metrics), so count
                // the run in a loop of its own too.
                int end = skipAbsent(v, i + 1, n, param);
                absent += end - i;
                i = end - 1;
                continue;
            }
            double s = exact ? f : score(v, i, param);
            if (s < min || best < 0) { // best < 0: an infinite first score still makes a pick
                min = s;
                best = i;
                ties = 1;
            } else if (s == min) {
                ties++;
            }
        }
        int ready = v.readyCount();
        int present = n - absent;
        int missing = ready - present;
        RandomSource random = v.random();
        if (present == 0) {
            // Nothing to rank: every policy but PASS ends in a uniform pick; no second scan needed.
            return policy == MissingMetricPolicy.PASS ? PASS
                    : SelectionStrategy.randomFallback(v.readyIndex(random.nextInt(ready)));
        }
        if (missing > 0) {
            switch (policy) {
                case PASS:
                    return PASS;
                case RANDOM:
                    int any = v.readyIndex(random.nextInt(ready));
                    return Double.isNaN(floor(v, any, param)) ? SelectionStrategy.randomFallback(any)
                            : SelectionStrategy.randomFallbackForOthers(any);
                default: // FAIR_SHARE
                    int r = random.nextInt(ready);
                    if (r < missing) {
                        return SelectionStrategy.randomFallback(nthMissing(v, param, r));
                    }
            }
        }
        if (ties == ready) {
            best = v.readyIndex(random.nextInt(ready)); // all equal (an idle fleet): one draw, no second pass
        } else if (ties > 1) {
            best = nthTie(v, param, min, random.nextInt(ties), best, exact);
        }
        return v.isPredicted(best) ? SelectionStrategy.predicted(best) : SelectionStrategy.chosen(best);
    }

    /**
     * The first candidate from {@code from} whose floor is NaN or not above {@code min}, or {@code n}.
     * The scan's common case, alone in its own small loop: a candidate that cannot beat or tie the best
     * so far costs one floor and one compare. With the rare work (NaN counting, scoring, ties) in the
     * same loop body, the JIT's code for the scan of 4096 pods ran about three times slower (measured).
     */
    private int skipWorse(CandidateView v, int from, int n, double min, double param) {
        int i = from;
        while (i < n && floor(v, i, param) > min) {
            i++;
        }
        return i;
    }

    /**
     * The {@code nth} (0-based) candidate whose score equals {@code min}, for a uniform tie-break with one
     * draw. Live in-flight counts can move between the two passes under concurrent selections; if the
     * tie is gone, the first tie of the first pass is kept (a valid pick, biased only under such a race).
     */
    private int nthTie(CandidateView v, double param, double min, int nth, int firstTie, boolean exact) {
        int seen = 0;
        int n = v.size();
        for (int i = skipWorse(v, 0, n, min, param); i < n; i = skipWorse(v, i + 1, n, min, param)) {
            double f = floor(v, i, param);
            if (f == f && (exact ? f : score(v, i, param)) == min && seen++ == nth) {
                return i;
            }
        }
        return firstTie;
    }

    /** The first candidate from {@code from} whose floor is not NaN, or {@code n}. */
    private int skipAbsent(CandidateView v, int from, int n, double param) {
        int i = from;
        while (i < n && Double.isNaN(floor(v, i, param))) {
            i++;
        }
        return i;
    }

    /** The {@code nth} (0-based) ready candidate whose score is missing. */
    private int nthMissing(CandidateView v, double param, int nth) {
        int seen = 0;
        for (int i = 0, n = v.size(); i < n; i++) {
            // The floor is NaN exactly when the score is, and costs no live read.
            if (v.isReady(i) && Double.isNaN(floor(v, i, param)) && seen++ == nth) {
                return i;
            }
        }
        throw new IllegalStateException("candidate view changed during a pick");
    }
}
