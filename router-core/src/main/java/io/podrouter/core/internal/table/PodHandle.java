package io.podrouter.core.internal.table;

import io.podrouter.api.Pod;
import io.podrouter.core.internal.coldstart.ColdStartState;
import io.podrouter.core.internal.health.MonitoredPod;
import io.podrouter.core.internal.health.OutlierDetector;
import io.podrouter.core.internal.health.StallDetector;
import io.podrouter.core.internal.telemetry.PodLogLimiter;
import org.jspecify.annotations.Nullable;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * <b>Internal: not API, not exported by the module.</b> The router's own state for one pod id, shared by
 * every candidate set that contains the pod: the latest {@link Pod} value, the in-flight counter, the
 * cold-start lifecycle ({@link ColdStartState}), the health counters and flags, and the last metrics state
 * per model (for logging once per state change). Candidate sets hold handles directly, so a selection
 * reaches them without a lookup. Each concern's per-pod state is an object of that concern's package; the
 * fields every selection reads (in-flight slot, ejected and stalled flags, admission counters) are the
 * handle's own, so the hot path reads them without a hop.
 *
 * <p>Thread safety: counters are atomic; the cold-start lifecycle is written under its
 * {@link ColdStartState}'s monitor by table builds (off the selection path) and read through volatiles;
 * the flags are volatile.
 */
public final class PodHandle implements MonitoredPod {

    private static final VarHandle COLD_SUCCESSES;
    private static final VarHandle ADMITTED;
    private static final VarHandle IN_FLIGHT_TOKENS;

