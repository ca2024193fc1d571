package io.podrouter.extproc;

import com.google.protobuf.ByteString;
import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import io.podrouter.api.Candidates;
import io.podrouter.api.InferenceRequest;
import io.podrouter.api.NoPodAvailableException;
import io.podrouter.api.Outcome;
import io.podrouter.api.Pod;
import io.podrouter.api.PodSelection;
import io.podrouter.extproc.proto.BodyMutation;
import io.podrouter.extproc.proto.BodyResponse;
import io.podrouter.extproc.proto.CommonResponse;
import io.podrouter.extproc.proto.HeaderMutation;
import io.podrouter.extproc.proto.HeaderValue;
import io.podrouter.extproc.proto.HeaderValueOption;
import io.podrouter.extproc.proto.HeadersResponse;
import io.podrouter.extproc.proto.HttpBody;
import io.podrouter.extproc.proto.HttpHeaders;
import io.podrouter.extproc.proto.HttpStatus;
import io.podrouter.extproc.proto.ImmediateResponse;
import io.podrouter.extproc.proto.Metadata;
import io.podrouter.extproc.proto.ProcessingRequest;
import io.podrouter.extproc.proto.ProcessingResponse;
import io.podrouter.extproc.proto.StatusCode;
import io.podrouter.extproc.proto.StreamedBodyResponse;
import io.podrouter.extproc.proto.TrailersResponse;
import org.jspecify.annotations.Nullable;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The state of one ext_proc stream (one HTTP request and its response). gRPC delivers a stream's messages one
 * at a time, and the cancel handler in the same serialized order, so the fields need no locks.
 */
final class PickerStream implements StreamObserver<ProcessingRequest> {

    private static final ProcessingResponse RESPONSE_HEADERS_CONTINUE = ProcessingResponse.newBuilder()
            .setResponseHeaders(HeadersResponse.newBuilder().setResponse(CommonResponse.getDefaultInstance()))
            .build();
    private static final ProcessingResponse RESPONSE_TRAILERS_CONTINUE = ProcessingResponse.newBuilder()
            .setResponseTrailers(TrailersResponse.getDefaultInstance())
            .build();

    private final EndpointPicker picker;
    private final StreamObserver<ProcessingResponse> out;

    private final Map<String, String> requestHeaders = new LinkedHashMap<>();
    private Metadata metadata = Metadata.getDefaultInstance();
    private byte[] requestBody = new byte[0];
    private int requestBodyLength;

    private @Nullable InferenceRequest request;
    /** The chosen endpoint first, then the fallbacks, in the order named. */
    private List<Pod> named = List.of();
    /** The open selection: the chosen pod's, or the serving fallback's; null before routing and after completion. */
    private @Nullable PodSelection selection;
    private long forwardedAtNanos;

    private int responseStatus;
    private boolean eventStream;
    private boolean servedChecked;
    private boolean firstChunkSeen;
    private boolean passThrough;
    private byte[] responseBuffer = new byte[0];
    private int responseBufferLength;

    private boolean closed;

    PickerStream(EndpointPicker picker, StreamObserver<ProcessingResponse> out) {
        this.picker = picker;
        this.out = out;
        picker.stats.streamOpened();
    }

    @Override
    public void onNext(ProcessingRequest message) {
        if (closed) {
            return;
        }
        try {
            if (message.hasMetadataContext()) {
                metadata = message.getMetadataContext();
            }
            switch (message.getRequestCase()) {
                case REQUEST_HEADERS -> onRequestHeaders(message.getRequestHeaders());
                case REQUEST_BODY -> onRequestBody(message.getRequestBody());
                case RESPONSE_HEADERS -> onResponseHeaders(message.getResponseHeaders());
                case RESPONSE_BODY -> onResponseBody(message.getResponseBody());
                case RESPONSE_TRAILERS -> onResponseTrailers();
                // request trailers need no answer in FULL_DUPLEX_STREAMED mode: the body responses already went out
                case REQUEST_TRAILERS, REQUEST_NOT_SET -> {
                }
            }
        } catch (RuntimeException e) {
            picker.logRateLimited("endpoint picker: unexpected error on an ext_proc stream, ending it with INTERNAL", e);
            picker.stats.record(PickerStats.Result.INTERNAL_ERROR);
            complete(Outcome.CANCELLED, -1);
            close();
            out.onError(Status.INTERNAL.withDescription("endpoint picker: " + e).asRuntimeException());
        }
    }

