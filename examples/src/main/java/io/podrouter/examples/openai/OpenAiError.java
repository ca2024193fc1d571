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

    /** 404 {@code model_not_found}, as OpenAI and vLLM answer for a model they do not serve. */
    public static OpenAiError modelNotFound(String model) {
        return new OpenAiError(404, "invalid_request_error", "The model `" + model + "` does not exist.", "model",
                "model_not_found");
    }

    /** The JSON body. */
    public String toJson() {
        return "{\"error\":{\"message\":" + JsonWriter.quote(message) + ",\"type\":" + JsonWriter.quote(type)
                + ",\"param\":" + JsonWriter.quote(param) + ",\"code\":" + JsonWriter.quote(code) + "}}";
    }
}
