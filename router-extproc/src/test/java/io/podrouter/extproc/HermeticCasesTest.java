package io.podrouter.extproc;

import io.podrouter.api.Outcome;
import io.podrouter.api.Pod;
import io.podrouter.core.OutlierDetection;
import io.podrouter.extproc.proto.HeaderValueOption;
import io.podrouter.extproc.proto.ProcessingResponse;
import io.podrouter.extproc.proto.StatusCode;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import static io.podrouter.extproc.Envoy.completion;
import static io.podrouter.extproc.PickerHarness.pod;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The cases of llm-d's hermetic ext_proc suite ({@code test/integration/epp/hermetic_test.go} in llm-d-router at
 * 520af47896e5f06e43d09aca281a1149187b0ffd), driven over gRPC in-process as Envoy would, plus the response-side
 * accounting the brief of the picker asks for (client cancel, 5xx ejection, fallbacks, first token). Where
 * podrouter answers differently from llm-d the test says so.
 */
class HermeticCasesTest {

    private static final String SHEDDABLE = "sql-lora-sheddable";

    private static void assertReject(ProcessingResponse r, StatusCode code, String bodyPart) {
        assertThat(r.hasImmediateResponse()).as("immediate response: %s", r).isTrue();
        assertThat(r.getImmediateResponse().getStatus().getCode()).isEqualTo(code);
        assertThat(r.getImmediateResponse().getBody().toStringUtf8()).contains(bodyPart);
    }

    /** The headers response and body of a routed request, as llm-d's {@code ExpectRouteTo} describes them. */
    private static void assertRoutedTo(List<ProcessingResponse> rs, String endpoint, String body) {
        ProcessingResponse headers = rs.get(0);
        assertThat(headers.hasRequestHeaders()).isTrue();
        assertThat(headers.getRequestHeaders().getResponse().getClearRouteCache()).isTrue();
        assertThat(Envoy.destinationHeader(headers)).isEqualTo(endpoint);
        assertThat(Envoy.destinationMetadata(headers)).isEqualTo(endpoint);
        assertThat(Envoy.header(headers, "content-length")).isEqualTo(Integer.toString(body.length()));
        for (HeaderValueOption o : headers.getRequestHeaders().getResponse().getHeaderMutation().getSetHeadersList()) {
            assertThat(o.getAppendAction()).isEqualTo(HeaderValueOption.HeaderAppendAction.OVERWRITE_IF_EXISTS_OR_ADD);
        }
        assertThat(rs).hasSize(2);
        assertThat(Envoy.requestChunk(rs.get(1))).isEqualTo(body);
        assertThat(Envoy.requestChunkEnds(rs.get(1))).isTrue();
    }

    @Test
    void invalidJsonBodyAnswers400() throws Exception {
        try (PickerHarness h = new PickerHarness(List.of(pod(0)), b -> { })) {
            h.metrics(0, 0, 0.2);
            PickerHarness.Stream s = h.open().send(Envoy.raw(Map.of("hi", "mom"), "no healthy upstream"));
            assertReject(s.take(1).get(0), StatusCode.BadRequest, "invalid JSON");
            assertThat(s.completedByServer).isTrue();
            assertThat(h.picker.stats().requests(PickerStats.Result.BAD_REQUEST)).isEqualTo(1);
        }
    }

    @Test
    void bodySplitAcrossChunksIsBufferedAndRoutedToTheLeastLoadedPod() throws Exception {
        try (PickerHarness h = new PickerHarness(List.of(pod(0), pod(1)), b -> { })) {
            h.metrics(0, 4, 0.2).metrics(1, 4, 0.85);
            PickerHarness.Stream s = h.open().send(Envoy.raw(Map.of("hi", "mom", "x-request-id", "test-request-id"),
                    "{\"max_tokens\":100,\"model\":\"sql-lo", "ra-sheddable\",\"prompt\":\"test6\",\"temperature\":0}"));
            assertRoutedTo(s.take(2), "192.168.1.1:8000", completion(SHEDDABLE, "test6"));
            assertThat(s.pending()).isEmpty();
        }
    }

