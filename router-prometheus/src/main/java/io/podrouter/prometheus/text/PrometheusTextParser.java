package io.podrouter.prometheus.text;

import java.nio.charset.StandardCharsets;
import java.util.Objects;

/**
 * Parses the Prometheus text exposition format 0.0.4 (and the OpenMetrics 1.0 text variant) from bytes.
 *
 * <p><b>Accepted.</b> {@code # HELP} and {@code # TYPE} lines, other comments, blank lines; samples
 * {@code name{label="value",...} value [timestamp]} with any number of spaces or tabs between tokens, a
 * trailing comma in the label set, and {@code \r\n} line ends; label values with the escapes
 * {@code \\}, {@code \"} and {@code \n}, in UTF-8 (invalid UTF-8 is decoded with replacement
 * characters, never rejected); values as decimal or scientific numbers, {@code NaN}, {@code +Inf},
 * {@code -Inf}, {@code Inf} (case-insensitive); integer millisecond timestamps. Counters, gauges,
 * histograms ({@code _bucket} with {@code le}, {@code _sum}, {@code _count}), summaries ({@code quantile},
 * {@code _sum}, {@code _count}) and untyped samples; a family may be repeated further down the body
 * with other label sets. OpenMetrics: {@code # EOF}, {@code # UNIT}, {@code _created} and
 * {@code _total} samples, the extra types, float timestamps in seconds (converted to milliseconds) and
 * exemplars ({@code # {...} value} after the value, ignored).
 *
 * <p><b>Rejected</b> with a {@link ParseException} naming the line: invalid metric or label names,
 * unterminated or unknown escapes in label values, duplicate label names on one sample, missing or
 * unparsable values and timestamps, text after the timestamp, unknown types and a second TYPE line with
 * a different type for the same family, histogram buckets without a numeric {@code le} label and
 * summary quantile samples without a numeric {@code quantile} label, content after {@code # EOF}, and a
 * non-empty body whose last line does not end with a newline (the usual sign of a truncated body).
 * Nothing else is thrown for any input, and parsing always ends after one forward pass.
 *
 * <p><b>Cost.</b> Lines are scanned once; numbers are converted without allocation in the common case
 * (up to 18 significant digits and a small exponent; other numbers go through
 * {@link Double#parseDouble}); names and label values are decoded only when a visitor asks, through a
 * bounded per-parser cache. Reusing one parser across scrapes of similar bodies therefore allocates
 * almost nothing.
 *
 * <p><b>Thread safety.</b> Not thread-safe: use one instance per thread (instances are cheap) or confine
 * it. The static {@link #parseExposition} methods are thread-safe.
 *
 * <p>The work is shared with package-private helpers: {@code LabelTable} (the current sample's labels),
 * {@code FamilyTracker} (declared types, the current family), {@code NumberScanner} (values) and
 * {@code ExpositionBuilder}; this class walks the lines and tokens.
 */
public final class PrometheusTextParser {

    private static final int CACHE_ENTRIES = 8192;
    private static final boolean[] NAME_START = new boolean[256];
    private static final boolean[] NAME_PART = new boolean[256];
    private static final boolean[] LABEL_START = new boolean[256];

    static {
        for (int c = 0; c < 256; c++) {
            boolean letter = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
            boolean digit = c >= '0' && c <= '9';
            LABEL_START[c] = letter;
            NAME_START[c] = letter || c == ':';
            NAME_PART[c] = letter || digit || c == ':';
        }
    }

    private final ByteStringCache strings = new ByteStringCache(CACHE_ENTRIES);
    private final LabelTable labels = new LabelTable(strings);
    private final FamilyTracker families = new FamilyTracker(strings);
    private final NumberScanner numbers = new NumberScanner();
    private final SampleView view = new SampleView(labels);

    // State of the current parse; only meaningful inside parse().
    private byte[] buf;
    private int lineNumber;
    private String wantedFamily;
    private boolean wanted;
    private byte[] scratch = new byte[128];

    /** A parser with an empty name cache. */
    public PrometheusTextParser() {
    }

    /**
     * Parses a whole body into an immutable {@link Exposition}: families in order of first appearance,
     * repeated families merged, HELP text kept. Allocates per sample; use {@link #parse} with a visitor
     * where that matters. Thread-safe (uses a fresh parser).
     *
     * @param body the exposition text in UTF-8; null throws {@link NullPointerException}
     * @throws ParseException when the body is malformed
     */
    public static Exposition parseExposition(byte[] body) throws ParseException {
        Objects.requireNonNull(body, "body: null (expected: exposition bytes)");
        ExpositionBuilder builder = new ExpositionBuilder();
        new PrometheusTextParser().parse(body, 0, body.length, builder);
        return builder.build();
    }

