package io.podrouter.api;

import org.jspecify.annotations.Nullable;

import java.util.Arrays;
import java.util.Map;
import java.util.Objects;

/**
 * What the router knows about one inference request when it picks a pod.
 *
 * <p>Immutable and thread-safe. Only {@code model} is required; strategies that need more (prompt text
 * or token ids for prefix-aware routing, token counts for load and latency estimates, a session key for
 * session affinity, a LoRA adapter for adapter affinity) use what is there and document what they do
 * without it.
 *
 * <p>Validation: {@code model} must be non-null and not blank; {@code prompt} may be null (unknown);
 * {@code promptTokens} and {@code maxOutputTokens} are -1 when unknown and otherwise must be &gt;= 0
 * ({@link IllegalArgumentException} for other negatives); {@code headers} may be null (none) and is
 * copied; {@code tokenIds} may be null (unknown) and is copied (read it without copying through
 * {@link #tokenIdCount()} and {@link #tokenIdAt(int)}); {@code sessionKey} and {@code loraAdapter} may be
 * null (none) but not blank.
 *
 * @param model           the model name from the request body ({@code "model"} in OpenAI's API)
 * @param prompt          the prompt text (for chat, the rendered messages), or null when the gateway does not pass it
 * @param promptTokens    the prompt length in tokens, or -1 when unknown
 * @param maxOutputTokens the request's output limit ({@code max_tokens}), or -1 when unknown
 * @param headers         request headers that matter for routing; never null after construction
 * @param tokenIds        the prompt's token ids when the gateway tokenizes, or null
 * @param sessionKey      a key that should keep landing on the same pod (a conversation or user id), or null
 * @param loraAdapter     the LoRA adapter the request asks for, or null for the base model
 */
