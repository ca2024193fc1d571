package io.podrouter.prometheus;

import io.podrouter.api.MetricsLookup;
import io.podrouter.api.MissingReason;
import io.podrouter.api.Pod;
import io.podrouter.api.PodMetrics;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * Turns the outcome of one scrape into the pod's next {@link ScrapeSnapshot}: metrics per model (with
 * latencies from the change of each histogram since the previous scrape), or the failure; counts it in
 * {@link ScrapeStats}; and logs at most one line per pod and change of state, at most one per log interval.
 *
 * <p>Thread-safe for distinct pods: the counters are atomic, and the per-pod fields it updates belong to the
 * scrape holding the pod's {@code inFlight} flag, so two threads never record the same pod at once.
 */
final class ScrapeRecorder {

    // Named after the public class: that is the logger users configure.
    private static final Logger LOG = LoggerFactory.getLogger(PrometheusScraper.class);

    private final InstantSource clock;
    private final long maxAgeMillis;
    private final long latencyHoldMillis;
    private final long logIntervalMillis;

    final AtomicLong attempts = new AtomicLong();
    final AtomicLong skippedBusy = new AtomicLong();
    final AtomicLong bytesRead = new AtomicLong();
    private final AtomicLong successes = new AtomicLong();
    private final AtomicLongArray failures = new AtomicLongArray(FailureKind.values().length);
    private final AtomicLong stateChanges = new AtomicLong();
    private final AtomicLong invalidValues = new AtomicLong();

    ScrapeRecorder(InstantSource clock, long maxAgeMillis, long latencyHoldMillis, long logIntervalMillis) {
        this.clock = clock;
        this.maxAgeMillis = maxAgeMillis;
        this.latencyHoldMillis = latencyHoldMillis;
        this.logIntervalMillis = logIntervalMillis;
    }

    /** A snapshot of the counters, with {@code targets} the current number of targets. */
    ScrapeStats stats(int targets) {
        Map<FailureKind, Long> f = new EnumMap<>(FailureKind.class);
        for (FailureKind k : FailureKind.values()) {
            f.put(k, failures.get(k.ordinal()));
        }
        return new ScrapeStats(targets, attempts.get(), successes.get(), f, skippedBusy.get(),
                bytesRead.get(), stateChanges.get(), invalidValues.get());
    }

