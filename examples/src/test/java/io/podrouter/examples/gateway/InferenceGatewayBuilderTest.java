package io.podrouter.examples.gateway;

import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

class InferenceGatewayBuilderTest {

    @Test
    void timeoutsMustBePositive() {
        InferenceGateway.Builder b = InferenceGateway.builder();
        assertThatThrownBy(() -> b.responseHeadersTimeout(Duration.ZERO)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("responseHeadersTimeout: PT0S (expected: > 0)");
        assertThatThrownBy(() -> b.streamIdleTimeout(Duration.ofMillis(-1))).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("streamIdleTimeout: PT-0.001S (expected: > 0)");
        assertThatThrownBy(() -> b.totalTimeout(null)).isInstanceOf(NullPointerException.class)
                .hasMessage("totalTimeout: null (expected: > 0)");
        assertThatThrownBy(() -> b.requestReadTimeout(Duration.ZERO)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("requestReadTimeout: ");
        assertThatThrownBy(() -> b.idleConnectionTimeout(Duration.ZERO)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("idleConnectionTimeout: ");
        assertThatThrownBy(() -> b.connectTimeout(Duration.ZERO)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("connectTimeout: ");
    }

    @Test
    void limitsAndRetrySettingsAreRangeChecked() {
        InferenceGateway.Builder b = InferenceGateway.builder();
        assertThatThrownBy(() -> b.maxRetries(-1)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("maxRetries: -1 (expected: 0..3)");
        assertThatThrownBy(() -> b.maxRetries(4)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> b.retryBudget(Double.NaN, 3)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("percent: NaN (expected: 0..100)");
        assertThatThrownBy(() -> b.retryBudget(20, -1)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("minConcurrent: -1 (expected: >= 0)");
        assertThatThrownBy(() -> b.maxHeaderBytes(1023)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("maxHeaderBytes: 1023 (expected: >= 1024)");
        assertThatThrownBy(() -> b.maxRequestBytes(0)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("maxRequestBytes: 0 (expected: >= 1)");
        assertThatThrownBy(() -> b.ioThreads(0)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("ioThreads: 0 (expected: >= 1)");
        assertThatThrownBy(() -> b.port(65536)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("port: 65536 (expected: 0..65535)");
    }

    @Test
    void percentDecodingOfModelIds() {
        org.assertj.core.api.Assertions.assertThat(GatewayRoutes.percentDecode("meta-llama%2FLlama-3.1-8B"))
                .isEqualTo("meta-llama/Llama-3.1-8B");
        org.assertj.core.api.Assertions.assertThat(GatewayRoutes.percentDecode("a+b")).isEqualTo("a+b");
        org.assertj.core.api.Assertions.assertThat(GatewayRoutes.percentDecode("caf%C3%A9")).isEqualTo("café");
        org.assertj.core.api.Assertions.assertThat(GatewayRoutes.percentDecode("%zz")).isNull();
        org.assertj.core.api.Assertions.assertThat(GatewayRoutes.percentDecode("bad%2")).isNull();
        org.assertj.core.api.Assertions.assertThat(GatewayRoutes.percentDecode("")).isEmpty();
    }
}
