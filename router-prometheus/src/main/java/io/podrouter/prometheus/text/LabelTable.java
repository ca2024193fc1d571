package io.podrouter.prometheus.text;

import java.util.Arrays;

/**
 * The labels of the sample being parsed, as byte ranges into the body: nothing is decoded until a visitor
 * asks (through {@link SampleView}), and then through the parser's {@link ByteStringCache}, so a body seen
 * before allocates nothing. Values with escapes are decoded into a reused scratch buffer first.
 *
 * <p>Not thread-safe; owned by one {@link PrometheusTextParser}, refilled for every sample, and holding the
 * body only between {@link #begin} and {@link #release} so a parser kept across scrapes does not pin the
 * last body in memory.
 */
final class LabelTable {

    private static final byte[] EMPTY = new byte[0];

    private final ByteStringCache strings;
    private byte[] buf = EMPTY;
    private byte[] scratch = new byte[128];
    private int count;
    private int[] nameStart = new int[8];
    private int[] nameEnd = new int[8];
    private int[] valueStart = new int[8];
    private int[] valueEnd = new int[8];
    private boolean[] escaped = new boolean[8];

    LabelTable(ByteStringCache strings) {
        this.strings = strings;
    }

    /** Starts a parse of {@code body}, with no labels. */
    void begin(byte[] body) {
        buf = body;
        count = 0;
    }

    /** Ends a parse: forgets the body. */
    void release() {
        buf = EMPTY;
        count = 0;
    }

    /** Starts a new sample, with no labels. */
    void clear() {
        count = 0;
    }

    /** The number of labels of the current sample. */
    int count() {
        return count;
    }

    /** Whether the current sample already has a label named {@code buf[start, end)}. */
    boolean contains(int start, int end) {
        for (int i = 0; i < count; i++) {
            if (Arrays.equals(buf, nameStart[i], nameEnd[i], buf, start, end)) {
                return true;
            }
        }
        return false;
    }

    /** Adds a label; {@code hasEscapes} says whether the value (already validated) contains backslash escapes. */
    void add(int nameFrom, int nameTo, int valueFrom, int valueTo, boolean hasEscapes) {
        if (count == nameStart.length) {
            int n = count * 2;
            nameStart = Arrays.copyOf(nameStart, n);
            nameEnd = Arrays.copyOf(nameEnd, n);
            valueStart = Arrays.copyOf(valueStart, n);
            valueEnd = Arrays.copyOf(valueEnd, n);
            escaped = Arrays.copyOf(escaped, n);
        }
        nameStart[count] = nameFrom;
        nameEnd[count] = nameTo;
        valueStart[count] = valueFrom;
        valueEnd[count] = valueTo;
        escaped[count] = hasEscapes;
        count++;
    }

    String name(int i) {
        return strings.get(buf, nameStart[i], nameEnd[i]);
    }

    String value(int i) {
        if (!escaped[i]) {
            return strings.get(buf, valueStart[i], valueEnd[i]);
        }
        int n = unescape(valueStart[i], valueEnd[i]);
        return strings.get(scratch, 0, n);
    }

    /** The index of the label called {@code name}, or -1. */
    int index(String name) {
        for (int i = 0; i < count; i++) {
            if (MetricType.equalsAscii(buf, nameStart[i], nameEnd[i], name)) {
                return i;
            }
        }
        return -1;
    }

    boolean escaped(int i) {
        return escaped[i];
    }

    int valueStart(int i) {
        return valueStart[i];
    }

    int valueEnd(int i) {
        return valueEnd[i];
    }

    /** Decodes the escapes of {@code buf[start, end)} (already validated) into {@code scratch}; returns the length. */
    private int unescape(int start, int end) {
        if (scratch.length < end - start) {
            scratch = new byte[Math.max(end - start, scratch.length * 2)];
        }
        int n = 0;
        for (int p = start; p < end; p++) {
            byte c = buf[p];
            if (c == '\\' && p + 1 < end) {
                byte e = buf[++p];
                c = e == 'n' ? (byte) '\n' : e;
            }
            scratch[n++] = c;
        }
        return n;
    }
}
