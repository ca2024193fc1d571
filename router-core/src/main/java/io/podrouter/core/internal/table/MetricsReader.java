package io.podrouter.core.internal.table;

import io.podrouter.api.MetricsLookup;
import io.podrouter.api.MetricsSource;
import io.podrouter.api.MissingReason;
import io.podrouter.api.Pod;
import io.podrouter.api.PodMetrics;
import io.podrouter.core.internal.telemetry.RouterLog;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;

import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicLong;

/**
 * <b>Internal: not API, not exported by the module.</b> Asks the {@link MetricsSource} about one pod and
 * turns every possible answer, including exceptions, nulls, invalid values and stale snapshots, into a
 * {@code MetricsState}. Logs a pod's state changes, never one line per request, and at most one line per
 * pod per {@code logInterval} (a source flapping between present, missing and throwing on every refresh would
 * otherwise write thousands of lines a second, the "metric not found" flood of the AIBrix cold-start
 * article): the next line a pod gets carries how many changes were not logged, and a summary line per
 * interval counts the suppressed changes of all pods. A source's exception is logged with its stack trace on
 * the pod's line. Thread-safe.
 */
public final class MetricsReader {

    private static final Logger LOG = RouterLog.logger();

    private final MetricsSource source;
    private final Duration maxAge;
    private final long logIntervalMillis;
    private final AtomicLong suppressedSinceSummary = new AtomicLong();
    private final AtomicLong nextSummaryMillis = new AtomicLong(Long.MIN_VALUE);

    /**
     * @param source      the user's metrics source
     * @param maxAge      snapshots observed longer ago count as missing with reason STALE (validated: positive)
     * @param logInterval the least time between two lines about one pod (validated: zero or more)
     */
    public MetricsReader(MetricsSource source, Duration maxAge, Duration logInterval) {
        this.source = source;
        this.maxAge = maxAge;
        this.logIntervalMillis = logInterval.toMillis();
    }

    /**
     * The result of one read: the state, the metrics when the state is {@link MetricsState#PRESENT}, a
     * detail for the log, and the source's exception when it threw.
     */
    record Reading(MetricsState state, @Nullable PodMetrics metrics, String detail, @Nullable Throwable cause) {
        Reading(MetricsState state, @Nullable PodMetrics metrics, String detail) {
            this(state, metrics, detail, null);
        }
    }

    /** Reads {@code pod} (the caller's single read of {@code handle.pod()}) for {@code model}. */
    Reading read(PodHandle handle, Pod pod, String model, Instant now) {
        Reading reading = pod.ready() ? ask(pod, model, now) : new Reading(MetricsState.POD_NOT_READY, null, "");
        MetricsState previous = handle.exchangeState(model, reading.state());
        if (previous != reading.state()) {
            long millis = now.toEpochMilli();
            int suppressed = handle.stateLog.tryAcquire(millis, logIntervalMillis);
            if (suppressed >= 0) {
                logChange(pod, model, previous, reading, suppressed);
            } else {
                suppressedSinceSummary.incrementAndGet();
            }
            summary(millis);
        }
        return reading;
    }

    /** At most once per interval: how many state changes the per-pod limit kept out of the log. */
    private void summary(long now) {
        long next = nextSummaryMillis.get();
        if (next == Long.MIN_VALUE) {
            nextSummaryMillis.compareAndSet(next, now + logIntervalMillis);
            return;
        }
        if (now >= next && nextSummaryMillis.compareAndSet(next, now + logIntervalMillis)) {
            long n = suppressedSinceSummary.getAndSet(0);
            if (n > 0) {
                LOG.warn("{} pod metrics state changes in the last {} s were not logged (at most one line per pod per {} s)",
                        n, (now - next + logIntervalMillis) / 1000, logIntervalMillis / 1000.0);
            }
        }
    }

    private Reading ask(Pod pod, String model, Instant now) {
        MetricsLookup lookup;
        try {
            lookup = source.lookup(pod, model);
        } catch (VirtualMachineError fatal) {
            throw fatal;
        } catch (Throwable t) {
            return new Reading(MetricsState.MISSING_SOURCE_ERROR, null, "lookup threw " + t, t);
        }
        if (lookup == null) {
            return missing(MissingReason.SOURCE_ERROR, "lookup returned null");
        }
        if (lookup instanceof MetricsLookup.NotReady notReady) {
            return new Reading(MetricsState.SOURCE_NOT_READY, null, notReady.detail());
        }
        if (lookup instanceof MetricsLookup.Missing m) {
            return missing(m.reason(), m.detail());
        }
        PodMetrics metrics = ((MetricsLookup.Present) lookup).metrics();
        String invalid = metrics.firstInvalidValue();
        if (invalid != null) {
            return missing(MissingReason.INVALID_VALUE, invalid);
        }
        // A snapshot from the future (clock skew) counts as fresh.
        if (metrics.observedAt().plus(maxAge).isBefore(now)) {
            return missing(MissingReason.STALE, "observed " + Duration.between(metrics.observedAt(), now)
                    + " ago (max age " + maxAge + ")");
        }
        return new Reading(MetricsState.PRESENT, metrics, "");
    }

    private static Reading missing(MissingReason reason, String detail) {
        return new Reading(MetricsState.missing(reason), null, detail);
    }

    private static void logChange(Pod pod, String model, @Nullable MetricsState previous, Reading now, int suppressed) {
        String from = previous == null ? "new" : previous.name();
        String more = suppressed == 0 ? "" : " [" + suppressed + " earlier changes of this pod not logged]";
        switch (now.state()) {
            case PRESENT:
                LOG.info("pod {} model {}: metrics present ({} -> PRESENT){}", pod.id(), model, from, more);
                break;
            case MISSING_NOT_YET_SCRAPED:
                // The normal state of a pod that just became Ready: worth a line, not a warning.
                LOG.info("pod {} model {}: ready, metrics not scraped yet; routing to it by fallback ({} -> {}){}",
                        pod.id(), model, from, now.state(), more);
                break;
            case POD_NOT_READY:
            case SOURCE_NOT_READY:
                LOG.info("pod {} model {}: not ready, not routable ({} -> {}){}{}", pod.id(), model, from,
                        now.state(), now.detail().isEmpty() ? "" : ": " + now.detail(), more);
                break;
            default:
                // The cause (a source that threw) goes with its stack trace, as SLF4J's last argument.
                LOG.warn("pod {} model {}: metrics missing, routing to it by fallback ({} -> {}): {}{}",
                        pod.id(), model, from, now.state(), now.detail(), more, now.cause());
        }
    }
}
