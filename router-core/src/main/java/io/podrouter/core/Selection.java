package io.podrouter.core;

import io.podrouter.api.Fallback;
import io.podrouter.api.MissingReason;
import io.podrouter.api.Outcome;
import io.podrouter.api.Pod;
import io.podrouter.api.PodSelection;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.Objects;
import java.util.Optional;

/**
 * The router's {@link PodSelection}: the chosen pod, its handle (to release the in-flight count) and a
 * shared {@link Decision}. 32 bytes per selection on a 64-bit JVM with compressed references; the only
 * allocation of a steady-state selection. Completion is idempotent: {@code state} holds a "done" bit,
 * set by CAS, and a "routed while cold" bit that sends the completion to the cold-start telemetry.
 */
final class Selection implements PodSelection {

    private static final VarHandle DONE;

    static {
        try {
            DONE = MethodHandles.lookup().findVarHandle(Selection.class, "state", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final PodHandle handle;
    private final Pod pod;
    private final Decision decision;
    private static final int DONE_BIT = 1;
    private static final int COLD_BIT = 2;

    // Not volatile: a volatile write in the constructor costs a full fence on every selection. The
    // completing thread receives the selection through whatever hand-off the caller uses (which orders
    // the constructor's write before it), and the CAS in complete() is atomic on its own.
    private int state;

    Selection(PodHandle handle, Pod pod, Decision decision, boolean cold) {
        this.handle = handle;
        this.pod = pod;
        this.decision = decision;
        this.state = cold ? COLD_BIT : 0;
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
        int s = (int) DONE.getAcquire(this);
        if ((s & DONE_BIT) != 0 || !DONE.compareAndSet(this, s, s | DONE_BIT)) {
            return false;
        }
        handle.release();
        if ((s & COLD_BIT) != 0) {
            decision.router().coldRequestCompleted(handle, pod, outcome);
        }
        return true;
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
