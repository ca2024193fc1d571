package io.podrouter.spring.gateway;

import io.podrouter.api.InferenceRequest;
import org.jspecify.annotations.Nullable;
import tools.jackson.core.JacksonException;
import tools.jackson.core.JsonParser;
import tools.jackson.core.JsonToken;
import tools.jackson.core.ObjectReadContext;
import tools.jackson.core.StreamReadConstraints;
import tools.jackson.core.StreamReadFeature;
import tools.jackson.core.json.JsonFactory;

import java.util.Arrays;
import java.util.Objects;

/**
 * The fields of an OpenAI-style {@code /v1/completions} or {@code /v1/chat/completions} body that routing
 * uses, read with one pass of Jackson's streaming parser (no tree is built; fields routing does not need are
 * skipped).
 *
 * <p>The rules are those of the example gateway's request reader ({@code io.podrouter.examples.openai
 * .CompletionRequest}): {@code model} required, a non-blank string; {@code stream} a boolean; {@code max_tokens}
 * (or, without it, {@code max_completion_tokens}) a whole number in {@code [0, 2^31)}; a JSON {@code null}
 * counts as absent for the optional fields. Beyond that reader, for prefix-cache and session affinity: the
 * prompt text ({@code prompt} as a string, or an array of strings joined by newlines; an array of integers is
 * taken as token ids) and, for chat, the {@code messages} rendered as {@code role + "\n" + text + "\n\n"} per
 * message, where the text is a string content or the concatenated {@code text} parts of an array content
 * (other parts contribute their {@code type} and URL, so two images differ). The rendering only has to be
 * deterministic and prefix-preserving: a conversation's next turn renders to an extension of the previous one,
 * which is what a prefix-cache scorer matches.
 *
 * <p>Immutable; the parse method is thread-safe (the factory is shared, parsers are per call).
 *
 * @param model     the model requested; never blank
 * @param stream    whether the client asked for server-sent events
 * @param maxTokens the output limit, or {@link InferenceRequest#UNKNOWN}
 * @param prompt    the prompt text (completions) or rendered messages (chat), or null when the body has neither
 * @param tokenIds  the prompt as token ids when the body sends it so, or null
 */
record OpenAiRequest(String model, boolean stream, int maxTokens, @Nullable String prompt, int @Nullable [] tokenIds) {

    /** Deepest nesting accepted (a hostile body cannot make the parser recurse deeply). */
    static final int MAX_DEPTH = 64;