    /** {@link #parseExposition(byte[])} for text (encoded as UTF-8). */
    public static Exposition parseExposition(String text) throws ParseException {
        Objects.requireNonNull(text, "text: null (expected: exposition text)");
        return parseExposition(text.getBytes(StandardCharsets.UTF_8));
    }

    /** {@link #parse(byte[], int, int, SampleVisitor)} over the whole array. */
    public void parse(byte[] body, SampleVisitor visitor) throws ParseException {
        Objects.requireNonNull(body, "body: null (expected: exposition bytes)");
        parse(body, 0, body.length, visitor);
    }

    /**
     * Parses {@code body[offset, offset + length)} and reports every TYPE line, HELP line (if wanted)
     * and sample of a wanted family to {@code visitor}, in document order. An empty range is a valid,
     * empty body. The visitor may already have received calls when a later line turns out to be
     * malformed.
     *
     * @throws ParseException            when the body is malformed (see the class description)
     * @throws NullPointerException      when {@code body} or {@code visitor} is null
     * @throws IndexOutOfBoundsException when the range is outside {@code body}
     */
    public void parse(byte[] body, int offset, int length, SampleVisitor visitor) throws ParseException {
        Objects.requireNonNull(body, "body: null (expected: exposition bytes)");
        Objects.requireNonNull(visitor, "visitor: null (expected: a SampleVisitor)");
        Objects.checkFromIndexSize(offset, length, body.length);
        buf = body;
        labels.begin(body);
        families.reset();
        wantedFamily = null;
        lineNumber = 0;
        try {
            int pos = offset;
            int limit = offset + length;
            boolean eof = false;
            while (pos < limit) {
                lineNumber++;
                int eol = pos;
                while (eol < limit && body[eol] != '\n') {
                    eol++;
                }
                if (eol == limit) {
                    throw error("unexpected end of input: the last line does not end with a newline (truncated body?)");
                }
                int end = eol;
                if (end > pos && body[end - 1] == '\r') {
                    end--;
                }
                if (eof) {
                    if (skipBlanks(pos, end) < end) {
                        throw error("content after # EOF");
                    }
                } else {
                    eof = line(pos, end, visitor);
                }
                pos = eol + 1;
            }
        } finally {
            buf = null;
            labels.release();
        }
    }


    /** Parses one line without its line end; returns true when it was {@code # EOF}. */
    private boolean line(int start, int end, SampleVisitor visitor) throws ParseException {
        int p = skipBlanks(start, end);
        if (p == end) {
            return false;
        }
        if (buf[p] == '#') {
            return comment(p + 1, end, visitor);
        }
        sample(p, end, visitor);
        return false;
    }

    private boolean comment(int p, int end, SampleVisitor visitor) throws ParseException {
        if (p == end || !isBlank(buf[p])) {
            return false; // "#foo": a plain comment
        }
        p = skipBlanks(p, end);
        int wordEnd = skipToken(p, end);
        if (MetricType.equalsAscii(buf, p, wordEnd, "EOF")) {
            if (skipBlanks(wordEnd, end) != end) {
                throw error("text after # EOF");
            }
            return true;
        }
        boolean isType = MetricType.equalsAscii(buf, p, wordEnd, "TYPE");
        boolean isHelp = !isType && MetricType.equalsAscii(buf, p, wordEnd, "HELP");
        if (!isType && !isHelp) {
            return false; // any other comment, including OpenMetrics # UNIT
        }
        p = skipBlanks(wordEnd, end);
        int nameEnd = metricName(p, end);
        if (nameEnd == p) {
            throw error("expected a metric name after # " + (isType ? "TYPE" : "HELP") + ", found " + excerpt(p, end));
        }
        if (nameEnd < end && !isBlank(buf[nameEnd])) {
            throw error("invalid character in metric name: " + excerpt(p, end));
        }
        String name = strings.get(buf, p, nameEnd);
        p = skipBlanks(nameEnd, end);
        if (isHelp) {
            if (visitor.wantsHelp()) {
                visitor.help(name, helpText(p, end));
            }
            return false;
        }
        int typeEnd = skipToken(p, end);
        MetricType type = MetricType.fromToken(buf, p, typeEnd);
        if (type == null) {
            throw error("unknown metric type " + excerpt(p, end) + " for " + name);
        }
        if (skipBlanks(typeEnd, end) != end) {
            throw error("text after the type of " + name + ": " + excerpt(typeEnd, end));
        }
        MetricType previous = families.declare(name, type);
        if (previous != null && previous != type) {
            throw error("second TYPE line for " + name + " says " + type.token() + ", the first said " + previous.token());
        }
        visitor.type(name, type);
        return false;
    }

