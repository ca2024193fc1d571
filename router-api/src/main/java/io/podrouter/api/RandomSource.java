package io.podrouter.api;

import java.util.SplittableRandom;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The random source the router and its strategies use for tie-breaks and random fallbacks. Injected so
 * that tests are deterministic.
 *
 * <p>Implementations must be safe to call from several threads at once.
 */
@FunctionalInterface
public interface RandomSource {

    /**
     * A uniformly distributed int in {@code [0, bound)}.
     *
     * @param bound exclusive upper bound; callers always pass {@code bound >= 1}. Implementations may
     *              throw {@link IllegalArgumentException} for {@code bound <= 0}.
     */
    int nextInt(int bound);

    /** The production default: {@link ThreadLocalRandom}, uncontended and allocation-free. */
    static RandomSource threadLocal() {
        return bound -> ThreadLocalRandom.current().nextInt(bound);
    }

    /**
     * A reproducible source for tests and simulations: the same seed gives the same sequence when used
     * from one thread. Thread-safe (calls are serialised), so it also works, non-deterministically, from
     * several threads; do not use it on a production hot path.
     */
    static RandomSource seeded(long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        return bound -> {
            synchronized (random) {
                return random.nextInt(bound);
            }
        };
    }
}
