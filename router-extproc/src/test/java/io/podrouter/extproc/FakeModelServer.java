package io.podrouter.extproc;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A minimal vLLM stand-in for the end-to-end test (the examples module's fake backend comes later in the build
 * order): {@code POST /v1/completions} answers JSON, or two server-sent events when the body asks to stream, and
 * {@code GET /metrics} the vLLM gauges with a fixed KV-cache usage for model {@code m}.
 */
final class FakeModelServer implements AutoCloseable {

    private final HttpServer http;
    private final double kvCacheUsage;
    final AtomicInteger completions = new AtomicInteger();
    final AtomicInteger scrapes = new AtomicInteger();

    FakeModelServer(String host, int port, double kvCacheUsage) throws IOException {
        this.kvCacheUsage = kvCacheUsage;
        http = HttpServer.create(new InetSocketAddress(host, port), 0);
        http.createContext("/metrics", this::metrics);
        http.createContext("/v1/completions", this::completion);
        http.start();
    }

    private void metrics(HttpExchange ex) throws IOException {
        scrapes.incrementAndGet();
        String body = "# TYPE vllm:num_requests_running gauge\nvllm:num_requests_running{model_name=\"m\"} 0\n"
                + "# TYPE vllm:num_requests_waiting gauge\nvllm:num_requests_waiting{model_name=\"m\"} 0\n"
                + "# TYPE vllm:kv_cache_usage_perc gauge\nvllm:kv_cache_usage_perc{model_name=\"m\"} " + kvCacheUsage + "\n";
        send(ex, 200, "text/plain; version=0.0.4", body);
    }

    private void completion(HttpExchange ex) throws IOException {
        String request = new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
        completions.incrementAndGet();
        String self = http.getAddress().getHostString();
        if (request.contains("\"stream\":true")) {
            send(ex, 200, "text/event-stream", "data: {\"choices\":[{\"text\":\"" + self + "\"}]}\n\ndata: [DONE]\n\n");
        } else {
            send(ex, 200, "application/json", "{\"choices\":[{\"text\":\"" + self + "\"}]}");
        }
    }

    private static void send(HttpExchange ex, int status, String type, String body) throws IOException {
        byte[] b = body.getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().set("Content-Type", type);
        ex.sendResponseHeaders(status, b.length);
        try (OutputStream out = ex.getResponseBody()) {
            out.write(b);
        }
    }

    @Override
    public void close() {
        http.stop(0);
    }
}
