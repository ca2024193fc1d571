package io.podrouter.extproc;

import io.podrouter.api.InferenceRequest;
import io.podrouter.api.Pod;
import io.podrouter.api.PodSelector;
import io.podrouter.extproc.proto.Metadata;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** What the builders, the body parser and the subset hint accept and reject, and the messages they give. */
class ValidationTest {

    private static final Instant T = Instant.parse("2026-01-01T00:00:00Z");

    @Test
    void pickerBuilderRejectsOutOfRangeSettingsAndMissingParts() {
        EndpointPicker.Builder b = EndpointPicker.builder();
        assertThatThrownBy(() -> b.fallbacks(8)).hasMessage("fallbacks: 8 (expected: 0..7)");
        assertThatThrownBy(() -> b.fallbacks(-1)).hasMessage("fallbacks: -1 (expected: 0..7)");
        assertThatThrownBy(() -> b.maxRequestBodyBytes(0)).hasMessage("maxRequestBodyBytes: 0 (expected: >= 1)");
        assertThatThrownBy(() -> b.maxResponseBufferBytes(-1)).hasMessage("maxResponseBufferBytes: -1 (expected: >= 0)");
        assertThatThrownBy(() -> b.headerOnlyModel(" ")).hasMessage("headerOnlyModel: blank (expected: a model name)");
        assertThatThrownBy(b::build).isInstanceOf(NullPointerException.class).hasMessageContaining("selector: null");
        assertThatThrownBy(() -> EndpointPicker.builder().selector((PodSelector) null))
                .isInstanceOf(NullPointerException.class);
    }

    @Test
    void serverBuilderRejectsBadPortsAndIntervals() {
        EndpointPickerServer.Builder b = EndpointPickerServer.builder();
        assertThatThrownBy(() -> b.grpcPort(-1)).hasMessage("grpcPort: -1 (expected: 0..65535)");
        assertThatThrownBy(() -> b.healthPort(65536)).hasMessage("healthPort: 65536 (expected: 0..65535)");
        assertThatThrownBy(() -> b.metricsPort(-2)).hasMessage("metricsPort: -2 (expected: -1..65535)");
        assertThatThrownBy(() -> b.healthPollInterval(java.time.Duration.ZERO))
                .hasMessage("healthPollInterval: PT0S (expected: >= 1 ms)");
        assertThatThrownBy(b::build).isInstanceOf(NullPointerException.class).hasMessageContaining("picker: null");
    }

    @Test
    void admissionLimitMustBePositiveAndIgnoresPodsThatAreNotReady() {
        assertThatThrownBy(() -> Admission.maxInFlightPerPod(0, id -> 0)).hasMessage("limit: 0 (expected: >= 1)");
        Admission a = Admission.maxInFlightPerPod(2, id -> id.equals("busy") ? 2 : 0);
        try (io.podrouter.core.Router selector = io.podrouter.core.Router.builder()
                .metricsSource((pod, model) -> io.podrouter.api.MetricsLookup.notReady())
                .strategy(new io.podrouter.strategies.RandomStrategy()).build()) {
            admits(a, selector);
        }
    }

    private static void admits(Admission a, PodSelector selector) {
        InferenceRequest r = InferenceRequest.forModel("m");
        assertThat(a.admit(r, selector.candidates(List.of(Pod.ready("busy", "h", 1, T))))).isFalse();
        assertThat(a.admit(r, selector.candidates(List.of(Pod.ready("busy", "h", 1, T), Pod.ready("idle", "h2", 1, T)))))
                .isTrue();
        // idle but not ready: no capacity, yet no pod at all is the selector's 503, not a shed
        assertThat(a.admit(r, selector.candidates(List.of(Pod.ready("busy", "h", 1, T), Pod.notReady("idle", "h2", 1)))))
                .isFalse();
        assertThat(a.admit(r, selector.candidates(List.of(Pod.notReady("idle", "h2", 1))))).isTrue();
    }

    @Test
    void podSourceOfCopiesAndRejectsNull() {
        assertThatThrownBy(() -> PodSource.of(null)).isInstanceOf(NullPointerException.class);
        java.util.ArrayList<Pod> pods = new java.util.ArrayList<>(List.of(Pod.ready("a", "h", 1, T)));
        PodSource s = PodSource.of(pods);
        pods.clear();
        assertThat(s.pods()).hasSize(1);
        assertThat(s.pods()).isSameAs(s.pods());
        assertThat(s.synced()).isTrue();
    }

