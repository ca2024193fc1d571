package io.podrouter.kubernetes;

import io.podrouter.api.Pod;

import java.util.List;
import java.util.Map;

/**
 * A source of model-server endpoints read from Kubernetes: {@link InferencePoolDiscovery} (the pods of a
 * Gateway API Inference Extension {@code InferencePool}) or {@link LabelSelectorDiscovery} (the pods matching
 * labels, for clusters without the CRD).
 *
 * <p>Level-triggered: informer events only mark the state dirty; after a debounce the endpoint lists are
 * rebuilt from the informers' caches and published to the {@link PodDiscoveryListener}s when they changed. So
 * missed, duplicated or reordered events, deletions noticed only on a relist, and selector changes all end
 * in the same state as a fresh list would give.
 *
 * <p>Thread-safe. Life cycle: build, {@link #start()} once (blocks until the first state is loaded), use,
 * {@link #close()}. Reading methods may be called at any time; before {@code start()} and after
 * {@code close()} they return the last published state (empty before the first).
 */
public interface PodDiscovery extends AutoCloseable {

    /**
     * Starts the informers and waits until their first list has been loaded and published to the listeners.
     * Calling it again after a successful start does nothing.
     *
     * @throws DiscoveryStartException when the first list did not arrive within the start timeout; the
     *                                 discovery is then closed
     * @throws IllegalStateException   after {@link #close()}
     */
    void start();

    /**
     * The current endpoints of {@code model}: immutable, sorted by id; empty for an unknown model.
     *
     * @param model a model name; null throws {@link NullPointerException}
     */
    List<Pod> pods(String model);

    /** Every model's current endpoints; immutable; models with no endpoints are absent. */
    Map<String, List<Pod>> podsByModel();

    /** All models' endpoints in one immutable list sorted by id (for a metrics scraper, which scrapes every pod). */
    List<Pod> allPods();

    /**
     * Whether the API server has been unreachable since the last successful list/watch: the published lists
     * may be out of date and are kept in use until the informers recover. False before {@link #start()}.
     */
    boolean isStale();

    /** Stops the informers and the rebuild thread (if owned). Idempotent; listeners are not called afterwards. */
    @Override
    void close();
}
