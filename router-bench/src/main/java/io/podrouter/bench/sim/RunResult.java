package io.podrouter.bench.sim;

/**
 * What one simulation run (one router configuration and strategy on one scenario) measured. Immutable
 * by convention (the arrays are not copied; do not modify them). Latency figures are NaN when no
 * request qualified.
 *
 * @param config                 the router configuration
 * @param strategy               the strategy kind
 * @param requests               requests that arrived
 * @param failed                 requests that failed for any reason
 * @param failedNoPod            failed because the router had no ready pod
 * @param failedRejected         failed because the naive "reject" strategy hit a missing metric
 * @param failedTimeout          failed because queue plus service exceeded the timeout
 * @param coldArrivals           requests that arrived in the cold-start window
 * @param coldFailed             of those, the failed ones
 * @param utilization            mean busy fraction of all pods over the scale-out window
 * @param latencyCv              coefficient of variation of the per-second mean end-to-end latency over the window
 * @param ttftCv                 the same for the per-second mean TTFT (the response time a user waits for)
 * @param ttftP50                TTFT p50 (s) of successful requests that arrived in the window
 * @param ttftP99                TTFT p99 (s), same requests
 * @param e2eP99                 end-to-end p99 (s), same requests
 * @param jainFairness           Jain's index of per-pod assigned requests over the window (1 = equal)
 * @param firstRequestDelays     per added pod, seconds from Ready to its first request (NaN: none)
 * @param newPodShare            added pods' share of assignments in the seconds [0,10), [10,30), [30,60) after scale-out
 * @param meanSojourn            mean end-to-end latency of all successful requests (s)
 * @param meanWait               mean queue time (arrival to admission) of all successful requests (s)
 * @param timeAverageInSystem    time-average number of requests at the pods
 * @param completed              successful requests
 * @param simulatedSeconds       virtual time covered
 * @param events                 events processed
 * @param wallSeconds            wall-clock time of the run
 * @param assigned               per pod, per virtual second: requests routed to it
 * @param p99PerSecond           per virtual second of arrival: p99 end-to-end latency of successful requests (NaN: none)
 * @param addedPod               per pod: whether the autoscaler added it
 * @param coldWindowEnd          end of the cold-start window (s), NaN without scale-out
 */
public record RunResult(
        RouterConfig config, StrategyKind strategy, long requests, long failed, long failedNoPod, long failedRejected,
        long failedTimeout, long coldArrivals, long coldFailed, double utilization, double latencyCv, double ttftCv, double ttftP50,
        double ttftP99, double e2eP99, double jainFairness, double[] firstRequestDelays, double[] newPodShare,
        double meanSojourn, double meanWait, double timeAverageInSystem, long completed, double simulatedSeconds,
        long events, double wallSeconds, int[][] assigned, double[] p99PerSecond, boolean[] addedPod,
        double coldWindowEnd) {

    /** Failed over arrived in the cold-start window; NaN when nothing arrived in it. */
    public double coldStartFailureRate() {
        return coldArrivals == 0 ? Double.NaN : (double) coldFailed / coldArrivals;
    }

    /** Simulated events per wall-clock second. */
    public double eventsPerSecond() {
        return wallSeconds > 0 ? events / wallSeconds : Double.NaN;
    }
}