    @Test
    void bodyParserReadsPromptsChatMessagesAndTokenIds() throws Exception {
        RequestBodyParser.Parsed chat = RequestBodyParser.parse(("{\"model\":\"m\",\"stream\":true,\"max_completion_tokens\":64,"
                + "\"user\":\"u-1\",\"messages\":[{\"role\":\"system\",\"content\":\"be brief\"},{\"role\":\"user\",\"content\":"
                + "[{\"type\":\"text\",\"text\":\"hi\"},{\"type\":\"image_url\",\"image_url\":{\"url\":\"x\"}}]}]}")
                .getBytes(java.nio.charset.StandardCharsets.UTF_8), Map.of("h", "v"));
        assertThat(chat.stream()).isTrue();
        assertThat(chat.request().prompt()).isEqualTo("be brief\nhi");
        assertThat(chat.request().maxOutputTokens()).isEqualTo(64);
        assertThat(chat.request().sessionKey()).isEqualTo("u-1");
        assertThat(chat.request().headers()).containsEntry("h", "v");

        RequestBodyParser.Parsed ids = RequestBodyParser.parse("{\"model\":\"m\",\"prompt\":[1,2,3]}".getBytes(), Map.of());
        assertThat(ids.request().tokenIds()).containsExactly(1, 2, 3);
        assertThat(ids.request().prompt()).isNull();
        RequestBodyParser.Parsed batch = RequestBodyParser.parse("{\"model\":\"m\",\"prompt\":[\"a\",\"b\"]}".getBytes(), Map.of());
        assertThat(batch.request().prompt()).isEqualTo("a\nb");
    }

    @Test
    void bodyParserRejectsWhatItCannotRoute() {
        assertThatThrownBy(() -> RequestBodyParser.parse(new byte[0], Map.of())).hasMessageContaining("invalid JSON");
        assertThatThrownBy(() -> RequestBodyParser.parse(new byte[] {'"', (byte) 0xC3, '"'}, Map.of()))
                .hasMessage("request body: not UTF-8 (expected: a UTF-8 JSON object)");
        assertThatThrownBy(() -> RequestBodyParser.parse("[1]".getBytes(), Map.of())).hasMessageContaining("expected: an object");
        assertThatThrownBy(() -> RequestBodyParser.parse("{\"model\":7}".getBytes(), Map.of()))
                .hasMessage("model: a number (expected: a non-blank string)");
        assertThatThrownBy(() -> RequestBodyParser.parse("{\"model\":\"m\",\"stream\":\"yes\"}".getBytes(), Map.of()))
                .hasMessage("stream: a string (expected: a boolean)");
        assertThatThrownBy(() -> RequestBodyParser.parse("{\"model\":\"m\",\"max_tokens\":-1}".getBytes(), Map.of()))
                .hasMessage("max_tokens: -1.0 (expected: a whole number >= 0)");
        assertThatThrownBy(() -> RequestBodyParser.parse("{\"model\":\"m\",\"prompt\":[1,\"a\"]}".getBytes(), Map.of()))
                .hasMessageContaining("prompt[1]");
    }

    @Test
    void subsetHintMatchesIpv6AndBareAddressesAndIgnoresOtherTypes() {
        Metadata v6 = Envoy.subsetList("[fd00::1]:8000", "10.0.0.9");
        SubsetHint h = SubsetHint.from(v6);
        assertThat(h).isNotNull();
        assertThat(h.contains(Pod.ready("a", "fd00::1", 8000, T))).isTrue();
        assertThat(h.contains(Pod.ready("a", "fd00::1", 8001, T))).isFalse();
        assertThat(h.contains(Pod.ready("b", "10.0.0.9", 1234, T))).isTrue();
        assertThat(SubsetHint.from(Metadata.getDefaultInstance())).isNull();
        Metadata number = Metadata.newBuilder().putFilterMetadata(EndpointPicker.SUBSET_NAMESPACE,
                com.google.protobuf.Struct.newBuilder().putFields(EndpointPicker.SUBSET_KEY,
                        com.google.protobuf.Value.newBuilder().setNumberValue(3).build()).build()).build();
        assertThat(SubsetHint.from(number).isEmpty()).isTrue();
        assertThat(SubsetHint.describe(number)).isEqualTo("NUMBER_VALUE");
        assertThat(SubsetHint.describe(Envoy.subsetString("a:1,b:2"))).isEqualTo("\"a:1,b:2\"");
    }
}
