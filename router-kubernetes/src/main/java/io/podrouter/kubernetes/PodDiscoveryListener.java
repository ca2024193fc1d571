package io.podrouter.kubernetes;

import io.podrouter.api.Pod;

import java.util.List;

/**
 * Receives what a {@link PodDiscovery} finds.
 *
 * <p>Calls come from the discovery's single rebuild thread, one at a time and in order, never
 * concurrently for one discovery; keep them short (rebuild a {@code Candidates}, hand pods to a scraper)
 * because the next rebuild waits for them. An exception thrown by a listener is logged and does not stop
 * the discovery or the other listeners.
 */
@FunctionalInterface
public interface PodDiscoveryListener {

    /**
     * The complete current endpoint list of {@code model} changed.
     *
     * <p>Called only when the list differs from the previous one given for that model (before the first
     * call the list of every model is empty). {@code pods} is immutable, sorted by {@link Pod#id()},
     * has unique ids and holds only Ready pods ({@link Pod#ready()} true, {@link Pod#readySince()} set).
     * An empty list means the model has no endpoints now (its pods left, its InferencePool was deleted).
     *
     * @param model the model name (never blank)
     * @param pods  the model's endpoints now; never null, possibly empty
     */
    void podsChanged(String model, List<Pod> pods);

    /**
     * Discovery became stale (true: the API server has not been reachable; the last published lists stay in
     * use) or fresh again (false). Called once per change of state; the default does nothing.
     *
     * @param stale the new state
     */
    default void staleChanged(boolean stale) {
    }

    /**
     * A listener that hands {@code consumer} the endpoints of all models together (sorted by id) each time one
     * model's list changes: the shape a metrics scraper wants, e.g. {@code allPods(scraper::updateTargets)}
     * with podrouter's {@code PrometheusScraper}, which scrapes every pod whatever its model. Safe to register on
     * several discoveries (calls are serialised); the union then covers all of them, assuming distinct pod ids.
     *
     * @param consumer receives an immutable list; null throws {@link NullPointerException}
     */
    static PodDiscoveryListener allPods(java.util.function.Consumer<List<Pod>> consumer) {
        java.util.Objects.requireNonNull(consumer, "consumer: null (expected: a consumer of the union of all models' pods)");
        java.util.Map<String, List<Pod>> byModel = new java.util.TreeMap<>();
        return (model, pods) -> {
            List<Pod> union;
            synchronized (byModel) {
                if (pods.isEmpty()) {
                    byModel.remove(model);
                } else {
                    byModel.put(model, pods);
                }
                java.util.List<Pod> all = new java.util.ArrayList<>();
                byModel.values().forEach(all::addAll);
                all.sort(java.util.Comparator.comparing(Pod::id));
                union = List.copyOf(all);
            }
            consumer.accept(union);
        };
    }
}