    static {
        try {
            MethodHandles.Lookup l = MethodHandles.lookup();
            COLD_SUCCESSES = l.findVarHandle(PodHandle.class, "coldSuccesses", int.class);
            ADMITTED = l.findVarHandle(PodHandle.class, "admitted", int.class);
            IN_FLIGHT_TOKENS = l.findVarHandle(PodHandle.class, "inFlightTokens", long.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private static final int MAX_CAP_DOUBLINGS = 24;

    private final String id;
    private volatile Pod pod;
    /** This pod's in-flight counter: a slot in the router's packed {@link InFlightCounters}. */
    final int[] inFlightChunk;
    final int inFlightOffset;
    @SuppressWarnings("unused") // accessed through COLD_SUCCESSES
    private volatile int coldSuccesses;
    @SuppressWarnings("unused") // accessed through ADMITTED
    private volatile int admitted;
    /** Estimated prompt + output tokens of the requests in flight (see {@code CandidateView.inFlightTokens}). */
    @SuppressWarnings("unused") // written through IN_FLIGHT_TOKENS
    private volatile long inFlightTokens;
    private final ConcurrentHashMap<String, MetricsState> stateByModel = new ConcurrentHashMap<>();

    /** The cold-start lifecycle (ColdStartTracker), guarded by its own monitor. */
    private final ColdStartState coldStart = new ColdStartState();
    /**
     * Ejected by outlier detection: table builds leave the pod out, and a selection that picked it from a
     * table built before the ejection picks again. Written by the {@link OutlierDetector} under its monitor.
     */
    private volatile boolean ejected;
    /**
     * Holds requests it does not answer while its peers answer theirs (see {@link StallDetector}): treated like
     * an ejected pod. Written by the stall detector on the refresh.
     */
    private volatile boolean stalled;
    /** Successful completions and their latencies, for the stall detector. */
    private final StallDetector.Progress progress = new StallDetector.Progress();
    /** The router's {@code maxUnansweredSelections} ({@link Integer#MAX_VALUE}: off); see {@link #avoided}. */
    private final int unansweredLimit;
    /** Limits the metrics-state lines of this pod (at most one per log interval). */
    final PodLogLimiter stateLog = new PodLogLimiter();
    /** Times the router chose this pod: {@code podrouter_pod_selections_total}. */
    private final LongAdder selections = new LongAdder();
    /** Outcome counters and ejection state for outlier detection. */
    private final OutlierDetector.Health health = new OutlierDetector.Health();

    /**
     * A handle for a newly known pod id, with a fresh in-flight slot from {@code counters}.
     *
     * @param pod      the pod as discovery sees it (its id is the handle's for life); not null
     * @param counters the router's in-flight counters; not null
     */
    public PodHandle(Pod pod, InFlightCounters counters) {
        this.id = pod.id();
        this.pod = pod;
        InFlightCounters.Slot slot = counters.allocate(this);
        this.inFlightChunk = slot.chunk();
        this.inFlightOffset = slot.offset();
        this.unansweredLimit = counters.unansweredLimit();
    }

    @Override
    public String id() {
        return id;
    }

    @Override
    public Pod pod() {
        return pod;
    }

    /**
     * Installs the latest value from discovery (same id; not null). A change of readiness or of the Ready
     * instant starts a new lifecycle (a restarted pod is cold again).
     */
    public void update(Pod newPod) {
        Pod old = pod;
        pod = newPod;
        if (old.ready() != newPod.ready() || !Objects.equals(old.readySince(), newPod.readySince())) {
            resetLifecycle();
            answered(); // a new server process has not failed to answer anything yet
            // A new Ready period is a new server process: the failures of the old one (e.g. requests killed
            // by a restart) say nothing about it. Counters start afresh, and an ejection ends at the next
            // refresh (which logs it and updates the gauge) instead of keeping a restarted pod out.
            health.reset();
        }
    }

    /** Forgets the cold-start lifecycle (cancelling a running warm-up) and the admission counters. */
    private void resetLifecycle() {
        coldStart.reset();
        COLD_SUCCESSES.setVolatile(this, 0);
        ADMITTED.setVolatile(this, 0);
    }

    /** The pod's cold-start lifecycle, advanced by table builds. */
    ColdStartState coldStart() {
        return coldStart;
    }

    /** Cancels the pod's running warm-up probe, if any (the router is closing). Idempotent. */
    public void cancelWarmup() {
        coldStart.cancelWarmup();
    }

    /** Ejected or stalled: left out of tables while another candidate is ready. Two volatile reads. */
    public boolean avoided() {
        return ejected || stalled;
    }

    /**
     * Chosen at least {@code max(maxUnansweredSelections, floor)} times since its last successful completion
     * and still holding one of those requests: a pod that takes requests and answers none ({@code floor} is
     * the candidate set's, see {@code MetricsTable.avoids}). Checked at every pick, so it acts within a few
     * requests, where the stall detector needs its timeout and a refresh: a hung pod that a round-robin or a
     * "missing means random" pick keeps choosing would otherwise hold every closed-loop client before the
     * detector sees it. A pod that answers restarts the count; one that holds nothing may take one more
     * request (so a recovered pod proves itself, one request at a time). Hot path: one opaque read of the
     * pod's own in-flight line, a second read only past the limit.
     */
    public boolean unanswered(int floor) {
        return InFlightCounters.unanswered(inFlightChunk, inFlightOffset) >= Math.max(unansweredLimit, floor)
                && inFlight() > 0;
    }

    /** Selections since the last successful completion (see {@link #unanswered}); 0 or more. */
    public int unansweredSelections() {
        return InFlightCounters.unanswered(inFlightChunk, inFlightOffset);
    }

    /** A successful completion: the unanswered-selection count restarts. */
    public void answered() {
        InFlightCounters.clearUnanswered(inFlightChunk, inFlightOffset);
    }

    @Override
    public boolean isEjected() {
        return ejected;
    }

    @Override
    public void setEjected(boolean ejected) {
        this.ejected = ejected;
    }

    @Override
    public boolean isStalled() {
        return stalled;
    }

    @Override
    public void setStalled(boolean stalled) {
        this.stalled = stalled;
    }

    @Override
    public OutlierDetector.Health health() {
        return health;
    }

    @Override
    public StallDetector.Progress progress() {
        return progress;
    }

    /** Cold now and still Ready per discovery: what the cold-pod gauge and {@code Router.isCold} count. */
    public boolean isColdAndReady() {
        return coldStart.isCold() && pod.ready();
    }

    /** Times the router chose this pod ({@code podrouter_pod_selections_total}); 0 or more. */
    public long selections() {
        return selections.sum();
    }

    /** Counts one selection of this pod. Hot path: one LongAdder increment. */
    public void countSelection() {
        selections.increment();
    }

    @Override
    public int inFlight() {
        return InFlightCounters.get(inFlightChunk, inFlightOffset);
    }

    /** Takes an in-flight slot, unconditionally (the pod needs no admission). */
    public void acquire() {
        InFlightCounters.add(inFlightChunk, inFlightOffset, 1);
        InFlightCounters.countUnanswered(inFlightChunk, inFlightOffset);
    }

    /** Acquires an in-flight slot only while fewer than {@code cap} are taken; the burst guard for cold pods. */
    boolean tryAcquire(int cap) {
        int c;
        while ((c = inFlight()) < cap) {
            if (InFlightCounters.compareAndSet(inFlightChunk, inFlightOffset, c, c + 1)) {
                InFlightCounters.countUnanswered(inFlightChunk, inFlightOffset);
                return true;
            }
        }
        return false;
    }

    /** Gives back an in-flight slot taken by {@link #acquire} or {@code tryAcquire}; once per selection. */
    public void release() {
        InFlightCounters.add(inFlightChunk, inFlightOffset, -1);
    }

    long inFlightTokens() {
        return inFlightTokens;
    }

    /** Adds {@code delta} (negative at completion) to the tokens of the requests in flight on this pod. */
    public void addTokens(long delta) {
        IN_FLIGHT_TOKENS.getAndAdd(this, delta);
    }

    /** Nonzero once a pick of the pod has been admitted through the slow-start ramp since it became Ready. */
    int admitted() {
        return admitted;
    }

    void countAdmitted() {
        ADMITTED.getAndAdd(this, 1);
    }

    /** A successful completion of a request routed while the pod was cold: doubles its burst cap. */
    public void countColdSuccess() {
        if (coldSuccesses < MAX_CAP_DOUBLINGS) { // beyond that the cap is saturated; spare the atomic
            COLD_SUCCESSES.getAndAdd(this, 1);
        }
    }

    /**
     * The in-flight cap while cold: {@code initialCap} until the first successful completion, then
     * doubling with each one (like TCP slow start), so a pod that proves itself is released quickly.
     */
    int coldCap(int initialCap) {
        int shift = Math.min(coldSuccesses, MAX_CAP_DOUBLINGS);
        long cap = (long) initialCap << shift;
        return cap >= Integer.MAX_VALUE ? Integer.MAX_VALUE : (int) cap;
    }

    /**
     * Records the metrics state seen for {@code model} and returns the previous one (null the first
     * time), so the caller logs only on a change.
     */
    @Nullable MetricsState exchangeState(String model, MetricsState state) {
        if (stateByModel.size() >= ColdStartState.MAX_TRACKED_MODELS && !stateByModel.containsKey(model)) {
            stateByModel.clear();
        }
        return stateByModel.put(model, state);
    }
}
