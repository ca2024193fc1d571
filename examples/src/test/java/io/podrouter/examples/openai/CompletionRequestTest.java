package io.podrouter.examples.openai;

import io.podrouter.extproc.JsonReader;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class CompletionRequestTest {

    @Test
    void readsModelStreamAndMaxTokens() throws Exception {
        assertThat(CompletionRequest.parse("{\"model\":\"llama\",\"stream\":true,\"max_tokens\":32,\"prompt\":\"x\"}"))
                .isEqualTo(new CompletionRequest("llama", true, 32));
        assertThat(CompletionRequest.parse("{\"model\":\"llama\",\"max_completion_tokens\":5}"))
                .isEqualTo(new CompletionRequest("llama", false, 5));
        assertThat(CompletionRequest.parse("{\"model\":\"llama\",\"stream\":null,\"max_tokens\":null}"))
                .isEqualTo(new CompletionRequest("llama", false, CompletionRequest.UNSPECIFIED));
    }

    @Test
    void rejectsMissingOrMistypedFieldsNamingTheField() {
        assertThatThrownBy(() -> CompletionRequest.parse("{\"prompt\":\"x\"}")).isInstanceOf(InvalidRequestException.class)
                .hasMessage("you must provide a model parameter")
                .extracting(e -> ((InvalidRequestException) e).param()).isEqualTo("model");
        assertThatThrownBy(() -> CompletionRequest.parse("{\"model\":null}")).hasMessage("you must provide a model parameter");
        assertThatThrownBy(() -> CompletionRequest.parse("{\"model\":\"  \"}")).hasMessageContaining("blank");
        assertThatThrownBy(() -> CompletionRequest.parse("{\"model\":[\"a\"]}")).hasMessageContaining("model: an array");
        assertThatThrownBy(() -> CompletionRequest.parse("{\"model\":\"m\",\"stream\":1}")).hasMessageContaining("stream: a number");
        assertThatThrownBy(() -> CompletionRequest.parse("{\"model\":\"m\",\"max_tokens\":1.5}")).hasMessageContaining("max_tokens");
        assertThatThrownBy(() -> CompletionRequest.parse("{\"model\":\"m\",\"max_tokens\":-1}")).hasMessageContaining("max_tokens");
        assertThatThrownBy(() -> CompletionRequest.parse("{\"model\":\"m\",\"max_tokens\":1e12}")).hasMessageContaining("max_tokens");
        assertThatThrownBy(() -> CompletionRequest.parse("not json")).isInstanceOf(InvalidRequestException.class)
                .hasMessageContaining("could not parse the JSON body")
                .extracting(e -> ((InvalidRequestException) e).param()).isNull();
    }

    @Test
    void errorObjectsAreOpenAiShapedJson() throws Exception {
        Map<String, Object> body = JsonReader.parseObject(OpenAiError.modelNotFound("we\"ird").toJson());
        assertThat(body).containsOnlyKeys("error");
        @SuppressWarnings("unchecked")
        Map<String, Object> error = (Map<String, Object>) body.get("error");
        assertThat(error).containsEntry("type", "invalid_request_error")
                .containsEntry("code", "model_not_found").containsEntry("param", "model")
                .containsEntry("message", "The model `we\"ird` does not exist.");
        assertThat(JsonReader.parseObject(new OpenAiError(503, "service_unavailable", "busy", null, null).toJson()).get("error"))
                .isEqualTo(Map.of("message", "busy", "type", "service_unavailable", "param", JsonReader.NULL, "code", JsonReader.NULL));
        assertThatThrownBy(() -> new OpenAiError(200, "t", "m", null, null)).hasMessage("status: 200 (expected: 400..599)");
    }
}
