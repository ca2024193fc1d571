package io.podrouter.kubernetes;

import java.time.Duration;
import java.util.concurrent.ScheduledExecutorService;

/**
 * The options every discovery builder shares: listeners, debounce, start timeout, staleness check and scheduler.
 * Each setter validates its value at once (a null or out-of-range value throws with the option's name and what it
 * expects) and returns the concrete builder, so the options chain with the discovery's own. Not thread-safe: a
 * builder belongs to the thread that configures it.
 *
 * @param <B> the concrete builder
 */
public abstract class DiscoveryBuilder<B extends DiscoveryBuilder<B>> {

    final Settings settings = new Settings();

    DiscoveryBuilder() {
    }

    @SuppressWarnings("unchecked")
    private B self() {
        return (B) this;
    }

    /** Adds a listener (called in the order added). Default: none. A null listener throws. */
    public B listener(PodDiscoveryListener listener) {
        settings.listener(listener);
        return self();
    }

    /**
     * How long after a change the endpoint lists are rebuilt; changes meanwhile are folded in. Default 100 ms;
     * zero allowed; null or negative throws.
     */
    public B debounce(Duration debounce) {
        settings.debounce(debounce);
        return self();
    }

    /** How long {@link PodDiscovery#start()} waits for the first lists before it fails. Default 30 s; must be positive. */
    public B startTimeout(Duration timeout) {
        settings.startTimeout(timeout);
        return self();
    }

    /**
     * How often the informers' watch state is checked for {@link PodDiscovery#isStale()}; an informer counts as lost
     * after two checks in a row see it not watching, or at once when it reports a list/watch error. Default 1 s;
     * must be positive.
     */
    public B stalenessCheckInterval(Duration interval) {
        settings.stalenessCheck(interval);
        return self();
    }

    /**
     * Runs rebuilds, listener calls and health checks on {@code scheduler} instead of an own daemon thread; the
     * discovery does not shut it down. Rebuilds are serialised even on a multi-threaded scheduler. Null throws.
     */
    public B scheduler(ScheduledExecutorService scheduler) {
        settings.scheduler(scheduler);
        return self();
    }
}
