package io.podrouter.spring.gateway;

import io.podrouter.api.InferenceRequest;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class OpenAiRequestTest {

    private static OpenAiRequest parse(String json) throws OpenAiRequest.InvalidRequestException {
        return OpenAiRequest.parse(json.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void readsTheRoutingFieldsOfACompletionAndSkipsTheRest() throws Exception {
        OpenAiRequest r = parse("{\"temperature\":0.2,\"model\":\"m\",\"logit_bias\":{\"1\":[2,{\"x\":3}]},"
                + "\"prompt\":\"Once upon\",\"max_tokens\":12,\"stream\":true}");
        assertThat(r).isEqualTo(new OpenAiRequest("m", true, 12, "Once upon", null));
    }

    @Test
    void rendersChatMessagesSoThatTheNextTurnExtendsThePreviousOne() throws Exception {
        String turn1 = "{\"model\":\"m\",\"messages\":[{\"role\":\"system\",\"content\":\"Be brief.\"},"
                + "{\"role\":\"user\",\"content\":[{\"type\":\"text\",\"text\":\"hi\"},{\"type\":\"image_url\","
                + "\"image_url\":{\"url\":\"http://x/cat.png\"}}]}]}";
        String turn2 = turn1.replace("}]}]}", "}]},{\"role\":\"assistant\",\"content\":\"hello\"}]}");
        String p1 = parse(turn1).prompt();
        String p2 = parse(turn2).prompt();
        assertThat(p1).isEqualTo("system\nBe brief.\n\nuser\n<text>hi<image_url>http://x/cat.png\n\n");
        assertThat(p2).startsWith(p1).endsWith("assistant\nhello\n\n");
    }

    @Test
    void promptArraysAreJoinedTextOrTokenIds() throws Exception {
        assertThat(parse("{\"model\":\"m\",\"prompt\":[\"a\",\"b\"]}").prompt()).isEqualTo("a\nb");
        OpenAiRequest ids = parse("{\"model\":\"m\",\"prompt\":[1,2,3]}");
        assertThat(ids.tokenIds()).containsExactly(1, 2, 3);
        assertThat(ids.prompt()).isNull();
    }

    @Test
    void maxCompletionTokensCountsOnlyWithoutMaxTokensAndNullMeansAbsent() throws Exception {
        assertThat(parse("{\"model\":\"m\",\"max_completion_tokens\":7}").maxTokens()).isEqualTo(7);
        assertThat(parse("{\"model\":\"m\",\"max_tokens\":3,\"max_completion_tokens\":7}").maxTokens()).isEqualTo(3);
        assertThat(parse("{\"model\":\"m\",\"max_tokens\":null,\"stream\":null}"))
                .isEqualTo(new OpenAiRequest("m", false, InferenceRequest.UNKNOWN, null, null));
        assertThat(parse("{\"model\":\"m\",\"max_tokens\":5.0}").maxTokens()).isEqualTo(5);
    }

    @Test
    void buildsTheRoutingRequestAsTheExampleGatewayDoesPlusPromptAndSession() throws Exception {
        OpenAiRequest r = parse("{\"model\":\"m\",\"prompt\":\"abc\",\"max_tokens\":9}");
        InferenceRequest q = r.toInferenceRequest(41, "conv-1");
        assertThat(q).isEqualTo(InferenceRequest.forModel("m").withPromptTokens(10).withMaxOutputTokens(9)
                .withPrompt("abc").withSessionKey("conv-1"));
        assertThat(r.toInferenceRequest(41, " ").sessionKey()).as("blank header: no session").isNull();
        assertThatThrownBy(() -> r.toInferenceRequest(-1, null)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("bodyBytes: -1 (expected: >= 0)");
    }

    @Test
    void rejectsBodiesThatAreNotCompletionRequestsNamingTheField() {
        assertInvalid("", null, "empty body");
        assertInvalid("[1]", null, "not a JSON object");
        assertInvalid("{\"model\":\"m\"", null, "We could not parse");
        assertInvalid("{\"model\":\"m\"} {}", null, "data after the JSON object");
        assertInvalid("{\"prompt\":\"x\"}", "model", "you must provide a model parameter");
        assertInvalid("{\"model\":null}", "model", "you must provide a model parameter");
        assertInvalid("{\"model\":\"  \"}", "model", "blank");
        assertInvalid("{\"model\":3}", "model", "model: number (expected: a non-blank string)");
        assertInvalid("{\"model\":\"m\",\"model\":\"n\"}", null, "Duplicate");
        assertInvalid("{\"model\":\"m\",\"stream\":\"yes\"}", "stream", "stream: string (expected: a boolean)");
        assertInvalid("{\"model\":\"m\",\"max_tokens\":-1}", "max_tokens", "max_tokens: -1 (expected: a whole number >= 0)");
        assertInvalid("{\"model\":\"m\",\"max_tokens\":1.5}", "max_tokens", "expected: a whole number >= 0");
        assertInvalid("{\"model\":\"m\",\"max_tokens\":3000000000}", "max_tokens", "expected: a whole number >= 0");
        assertInvalid("{\"model\":\"m\",\"prompt\":[\"a\",1]}", "prompt", "expected: an array of strings or an array of token ids");
        assertInvalid("{\"model\":\"m\",\"prompt\":[-1]}", "prompt", "prompt[0]: -1");
        assertInvalid("{\"model\":\"m\",\"prompt\":{}}", "prompt", "prompt: object");
        assertInvalid("{\"model\":\"m\",\"messages\":\"hi\"}", "messages", "messages: string (expected: an array of messages)");
        assertInvalid("{\"model\":\"m\",\"messages\":[\"hi\"]}", "messages", "expected: message objects");
        assertInvalid("{\"model\":\"m\",\"x\":" + "[".repeat(100) + "]".repeat(100) + "}", null, "We could not parse");
    }

    private static void assertInvalid(String json, String param, String messagePart) {
        assertThatThrownBy(() -> parse(json)).isInstanceOfSatisfying(OpenAiRequest.InvalidRequestException.class, e -> {
            assertThat(e.getMessage()).contains(messagePart);
            assertThat(e.param()).isEqualTo(param);
        });
    }

    @Test
    void errorBodiesAreOpenAiShapedAndEchoAtMost64Characters() {
        OpenAiError e = OpenAiError.modelNotFound("x".repeat(100));
        assertThat(e.status()).isEqualTo(404);
        assertThat(e.toJson()).isEqualTo("{\"error\":{\"message\":\"The model `" + "x".repeat(64)
                + "...(100 characters)` does not exist.\",\"type\":\"invalid_request_error\",\"param\":\"model\","
                + "\"code\":\"model_not_found\"}}");
        assertThat(OpenAiError.quote("a\"\\\n\u0001\ud800")).isEqualTo("\"a\\\"\\\\\\n\\u0001\\ud800\"");
        assertThatThrownBy(() -> new OpenAiError(200, "t", "m", null, null)).hasMessage("status: 200 (expected: 400..599)");
    }
}
