package io.podrouter.core.internal.coldstart;

import org.jspecify.annotations.Nullable;

import java.time.Instant;
import java.util.HashMap;
import java.util.Map;

/**
 * <b>Internal: not API, not exported by the module.</b> One pod's cold-start lifecycle as this router has
 * seen it: whether it was tracked since it became Ready, when its first metrics came, whether the router
 * witnessed its cold start, the lifecycle per model, its warm-up, and whether it is cold now. Owned by the
 * pod's handle (one per pod id, shared by every candidate set that lists the pod) and advanced by
 * {@link ColdStartTracker} on table builds.
 *
 * <p>Thread safety: every field is guarded by this object's monitor (table builds advance it, a discovery
 * update {@linkplain #reset() resets} it, the router's close cancels the warm-up), except {@link #isCold()},
 * a volatile read for telemetry, and {@link #warmingUp()}, read by the table build on the thread that just
 * advanced the lifecycle.
 */
public final class ColdStartState {

    /** Caps the per-model maps so that a flood of unknown model names cannot grow them without bound. */
    public static final int MAX_TRACKED_MODELS = 64;

    /** Where a pod is in its cold start, as far as this router has seen. */
    enum Phase {
        /** Not yet seen ready by a table build (or its Ready period changed). */
        UNSEEN,
        /** Seen ready; cold or warm per {@link #cold}. */
        TRACKED
    }

    Phase phase = Phase.UNSEEN;
    @Nullable Instant firstMetricsAt;
    /** The router first saw the pod without metrics soon enough after Ready to report its cold start. */
    boolean witnessed;
    /** The cold-start lifecycle per model (see {@link ColdStartTracker}). */
    final Map<String, ColdStartTracker.ModelLifecycle> lifecycles = new HashMap<>();
    @Nullable Warmup warmup;
    /** Whether the pod is cold now for some model: Ready without its metrics yet, or warming up. Read by telemetry. */
    volatile boolean cold;

    /** A pod not seen yet: not cold, no warm-up. */
    public ColdStartState() {
    }

    /** Whether the pod is cold now for some model it was asked about (Ready without its metrics yet, or warming up). */
    public boolean isCold() {
        return cold;
    }

    /**
     * Whether the pod's warm-up has started and not yet ended (succeeded or gave up); false without warm-up.
     * Read without the monitor by the table build that advanced the lifecycle, as the router always has.
     */
    public boolean warmingUp() {
        Warmup w = warmup;
        return w != null && !w.done();
    }

    /**
     * Forgets the lifecycle, cancelling a running warm-up: the pod's Ready period changed (a restarted pod is
     * cold again). Idempotent.
     */
    public synchronized void reset() {
        if (warmup != null) {
            warmup.cancel();
        }
        warmup = null;
        phase = Phase.UNSEEN;
        firstMetricsAt = null;
        witnessed = false;
        lifecycles.clear();
        cold = false;
    }

    /** Cancels a running warm-up probe (the router is closing); the lifecycle is kept. Idempotent. */
    public synchronized void cancelWarmup() {
        if (warmup != null) {
            warmup.cancel();
        }
    }
}
