package io.podrouter.core.internal.health;

import io.podrouter.api.EjectionReason;
import io.podrouter.api.Outcome;
import io.podrouter.api.RouterEventListener;
import io.podrouter.core.OutlierDetection;
import io.podrouter.core.internal.telemetry.RouterLog;
import io.podrouter.core.internal.telemetry.RouterTelemetry;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;

import java.time.Duration;
import java.time.InstantSource;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Supplier;

/**
 * <b>Internal: not API, not exported by the module.</b> Applies {@link OutlierDetection} to the outcomes a
 * router's selections report.
 *
 * <p>Each pod has a {@link Health} monitor: a consecutive-failure count, the counters of the interval in
 * progress and the counts of the last complete interval, swapped at each interval (the shape of gRPC's
 * outlier-detection address tracker). Two rules read them: consecutive failures (checked when a completion
 * crosses the threshold) and failure rate (checked at each interval swap). Both go through
 * {@code tryEject}, where the cap and the "others fail too" veto ({@code OutlierRules}) are decided.
 *
 * <p>Locking: counting is lock-free (LongAdders; the fleet counters too). The detector's monitor is taken
 * only to eject (once per run of failures that reaches the threshold, and at most once per pod per interval
 * for a pod whose ejection was turned down) and by the refresh's {@link #evaluate}. The selection path only
 * reads {@link MonitoredPod#isEjected()}. Thread-safe.
 */
public final class OutlierDetector {

    private static final Logger LOG = RouterLog.logger();

    /** A pod's outcome counters and ejection state; thread-safe (adders, atomics, volatiles, the detector's monitor). */
    public static final class Health {
        final AtomicInteger consecutiveFailures = new AtomicInteger();
        // The interval in progress. LongAdders: completions on one pod from several threads must not contend.
        final LongAdder successes = new LongAdder();
        final LongAdder failures = new LongAdder();
        // The last complete interval; written at the swap, under the detector's monitor.
        volatile long lastSuccesses;
        volatile long lastFailures;
        /** Written by the detector under its monitor, and reset by {@link #reset()} on a new Ready period. */
        volatile long ejectedUntilMillis;
        // Guarded by the detector.
        int ejections;
        @Nullable EjectionReason reason;

        /** Counters at zero, not ejected. */
        public Health() {
        }

        /** Forgets every count: a new Ready period is a new server process. */
        public void reset() {
            consecutiveFailures.set(0);
            successes.reset();
            failures.reset();
            lastSuccesses = 0;
            lastFailures = 0;
            ejectedUntilMillis = Long.MIN_VALUE;
        }
    }

    private final OutlierDetection cfg;
    private final InstantSource clock;
    private final RouterTelemetry telemetry;
    private final RouterEventListener listener;
    /** Each live candidate set's handles: the cap and the recency veto are decided per set. */
    private final Supplier<? extends Iterable<? extends MonitoredPod[]>> candidateSets;
    // The interval in progress, fleet-wide; counted on every completion: LongAdders, not one contended word.
    private final LongAdder fleetSuccesses = new LongAdder();
    private final LongAdder fleetFailures = new LongAdder();
    // Guarded by this: the last complete interval's fleet totals (the sum of the pods' swapped counts).
    private long lastFleetSuccesses;
    private long lastFleetFailures;
    private long nextEvaluationMillis = Long.MIN_VALUE;
    // The longest latency of a successful completion, fleet-wide, in the interval in progress (raised by
    // completions, lock-free) and in the last complete one (written at the swap): the reference of a slow failure.
    private final AtomicLong longestSuccessNanos = new AtomicLong();
    private volatile long lastLongestSuccessNanos;

    /**
     * @param cfg           the validated settings
     * @param listener      receives ejections and returns (the router's wrapped listener, or a no-op)
     * @param candidateSets the pods of each live candidate set, asked for on each ejection attempt (the cap and
     *                      the recency veto are decided per set)
     */
    public OutlierDetector(OutlierDetection cfg, InstantSource clock, RouterTelemetry telemetry,
                           RouterEventListener listener,
                           Supplier<? extends Iterable<? extends MonitoredPod[]>> candidateSets) {
        this.cfg = cfg;
        this.clock = clock;
        this.telemetry = telemetry;
        this.listener = listener;
        this.candidateSets = candidateSets;
    }

