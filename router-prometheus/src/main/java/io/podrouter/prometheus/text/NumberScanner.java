package io.podrouter.prometheus.text;

import java.nio.charset.StandardCharsets;

/**
 * Converts the text of a sample value, timestamp or numeric label ({@code le}, {@code quantile}) to a
 * double without allocating in the common case: up to 18 significant digits and a decimal exponent within
 * 10^&plusmn;22 are converted with one correctly rounded operation; anything longer goes through
 * {@link Double#parseDouble}. Accepts {@code NaN}, {@code Inf}, {@code Infinity} (case-insensitive, the
 * infinities signed or not), as the exposition formats do.
 *
 * <p>Not thread-safe: the result of a call is left in {@link #ok} and {@link #end} (so that the hot path
 * returns a primitive and allocates nothing); one instance per parser.
 */
final class NumberScanner {

    private static final byte[] EMPTY = new byte[0];
    private static final double[] POW10 = {
        1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11,
        1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};

    /** Whether the last {@link #scan} found a number (possibly followed by other text). */
    boolean ok;
    /** Where the number found by the last {@link #scan} ends. */
    int end;
    private byte[] buf = EMPTY;

    /**
     * Converts {@code buf[start, end)} to a double. Sets {@link #ok} (false when the text is not a
     * number) and {@link #end}; the caller checks that the whole token was consumed.
     */
    double scan(byte[] buf, int start, int end) {
        this.buf = buf;
        try {
            return convert(start, end);
        } finally {
            this.buf = EMPTY; // the body is the caller's: no reference to it outlives the call
        }
    }

    private double convert(int start, int end) {
        ok = false;
        this.end = start;
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
        this.end = p;
        ok = true;
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
            ok = true;
            this.end = end;
            return Double.NaN;
        }
        if ((n == 3 || n == 8) && lower(p) == 'i' && lower(p + 1) == 'n' && lower(p + 2) == 'f'
                && (n == 3 || equalsIgnoreCase(p + 3, "inity"))) {
            ok = true;
            this.end = end;
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
}
