package io.podrouter.examples.json;

/**
 * Writes JSON string literals (control characters as <code>&#92;uXXXX</code> escapes); the gateway and the fake backends assemble their small response objects
 * around it. Stateless and thread-safe.
 */
public final class JsonWriter {

    private JsonWriter() {
    }

    /**
     * The JSON string literal for {@code value}, quotes included: {@code "} and {@code \} escaped, control
     * characters as {@code \n}, {@code \t} etc. or <code>&#92;u00XX</code>. Null gives {@code null} (the JSON literal).
     */
    public static String quote(String value) {
        if (value == null) {
            return "null";
        }
        StringBuilder b = new StringBuilder(value.length() + 2).append('"');
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            switch (c) {
                case '"' -> b.append("\\\"");
                case '\\' -> b.append("\\\\");
                case '\n' -> b.append("\\n");
                case '\r' -> b.append("\\r");
                case '\t' -> b.append("\\t");
                case '\b' -> b.append("\\b");
                case '\f' -> b.append("\\f");
                default -> {
                    if (c < 0x20) {
                        b.append(String.format("\\u%04x", (int) c));
                    } else {
                        b.append(c);
                    }
                }
            }
        }
        return b.append('"').toString();
    }
}
