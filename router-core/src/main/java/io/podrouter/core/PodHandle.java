package io.podrouter.core;

import io.podrouter.api.Pod;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The router's own state for one pod id, shared by every candidate set that contains the pod: the
 * latest {@link Pod} value, the in-flight counter and the last metrics state per model (for logging
 * once per state change). Candidate sets hold handles directly, so a selection reaches them without a
 * lookup. Thread-safe.
 */
final class PodHandle {

    private static final VarHandle IN_FLIGHT;

    static {
        try {
            IN_FLIGHT = MethodHandles.lookup().findVarHandle(PodHandle.class, "inFlight", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    // Caps the per-model state map so that a flood of unknown model names cannot grow it without bound.
    private static final int MAX_TRACKED_MODELS = 64;

    final String id;
    private volatile Pod pod;
    @SuppressWarnings("unused") // accessed through IN_FLIGHT
    private volatile int inFlight;
    private final ConcurrentHashMap<String, MetricsState> stateByModel = new ConcurrentHashMap<>();

    PodHandle(Pod pod) {
        this.id = pod.id();
        this.pod = pod;
    }

    Pod pod() {
        return pod;
    }

    void update(Pod newPod) {
        pod = newPod;
    }

    int inFlight() {
        return inFlight;
    }

    void acquire() {
        IN_FLIGHT.getAndAdd(this, 1);
    }

    void release() {
        IN_FLIGHT.getAndAdd(this, -1);
    }

    /**
     * Records the metrics state seen for {@code model} and returns the previous one (null the first
     * time), so the caller logs only on a change.
     */
    MetricsState exchangeState(String model, MetricsState state) {
        if (stateByModel.size() >= MAX_TRACKED_MODELS && !stateByModel.containsKey(model)) {
            stateByModel.clear();
        }
        return stateByModel.put(model, state);
    }
}
