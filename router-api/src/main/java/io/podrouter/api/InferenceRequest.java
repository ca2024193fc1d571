package io.podrouter.api;

import java.util.Map;
import java.util.Objects;

/**
 * What the router knows about one inference request when it picks a pod.
 *
 * <p>Immutable and thread-safe. Only {@code model} is required; strategies that need more (prompt text
 * for prefix-aware routing, token counts for latency estimates, headers for session affinity) use
 * what is there and document what they do without it.
 *
 * <p>Validation: {@code model} must be non-null and not blank; {@code prompt} may be null (unknown);
 * {@code promptTokens} and {@code maxOutputTokens} are -1 when unknown and otherwise must be &gt;= 0
 * ({@link IllegalArgumentException} for other negatives); {@code headers} may be null (none) and is
 * copied.
 *
 * @param model           the model name from the request body ({@code "model"} in OpenAI's API)
 * @param prompt          the prompt text, or null when the gateway does not pass it
 * @param promptTokens    the prompt length in tokens, or -1 when unknown
 * @param maxOutputTokens the request's output limit ({@code max_tokens}), or -1 when unknown
 * @param headers         request headers that matter for routing; never null after construction
 */
public record InferenceRequest(String model, String prompt, int promptTokens, int maxOutputTokens,
                               Map<String, String> headers) {

    /** The value of an unknown token count. */
    public static final int UNKNOWN = -1;

    public InferenceRequest {
        Objects.requireNonNull(model, "model: null (expected: the requested model name)");
        if (model.isBlank()) {
            throw new IllegalArgumentException("model: blank (expected: the requested model name)");
        }
        if (promptTokens < UNKNOWN) {
            throw new IllegalArgumentException("promptTokens: " + promptTokens + " (expected: >= 0, or -1 for unknown)");
        }
        if (maxOutputTokens < UNKNOWN) {
            throw new IllegalArgumentException("maxOutputTokens: " + maxOutputTokens + " (expected: >= 0, or -1 for unknown)");
        }
        headers = headers == null ? Map.of() : Map.copyOf(headers);
    }

    /** A request for {@code model} with nothing else known. */
    public static InferenceRequest forModel(String model) {
        return new InferenceRequest(model, null, UNKNOWN, UNKNOWN, Map.of());
    }

    public InferenceRequest withPrompt(String newPrompt) {
        return new InferenceRequest(model, newPrompt, promptTokens, maxOutputTokens, headers);
    }

    public InferenceRequest withPromptTokens(int tokens) {
        return new InferenceRequest(model, prompt, tokens, maxOutputTokens, headers);
    }

    public InferenceRequest withMaxOutputTokens(int tokens) {
        return new InferenceRequest(model, prompt, promptTokens, tokens, headers);
    }

    public InferenceRequest withHeaders(Map<String, String> newHeaders) {
        return new InferenceRequest(model, prompt, promptTokens, maxOutputTokens, newHeaders);
    }
}
