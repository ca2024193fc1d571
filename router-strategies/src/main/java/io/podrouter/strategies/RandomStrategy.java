package io.podrouter.strategies;

import io.podrouter.api.InferenceRequest;
import io.podrouter.api.strategy.CandidateView;
import io.podrouter.api.strategy.SelectionStrategy;

/**
 * Picks a ready candidate uniformly at random, using the router's random source. Needs no metrics and
 * always decides. Thread-safe and stateless; O(1) per pick, no allocation.
 */
public final class RandomStrategy implements SelectionStrategy {

    /** The strategy's name in results and telemetry. */
    public static final String NAME = "random";

    /** The strategy; it has no settings and no state. */
    public RandomStrategy() {
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
        return SelectionStrategy.chosen(v.readyIndex(v.random().nextInt(v.readyCount())));
    }

    @Override
    public String toString() {
        return NAME;
    }
}
