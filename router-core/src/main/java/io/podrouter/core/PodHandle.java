package io.podrouter.core;

import io.podrouter.api.Pod;
import org.jspecify.annotations.Nullable;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.time.Instant;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * The router's own state for one pod id, shared by every candidate set that contains the pod: the
 * latest {@link Pod} value, the in-flight counter, the cold-start lifecycle and the last metrics state
 * per model (for logging once per state change). Candidate sets hold handles directly, so a selection
 * reaches them without a lookup.
 *
 * <p>Thread safety: counters are atomic; lifecycle fields are written under the handle's monitor by
 * table builds (off the selection path) and read through volatiles.
 */
final class PodHandle {

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

    // Caps the per-model state map so that a flood of unknown model names cannot grow it without bound.
    static final int MAX_TRACKED_MODELS = 64;

    /** Where a pod is in its cold start, as far as this router has seen. */
    enum Phase {
        /** Not yet seen ready by a table build (or its Ready period changed). */
        UNSEEN,
        /** Seen ready; cold or warm per {@link #cold}. */
        TRACKED
    }

    final String id;
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

    // Cold-start lifecycle (ColdStartTracker), guarded by this.
    Phase phase = Phase.UNSEEN;
    @Nullable Instant firstMetricsAt;
    /** The router first saw the pod without metrics soon enough after Ready to report its cold start. */
    boolean witnessed;
    /** The cold-start lifecycle per model (see {@link ColdStartTracker}). */
    final java.util.Map<String, ColdStartTracker.ModelLifecycle> lifecycles = ColdStartTracker.newLifecycles();
    @Nullable Warmup warmup;
    /** Whether the pod is cold now for some model: Ready without its metrics yet, or warming up. Read by telemetry. */
    volatile boolean cold;
    /**
     * Ejected by outlier detection: table builds leave the pod out, and a selection that picked it from a
     * table built before the ejection picks again. Written by the {@link OutlierDetector} under its monitor.
     */
    volatile boolean ejected;
    /**
     * Holds requests it does not answer while its peers answer theirs (see {@link StallDetector}): treated like
     * an ejected pod. Written by the stall detector on the refresh.
     */
    volatile boolean stalled;
    /** Successful completions and their latencies, for the stall detector. */
    final StallDetector.Progress progress = new StallDetector.Progress();
    /** Limits the metrics-state lines of this pod (at most one per log interval). */
    final PodLogLimiter stateLog = new PodLogLimiter();
    /** Times the router chose this pod: {@code podrouter_pod_selections_total}. */
    final LongAdder selections = new LongAdder();
    /** Outcome counters and ejection state for outlier detection. */
    final OutlierDetector.Health health = new OutlierDetector.Health();

    PodHandle(Pod pod, InFlightCounters counters) {
        this.id = pod.id();
        this.pod = pod;
        InFlightCounters.Slot slot = counters.allocate(this);
        this.inFlightChunk = slot.chunk();
        this.inFlightOffset = slot.offset();
    }

    Pod pod() {
        return pod;
    }

    /**
     * Installs the latest value from discovery. A change of readiness or of the Ready instant starts a
     * new lifecycle (a restarted pod is cold again).
     */
    void update(Pod newPod) {
        Pod old = pod;
        pod = newPod;
        if (old.ready() != newPod.ready() || !Objects.equals(old.readySince(), newPod.readySince())) {
            synchronized (this) {
                resetLifecycle();
            }
            // A new Ready period is a new server process: the failures of the old one (e.g. requests killed
            // by a restart) say nothing about it. Counters start afresh, and an ejection ends at the next
            // refresh (which logs it and updates the gauge) instead of keeping a restarted pod out.
            health.reset();
        }
    }

    /** Forgets the lifecycle (cancelling a running warm-up); caller holds the monitor. */
    void resetLifecycle() {
        if (warmup != null) {
            warmup.cancel();
        }
        warmup = null;
        phase = Phase.UNSEEN;
        firstMetricsAt = null;
        witnessed = false;
        lifecycles.clear();
        cold = false;
        COLD_SUCCESSES.setVolatile(this, 0);
        ADMITTED.setVolatile(this, 0);
    }

    /** Ejected or stalled: left out of tables while another candidate is ready. Two volatile reads. */
    boolean avoided() {
        return ejected || stalled;
    }

    /** Cold now and still Ready per discovery: what the cold-pod gauge and {@code Router.isCold} count. */
    boolean isColdAndReady() {
        return cold && pod.ready();
    }

    int inFlight() {
        return InFlightCounters.get(inFlightChunk, inFlightOffset);
    }

    void acquire() {
        InFlightCounters.add(inFlightChunk, inFlightOffset, 1);
    }

    /** Acquires an in-flight slot only while fewer than {@code cap} are taken; the burst guard for cold pods. */
    boolean tryAcquire(int cap) {
        int c;
        while ((c = inFlight()) < cap) {
            if (InFlightCounters.compareAndSet(inFlightChunk, inFlightOffset, c, c + 1)) {
                return true;
            }
        }
        return false;
    }

    void release() {
        InFlightCounters.add(inFlightChunk, inFlightOffset, -1);
    }

    long inFlightTokens() {
        return inFlightTokens;
    }

    void addTokens(long delta) {
        IN_FLIGHT_TOKENS.getAndAdd(this, delta);
    }

    /** Nonzero once a pick of the pod has been admitted through the slow-start ramp since it became Ready. */
    int admitted() {
        return admitted;
    }

    void countAdmitted() {
        ADMITTED.getAndAdd(this, 1);
    }

    void countColdSuccess() {
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
        if (stateByModel.size() >= MAX_TRACKED_MODELS && !stateByModel.containsKey(model)) {
            stateByModel.clear();
        }
        return stateByModel.put(model, state);
    }
}
