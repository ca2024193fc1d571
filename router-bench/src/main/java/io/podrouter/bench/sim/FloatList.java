package io.podrouter.bench.sim;

import java.util.Arrays;

/** A growable list of floats (latency samples) with percentile and mean helpers. Not thread-safe. */
final class FloatList {

    private float[] values = new float[16];
    private int size;

    void add(double v) {
        if (size == values.length) {
            values = Arrays.copyOf(values, size * 2);
        }
        values[size++] = (float) v;
    }

    int size() {
        return size;
    }

    /** Arithmetic mean, NaN when empty. */
    double mean() {
        if (size == 0) {
            return Double.NaN;
        }
        double sum = 0;
        for (int i = 0; i < size; i++) {
            sum += values[i];
        }
        return sum / size;
    }

    /** Nearest-rank percentile {@code q} in (0, 1]; NaN when empty. Sorts the list in place. */
    double percentile(double q) {
        if (size == 0) {
            return Double.NaN;
        }
        Arrays.sort(values, 0, size);
        int rank = (int) Math.ceil(q * size) - 1;
        return values[Math.max(0, Math.min(size - 1, rank))];
    }
}
