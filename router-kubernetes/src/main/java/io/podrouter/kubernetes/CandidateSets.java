package io.podrouter.kubernetes;

import io.podrouter.api.Candidates;
import io.podrouter.api.Pod;
import io.podrouter.api.PodSelector;

import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A {@link PodDiscoveryListener} that keeps one prepared {@link Candidates} per model, built with
 * {@link PodSelector#candidates} (a podrouter {@code Router}) each time discovery publishes a model's list, so
 * that the request path only reads a map: {@code router.selectPod(request, sets.candidates(model))}.
 *
 * <p>Thread-safe: updates come from the discovery's thread, reads from any thread. A model not published yet
 * (or whose endpoints are all gone) has an empty set, which makes {@code selectPod} throw podrouter's
 * "no pod available" exception rather than pick from a stale list.
 */
public final class CandidateSets implements PodDiscoveryListener {

    private final PodSelector selector;
    private final Candidates empty;
    private final Map<String, Candidates> byModel = new ConcurrentHashMap<>();

    /**
     * @param selector the selector (router) the sets are prepared for; null throws {@link NullPointerException}
     */
    public CandidateSets(PodSelector selector) {
        this.selector = Objects.requireNonNull(selector, "selector: null (expected: a PodSelector, such as a Router)");
        this.empty = selector.candidates(List.of());
    }

    /**
     * The prepared set of {@code model}: the last published list, or an empty set for an unknown model.
     *
     * @param model a model name; null throws {@link NullPointerException}
     */
    public Candidates candidates(String model) {
        Objects.requireNonNull(model, "model: null (expected: a model name)");
        return byModel.getOrDefault(model, empty);
    }

    /** Rebuilds the model's set; an empty list removes it. */
    @Override
    public void podsChanged(String model, List<Pod> pods) {
        if (pods.isEmpty()) {
            byModel.remove(model);
        } else {
            byModel.put(model, selector.candidates(pods));
        }
    }
}