    private static final JsonFactory JSON = JsonFactory.builder()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION) // two "model" fields would make routing ambiguous
            .streamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(MAX_DEPTH).build())
            .build();

    OpenAiRequest {
        Objects.requireNonNull(model, "model: null (expected: a model name)");
        if (model.isBlank()) {
            throw new IllegalArgumentException("model: blank (expected: a model name)");
        }
    }

    /**
     * The routing request, built as the example gateway builds it (the model, {@code promptTokens} estimated
     * as a quarter of the body's bytes, {@code max_tokens} as the output limit) plus the prompt, token ids and
     * session key.
     *
     * @param bodyBytes  the body's length in bytes, &gt;= 0
     * @param sessionKey the session key from the configured header, or null; blank counts as none
     */
    InferenceRequest toInferenceRequest(int bodyBytes, @Nullable String sessionKey) {
        if (bodyBytes < 0) {
            throw new IllegalArgumentException("bodyBytes: " + bodyBytes + " (expected: >= 0)");
        }
        return InferenceRequest.forModel(model)
                .withPromptTokens(bodyBytes / 4) // the example gateway's estimate: about 4 bytes of JSON per token
                .withMaxOutputTokens(maxTokens)
                .withPrompt(prompt)
                .withTokenIds(tokenIds)
                .withSessionKey(sessionKey == null || sessionKey.isBlank() ? null : sessionKey);
    }

    /**
     * Reads the routing fields of a request body.
     *
     * @param body the body, UTF-8 JSON; null throws {@link NullPointerException}
     * @throws InvalidRequestException when the body is not one JSON object, a key is repeated, {@code model} is
     *                                 missing, not a string or blank, {@code stream} is not a boolean,
     *                                 {@code max_tokens} is not a whole number in {@code [0, 2^31)}, {@code prompt}
     *                                 is not a string or an array of strings or of integers, or {@code messages} is
     *                                 not an array of objects
     */
    static OpenAiRequest parse(byte[] body) throws InvalidRequestException {
        Objects.requireNonNull(body, "body: null (expected: the request body)");
        try (JsonParser p = JSON.createParser(ObjectReadContext.empty(), body)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                throw new InvalidRequestException("We could not parse the JSON body of your request: "
                        + (body.length == 0 ? "empty body" : "not a JSON object") + " (expected: a JSON object)", null);
            }
            String model = null;
            boolean modelSeen = false;
            boolean stream = false;
            int maxTokens = InferenceRequest.UNKNOWN;
            int maxCompletionTokens = InferenceRequest.UNKNOWN;
            boolean maxTokensSeen = false;
            String prompt = null;
            int[] tokenIds = null;
            String messages = null;
            for (JsonToken t = p.nextToken(); t != JsonToken.END_OBJECT; t = p.nextToken()) {
                String name = p.currentName();
                JsonToken v = p.nextToken();
                switch (name) {
                    case "model" -> {
                        modelSeen = v != JsonToken.VALUE_NULL;
                        if (v == JsonToken.VALUE_STRING) {
                            model = p.getString();
                        } else if (v != JsonToken.VALUE_NULL) {
                            throw new InvalidRequestException("model: " + typeName(v) + " (expected: a non-blank string)", "model");
                        }
                    }
                    case "stream" -> {
                        if (v == JsonToken.VALUE_TRUE || v == JsonToken.VALUE_FALSE) {
                            stream = v == JsonToken.VALUE_TRUE;
                        } else if (v != JsonToken.VALUE_NULL) {
                            throw new InvalidRequestException("stream: " + typeName(v) + " (expected: a boolean)", "stream");
                        }
                    }
                    case "max_tokens" -> {
                        maxTokens = wholeNumber(p, v, name);
                        maxTokensSeen = true;
                    }
                    case "max_completion_tokens" -> maxCompletionTokens = wholeNumber(p, v, name);
                    case "prompt" -> {
                        if (v == JsonToken.VALUE_STRING) {
                            prompt = p.getString();
                        } else if (v == JsonToken.START_ARRAY) {
                            Object parsed = promptArray(p);
                            if (parsed instanceof int[] ids) {
                                tokenIds = ids;
                            } else {
                                prompt = (String) parsed;
                            }
                        } else if (v != JsonToken.VALUE_NULL) {
                            throw new InvalidRequestException("prompt: " + typeName(v)
                                    + " (expected: a string, an array of strings or an array of token ids)", "prompt");
                        }
                    }
                    case "messages" -> {
                        if (v == JsonToken.START_ARRAY) {
                            messages = renderMessages(p);
                        } else if (v != JsonToken.VALUE_NULL) {
                            throw new InvalidRequestException("messages: " + typeName(v) + " (expected: an array of messages)",
                                    "messages");
                        }
                    }
                    default -> p.skipChildren();
                }
            }
            if (p.nextToken() != null) {
                throw new InvalidRequestException("We could not parse the JSON body of your request: data after the JSON "
                        + "object (expected: end of input)", null);
            }
            if (!modelSeen) {
                throw new InvalidRequestException("you must provide a model parameter", "model");
            }
            if (model == null || model.isBlank()) {
                throw new InvalidRequestException("model: string (blank) (expected: a non-blank string)", "model");
            }
            int max = maxTokensSeen ? maxTokens : maxCompletionTokens;
            return new OpenAiRequest(model, stream, max, messages != null ? messages : prompt, tokenIds);
        } catch (JacksonException e) {
            throw new InvalidRequestException("We could not parse the JSON body of your request: " + e.getOriginalMessage(), null);
        }
    }

    private static int wholeNumber(JsonParser p, JsonToken v, String name) throws InvalidRequestException {
        if (v == JsonToken.VALUE_NULL) {
            return InferenceRequest.UNKNOWN;
        }
        if (v == JsonToken.VALUE_NUMBER_INT || v == JsonToken.VALUE_NUMBER_FLOAT) {
            double d = p.getDoubleValue();
            if (d >= 0 && d < Integer.MAX_VALUE && d == Math.rint(d)) {
                return (int) d;
            }
            throw new InvalidRequestException(name + ": " + p.getText() + " (expected: a whole number >= 0)", name);
        }
        throw new InvalidRequestException(name + ": " + typeName(v) + " (expected: a whole number >= 0)", name);
    }

    /** An array prompt: all strings (joined by newlines) or all integers (token ids); the parser is on START_ARRAY. */
    private static Object promptArray(JsonParser p) throws InvalidRequestException {
        StringBuilder text = null;
        int[] ids = null;
        int n = 0;
        for (JsonToken t = p.nextToken(); t != JsonToken.END_ARRAY; t = p.nextToken()) {
            if (t == JsonToken.VALUE_STRING && ids == null) {
                text = text == null ? new StringBuilder() : text.append('\n');
                text.append(p.getString());
            } else if (t == JsonToken.VALUE_NUMBER_INT && text == null) {
                ids = ids == null ? new int[16] : ids.length == n ? Arrays.copyOf(ids, n * 2) : ids;
                long id = p.getLongValue();
                if (id < 0 || id > Integer.MAX_VALUE) {
                    throw new InvalidRequestException("prompt[" + n + "]: " + id + " (expected: a token id in [0, 2^31))", "prompt");
                }
                ids[n++] = (int) id;
            } else {
                throw new InvalidRequestException("prompt: array with " + typeName(t)
                        + " (expected: an array of strings or an array of token ids)", "prompt");
            }
        }
        if (ids != null) {
            return Arrays.copyOf(ids, n);
        }
        return text == null ? "" : text.toString();
    }

    /** Renders the messages array; the parser is on START_ARRAY and ends on its END_ARRAY. */
    private static String renderMessages(JsonParser p) throws InvalidRequestException {
        StringBuilder out = new StringBuilder();
        for (JsonToken t = p.nextToken(); t != JsonToken.END_ARRAY; t = p.nextToken()) {
            if (t != JsonToken.START_OBJECT) {
                throw new InvalidRequestException("messages: array with " + typeName(t) + " (expected: message objects)",
                        "messages");
            }
            String role = "";
            StringBuilder content = new StringBuilder();
            for (JsonToken f = p.nextToken(); f != JsonToken.END_OBJECT; f = p.nextToken()) {
                String name = p.currentName();
                JsonToken v = p.nextToken();
                if ("role".equals(name) && v == JsonToken.VALUE_STRING) {
                    role = p.getString();
                } else if ("content".equals(name) && v == JsonToken.VALUE_STRING) {
                    content.append(p.getString());
                } else if ("content".equals(name) && v == JsonToken.START_ARRAY) {
                    contentParts(p, content);
                } else {
                    p.skipChildren();
                }
            }
            out.append(role).append('\n').append(content).append("\n\n");
        }
        return out.toString();
    }

    /** Appends an array content's parts; the parser is on START_ARRAY and ends on its END_ARRAY. */
    private static void contentParts(JsonParser p, StringBuilder content) {
        for (JsonToken t = p.nextToken(); t != JsonToken.END_ARRAY; t = p.nextToken()) {
            if (t == JsonToken.VALUE_STRING) {
                content.append(p.getString());
                continue;
            }
            if (t != JsonToken.START_OBJECT) {
                p.skipChildren();
                continue;
            }
            for (JsonToken f = p.nextToken(); f != JsonToken.END_OBJECT; f = p.nextToken()) {
                String name = p.currentName();
                JsonToken v = p.nextToken();
                if (v == JsonToken.VALUE_STRING && ("text".equals(name) || "type".equals(name) || "url".equals(name))) {
                    content.append("type".equals(name) ? "<" + p.getString() + ">" : p.getString());
                } else if (v == JsonToken.START_OBJECT) {
                    // image_url: {"url": ...}, input_audio: {...}: the nested URL distinguishes two media parts
                    for (JsonToken g = p.nextToken(); g != JsonToken.END_OBJECT; g = p.nextToken()) {
                        String inner = p.currentName();
                        JsonToken iv = p.nextToken();
                        if (iv == JsonToken.VALUE_STRING && "url".equals(inner)) {
                            content.append(p.getString());
                        } else {
                            p.skipChildren();
                        }
                    }
                } else {
                    p.skipChildren();
                }
            }
        }
    }

    private static String typeName(@Nullable JsonToken t) {
        if (t == null) {
            return "end of input";
        }
        return switch (t) {
            case START_OBJECT -> "object";
            case START_ARRAY -> "array";
            case VALUE_STRING -> "string";
            case VALUE_NUMBER_INT, VALUE_NUMBER_FLOAT -> "number";
            case VALUE_TRUE, VALUE_FALSE -> "boolean";
            case VALUE_NULL -> "null";
            default -> t.name();
        };
    }

    /** Equal when every component is, token ids by content. */
    @Override
    public boolean equals(@Nullable Object o) {
        return o instanceof OpenAiRequest r && model.equals(r.model) && stream == r.stream && maxTokens == r.maxTokens
                && Objects.equals(prompt, r.prompt) && Arrays.equals(tokenIds, r.tokenIds);
    }

    @Override
    public int hashCode() {
        return Objects.hash(model, stream, maxTokens, prompt, Arrays.hashCode(tokenIds));
    }

    @Override
    public String toString() {
        return "OpenAiRequest[model=" + model + ", stream=" + stream + ", maxTokens=" + maxTokens + ", prompt="
                + (prompt == null ? "null" : prompt.length() + " chars") + ", tokenIds="
                + (tokenIds == null ? "null" : tokenIds.length + " ids") + "]";
    }

    /** A body that cannot be served as sent; the message is for the client, {@link #param()} names the field. */
    static final class InvalidRequestException extends Exception {
        private static final long serialVersionUID = 1L;
        private final @Nullable String param;

        InvalidRequestException(String message, @Nullable String param) {
            super(message);
            this.param = param;
        }

        @Nullable String param() {
            return param;
        }
    }
}
