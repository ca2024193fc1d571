package io.podrouter.bench.sim;

import java.time.Instant;
import java.time.InstantSource;

/**
 * The simulation's clock: an {@link InstantSource} over virtual seconds, so that the router's staleness
 * checks and cold-start timing run on simulated time. Virtual second 0 is {@link #ORIGIN}.
 *
 * <p>Only the simulation thread advances it; reads from other threads are not supported.
 */
public final class VirtualClock implements InstantSource {

    /** The instant of virtual second 0. */
    public static final Instant ORIGIN = Instant.parse("2025-01-01T00:00:00Z");

    private double seconds;

    /** The current virtual time in seconds. */
    public double seconds() {
        return seconds;
    }

    /** Moves the clock to {@code t}; going backwards or to a non-finite time throws. */
    void advanceTo(double t) {
        if (!(t >= seconds) || Double.isInfinite(t)) {
            throw new IllegalArgumentException("time: " + t + " (expected: finite and >= " + seconds + ")");
        }
        seconds = t;
    }

    /** The instant of virtual second {@code t}, to the nanosecond. */
    public static Instant at(double t) {
        return ORIGIN.plusNanos(Math.round(t * 1e9));
    }

    @Override
    public Instant instant() {
        return at(seconds);
    }
}
