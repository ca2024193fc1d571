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
 * allocation of a steady-state selection. Completion is idempotent (a CAS on {@code done}).
 */
final class Selection implements PodSelection {

    private static final VarHandle DONE;

    static {
        try {
            DONE = MethodHandles.lookup().findVarHandle(Selection.class, "done", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final PodHandle handle;
    private final Pod pod;
    private final Decision decision;
    @SuppressWarnings("unused") // accessed through DONE
    private volatile int done;

    Selection(PodHandle handle, Pod pod, Decision decision) {
        this.handle = handle;
        this.pod = pod;
        this.decision = decision;
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
        if (!DONE.compareAndSet(this, 0, 1)) {
            return false;
        }
        handle.release();
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