    /**
     * Records a successful scrape of {@code s}: the pod's new snapshot (per model, present or
     * {@code INVALID_VALUE}), its latency estimators, the counters, and a log line when its state changes.
     */
    void succeed(PodScrapeState s, MetricsExtractor extractor) {
        long nowMillis = clock.millis();
        Instant now = Instant.ofEpochMilli(nowMillis);
        EngineMapping engine = s.engine;
        Map<String, MetricsLookup> byModel = new HashMap<>();
        MetricsLookup anyModel = null;
        boolean restarted = false;
        String invalid = null;
        String invalidKey = null;
        Map<String, LatencyEstimator[]> estimators = new HashMap<>();
        Map<String, Double> loraExtras = extractor.lora().extras(); // pod-wide: vLLM's LoRA gauge has no model label
        for (Map.Entry<String, MetricsExtractor.ModelValues> e : extractor.models().entrySet()) {
            String model = e.getKey();
            LatencyEstimator[] est = s.estimators.get(model);
            if (est == null) {
                est = new LatencyEstimator[engine.histograms().size()];
                for (int i = 0; i < est.length; i++) {
                    est[i] = new LatencyEstimator(engine.percentileCount());
                }
            }
            estimators.put(model, est);
            String[] problem = new String[2]; // what is wrong, and the field's key (stable across values)
            PodMetrics m = toPodMetrics(engine, e.getValue(), est, now, nowMillis, problem, loraExtras);
            for (LatencyEstimator le : est) {
                restarted |= le.lastUpdateWasReset();
            }
            if (problem[0] == null) {
                problem[0] = m.firstInvalidValue(); // a safety net: the checks above should leave nothing out of range
                problem[1] = "metrics";
            }
            MetricsLookup lookup;
            if (problem[0] != null) {
                String label = model.equals(MetricsExtractor.ANY_MODEL) ? "(no model label)" : "'" + model + "'";
                String detail = "model " + label + ": " + problem[0];
                lookup = MetricsLookup.missing(MissingReason.INVALID_VALUE, detail);
                if (invalid == null) {
                    invalid = detail;
                    invalidKey = label + " " + problem[1];
                }
            } else {
                lookup = MetricsLookup.present(m);
            }
            if (model.equals(MetricsExtractor.ANY_MODEL)) {
                anyModel = lookup;
            } else {
                byModel.put(model, lookup);
            }
        }
        s.estimators = estimators; // models gone from the body lose their history
        successes.incrementAndGet();
        if (invalid != null) {
            invalidValues.incrementAndGet();
        }
        ScrapeSnapshot previous = s.snapshot;
        s.snapshot = ScrapeSnapshot.ok(nowMillis, now, maxAgeMillis, byModel, anyModel);
        boolean restartBegins = restarted && !s.inRestart;
        s.inRestart = restarted;
        if (restartBegins && mayLog(s, nowMillis)) {
            LOG.info("pod {}: histogram counters went down, so {} restarted; latency baseline reset{}",
                    s.pod.id(), s.uri, suppressedNote(s, nowMillis));
        } else if (restartBegins) {
            s.suppressed++;
        }
        // the state names the model and field, not the value, so a value that keeps changing is one state
        String state = invalid == null ? "OK" : "INVALID " + invalidKey;
        if (!enterState(s, state, nowMillis)) {
            return;
        }
        Pod pod = s.pod;
        if (invalid != null) {
            LOG.warn("pod {}: metrics invalid, reported missing: {}{}", pod.id(), invalid, suppressedNote(s, nowMillis));
            return;
        }
        String models = byModel.isEmpty() && anyModel == null ? "none yet" : new TreeSet<>(byModel.keySet()).toString();
        if (previous.status == ScrapeSnapshot.Status.NONE && pod.ready() && pod.readySince() != null) {
            LOG.info("pod {}: first metrics from {} ({} ms after Ready; models {}){}", pod.id(), s.uri,
                    Math.max(0, nowMillis - pod.readySince().toEpochMilli()), models, suppressedNote(s, nowMillis));
        } else {
            LOG.info("pod {}: metrics scraped from {} (models {}){}", pod.id(), s.uri, models, suppressedNote(s, nowMillis));
        }
    }

    /**
     * Records that pod {@code s} is in {@code state} after this scrape, and says whether to log that now:
     * only when the state differs from the last one logged and the pod's log interval has passed. A change
     * that cannot be logged yet is counted as suppressed, and is logged by a later scrape once the interval
     * has passed if the pod is still in a state other than the last one logged.
     */
    private boolean enterState(PodScrapeState s, String state, long nowMillis) {
        boolean changed = !state.equals(s.state);
        if (changed) {
            s.state = state;
            stateChanges.incrementAndGet();
        }
        if (!state.equals(s.loggedState) && mayLog(s, nowMillis)) {
            s.loggedState = state;
            return true;
        }
        if (changed) {
            s.suppressed++; // includes a flap back to the state last logged: the next line reports it
        }
        return false;
    }

    /** Whether pod {@code s} may log a line now (at most one per log interval); if so, the interval restarts. */
    private boolean mayLog(PodScrapeState s, long nowMillis) {
        if (s.lastLogMillis != Long.MIN_VALUE && nowMillis - s.lastLogMillis < logIntervalMillis) {
            return false;
        }
        s.lastLogMillis = nowMillis;
        return true;
    }

    /** The note appended to a pod's log line about the lines suppressed before it; resets the count. */
    private String suppressedNote(PodScrapeState s, long nowMillis) {
        if (s.suppressed == 0) {
            return "";
        }
        String note = " (" + s.suppressed + " earlier state changes of this pod not logged: at most one line per "
                + Duration.ofMillis(logIntervalMillis) + ")";
        s.suppressed = 0;
        return note;
    }