public record InferenceRequest(String model, @Nullable String prompt, int promptTokens, int maxOutputTokens,
                               Map<String, String> headers, int @Nullable [] tokenIds, @Nullable String sessionKey,
                               @Nullable String loraAdapter) {

    /** The value of an unknown token count. */
    public static final int UNKNOWN = -1;

    /**
     * Output tokens assumed for token-load accounting when {@code maxOutputTokens} is unknown: 256, the
     * output length of the shared-prefix benchmark workloads (inference-perf, llm-d-benchmark) and a
     * typical chat answer. The output limit itself, when known, is an upper bound and is used as is.
     */
    public static final int DEFAULT_OUTPUT_TOKENS_ESTIMATE = 256;

    /** Characters per token assumed when only the prompt text is known: 4, the usual figure for English BPE tokenizers. */
    public static final int CHARS_PER_TOKEN_ESTIMATE = 4;

    /**
     * Validates and copies; see the class documentation for what each argument accepts.
     *
     * @param headers null means none (the component is then empty)
     */
    public InferenceRequest(String model, @Nullable String prompt, int promptTokens, int maxOutputTokens,
                            @Nullable Map<String, String> headers, int @Nullable [] tokenIds,
                            @Nullable String sessionKey, @Nullable String loraAdapter) {
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
        if (sessionKey != null && sessionKey.isBlank()) {
            throw new IllegalArgumentException("sessionKey: blank (expected: null for none, or a non-blank key)");
        }
        if (loraAdapter != null && loraAdapter.isBlank()) {
            throw new IllegalArgumentException("loraAdapter: blank (expected: null for the base model, or an adapter name)");
        }
        this.model = model;
        this.prompt = prompt;
        this.promptTokens = promptTokens;
        this.maxOutputTokens = maxOutputTokens;
        this.headers = headers == null ? Map.of() : Map.copyOf(headers);
        this.tokenIds = tokenIds == null ? null : tokenIds.clone();
        this.sessionKey = sessionKey;
        this.loraAdapter = loraAdapter;
    }

    /** A request with the fields known before token ids, sessions and adapters were added; those are null. */
    public InferenceRequest(String model, @Nullable String prompt, int promptTokens, int maxOutputTokens,
                            @Nullable Map<String, String> headers) {
        this(model, prompt, promptTokens, maxOutputTokens, headers, null, null, null);
    }

    /** A request for {@code model} with nothing else known. */
    public static InferenceRequest forModel(String model) {
        return new InferenceRequest(model, null, UNKNOWN, UNKNOWN, Map.of());
    }

    /** This request with the prompt text (null for unknown). */
    public InferenceRequest withPrompt(@Nullable String newPrompt) {
        return new InferenceRequest(model, newPrompt, promptTokens, maxOutputTokens, headers, tokenIds, sessionKey, loraAdapter);
    }

    /** This request with the prompt length in tokens ({@value #UNKNOWN} for unknown; other negatives throw). */
    public InferenceRequest withPromptTokens(int tokens) {
        return new InferenceRequest(model, prompt, tokens, maxOutputTokens, headers, tokenIds, sessionKey, loraAdapter);
    }

    /** This request with the output limit ({@value #UNKNOWN} for unknown; other negatives throw). */
    public InferenceRequest withMaxOutputTokens(int tokens) {
        return new InferenceRequest(model, prompt, promptTokens, tokens, headers, tokenIds, sessionKey, loraAdapter);
    }

    /** This request with the headers (copied; null means none). */
    public InferenceRequest withHeaders(@Nullable Map<String, String> newHeaders) {
        return new InferenceRequest(model, prompt, promptTokens, maxOutputTokens, newHeaders, tokenIds, sessionKey, loraAdapter);
    }

    /** This request with the prompt's token ids (copied; null for unknown). {@code promptTokens} is not changed. */
    public InferenceRequest withTokenIds(int @Nullable [] ids) {
        return new InferenceRequest(model, prompt, promptTokens, maxOutputTokens, headers, ids, sessionKey, loraAdapter);
    }

    /** This request with a session key (null for none; blank throws). */
    public InferenceRequest withSessionKey(@Nullable String key) {
        return new InferenceRequest(model, prompt, promptTokens, maxOutputTokens, headers, tokenIds, key, loraAdapter);
    }

    /** This request asking for a LoRA adapter (null for the base model; blank throws). */
    public InferenceRequest withLoraAdapter(@Nullable String adapter) {
        return new InferenceRequest(model, prompt, promptTokens, maxOutputTokens, headers, tokenIds, sessionKey, adapter);
    }

    /** A copy of the token ids, or null when unknown. Allocates: on a hot path use {@link #tokenIdAt}. */
    @Override
    public int @Nullable [] tokenIds() {
        return tokenIds == null ? null : tokenIds.clone();
    }

    /** Number of token ids, or -1 when the request carries none (null). */
    public int tokenIdCount() {
        return tokenIds == null ? UNKNOWN : tokenIds.length;
    }

    /**
     * Token id {@code i}, without a copy.
     *
     * @throws IndexOutOfBoundsException when {@code i} is outside 0..tokenIdCount()-1 or there are no ids
     */
    public int tokenIdAt(int i) {
        if (tokenIds == null) {
            throw new IndexOutOfBoundsException("tokenIds: null (expected: a request that carries token ids)");
        }
        return tokenIds[i];
    }

    /**
     * The prompt length in tokens as best known: {@code promptTokens} when known, else the number of
     * token ids, else the prompt's characters divided by {@value #CHARS_PER_TOKEN_ESTIMATE} (rounded up),
     * else 0.
     */
    public int estimatedPromptTokens() {
        if (promptTokens >= 0) {
            return promptTokens;
        }
        if (tokenIds != null) {
            return tokenIds.length;
        }
        return prompt == null ? 0 : (prompt.length() + CHARS_PER_TOKEN_ESTIMATE - 1) / CHARS_PER_TOKEN_ESTIMATE;
    }

    /** {@code maxOutputTokens} when known, else {@value #DEFAULT_OUTPUT_TOKENS_ESTIMATE}. */
    public int estimatedOutputTokens() {
        return maxOutputTokens >= 0 ? maxOutputTokens : DEFAULT_OUTPUT_TOKENS_ESTIMATE;
    }

    /** Equal when every component is, token ids compared by content. */
    @Override
    public boolean equals(@Nullable Object o) {
        return o instanceof InferenceRequest r && model.equals(r.model) && Objects.equals(prompt, r.prompt)
                && promptTokens == r.promptTokens && maxOutputTokens == r.maxOutputTokens && headers.equals(r.headers)
                && Arrays.equals(tokenIds, r.tokenIds) && Objects.equals(sessionKey, r.sessionKey)
                && Objects.equals(loraAdapter, r.loraAdapter);
    }

    @Override
    public int hashCode() {
        return Objects.hash(model, prompt, promptTokens, maxOutputTokens, headers, Arrays.hashCode(tokenIds),
                sessionKey, loraAdapter);
    }

    @Override
    public String toString() {
        return "InferenceRequest[model=" + model + ", prompt=" + (prompt == null ? "null" : prompt.length() + " chars")
                + ", promptTokens=" + promptTokens + ", maxOutputTokens=" + maxOutputTokens + ", headers=" + headers.keySet()
                + ", tokenIds=" + (tokenIds == null ? "null" : tokenIds.length + " ids") + ", sessionKey=" + sessionKey
                + ", loraAdapter=" + loraAdapter + "]";
    }
}