    /**
     * Records one completion with its reported latency (negative: unknown). Lock-free; the one failure that
     * brings the pod's run of failures to the threshold tries to eject it (later failures of the same run do
     * not: a turned-down ejection is retried once per interval by {@link #evaluate}). A slow failure (see
     * {@link OutlierRules#slowFailure}) counts neither way, like a cancellation.
     */
    public void record(MonitoredPod h, Outcome outcome, long latencyNanos) {
        Health health = h.health();
        if (outcome == Outcome.SUCCESS) {
            health.successes.increment();
            fleetSuccesses.increment();
            if (health.consecutiveFailures.get() != 0) {
                health.consecutiveFailures.set(0);
            }
            long seen = longestSuccessNanos.get();
            while (latencyNanos > seen && !longestSuccessNanos.compareAndSet(seen, latencyNanos)) {
                seen = longestSuccessNanos.get(); // a max settles quickly: writes are rare once it has
            }
        } else if (outcome == Outcome.FAILURE) {
            if (OutlierRules.slowFailure(latencyNanos, Math.max(longestSuccessNanos.get(), lastLongestSuccessNanos))) {
                return;
            }
            health.failures.increment();
            fleetFailures.increment();
            if (OutlierRules.crossesConsecutiveFailures(health.consecutiveFailures.incrementAndGet(), cfg)
                    && !h.isEjected()) {
                tryEject(h, EjectionReason.CONSECUTIVE_FAILURES, clock.millis());
            }
        }
    }

    /**
     * Returns pods whose ejection time is over and, once per interval, swaps every pod's counters and
     * applies the failure-rate rule (and retries consecutive-failure ejections that were turned down).
     * Called by the router's refresh, before tables are rebuilt.
     */
    public synchronized void evaluate(Iterable<? extends MonitoredPod> handles) {
        long now = clock.millis();
        for (MonitoredPod h : handles) {
            if (h.isEjected() && now >= h.health().ejectedUntilMillis) {
                h.setEjected(false);
                h.health().consecutiveFailures.set(0);
                LOG.info("pod {}: ejection ended, routable again (ejected {} time(s) recently)", h.id(),
                        h.health().ejections);
                listener.podReturned(h.pod());
            }
        }
        if (nextEvaluationMillis == Long.MIN_VALUE) {
            nextEvaluationMillis = now + cfg.interval().toMillis();
            return;
        }
        if (now < nextEvaluationMillis) {
            return;
        }
        nextEvaluationMillis = now + cfg.interval().toMillis();
        long s = 0;
        long f = 0;
        for (MonitoredPod h : handles) {
            Health health = h.health();
            health.lastSuccesses = health.successes.sumThenReset();
            health.lastFailures = health.failures.sumThenReset();
            s += health.lastSuccesses;
            f += health.lastFailures;
        }
        // The fleet's last interval is the sum of the pods' (so "others" below is exactly the fleet minus the
        // pod); the fleet adders restart with the new interval.
        fleetSuccesses.reset();
        fleetFailures.reset();
        lastLongestSuccessNanos = longestSuccessNanos.getAndSet(0);
        lastFleetSuccesses = s;
        lastFleetFailures = f;
        for (MonitoredPod h : handles) {
            Health health = h.health();
            if (h.isEjected()) {
                continue;
            }
            if (OutlierRules.failureRate(health, cfg)) {
                tryEject(h, EjectionReason.FAILURE_RATE, now);
            } else if (OutlierRules.consecutiveFailures(health, cfg)) {
                tryEject(h, EjectionReason.CONSECUTIVE_FAILURES, now);
            } else if (health.lastFailures == 0 && health.ejections > 0) {
                health.ejections--; // Envoy: a healthy interval lowers the next ejection's multiplier
            }
        }
    }

    /** Ejects {@code h} unless it is ejected already, its candidate sets' caps are reached, or the others fail too. */
    private synchronized void tryEject(MonitoredPod h, EjectionReason reason, long now) {
        if (h.isEjected()) {
            return;
        }
        String veto = OutlierRules.veto(h, cfg, lastFleetFailures + fleetFailures.sum(),
                lastFleetFailures + lastFleetSuccesses + fleetFailures.sum() + fleetSuccesses.sum(), candidateSets.get());
        if (veto != null) {
            telemetry.ejectionSkipped();
            LOG.debug("pod {}: not ejected ({}): {}", h.id(), reason, veto);
            return;
        }
        Health health = h.health();
        health.ejections++;
        long millis = Math.min(cfg.baseEjectionTime().toMillis() * health.ejections,
                cfg.maxEjectionTime().toMillis());
        health.ejectedUntilMillis = now + millis;
        health.reason = reason;
        h.setEjected(true);
        telemetry.podEjected(reason);
        LOG.warn("pod {}: ejected for {} s ({}; ejection {} of this pod)", h.id(), millis / 1000.0,
                reason == EjectionReason.CONSECUTIVE_FAILURES
                        ? cfg.consecutiveFailures() + " consecutive failures"
                        : "failure rate at or above " + cfg.failureRateThreshold(), health.ejections);
        listener.podEjected(h.pod(), reason, Duration.ofMillis(millis));
    }
}
