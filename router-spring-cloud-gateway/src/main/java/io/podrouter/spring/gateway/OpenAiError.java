package io.podrouter.spring.gateway;

import org.jspecify.annotations.Nullable;

import java.nio.charset.StandardCharsets;
import java.util.Objects;

/**
 * An OpenAI-style error answer: an HTTP status and the body
 * {@code {"error":{"message":...,"type":...,"param":...,"code":...}}}, as OpenAI and vLLM send them. Client input
 * echoed in a message is {@linkplain #truncate truncated}. Immutable.
 *
 * @param status  the HTTP status, 400..599
 * @param type    the error type, e.g. {@code invalid_request_error}
 * @param message for the client
 * @param param   the request field at fault, or null
 * @param code    a machine-readable code, e.g. {@code model_not_found}, or null
 */
record OpenAiError(int status, String type, String message, @Nullable String param, @Nullable String code) {

    /** Longest piece of client input echoed in a message. */
    static final int MAX_ECHO_CHARS = 64;

    OpenAiError {
        if (status < 400 || status > 599) {
            throw new IllegalArgumentException("status: " + status + " (expected: 400..599)");
        }
        Objects.requireNonNull(type, "type: null (expected: an error type)");
        Objects.requireNonNull(message, "message: null (expected: a message)");
    }

    /** 404 {@code model_not_found}, as OpenAI and vLLM answer for a model they do not serve. */
    static OpenAiError modelNotFound(String model) {
        return new OpenAiError(404, "invalid_request_error", "The model `" + truncate(model) + "` does not exist.", "model",
                "model_not_found");
    }

    /** Client input as it may be echoed: at most {@value #MAX_ECHO_CHARS} characters, a longer value cut and marked. */
    static String truncate(@Nullable String input) {
        if (input == null) {
            return "null";
        }
        return input.length() <= MAX_ECHO_CHARS ? input
                : input.substring(0, MAX_ECHO_CHARS) + "...(" + input.length() + " characters)";
    }

    /** The JSON body as UTF-8. */
    byte[] toJsonBytes() {
        return toJson().getBytes(StandardCharsets.UTF_8);
    }

    /** The JSON body. */
    String toJson() {
        return "{\"error\":{\"message\":" + quote(message) + ",\"type\":" + quote(type) + ",\"param\":" + quote(param)
                + ",\"code\":" + quote(code) + "}}";
    }

    /** A JSON string literal (RFC 8259 escapes), or {@code null}. */
    static String quote(@Nullable String s) {
        if (s == null) {
            return "null";
        }
        StringBuilder out = new StringBuilder(s.length() + 2).append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                default -> {
                    if (c < 0x20 || Character.isSurrogate(c) && !validSurrogate(s, i)) {
                        out.append(String.format("\\u%04x", (int) c));
                    } else {
                        out.append(c);
                    }
                }
            }
        }
        return out.append('"').toString();
    }

    private static boolean validSurrogate(String s, int i) {
        char c = s.charAt(i);
        if (Character.isHighSurrogate(c)) {
            return i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1));
        }
        return i > 0 && Character.isHighSurrogate(s.charAt(i - 1));
    }
}
