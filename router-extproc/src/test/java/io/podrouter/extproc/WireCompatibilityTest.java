package io.podrouter.extproc;

import com.google.protobuf.ByteString;
import com.google.protobuf.CodedOutputStream;
import com.google.protobuf.UnknownFieldSet;
import io.podrouter.extproc.proto.ProcessingRequest;
import io.podrouter.extproc.proto.ProcessingResponse;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

import static io.podrouter.extproc.PickerHarness.pod;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The generated classes against Envoy's field numbers, written down here from Envoy's API (envoyproxy/data-plane-api
 * at 84e84367f2560cdb47b9bb78fd3e615feb80c3e4: {@code envoy/service/ext_proc/v3/external_processor.proto},
 * {@code envoy/config/core/v3/base.proto}, {@code envoy/type/v3/http_status.proto}) and from protobuf's
 * {@code google/protobuf/struct.proto}. Encoding is read back field by field without the generated classes;
 * decoding parses bytes written field by field with those numbers.
 */
class WireCompatibilityTest {

    // ProcessingRequest
    static final int REQ_REQUEST_HEADERS = 2, REQ_RESPONSE_HEADERS = 3, REQ_REQUEST_BODY = 4, REQ_RESPONSE_BODY = 5,
            REQ_RESPONSE_TRAILERS = 7, REQ_METADATA_CONTEXT = 8;
    // ProcessingResponse
    static final int RESP_REQUEST_HEADERS = 1, RESP_RESPONSE_HEADERS = 2, RESP_REQUEST_BODY = 3, RESP_RESPONSE_BODY = 4,
            RESP_IMMEDIATE = 7, RESP_DYNAMIC_METADATA = 8;
    // HttpHeaders, HttpBody
    static final int HEADERS_HEADERS = 1, HEADERS_END_OF_STREAM = 3, BODY_BODY = 1, BODY_END_OF_STREAM = 2;
    // HeadersResponse / BodyResponse .response; CommonResponse
    static final int RESPONSE = 1, COMMON_HEADER_MUTATION = 2, COMMON_BODY_MUTATION = 3, COMMON_CLEAR_ROUTE_CACHE = 5;
    // HeaderMutation, BodyMutation, StreamedBodyResponse
    static final int MUTATION_SET_HEADERS = 1, BODY_MUTATION_STREAMED = 3, STREAMED_BODY = 1, STREAMED_END_OF_STREAM = 2;
    // ImmediateResponse, HttpStatus
    static final int IMMEDIATE_STATUS = 1, IMMEDIATE_BODY = 3, STATUS_CODE = 1;
    // config.core.v3: HeaderMap, HeaderValue, HeaderValueOption, Metadata
    static final int MAP_HEADERS = 1, VALUE_KEY = 1, VALUE_VALUE = 2, VALUE_RAW = 3, OPTION_HEADER = 1,
            OPTION_APPEND_ACTION = 3, METADATA_FILTER = 1;
    // google.protobuf: Struct.fields (map entry key 1, value 2), Value.string_value 3, struct_value 5, list_value 6,
    // ListValue.values 1
    static final int STRUCT_FIELDS = 1, ENTRY_KEY = 1, ENTRY_VALUE = 2, V_STRING = 3, V_STRUCT = 5, V_LIST = 6, LIST_VALUES = 1;

    private static UnknownFieldSet raw(com.google.protobuf.MessageLite m) throws IOException {
        return UnknownFieldSet.parseFrom(m.toByteString());
    }

    private static UnknownFieldSet sub(UnknownFieldSet s, int field) throws IOException {
        assertThat(s.hasField(field)).as("field %d in %s", field, s).isTrue();
        return UnknownFieldSet.parseFrom(s.getField(field).getLengthDelimitedList().get(0));
    }

    private static String string(UnknownFieldSet s, int field) {
        return s.getField(field).getLengthDelimitedList().get(0).toStringUtf8();
    }

    private static long varint(UnknownFieldSet s, int field) {
        return s.getField(field).getVarintList().get(0);
    }

