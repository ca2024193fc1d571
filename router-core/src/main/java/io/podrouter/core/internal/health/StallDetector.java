package io.podrouter.core.internal.health;

import io.podrouter.api.Pod;
import io.podrouter.api.RouterEventListener;
import io.podrouter.core.internal.telemetry.RouterLog;
import io.podrouter.core.internal.telemetry.RouterTelemetry;
import org.slf4j.Logger;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.time.Duration;

/**
 * <b>Internal: not API, not exported by the module.</b> Distrusts pods that hold requests they do not
 * answer. A pod is <em>stalled</em> when it has held at
 * least one in-flight request without a successful completion for at least the stall timeout, and for
 * at least twice the longest request its peers completed recently, while some peer answered a request
 * in that time. Metrics cannot see this failure (a hung server can keep exporting "running 0, KV 0"),
 * outlier detection sees it only when the gateway's own timeout turns the requests into failures, and a
 * warm pod has no burst guard: without this rule a metric ranking sends it nearly everything.
 *
 * <p>The stall age is a lower bound of the age of the pod's oldest open request (none of the requests
 * open at the start of the period completed), measured without reading a clock per selection: the
 * completion path only sets a flag, and {@link #evaluate} (on the refresh) turns flags into times.
 * Requiring a peer's answer keeps a fleet-wide stall (all pods overloaded, or all serving one long
 * generation each at startup) from distrusting anybody; the peers' latency keeps a fleet of long
 * generations from distrusting a pod that is merely as slow as they are.
 *
 * <p>A stalled pod is left out of table builds while another candidate is ready (a selection that picked
 * it from an older table picks again), exactly like an ejected pod, and serves when nothing else can. It is
 * trusted again at the refresh after its first successful completion, or once it holds nothing.
 *
 * <p>Thread safety: {@link Progress#answered} is called by completing threads (a volatile read, and a
 * write only on change); {@link #evaluate} is synchronized and runs on the refresh.
 */
public final class StallDetector {

    private static final Logger LOG = RouterLog.logger();

    /** How long a completed request's latency counts as "what peers take": two windows of this. */
    static final long LATENCY_WINDOW_MILLIS = 60_000;

    private static final long NONE = Long.MIN_VALUE;

    /** A pod's progress, written by its completions and read by the detector. Thread-safe (see the class). */
    public static final class Progress {
        private static final VarHandle ANSWERED;
        private static final VarHandle LONGEST;

        static {
            try {
                MethodHandles.Lookup l = MethodHandles.lookup();
                ANSWERED = l.findVarHandle(Progress.class, "answered", boolean.class);
                LONGEST = l.findVarHandle(Progress.class, "longestNanos", long.class);
            } catch (ReflectiveOperationException e) {
                throw new ExceptionInInitializerError(e);
            }
        }

        @SuppressWarnings("unused") // through ANSWERED
        private volatile boolean answered;
        @SuppressWarnings("unused") // through LONGEST
        private volatile long longestNanos;
        // Refresh only (under the detector's monitor).
        private long busySince = NONE;
        private long lastAnswer = NONE;
        private long previousLongestNanos;

        /** No answer yet. */
        public Progress() {
        }

        /**
         * A successful completion with its reported latency (negative: unknown). Hot path: one volatile read,
         * a write only when the flag was clear or the latency is a new longest (a max stabilises quickly).
         */
        public void answered(long latencyNanos) {
            if (!answered) {
                answered = true;
            }
            long seen = longestNanos;
            while (latencyNanos > seen) {
                long witness = (long) LONGEST.compareAndExchange(this, seen, latencyNanos);
                if (witness == seen) {
                    break;
                }
                seen = witness;
            }
        }

        private boolean takeAnswered() {
            return (boolean) ANSWERED.getAndSet(this, false);
        }
    }

    private final long timeoutMillis;
    private final RouterTelemetry telemetry;
    private final RouterEventListener listener;
    private long windowStart = NONE;

    /**
     * @param timeout   the stall timeout (validated by the builder: zero turns the rule off, never negative)
     * @param listener  receives stalls and resumptions (the router's wrapped listener, or a no-op)
     */
    public StallDetector(Duration timeout, RouterTelemetry telemetry, RouterEventListener listener) {
        this.timeoutMillis = timeout.toMillis();
        this.telemetry = telemetry;
        this.listener = listener;
    }

    /** Whether the rule is on (a zero timeout turns it off). */
    public boolean enabled() {
        return timeoutMillis > 0;
    }

    /** Updates every pod's progress and stall flag; called by the refresh before tables are built. */
    public synchronized void evaluate(Iterable<? extends MonitoredPod> handles, long now) {
        if (timeoutMillis <= 0) {
            return;
        }
        boolean rotate = windowStart == NONE || now - windowStart >= LATENCY_WINDOW_MILLIS;
        if (rotate) {
            windowStart = now;
        }
        // The two largest "recent longest latency" and "last answer" values with their pods, so that each pod's
        // peers' figure (everybody but itself) costs no second scan.
        long lat1 = 0;
        long lat2 = 0;
        MonitoredPod latOwner = null;
        long ans1 = NONE;
        long ans2 = NONE;
        MonitoredPod ansOwner = null;
        for (MonitoredPod h : handles) {
            Progress p = h.progress();
            boolean answered = p.takeAnswered();
            if (answered) {
                p.lastAnswer = now;
            }
            if (answered || p.busySince == NONE || h.inFlight() <= 0) {
                p.busySince = now;
            }
            long current = p.longestNanos;
            if (rotate) {
                p.previousLongestNanos = current;
                Progress.LONGEST.compareAndSet(p, current, 0L); // a larger latency recorded meanwhile stays
            }
            long recent = Math.max(current, p.previousLongestNanos);
            if (recent > lat1) {
                lat2 = lat1;
                lat1 = recent;
                latOwner = h;
            } else if (recent > lat2) {
                lat2 = recent;
            }
            if (p.lastAnswer > ans1) {
                ans2 = ans1;
                ans1 = p.lastAnswer;
                ansOwner = h;
            } else if (p.lastAnswer > ans2) {
                ans2 = p.lastAnswer;
            }
        }
        for (MonitoredPod h : handles) {
            Progress p = h.progress();
            long peersLongestMillis = (h == latOwner ? lat2 : lat1) / 1_000_000;
            long peersLastAnswer = h == ansOwner ? ans2 : ans1;
            long age = now - p.busySince;
            long threshold = Math.max(timeoutMillis, 2 * peersLongestMillis);
            boolean stall = h.inFlight() > 0 && age >= threshold && peersLastAnswer > p.busySince;
            if (stall != h.isStalled()) {
                h.setStalled(stall);
                Pod pod = h.pod();
                if (stall) {
                    telemetry.podStalled();
                    LOG.warn("pod {}: holds {} request(s) with no successful completion for {} ms while its peers "
                            + "answer theirs; not selected while another pod can serve", h.id(), h.inFlight(), age);
                    listener.podStalled(pod, Duration.ofMillis(age));
                } else {
                    LOG.info("pod {}: answering again (or holds nothing); selectable again", h.id());
                    listener.podResumed(pod);
                }
            }
        }
    }
}
