package io.podrouter.kubernetes;

import org.jspecify.annotations.Nullable;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ScheduledExecutorService;

/** The options both discoveries share, validated as they are set. Not thread-safe (a builder's state). */
final class Settings {

    static final Duration DEFAULT_DEBOUNCE = Duration.ofMillis(100);
    static final Duration DEFAULT_START_TIMEOUT = Duration.ofSeconds(30);
    static final Duration DEFAULT_STALENESS_CHECK = Duration.ofSeconds(1);

    final List<PodDiscoveryListener> listeners = new ArrayList<>();
    Duration debounce = DEFAULT_DEBOUNCE;
    Duration startTimeout = DEFAULT_START_TIMEOUT;
    Duration stalenessCheck = DEFAULT_STALENESS_CHECK;
    @Nullable ScheduledExecutorService scheduler;

    void listener(PodDiscoveryListener listener) {
        listeners.add(Objects.requireNonNull(listener, "listener: null (expected: a PodDiscoveryListener)"));
    }

    void debounce(Duration d) {
        Objects.requireNonNull(d, "debounce: null (expected: a duration >= 0)");
        if (d.isNegative()) {
            throw new IllegalArgumentException("debounce: " + d + " (expected: a duration >= 0)");
        }
        debounce = d;
    }

    void startTimeout(Duration d) {
        startTimeout = positive(d, "startTimeout");
    }

    void stalenessCheck(Duration d) {
        stalenessCheck = positive(d, "stalenessCheckInterval");
    }

    void scheduler(ScheduledExecutorService s) {
        scheduler = Objects.requireNonNull(s, "scheduler: null (expected: a ScheduledExecutorService)");
    }

    static String requireText(@Nullable String value, String name) {
        Objects.requireNonNull(value, () -> name + ": null (expected: non-blank text)");
        if (value.isBlank()) {
            throw new IllegalArgumentException(name + ": blank (expected: non-blank text)");
        }
        return value;
    }

    private static Duration positive(Duration d, String name) {
        Objects.requireNonNull(d, () -> name + ": null (expected: a positive duration)");
        if (d.isNegative() || d.isZero()) {
            throw new IllegalArgumentException(name + ": " + d + " (expected: a positive duration)");
        }
        return d;
    }
}