    private void sample(int p, int end, SampleVisitor visitor) throws ParseException {
        int nameStart = p;
        int nameEnd = metricName(p, end);
        if (nameEnd == nameStart) {
            throw error("expected a metric name, found " + excerpt(p, end));
        }
        p = nameEnd;
        labels.clear();
        if (p < end && buf[p] != '{' && !isBlank(buf[p])) {
            throw error("invalid character in metric name: " + excerpt(nameStart, end));
        }
        p = skipBlanks(p, end);
        if (p < end && buf[p] == '{') {
            p = skipBlanks(labels(p + 1, end), end);
        }
        if (p == end) {
            throw error("missing value for " + excerpt(nameStart, nameEnd));
        }
        int valueEnd = skipToken(p, end);
        double value = numbers.scan(buf, p, valueEnd);
        if (!numbers.ok || numbers.end != valueEnd) {
            throw error("invalid value " + excerpt(p, valueEnd));
        }
        p = skipBlanks(valueEnd, end);
        boolean hasTimestamp = false;
        long timestamp = 0;
        if (p < end && buf[p] != '#') {
            int tsEnd = skipToken(p, end);
            timestamp = timestamp(p, tsEnd);
            hasTimestamp = true;
            p = skipBlanks(tsEnd, end);
            if (p < end && buf[p] != '#') {
                throw error("unexpected text after the timestamp: " + excerpt(p, end));
            }
        }
        // Whatever follows '#' here is an OpenMetrics exemplar: not needed, so not validated.
        Suffix suffix = families.resolve(buf, nameStart, nameEnd);
        String family = families.name;
        MetricType familyType = families.type;
        double bound = Double.NaN;
        double quantile = Double.NaN;
        if (suffix == Suffix.BUCKET && (familyType == MetricType.HISTOGRAM || familyType == MetricType.GAUGE_HISTOGRAM)) {
            bound = numericLabel("le", nameStart, nameEnd);
        } else if (suffix == Suffix.NONE && familyType == MetricType.SUMMARY) {
            quantile = numericLabel("quantile", nameStart, nameEnd);
        }
        if (family != wantedFamily) {
            wantedFamily = family;
            wanted = visitor.wantsFamily(family, familyType);
        }
        if (!wanted) {
            return;
        }
        SampleView v = view;
        v.name = suffix == Suffix.NONE ? family : strings.get(buf, nameStart, nameEnd);
        v.familyName = family;
        v.type = familyType;
        v.suffix = suffix;
        v.value = value;
        v.hasTimestamp = hasTimestamp;
        v.timestampMillis = timestamp;
        v.bucketBound = bound;
        v.quantile = quantile;
        v.lineNumber = lineNumber;
        visitor.sample(v);
    }

    /** Parses a label set after '{'; returns the position after '}'. */
    private int labels(int p, int end) throws ParseException {
        while (true) {
            p = skipBlanks(p, end);
            if (p == end) {
                throw error("unterminated label set (missing '}')");
            }
            if (buf[p] == '}') {
                return p + 1;
            }
            int nameStart = p;
            if (!LABEL_START[buf[p] & 0xff]) {
                throw error("expected a label name, found " + excerpt(p, end));
            }
            p++;
            while (p < end && NAME_PART[buf[p] & 0xff] && buf[p] != ':') {
                p++;
            }
            int nameEnd = p;
            p = skipBlanks(p, end);
            if (p == end || buf[p] != '=') {
                throw error("expected '=' after label name " + excerpt(nameStart, nameEnd));
            }
            p = skipBlanks(p + 1, end);
            if (p == end || buf[p] != '"') {
                throw error("expected '\"' to open the value of label " + excerpt(nameStart, nameEnd));
            }
            p++;
            int valueStart = p;
            boolean escaped = false;
            while (true) {
                if (p == end) {
                    throw error("unterminated value of label " + excerpt(nameStart, nameEnd));
                }
                byte c = buf[p];
                if (c == '"') {
                    break;
                }
                if (c == '\\') {
                    if (p + 1 == end) {
                        throw error("unterminated value of label " + excerpt(nameStart, nameEnd));
                    }
                    byte n = buf[p + 1];
                    if (n != '\\' && n != '"' && n != 'n') {
                        throw error("invalid escape sequence " + excerpt(p, p + 2) + " in the value of label " + excerpt(nameStart, nameEnd));
                    }
                    escaped = true;
                    p += 2;
                } else {
                    p++;
                }
            }
            if (this.labels.contains(nameStart, nameEnd)) {
                throw error("duplicate label " + excerpt(nameStart, nameEnd));
            }
            this.labels.add(nameStart, nameEnd, valueStart, p, escaped);
            p = skipBlanks(p + 1, end);
            if (p < end && buf[p] == ',') {
                p++;
            } else if (p < end && buf[p] == '}') {
                return p + 1;
            } else {
                throw error("expected ',' or '}' after the value of label " + excerpt(nameStart, nameEnd));
            }
        }
    }


