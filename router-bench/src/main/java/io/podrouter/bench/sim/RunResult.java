package io.podrouter.bench.sim;

/**
 * What one simulation run (one router configuration and strategy on one scenario) measured, with the one
 * definition of each measure. Immutable by convention (the arrays are not copied; do not modify them).
 *
 * <p><b>Windows.</b> The <em>scale-out window</em> runs from the first change of the pod set (scale step,
 * restart, rolling-update step) until every pod that the schedule added or restarted has had metrics for
 * {@code windowSettle} seconds (and at least {@code windowSettle} seconds after a removal), capped at the
 * duration; without any change it is the whole run. It depends on the scenario and seed only, never on the
 * router. The <em>cold window</em> is the union over cold-started pods of [Ready, max(first metrics, end of
 * warm-up)).
 *
 * <p><b>Latency of a failed request.</b> Every latency figure counts every request that arrived in its
 * span: a failed request (rejected, timed out, killed by a restart, never routed) counts at the timeout,
 * its TTFT too unless it got a first token before failing. Failing therefore never improves a latency
 * figure. Percentiles are nearest-rank. NaN when no request qualifies.
 *
 * @param config                 the router configuration
 * @param strategy               the strategy kind
 * @param requests               requests that arrived
 * @param failed                 failed requests: rejected + timed out + killed + too large for a pod
 * @param failedNoPod            of those, timed out at the gateway because no pod was ready
 * @param failedRejected         rejected by the naive "reject" router (a metric was missing)
 * @param failedTimeout          timed out at a pod
 * @param failedKilled           failed because their pod restarted
 * @param coldArrivals           requests that arrived in the cold window
 * @param coldFailed             of those, the failed ones ({@code cold_failed})
 * @param windowRequests         requests that arrived in the scale-out window
 * @param ttftP50                TTFT p50 over the run (s)
 * @param ttftP99                TTFT p99 over the run (s)
 * @param ttftP50ScaleOut        TTFT p50 of requests arriving in the scale-out window (s)
 * @param ttftP99ScaleOut        TTFT p99 of requests arriving in the scale-out window (s)
 * @param e2eP99                 end-to-end p99 over the run (s)
 * @param e2eP99ScaleOut         end-to-end p99 in the scale-out window (s)
 * @param goodput                fraction of all arrived requests that succeeded with TTFT &lt;= sloTtft and mean
 *                               TPOT &lt;= sloTpot
 * @param goodputScaleOut        the same over requests arriving in the scale-out window
 * @param utilisation            work done: output tokens generated per present pod-second in the scale-out window,
 *                               over one pod's measured capacity ({@link Capacity}); NaN without a capacity
 * @param tokensPerPodSecond     the numerator: output tokens per present pod-second in the window
 * @param busyFraction           fraction of present pod-time an engine step was running (the old "utilisation",
 *                               kept as a diagnostic: one request makes a pod busy)
 * @param fluctuationSd          standard deviation (s) of the per-second mean e2e latency (by arrival second,
 *                               failures at the timeout) over the seconds of the scale-out window that had
 *                               arrivals
 * @param fluctuationCv          that standard deviation over the mean of the same per-second means
 * @param podSpread              max over min of the per-pod mean e2e latency of requests routed in the window
 *                               (pods with at least {@value Simulation#SPREAD_MIN_REQUESTS} of them)
 * @param newPodShare            cold-started pods' share of the requests routed in the scale-out window
 * @param newPodFairShare        their share of present pod-time in that window (the share an even split gives)
 * @param newPodSharePhases      cold-started pods' share of routings 0-10, 10-30 and 30-60 s after the first change
 * @param firstRequestDelays     per cold-started pod instance, seconds from Ready to its first request (NaN: none)
 * @param meanSojourn            mean end-to-end latency of successful requests (s)
 * @param meanWait               mean queue time at the pod (arrival to admission) of successful requests (s)
 * @param timeAverageInSystem    time-average number of requests at the pods
 * @param completed              successful requests
 * @param simulatedSeconds       virtual time covered
 * @param events                 events processed
 * @param wallSeconds            wall-clock time of the run
 * @param assigned               per pod index, per virtual second: requests routed to it
 * @param p99PerSecond           per virtual second of arrival: p99 end-to-end latency (failures at the timeout)
 * @param addedPod               per pod index: whether the pod was not among the initial ones
 * @param windowStart            start of the scale-out window (s)
 * @param windowEnd              end of the scale-out window (s)
 * @param coldWindowEnd          end of the last cold interval (s), NaN without cold-started pods
 * @param outputTokensPerSecond  output tokens of the requests that completed successfully, over the time from 0 to
 *                               the last such completion (throughput: what a router that keeps up delivers is the
 *                               offered load; failed requests' tokens are not counted)
 * @param prefixHitRate          prompt tokens found in the pods' prefix caches over prompt tokens, summed over every
 *                               request a pod admitted in the run (its prefill started); NaN for workloads without
 *                               token ids (no prefix cache)
 */
public record RunResult(
        RouterConfig config, StrategyKind strategy, long requests, long failed, long failedNoPod, long failedRejected,
        long failedTimeout, long failedKilled, long coldArrivals, long coldFailed, long windowRequests,
        double ttftP50, double ttftP99, double ttftP50ScaleOut, double ttftP99ScaleOut, double e2eP99, double e2eP99ScaleOut,
        double goodput, double goodputScaleOut, double utilisation, double tokensPerPodSecond, double busyFraction,
        double fluctuationSd, double fluctuationCv, double podSpread, double newPodShare, double newPodFairShare,
        double[] newPodSharePhases, double[] firstRequestDelays, double meanSojourn, double meanWait,
        double timeAverageInSystem, long completed, double simulatedSeconds, long events, double wallSeconds,
        int[][] assigned, double[] p99PerSecond, boolean[] addedPod, double windowStart, double windowEnd,
        double coldWindowEnd, double outputTokensPerSecond, double prefixHitRate) {

    /** Failed over arrived in the cold window; NaN when nothing arrived in it. */
    public double coldStartFailureRate() {
        return coldArrivals == 0 ? Double.NaN : (double) coldFailed / coldArrivals;
    }

    /** Simulated events per wall-clock second. */
    public double eventsPerSecond() {
        return wallSeconds > 0 ? events / wallSeconds : Double.NaN;
    }
}