    private void onRequestHeaders(HttpHeaders headers) {
        for (HeaderValue h : headers.getHeaders().getHeadersList()) {
            requestHeaders.put(h.getKey().toLowerCase(java.util.Locale.ROOT), valueOf(h));
        }
        if (headers.getEndOfStream()) {
            String model = requestHeaders.get(EndpointPicker.MODEL_NAME_HEADER);
            if (model == null || model.isBlank()) {
                model = picker.headerOnlyModel;
            }
            route(new InferenceRequest(model, null, InferenceRequest.UNKNOWN, InferenceRequest.UNKNOWN,
                    routingHeaders()), false);
        }
    }

    private void onRequestBody(HttpBody body) {
        ByteString chunk = body.getBody();
        if ((long) requestBodyLength + chunk.size() > picker.maxRequestBodyBytes) {
            reject(StatusCode.PayloadTooLarge, PickerStats.Result.TOO_LARGE, "request body: over "
                    + picker.maxRequestBodyBytes + " bytes (expected: at most the picker's --max-request-body-bytes)");
            return;
        }
        requestBody = append(requestBody, requestBodyLength, chunk);
        requestBodyLength += chunk.size();
        if (!body.getEndOfStream()) {
            return;
        }
        byte[] whole = Arrays.copyOf(requestBody, requestBodyLength);
        RequestBodyParser.Parsed parsed;
        try {
            parsed = RequestBodyParser.parse(whole, routingHeaders());
        } catch (BadRequestException e) {
            reject(StatusCode.BadRequest, PickerStats.Result.BAD_REQUEST, e.getMessage());
            return;
        }
        if (route(parsed.request(), true)) {
            sendBody(whole, true);
        }
        requestBody = new byte[0];
    }

    /**
     * Chooses the endpoints and sends the request headers response; on failure sends the immediate response
     * and closes. Returns whether it routed.
     */
    private boolean route(InferenceRequest req, boolean withBody) {
        SubsetHint hint = SubsetHint.from(metadata);
        Candidates candidates = hint == null || !hint.isEmpty() ? picker.candidates(hint) : null;
        if (candidates == null) {
            reject(StatusCode.ServiceUnavailable, PickerStats.Result.SUBSET_EMPTY,
                    "no endpoint of the pool is in the subset hint " + SubsetHint.describe(metadata));
            return false;
        }
        boolean admitted;
        try {
            admitted = picker.admission.admit(req, candidates);
        } catch (RuntimeException e) {
            picker.logRateLimited("endpoint picker: admission threw; the request is admitted", e);
            admitted = true;
        }
        if (!admitted) {
            reject(StatusCode.TooManyRequests, PickerStats.Result.SHED, "request shed: the pool is saturated");
            return false;
        }
        PodSelection chosen;
        try {
            chosen = picker.selector.selectPod(req, candidates);
        } catch (NoPodAvailableException e) {
            reject(StatusCode.ServiceUnavailable, PickerStats.Result.NO_READY_POD, e.getMessage());
            return false;
        }
        List<Pod> pods = new ArrayList<>(1 + picker.fallbacks);
        pods.add(chosen.pod());
        if (picker.fallbacks > 0) {
            Set<String> excluded = new HashSet<>();
            excluded.add(chosen.pod().id());
            for (int i = 0; i < picker.fallbacks; i++) {
                PodSelection next;
                try {
                    next = picker.selector.selectPod(req, candidates, excluded);
                } catch (NoPodAvailableException e) {
                    break;
                }
                // a fallback holds no slot: it serves only when the chosen pod failed, and then gets a selection
                next.complete(Outcome.CANCELLED, -1);
                pods.add(next.pod());
                excluded.add(next.pod().id());
            }
        }
        request = req;
        named = List.copyOf(pods);
        selection = chosen;
        String destination = destination(named);
        HeaderMutation.Builder mutation = HeaderMutation.newBuilder().addSetHeaders(header(EndpointPicker.DESTINATION_HEADER, destination));
        if (withBody) {
            mutation.addSetHeaders(header("content-length", Integer.toString(requestBodyLength)));
        }
        Struct lb = Struct.newBuilder()
                .putFields(EndpointPicker.DESTINATION_HEADER, Value.newBuilder().setStringValue(destination).build())
                .build();
        out.onNext(ProcessingResponse.newBuilder()
                .setRequestHeaders(HeadersResponse.newBuilder().setResponse(CommonResponse.newBuilder()
                        .setClearRouteCache(true)
                        .setHeaderMutation(mutation)))
                .setDynamicMetadata(Struct.newBuilder()
                        .putFields(EndpointPicker.METADATA_NAMESPACE, Value.newBuilder().setStructValue(lb).build()))
                .build());
        forwardedAtNanos = picker.nanoTime.getAsLong();
        picker.stats.record(PickerStats.Result.ROUTED);
        return true;
    }

