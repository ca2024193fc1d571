package io.podrouter.strategies;

import io.podrouter.api.InferenceRequest;
import io.podrouter.api.RandomSource;
import io.podrouter.api.strategy.CandidateView;
import io.podrouter.api.strategy.SelectionStrategy;

import java.util.Objects;

/**
 * Picks the ready candidate with the fewest requests in flight, as counted by the router itself:
 * incremented when a selection returns and decremented when it is completed, so concurrent selections
 * see each other immediately (unlike a count taken from scraped metrics, or one incremented only after
 * the request was forwarded). Needs no scraped metrics, so cold pods are ranked like warm ones; a
 * new pod starts at 0 in flight and is preferred until it catches up.
 *
 * <p>Two modes:
 * <ul>
 *   <li>{@link Mode#EXACT} (default): scans every candidate; ties broken uniformly at random. O(n).</li>
 *   <li>{@link Mode#POWER_OF_TWO_CHOICES}: samples two distinct ready candidates at random and takes
 *       the one with fewer in flight (ties at random). O(1) whatever the number of pods, and known to
 *       keep the maximum load within a small additive term of the exact rule.</li>
 * </ul>
 *
 * <p>Thread-safe and stateless; no allocation per pick.
 */
public final class LeastRequestStrategy implements SelectionStrategy {

    /** The strategy's name in results and telemetry. */
    public static final String NAME = "least-request";

    /** How candidates are compared. */
    public enum Mode {
        /** Scan all ready candidates. */
        EXACT,
        /** Compare two random ready candidates. */
        POWER_OF_TWO_CHOICES
    }

    private final Mode mode;

    /** In {@link Mode#EXACT} mode. */
    public LeastRequestStrategy() {
        this(Mode.EXACT);
    }

    /** @param mode how candidates are compared; null throws {@link NullPointerException} */
    public LeastRequestStrategy(Mode mode) {
        this.mode = Objects.requireNonNull(mode, "mode: null (expected: EXACT or POWER_OF_TWO_CHOICES)");
    }

    /** The comparison mode. */
    public Mode mode() {
        return mode;
    }

    @Override
    public String name() {
        return NAME;
    }

    /** False: needs no scraped metrics, so cold pods are handled by this strategy's own rule. */
    @Override
    public boolean ranksByMetrics() {
        return false;
    }

    @Override
    public long pick(InferenceRequest request, CandidateView v) {
        return mode == Mode.EXACT ? exact(v) : powerOfTwo(v);
    }

    private static long exact(CandidateView v) {
        int n = v.size();
        int ready = v.readyCount();
        int min = Integer.MAX_VALUE;
        int ties = 0;
        int best = -1;
        // Every candidate ready (the common case): read the counts directly, without the index indirection.
        // The test is loop-invariant, so the JIT compiles two loops rather than a branch per candidate.
        boolean allReady = ready == n;
        for (int k = 0; k < ready; k++) {
            int i = allReady ? k : v.readyIndex(k);
            int c = v.inFlight(i);
            if (c < min) {
                min = c;
                ties = 1;
                best = i;
            } else if (c == min) {
                ties++;
            }
        }
        if (ties == 1) {
            return SelectionStrategy.chosen(best);
        }
        if (ties == ready) {
            // All tied (an idle fleet): any ready candidate, uniformly, without a second pass.
            return SelectionStrategy.chosen(v.readyIndex(v.random().nextInt(ready)));
        }
        int nth = v.random().nextInt(ties);
        for (int k = 0, seen = 0; k < ready; k++) {
            int i = v.readyIndex(k);
            // Counts move under concurrent selections; if the minimum moved, keep the first tie found.
            if (v.inFlight(i) == min && seen++ == nth) {
                return SelectionStrategy.chosen(i);
            }
        }
        return SelectionStrategy.chosen(best);
    }

    private static long powerOfTwo(CandidateView v) {
        int ready = v.readyCount();
        RandomSource random = v.random();
        if (ready == 1) {
            return SelectionStrategy.chosen(v.readyIndex(0));
        }
        int a = random.nextInt(ready);
        int b = random.nextInt(ready - 1);
        if (b >= a) {
            b++; // distinct from a, still uniform over the others
        }
        int ia = v.readyIndex(a);
        int ib = v.readyIndex(b);
        int ca = v.inFlight(ia);
        int cb = v.inFlight(ib);
        if (ca == cb) {
            // a is already uniform over all ready candidates and b uniform over the rest: keeping a is a fair tie-break.
            return SelectionStrategy.chosen(ia);
        }
        return SelectionStrategy.chosen(ca < cb ? ia : ib);
    }

    @Override
    public String toString() {
        return NAME + "(" + mode + ")";
    }
}