    private PodMetrics toPodMetrics(EngineMapping engine, MetricsExtractor.ModelValues v, LatencyEstimator[] est,
                                    Instant now, long nowMillis, @Nullable String[] problem,
                                    Map<String, Double> loraExtras) {
        PodMetrics m = PodMetrics.observedAt(now);
        Map<String, Double> extra = new HashMap<>(loraExtras);
        List<EngineMapping.GaugeSpec> gauges = engine.gauges();
        for (int i = 0; i < gauges.size(); i++) {
            if (problem[0] == null && v.gaugeProblem(i) != null) {
                problem[0] = v.gaugeProblem(i);
                problem[1] = gauges.get(i).key();
            }
            double value = v.gauge(i);
            EngineMapping.GaugeSpec g = gauges.get(i);
            if (g.field() != null) {
                m = with(m, g.field(), value);
            } else if (!Double.isNaN(value)) {
                extra.put(g.key(), value);
            }
        }
        List<EngineMapping.HistogramSpec> histograms = engine.histograms();
        double[] percentiles = engine.percentiles();
        for (int i = 0; i < histograms.size(); i++) {
            EngineMapping.HistogramSpec h = histograms.get(i);
            CumulativeHistogram scraped = v.histogram(i);
            String bad = scraped == null ? null : scraped.problem();
            if (bad != null) {
                if (problem[0] == null) {
                    problem[0] = scraped.family + ": " + bad;
                    problem[1] = h.key();
                }
                scraped = null; // drops the baseline: the next valid scrape starts afresh
            }
            est[i].update(scraped, nowMillis, percentiles);
            double mean = est[i].mean(nowMillis, latencyHoldMillis);
            if (h.field() != null) {
                m = with(m, h.field(), mean);
            } else if (!Double.isNaN(mean)) {
                extra.put(h.key(), mean);
            }
            for (int q = 0; q < percentiles.length; q++) {
                double value = est[i].quantile(q, nowMillis, latencyHoldMillis);
                if (!Double.isNaN(value)) {
                    extra.put(h.key() + engine.percentileSuffix(q), value);
                }
            }
        }
        return extra.isEmpty() ? m : m.withExtra(extra);
    }

    private static PodMetrics with(PodMetrics m, MetricField field, double value) {
        switch (field) {
            case RUNNING_REQUESTS:
                return m.withRunningRequests(value);
            case WAITING_REQUESTS:
                return m.withWaitingRequests(value);
            case KV_CACHE_USAGE:
                return m.withKvCacheUsage(value);
            case TIME_TO_FIRST_TOKEN:
                return m.withTimeToFirstTokenSeconds(value);
            case TIME_PER_OUTPUT_TOKEN:
                return m.withTimePerOutputTokenSeconds(value);
            case E2E_LATENCY:
                return m.withE2eLatencySeconds(value);
            case QUEUE_TIME:
                return m.withQueueTimeSeconds(value);
            default:
                throw new AssertionError(field);
        }
    }


    /**
     * Records a failed scrape of {@code s}: every lookup of the pod answers {@code SCRAPE_FAILED} naming
     * {@code kind} and {@code detail} until a scrape succeeds; {@code status} is the HTTP status (0: none) and
     * {@code cause}, when there is one, is logged with its stack trace on the state-change line only.
     */
    void fail(PodScrapeState s, FailureKind kind, int status, String detail, @Nullable Throwable cause) {
        failures.incrementAndGet(kind.ordinal());
        ScrapeSnapshot previous = s.snapshot;
        String text = kind + ": " + detail;
        s.snapshot = ScrapeSnapshot.failed(previous, MetricsLookup.missing(MissingReason.SCRAPE_FAILED, text));
        long nowMillis = clock.millis();
        if (!enterState(s, kind + (status == 0 ? "" : ":" + status), nowMillis)) {
            return;
        }
        String note = suppressedNote(s, nowMillis);
        // the cause's stack trace goes with the one line logged per state change, never with every scrape
        if (kind == FailureKind.INTERNAL) {
            LOG.error("pod {}: scrape failed unexpectedly: {}{}", s.pod.id(), text, note, cause);
        } else if (previous.everSucceeded) {
            LOG.warn("pod {}: metrics missing, scrape failed: {}{}", s.pod.id(), text, note, cause);
        } else {
            LOG.info("pod {}: no metrics yet, scrape failed: {}{}", s.pod.id(), text, note, cause);
        }
    }
}
