package io.podrouter.prometheus;

import io.podrouter.api.Pod;
import org.jspecify.annotations.Nullable;

import java.net.URI;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * One scrape target: where it is scraped, with which engine mapping, its latency history and the state of
 * its log rate limit. {@code snapshot} and {@code pod} are volatile because lookups and
 * {@link PrometheusScraper#updateTargets} read and write them from any thread; every other mutable field is
 * touched only by the scrape holding {@code inFlight}, which at most one scrape of the pod holds at a time.
 */
final class PodScrapeState {
    volatile Pod pod;
    /** Null when the pod cannot be scraped; {@code targetProblem} says why. */
    final @Nullable URI uri;
    final EngineMapping engine;
    final @Nullable String targetProblem;
    final @Nullable Throwable targetProblemCause;
    final AtomicBoolean inFlight = new AtomicBoolean();
    volatile ScrapeSnapshot snapshot = ScrapeSnapshot.NONE;
    Map<String, LatencyEstimator[]> estimators = new HashMap<>();
    /** The pod's state after its last scrape ("OK", a failure kind, "INVALID metric"). */
    String state = "";
    /** The state last logged; differs from {@code state} while a change waits for the log interval. */
    String loggedState = "";
    long lastLogMillis = Long.MIN_VALUE;
    /** State changes and restarts not logged since the last line, reported with the next one. */
    int suppressed;
    /** Whether the last scrape saw histogram counters go down. */
    boolean inRestart;

    PodScrapeState(Pod pod, @Nullable URI uri, EngineMapping engine, @Nullable String targetProblem,
                   @Nullable Throwable targetProblemCause) {
        this.pod = pod;
        this.uri = uri;
        this.engine = engine;
        this.targetProblem = targetProblem;
        this.targetProblemCause = targetProblemCause;
    }

    /** Whether {@code other}, resolved from a newer version of the pod, scrapes the same way (so history can be kept). */
    boolean sameTarget(PodScrapeState other) {
        return Objects.equals(uri, other.uri) && engine == other.engine
                && Objects.equals(targetProblem, other.targetProblem);
    }
}