    @Test
    void nothingIsSentBeforeTheBodyEnds() throws Exception {
        try (PickerHarness h = new PickerHarness(List.of(pod(0)), b -> { })) {
            h.metrics(0, 0, 0.1);
            PickerHarness.Stream s = h.open().send(Envoy.requestHeaders(Map.of("hi", "mom"), false),
                    Envoy.requestBody("{\"model\":", false));
            assertThat(s.pending()).isEmpty();
        }
    }

    /** llm-d answers 500 "no pods available in datastore" here; the protocol says 503, which podrouter follows. */
    @Test
    void noBackendPodsAnswers503() throws Exception {
        try (PickerHarness h = new PickerHarness(List.of(), b -> { })) {
            PickerHarness.Stream s = h.open().send(Envoy.requestHeaders(Map.of("content-type", "application/json"), true));
            assertReject(s.take(1).get(0), StatusCode.ServiceUnavailable, "no pod available");
            assertThat(h.picker.stats().requests(PickerStats.Result.NO_READY_POD)).isEqualTo(1);
        }
    }

    @Test
    void noReadyPodAnswers503() throws Exception {
        try (PickerHarness h = new PickerHarness(List.of(Pod.notReady("p", "192.168.1.1", 8000)), b -> { })) {
            PickerHarness.Stream s = h.open().send(Envoy.raw(Map.of(), completion("m", "x")));
            assertReject(s.take(1).get(0), StatusCode.ServiceUnavailable, "POD_NOT_READY");
        }
    }

    @Test
    void requestMissingModelFieldAnswers400() throws Exception {
        try (PickerHarness h = new PickerHarness(List.of(pod(0)), b -> { })) {
            PickerHarness.Stream s = h.open().send(Envoy.raw(Map.of("content-type", "application/json"),
                    "{\"prompt\":\"hello world\"}"));
            assertReject(s.take(1).get(0), StatusCode.BadRequest, "model: missing");
        }
    }

    @Test
    void subsettingSelectsTheBestPodOfTheSubset() throws Exception {
        try (PickerHarness h = new PickerHarness(List.of(pod(0), pod(1), pod(2)), b -> { })) {
            h.metrics(0, 0, 0.2).metrics(1, 0, 0.1).metrics(2, 10, 0.2);
            String body = completion("sql-lora", "test2");
            PickerHarness.Stream s = h.open().send(Envoy.withSubset(
                    Envoy.subsetList("192.168.1.1:8000", "192.168.1.2:8000", "192.168.1.3:8000"), body));
            assertRoutedTo(s.take(2), "192.168.1.2:8000", body);
        }
    }

    @Test
    void subsettingPartialMatchPicksTheOnlyPodInTheSubsetDespiteLoad() throws Exception {
        try (PickerHarness h = new PickerHarness(List.of(pod(0), pod(1), pod(2)), b -> { })) {
            h.metrics(0, 0, 0.2).metrics(1, 0, 0.1).metrics(2, 10, 0.2);
            String body = completion("sql-lora", "test2");
            PickerHarness.Stream s = h.open().send(Envoy.withSubset(Envoy.subsetList("192.168.1.3:8000"), body));
            assertRoutedTo(s.take(2), "192.168.1.3:8000", body);
        }
    }

    @Test
    void subsettingAcceptsACommaSeparatedStringAndAddressesWithoutPort() throws Exception {
        try (PickerHarness h = new PickerHarness(List.of(pod(0), pod(1), pod(2)), b -> { })) {
            h.metrics(0, 0, 0.9).metrics(1, 0, 0.1).metrics(2, 10, 0.2);
            String body = completion("sql-lora", "x");
            PickerHarness.Stream s = h.open().send(Envoy.withSubset(Envoy.subsetString(" 192.168.1.1:8000 ,192.168.1.3"), body));
            assertRoutedTo(s.take(2), "192.168.1.3:8000", body);
        }
    }

