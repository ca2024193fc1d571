package io.podrouter.prometheus.text;

import java.util.List;
import java.util.Objects;

/**
 * One metric family of a parsed {@link Exposition}: all samples that belong to it, wherever they
 * appeared in the body. Immutable and thread-safe.
 *
 * @param name    the family name (for histograms and summaries without {@code _bucket}/{@code _sum}/...)
 * @param type    the declared type, {@link MetricType#UNTYPED} when undeclared; null becomes UNTYPED
 * @param help    the HELP text with escapes decoded, empty when there was none; null becomes empty
 * @param samples the samples in document order; copied; null becomes empty
 */
public record MetricFamily(String name, MetricType type, String help, List<Sample> samples) {

    public MetricFamily {
        Objects.requireNonNull(name, "name: null (expected: a metric family name)");
        type = type == null ? MetricType.UNTYPED : type;
        help = help == null ? "" : help;
        samples = samples == null ? List.of() : List.copyOf(samples);
    }
}
