package io.podrouter.strategies;

import io.podrouter.api.InferenceRequest;
import io.podrouter.api.RandomSource;
import io.podrouter.api.strategy.CandidateView;
import io.podrouter.api.strategy.SelectionStrategy;

import java.util.Objects;

/**
 * Shared skeleton of the strategies that pick the candidate with the lowest value of a live metric:
 * one scan for the minimum, its tie count and the number of candidates missing the metric, then the
 * {@link MissingMetricPolicy} and a uniform tie-break. Subclasses supply {@link #score}.
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
        int present = 0;
        int ties = 0;
        int best = -1;
        double min = Double.POSITIVE_INFINITY;
        boolean exact = floorIsScore();
        for (int i = 0; i < n; i++) {
            double f = floor(v, i, param);
            if (f != f) {
                continue; // NaN: missing or not ready
            }
            present++;
            if (f > min) {
                continue; // cannot beat or tie the best so far: skip the live part of the score
            }
            double s = exact ? f : score(v, i, param);
            if (s < min) {
                min = s;
                best = i;
                ties = 1;
            } else if (s == min) {
                ties++;
            }
        }
        int ready = v.readyCount();
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
                    return SelectionStrategy.randomFallback(v.readyIndex(random.nextInt(ready)));
                default: // FAIR_SHARE
                    int r = random.nextInt(ready);
                    if (r < missing) {
                        return SelectionStrategy.randomFallback(nthMissing(v, param, r));
                    }
            }
        }
        if (ties == ready) {
            best = v.readyIndex(random.nextInt(ready)); // all equal: any ready candidate, without a second scan
        } else if (ties > 1) {
            best = nthTie(v, param, min, random.nextInt(ties), exact);
        }
        return v.isPredicted(best) ? SelectionStrategy.predicted(best) : SelectionStrategy.chosen(best);
    }

    /** The {@code nth} (0-based) ready candidate whose score is missing. */
    private int nthMissing(CandidateView v, double param, int nth) {
        int seen = 0;
        for (int i = 0, n = v.size(); i < n; i++) {
            if (v.isReady(i) && Double.isNaN(score(v, i, param)) && seen++ == nth) {
                return i;
            }
        }
        throw new IllegalStateException("candidate view changed during a pick");
    }

    /** The {@code nth} (0-based) candidate whose score equals {@code min}. */
    private int nthTie(CandidateView v, double param, double min, int nth, boolean exact) {
        int seen = 0;
        for (int i = 0, n = v.size(); i < n; i++) {
            double f = floor(v, i, param);
            if (f == f && f <= min && (exact ? f : score(v, i, param)) == min && seen++ == nth) {
                return i;
            }
        }
        throw new IllegalStateException("candidate view changed during a pick");
    }
}
