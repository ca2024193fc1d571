package io.podrouter.api;

import org.jspecify.annotations.Nullable;

import java.util.Collections;
import java.util.EnumMap;
import java.util.Map;
import java.util.Objects;

/**
 * Thrown by {@link PodSelector#selectPod} when no candidate can take the request: the candidate list
 * is null or empty, or no candidate is ready. This is the only exception {@code selectPod} throws for
 * a well-formed request; a gateway typically answers it with HTTP 503 and a {@code Retry-After}.
 *
 * <p>The message names the model, the number of candidates and, in summary, why they were rejected,
 * e.g. {@code no pod available for model 'llama-3-8b': 3 candidates, rejected: 2 POD_NOT_READY,
 * 1 SOURCE_NOT_READY}. The same facts are available as fields. Immutable once thrown; thread-safe.
 */
public final class NoPodAvailableException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    private final @Nullable String model;
    private final int candidateCount;
    private final Map<RejectReason, Integer> rejections;

    /**
     * @param model          the requested model; may be null when the request itself was missing
     * @param candidateCount how many candidates were offered (0 for null or empty lists)
     * @param rejections     count of candidates per reason; null means none
     */
    public NoPodAvailableException(@Nullable String model, int candidateCount,
                                   @Nullable Map<RejectReason, Integer> rejections) {
        super(message(model, candidateCount, rejections), null, false, false);
        this.model = model;
        this.candidateCount = candidateCount;
        EnumMap<RejectReason, Integer> copy = new EnumMap<>(RejectReason.class);
        if (rejections != null) {
            copy.putAll(rejections);
        }
        this.rejections = Collections.unmodifiableMap(copy);
    }

    /** The requested model (may be null). */
    public @Nullable String model() {
        return model;
    }

    /** How many candidates were offered. */
    public int candidateCount() {
        return candidateCount;
    }

    /** How many candidates were rejected for each reason; unmodifiable, empty when there were none. */
    public Map<RejectReason, Integer> rejections() {
        return rejections;
    }

    private static String message(@Nullable String model, int count, @Nullable Map<RejectReason, Integer> rejections) {
        StringBuilder sb = new StringBuilder("no pod available for model '")
                .append(Objects.toString(model, "?")).append("': ");
        if (count == 0) {
            return sb.append("no candidates").toString();
        }
        sb.append(count).append(count == 1 ? " candidate" : " candidates").append(", rejected:");
        if (rejections == null || rejections.isEmpty()) {
            return sb.append(" none").toString();
        }
        String sep = " ";
        for (RejectReason r : RejectReason.values()) {
            Integer n = rejections.get(r);
            if (n != null && n > 0) {
                sb.append(sep).append(n).append(' ').append(r.name());
                sep = ", ";
            }
        }
        return sb.toString();
    }
}
