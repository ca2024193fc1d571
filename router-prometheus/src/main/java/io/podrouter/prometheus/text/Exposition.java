package io.podrouter.prometheus.text;

import org.jspecify.annotations.Nullable;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A whole parsed exposition body: its metric families in order of first appearance. Immutable and
 * thread-safe. Built by {@link PrometheusTextParser#parseExposition(byte[])}.
 *
 * @param families the families; copied; null becomes empty
 */
public record Exposition(List<MetricFamily> families) {

    public Exposition {
        families = families == null ? List.of() : List.copyOf(families);
    }

    /** The family called {@code name}, or null when there is none (or {@code name} is null). */
    public @Nullable MetricFamily family(@Nullable String name) {
        for (MetricFamily f : families) {
            if (f.name().equals(name)) {
                return f;
            }
        }
        return null;
    }

    /** The families by name, in document order; an unmodifiable map built per call. */
    public Map<String, MetricFamily> byName() {
        Map<String, MetricFamily> m = new LinkedHashMap<>();
        families.forEach(f -> m.put(f.name(), f));
        return Collections.unmodifiableMap(m);
    }

    /** The total number of samples in all families. */
    public int sampleCount() {
        int n = 0;
        for (MetricFamily f : families) {
            n += f.samples().size();
        }
        return n;
    }
}
