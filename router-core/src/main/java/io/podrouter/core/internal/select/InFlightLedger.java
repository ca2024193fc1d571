package io.podrouter.core.internal.select;

import io.podrouter.core.internal.telemetry.RouterLog;
import io.podrouter.core.internal.telemetry.RouterTelemetry;
import org.slf4j.Logger;

import java.util.Iterator;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * <b>Internal: not API, not exported by the module.</b> The selections not yet seen completed, kept when a maximum in-flight age is set, and their reclaim: a
 * selection older than the age is completed as {@code CANCELLED} (latency -1) through {@code Completions},
 * like any other completion. Thread-safe: selections are added lock-free ({@link ConcurrentLinkedQueue});
 * {@link #reclaim} runs on the refresh.
 */
public final class InFlightLedger {

    private static final Logger LOG = RouterLog.logger();

    private final ConcurrentLinkedQueue<Selection.Tracked> open = new ConcurrentLinkedQueue<>();
    private final long maxAgeMillis;
    /** A full sweep for completed selections at most this often: an eighth of the age, at least 1 s. */
    private final long sweepIntervalMillis;
    private final RouterTelemetry telemetry;
    private final AtomicBoolean logged = new AtomicBoolean();
    // Refresh only; a race between two concurrent refreshes costs one extra sweep.
    private volatile long lastSweepMillis = Long.MIN_VALUE / 2;

    /**
     * @param maxAgeMillis the maximum in-flight age (the builder's, validated positive when a ledger is made)
     * @param telemetry    counts each reclaim
     */
    public InFlightLedger(long maxAgeMillis, RouterTelemetry telemetry) {
        this.maxAgeMillis = maxAgeMillis;
        this.sweepIntervalMillis = Math.max(1_000, maxAgeMillis / 8);
        this.telemetry = telemetry;
    }

    /** Keeps {@code s} until it completes or is reclaimed. Hot path: one lock-free enqueue. */
    void track(Selection.Tracked s) {
        open.add(s);
    }

    /**
     * Completes, as cancelled, the selections older than the maximum age, and drops completed ones. The
     * queue is in selection order (to within concurrent selections), so each refresh walks it only from
     * the head to the first open selection that is young enough: O(reclaimed + completed at the head), not
     * O(open). Completed selections behind a young one are dropped by a full sweep at most every
     * {@code sweepIntervalMillis}, which bounds the queue to that interval's selections plus the open ones.
     */
    public void reclaim(long now) {
        long oldest = now - maxAgeMillis;
        boolean sweep = now - lastSweepMillis >= sweepIntervalMillis;
        if (sweep) {
            lastSweepMillis = now;
        }
        for (Iterator<Selection.Tracked> it = open.iterator(); it.hasNext(); ) {
            Selection.Tracked s = it.next();
            if (s.isDone()) {
                it.remove();
            } else if (s.selectedAtMillis >= oldest) {
                if (!sweep) {
                    return;
                }
            } else if (s.reclaim()) {
                it.remove();
                telemetry.inFlightReclaimed();
                if (logged.compareAndSet(false, true)) {
                    LOG.warn("selection of pod {} was not completed within {} ms; its in-flight slot was reclaimed "
                            + "(complete or close every PodSelection; logged once, counted in "
                            + "podrouter_in_flight_reclaimed_total)", s.chosenPod().id(), maxAgeMillis);
                }
            }
        }
    }
}
