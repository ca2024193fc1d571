package io.podrouter.bench.sim;

import java.util.Arrays;

/**
 * The simulator's agenda: a binary min-heap of events ordered by virtual time, then by insertion order
 * (so events at the same instant run first-in first-out and every run is deterministic). Each event is a
 * kind, an int argument and an object reference, kept in parallel arrays so that scheduling allocates
 * nothing in steady state.
 *
 * <p>Not thread-safe. Times must be finite ({@link IllegalArgumentException} otherwise); scheduling in
 * the past is the caller's bug and is rejected by {@link Simulation}, not here.
 */
final class EventQueue {

    private double[] time = new double[256];
    private long[] order = new long[256];
    private int[] kind = new int[256];
    private int[] arg = new int[256];
    private Object[] ref = new Object[256];
    private int size;
    private long nextOrder;

    /** Popped event, valid until the next {@link #pop()}. */
    double topTime;
    int topKind;
    int topArg;
    Object topRef;

    int size() {
        return size;
    }

    boolean isEmpty() {
        return size == 0;
    }

    double peekTime() {
        return time[0];
    }

    void schedule(double at, int eventKind, int eventArg, Object eventRef) {
        if (Double.isNaN(at) || Double.isInfinite(at)) {
            throw new IllegalArgumentException("event time: " + at + " (expected: finite)");
        }
        if (size == time.length) {
            int n = size * 2;
            time = Arrays.copyOf(time, n);
            order = Arrays.copyOf(order, n);
            kind = Arrays.copyOf(kind, n);
            arg = Arrays.copyOf(arg, n);
            ref = Arrays.copyOf(ref, n);
        }
        int i = size++;
        long o = nextOrder++;
        while (i > 0) {
            int parent = (i - 1) >>> 1;
            if (!less(at, o, time[parent], order[parent])) {
                break;
            }
            move(parent, i);
            i = parent;
        }
        set(i, at, o, eventKind, eventArg, eventRef);
    }

    /** Removes the earliest event into the {@code top*} fields; the queue must not be empty. */
    void pop() {
        topTime = time[0];
        topKind = kind[0];
        topArg = arg[0];
        topRef = ref[0];
        int last = --size;
        double t = time[last];
        long o = order[last];
        int k = kind[last];
        int a = arg[last];
        Object r = ref[last];
        ref[last] = null;
        int i = 0;
        int half = size >>> 1;
        while (i < half) {
            int child = 2 * i + 1;
            int right = child + 1;
            if (right < size && less(time[right], order[right], time[child], order[child])) {
                child = right;
            }
            if (!less(time[child], order[child], t, o)) {
                break;
            }
            move(child, i);
            i = child;
        }
        if (size > 0) {
            set(i, t, o, k, a, r);
        }
    }

    private static boolean less(double t1, long o1, double t2, long o2) {
        return t1 < t2 || (t1 == t2 && o1 < o2);
    }

    private void move(int from, int to) {
        time[to] = time[from];
        order[to] = order[from];
        kind[to] = kind[from];
        arg[to] = arg[from];
        ref[to] = ref[from];
    }

    private void set(int i, double t, long o, int k, int a, Object r) {
        time[i] = t;
        order[i] = o;
        kind[i] = k;
        arg[i] = a;
        ref[i] = r;
    }
}
