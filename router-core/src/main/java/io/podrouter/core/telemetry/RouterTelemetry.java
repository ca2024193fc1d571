package io.podrouter.core.telemetry;

import io.podrouter.api.EjectionReason;
import io.podrouter.api.Fallback;
import io.podrouter.api.MissingReason;
import io.podrouter.api.Outcome;
import io.podrouter.api.WarmupOutcome;

import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.DoubleAdder;
import java.util.concurrent.atomic.LongAdder;

/**
 * The router's cold-start counters and histogram. Updates are lock-free ({@link LongAdder}s, so
 * concurrent selections do not contend on one counter); {@link #snapshot(int)} copies them.
 * Thread-safe.
 */
public final class RouterTelemetry {

    /**
     * Bucket upper bounds of {@code pod_coldstart_duration_seconds}, in seconds: dense around the 5-30 s
     * Ready-to-first-metrics gap the seed reports, up to the minutes a cold GPU pod can take.
     */
    public static final double[] COLDSTART_BUCKETS = {0.5, 1, 2.5, 5, 10, 15, 20, 30, 45, 60, 90, 120, 300};

    private final LongAdder[] buckets = new LongAdder[COLDSTART_BUCKETS.length + 1];
    private final DoubleAdder coldStartSum = new DoubleAdder();
    private final LongAdder coldRequests = new LongAdder();
    private final LongAdder coldRequestsFailed = new LongAdder();
    private final Map<TelemetrySnapshot.FallbackKey, LongAdder> fallbacks = new ConcurrentHashMap<>();
    private final Map<WarmupOutcome, LongAdder> warmups = new EnumMap<>(WarmupOutcome.class);
    private final Map<EjectionReason, LongAdder> ejections = new EnumMap<>(EjectionReason.class);
    private final LongAdder ejectionsSkipped = new LongAdder();
    private final LongAdder ejectedPods = new LongAdder();
    private final LongAdder inFlightReclaimed = new LongAdder();

    public RouterTelemetry() {
        for (int i = 0; i < buckets.length; i++) {
            buckets[i] = new LongAdder();
        }
        for (WarmupOutcome o : WarmupOutcome.values()) {
            warmups.put(o, new LongAdder());
        }
        for (EjectionReason r : EjectionReason.values()) {
            ejections.put(r, new LongAdder());
        }
    }

    /** Counts an outlier ejection and raises the ejected-pods gauge; null is ignored. */
    public void podEjected(EjectionReason reason) {
        if (reason != null) {
            ejections.get(reason).increment();
            ejectedPods.increment();
        }
    }

    /** Lowers the ejected-pods gauge: an ejection ended. */
    public void podReturned() {
        ejectedPods.decrement();
    }

    /** Counts an in-flight slot reclaimed from a selection nobody completed in time. */
    public void inFlightReclaimed() {
        inFlightReclaimed.increment();
    }

    /** Counts an ejection the cap or the fleet-wide failure rule prevented. */
    public void ejectionSkipped() {
        ejectionsSkipped.increment();
    }

    /**
     * Records one Ready-to-first-metrics duration. Negative durations (clock skew) are recorded as 0;
     * null is ignored.
     */
    public void observeColdStart(Duration d) {
        if (d == null) {
            return;
        }
        double seconds = d.isNegative() ? 0 : d.toNanos() / 1e9;
        int b = 0;
        while (b < COLDSTART_BUCKETS.length && seconds > COLDSTART_BUCKETS[b]) {
            b++;
        }
        buckets[b].increment();
        coldStartSum.add(seconds);
    }

    /** Counts a request routed to a cold pod. */
    public void coldRequestRouted() {
        coldRequests.increment();
    }

    /** Counts the completion of a request routed to a cold pod; only failures are counted separately. */
    public void coldRequestCompleted(Outcome outcome) {
        if (outcome == Outcome.FAILURE) {
            coldRequestsFailed.increment();
        }
    }

    /**
     * The counter for one kind of fallback, created on first use; the router caches it so that the
     * selection path increments it without a lookup. {@code NONE} is rejected.
     */
    public LongAdder fallbackCounter(String strategy, Fallback fallback, MissingReason reason) {
        if (fallback == Fallback.NONE) {
            throw new IllegalArgumentException("fallback: NONE (expected: a fallback kind)");
        }
        return fallbacks.computeIfAbsent(new TelemetrySnapshot.FallbackKey(strategy, fallback, reason), k -> new LongAdder());
    }

    /** Counts one warm-up attempt outcome; null is ignored. */
    public void warmupProbe(WarmupOutcome outcome) {
        if (outcome != null) {
            warmups.get(outcome).increment();
        }
    }

    /** A consistent-enough copy (each counter read once; counters racing with the copy may be off by in-flight updates). */
    public TelemetrySnapshot snapshot(int coldPods) {
        List<Double> bounds = new ArrayList<>();
        List<Long> cumulative = new ArrayList<>();
        long running = 0;
        for (int b = 0; b < buckets.length; b++) {
            running += buckets[b].sum();
            bounds.add(b < COLDSTART_BUCKETS.length ? COLDSTART_BUCKETS[b] : Double.POSITIVE_INFINITY);
            cumulative.add(running);
        }
        Map<TelemetrySnapshot.FallbackKey, Long> fb = new HashMap<>();
        fallbacks.forEach((k, v) -> {
            long n = v.sum();
            if (n > 0) {
                fb.put(k, n);
            }
        });
        Map<WarmupOutcome, Long> wu = new EnumMap<>(WarmupOutcome.class);
        warmups.forEach((k, v) -> wu.put(k, v.sum()));
        Map<EjectionReason, Long> ej = new EnumMap<>(EjectionReason.class);
        ejections.forEach((k, v) -> ej.put(k, v.sum()));
        return new TelemetrySnapshot(new TelemetrySnapshot.Histogram(bounds, cumulative, coldStartSum.sum(), running),
                coldRequests.sum(), coldRequestsFailed.sum(), fb, wu, Math.max(0, coldPods), ej,
                ejectionsSkipped.sum(), (int) Math.max(0, ejectedPods.sum()), inFlightReclaimed.sum());
    }
}
