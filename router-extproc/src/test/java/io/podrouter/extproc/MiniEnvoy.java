package io.podrouter.extproc;

import io.grpc.ManagedChannel;
import io.grpc.stub.StreamObserver;
import io.podrouter.extproc.proto.ExternalProcessorGrpc;
import io.podrouter.extproc.proto.ProcessingRequest;
import io.podrouter.extproc.proto.ProcessingResponse;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * The test's proxy: plays Envoy's ext_proc filter for one request at a time (request headers and body to the
 * picker, the request forwarded to the endpoint the picker names, the response's headers and body back through
 * the picker) and returns what the client would get.
 */
final class MiniEnvoy {

    record Exchange(String endpoint, int status, String body) {
    }

    private final ExternalProcessorGrpc.ExternalProcessorStub stub;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    MiniEnvoy(ManagedChannel channel) {
        stub = ExternalProcessorGrpc.newStub(channel);
    }

    Exchange post(String path, String body) throws Exception {
        LinkedBlockingQueue<Object> in = new LinkedBlockingQueue<>();
        StreamObserver<ProcessingRequest> out = stub.process(new StreamObserver<>() {
            @Override
            public void onNext(ProcessingResponse value) {
                in.add(value);
            }

            @Override
            public void onError(Throwable t) {
                in.add(t);
            }

            @Override
            public void onCompleted() {
                in.add("completed");
            }
        });
        out.onNext(Envoy.requestHeaders(Map.of(":method", "POST", ":path", path, "content-type", "application/json"), false));
        out.onNext(Envoy.requestBody(body, true));
        ProcessingResponse headers = next(in);
        if (headers.hasImmediateResponse()) {
            out.onCompleted();
            return new Exchange("", headers.getImmediateResponse().getStatus().getCodeValue(),
                    headers.getImmediateResponse().getBody().toStringUtf8());
        }
        String endpoint = Envoy.destinationHeader(headers);
        StringBuilder forwarded = new StringBuilder();
        while (true) {
            ProcessingResponse chunk = next(in);
            forwarded.append(Envoy.requestChunk(chunk));
            if (Envoy.requestChunkEnds(chunk)) {
                break;
            }
        }
        HttpResponse<String> upstream = http.send(HttpRequest.newBuilder(URI.create("http://" + endpoint + path))
                .header("content-type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(forwarded.toString())).build(), HttpResponse.BodyHandlers.ofString());
        String type = upstream.headers().firstValue("content-type").orElse("application/json");
        out.onNext(Envoy.responseHeaders(Map.of(":status", Integer.toString(upstream.statusCode()), "content-type", type), false));
        next(in);
        out.onNext(Envoy.responseBody(upstream.body(), true));
        StringBuilder toClient = new StringBuilder();
        while (true) {
            ProcessingResponse chunk = next(in);
            toClient.append(Envoy.responseChunk(chunk));
            if (Envoy.responseChunkEnds(chunk)) {
                break;
            }
        }
        out.onCompleted();
        return new Exchange(endpoint, upstream.statusCode(), toClient.toString());
    }

    private static ProcessingResponse next(LinkedBlockingQueue<Object> in) throws InterruptedException {
        Object o = in.poll(10, TimeUnit.SECONDS);
        if (o instanceof ProcessingResponse r) {
            return r;
        }
        throw new AssertionError("expected a ProcessingResponse, got " + o);
    }
}
