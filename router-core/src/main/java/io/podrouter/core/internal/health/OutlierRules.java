package io.podrouter.core.internal.health;

import io.podrouter.core.OutlierDetection;
import org.jspecify.annotations.Nullable;

/**
 * The outlier-detection rules, each on its own and stateless, applied by {@link OutlierDetector} to a pod's
 * {@link OutlierDetector.Health} monitor: consecutive failures (checked when a completion crosses the
 * threshold, and again at each interval for a pod whose ejection was turned down), failure rate (over the
 * last complete interval), and the veto (the per-candidate-set cap and the fleet-wide-failure rule). See
 * {@link OutlierDetection} for what each rule means and where it differs from Envoy and gRPC's A50.
 * Thread-safe (no state).
 */
final class OutlierRules {

    private OutlierRules() {
    }

    /**
     * Whether a failure reported after {@code latencyNanos} is slow: it took longer than every successful request
     * of the fleet over the last one to two intervals ({@code longestSuccessNanos}), which is what a gateway's or a
     * client's timeout looks like. A timed-out request says the pod was slow or overloaded, not that it is broken:
     * an overloaded fleet times requests out on its busiest pods first, and ejecting them only removes capacity
     * (on the simulator's train family it made round-robin and least-request worse than without outlier
     * detection, in small overloaded fleets). Slowness is the load-aware strategies' and the stall detector's; the
     * failure a broken pod shows (connection refused, an HTTP 5xx) comes back sooner than a success. Not slow when
     * the latency is unknown (negative) or no success was seen yet (reference 0).
     */
    static boolean slowFailure(long latencyNanos, long longestSuccessNanos) {
        return longestSuccessNanos > 0 && latencyNanos > longestSuccessNanos;
    }

    /** Whether this failure is the one that brings the pod's run of failures to the threshold (exactly once per run). */
    static boolean crossesConsecutiveFailures(int consecutive, OutlierDetection cfg) {
        return consecutive == cfg.consecutiveFailures();
    }

    /** Whether the pod's current run of failures is at or above the threshold. */
    static boolean consecutiveFailures(OutlierDetector.Health health, OutlierDetection cfg) {
        return health.consecutiveFailures.get() >= cfg.consecutiveFailures();
    }

    /** Whether the pod's last complete interval had enough completions and a failure fraction at or above the threshold. */
    static boolean failureRate(OutlierDetector.Health health, OutlierDetection cfg) {
        long total = health.lastSuccesses + health.lastFailures;
        return total >= cfg.minimumRequests() && health.lastFailures >= cfg.failureRateThreshold() * total;
    }

    /**
     * Why {@code h} must not be ejected now, or null: the cap (per candidate set) and the fleet-wide-failure
     * veto. Caller holds the detector's monitor; O(pods of the live sets).
     *
     * @param fleetF     the fleet's failures over the last and the current interval (this pod's included)
     * @param fleetTotal the fleet's completions over the same intervals
     */
    static @Nullable String veto(MonitoredPod h, OutlierDetection cfg, long fleetF, long fleetTotal,
                                 Iterable<? extends MonitoredPod[]> candidateSets) {
        // The others' failure fraction over the last and the current interval, fleet-wide: the fleet's counts
        // minus this pod's over the same two intervals. When most of their requests fail too, the fault is not
        // this pod's (overload, a bad rollout, the gateway's own network) and ejecting only removes capacity.
        OutlierDetector.Health health = h.health();
        long podFailures = health.lastFailures + health.failures.sum();
        long podTotal = podFailures + health.lastSuccesses + health.successes.sum();
        long othersFailed = Math.max(0, fleetF - podFailures);
        long othersTotal = Math.max(othersFailed, fleetTotal - podTotal);
        if (othersTotal > 0 && othersFailed * 2 >= othersTotal) {
            return "the other pods fail too (" + othersFailed + " of " + othersTotal + " requests)";
        }
        int reporting = 0;
        int latestFailed = 0;
        for (MonitoredPod[] set : candidateSets) {
            if (!contains(set, h)) {
                continue;
            }
            int ejected = 0;
            for (MonitoredPod p : set) {
                if (p.isEjected()) {
                    ejected++;
                } else if (p != h && p.health().lastSuccesses + p.health().lastFailures + p.health().successes.sum()
                        + p.health().failures.sum() > 0) {
                    reporting++;
                    if (p.health().consecutiveFailures.get() > 0) {
                        latestFailed++;
                    }
                }
            }
            // Envoy's cap, per candidate set (one model's pods): at least one pod can be ejected, and a set never
            // loses more than the fraction of its capacity.
            if (ejected >= cfg.maxEjectedFraction() * set.length) {
                return ejected + " of the " + set.length + " pods of its candidate set are ejected already (cap "
                        + cfg.maxEjectedFraction() + ")";
            }
        }
        // At the onset of a fleet-wide failure the interval counts still show the others' earlier successes; their
        // latest outcomes do not.
        if (reporting > 0 && latestFailed * 2 >= reporting) {
            return latestFailed + " of the " + reporting + " other pods that reported failed their latest request";
        }
        return null;
    }

    private static boolean contains(MonitoredPod[] set, MonitoredPod h) {
        for (MonitoredPod p : set) {
            if (p == h) {
                return true;
            }
        }
        return false;
    }
}
