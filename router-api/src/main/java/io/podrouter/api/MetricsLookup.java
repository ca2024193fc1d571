package io.podrouter.api;

import org.jspecify.annotations.Nullable;

import java.util.Objects;

/**
 * What a {@link MetricsSource} knows about one pod: exactly one of three outcomes, as a sealed type so
 * that a caller cannot mistake one for another.
 *
 * <ul>
 *   <li>{@link NotReady}: the pod must not receive traffic (the source knows better than discovery,
 *       e.g. its health check fails). The router never selects it.</li>
 *   <li>{@link Missing}: the pod is ready but there are no usable metrics, with a {@link MissingReason}.
 *       This is a normal result, not an error: the router still routes to the pod, by the strategy's
 *       fallback.</li>
 *   <li>{@link Present}: metrics are available.</li>
 * </ul>
 *
 * <p>All implementations are immutable records and thread-safe. The shared constants
 * ({@link #notReady()}, {@link #missing(MissingReason)}) let a source answer without allocating.
 */
public sealed interface MetricsLookup permits MetricsLookup.NotReady, MetricsLookup.Missing, MetricsLookup.Present {

    /**
     * The pod is not ready.
     *
     * @param detail free text for logs; never null after construction (a null argument becomes empty)
     */
    record NotReady(String detail) implements MetricsLookup {
        private static final NotReady SHARED = new NotReady("");

        /** @param detail free text for logs; null becomes empty */
        public NotReady(@Nullable String detail) {
            this.detail = detail == null ? "" : detail;
        }
    }

    /**
     * The pod is ready but has no usable metrics.
     *
     * @param reason why; null is rejected with {@link NullPointerException}
     * @param detail free text for logs (e.g. the scrape error); never null after construction (a null
     *               argument becomes empty)
     */
    record Missing(MissingReason reason, String detail) implements MetricsLookup {
        private static final Missing[] SHARED = shared();

        /**
         * @param reason why; null throws {@link NullPointerException}
         * @param detail free text for logs; null becomes empty
         */
        public Missing(MissingReason reason, @Nullable String detail) {
            this.reason = Objects.requireNonNull(reason, "reason: null (expected: a MissingReason)");
            this.detail = detail == null ? "" : detail;
        }

        private static Missing[] shared() {
            MissingReason[] reasons = MissingReason.values();
            Missing[] out = new Missing[reasons.length];
            for (MissingReason r : reasons) {
                out[r.ordinal()] = new Missing(r, "");
            }
            return out;
        }
    }

    /**
     * Metrics are available.
     *
     * @param metrics the snapshot; null is rejected with {@link NullPointerException}
     */
    record Present(PodMetrics metrics) implements MetricsLookup {
        public Present {
            Objects.requireNonNull(metrics, "metrics: null (expected: a PodMetrics; use MetricsLookup.missing(...) when there are none)");
        }
    }

    /** The shared "not ready" outcome without detail. */
    static MetricsLookup notReady() {
        return NotReady.SHARED;
    }

    /** The shared "missing" outcome for {@code reason}, without detail; null {@code reason} throws {@link NullPointerException}. */
    static MetricsLookup missing(MissingReason reason) {
        return Missing.SHARED[Objects.requireNonNull(reason, "reason: null (expected: a MissingReason)").ordinal()];
    }

    /** A "missing" outcome with a detail for logs (null becomes empty); null {@code reason} throws {@link NullPointerException}. */
    static MetricsLookup missing(MissingReason reason, @Nullable String detail) {
        return new Missing(reason, detail);
    }

    /** A "present" outcome. */
    static MetricsLookup present(PodMetrics metrics) {
        return new Present(metrics);
    }
}
