package io.podrouter.micrometer;

import io.podrouter.api.EjectionReason;
import io.podrouter.api.Fallback;
import io.podrouter.api.MissingReason;
import io.podrouter.api.Outcome;
import io.podrouter.api.WarmupOutcome;
import io.podrouter.core.telemetry.TelemetrySnapshot;
import io.podrouter.core.telemetry.TelemetrySnapshot.FallbackKey;
import io.podrouter.core.telemetry.TelemetrySnapshot.Histogram;
import io.podrouter.core.telemetry.TelemetrySnapshot.PodTelemetry;
import io.podrouter.core.telemetry.TelemetrySnapshot.SelectionKey;

import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Telemetry counts a test sets by hand, turned into {@link TelemetrySnapshot}s through the public record
 * (the router's own counters are internal). The histogram has the exposition's bucket bounds.
 */
final class FakeTelemetry {

    static final List<Double> BOUNDS = List.of(0.5, 1.0, 2.5, 5.0, 10.0, 15.0, 20.0, 30.0, 45.0, 60.0, 90.0, 120.0,
            300.0, Double.POSITIVE_INFINITY);

    final Map<SelectionKey, Long> selections = new ConcurrentHashMap<>();
    final Map<FallbackKey, Long> fallbacks = new ConcurrentHashMap<>();
    final Map<Outcome, Long> outcomes = new EnumMap<>(Outcome.class);
    final Map<WarmupOutcome, Long> warmups = new EnumMap<>(WarmupOutcome.class);
    final Map<EjectionReason, Long> ejections = new EnumMap<>(EjectionReason.class);
    final List<Duration> coldStarts = new ArrayList<>();
    long coldRequests;
    long coldRequestsFailed;
    long ejectionsSkipped;
    int ejectedPods;
    long inFlightReclaimed;

    FakeTelemetry() {
        for (Outcome o : Outcome.values()) {
            outcomes.put(o, 0L);
        }
    }

    void selections(String strategy, Fallback fallback, long n) {
        selections.merge(new SelectionKey(strategy, fallback), n, Long::sum);
    }

    void fallbacks(String strategy, Fallback fallback, MissingReason reason, long n) {
        fallbacks.merge(new FallbackKey(strategy, fallback, reason), n, Long::sum);
    }

    synchronized TelemetrySnapshot snapshot(int coldPods, Map<String, PodTelemetry> pods) {
        List<Long> cumulative = new ArrayList<>();
        double sum = 0;
        for (Duration d : coldStarts) {
            sum += d.toNanos() / 1e9;
        }
        for (double b : BOUNDS) {
            cumulative.add(coldStarts.stream().filter(d -> d.toNanos() / 1e9 <= b).count());
        }
        return new TelemetrySnapshot(new Histogram(BOUNDS, cumulative, sum, coldStarts.size()), coldRequests,
                coldRequestsFailed, fallbacks, warmups, coldPods, ejections, ejectionsSkipped, ejectedPods,
                inFlightReclaimed, selections, outcomes, pods);
    }
}
