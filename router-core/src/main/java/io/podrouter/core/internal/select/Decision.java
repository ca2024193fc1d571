package io.podrouter.core.internal.select;

import io.podrouter.api.Fallback;
import io.podrouter.api.MissingReason;
import org.jspecify.annotations.Nullable;

import java.util.concurrent.atomic.LongAdder;

/**
 * How a selection was made: strategy, fallback, missing-metric reason, predicted or not. A router
 * creates every combination once, so a selection points at a shared instance instead of carrying
 * the fields, and the telemetry counters are reached without a lookup. Immutable (the counters are the
 * router's telemetry).
 *
 * @param completions    the completion hooks, run when the selection completes
 * @param fallbackCount  the telemetry counter of this fallback kind; null for {@link Fallback#NONE}
 * @param selectionCount the telemetry counter of this (strategy, fallback) pair
 */
record Decision(Completions completions, String strategy, Fallback fallback, @Nullable MissingReason missingReason, boolean predicted,
                @Nullable LongAdder fallbackCount, LongAdder selectionCount) {

    /**
     * Whether the router can produce {@code fallback} from the strategy at chain position {@code s}
     * ({@code chainLength} for its random last resort, {@code chainLength + 1} for the admission overflow), so that its selection series is exported from 0:
     * the first strategy decides by its rule or by a random fallback, later ones by the chain or a random
     * fallback, the last resort only as itself.
     */
    static boolean possible(int s, int chainLength, Fallback fallback) {
        if (s == chainLength) {
            return fallback == Fallback.LAST_RESORT_RANDOM;
        }
        if (s == chainLength + 1) {
            return fallback == Fallback.ADMISSION_OVERFLOW;
        }
        return fallback == Fallback.RANDOM_METRIC_MISSING || fallback == (s == 0 ? Fallback.NONE : Fallback.CHAIN);
    }

    String describe() {
        StringBuilder sb = new StringBuilder("by ").append(strategy);
        switch (fallback) {
            case RANDOM_METRIC_MISSING:
                sb.append(" (random fallback: metric missing, ").append(missingReason).append(')');
                break;
            case CHAIN:
                sb.append(" (earlier strategies passed)");
                break;
            case LAST_RESORT_RANDOM:
                sb.append(" (last resort: no strategy decided)");
                break;
            case ADMISSION_OVERFLOW:
                sb.append(" (every ready pod is new and at its admission limit)");
                break;
            default:
                break;
        }
        if (predicted) {
            sb.append(" (predicted metrics)");
        }
        return sb.toString();
    }

    // values() clones its array on every call; this runs on every selection.
    private static final int REASONS = MissingReason.values().length + 1;

    /** Index of a decision in the router's table: {@code [strategy][fallback][reason + 1][predicted]}. */
    static int code(Fallback fallback, @Nullable MissingReason reason, boolean predicted) {
        return ((fallback.ordinal() * REASONS) + (reason == null ? 0 : reason.ordinal() + 1)) * 2 + (predicted ? 1 : 0);
    }

    static int codes() {
        return Fallback.values().length * REASONS * 2;
    }
}
