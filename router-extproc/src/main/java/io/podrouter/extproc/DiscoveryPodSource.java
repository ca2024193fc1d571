package io.podrouter.extproc;

import io.podrouter.api.Pod;
import io.podrouter.kubernetes.PodDiscoveryListener;

import java.util.List;
import java.util.Objects;
import java.util.function.Consumer;

/**
 * A {@link PodSource} fed by podrouter-kubernetes discovery: register it as the discovery's listener; it keeps
 * the last list published for its model and passes every new list to {@code onChange} (the metrics scraper's
 * targets). Synced once {@link #markSynced()} is called, after the discovery's {@code start()} returned (its first
 * list was loaded and published).
 *
 * <p>Thread-safe: the discovery's thread writes, request threads read a volatile list.
 */
public final class DiscoveryPodSource implements PodSource, PodDiscoveryListener {

    private final String model;
    private final Consumer<List<Pod>> onChange;
    private volatile List<Pod> pods = List.of();
    private volatile boolean synced;

    /**
     * @param model    the model whose lists are taken (an InferencePool discovery publishes one); others are ignored
     * @param onChange called with each new list, on the discovery's thread; null throws {@link NullPointerException}
     */
    public DiscoveryPodSource(String model, Consumer<List<Pod>> onChange) {
        this.model = Objects.requireNonNull(model, "model: null (expected: the discovered model name)");
        this.onChange = Objects.requireNonNull(onChange, "onChange: null (expected: a consumer of pod lists)");
    }

    @Override
    public void podsChanged(String changedModel, List<Pod> newPods) {
        if (model.equals(changedModel)) {
            pods = List.copyOf(newPods);
            onChange.accept(pods);
        }
    }

    /** Marks discovery as synced (readiness SERVING from then on). */
    public void markSynced() {
        synced = true;
    }

    @Override
    public List<Pod> pods() {
        return pods;
    }

    @Override
    public boolean synced() {
        return synced;
    }
}
