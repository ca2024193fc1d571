package io.podrouter.examples;

import io.podrouter.examples.gateway.InferenceGateway;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Closed-loop client load against a gateway: each of a few client threads sends one OpenAI-style request
 * at a time (alternating {@code /v1/chat/completions} and {@code /v1/completions}, every other one
 * streamed), checks the answer, pauses briefly and sends the next, until {@link #stop()}. Every request's
 * result is recorded as a {@link Result}.
 *
 * <p>A request counts as ok when the gateway answered 200 and the body is complete: a JSON body with
 * {@code "choices"}, or an event stream ending with {@code data: [DONE]}. Anything else (another status,
 * a cut stream, an I/O error) is recorded as not ok with the reason.
 *
 * <p>Thread-safe. Owns daemon threads named {@code podrouter-demo-client-N} and an HTTP client pool
 * {@code podrouter-demo-http-N}; {@link #stop()} ends them.
 */
public final class LoadDriver {

    /**
     * One request's result.
     *
     * @param sentAtNanos     {@link System#nanoTime()} when it was sent
     * @param doneAtNanos     {@link System#nanoTime()} when its answer was complete
     * @param pod             the backend named by the gateway's {@value InferenceGateway#POD_HEADER} header, or null
     * @param status          the HTTP status, or -1 for an I/O error
     * @param ok              whether the request succeeded completely
     * @param problem         what went wrong, or null when ok
     */
    public record Result(long sentAtNanos, long doneAtNanos, String pod, int status, boolean ok, String problem) {

        /** Time from sending to the complete answer, in nanoseconds. */
        public long latencyNanos() {
            return doneAtNanos - sentAtNanos;
        }
    }

    private final URI gateway;
    private final String model;
    private final int clients;
    private final Duration pause;
    private final ConcurrentLinkedQueue<Result> results = new ConcurrentLinkedQueue<>();
    private final ExecutorService httpPool;
    private final HttpClient http;
    private final List<Thread> threads = new ArrayList<>();
    private volatile boolean running;

    /**
     * @param gateway the gateway's base URI; null throws
     * @param model   the model to request; null throws
     * @param clients client threads, &gt;= 1
     * @param pause   pause between a client's requests, &gt;= 0
     */
    public LoadDriver(URI gateway, String model, int clients, Duration pause) {
        this.gateway = Objects.requireNonNull(gateway, "gateway: null (expected: the gateway's base URI)");
        this.model = Objects.requireNonNull(model, "model: null (expected: a model name)");
        if (clients < 1) {
            throw new IllegalArgumentException("clients: " + clients + " (expected: >= 1)");
        }
        Objects.requireNonNull(pause, "pause: null (expected: >= 0)");
        if (pause.isNegative()) {
            throw new IllegalArgumentException("pause: " + pause + " (expected: >= 0)");
        }
        this.clients = clients;
        this.pause = pause;
        AtomicInteger n = new AtomicInteger();
        ThreadPoolExecutor pool = new ThreadPoolExecutor(2, 2, 10, TimeUnit.SECONDS, new LinkedBlockingQueue<>(), r -> {
            Thread t = new Thread(r, "podrouter-demo-http-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        pool.allowCoreThreadTimeOut(true);
        this.httpPool = pool;
        this.http = HttpClient.newBuilder().executor(httpPool).version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(2)).build();
    }

    /** Starts the client threads. Call once. */
    public synchronized void start() {
        if (!threads.isEmpty()) {
            throw new IllegalStateException("load driver already started");
        }
        running = true;
        for (int i = 0; i < clients; i++) {
            int client = i;
            Thread t = new Thread(() -> loop(client), "podrouter-demo-client-" + (i + 1));
            t.setDaemon(true);
            threads.add(t);
            t.start();
        }
    }

    /** Stops sending, waits for the requests in progress (up to 10 s), and ends the threads. Idempotent. */
    public synchronized void stop() {
        running = false;
        for (Thread t : threads) {
            try {
                t.join(10_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
        httpPool.shutdownNow();
        try {
            httpPool.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Every result so far, in completion order (a copy). */
    public List<Result> results() {
        return new ArrayList<>(results);
    }

    private void loop(int client) {
        long n = 0;
        while (running) {
            n++;
            boolean chat = (n + client) % 2 == 0;
            boolean stream = (n / 2 + client) % 2 == 0;
            results.add(send(chat, stream, 8 + (int) ((n * 7 + client) % 17)));
            if (!pause.isZero()) {
                try {
                    Thread.sleep(pause.toMillis());
                } catch (InterruptedException e) {
                    return;
                }
            }
        }
    }

    private Result send(boolean chat, boolean stream, int maxTokens) {
        String body = chat
                ? "{\"model\":\"" + model + "\",\"messages\":[{\"role\":\"user\",\"content\":\"Say something about pods.\"}],"
                        + "\"max_tokens\":" + maxTokens + ",\"stream\":" + stream + "}"
                : "{\"model\":\"" + model + "\",\"prompt\":\"Once upon a time a pod\",\"max_tokens\":" + maxTokens
                        + ",\"stream\":" + stream + "}";
        HttpRequest request = HttpRequest.newBuilder(gateway.resolve(chat ? "/v1/chat/completions" : "/v1/completions"))
                .timeout(Duration.ofSeconds(30))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body))
                .build();
        long sent = System.nanoTime();
        try {
            HttpResponse<String> r = http.send(request, HttpResponse.BodyHandlers.ofString());
            long done = System.nanoTime();
            String pod = r.headers().firstValue(InferenceGateway.POD_HEADER).orElse(null);
            String problem = null;
            if (r.statusCode() != 200) {
                problem = "HTTP " + r.statusCode() + ": " + r.body();
            } else if (stream && !r.body().endsWith("data: [DONE]\n\n")) {
                problem = "event stream without data: [DONE]";
            } else if (!stream && !r.body().contains("\"choices\"")) {
                problem = "JSON body without choices";
            }
            return new Result(sent, done, pod, r.statusCode(), problem == null, problem);
        } catch (IOException e) {
            return new Result(sent, System.nanoTime(), null, -1, false, e.toString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Result(sent, System.nanoTime(), null, -1, false, "interrupted");
        }
    }
}