    /** The value of {@code key} in a Struct (its map entries). */
    private static UnknownFieldSet structValue(UnknownFieldSet struct, String key) throws IOException {
        for (ByteString entry : struct.getField(STRUCT_FIELDS).getLengthDelimitedList()) {
            UnknownFieldSet e = UnknownFieldSet.parseFrom(entry);
            if (string(e, ENTRY_KEY).equals(key)) {
                return sub(e, ENTRY_VALUE);
            }
        }
        throw new AssertionError("no key " + key + " in " + struct);
    }

    @Test
    void aRoutedRequestIsEncodedWithEnvoysFieldNumbers() throws Exception {
        try (PickerHarness h = new PickerHarness(List.of(pod(0)), b -> { })) {
            h.metrics(0, 0, 0.1);
            String body = Envoy.completion("m", "p");
            List<ProcessingResponse> rs = h.open().send(Envoy.raw(Map.of(), body)).take(2);

            UnknownFieldSet headers = raw(rs.get(0));
            UnknownFieldSet common = sub(sub(headers, RESP_REQUEST_HEADERS), RESPONSE);
            assertThat(varint(common, COMMON_CLEAR_ROUTE_CACHE)).isEqualTo(1);
            UnknownFieldSet mutation = sub(common, COMMON_HEADER_MUTATION);
            List<ByteString> options = mutation.getField(MUTATION_SET_HEADERS).getLengthDelimitedList();
            assertThat(options).hasSize(2);
            UnknownFieldSet first = UnknownFieldSet.parseFrom(options.get(0));
            UnknownFieldSet header = sub(first, OPTION_HEADER);
            assertThat(string(header, VALUE_KEY)).isEqualTo("x-gateway-destination-endpoint");
            assertThat(string(header, VALUE_RAW)).isEqualTo("192.168.1.1:8000");
            assertThat(header.hasField(VALUE_VALUE)).isFalse();
            assertThat(varint(first, OPTION_APPEND_ACTION)).isEqualTo(2); // OVERWRITE_IF_EXISTS_OR_ADD
            UnknownFieldSet lb = structValue(sub(headers, RESP_DYNAMIC_METADATA), "envoy.lb");
            assertThat(string(structValue(sub(lb, V_STRUCT), "x-gateway-destination-endpoint"), V_STRING))
                    .isEqualTo("192.168.1.1:8000");

            UnknownFieldSet streamed = sub(sub(sub(sub(raw(rs.get(1)), RESP_REQUEST_BODY), RESPONSE),
                    COMMON_BODY_MUTATION), BODY_MUTATION_STREAMED);
            assertThat(string(streamed, STREAMED_BODY)).isEqualTo(body);
            assertThat(varint(streamed, STREAMED_END_OF_STREAM)).isEqualTo(1);
        }
    }

    @Test
    void immediateResponsesAndResponsePhaseRepliesUseEnvoysFieldNumbers() throws Exception {
        try (PickerHarness h = new PickerHarness(List.of(pod(0)), b -> { })) {
            UnknownFieldSet immediate = sub(raw(h.open().send(Envoy.raw(Map.of(), "{")).take(1).get(0)), RESP_IMMEDIATE);
            assertThat(varint(sub(immediate, IMMEDIATE_STATUS), STATUS_CODE)).isEqualTo(400);
            assertThat(string(immediate, IMMEDIATE_BODY)).contains("invalid JSON");

            List<ProcessingResponse> rs = h.open().send(Envoy.responseOnly(Map.of(":status", "200"), "ok")).take(2);
            assertThat(raw(rs.get(0)).hasField(RESP_RESPONSE_HEADERS)).isTrue();
            UnknownFieldSet chunk = sub(sub(sub(sub(raw(rs.get(1)), RESP_RESPONSE_BODY), RESPONSE), COMMON_BODY_MUTATION),
                    BODY_MUTATION_STREAMED);
            assertThat(string(chunk, STREAMED_BODY)).isEqualTo("ok");
        }
    }

