package io.podrouter.prometheus;

import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;

/** A virtual clock for tests. */
final class MutableClock implements InstantSource {
    private volatile Instant now;

    MutableClock(Instant start) {
        this.now = start;
    }

    void advance(Duration d) {
        now = now.plus(d);
    }

    @Override
    public Instant instant() {
        return now;
    }
}
