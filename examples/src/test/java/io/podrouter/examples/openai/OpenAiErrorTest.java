package io.podrouter.examples.openai;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class OpenAiErrorTest {

    @Test
    void truncateKeepsShortInputAndCutsLongInputMarkingItsLength() {
        assertThat(OpenAiError.truncate("llama-3-8b")).isEqualTo("llama-3-8b");
        assertThat(OpenAiError.truncate("")).isEmpty();
        assertThat(OpenAiError.truncate(null)).isEqualTo("null");
        String exactly = "x".repeat(OpenAiError.MAX_ECHO_CHARS);
        assertThat(OpenAiError.truncate(exactly)).isEqualTo(exactly);
        assertThat(OpenAiError.truncate("y".repeat(900_000))).isEqualTo("y".repeat(64) + "...(900000 characters)");
    }

    @Test
    void modelNotFoundEchoesTheModelTruncated() {
        OpenAiError e = OpenAiError.modelNotFound("m".repeat(1000));
        assertThat(e.status()).isEqualTo(404);
        assertThat(e.code()).isEqualTo("model_not_found");
        assertThat(e.message()).hasSizeLessThan(150).contains("1000 characters");
        assertThat(OpenAiError.modelNotFound("gpt-x").message()).isEqualTo("The model `gpt-x` does not exist.");
    }
}
