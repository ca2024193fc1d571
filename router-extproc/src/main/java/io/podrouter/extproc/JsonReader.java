package io.podrouter.extproc;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A strict JSON (RFC 8259) reader producing plain Java values: objects become an unmodifiable
 * {@code Map<String, Object>} (insertion order; a duplicate key is an error, since two "model" fields
 * would make routing ambiguous), arrays an unmodifiable {@code List<Object>}, strings {@code String},
 * numbers {@code Double} (what the gateway needs: {@code max_tokens} and the like), {@code true}/{@code
 * false} {@code Boolean}, and {@code null} {@link #NULL} (so that a present null differs from an
 * absent key).
 *
 * <p>Rejected with {@link JsonParseException}: empty or blank input, anything after the value except
 * whitespace, trailing commas, comments, single quotes, unquoted keys, leading zeros, {@code NaN} and
 * infinities, numbers out of double range, unescaped control characters in strings, invalid escapes,
 * lone surrogate escapes, and nesting deeper than {@link #MAX_DEPTH} (which bounds the recursion, so a
 * hostile body cannot overflow the stack).
 *
 * <p>Public because the example gateway reads its request bodies with it too: one reader, kept in this
 * library module because the picker needs it at runtime and the examples module, a demo, may depend on any
 * module while no library module may depend on it.
 *
 * <p>Stateless and thread-safe: all methods are static.
 */
public final class JsonReader {

    /** Deepest nesting of arrays and objects accepted. */
    public static final int MAX_DEPTH = 64;

    /** The value of a JSON {@code null}. */
    public static final Object NULL = new Object() {
        @Override
        public String toString() {
            return "null";
        }
    };

    private final String s;
    private int pos;

    private JsonReader(String s) {
        this.s = s;
    }

    /**
     * Parses one JSON value.
     *
     * @param text the JSON text; null throws {@link NullPointerException}
     * @return the value (see the class comment for the mapping); never Java null
     * @throws JsonParseException when the text is not exactly one valid JSON value
     */
    public static Object parse(String text) throws JsonParseException {
        Objects.requireNonNull(text, "text: null (expected: JSON text)");
        JsonReader r = new JsonReader(text);
        r.skipWhitespace();
        Object v = r.value(0);
        r.skipWhitespace();
        if (r.pos != text.length()) {
            throw new JsonParseException("unexpected '" + text.charAt(r.pos) + "' after the JSON value (expected: end of input)", r.pos);
        }
        return v;
    }

    /**
     * Parses a JSON object, e.g. a request body.
     *
     * @throws JsonParseException when the text is not valid JSON or its value is not an object
     */
    public static Map<String, Object> parseObject(String text) throws JsonParseException {
        Object v = parse(text);
        if (!(v instanceof Map)) {
            throw new JsonParseException("top-level value is " + typeName(v) + " (expected: an object)", 0);
        }
        @SuppressWarnings("unchecked")
        Map<String, Object> m = (Map<String, Object>) v;
        return m;
    }

    /** The JSON type name of a value this reader produced: object, array, string, number, boolean or null. */
    public static String typeName(Object v) {
        if (v instanceof Map) {
            return "an object";
        } else if (v instanceof List) {
            return "an array";
        } else if (v instanceof String) {
            return "a string";
        } else if (v instanceof Double) {
            return "a number";
        } else if (v instanceof Boolean) {
            return "a boolean";
        }
        return "null";
    }

    private Object value(int depth) throws JsonParseException {
        if (pos >= s.length()) {
            throw new JsonParseException("unexpected end of input (expected: a value)", pos);
        }
        char c = s.charAt(pos);
        switch (c) {
            case '{':
                return object(depth + 1);
            case '[':
                return array(depth + 1);
            case '"':
                return string();
            case 't':
                literal("true");
                return Boolean.TRUE;
            case 'f':
                literal("false");
                return Boolean.FALSE;
            case 'n':
                literal("null");
                return NULL;
            default:
                if (c == '-' || (c >= '0' && c <= '9')) {
                    return number();
                }
                throw new JsonParseException("unexpected '" + c + "' (expected: a value)", pos);
        }
    }

    private Map<String, Object> object(int depth) throws JsonParseException {
        checkDepth(depth);
        pos++; // '{'
        Map<String, Object> m = new LinkedHashMap<>();
        skipWhitespace();
        if (peek() == '}') {
            pos++;
            return Collections.unmodifiableMap(m);
        }
        while (true) {
            skipWhitespace();
            if (peek() != '"') {
                throw new JsonParseException("expected a string key", pos);
            }
            int keyAt = pos;
            String key = string();
            skipWhitespace();
            expect(':');
            skipWhitespace();
            Object v = value(depth);
            if (m.putIfAbsent(key, v) != null) {
                throw new JsonParseException("duplicate key \"" + key + "\" (expected: unique keys)", keyAt);
            }
            skipWhitespace();
            char c = peek();
            if (c == ',') {
                pos++;
            } else if (c == '}') {
                pos++;
                return Collections.unmodifiableMap(m);
            } else {
                throw new JsonParseException("expected ',' or '}'", pos);
            }
        }
    }

