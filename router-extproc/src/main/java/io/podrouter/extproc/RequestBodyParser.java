package io.podrouter.extproc;

import io.podrouter.api.InferenceRequest;
import org.jspecify.annotations.Nullable;

import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.Map;

/**
 * Reads an OpenAI-style request body ({@code /v1/completions}, {@code /v1/chat/completions}) into the
 * {@link InferenceRequest} the router needs: {@code model} (required), the prompt text ({@code prompt}: a
 * string or an array of strings, joined by newlines; or the text of chat {@code messages}, whose content
 * is a string or an array of parts with {@code text}), token ids when {@code prompt} is an array of integers,
 * {@code max_tokens} (or {@code max_completion_tokens}) and {@code user} as the session key. Other fields
 * are the model server's business and are not looked at.
 *
 * <p>Stateless and thread-safe.
 */
final class RequestBodyParser {

    private RequestBodyParser() {
    }

    /** What the picker needs from a body: the request for the router and whether the client asked to stream. */
    record Parsed(InferenceRequest request, boolean stream) {
    }

    /**
     * Parses {@code body}.
     *
     * @param body    the whole request body; empty is invalid JSON
     * @param headers the request headers, passed on to the {@link InferenceRequest}
     * @throws BadRequestException when the body is not UTF-8 JSON, not an object, {@code model} is missing
     *                             or not a non-blank string, or a read field has the wrong type
     */
    static Parsed parse(byte[] body, Map<String, String> headers) throws BadRequestException {
        String text;
        try {
            text = StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(body)).toString();
        } catch (CharacterCodingException e) {
            throw new BadRequestException("request body: not UTF-8 (expected: a UTF-8 JSON object)");
        }
        Map<String, Object> json;
        try {
            json = JsonReader.parseObject(text);
        } catch (JsonParseException e) {
            throw new BadRequestException("request body: invalid JSON, " + e.getMessage() + " (expected: a JSON object)");
        }
        Object model = json.get("model");
        if (model == null || model == JsonReader.NULL) {
            throw new BadRequestException("model: missing in request body (expected: the model name)");
        }
        if (!(model instanceof String m) || m.isBlank()) {
            throw new BadRequestException("model: " + JsonReader.typeName(model)
                    + " (expected: a non-blank string)");
        }
        boolean stream = false;
        Object s = json.get("stream");
        if (s != null && s != JsonReader.NULL) {
            if (!(s instanceof Boolean b)) {
                throw new BadRequestException("stream: " + JsonReader.typeName(s) + " (expected: a boolean)");
            }
            stream = b;
        }
        String maxKey = json.containsKey("max_tokens") ? "max_tokens" : "max_completion_tokens";
        int maxTokens = wholeNumber(json.get(maxKey), maxKey);
        String prompt = null;
        int[] tokenIds = null;
        Object p = json.get("prompt");
        if (p instanceof String ps) {
            prompt = ps;
        } else if (p instanceof List<?> list && !list.isEmpty()) {
            if (list.get(0) instanceof Double) {
                tokenIds = tokenIds(list);
            } else {
                prompt = joinStrings(list, "prompt");
            }
        }
        Object messages = json.get("messages");
        if (prompt == null && tokenIds == null && messages instanceof List<?> list) {
            prompt = chatText(list);
        }
        Object user = json.get("user");
        String session = user instanceof String u && !u.isBlank() ? u : null;
        InferenceRequest request = new InferenceRequest(m, prompt, InferenceRequest.UNKNOWN, maxTokens, headers,
                tokenIds, session, null);
        return new Parsed(request, stream);
    }

    private static int wholeNumber(@Nullable Object v, String name) throws BadRequestException {
        if (v == null || v == JsonReader.NULL) {
            return InferenceRequest.UNKNOWN;
        }
        if (!(v instanceof Double d) || d < 0 || d >= Integer.MAX_VALUE || d != Math.rint(d)) {
            throw new BadRequestException(name + ": " + v + " (expected: a whole number >= 0)");
        }
        return (int) (double) d;
    }

    private static int[] tokenIds(List<?> list) throws BadRequestException {
        int[] ids = new int[list.size()];
        for (int i = 0; i < ids.length; i++) {
            Object o = list.get(i);
            if (!(o instanceof Double d) || d < 0 || d >= Integer.MAX_VALUE || d != Math.rint(d)) {
                throw new BadRequestException("prompt[" + i + "]: " + o + " (expected: a token id, a whole number >= 0)");
            }
            ids[i] = (int) (double) d;
        }
        return ids;
    }

    private static String joinStrings(List<?> list, String name) throws BadRequestException {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < list.size(); i++) {
            if (!(list.get(i) instanceof String s)) {
                throw new BadRequestException(name + "[" + i + "]: " + JsonReader.typeName(list.get(i))
                        + " (expected: a string)");
            }
            if (i > 0) {
                sb.append('\n');
            }
            sb.append(s);
        }
        return sb.toString();
    }

    /** The text of the chat messages, one per line; non-text parts (images, audio) are skipped. */
    private static String chatText(List<?> messages) {
        StringBuilder sb = new StringBuilder();
        for (Object o : messages) {
            if (!(o instanceof Map<?, ?> msg)) {
                continue;
            }
            Object content = msg.get("content");
            if (content instanceof String c) {
                appendLine(sb, c);
            } else if (content instanceof List<?> parts) {
                for (Object part : parts) {
                    if (part instanceof Map<?, ?> pm && pm.get("text") instanceof String t) {
                        appendLine(sb, t);
                    }
                }
            }
        }
        return sb.toString();
    }

    private static void appendLine(StringBuilder sb, String s) {
        if (sb.length() > 0) {
            sb.append('\n');
        }
        sb.append(s);
    }
}
