package io.podrouter.prometheus.text;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
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
 */
public final class PrometheusTextParser {

    private static final int CACHE_ENTRIES = 8192;
    private static final double[] POW10 = {
        1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11,
        1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};
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
    private final SampleView view = new SampleView(this);
    private final Map<String, MetricType> declared = new HashMap<>();

    // State of the current parse; only meaningful inside parse().
    private byte[] buf;
    private int lineNumber;
    private String family;
    private MetricType familyType;
    private byte[] familyBytes = new byte[64];
    private int familyLength;
    private String wantedFamily;
    private boolean wanted;
    private byte[] scratch = new byte[128];
    private int numberEnd;
    private boolean numberOk;

    int labelCount;
    private int[] labelNameStart = new int[8];
    private int[] labelNameEnd = new int[8];
    private int[] labelValueStart = new int[8];
    private int[] labelValueEnd = new int[8];
    private boolean[] labelEscaped = new boolean[8];

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
        declared.clear();
        family = null;
        familyType = null;
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
        MetricType previous = declared.putIfAbsent(name, type);
        if (previous != null && previous != type) {
            throw error("second TYPE line for " + name + " says " + type.token() + ", the first said " + previous.token());
        }
        setFamily(name, type);
        setFamilyBytesFromName(name);
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
        labelCount = 0;
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
        double value = number(p, valueEnd);
        if (!numberOk || numberEnd != valueEnd) {
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
        Suffix suffix = resolveFamily(nameStart, nameEnd);
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
            for (int i = 0; i < labelCount; i++) {
                if (Arrays.equals(buf, labelNameStart[i], labelNameEnd[i], buf, nameStart, nameEnd)) {
                    throw error("duplicate label " + excerpt(nameStart, nameEnd));
                }
            }
            addLabel(nameStart, nameEnd, valueStart, p, escaped);
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

    private void addLabel(int nameStart, int nameEnd, int valueStart, int valueEnd, boolean escaped) {
        if (labelCount == labelNameStart.length) {
            int n = labelCount * 2;
            labelNameStart = Arrays.copyOf(labelNameStart, n);
            labelNameEnd = Arrays.copyOf(labelNameEnd, n);
            labelValueStart = Arrays.copyOf(labelValueStart, n);
            labelValueEnd = Arrays.copyOf(labelValueEnd, n);
            labelEscaped = Arrays.copyOf(labelEscaped, n);
        }
        labelNameStart[labelCount] = nameStart;
        labelNameEnd[labelCount] = nameEnd;
        labelValueStart[labelCount] = valueStart;
        labelValueEnd[labelCount] = valueEnd;
        labelEscaped[labelCount] = escaped;
        labelCount++;
    }

    String labelName(int i) {
        return strings.get(buf, labelNameStart[i], labelNameEnd[i]);
    }

    String labelValue(int i) {
        if (!labelEscaped[i]) {
            return strings.get(buf, labelValueStart[i], labelValueEnd[i]);
        }
        int n = unescape(labelValueStart[i], labelValueEnd[i]);
        return strings.get(scratch, 0, n);
    }

    int labelIndex(String name) {
        for (int i = 0; i < labelCount; i++) {
            if (MetricType.equalsAscii(buf, labelNameStart[i], labelNameEnd[i], name)) {
                return i;
            }
        }
        return -1;
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
        int i = labelIndex(label);
        if (i < 0) {
            throw error(excerpt(nameStart, nameEnd) + " has no " + label + " label");
        }
        double v;
        if (labelEscaped[i]) {
            v = Double.NaN;
            numberOk = false;
        } else {
            int s = labelValueStart[i];
            int e = labelValueEnd[i];
            v = number(s, e);
            numberOk &= numberEnd == e;
        }
        if (!numberOk) {
            throw error("label " + label + " of " + excerpt(nameStart, nameEnd) + " is not a number: "
                    + excerpt(labelValueStart[i], labelValueEnd[i]));
        }
        return v;
    }

    /**
     * Finds the family of the sample named {@code buf[start, end)} and makes it current; returns the
     * sample's suffix relative to it.
     */
    private Suffix resolveFamily(int start, int end) {
        if (family != null && end - start >= familyLength
                && Arrays.equals(familyBytes, 0, familyLength, buf, start, start + familyLength)) {
            Suffix s = Suffix.exactly(buf, start + familyLength, end);
            if (s != null && familyType.allows(s)) {
                return s;
            }
        }
        String name = strings.get(buf, start, end);
        MetricType type = declared.get(name);
        if (type != null && type.allows(Suffix.NONE)) {
            setFamily(name, type);
            setFamilyBytesFromBuffer(start, end);
            return Suffix.NONE;
        }
        Suffix s = Suffix.endOf(buf, start, end);
        if (s != null) {
            int baseEnd = end - s.text().length();
            String base = strings.get(buf, start, baseEnd);
            MetricType baseType = declared.get(base);
            if (baseType != null && baseType.allows(s)) {
                setFamily(base, baseType);
                setFamilyBytesFromBuffer(start, baseEnd);
                return s;
            }
        }
        setFamily(name, type == null ? MetricType.UNTYPED : type);
        setFamilyBytesFromBuffer(start, end);
        return Suffix.NONE;
    }

    private void setFamily(String name, MetricType type) {
        family = name;
        familyType = type;
    }

    private void setFamilyBytesFromBuffer(int start, int end) {
        int n = end - start;
        if (familyBytes.length < n) {
            familyBytes = new byte[Math.max(n, familyBytes.length * 2)];
        }
        System.arraycopy(buf, start, familyBytes, 0, n);
        familyLength = n;
    }

    private void setFamilyBytesFromName(String name) {
        byte[] bytes = name.getBytes(StandardCharsets.UTF_8);
        if (familyBytes.length < bytes.length) {
            familyBytes = new byte[Math.max(bytes.length, familyBytes.length * 2)];
        }
        System.arraycopy(bytes, 0, familyBytes, 0, bytes.length);
        familyLength = bytes.length;
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
        double seconds = number(start, end);
        if (!numberOk || numberEnd != end || !Double.isFinite(seconds) || Math.abs(seconds) > 9.2e15) {
            throw error("invalid timestamp " + excerpt(start, end));
        }
        return Math.round(seconds * 1000);
    }

    /**
     * Converts {@code buf[start, end)} to a double. Sets {@link #numberOk} (false when the text is not a
     * number) and {@link #numberEnd}; the caller checks that the whole token was consumed.
     */
    private double number(int start, int end) {
        numberOk = false;
        numberEnd = start;
        int p = start;
        if (p == end) {
            return Double.NaN;
        }
        boolean negative = false;
        byte c = buf[p];
        if (c == '+' || c == '-') {
            negative = c == '-';
            p++;
        }
        if (p < end && (buf[p] | 0x20) >= 'a') {
            return special(start, p, end, negative);
        }
        long mantissa = 0;
        int digits = 0;
        int exponent = 0;
        boolean truncated = false;
        boolean any = false;
        while (p < end && (c = buf[p]) >= '0' && c <= '9') {
            any = true;
            if (digits < 18) {
                mantissa = mantissa * 10 + (c - '0');
                if (mantissa != 0) {
                    digits++;
                }
            } else {
                exponent++;
                truncated |= c != '0';
            }
            p++;
        }
        if (p < end && buf[p] == '.') {
            p++;
            while (p < end && (c = buf[p]) >= '0' && c <= '9') {
                any = true;
                if (digits < 18) {
                    mantissa = mantissa * 10 + (c - '0');
                    exponent--;
                    if (mantissa != 0) {
                        digits++;
                    }
                } else {
                    truncated |= c != '0';
                }
                p++;
            }
        }
        if (!any) {
            return Double.NaN;
        }
        if (p < end && (buf[p] == 'e' || buf[p] == 'E')) {
            p++;
            boolean expNegative = false;
            if (p < end && (buf[p] == '+' || buf[p] == '-')) {
                expNegative = buf[p] == '-';
                p++;
            }
            int e = 0;
            int expDigitsStart = p;
            while (p < end && (c = buf[p]) >= '0' && c <= '9') {
                if (e < 100_000) {
                    e = e * 10 + (c - '0');
                }
                p++;
            }
            if (p == expDigitsStart) {
                return Double.NaN;
            }
            exponent += expNegative ? -e : e;
        }
        numberEnd = p;
        numberOk = true;
        if (p != end) {
            return Double.NaN; // caller reports the trailing garbage
        }
        double v;
        if (mantissa == 0) {
            v = 0.0;
        } else if (!truncated && mantissa < (1L << 53) && exponent >= -22 && exponent <= 22) {
            // Both operands exact, so one correctly rounded operation gives the correctly rounded result.
            v = exponent >= 0 ? mantissa * POW10[exponent] : mantissa / POW10[-exponent];
        } else {
            return Double.parseDouble(new String(buf, start, end - start, StandardCharsets.ISO_8859_1));
        }
        return negative ? -v : v;
    }

    private double special(int start, int p, int end, boolean negative) {
        int n = end - p;
        boolean signed = p != start;
        if (n == 3 && lower(p) == 'n' && lower(p + 1) == 'a' && lower(p + 2) == 'n' && !signed) {
            numberOk = true;
            numberEnd = end;
            return Double.NaN;
        }
        if ((n == 3 || n == 8) && lower(p) == 'i' && lower(p + 1) == 'n' && lower(p + 2) == 'f'
                && (n == 3 || equalsIgnoreCase(p + 3, "inity"))) {
            numberOk = true;
            numberEnd = end;
            return negative ? Double.NEGATIVE_INFINITY : Double.POSITIVE_INFINITY;
        }
        return Double.NaN;
    }

    private int lower(int p) {
        return buf[p] | 0x20;
    }

    private boolean equalsIgnoreCase(int p, String lowerAscii) {
        for (int i = 0; i < lowerAscii.length(); i++) {
            if (lower(p + i) != lowerAscii.charAt(i)) {
                return false;
            }
        }
        return true;
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

    /** Collects a whole document for {@link #parseExposition}. */
    private static final class ExpositionBuilder implements SampleVisitor {
        private final Map<String, FamilyDraft> families = new LinkedHashMap<>();

        private FamilyDraft draft(String name, MetricType type) {
            return families.computeIfAbsent(name, n -> new FamilyDraft(type));
        }

        @Override
        public void type(String familyName, MetricType type) {
            draft(familyName, type).type = type;
        }

        @Override
        public boolean wantsHelp() {
            return true;
        }

        @Override
        public void help(String familyName, String text) {
            draft(familyName, MetricType.UNTYPED).help = text;
        }

        @Override
        public void sample(SampleView s) {
            Map<String, String> labels;
            int n = s.labelCount();
            if (n == 0) {
                labels = Map.of();
            } else {
                LinkedHashMap<String, String> m = new LinkedHashMap<>(n * 2);
                for (int i = 0; i < n; i++) {
                    m.put(s.labelName(i), s.labelValue(i));
                }
                labels = Collections.unmodifiableMap(m);
            }
            draft(s.familyName(), s.type()).samples.add(
                    new Sample(s.name(), labels, s.value(), s.hasTimestamp() ? s.timestampMillis() : Sample.NO_TIMESTAMP));
        }

        Exposition build() {
            List<MetricFamily> out = new ArrayList<>(families.size());
            families.forEach((name, d) -> out.add(new MetricFamily(name, d.type, d.help, d.samples)));
            return new Exposition(out);
        }
    }

    private static final class FamilyDraft {
        MetricType type;
        String help = "";
        final List<Sample> samples = new ArrayList<>();

        FamilyDraft(MetricType type) {
            this.type = type;
        }
    }
}
