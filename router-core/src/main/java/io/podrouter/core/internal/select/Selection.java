package io.podrouter.core.internal.select;

import io.podrouter.api.Fallback;
import io.podrouter.api.InferenceRequest;
import io.podrouter.api.MissingReason;
import io.podrouter.api.Outcome;
import io.podrouter.api.Pod;
import io.podrouter.api.PodSelection;
import io.podrouter.core.internal.table.PodHandle;
import org.jspecify.annotations.Nullable;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.Objects;
import java.util.Optional;

/**
 * The router's {@link PodSelection}: the chosen pod, its handle (to release the in-flight count) and a
 * shared {@link Decision}. 32 bytes per selection on a 64-bit JVM with compressed references; the only
 * allocation of a steady-state selection. Completion is idempotent: {@code done} is set by CAS. When a
 * strategy of the chain observes selections or counts in-flight tokens, the selection also keeps the
 * request ({@link Observed}, 40 bytes), for the release and the callbacks.
 *
 * <p>Publication: every field the completing thread needs is final (so any thread that obtains the
 * reference, even through a data race, sees them initialised, JLS 17.5), and {@code done} starts at its
 * default value, which needs no write in the constructor; the CAS makes completion atomic.
 */
class Selection implements PodSelection {

    private static final VarHandle STATE;
    private static final int DONE_BIT = 1;
    private static final int FIRST_TOKEN_BIT = 2;

    static {
        try {
            STATE = MethodHandles.lookup().findVarHandle(Selection.class, "state", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final PodHandle handle;
    private final Pod pod;
    private final Decision decision;
    /** Routed while the pod was cold: the completion goes to the cold-start telemetry and burst guard. */
    private final boolean cold;

    // Bit DONE_BIT once completed or reclaimed, bit FIRST_TOKEN_BIT once the first token was reported; read and
    // set only through STATE (never written in the constructor, so a selection costs no fence).
    @SuppressWarnings("unused")
    private int state;

    Selection(PodHandle handle, Pod pod, Decision decision, boolean cold) {
        this.handle = handle;
        this.pod = pod;
        this.decision = decision;
        this.cold = cold;
    }

    @Override
    public Pod pod() {
        return pod;
    }

    @Override
    public String strategy() {
        return decision.strategy();
    }

    @Override
    public Fallback fallback() {
        return decision.fallback();
    }

    @Override
    public Optional<MissingReason> missingReason() {
        return Optional.ofNullable(decision.missingReason());
    }

    @Override
    public boolean predicted() {
        return decision.predicted();
    }

    @Override
    public boolean complete(Outcome outcome, long latencyNanos) {
        Objects.requireNonNull(outcome, "outcome: null (expected: SUCCESS, FAILURE or CANCELLED)");
        if (!markDone()) {
            return false;
        }
        handle.release();
        if (outcome == Outcome.SUCCESS) {
            handle.answered();
        }
        decision.completions().completed(handle, pod, decision, cold, outcome, latencyNanos, request());
        return true;
    }

    /** Whether {@link #complete} (or {@link #reclaim}) has taken effect. */
    boolean isDone() {
        return ((int) STATE.getAcquire(this) & DONE_BIT) != 0;
    }

    /** Sets the done bit; true for the one caller that set it (a CAS loop, since the first-token bit may change). */
    private boolean markDone() {
        int s = (int) STATE.getAcquire(this);
        while ((s & DONE_BIT) == 0) {
            int witness = (int) STATE.compareAndExchange(this, s, s | DONE_BIT);
            if (witness == s) {
                return true;
            }
            s = witness;
        }
        return false;
    }

    @Override
    public boolean firstToken() {
        // Only from the initial state: after completion, or on a second report, nothing happens.
        if ((int) STATE.getAcquire(this) != 0 || !STATE.compareAndSet(this, 0, FIRST_TOKEN_BIT)) {
            return false;
        }
        decision.completions().firstToken(pod, decision, request());
        return true;
    }

    /**
     * Completes a selection nobody completed in time as {@link Outcome#CANCELLED} with latency -1, through
     * the same path as {@link #complete} (so every completion hook, the event listener's tracing spans
     * included, sees it once; CANCELLED counts neither as a success nor as a failure). A later
     * {@code complete} returns false.
     *
     * @return whether this call completed it
     */
    final boolean reclaim() {
        return complete(Outcome.CANCELLED, -1);
    }

    final Pod chosenPod() {
        return pod;
    }

    /** The request when the router needs it at completion (see {@link Observed}), else null. */
    @Nullable InferenceRequest request() {
        return null;
    }

    /** A selection that keeps its request; a subclass so that routers that need none do not pay its 8 bytes. */
    static final class Observed extends Selection {
        private final InferenceRequest request;

        Observed(PodHandle handle, Pod pod, Decision decision, boolean cold, InferenceRequest request) {
            super(handle, pod, decision, cold);
            this.request = request;
        }

        @Override
        InferenceRequest request() {
            return request;
        }
    }

    /**
     * A selection with its start time, kept by the router when a maximum in-flight age is set so that
     * its slot can be reclaimed; a subclass so that routers without the limit do not pay its 8 bytes.
     */
    static final class Tracked extends Selection {
        /**
         * When the selection was made, read from the router's clock at selection (only for routers with a
         * maximum in-flight age, which opt into this read): not the table's build time, which under a manual
         * or stalled refresh can be far older than the selection.
         */
        final long selectedAtMillis;
        private final @Nullable InferenceRequest request;

        Tracked(PodHandle handle, Pod pod, Decision decision, boolean cold, long selectedAtMillis,
                @Nullable InferenceRequest request) {
            super(handle, pod, decision, cold);
            this.selectedAtMillis = selectedAtMillis;
            this.request = request;
        }

        @Override
        @Nullable InferenceRequest request() {
            return request;
        }
    }

    @Override
    public String describe() {
        return pod.id() + " " + decision.describe();
    }

    @Override
    public String toString() {
        return "PodSelection[" + describe() + "]";
    }
}