    @Test
    void subsettingWithNoMatchingPodAnswers503() throws Exception {
        try (PickerHarness h = new PickerHarness(List.of(pod(0), pod(1)), b -> { })) {
            h.metrics(0, 0, 0.2).metrics(1, 0, 0.1);
            PickerHarness.Stream s = h.open().send(Envoy.withSubset(Envoy.subsetList("192.168.1.99:8000"),
                    completion("sql-lora", "test2")));
            assertReject(s.take(1).get(0), StatusCode.ServiceUnavailable, "192.168.1.99:8000");
            assertThat(h.picker.stats().requests(PickerStats.Result.SUBSET_EMPTY)).isEqualTo(1);
        }
    }

    @Test
    void anEmptySubsetHintAnswers503() throws Exception {
        try (PickerHarness h = new PickerHarness(List.of(pod(0)), b -> { })) {
            h.metrics(0, 0, 0.2);
            PickerHarness.Stream s = h.open().send(Envoy.withSubset(Envoy.subsetList(), completion("m", "p")));
            assertReject(s.take(1).get(0), StatusCode.ServiceUnavailable, "subset");
        }
    }

    @Test
    void headerOnlyGetIsRoutedAtOnceWithoutBody() throws Exception {
        try (PickerHarness h = new PickerHarness(List.of(pod(0)), b -> { })) {
            h.metrics(0, 0, 0);
            PickerHarness.Stream s = h.open().send(Envoy.requestHeaders(
                    Map.of("content-type", "text/event-stream", "status", "200"), true));
            ProcessingResponse r = s.take(1).get(0);
            assertThat(Envoy.destinationHeader(r)).isEqualTo("192.168.1.1:8000");
            assertThat(Envoy.destinationMetadata(r)).isEqualTo("192.168.1.1:8000");
            assertThat(Envoy.header(r, "content-length")).isNull();
            assertThat(s.pending()).isEmpty();
        }
    }

    @Test
    void responseBufferingReturnsAMultiChunkJsonBodyInOnePiece() throws Exception {
        try (PickerHarness h = new PickerHarness(List.of(pod(0)), b -> { })) {
            PickerHarness.Stream s = h.open().send(Envoy.responseOnly(Map.of("content-type", "application/json"),
                    "{\"max_tokens\":100,\"model\":\"sql-lo", "ra-sheddable\",\"prompt\":\"test6\",\"temperature\":0}"));
            List<ProcessingResponse> rs = s.take(2);
            assertThat(rs.get(0).hasResponseHeaders()).isTrue();
            assertThat(Envoy.responseChunk(rs.get(1))).isEqualTo(completion(SHEDDABLE, "test6"));
            assertThat(Envoy.responseChunkEnds(rs.get(1))).isTrue();
            assertThat(s.pending()).isEmpty();
        }
    }

    @Test
    void responseBufferingPassesAnInvalidJsonBodyUnchanged() throws Exception {
        try (PickerHarness h = new PickerHarness(List.of(pod(0)), b -> { })) {
            PickerHarness.Stream s = h.open().send(Envoy.responseOnly(Map.of("content-type", "application/json"),
                    "no healthy upstream"));
            List<ProcessingResponse> rs = s.take(2);
            assertThat(Envoy.responseChunk(rs.get(1))).isEqualTo("no healthy upstream");
            assertThat(Envoy.responseChunkEnds(rs.get(1))).isTrue();
        }
    }

    @Test
    void responseBufferingWithAnEmptyEndOfStreamChunk() throws Exception {
        try (PickerHarness h = new PickerHarness(List.of(pod(0)), b -> { })) {
            PickerHarness.Stream s = h.open().send(Envoy.responseOnly(Map.of("content-type", "application/json"),
                    completion(SHEDDABLE, "test6"), ""));
            List<ProcessingResponse> rs = s.take(2);
            assertThat(Envoy.responseChunk(rs.get(1))).isEqualTo(completion(SHEDDABLE, "test6"));
            assertThat(Envoy.responseChunkEnds(rs.get(1))).isTrue();
            assertThat(s.pending()).isEmpty();
        }
    }

