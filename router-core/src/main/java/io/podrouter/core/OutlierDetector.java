package io.podrouter.core;

import io.podrouter.api.EjectionReason;
import io.podrouter.api.Outcome;
import io.podrouter.api.Pod;
import io.podrouter.api.RouterEventListener;
import io.podrouter.core.internal.RouterTelemetry;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.time.InstantSource;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.IntSupplier;

/**
 * Applies {@link OutlierDetection} to the outcomes a router's selections report. Counting is lock-free
 * (atomic counters per pod and for the fleet); ejecting and returning pods, which happen a few times a
 * minute at most, take this object's monitor, so the ejected count and the cap are checked atomically.
 * The selection path only reads {@link PodHandle#ejected}. Thread-safe.
 */
final class OutlierDetector {

    private static final Logger LOG = LoggerFactory.getLogger(Router.class);

    /** A pod's counters; ejection fields guarded by the detector's monitor. */
    static final class Health {
        final AtomicInteger consecutiveFailures = new AtomicInteger();
        // LongAdders: completions on one pod from several threads must not contend on one word.
        final LongAdder successes = new LongAdder();
        final LongAdder failures = new LongAdder();
        /** Written by the detector under its monitor, and reset by {@link PodHandle#update} on a new Ready period. */
        volatile long ejectedUntilMillis;
        // Guarded by the detector.
        int ejections;
        @Nullable EjectionReason reason;
    }

    private final OutlierDetection cfg;
    private final InstantSource clock;
    private final RouterTelemetry telemetry;
    private final RouterEventListener listener;
    private final IntSupplier knownPods;
    // Counted on every completion by every thread: LongAdders, not one contended atomic word.
    private final LongAdder fleetSuccesses = new LongAdder();
    private final LongAdder fleetFailures = new LongAdder();
    // Guarded by this: the previous interval's fleet totals, the next evaluation time, ejected pods now.
    private long previousSuccesses;
    private long previousFailures;
    private long nextEvaluationMillis = Long.MIN_VALUE;
    private int ejectedNow;

    OutlierDetector(OutlierDetection cfg, InstantSource clock, RouterTelemetry telemetry, RouterEventListener listener,
                    IntSupplier knownPods) {
        this.cfg = cfg;
        this.clock = clock;
        this.telemetry = telemetry;
        this.listener = listener;
        this.knownPods = knownPods;
    }

    /** Records one completion; ejects the pod when it reaches the consecutive-failure threshold. */
    void record(PodHandle h, Outcome outcome) {
        Health health = h.health;
        if (outcome == Outcome.SUCCESS) {
            health.successes.increment();
            fleetSuccesses.increment();
            if (health.consecutiveFailures.get() != 0) {
                health.consecutiveFailures.set(0);
            }
        } else if (outcome == Outcome.FAILURE) {
            health.failures.increment();
            fleetFailures.increment();
            if (health.consecutiveFailures.incrementAndGet() >= cfg.consecutiveFailures() && !h.ejected) {
                tryEject(h, EjectionReason.CONSECUTIVE_FAILURES, clock.millis());
            }
        }
    }

    /**
     * Returns pods whose ejection time is over and, once per interval, ejects pods by failure rate.
     * Called by the router's refresh, before tables are rebuilt.
     */
    synchronized void evaluate(Iterable<PodHandle> handles) {
        long now = clock.millis();
        int stillEjected = 0;
        for (PodHandle h : handles) {
            if (h.ejected && now < h.health.ejectedUntilMillis) {
                stillEjected++;
            } else if (h.ejected) {
                h.ejected = false;
                h.health.consecutiveFailures.set(0);
                telemetry.podReturned();
                LOG.info("pod {}: ejection ended, routable again (ejected {} time(s) recently)", h.id, h.health.ejections);
                listener.podReturned(h.pod());
            }
        }
        // Counted afresh rather than decremented, so pods the router forgot while ejected free their place.
        ejectedNow = stillEjected;
        if (nextEvaluationMillis == Long.MIN_VALUE) {
            nextEvaluationMillis = now + cfg.interval().toMillis();
            return;
        }
        if (now < nextEvaluationMillis) {
            return;
        }
        nextEvaluationMillis = now + cfg.interval().toMillis();
        for (PodHandle h : handles) {
            Health health = h.health;
            long s = health.successes.sumThenReset();
            long f = health.failures.sumThenReset();
            long total = s + f;
            if (!h.ejected && total >= cfg.minimumRequests() && f >= cfg.failureRateThreshold() * total) {
                tryEject(h, EjectionReason.FAILURE_RATE, now);
            } else if (!h.ejected && f == 0 && health.ejections > 0) {
                health.ejections--; // Envoy: a healthy interval lowers the next ejection's multiplier
            }
        }
        previousSuccesses = fleetSuccesses.sumThenReset();
        previousFailures = fleetFailures.sumThenReset();
    }

    private synchronized void tryEject(PodHandle h, EjectionReason reason, long now) {
        if (h.ejected) {
            return;
        }
        int known = Math.max(1, knownPods.getAsInt());
        if (ejectedNow >= cfg.maxEjectedFraction() * known) {
            telemetry.ejectionSkipped();
            return;
        }
        Health health = h.health;
        // The others' failure fraction over this and the previous interval: when most of their requests fail
        // too, the fault is not this pod's and ejecting it only removes capacity.
        long podFailures = health.failures.sum();
        long othersFailed = previousFailures + fleetFailures.sum() - podFailures;
        long othersTotal = previousSuccesses + fleetSuccesses.sum() + previousFailures + fleetFailures.sum()
                - podFailures - health.successes.sum();
        if (othersTotal > 0 && othersFailed * 2 >= othersTotal) {
            telemetry.ejectionSkipped();
            return;
        }
        health.ejections++;
        long millis = Math.min(cfg.baseEjectionTime().toMillis() * health.ejections,
                cfg.maxEjectionTime().toMillis());
        health.ejectedUntilMillis = now + millis;
        health.reason = reason;
        ejectedNow++;
        h.ejected = true;
        telemetry.podEjected(reason);
        Duration d = Duration.ofMillis(millis);
        LOG.warn("pod {}: ejected for {} s ({}; ejection {} of this pod; {} of {} known pods ejected)", h.id,
                millis / 1000.0, reason == EjectionReason.CONSECUTIVE_FAILURES
                        ? cfg.consecutiveFailures() + " consecutive failures"
                        : "failure rate at or above " + cfg.failureRateThreshold(), health.ejections, ejectedNow, known);
        listener.podEjected(h.pod(), reason, d);
    }

    synchronized int ejectedNow() {
        return ejectedNow;
    }
}
