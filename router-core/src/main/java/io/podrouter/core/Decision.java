package io.podrouter.core;

import io.podrouter.api.Fallback;
import io.podrouter.api.MissingReason;

import java.util.concurrent.atomic.LongAdder;

/**
 * How a selection was made: strategy, fallback, missing-metric reason, predicted or not. A router
 * creates every combination once, so a selection points at a shared instance instead of carrying
 * the fields, and the fallback counter is reached without a lookup. Immutable (the counter is the
 * router's telemetry).
 *
 * @param router        the router, for completion callbacks
 * @param fallbackCount the telemetry counter of this fallback kind; null for {@link Fallback#NONE}
 */
record Decision(Router router, String strategy, Fallback fallback, MissingReason missingReason, boolean predicted,
                LongAdder fallbackCount) {

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
    static int code(Fallback fallback, MissingReason reason, boolean predicted) {
        return ((fallback.ordinal() * REASONS) + (reason == null ? 0 : reason.ordinal() + 1)) * 2 + (predicted ? 1 : 0);
    }

    static int codes() {
        return Fallback.values().length * REASONS * 2;
    }
}