    /** Writes a length-delimited field. */
    private static void message(CodedOutputStream out, int field, byte[] bytes) throws IOException {
        out.writeByteArray(field, bytes);
    }

    private static byte[] build(IoConsumer body) throws IOException {
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        CodedOutputStream out = CodedOutputStream.newInstance(buf);
        body.accept(out);
        out.flush();
        return buf.toByteArray();
    }

    @FunctionalInterface
    private interface IoConsumer {
        void accept(CodedOutputStream out) throws IOException;
    }

    @Test
    void envoysRequestMessagesDecode() throws Exception {
        byte[] headerValue = build(o -> {
            o.writeString(VALUE_KEY, ":path");
            o.writeByteArray(VALUE_RAW, "/v1/completions".getBytes(StandardCharsets.UTF_8));
        });
        byte[] headerMap = build(o -> message(o, MAP_HEADERS, headerValue));
        byte[] httpHeaders = build(o -> {
            message(o, HEADERS_HEADERS, headerMap);
            o.writeBool(HEADERS_END_OF_STREAM, true);
        });
        byte[] listValue = build(o -> message(o, LIST_VALUES, build(v -> v.writeString(V_STRING, "10.0.0.1:8000"))));
        byte[] subsetStruct = build(o -> message(o, STRUCT_FIELDS, build(e -> {
            e.writeString(ENTRY_KEY, EndpointPicker.SUBSET_KEY);
            message(e, ENTRY_VALUE, build(v -> message(v, V_LIST, listValue)));
        })));
        byte[] metadata = build(o -> message(o, METADATA_FILTER, build(e -> {
            e.writeString(ENTRY_KEY, EndpointPicker.SUBSET_NAMESPACE);
            message(e, ENTRY_VALUE, subsetStruct);
        })));
        ProcessingRequest headers = ProcessingRequest.parseFrom(build(o -> {
            message(o, REQ_REQUEST_HEADERS, httpHeaders);
            message(o, REQ_METADATA_CONTEXT, metadata);
        }));
        assertThat(headers.getRequestHeaders().getEndOfStream()).isTrue();
        assertThat(headers.getRequestHeaders().getHeaders().getHeaders(0).getKey()).isEqualTo(":path");
        assertThat(PickerStream.valueOf(headers.getRequestHeaders().getHeaders().getHeaders(0))).isEqualTo("/v1/completions");
        SubsetHint hint = SubsetHint.from(headers.getMetadataContext());
        assertThat(hint).isNotNull();
        assertThat(hint.contains(io.podrouter.api.Pod.ready("p", "10.0.0.1", 8000, PickerHarness.READY))).isTrue();

        byte[] httpBody = build(o -> {
            o.writeByteArray(BODY_BODY, "{}".getBytes(StandardCharsets.UTF_8));
            o.writeBool(BODY_END_OF_STREAM, true);
        });
        ProcessingRequest body = ProcessingRequest.parseFrom(build(o -> message(o, REQ_REQUEST_BODY, httpBody)));
        assertThat(body.getRequestBody().getBody().toStringUtf8()).isEqualTo("{}");
        assertThat(body.getRequestBody().getEndOfStream()).isTrue();
        assertThat(ProcessingRequest.parseFrom(build(o -> message(o, REQ_RESPONSE_HEADERS, httpHeaders))).hasResponseHeaders()).isTrue();
        assertThat(ProcessingRequest.parseFrom(build(o -> message(o, REQ_RESPONSE_BODY, httpBody))).hasResponseBody()).isTrue();
        assertThat(ProcessingRequest.parseFrom(build(o -> message(o, REQ_RESPONSE_TRAILERS, new byte[0]))).hasResponseTrailers()).isTrue();
    }

    @Test
    void theServiceHasEnvoysMethodName() {
        assertThat(io.podrouter.extproc.proto.ExternalProcessorGrpc.getProcessMethod().getFullMethodName())
                .isEqualTo("envoy.service.ext_proc.v3.ExternalProcessor/Process");
    }
}
