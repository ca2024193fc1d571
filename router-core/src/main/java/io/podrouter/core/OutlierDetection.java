package io.podrouter.core;

import java.time.Duration;
import java.util.Objects;

/**
 * Settings of the router's outlier detection: how it stops routing to a pod whose requests fail, from
 * the outcomes reported through {@code PodSelection.complete}. The rules and default values follow
 * Envoy's outlier detection; where they differ from Envoy or from gRPC's A50 (xDS outlier detection), it
 * is said below:
 * <ul>
 *   <li><b>Consecutive failures:</b> a pod whose last {@link #consecutiveFailures} completions all failed
 *       is ejected at once (Envoy's {@code consecutive_5xx}, enforced by default there; A50 has no
 *       consecutive-failure rule);</li>
 *   <li><b>Failure rate:</b> every {@link #interval}, a pod with at least {@link #minimumRequests}
 *       completions in the interval and a failure fraction at or above {@link #failureRateThreshold} is
 *       ejected. Envoy's failure-percentage ejection and A50's {@code failure_percentage_ejection} use the
 *       same threshold and request volume, but neither enforces it unless configured (Envoy's
 *       {@code enforcing_failure_percentage} defaults to 0), and both also require a minimum number of
 *       hosts with enough requests; here it is on by default and applies from the first pod;</li>
 *   <li>an ejection lasts {@link #baseEjectionTime} times the number of times the pod was ejected, at
 *       most {@link #maxEjectionTime}; each interval without failures while not ejected lowers that
 *       number by one (as in Envoy);</li>
 *   <li><b>Cap:</b> a pod is ejected only while fewer than {@link #maxEjectedFraction} of the pods of each
 *       candidate set that holds it are ejected (so one pod of a set can always be ejected, and a set,
 *       typically one model's pods, never loses more than that fraction of its capacity to ejection, whatever
 *       the router's other sets hold);</li>
 *   <li><b>Fleet-wide failures (this router's own rule, in neither Envoy nor A50):</b> a pod is not ejected
 *       while the other pods fail too: when the others' failure fraction over the last and the current
 *       interval (the fleet's counts minus this pod's, over the same intervals) is at least one half, or
 *       when at least half of the other pods of its candidate sets that reported failed their latest request.
 *       Then the fault is not the pod's (overload, a bad rollout, the gateway's own network) and ejecting
 *       would only remove capacity. A turned-down ejection is retried at the next interval, so a pod that
 *       keeps failing is ejected once the others recover, whatever share of the traffic it takes;</li>
 *   <li>an ejected pod is still chosen when every other candidate is unavailable (Envoy's panic mode), for
 *       first selections and retries alike: ejection never turns a request that could be served into a
 *       {@code NoPodAvailableException}.</li>
 * </ul>
 * Only {@code Outcome.FAILURE} counts as a failure; {@code CANCELLED} (the client left) counts neither way, and
 * neither does a <b>slow failure</b> (this router's own rule): a failure reported with a latency longer than every
 * successful request of the fleet over the last one to two intervals, which is what a gateway's or a client's
 * timeout looks like. A timeout says the pod was slow or overloaded, not broken; an overloaded fleet times requests
 * out on its busiest pods first, and ejecting them only removes capacity (the stall detector and the load-aware
 * strategies deal with slow pods). A failure with an unknown (negative) latency, or before any success was seen,
 * counts.
 *
 * <p>Immutable and thread-safe. The canonical constructor validates every value and throws
 * {@link NullPointerException} or {@link IllegalArgumentException} naming it.
 *
 * @param consecutiveFailures  failures in a row that eject a pod (&gt;= 1); Envoy's default 5
 * @param failureRateThreshold failure fraction over an interval that ejects a pod, in (0, 1]; Envoy's 0.85
 * @param minimumRequests      completions a pod needs in an interval for its failure fraction to count (&gt;= 1); Envoy's 50
 * @param interval             evaluation interval (&gt; 0); Envoy's 10 s
 * @param baseEjectionTime     ejection time of a first ejection (&gt; 0); Envoy's 30 s
 * @param maxEjectionTime      longest ejection (&gt;= baseEjectionTime); Envoy's 300 s
 * @param maxEjectedFraction   fraction of a candidate set's pods that may be ejected at once, in (0, 1]; Envoy's 0.1
 */
