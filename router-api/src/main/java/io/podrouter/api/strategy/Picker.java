package io.podrouter.api.strategy;

import io.podrouter.api.RandomSource;

/**
 * The last step of a composed strategy: chooses one candidate from the combined scores (higher is
 * better, each in [0, 1] after dividing by the total weight).
 *
 * <p>Thread safety: one instance serves every thread; {@code pick} must not lock and should not allocate.
 */
public interface Picker {

    /** Short stable name for logs and {@code toString}. */
    String name();

    /**
     * The chosen candidate's index.
     *
     * @param scores   combined scores, valid where {@code eligible} is true
     * @param eligible which candidates may be chosen; at least one is true
     * @param n        number of candidates (entries 0..n-1 are meaningful)
     * @param random   the router's random source (injected, so tests are deterministic)
     * @return an index {@code i} with {@code eligible[i]}
     */
    int pick(double[] scores, boolean[] eligible, int n, RandomSource random);
}
