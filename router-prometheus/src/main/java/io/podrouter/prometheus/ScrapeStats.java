package io.podrouter.prometheus;

import java.util.Collections;
import java.util.EnumMap;
import java.util.Map;

/**
 * Counters of a {@link PrometheusScraper} since it was built: an immutable snapshot, thread-safe. The
 * counters are read one after another without a lock, so a snapshot taken during a scrape may be off by
 * that scrape.
 *
 * @param targets      pods currently scraped
 * @param attempts     scrapes started
 * @param successes    scrapes that produced metrics
 * @param failures     failed scrapes by kind (unmodifiable; every kind present, zero when none)
 * @param skippedBusy  times a pod was due but its previous scrape was still running, so it was skipped
 * @param bytesRead    body bytes received by successful and unparsable scrapes
 * @param stateChanges times a pod changed state (healthy, a failure kind, invalid values); logged at most
 *                     once per pod per {@link PrometheusScraper.Builder#logInterval log interval}
 * @param invalidValues successful scrapes in which some model's values were out of range, so that model's
 *                     lookups said {@link io.podrouter.api.MissingReason#INVALID_VALUE}
 */
public record ScrapeStats(int targets, long attempts, long successes, Map<FailureKind, Long> failures,
                          long skippedBusy, long bytesRead, long stateChanges, long invalidValues) {

    /** Copies {@code failures}, with every kind present (zero when absent or when the map is null). */
    public ScrapeStats {
        EnumMap<FailureKind, Long> copy = new EnumMap<>(FailureKind.class);
        for (FailureKind k : FailureKind.values()) {
            Long v = failures == null ? null : failures.get(k);
            copy.put(k, v == null ? 0L : v);
        }
        failures = Collections.unmodifiableMap(copy);
    }

    /** Failed scrapes of {@code kind}; null throws {@link NullPointerException}. */
    public long failures(FailureKind kind) {
        return failures.get(java.util.Objects.requireNonNull(kind, "kind: null (expected: a FailureKind)"));
    }

    /** Failed scrapes of every kind. */
    public long totalFailures() {
        long n = 0;
        for (long v : failures.values()) {
            n += v;
        }
        return n;
    }
}
