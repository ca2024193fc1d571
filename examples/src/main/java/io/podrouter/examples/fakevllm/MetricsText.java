package io.podrouter.examples.fakevllm;

/**
 * Writes the fake backend's {@code /metrics} series in the Prometheus text format (version 0.0.4): a
 * {@code # HELP} and a {@code # TYPE} line, then the samples. Stateless; the caller's {@link StringBuilder} is
 * not shared between threads.
 */
final class MetricsText {

    private MetricsText() {
    }

    /** A gauge with one sample. */
    static void gauge(StringBuilder out, String name, String help, String labels, double value) {
        header(out, name, help, "gauge");
        out.append(name).append('{').append(labels).append("} ").append(value).append('\n');
    }

    /** A counter with one sample (written as a float, as vLLM's client library does). */
    static void counter(StringBuilder out, String name, String help, String labels, long value) {
        header(out, name, help, "counter");
        out.append(name).append('{').append(labels).append("} ").append(value).append(".0\n");
    }

    /** A histogram: its buckets, sum and count as {@link LatencyHistogram#write} renders them. */
    static void histogram(StringBuilder out, String name, String help, String labels, LatencyHistogram h) {
        header(out, name, help, "histogram");
        h.write(out, name, labels);
    }

    private static void header(StringBuilder out, String name, String help, String type) {
        out.append("# HELP ").append(name).append(' ').append(help).append('\n')
                .append("# TYPE ").append(name).append(' ').append(type).append('\n');
    }
}