    @Test
    void streamedSseResponsePassesThroughChunkByChunk() throws Exception {
        try (PickerHarness h = new PickerHarness(List.of(pod(0)), b -> { })) {
            String usage = "data: {\"usage\":{\"prompt_tokens\":7,\"total_tokens\":17,\"completion_tokens\":10}}\ndata: [DONE]";
            PickerHarness.Stream s = h.open().send(Envoy.responseOnly(
                    Map.of("content-type", "text/event-stream", "status", "200"), "data: {}", usage, ""));
            List<ProcessingResponse> rs = s.take(4);
            assertThat(rs.get(0).hasResponseHeaders()).isTrue();
            assertThat(rs.subList(1, 4)).extracting(Envoy::responseChunk).containsExactly("data: {}", usage, "");
            assertThat(rs.subList(1, 4)).extracting(Envoy::responseChunkEnds).containsExactly(false, false, true);
        }
    }

    /** A full request and response: the selection completes once, at the response's end, and the first chunk is the first token. */
    @Test
    void routedRequestCompletesOnceAtTheEndOfTheResponse() throws Exception {
        try (PickerHarness h = new PickerHarness(List.of(pod(0)), b -> { })) {
            h.metrics(0, 0, 0.1);
            PickerHarness.Stream s = h.open().send(Envoy.raw(Map.of(), completion("m", "p")));
            s.take(2);
            assertThat(h.router.inFlight("pod-1")).isEqualTo(1);
            s.send(Envoy.responseHeaders(Map.of(":status", "200", "content-type", "text/event-stream"), false),
                    Envoy.responseBody("data: {\"choices\":[]}\n\n", false));
            assertThat(h.firstTokens).containsExactly("192.168.1.1:8000");
            assertThat(h.completions).isEmpty();
            s.send(Envoy.responseBody("data: [DONE]\n\n", true));
            assertThat(h.completions).containsExactly("192.168.1.1:8000 SUCCESS");
            s.halfClose();
            assertThat(s.closed.await(5, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
            assertThat(h.completions).hasSize(1);
            assertThat(h.router.inFlight("pod-1")).isZero();
        }
    }

    @Test
    void responseTrailersEndTheResponse() throws Exception {
        try (PickerHarness h = new PickerHarness(List.of(pod(0)), b -> { })) {
            h.metrics(0, 0, 0.1);
            PickerHarness.Stream s = h.open().send(Envoy.raw(Map.of(), completion("m", "p")));
            s.take(2);
            s.send(Envoy.responseHeaders(Map.of(":status", "200", "content-type", "application/grpc"), false),
                    Envoy.responseBody("abc", false), Envoy.responseTrailers());
            List<ProcessingResponse> rs = s.take(3);
            assertThat(Envoy.responseChunk(rs.get(1))).isEqualTo("abc");
            assertThat(Envoy.responseChunkEnds(rs.get(1))).isFalse();
            assertThat(rs.get(2).hasResponseTrailers()).isTrue();
            assertThat(h.completions).containsExactly("192.168.1.1:8000 SUCCESS");
        }
    }

    @Test
    void clientCancelCompletesTheSelectionAsCancelled() throws Exception {
        try (PickerHarness h = new PickerHarness(List.of(pod(0)), b -> { })) {
            h.metrics(0, 0, 0.1);
            PickerHarness.Stream s = h.open().send(Envoy.raw(Map.of(), completion("m", "p")));
            s.take(2);
            s.send(Envoy.responseHeaders(Map.of(":status", "200", "content-type", "text/event-stream"), false));
            s.cancel();
            assertThat(h.completions).containsExactly("192.168.1.1:8000 CANCELLED");
            assertThat(h.router.inFlight("pod-1")).isZero();
            assertThat(h.picker.stats().completions(Outcome.CANCELLED)).isEqualTo(1);
            assertThat(h.picker.stats().openStreams()).isZero();
        }
    }

    @Test
    void streamEndingBeforeTheResponseCompletesAsCancelled() throws Exception {
        try (PickerHarness h = new PickerHarness(List.of(pod(0)), b -> { })) {
            h.metrics(0, 0, 0.1);
            PickerHarness.Stream s = h.open().send(Envoy.raw(Map.of(), completion("m", "p")));
            s.take(2);
            s.halfClose();
            assertThat(h.completions).containsExactly("192.168.1.1:8000 CANCELLED");
            assertThat(s.completedByServer).isTrue();
        }
    }

    /** 5xx counts as the pod's failure: after three in a row (the configured threshold) the pod is ejected. */
    @Test
    void serverErrorsCountAsFailuresAndEjectThePodAfterN() throws Exception {
        OutlierDetection od = OutlierDetection.defaults().withConsecutiveFailures(3);
        try (PickerHarness h = new PickerHarness(List.of(pod(0), pod(1)), b -> { }, od)) {
            h.metrics(0, 0, 0.1).metrics(1, 0, 0.5); // least-kv-cache prefers pod 1 (192.168.1.1)
            int toFirst = 0;
            for (int i = 0; i < 8; i++) {
                PickerHarness.Stream s = h.open().send(Envoy.raw(Map.of(), completion("m", "p" + i)));
                String dest = Envoy.destinationHeader(s.take(2).get(0));
                boolean first = dest.equals("192.168.1.1:8000");
                toFirst += first ? 1 : 0;
                s.send(Envoy.responseHeaders(Map.of(":status", first ? "503" : "200"), false),
                        Envoy.responseBody("{}", true));
                s.take(2);
                s.halfClose();
            }
            assertThat(toFirst).isEqualTo(3);
            assertThat(h.completions.subList(0, 3)).containsOnly("192.168.1.1:8000 FAILURE");
            assertThat(h.completions.subList(3, 8)).containsOnly("192.168.1.2:8000 SUCCESS");
        }
    }

    /** llm-d counts every status other than 200 as a model-server error; a 4xx is the client's, not the pod's. */
    @Test
    void clientErrorsDoNotCountAgainstThePod() throws Exception {
        try (PickerHarness h = new PickerHarness(List.of(pod(0)), b -> { })) {
            h.metrics(0, 0, 0.1);
            PickerHarness.Stream s = h.open().send(Envoy.raw(Map.of(), completion("m", "p")));
            s.take(2);
            s.send(Envoy.responseHeaders(Map.of(":status", "400"), true));
            assertThat(h.completions).containsExactly("192.168.1.1:8000 SUCCESS");
        }
    }

    @Test
    void fallbacksAreNamedAndAServingFallbackMarksTheFirstAsFailed() throws Exception {
        try (PickerHarness h = new PickerHarness(List.of(pod(0), pod(1), pod(2)), b -> b.fallbacks(2))) {
            h.metrics(0, 0, 0.1).metrics(1, 0, 0.2).metrics(2, 0, 0.3);
            PickerHarness.Stream s = h.open().send(Envoy.raw(Map.of(), completion("m", "p")));
            ProcessingResponse headers = s.take(2).get(0);
            assertThat(Envoy.destinationHeader(headers)).isEqualTo("192.168.1.1:8000,192.168.1.2:8000,192.168.1.3:8000");
            assertThat(Envoy.destinationMetadata(headers)).isEqualTo(Envoy.destinationHeader(headers));
            // the fallbacks' selections were released at once
            assertThat(h.router.inFlight("pod-2")).isZero();
            s.send(Envoy.responseHeaders(Map.of(":status", "200"), false).toBuilder()
                    .setMetadataContext(Envoy.served("192.168.1.2:8000")).build(), Envoy.responseBody("{}", true));
            assertThat(h.completions).contains("192.168.1.1:8000 FAILURE", "192.168.1.2:8000 SUCCESS");
            assertThat(h.picker.stats().fallbacksServed()).isEqualTo(1);
            assertThat(h.router.inFlight("pod-1")).isZero();
            assertThat(h.router.inFlight("pod-2")).isZero();
        }
    }

    @Test
    void largeBodiesGoBackInChunksOfAtMost62000Bytes() throws Exception {
        try (PickerHarness h = new PickerHarness(List.of(pod(0)), b -> { })) {
            h.metrics(0, 0, 0.1);
            String body = completion("m", "x".repeat(150_000));
            PickerHarness.Stream s = h.open().send(Envoy.raw(Map.of(), body.substring(0, 70_000), body.substring(70_000)));
            List<ProcessingResponse> rs = s.take(4);
            assertThat(Envoy.header(rs.get(0), "content-length")).isEqualTo(Integer.toString(body.length()));
            assertThat(rs.subList(1, 4)).extracting(r -> Envoy.requestChunk(r).length())
                    .containsExactly(62_000, 62_000, body.length() - 124_000);
            assertThat(rs.subList(1, 4)).extracting(Envoy::requestChunkEnds).containsExactly(false, false, true);
            assertThat(String.join("", rs.subList(1, 4).stream().map(Envoy::requestChunk).toList())).isEqualTo(body);
        }
    }

    @Test
    void bodyOverTheLimitAnswers413() throws Exception {
        try (PickerHarness h = new PickerHarness(List.of(pod(0)), b -> b.maxRequestBodyBytes(100))) {
            h.metrics(0, 0, 0.1);
            PickerHarness.Stream s = h.open().send(Envoy.requestHeaders(Map.of(), false),
                    Envoy.requestBody("x".repeat(60), false), Envoy.requestBody("x".repeat(60), true));
            assertReject(s.take(1).get(0), StatusCode.PayloadTooLarge, "over 100 bytes");
            assertThat(s.pending()).isEmpty();
        }
    }

    @Test
    void admissionShedsWith429WhenEveryPodIsSaturated() throws Exception {
        PickerHarness[] holder = new PickerHarness[1];
        try (PickerHarness h = new PickerHarness(List.of(pod(0)),
                b -> b.admission(Admission.maxInFlightPerPod(1, id -> holder[0].router.inFlight(id))))) {
            holder[0] = h;
            h.metrics(0, 0, 0.1);
            PickerHarness.Stream first = h.open().send(Envoy.raw(Map.of(), completion("m", "a")));
            assertThat(first.take(2)).hasSize(2);
            PickerHarness.Stream second = h.open().send(Envoy.raw(Map.of(), completion("m", "b")));
            assertReject(second.take(1).get(0), StatusCode.TooManyRequests, "shed");
            assertThat(h.picker.stats().requests(PickerStats.Result.SHED)).isEqualTo(1);
        }
    }

    @Test
    void aNonStreamedResponseOverTheBufferLimitPassesThrough() throws Exception {
        try (PickerHarness h = new PickerHarness(List.of(pod(0)), b -> b.maxResponseBufferBytes(4))) {
            PickerHarness.Stream s = h.open().send(Envoy.responseOnly(Map.of("content-type", "application/json"),
                    "abc", "defg", "hi"));
            List<ProcessingResponse> rs = s.take(4);
            assertThat(rs.subList(1, 4)).extracting(Envoy::responseChunk).containsExactly("abc", "defg", "hi");
            assertThat(rs.subList(1, 4)).extracting(Envoy::responseChunkEnds).containsExactly(false, false, true);
        }
    }

    @Test
    void statsAreWrittenAsPrometheusText() throws Exception {
        try (PickerHarness h = new PickerHarness(List.of(pod(0)), b -> { })) {
            h.open().send(Envoy.raw(Map.of(), "{"));
            StringBuilder sb = new StringBuilder();
            h.picker.stats().writePrometheus(sb);
            assertThat(sb.toString()).contains("podrouter_extproc_requests_total{result=\"bad_request\"} 1\n",
                    "podrouter_extproc_requests_total{result=\"routed\"} 0\n", "# TYPE podrouter_extproc_open_streams gauge\n");
        }
    }

    @Test
    void latencyIsMeasuredFromTheHeadersResponseToTheResponseEnd() throws Exception {
        long[] now = {1_000};
        try (PickerHarness h = new PickerHarness(List.of(pod(0)), b -> b.nanoTime(() -> now[0]))) {
            h.metrics(0, 0, 0.1);
            PickerHarness.Stream s = h.open().send(Envoy.raw(Map.of(), completion("m", "p")));
            s.take(2);
            now[0] += Duration.ofMillis(250).toNanos();
            s.send(Envoy.responseHeaders(Map.of(":status", "200"), true));
            assertThat(h.picker.stats().completions(Outcome.SUCCESS)).isEqualTo(1);
            assertThat(h.latencies).containsExactly(Duration.ofMillis(250).toNanos());
        }
    }
}
