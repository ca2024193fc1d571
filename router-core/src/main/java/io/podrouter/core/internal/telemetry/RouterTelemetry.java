package io.podrouter.core.internal.telemetry;

import io.podrouter.api.EjectionReason;
import io.podrouter.api.Fallback;
import io.podrouter.api.MissingReason;
import io.podrouter.api.Outcome;
import io.podrouter.api.WarmupOutcome;
import io.podrouter.core.telemetry.TelemetrySnapshot;
import org.jspecify.annotations.Nullable;

import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.DoubleAdder;
import java.util.concurrent.atomic.LongAdder;

/**
 * <b>Internal: not API, not exported by the module.</b> The router's counters and cold-start histogram,
 * which a {@code Router} creates and updates; applications read them through {@code Router.telemetry()}
 * ({@link TelemetrySnapshot}) and never need this class. It may change without notice (see the package
 * documentation).
 *
 * <p>Updates are lock-free ({@link LongAdder}s, so concurrent selections do not contend on one
 * counter); the counters the selection path increments are handed out once ({@link #selectionCounter},
 * {@link #fallbackCounter}) and cached by the router, so it reaches them without a lookup.
 * {@link #snapshot(int, Map)} copies everything. Thread-safe.
 */
public final class RouterTelemetry {

    /**
     * Bucket upper bounds of {@code pod_coldstart_duration_seconds}, in seconds, ascending (the
     * exposition adds {@code +Inf}): dense around the 5-30 s gap between a pod becoming Ready and its
     * first metrics that the AIBrix cold-start article reports, up to the minutes a cold GPU pod can
     * take. Immutable.
     */
    public static final List<Double> COLDSTART_BUCKETS = List.of(0.5, 1.0, 2.5, 5.0, 10.0, 15.0, 20.0, 30.0, 45.0,
            60.0, 90.0, 120.0, 300.0);

    // values() clones its array on every call; outcome() runs on every completion.
    private static final Outcome[] OUTCOMES = Outcome.values();
    private static final WarmupOutcome[] WARMUP_OUTCOMES = WarmupOutcome.values();
    private static final EjectionReason[] EJECTION_REASONS = EjectionReason.values();

    // The list unboxed once: observeColdStart compares against every bound.
    private static final double[] BOUNDS = COLDSTART_BUCKETS.stream().mapToDouble(Double::doubleValue).toArray();

    private final LongAdder[] buckets = new LongAdder[BOUNDS.length + 1];
    private final DoubleAdder coldStartSum = new DoubleAdder();
    private final LongAdder coldRequests = new LongAdder();
    private final LongAdder coldRequestsFailed = new LongAdder();
    private final Map<TelemetrySnapshot.FallbackKey, LongAdder> fallbacks = new ConcurrentHashMap<>();
    private final LongAdder[] warmups = new LongAdder[WARMUP_OUTCOMES.length];
    private final LongAdder[] ejections = new LongAdder[EJECTION_REASONS.length];
    private final LongAdder ejectionsSkipped = new LongAdder();
    private final LongAdder podStalls = new LongAdder();
    private final LongAdder inFlightReclaimed = new LongAdder();
    private final Map<TelemetrySnapshot.SelectionKey, LongAdder> selections = new ConcurrentHashMap<>();
    /** Selection series exported from the start, at 0 (the combinations the router can produce). */
    private final Set<TelemetrySnapshot.SelectionKey> announced = ConcurrentHashMap.newKeySet();
    private final LongAdder[] outcomes = new LongAdder[OUTCOMES.length];

    /** Empty counters. */
    public RouterTelemetry() {
        for (int i = 0; i < outcomes.length; i++) {
            outcomes[i] = new LongAdder();
        }
        for (int i = 0; i < buckets.length; i++) {
            buckets[i] = new LongAdder();
        }
        for (int i = 0; i < warmups.length; i++) {
            warmups[i] = new LongAdder();
        }
        for (int i = 0; i < ejections.length; i++) {
            ejections[i] = new LongAdder();
        }
    }

    /**
     * Counts an outlier ejection; null is ignored. The ejected-pods gauge is not kept here: the router counts
     * its ejected pods at snapshot time, so a pod forgotten while ejected cannot leave it too high.
     */
    public void podEjected(@Nullable EjectionReason reason) {
        if (reason != null) {
            ejections[reason.ordinal()].increment();
        }
    }

    /** Counts a pod the router stopped trusting because it holds requests it does not answer. */
    public void podStalled() {
        podStalls.increment();
    }

    /** Counts an in-flight slot reclaimed from a selection nobody completed in time. */
    public void inFlightReclaimed() {
        inFlightReclaimed.increment();
    }

    /** Counts an ejection attempt the cap or the fleet-wide failure rule prevented (one per attempt, not per failure). */
    public void ejectionSkipped() {
        ejectionsSkipped.increment();
    }

