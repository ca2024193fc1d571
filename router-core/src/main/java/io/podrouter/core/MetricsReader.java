package io.podrouter.core;

import io.podrouter.api.MetricsLookup;
import io.podrouter.api.MetricsSource;
import io.podrouter.api.MissingReason;
import io.podrouter.api.Pod;
import io.podrouter.api.PodMetrics;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.time.Instant;

/**
 * Asks the {@link MetricsSource} about one pod and turns every possible answer, including exceptions,
 * nulls, invalid values and stale snapshots, into a {@link MetricsState}. Logs once per pod, model and
 * state change: the log line a gateway sees when a pod goes cold, recovers or its scraper breaks, and
 * never one per request. Thread-safe.
 */
final class MetricsReader {

    private static final Logger LOG = LoggerFactory.getLogger(Router.class);

    private final MetricsSource source;
    private final Duration maxAge;

    MetricsReader(MetricsSource source, Duration maxAge) {
        this.source = source;
        this.maxAge = maxAge;
    }

    /** The result of one read: the state, and the metrics when the state is {@link MetricsState#PRESENT}. */
    record Reading(MetricsState state, PodMetrics metrics, String detail) {
    }

    /** Reads {@code pod} (the caller's single read of {@code handle.pod()}) for {@code model}. */
    Reading read(PodHandle handle, Pod pod, String model, Instant now) {
        Reading reading = pod.ready() ? ask(pod, model, now) : new Reading(MetricsState.POD_NOT_READY, null, "");
        MetricsState previous = handle.exchangeState(model, reading.state());
        if (previous != reading.state()) {
            logChange(pod, model, previous, reading);
        }
        return reading;
    }

    private Reading ask(Pod pod, String model, Instant now) {
        MetricsLookup lookup;
        try {
            lookup = source.lookup(pod, model);
        } catch (VirtualMachineError fatal) {
            throw fatal;
        } catch (Throwable t) {
            return missing(MissingReason.SOURCE_ERROR, "lookup threw " + t);
        }
        if (lookup == null) {
            return missing(MissingReason.SOURCE_ERROR, "lookup returned null");
        }
        if (lookup instanceof MetricsLookup.NotReady notReady) {
            return new Reading(MetricsState.SOURCE_NOT_READY, null, notReady.detail());
        }
        if (lookup instanceof MetricsLookup.Missing m) {
            return missing(m.reason(), m.detail());
        }
        PodMetrics metrics = ((MetricsLookup.Present) lookup).metrics();
        String invalid = metrics.firstInvalidValue();
        if (invalid != null) {
            return missing(MissingReason.INVALID_VALUE, invalid);
        }
        // A snapshot from the future (clock skew) counts as fresh.
        if (metrics.observedAt().plus(maxAge).isBefore(now)) {
            return missing(MissingReason.STALE, "observed " + Duration.between(metrics.observedAt(), now)
                    + " ago (max age " + maxAge + ")");
        }
        return new Reading(MetricsState.PRESENT, metrics, "");
    }

    private static Reading missing(MissingReason reason, String detail) {
        return new Reading(MetricsState.missing(reason), null, detail);
    }

    private static void logChange(Pod pod, String model, MetricsState previous, Reading now) {
        String from = previous == null ? "new" : previous.name();
        switch (now.state()) {
            case PRESENT:
                LOG.info("pod {} model {}: metrics present ({} -> PRESENT)", pod.id(), model, from);
                break;
            case MISSING_NOT_YET_SCRAPED:
                // The normal state of a pod that just became Ready: worth a line, not a warning.
                LOG.info("pod {} model {}: ready, metrics not scraped yet; routing to it by fallback ({} -> {})",
                        pod.id(), model, from, now.state());
                break;
            case POD_NOT_READY:
            case SOURCE_NOT_READY:
                LOG.info("pod {} model {}: not ready, not routable ({} -> {}){}", pod.id(), model, from,
                        now.state(), now.detail().isEmpty() ? "" : ": " + now.detail());
                break;
            default:
                LOG.warn("pod {} model {}: metrics missing, routing to it by fallback ({} -> {}): {}",
                        pod.id(), model, from, now.state(), now.detail());
        }
    }
}
