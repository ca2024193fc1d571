package io.podrouter.examples.gateway;

import io.podrouter.api.Candidates;
import io.podrouter.api.Pod;

import java.time.Instant;
import java.util.List;

/**
 * One model's backends. {@code pods} and {@code candidates} are volatile and replaced whole on every
 * change (by {@link BackendRegistry}, under its lock), so the request path reads a consistent list
 * without locking.
 */
final class ModelBackends {
    final String model;
    /** When the gateway first knew the model, in Unix seconds: the {@code created} of {@code GET /v1/models}. */
    final long created = Instant.now().getEpochSecond();
    volatile List<Pod> pods = List.of();
    volatile Candidates candidates;

    ModelBackends(String model, Candidates empty) {
        this.model = model;
        this.candidates = empty;
    }
}
