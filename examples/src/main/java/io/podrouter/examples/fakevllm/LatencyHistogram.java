package io.podrouter.examples.fakevllm;

import java.util.Arrays;

/**
 * A cumulative Prometheus histogram (fixed upper bounds plus {@code +Inf}, sum and count) written in
 * the text format 0.0.4. Thread-safe (synchronised; a fake server's request rate is low). Negative and
 * NaN observations are ignored, since a latency cannot be negative.
 */
final class LatencyHistogram {

    /** Upper bounds in seconds, covering 1 ms to 60 s like vLLM's latency histograms. */
    static final double[] BOUNDS = {0.001, 0.005, 0.01, 0.02, 0.04, 0.06, 0.08, 0.1, 0.25, 0.5, 0.75, 1.0,
            2.5, 5.0, 7.5, 10.0, 20.0, 40.0, 60.0};

    private final long[] counts = new long[BOUNDS.length + 1];
    private double sum;
    private long count;

    synchronized void observe(double seconds) {
        if (!(seconds >= 0)) {
            return;
        }
        int i = Arrays.binarySearch(BOUNDS, seconds);
        int bucket = i >= 0 ? i : -i - 1; // first bound >= seconds, or the +Inf slot
        counts[bucket]++;
        sum += seconds;
        count++;
    }

    synchronized long count() {
        return count;
    }

    /** Appends the {@code _bucket}, {@code _sum} and {@code _count} samples; {@code labels} without braces. */
    synchronized void write(StringBuilder out, String name, String labels) {
        long cumulative = 0;
        for (int i = 0; i <= BOUNDS.length; i++) {
            cumulative += counts[i];
            String le = i < BOUNDS.length ? Double.toString(BOUNDS[i]) : "+Inf";
            out.append(name).append("_bucket{").append(labels).append(",le=\"").append(le).append("\"} ")
                    .append(cumulative).append(".0\n");
        }
        out.append(name).append("_sum{").append(labels).append("} ").append(sum).append('\n');
        out.append(name).append("_count{").append(labels).append("} ").append(count).append(".0\n");
    }
}