    private void onResponseHeaders(HttpHeaders headers) {
        for (HeaderValue h : headers.getHeaders().getHeadersList()) {
            String key = h.getKey();
            if (key.equals(":status") || key.equals("status")) {
                responseStatus = parseStatus(valueOf(h));
            } else if (key.equalsIgnoreCase("content-type")
                    && valueOf(h).toLowerCase(java.util.Locale.ROOT).contains("text/event-stream")) {
                eventStream = true;
            }
        }
        checkServed();
        out.onNext(RESPONSE_HEADERS_CONTINUE);
        if (headers.getEndOfStream()) {
            responseEnded();
        }
    }

    /** Attributes the response to the endpoint that served it, once, from the metadata context. */
    private void checkServed() {
        if (servedChecked || selection == null) {
            return;
        }
        servedChecked = true;
        String served = servedEndpoint(metadata);
        if (served == null || named.size() < 2 || served.equalsIgnoreCase(EndpointPicker.endpoint(named.get(0)))) {
            return;
        }
        for (int i = 1; i < named.size(); i++) {
            Pod pod = named.get(i);
            if (served.equalsIgnoreCase(EndpointPicker.endpoint(pod))) {
                // the data plane went down the list: the endpoints before this one did not answer
                complete(Outcome.FAILURE, -1);
                picker.stats.recordFallbackServed();
                InferenceRequest req = request;
                if (req != null) {
                    try {
                        selection = picker.selector.selectPod(req, picker.selector.candidates(List.of(pod)));
                    } catch (NoPodAvailableException e) {
                        selection = null;
                    }
                }
                return;
            }
        }
        picker.logRateLimited("endpoint picker: the data plane reports served endpoint '" + served
                + "', which is none of the named ones " + destination(named) + "; the response is counted for the first", null);
    }

    private void onResponseBody(HttpBody body) {
        checkServed();
        ByteString chunk = body.getBody();
        if (!firstChunkSeen && !chunk.isEmpty()) {
            firstChunkSeen = true;
            firstToken();
        }
        boolean eos = body.getEndOfStream();
        if (eventStream || passThrough) {
            sendChunks(chunk, eos, false);
        } else if ((long) responseBufferLength + chunk.size() > picker.maxResponseBufferBytes) {
            passThrough = true;
            sendChunks(ByteString.copyFrom(responseBuffer, 0, responseBufferLength), false, false);
            responseBuffer = new byte[0];
            responseBufferLength = 0;
            sendChunks(chunk, eos, false);
        } else {
            responseBuffer = append(responseBuffer, responseBufferLength, chunk);
            responseBufferLength += chunk.size();
            if (eos) {
                sendChunks(ByteString.copyFrom(responseBuffer, 0, responseBufferLength), true, false);
                responseBuffer = new byte[0];
                responseBufferLength = 0;
            }
        }
        if (eos) {
            responseEnded();
        }
    }

    private void onResponseTrailers() {
        checkServed();
        if (responseBufferLength > 0) {
            // trailers end the response: what is buffered goes out without end_of_stream, the trailers follow
            sendChunks(ByteString.copyFrom(responseBuffer, 0, responseBufferLength), false, false);
            responseBuffer = new byte[0];
            responseBufferLength = 0;
        }
        out.onNext(RESPONSE_TRAILERS_CONTINUE);
        responseEnded();
    }

    /** The first byte of the pod's response body: the router can tell prefill from decode from here on. */
    private void firstToken() {
        PodSelection s = selection;
        if (s != null) {
            s.firstToken();
        }
    }

    private void responseEnded() {
        long latency = forwardedAtNanos == 0 ? -1 : Math.max(0, picker.nanoTime.getAsLong() - forwardedAtNanos);
        complete(responseStatus >= 500 ? Outcome.FAILURE : Outcome.SUCCESS, latency);
    }

    private void complete(Outcome outcome, long latencyNanos) {
        PodSelection s = selection;
        if (s != null) {
            selection = null;
            if (s.complete(outcome, latencyNanos)) {
                picker.stats.completed(outcome);
            }
        }
    }

