package io.podrouter.core;

import io.podrouter.api.Fallback;
import io.podrouter.api.MissingReason;

/**
 * How a selection was made: strategy, fallback, missing-metric reason, predicted or not. A router
 * creates every combination once, so a selection points at a shared instance instead of carrying
 * four fields. Immutable.
 */
record Decision(String strategy, Fallback fallback, MissingReason missingReason, boolean predicted) {

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

    /** Index of a decision in the router's table: {@code [strategy][fallback][reason + 1][predicted]}. */
    static int code(Fallback fallback, MissingReason reason, boolean predicted) {
        int reasons = MissingReason.values().length + 1;
        return ((fallback.ordinal() * reasons) + (reason == null ? 0 : reason.ordinal() + 1)) * 2 + (predicted ? 1 : 0);
    }

    static int codes() {
        return Fallback.values().length * (MissingReason.values().length + 1) * 2;
    }
}