public record OutlierDetection(int consecutiveFailures, double failureRateThreshold, int minimumRequests,
                               Duration interval, Duration baseEjectionTime, Duration maxEjectionTime,
                               double maxEjectedFraction) {

    private static final OutlierDetection DEFAULTS = new OutlierDetection(5, 0.85, 50, Duration.ofSeconds(10),
            Duration.ofSeconds(30), Duration.ofSeconds(300), 0.1);

    public OutlierDetection {
        if (consecutiveFailures < 1) {
            throw new IllegalArgumentException("consecutiveFailures: " + consecutiveFailures + " (expected: >= 1)");
        }
        if (!(failureRateThreshold > 0 && failureRateThreshold <= 1)) {
            throw new IllegalArgumentException("failureRateThreshold: " + failureRateThreshold + " (expected: in (0, 1])");
        }
        if (minimumRequests < 1) {
            throw new IllegalArgumentException("minimumRequests: " + minimumRequests + " (expected: >= 1)");
        }
        positive("interval", interval);
        positive("baseEjectionTime", baseEjectionTime);
        Objects.requireNonNull(maxEjectionTime, "maxEjectionTime: null (expected: >= baseEjectionTime)");
        if (maxEjectionTime.compareTo(baseEjectionTime) < 0) {
            throw new IllegalArgumentException("maxEjectionTime: " + maxEjectionTime + " (expected: >= baseEjectionTime "
                    + baseEjectionTime + ")");
        }
        if (!(maxEjectedFraction > 0 && maxEjectedFraction <= 1)) {
            throw new IllegalArgumentException("maxEjectedFraction: " + maxEjectedFraction + " (expected: in (0, 1])");
        }
    }

    private static void positive(String name, Duration d) {
        Objects.requireNonNull(d, () -> name + ": null (expected: > 0)");
        if (d.isNegative() || d.isZero()) {
            throw new IllegalArgumentException(name + ": " + d + " (expected: > 0)");
        }
    }

    /**
     * Envoy's default values: 5 consecutive failures, 85 % over 50+ requests per 10 s (on here, off by default
     * in Envoy), 30 s x n up to 300 s, 10 % of a candidate set's pods.
     */
    public static OutlierDetection defaults() {
        return DEFAULTS;
    }

    /** This configuration with another {@link #consecutiveFailures}. */
    public OutlierDetection withConsecutiveFailures(int n) {
        return new OutlierDetection(n, failureRateThreshold, minimumRequests, interval, baseEjectionTime,
                maxEjectionTime, maxEjectedFraction);
    }

    /** This configuration with other ejection times. */
    public OutlierDetection withEjectionTimes(Duration base, Duration max) {
        return new OutlierDetection(consecutiveFailures, failureRateThreshold, minimumRequests, interval, base, max,
                maxEjectedFraction);
    }

    /** This configuration with another {@link #maxEjectedFraction}. */
    public OutlierDetection withMaxEjectedFraction(double fraction) {
        return new OutlierDetection(consecutiveFailures, failureRateThreshold, minimumRequests, interval,
                baseEjectionTime, maxEjectionTime, fraction);
    }

    /** This configuration with another failure-rate rule. */
    public OutlierDetection withFailureRate(double threshold, int minimumRequests, Duration interval) {
        return new OutlierDetection(consecutiveFailures, threshold, minimumRequests, interval, baseEjectionTime,
                maxEjectionTime, maxEjectedFraction);
    }
}
