package io.podrouter.prometheus;

import io.podrouter.api.MetricsLookup;
import io.podrouter.api.MissingReason;
import org.jspecify.annotations.Nullable;

import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.TreeSet;

/**
 * What lookups see for one pod after its last scrape. Immutable and replaced whole after every scrape, so
 * that {@link PrometheusScraper#lookup} reads one volatile reference and needs no lock; the answers it can
 * give ({@code STALE}, the failure) are built once per scrape, not per lookup.
 */
final class ScrapeSnapshot {

    /** Whether the pod has been scraped, and how the last scrape went. */
    enum Status { NONE, OK, FAILED }

    /** Before the first scrape of a pod ends. */
    static final ScrapeSnapshot NONE = new ScrapeSnapshot(Status.NONE, false, 0,
            MetricsLookup.missing(MissingReason.NOT_YET_SCRAPED), null, Map.of(), null, "");

    final Status status;
    final boolean everSucceeded;
    final long scrapedAtMillis;
    private final @Nullable MetricsLookup notOk;
    private final @Nullable MetricsLookup stale;
    private final Map<String, MetricsLookup> byModel;
    private final @Nullable MetricsLookup anyModel;
    private final String modelsText;

    private ScrapeSnapshot(Status status, boolean everSucceeded, long scrapedAtMillis, @Nullable MetricsLookup notOk,
                           @Nullable MetricsLookup stale, Map<String, MetricsLookup> byModel,
                           @Nullable MetricsLookup anyModel, String modelsText) {
        this.status = status;
        this.everSucceeded = everSucceeded;
        this.scrapedAtMillis = scrapedAtMillis;
        this.notOk = notOk;
        this.stale = stale;
        this.byModel = byModel;
        this.anyModel = anyModel;
        this.modelsText = modelsText;
    }

    /** After a successful scrape at {@code now}: the answer per model, and the one for series without a model label. */
    static ScrapeSnapshot ok(long nowMillis, Instant now, long maxAgeMillis, Map<String, MetricsLookup> byModel,
                             @Nullable MetricsLookup anyModel) {
        MetricsLookup stale = MetricsLookup.missing(MissingReason.STALE,
                "last successful scrape at " + now + " is older than maxAge " + Duration.ofMillis(maxAgeMillis));
        String models = byModel.isEmpty() ? "no vllm/sglang series yet; the engine may still be starting"
                : "series for models " + new TreeSet<>(byModel.keySet());
        return new ScrapeSnapshot(Status.OK, true, nowMillis, null, stale, new HashMap<>(byModel), anyModel, models);
    }

    /** After a failed scrape: every lookup answers {@code failure}; whether the pod ever succeeded is kept for the log level. */
    static ScrapeSnapshot failed(ScrapeSnapshot previous, MetricsLookup failure) {
        return new ScrapeSnapshot(Status.FAILED, previous.everSucceeded, previous.scrapedAtMillis, failure, null,
                Map.of(), null, "");
    }

    /**
     * The answer for {@code model} at {@code nowMillis}: the failure or "not yet scraped" unless the last
     * scrape succeeded, {@code STALE} once it is older than {@code maxAgeMillis}, else the model's metrics,
     * those without a model label, or "no series for model" naming what the pod does export.
     */
    MetricsLookup lookup(String model, long nowMillis, long maxAgeMillis) {
        if (status != Status.OK) {
            return notOk;
        }
        if (nowMillis - scrapedAtMillis > maxAgeMillis) {
            return stale;
        }
        MetricsLookup m = byModel.get(model);
        if (m != null) {
            return m;
        }
        if (anyModel != null) {
            return anyModel;
        }
        return MetricsLookup.missing(MissingReason.NOT_YET_SCRAPED,
                "no series for model '" + model + "' (pod exports " + modelsText + ")");
    }
}