    private void sendBody(byte[] body, boolean request) {
        sendChunks(ByteString.copyFrom(body), true, request);
    }

    /** Sends {@code body} as streamed chunks of at most {@link EndpointPicker#MAX_CHUNK_BYTES}; an empty body is one chunk. */
    private void sendChunks(ByteString body, boolean endOfStream, boolean request) {
        int size = body.size();
        int offset = 0;
        do {
            int end = Math.min(size, offset + EndpointPicker.MAX_CHUNK_BYTES);
            BodyResponse chunk = BodyResponse.newBuilder().setResponse(CommonResponse.newBuilder()
                    .setBodyMutation(BodyMutation.newBuilder().setStreamedResponse(StreamedBodyResponse.newBuilder()
                            .setBody(body.substring(offset, end))
                            .setEndOfStream(endOfStream && end == size))))
                    .build();
            ProcessingResponse.Builder r = ProcessingResponse.newBuilder();
            if (request) {
                r.setRequestBody(chunk);
            } else {
                r.setResponseBody(chunk);
            }
            out.onNext(r.build());
            offset = end;
        } while (offset < size);
    }

    private void reject(StatusCode code, PickerStats.Result result, String message) {
        picker.stats.record(result);
        out.onNext(ProcessingResponse.newBuilder().setImmediateResponse(ImmediateResponse.newBuilder()
                        .setStatus(HttpStatus.newBuilder().setCode(code))
                        .setBody(ByteString.copyFromUtf8(message))
                        .setDetails("podrouter_" + result.name().toLowerCase(java.util.Locale.ROOT)))
                .build());
        close();
        out.onCompleted();
    }

    /** The data plane ended the stream: a response not yet complete is cancelled. */
    @Override
    public void onCompleted() {
        complete(Outcome.CANCELLED, -1);
        if (!closed) {
            close();
            out.onCompleted();
        }
    }

    @Override
    public void onError(Throwable t) {
        complete(Outcome.CANCELLED, -1);
        close();
    }

    /** The call was cancelled (client gone, deadline, the data plane reset the stream). */
    void cancelled() {
        complete(Outcome.CANCELLED, -1);
        close();
    }

    private void close() {
        if (!closed) {
            closed = true;
            picker.stats.streamClosed();
        }
    }

    private Map<String, String> routingHeaders() {
        Map<String, String> m = new LinkedHashMap<>();
        for (Map.Entry<String, String> e : requestHeaders.entrySet()) {
            if (!e.getKey().startsWith(":")) {
                m.put(e.getKey(), e.getValue());
            }
        }
        return m;
    }

    static String destination(List<Pod> pods) {
        StringBuilder sb = new StringBuilder();
        for (Pod p : pods) {
            if (sb.length() > 0) {
                sb.append(',');
            }
            sb.append(EndpointPicker.endpoint(p));
        }
        return sb.toString();
    }

    private static HeaderValueOption header(String key, String value) {
        return HeaderValueOption.newBuilder()
                .setHeader(HeaderValue.newBuilder().setKey(key).setRawValue(ByteString.copyFromUtf8(value)))
                .setAppendAction(HeaderValueOption.HeaderAppendAction.OVERWRITE_IF_EXISTS_OR_ADD)
                .build();
    }

    /** A header's value: Envoy sends {@code raw_value} (bytes) or, from older configurations, {@code value}. */
    static String valueOf(HeaderValue h) {
        return h.getRawValue().isEmpty() ? h.getValue() : h.getRawValue().toString(StandardCharsets.UTF_8);
    }

    private static int parseStatus(String s) {
        try {
            return Integer.parseInt(s.trim());
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    static @Nullable String servedEndpoint(Metadata metadata) {
        Struct lb = metadata.getFilterMetadataMap().get(EndpointPicker.METADATA_NAMESPACE);
        if (lb == null) {
            return null;
        }
        Value v = lb.getFieldsMap().get(EndpointPicker.SERVED_KEY);
        return v != null && v.hasStringValue() && !v.getStringValue().isBlank() ? v.getStringValue().trim() : null;
    }

    private static byte[] append(byte[] buf, int length, ByteString chunk) {
        int need = length + chunk.size();
        byte[] b = buf;
        if (need > b.length) {
            b = Arrays.copyOf(b, (int) Math.max(need, Math.min(Integer.MAX_VALUE - 8L, b.length * 2L)));
        }
        chunk.copyTo(b, length);
        return b;
    }
}