    /**
     * Records one Ready-to-first-metrics duration. Negative durations (clock skew) are recorded as 0;
     * null is ignored.
     */
    public void observeColdStart(@Nullable Duration d) {
        if (d == null) {
            return;
        }
        double seconds = d.isNegative() ? 0 : d.getSeconds() + d.getNano() / 1e9; // toNanos() overflows past 292 years
        int b = 0;
        while (b < BOUNDS.length && seconds > BOUNDS[b]) {
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
    public LongAdder fallbackCounter(String strategy, Fallback fallback, @Nullable MissingReason reason) {
        if (fallback == Fallback.NONE) {
            throw new IllegalArgumentException("fallback: NONE (expected: a fallback kind)");
        }
        return fallbacks.computeIfAbsent(new TelemetrySnapshot.FallbackKey(strategy, fallback, reason), k -> new LongAdder());
    }

    /**
     * The selection counter of one (strategy, fallback) pair, created on first use; the same counter for
     * the same pair (two chain positions with one strategy name share it). The router caches it in its
     * decisions, so the selection path increments it without a lookup.
     *
     * @param strategy     the deciding strategy's name; null throws {@link NullPointerException}
     * @param fallback     the fallback kind, {@code NONE} included; null throws {@link NullPointerException}
     * @param exportAtZero export the series from the start, at 0, so that rate() and increase() see its
     *                     first selection; false for combinations the router cannot produce (they appear
     *                     only if counted)
     */
    public LongAdder selectionCounter(String strategy, Fallback fallback, boolean exportAtZero) {
        TelemetrySnapshot.SelectionKey key = new TelemetrySnapshot.SelectionKey(strategy, fallback);
        if (exportAtZero) {
            announced.add(key);
        }
        return selections.computeIfAbsent(key, k -> new LongAdder());
    }

    /** Counts one completed selection by outcome; null is ignored. */
    public void outcome(@Nullable Outcome outcome) {
        if (outcome != null) {
            outcomes[outcome.ordinal()].increment();
        }
    }

    /** Counts one warm-up attempt outcome; null is ignored. */
    public void warmupProbe(@Nullable WarmupOutcome outcome) {
        if (outcome != null) {
            warmups[outcome.ordinal()].increment();
        }
    }

    /** As {@link #snapshot(int, int, int, Map)} without per-pod series, ejected or stalled pods. */
    public TelemetrySnapshot snapshot(int coldPods) {
        return snapshot(coldPods, 0, 0, Map.of());
    }

    /** As {@link #snapshot(int, int, int, Map)} with no ejected or stalled pods. */
    public TelemetrySnapshot snapshot(int coldPods, Map<String, TelemetrySnapshot.PodTelemetry> pods) {
        return snapshot(coldPods, 0, 0, pods);
    }

    /**
     * A consistent-enough copy: each counter is read once, so counters racing with the copy may be off by
     * the updates in progress.
     *
     * @param coldPods    the cold-pod gauge; negative is recorded as 0
     * @param ejectedPods the ejected-pod gauge (pods ejected now among those the router knows); negative is recorded as 0
     * @param stalledPods the stalled-pod gauge; negative is recorded as 0
     * @param pods        per-pod series of the pods the router knows now, by pod id (copied); null throws
     *                    {@link NullPointerException}
     */
    public TelemetrySnapshot snapshot(int coldPods, int ejectedPods, int stalledPods,
                                      Map<String, TelemetrySnapshot.PodTelemetry> pods) {
        Objects.requireNonNull(pods, "pods");
        List<Double> bounds = new ArrayList<>();
        List<Long> cumulative = new ArrayList<>();
        long running = 0;
        for (int b = 0; b < buckets.length; b++) {
            running += buckets[b].sum();
            bounds.add(b < BOUNDS.length ? BOUNDS[b] : Double.POSITIVE_INFINITY);
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
        for (WarmupOutcome o : WARMUP_OUTCOMES) {
            wu.put(o, warmups[o.ordinal()].sum());
        }
        Map<EjectionReason, Long> ej = new EnumMap<>(EjectionReason.class);
        for (EjectionReason r : EJECTION_REASONS) {
            ej.put(r, ejections[r.ordinal()].sum());
        }
        Map<TelemetrySnapshot.SelectionKey, Long> sel = new HashMap<>();
        selections.forEach((k, v) -> {
            long n = v.sum();
            if (n > 0 || announced.contains(k)) {
                sel.put(k, n);
            }
        });
        Map<Outcome, Long> out = new EnumMap<>(Outcome.class);
        for (Outcome o : OUTCOMES) {
            out.put(o, outcomes[o.ordinal()].sum());
        }
        return new TelemetrySnapshot(new TelemetrySnapshot.Histogram(bounds, cumulative, coldStartSum.sum(), running),
                coldRequests.sum(), coldRequestsFailed.sum(), fb, wu, Math.max(0, coldPods), ej,
                ejectionsSkipped.sum(), Math.max(0, ejectedPods), inFlightReclaimed.sum(), sel, out, pods,
                podStalls.sum(), Math.max(0, stalledPods));
    }
}
