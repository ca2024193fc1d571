package io.podrouter.extproc;

import com.google.protobuf.ByteString;
import com.google.protobuf.ListValue;
import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import io.podrouter.extproc.proto.HeaderMap;
import io.podrouter.extproc.proto.HeaderValue;
import io.podrouter.extproc.proto.HeaderValueOption;
import io.podrouter.extproc.proto.HttpBody;
import io.podrouter.extproc.proto.HttpHeaders;
import io.podrouter.extproc.proto.HttpTrailers;
import io.podrouter.extproc.proto.Metadata;
import io.podrouter.extproc.proto.ProcessingRequest;
import io.podrouter.extproc.proto.ProcessingResponse;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Builds the messages Envoy sends, the way llm-d's hermetic tests build them ({@code test/integration/util.go},
 * {@code test/integration/epp/common_tests.go}): request headers (value or raw_value), body chunks with
 * end_of_stream on the last, the subset hint as filter metadata, response headers and body chunks.
 */
final class Envoy {

    private Envoy() {
    }

    static HeaderMap headerMap(Map<String, String> headers, boolean raw) {
        HeaderMap.Builder b = HeaderMap.newBuilder();
        headers.forEach((k, v) -> b.addHeaders(raw
                ? HeaderValue.newBuilder().setKey(k).setRawValue(ByteString.copyFromUtf8(v))
                : HeaderValue.newBuilder().setKey(k).setValue(v)));
        return b.build();
    }

    static ProcessingRequest requestHeaders(Map<String, String> headers, boolean endOfStream) {
        return ProcessingRequest.newBuilder().setRequestHeaders(HttpHeaders.newBuilder()
                .setHeaders(headerMap(headers, false)).setEndOfStream(endOfStream)).build();
    }

    static ProcessingRequest requestBody(String chunk, boolean endOfStream) {
        return ProcessingRequest.newBuilder().setRequestBody(HttpBody.newBuilder()
                .setBody(ByteString.copyFromUtf8(chunk)).setEndOfStream(endOfStream)).build();
    }

    /** Headers, then the chunks, the last with end_of_stream (llm-d's {@code ReqRaw}). */
    static List<ProcessingRequest> raw(Map<String, String> headers, String... chunks) {
        List<ProcessingRequest> l = new ArrayList<>();
        l.add(requestHeaders(headers, false));
        for (int i = 0; i < chunks.length; i++) {
            l.add(requestBody(chunks[i], i == chunks.length - 1));
        }
        return l;
    }

    static String completion(String model, String prompt) {
        return "{\"max_tokens\":100,\"model\":\"" + model + "\",\"prompt\":\"" + prompt + "\",\"temperature\":0}";
    }

    /** The subset hint as llm-d sends it: a list of strings. */
    static Metadata subsetList(String... endpoints) {
        ListValue.Builder list = ListValue.newBuilder();
        for (String e : endpoints) {
            list.addValues(Value.newBuilder().setStringValue(e));
        }
        return Metadata.newBuilder().putFilterMetadata(EndpointPicker.SUBSET_NAMESPACE, Struct.newBuilder()
                .putFields(EndpointPicker.SUBSET_KEY, Value.newBuilder().setListValue(list).build()).build()).build();
    }

    /** The subset hint as a header-to-metadata rule produces it: one comma-separated string. */
    static Metadata subsetString(String endpoints) {
        return Metadata.newBuilder().putFilterMetadata(EndpointPicker.SUBSET_NAMESPACE, Struct.newBuilder()
                .putFields(EndpointPicker.SUBSET_KEY, Value.newBuilder().setStringValue(endpoints).build()).build()).build();
    }

    static Metadata served(String endpoint) {
        return Metadata.newBuilder().putFilterMetadata(EndpointPicker.METADATA_NAMESPACE, Struct.newBuilder()
                .putFields(EndpointPicker.SERVED_KEY, Value.newBuilder().setStringValue(endpoint).build()).build()).build();
    }

    /** llm-d's {@code ReqSubset}: headers and one body, both carrying the subset hint. */
    static List<ProcessingRequest> withSubset(Metadata subset, String body) {
        return List.of(
                requestHeaders(Map.of("x-request-id", "test-request-id"), false).toBuilder().setMetadataContext(subset).build(),
                requestBody(body, true).toBuilder().setMetadataContext(subset).build());
    }

    static ProcessingRequest responseHeaders(Map<String, String> headers, boolean endOfStream) {
        return ProcessingRequest.newBuilder().setResponseHeaders(HttpHeaders.newBuilder()
                .setHeaders(headerMap(headers, true)).setEndOfStream(endOfStream)).build();
    }

    static ProcessingRequest responseBody(String chunk, boolean endOfStream) {
        return ProcessingRequest.newBuilder().setResponseBody(HttpBody.newBuilder()
                .setBody(ByteString.copyFromUtf8(chunk)).setEndOfStream(endOfStream)).build();
    }

    static ProcessingRequest responseTrailers() {
        return ProcessingRequest.newBuilder().setResponseTrailers(HttpTrailers.getDefaultInstance()).build();
    }

    /** llm-d's {@code ReqResponseOnly}: response headers, then the chunks, the last with end_of_stream. */
    static List<ProcessingRequest> responseOnly(Map<String, String> headers, String... chunks) {
        List<ProcessingRequest> l = new ArrayList<>();
        l.add(responseHeaders(headers, false));
        for (int i = 0; i < chunks.length; i++) {
            l.add(responseBody(chunks[i], i == chunks.length - 1));
        }
        return l;
    }

    // ---- reading responses

    static String destinationHeader(ProcessingResponse r) {
        return header(r, EndpointPicker.DESTINATION_HEADER);
    }

    static String header(ProcessingResponse r, String key) {
        for (HeaderValueOption o : r.getRequestHeaders().getResponse().getHeaderMutation().getSetHeadersList()) {
            if (o.getHeader().getKey().equals(key)) {
                return o.getHeader().getRawValue().toString(StandardCharsets.UTF_8);
            }
        }
        return null;
    }

    static String destinationMetadata(ProcessingResponse r) {
        return r.getDynamicMetadata().getFieldsOrThrow(EndpointPicker.METADATA_NAMESPACE).getStructValue()
                .getFieldsOrThrow(EndpointPicker.DESTINATION_HEADER).getStringValue();
    }

    static String requestChunk(ProcessingResponse r) {
        return r.getRequestBody().getResponse().getBodyMutation().getStreamedResponse().getBody().toStringUtf8();
    }

    static boolean requestChunkEnds(ProcessingResponse r) {
        return r.getRequestBody().getResponse().getBodyMutation().getStreamedResponse().getEndOfStream();
    }

    static String responseChunk(ProcessingResponse r) {
        return r.getResponseBody().getResponse().getBodyMutation().getStreamedResponse().getBody().toStringUtf8();
    }

    static boolean responseChunkEnds(ProcessingResponse r) {
        return r.getResponseBody().getResponse().getBodyMutation().getStreamedResponse().getEndOfStream();
    }
}