    private String helpText(int start, int end) {
        if (scratch.length < end - start) {
            scratch = new byte[Math.max(end - start, scratch.length * 2)];
        }
        int n = 0;
        for (int p = start; p < end; p++) {
            byte c = buf[p];
            if (c == '\\' && p + 1 < end && (buf[p + 1] == '\\' || buf[p + 1] == 'n')) {
                c = buf[++p] == 'n' ? (byte) '\n' : (byte) '\\';
            }
            scratch[n++] = c;
        }
        return new String(scratch, 0, n, StandardCharsets.UTF_8);
    }

    private double numericLabel(String label, int nameStart, int nameEnd) throws ParseException {
        int i = labels.index(label);
        if (i < 0) {
            throw error(excerpt(nameStart, nameEnd) + " has no " + label + " label");
        }
        double v = Double.NaN;
        int s = labels.valueStart(i);
        int e = labels.valueEnd(i);
        boolean ok = false;
        if (!labels.escaped(i)) {
            v = numbers.scan(buf, s, e);
            ok = numbers.ok && numbers.end == e;
        }
        if (!ok) {
            throw error("label " + label + " of " + excerpt(nameStart, nameEnd) + " is not a number: " + excerpt(s, e));
        }
        return v;
    }


    private int metricName(int p, int end) {
        if (p == end || !NAME_START[buf[p] & 0xff]) {
            return p;
        }
        p++;
        while (p < end && NAME_PART[buf[p] & 0xff]) {
            p++;
        }
        return p;
    }

    private long timestamp(int start, int end) throws ParseException {
        int p = start;
        boolean negative = false;
        if (p < end && (buf[p] == '-' || buf[p] == '+')) {
            negative = buf[p] == '-';
            p++;
        }
        long ms = 0;
        int digitsStart = p;
        while (p < end && buf[p] >= '0' && buf[p] <= '9') {
            if (ms > (Long.MAX_VALUE - 9) / 10) {
                throw error("timestamp out of range: " + excerpt(start, end));
            }
            ms = ms * 10 + (buf[p] - '0');
            p++;
        }
        if (p == end && p > digitsStart) {
            return negative ? -ms : ms;
        }
        // OpenMetrics writes timestamps as (possibly fractional) seconds.
        double seconds = numbers.scan(buf, start, end);
        if (!numbers.ok || numbers.end != end || !Double.isFinite(seconds) || Math.abs(seconds) > 9.2e15) {
            throw error("invalid timestamp " + excerpt(start, end));
        }
        return Math.round(seconds * 1000);
    }


    private int skipBlanks(int p, int end) {
        while (p < end && isBlank(buf[p])) {
            p++;
        }
        return p;
    }

    private int skipToken(int p, int end) {
        while (p < end && !isBlank(buf[p])) {
            p++;
        }
        return p;
    }

    private static boolean isBlank(byte c) {
        return c == ' ' || c == '\t';
    }

    private ParseException error(String problem) {
        return new ParseException(lineNumber, problem);
    }

    /** A short, quoted, printable excerpt of {@code buf[start, end)} for error messages. */
    private String excerpt(int start, int end) {
        StringBuilder sb = new StringBuilder("'");
        int stop = Math.min(end, start + 40);
        for (int p = start; p < stop; p++) {
            int c = buf[p] & 0xff;
            if (c >= 0x20 && c < 0x7f) {
                sb.append((char) c);
            } else {
                sb.append(String.format("\\x%02x", c));
            }
        }
        if (stop < end) {
            sb.append("...");
        }
        return sb.append('\'').toString();
    }

}
