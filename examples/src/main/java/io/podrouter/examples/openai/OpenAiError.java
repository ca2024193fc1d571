package io.podrouter.examples.openai;

import io.podrouter.examples.json.JsonWriter;

import java.util.Objects;

/**
 * An OpenAI-style error response: an HTTP status and the body
 * {@code {"error":{"message":...,"type":...,"param":...,"code":...}}}.
 *
 * @param status  the HTTP status, 400..599
 * @param type    the error type, e.g. {@code invalid_request_error}; never null
 * @param message for the client; never null
 * @param param   the request field at fault, or null
 * @param code    a machine-readable code, e.g. {@code model_not_found}, or null
 */
public record OpenAiError(int status, String type, String message, String param, String code) {

    public OpenAiError {
        if (status < 400 || status > 599) {
            throw new IllegalArgumentException("status: " + status + " (expected: 400..599)");
        }
        Objects.requireNonNull(type, "type: null (expected: an error type)");
        Objects.requireNonNull(message, "message: null (expected: a message)");
    }

    /** 400 {@code invalid_request_error} for a body that cannot be served. */
    public static OpenAiError invalidRequest(InvalidRequestException e) {
        return new OpenAiError(400, "invalid_request_error", e.getMessage(), e.param(), null);
    }

    /** Longest piece of client input {@link #truncate} keeps. */
    public static final int MAX_ECHO_CHARS = 64;

    /**
     * 404 {@code model_not_found}, as OpenAI and vLLM answer for a model they do not serve. The model name
     * is echoed {@linkplain #truncate truncated}; null is echoed as {@code null}.
     */
    public static OpenAiError modelNotFound(String model) {
        return new OpenAiError(404, "invalid_request_error", "The model `" + truncate(model) + "` does not exist.", "model",
                "model_not_found");
    }

    /**
     * Client input as it may be echoed in an error message: at most {@value #MAX_ECHO_CHARS} characters,
     * a longer value cut there and marked with its full length, so that a huge value (a 900 KB model name)
     * is not sent back whole. Null gives {@code "null"}.
     */
    public static String truncate(String input) {
        if (input == null) {
            return "null";
        }
        if (input.length() <= MAX_ECHO_CHARS) {
            return input;
        }
        return input.substring(0, MAX_ECHO_CHARS) + "...(" + input.length() + " characters)";
    }

    /** The JSON body. */
    public String toJson() {
        return "{\"error\":{\"message\":" + JsonWriter.quote(message) + ",\"type\":" + JsonWriter.quote(type)
                + ",\"param\":" + JsonWriter.quote(param) + ",\"code\":" + JsonWriter.quote(code) + "}}";
    }
}
