package io.podrouter.strategies.compose;

import io.podrouter.api.RandomSource;
import io.podrouter.api.strategy.Picker;

/**
 * The pickers of a {@link ComposedStrategy}: highest score with uniform random ties, random in proportion
 * to the score, and softmax with a temperature (NVIDIA Dynamo's KV router samples its cost this way).
 * All are stateless, thread-safe and allocation-free; randomness comes from the router's injected source.
 */
public final class Pickers {

    /** Resolution of the uniform draws made from {@link RandomSource#nextInt}: 2^30 steps. */
    private static final int UNIT = 1 << 30;

    private static final Picker MAX = new Picker() {
        @Override
        public String name() {
            return "max-score";
        }

        @Override
        public int pick(double[] scores, boolean[] eligible, int n, RandomSource random) {
            double best = Double.NEGATIVE_INFINITY;
            int ties = 0;
            int first = -1;
            for (int i = 0; i < n; i++) {
                if (eligible[i]) {
                    double s = scores[i];
                    if (s > best || first < 0) {
                        best = s;
                        ties = 1;
                        first = i;
                    } else if (s == best) {
                        ties++;
                    }
                }
            }
            if (ties <= 1) {
                return first;
            }
            int nth = random.nextInt(ties);
            for (int i = first; i < n; i++) {
                if (eligible[i] && scores[i] == best && nth-- == 0) {
                    return i;
                }
            }
            return first;
        }
    };

    private static final Picker WEIGHTED = new Picker() {
        @Override
        public String name() {
            return "weighted-random";
        }

        @Override
        public int pick(double[] scores, boolean[] eligible, int n, RandomSource random) {
            double sum = 0;
            int count = 0;
            for (int i = 0; i < n; i++) {
                if (eligible[i]) {
                    sum += positive(scores[i]);
                    count++;
                }
            }
            if (!(sum > 0)) {
                return nthEligible(eligible, n, random.nextInt(count)); // all zero: uniform
            }
            return draw(scores, eligible, n, sum * unit(random), true, 0, 1);
        }
    };

    private Pickers() {
    }

    /** The highest combined score; ties broken uniformly at random (one draw). */
    public static Picker maxScore() {
        return MAX;
    }

    /**
     * Random, with probability proportional to the combined score (negative and NaN scores count as 0);
     * uniform when every eligible score is 0.
     */
    public static Picker weightedRandom() {
        return WEIGHTED;
    }

    /**
     * Random, with probability proportional to {@code exp(score / temperature)}: at a temperature near 0
     * it is {@link #maxScore()}, at a large one uniform. Scores are in [0, 1], so a temperature of 0.1
     * makes a candidate 0.1 better about e (2.7) times as likely. NaN scores count as 0.
     *
     * @param temperature finite and &gt; 0
     */
    public static Picker softmax(double temperature) {
        if (!(temperature > 0) || Double.isInfinite(temperature)) {
            throw new IllegalArgumentException("temperature: " + temperature + " (expected: finite and > 0)");
        }
        return new Picker() {
            @Override
            public String name() {
                return "softmax(" + temperature + ")";
            }

            @Override
            public int pick(double[] scores, boolean[] eligible, int n, RandomSource random) {
                double max = Double.NEGATIVE_INFINITY;
                for (int i = 0; i < n; i++) {
                    if (eligible[i]) {
                        max = Math.max(max, finite(scores[i]));
                    }
                }
                double sum = 0;
                for (int i = 0; i < n; i++) {
                    if (eligible[i]) {
                        // Shifted by the maximum, so the largest term is exp(0) = 1 and nothing overflows.
                        sum += Math.exp((finite(scores[i]) - max) / temperature);
                    }
                }
                return draw(scores, eligible, n, sum * unit(random), false, max, temperature);
            }

            @Override
            public String toString() {
                return name();
            }
        };
    }

    private static double positive(double s) {
        return s > 0 ? s : 0;
    }

    private static double finite(double s) {
        return s == s ? s : 0;
    }

    private static double unit(RandomSource random) {
        return random.nextInt(UNIT) / (double) UNIT;
    }

    /** The candidate at which the running sum of weights passes {@code target}; the last eligible one on rounding. */
    private static int draw(double[] scores, boolean[] eligible, int n, double target, boolean linear, double max,
                            double temperature) {
        double acc = 0;
        int last = -1;
        for (int i = 0; i < n; i++) {
            if (eligible[i]) {
                double w = linear ? positive(scores[i]) : Math.exp((finite(scores[i]) - max) / temperature);
                if (w > 0) {
                    acc += w;
                    last = i;
                    if (acc > target) {
                        return i;
                    }
                }
            }
        }
        return last;
    }

    private static int nthEligible(boolean[] eligible, int n, int nth) {
        for (int i = 0; i < n; i++) {
            if (eligible[i] && nth-- == 0) {
                return i;
            }
        }
        throw new IllegalStateException("no eligible candidate");
    }
}
