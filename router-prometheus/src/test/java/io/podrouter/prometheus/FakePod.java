package io.podrouter.prometheus;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.podrouter.api.Pod;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/** A model-server pod for tests: a real JDK HttpServer on 127.0.0.1 and an ephemeral port, with a scripted behaviour. */
final class FakePod implements AutoCloseable {

    interface Behaviour {
        void handle(HttpExchange exchange) throws IOException;
    }

    private final HttpServer server;
    private final ExecutorService executor = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "fake-pod");
        t.setDaemon(true);
        return t;
    });
    private final CountDownLatch release = new CountDownLatch(1);
    final AtomicInteger requests = new AtomicInteger();
    volatile String lastPath;
    private volatile Behaviour behaviour = status(404, "");

    FakePod() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.setExecutor(executor);
        server.createContext("/", exchange -> {
            requests.incrementAndGet();
            lastPath = exchange.getRequestURI().getPath();
            try {
                behaviour.handle(exchange);
            } catch (IOException e) {
                // the client went away (cap reached, timeout): expected in some tests
            } finally {
                exchange.close();
            }
        });
        server.start();
    }

    int port() {
        return server.getAddress().getPort();
    }

    Pod pod(String id) {
        return Pod.ready(id, "127.0.0.1", port(), Instant.EPOCH);
    }

    FakePod serve(String body) {
        behaviour = status(200, body);
        return this;
    }

    FakePod behave(Behaviour b) {
        behaviour = b;
        return this;
    }

    static Behaviour status(int status, String body) {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        return ex -> {
            ex.getResponseHeaders().set("Content-Type", "text/plain; version=0.0.4; charset=utf-8");
            ex.sendResponseHeaders(status, bytes.length == 0 ? -1 : bytes.length);
            if (bytes.length > 0) {
                ex.getResponseBody().write(bytes);
            }
        };
    }

    /** Never answers (until the pod is closed). */
    Behaviour hang() {
        return ex -> {
            try {
                release.await(30, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        };
    }

    /** Streams {@code total} bytes of valid-looking text, chunked or with a declared length. */
    static Behaviour huge(long total, boolean declareLength) {
        return ex -> {
            ex.sendResponseHeaders(200, declareLength ? total : 0);
            byte[] line = "vllm:num_requests_running{model_name=\"m\"} 1\n".repeat(1400).getBytes(StandardCharsets.UTF_8);
            OutputStream out = ex.getResponseBody();
            for (long sent = 0; sent < total; sent += line.length) {
                out.write(line, 0, (int) Math.min(line.length, total - sent));
            }
        };
    }

    /** Declares more bytes than it sends, then closes the connection. */
    static Behaviour shortBody(String body) {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        return ex -> {
            ex.sendResponseHeaders(200, bytes.length + 1000);
            ex.getResponseBody().write(bytes);
            ex.getResponseBody().flush();
            throw new IOException("cut short on purpose"); // FakePod then closes the exchange short
        };
    }

    @Override
    public void close() {
        release.countDown();
        server.stop(0);
        executor.shutdownNow();
    }

    /** Mutable text in the Prometheus format, for scripted scrapes. */
    static final class Text {
        private final StringBuilder sb = new StringBuilder();

        Text gauge(String name, String model, double value) {
            sb.append("# TYPE ").append(name).append(" gauge\n");
            sb.append(name).append("{model_name=\"").append(model).append("\"} ").append(value).append('\n');
            return this;
        }

        /** A histogram series; {@code bounds} must end with +Inf, {@code cumulative} are per-bucket cumulative counts. */
        Text histogram(String name, String model, double[] bounds, double[] cumulative, double sum) {
            sb.append("# TYPE ").append(name).append(" histogram\n");
            for (int i = 0; i < bounds.length; i++) {
                String le = bounds[i] == Double.POSITIVE_INFINITY ? "+Inf" : Double.toString(bounds[i]);
                sb.append(name).append("_bucket{le=\"").append(le).append("\",model_name=\"").append(model).append("\"} ")
                        .append(cumulative[i]).append('\n');
            }
            sb.append(name).append("_sum{model_name=\"").append(model).append("\"} ").append(sum).append('\n');
            sb.append(name).append("_count{model_name=\"").append(model).append("\"} ").append(cumulative[cumulative.length - 1]).append('\n');
            return this;
        }

        Text raw(String text) {
            sb.append(text);
            return this;
        }

        @Override
        public String toString() {
            return sb.toString();
        }
    }

    static Map<String, String> labels(String... kv) {
        Map<String, String> m = new java.util.HashMap<>();
        for (int i = 0; i < kv.length; i += 2) {
            m.put(kv[i], kv[i + 1]);
        }
        return m;
    }
}
