package io.podrouter.examples.openai;

import io.podrouter.extproc.JsonParseException;
import io.podrouter.extproc.JsonReader;

import java.util.Map;
import java.util.Objects;

/**
 * The fields of an OpenAI-style {@code /v1/completions} or {@code /v1/chat/completions} request body
 * that routing and the fake backends need; every other field is left to the backend.
 *
 * @param model     the model requested; never null or blank
 * @param stream    whether the client asked for server-sent events ({@code "stream": true})
 * @param maxTokens {@code max_tokens} (or {@code max_completion_tokens}), or {@link #UNSPECIFIED}
 */
public record CompletionRequest(String model, boolean stream, int maxTokens) {

    /** {@link #maxTokens()} when the request does not say. */
    public static final int UNSPECIFIED = -1;

    public CompletionRequest {
        Objects.requireNonNull(model, "model: null (expected: a model name)");
        if (model.isBlank()) {
            throw new IllegalArgumentException("model: blank (expected: a model name)");
        }
        if (maxTokens < UNSPECIFIED) {
            throw new IllegalArgumentException("maxTokens: " + maxTokens + " (expected: >= 0, or UNSPECIFIED)");
        }
    }

    /**
     * Reads the routing fields from a request body. A JSON {@code null} counts as absent for the
     * optional fields.
     *
     * @param body the body as text; null throws {@link NullPointerException}
     * @throws InvalidRequestException when the body is not a JSON object, {@code model} is missing, not a
     *                                 string or blank, {@code stream} is not a boolean, or {@code max_tokens}
     *                                 is not a whole number in {@code [0, 2^31)}
     */
    public static CompletionRequest parse(String body) throws InvalidRequestException {
        Objects.requireNonNull(body, "body: null (expected: the request body)");
        Map<String, Object> json;
        try {
            json = JsonReader.parseObject(body);
        } catch (JsonParseException e) {
            throw new InvalidRequestException("We could not parse the JSON body of your request: " + e.getMessage(), null);
        }
        Object model = json.get("model");
        if (model == null || model == JsonReader.NULL) {
            throw new InvalidRequestException("you must provide a model parameter", "model");
        }
        if (!(model instanceof String) || ((String) model).isBlank()) {
            throw new InvalidRequestException("model: " + JsonReader.typeName(model)
                    + (model instanceof String ? " (blank)" : "") + " (expected: a non-blank string)", "model");
        }
        Object stream = json.get("stream");
        boolean streaming = false;
        if (stream != null && stream != JsonReader.NULL) {
            if (!(stream instanceof Boolean)) {
                throw new InvalidRequestException("stream: " + JsonReader.typeName(stream) + " (expected: a boolean)", "stream");
            }
            streaming = (Boolean) stream;
        }
        int maxTokens = UNSPECIFIED;
        String maxKey = json.containsKey("max_tokens") ? "max_tokens" : "max_completion_tokens";
        Object max = json.get(maxKey);
        if (max != null && max != JsonReader.NULL) {
            if (!(max instanceof Double) || (Double) max < 0 || (Double) max >= Integer.MAX_VALUE
                    || (Double) max != Math.rint((Double) max)) {
                throw new InvalidRequestException(maxKey + ": " + max + " (expected: a whole number >= 0)", maxKey);
            }
            maxTokens = (int) (double) (Double) max;
        }
        return new CompletionRequest((String) model, streaming, maxTokens);
    }
}
