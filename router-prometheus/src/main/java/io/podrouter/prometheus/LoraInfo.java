package io.podrouter.prometheus;

import org.jspecify.annotations.Nullable;

import java.util.HashMap;
import java.util.Map;

/**
 * The LoRA adapters one scrape says a pod runs, from vLLM's {@code vllm:lora_requests_info} info gauge:
 * labels {@code running_lora_adapters} and {@code waiting_lora_adapters} (adapter names, comma-separated,
 * empty when none) and {@code max_lora} (how many adapters fit at once), value the Unix time at which vLLM
 * last set that label combination. vLLM never removes an old combination, so a body holds one series per
 * combination ever seen: only the newest (largest value) says what runs now.
 *
 * <p>What reaches {@code PodMetrics.extra} ({@link #extras()}): {@code lora_running:<adapter>} and
 * {@code lora_waiting:<adapter>}, each the number of times the adapter is listed (vLLM lists an adapter
 * once, so 1), and {@code lora_max} when {@code max_lora} is a non-negative number. The running keys are
 * what {@code LoraAffinityScorer} reads.
 *
 * <p>Malformed input never fails the scrape: a series whose value is not a finite, non-negative number is
 * ignored (it cannot be ordered); a missing label counts as an empty list; list entries are trimmed and
 * empty entries skipped; a {@code max_lora} that is not a number (or is negative, NaN or infinite) is left
 * out of the extras while the adapter lists are still reported. One instance per scrape; not thread-safe.
 */
final class LoraInfo {

    /** Prefix of the extras naming a running adapter (the key {@code LoraAffinityScorer} reads). */
    static final String RUNNING_PREFIX = "lora_running:";
    /** Prefix of the extras naming a waiting adapter. */
    static final String WAITING_PREFIX = "lora_waiting:";
    /** The extra holding {@code max_lora}. */
    static final String MAX_KEY = "lora_max";

    static final String RUNNING_LABEL = "running_lora_adapters";
    static final String WAITING_LABEL = "waiting_lora_adapters";
    static final String MAX_LABEL = "max_lora";

    private double newest = Double.NEGATIVE_INFINITY;
    private @Nullable String running;
    private @Nullable String waiting;
    private @Nullable String maxLora;
    private boolean seen;

    /**
     * Offers one series; it replaces the current one when its timestamp is strictly newer (on a tie the
     * first in the body stays). A timestamp that is NaN, infinite or negative is ignored.
     */
    void offer(double timestamp, @Nullable String runningAdapters, @Nullable String waitingAdapters,
               @Nullable String maxLoraLabel) {
        if (!(timestamp >= 0) || Double.isInfinite(timestamp)) {
            return;
        }
        if (seen && timestamp <= newest) {
            return;
        }
        seen = true;
        newest = timestamp;
        running = runningAdapters;
        waiting = waitingAdapters;
        maxLora = maxLoraLabel;
    }

    /** Whether any usable series was offered. */
    boolean present() {
        return seen;
    }

    /** The extras of the newest series (see the class documentation); empty when none was usable. */
    Map<String, Double> extras() {
        Map<String, Double> out = new HashMap<>();
        if (!seen) {
            return out;
        }
        count(out, RUNNING_PREFIX, running);
        count(out, WAITING_PREFIX, waiting);
        if (maxLora != null) {
            try {
                double max = Double.parseDouble(maxLora.strip());
                if (max >= 0 && max <= ScrapedValues.MAX_PLAUSIBLE) {
                    out.put(MAX_KEY, max);
                }
            } catch (NumberFormatException ignored) {
                // documented: a max_lora that is not a number is left out; the adapter lists still count
            }
        }
        return out;
    }

    private static void count(Map<String, Double> out, String prefix, @Nullable String list) {
        if (list == null || list.isBlank()) {
            return;
        }
        for (String name : list.split(",")) {
            String adapter = name.strip();
            if (!adapter.isEmpty()) {
                out.merge(prefix + adapter, 1.0, Double::sum);
            }
        }
    }
}