    private List<Object> array(int depth) throws JsonParseException {
        checkDepth(depth);
        pos++; // '['
        List<Object> list = new ArrayList<>();
        skipWhitespace();
        if (peek() == ']') {
            pos++;
            return Collections.unmodifiableList(list);
        }
        while (true) {
            skipWhitespace();
            list.add(value(depth));
            skipWhitespace();
            char c = peek();
            if (c == ',') {
                pos++;
            } else if (c == ']') {
                pos++;
                return Collections.unmodifiableList(list);
            } else {
                throw new JsonParseException("expected ',' or ']'", pos);
            }
        }
    }

    private String string() throws JsonParseException {
        pos++; // opening quote
        StringBuilder b = null;
        int start = pos;
        while (true) {
            if (pos >= s.length()) {
                throw new JsonParseException("unterminated string (expected: '\"')", pos);
            }
            char c = s.charAt(pos);
            if (c == '"') {
                String out = b == null ? s.substring(start, pos) : b.append(s, start, pos).toString();
                pos++;
                return out;
            }
            if (c < 0x20) {
                throw new JsonParseException("unescaped control character 0x" + Integer.toHexString(c) + " in string", pos);
            }
            if (c != '\\') {
                pos++;
                continue;
            }
            if (b == null) {
                b = new StringBuilder();
            }
            b.append(s, start, pos);
            pos++;
            if (pos >= s.length()) {
                throw new JsonParseException("unterminated escape", pos);
            }
            char e = s.charAt(pos++);
            switch (e) {
                case '"' -> b.append('"');
                case '\\' -> b.append('\\');
                case '/' -> b.append('/');
                case 'b' -> b.append('\b');
                case 'f' -> b.append('\f');
                case 'n' -> b.append('\n');
                case 'r' -> b.append('\r');
                case 't' -> b.append('\t');
                case 'u' -> {
                    char u = hex4();
                    if (Character.isHighSurrogate(u)) {
                        if (pos + 1 < s.length() && s.charAt(pos) == '\\' && s.charAt(pos + 1) == 'u') {
                            pos += 2;
                            char low = hex4();
                            if (!Character.isLowSurrogate(low)) {
                                throw new JsonParseException("high surrogate not followed by a low surrogate", pos - 6);
                            }
                            b.append(u).append(low);
                        } else {
                            throw new JsonParseException("lone high surrogate escape", pos - 6);
                        }
                    } else if (Character.isLowSurrogate(u)) {
                        throw new JsonParseException("lone low surrogate escape", pos - 6);
                    } else {
                        b.append(u);
                    }
                }
                default -> throw new JsonParseException("invalid escape '\\" + e + "'", pos - 2);
            }
            start = pos;
        }
    }

    private char hex4() throws JsonParseException {
        if (pos + 4 > s.length()) {
            throw new JsonParseException("truncated \\u escape (expected: 4 hex digits)", pos);
        }
        int v = 0;
        for (int i = 0; i < 4; i++) {
            int d = Character.digit(s.charAt(pos + i), 16);
            if (d < 0) {
                throw new JsonParseException("invalid \\u escape (expected: 4 hex digits)", pos + i);
            }
            v = v * 16 + d;
        }
        pos += 4;
        return (char) v;
    }

    private Double number() throws JsonParseException {
        int start = pos;
        if (peek() == '-') {
            pos++;
        }
        if (peek() == '0') {
            pos++;
            if (isDigit(peek())) {
                throw new JsonParseException("leading zero in number", start);
            }
        } else if (isDigit(peek())) {
            while (isDigit(peek())) {
                pos++;
            }
        } else {
            throw new JsonParseException("expected a digit", pos);
        }
        if (peek() == '.') {
            pos++;
            if (!isDigit(peek())) {
                throw new JsonParseException("expected a digit after '.'", pos);
            }
            while (isDigit(peek())) {
                pos++;
            }
        }
        if (peek() == 'e' || peek() == 'E') {
            pos++;
            if (peek() == '+' || peek() == '-') {
                pos++;
            }
            if (!isDigit(peek())) {
                throw new JsonParseException("expected a digit in exponent", pos);
            }
            while (isDigit(peek())) {
                pos++;
            }
        }
        double d = Double.parseDouble(s.substring(start, pos));
        if (Double.isInfinite(d)) {
            throw new JsonParseException("number out of range", start);
        }
        return d;
    }

    private void literal(String word) throws JsonParseException {
        if (!s.startsWith(word, pos)) {
            throw new JsonParseException("invalid literal (expected: " + word + ")", pos);
        }
        pos += word.length();
    }

    private void expect(char c) throws JsonParseException {
        if (peek() != c) {
            throw new JsonParseException("expected '" + c + "'", pos);
        }
        pos++;
    }

    private void checkDepth(int depth) throws JsonParseException {
        if (depth > MAX_DEPTH) {
            throw new JsonParseException("nesting deeper than " + MAX_DEPTH, pos);
        }
    }

    /** The current character, or 0 at the end (0 is never valid where peek() is consulted). */
    private char peek() {
        return pos < s.length() ? s.charAt(pos) : 0;
    }

    private static boolean isDigit(char c) {
        return c >= '0' && c <= '9';
    }

    private void skipWhitespace() {
        while (pos < s.length()) {
            char c = s.charAt(pos);
            if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
                pos++;
            } else {
                return;
            }
        }
    }
}
