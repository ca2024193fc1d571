package io.podrouter.examples.gateway;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.EventLoop;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.util.concurrent.ScheduledFuture;
import io.podrouter.api.Candidates;
import io.podrouter.api.InferenceRequest;
import io.podrouter.api.NoPodAvailableException;
import io.podrouter.api.Outcome;
import io.podrouter.api.PodSelection;
import io.podrouter.examples.openai.OpenAiError;

import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse.BodySubscribers;
import java.net.http.HttpResponse.ResponseInfo;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Flow;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;

/**
 * One completion request on its way through the gateway: one or two attempts at backends, each a
 * {@link PodSelection} completed exactly once, and the relay of the chosen backend's answer.
 *
 * <p><b>Threads.</b> Confined to the client connection's event loop: the JDK {@code HttpClient}'s
 * callbacks (response head, body chunks, errors) are handed to it with {@link EventLoop#execute}, in the
 * order the client produced them, so no state here needs a lock. No thread waits for a backend: the
 * request is sent with {@code sendAsync}, and each body chunk is requested only once the client's socket
 * took the previous one (back-pressure from a slow client to the backend).
 *
 * <p><b>Failover.</b> Before the first byte went to the client, a connection failure or a 5xx/429 answer
 * makes one more attempt on another pod (the router's {@code selectPod} excluding the pods tried), if the
 * per-request limit and the {@link RetryBudget} allow; never afterwards.
 *
 * <p><b>Timeouts.</b> Response headers within {@code responseHeadersTimeout} of an attempt's start (then
 * 504, not retried: the backend may be generating, and a second generation would double its cost);
 * no more than {@code streamIdleTimeout} between body chunks while the gateway waits on the backend
 * (then the client's connection is cut); the whole request within {@code totalTimeout}.
 */
final class ProxyExchange {

    private final InferenceGateway gateway;
    private final GatewayConnection conn;
    private final EventLoop loop;
    private final String path;
    private final byte[] body;
    private final InferenceRequest routing;
    private final Candidates candidates;
    private final List<String> tried = new ArrayList<>(2);
    private ScheduledFuture<?> totalTimer;
    private Attempt current;
    private int retries;
    private boolean holdsRetry;
    private boolean headersSent;
    private int sentStatus;
    private boolean done;

    ProxyExchange(InferenceGateway gateway, GatewayConnection conn, String path, byte[] body, InferenceRequest routing,
                  Candidates candidates) {
        this.gateway = gateway;
        this.conn = conn;
        this.loop = conn.context().channel().eventLoop();
        this.path = path;
        this.body = body;
        this.routing = routing;
        this.candidates = candidates;
    }

    /** Starts the first attempt with a selection already made; from now on the exchange owns it. */
    void start(PodSelection first) {
        gateway.retryBudget.requestStarted();
        gateway.exchangesInFlight.increment();
        conn.exchangeStarted(this);
        totalTimer = loop.schedule(this::onTotalTimeout, gateway.totalTimeout.toNanos(), TimeUnit.NANOSECONDS);
        attempt(first);
    }

    /** One try at one backend; receives the response body as a Flow subscriber. */
    private final class Attempt implements Flow.Subscriber<List<ByteBuffer>> {
        final PodSelection selection;
        final long startNanos = System.nanoTime();
        CompletableFuture<java.net.http.HttpResponse<Void>> future;
        Flow.Subscription subscription;
        ScheduledFuture<?> timer;
        boolean abandoned;
        boolean headersArrived;
        boolean relaying;
        boolean awaitingBackend;
        boolean awaitingClient;

        Attempt(PodSelection selection) {
            this.selection = selection;
        }

        String podId() {
            return selection.pod().id();
        }

        @Override
        public void onSubscribe(Flow.Subscription s) {
            post(() -> {
                subscription = s;
                if (abandoned || done) {
                    s.cancel();
                } else if (awaitingBackend) {
                    s.request(1);
                }
            }, s::cancel);
        }

        @Override
        public void onNext(List<ByteBuffer> items) {
            int size = 0;
            for (ByteBuffer b : items) {
                size += b.remaining();
            }
            // Copied here: the client's buffers are not ours to keep once onNext returns.
            ByteBuf copy = Unpooled.buffer(size);
            for (ByteBuffer b : items) {
                copy.writeBytes(b);
            }
            post(() -> onChunk(this, copy), copy::release);
        }

        @Override
        public void onError(Throwable t) {
            post(() -> onBodyFailed(this, t), () -> { });
        }

        @Override
        public void onComplete() {
            post(() -> onBodyDone(this), () -> { });
        }
    }

    private void attempt(PodSelection selection) {
        Attempt att = new Attempt(selection);
        current = att;
        HttpRequest request;
        try {
            request = HttpRequest.newBuilder(URI.create("http://" + selection.pod().authority() + path))
                    .header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofByteArray(body))
                    .build();
        } catch (IllegalArgumentException e) {
            onSendFailed(att, e);
            return;
        }
        att.timer = loop.schedule(() -> onHeadersTimeout(att), gateway.responseHeadersTimeout.toNanos(), TimeUnit.NANOSECONDS);
        att.future = gateway.client.sendAsync(request, info -> {
            post(() -> onHeaders(att, info), () -> { });
            return BodySubscribers.fromSubscriber(att);
        });
        att.future.whenComplete((r, e) -> {
            if (e != null) {
                post(() -> onSendFailed(att, e), () -> { });
            }
        });
    }

    private void onHeaders(Attempt att, ResponseInfo info) {
        if (stale(att)) {
            return;
        }
        att.headersArrived = true;
        cancel(att.timer);
        int status = info.statusCode();
        if (status >= 500 || status == 429) {
            Outcome outcome = status >= 500 ? Outcome.FAILURE : Outcome.SUCCESS;
            if (tryRetry(att, outcome, status >= 500 ? "status_5xx" : "status_429")) {
                return;
            }
            if (status >= 500) {
                abandon(att, Outcome.FAILURE);
                gateway.backendFailed(att.podId(), "HTTP " + status);
                answer(new OpenAiError(502, "bad_gateway", "backend " + att.podId() + " answered HTTP " + status,
                        null, "backend_error"), att.podId());
                return;
            }
            // A 429 that is not retried goes to the client as the backend sent it: it means "slow down".
        }
        HttpVersion version = conn.version();
        HttpResponse head = GatewayConnection.relayHead(version, status);
        info.headers().firstValue("Content-Type").ifPresent(v -> head.headers().set(HttpHeaderNames.CONTENT_TYPE, v));
        info.headers().firstValue("Cache-Control").ifPresent(v -> head.headers().set(HttpHeaderNames.CACHE_CONTROL, v));
        head.headers().set(InferenceGateway.POD_HEADER, att.podId());
        long length = info.headers().firstValueAsLong("Content-Length").orElse(-1);
        if (length >= 0) {
            HttpUtil.setContentLength(head, length);
        } else if (version.equals(HttpVersion.HTTP_1_1)) {
            HttpUtil.setTransferEncodingChunked(head, true);
        } else {
            conn.closeAfterResponse(); // an HTTP/1.0 client learns where the body ends only from the close
        }
        headersSent = true;
        sentStatus = status;
        att.relaying = true;
        conn.writeHead(head);
        awaitBackend(att);
    }

    private void awaitBackend(Attempt att) {
        att.awaitingBackend = true;
        att.awaitingClient = false;
        att.timer = loop.schedule(() -> onIdleTimeout(att), gateway.streamIdleTimeout.toNanos(), TimeUnit.NANOSECONDS);
        if (att.subscription != null) {
            att.subscription.request(1);
        }
    }

    private void onChunk(Attempt att, ByteBuf chunk) {
        if (stale(att) || !att.relaying) {
            chunk.release();
            return;
        }
        cancel(att.timer);
        // The first body bytes carry the first token (SSE) or the whole answer; once per attempt (later calls are no-ops).
        att.selection.firstToken();
        att.awaitingBackend = false;
        att.awaitingClient = true;
        conn.writeChunk(chunk).addListener(f -> {
            if (stale(att)) {
                return;
            }
            if (!f.isSuccess()) {
                clientGone();
                return;
            }
            awaitBackend(att);
        });
    }

    private void onBodyDone(Attempt att) {
        if (stale(att) || !att.relaying) {
            return;
        }
        cancel(att.timer);
        att.selection.complete(Outcome.SUCCESS, System.nanoTime() - att.startNanos);
        gateway.countResponse(sentStatus, InferenceGateway.RESULT_COMPLETE);
        finish();
        conn.endRelayed();
    }

    private void onBodyFailed(Attempt att, Throwable t) {
        if (stale(att)) {
            return;
        }
        if (!att.relaying) {
            onSendFailed(att, t);
            return;
        }
        abandon(att, Outcome.FAILURE);
        gateway.backendFailed(att.podId(), "response broken off: " + unwrap(t));
        gateway.countResponse(sentStatus, InferenceGateway.RESULT_BACKEND_ERROR);
        finish();
        conn.cut();
    }

    private void onSendFailed(Attempt att, Throwable e) {
        if (stale(att)) {
            return;
        }
        if (att.relaying) {
            onBodyFailed(att, e);
            return;
        }
        Throwable cause = unwrap(e);
        if (cause instanceof CancellationException) {
            return; // cancelled by this exchange, which already completed the attempt
        }
        boolean connect = cause instanceof ConnectException || cause instanceof HttpConnectTimeoutException;
        if (tryRetry(att, Outcome.FAILURE, connect ? "connect_error" : "connection_error")) {
            return;
        }
        abandon(att, Outcome.FAILURE);
        gateway.backendFailed(att.podId(), cause.toString());
        answer(new OpenAiError(502, "bad_gateway", "backend " + att.podId() + " failed: "
                + (connect ? "connection refused or timed out" : cause.getClass().getSimpleName()), null, "backend_error"),
                att.podId());
    }

    private void onHeadersTimeout(Attempt att) {
        if (stale(att) || att.headersArrived) {
            return;
        }
        abandon(att, Outcome.FAILURE);
        gateway.countTimeout("response_headers");
        gateway.backendFailed(att.podId(), "no response headers within " + gateway.responseHeadersTimeout.toMillis() + " ms");
        answer(new OpenAiError(504, "gateway_timeout", "backend " + att.podId() + " sent no response headers within "
                + gateway.responseHeadersTimeout.toMillis() + " ms", null, "backend_timeout"), att.podId());
    }

    private void onIdleTimeout(Attempt att) {
        if (stale(att) || !att.awaitingBackend) {
            return;
        }
        abandon(att, Outcome.FAILURE);
        gateway.countTimeout("stream_idle");
        gateway.backendFailed(att.podId(), "stream idle for " + gateway.streamIdleTimeout.toMillis() + " ms");
        gateway.countResponse(sentStatus, InferenceGateway.RESULT_IDLE_TIMEOUT);
        finish();
        conn.cut();
    }

    private void onTotalTimeout() {
        if (done) {
            return;
        }
        Attempt att = current;
        gateway.countTimeout("total");
        // Waiting on a client that does not read is not the backend's fault.
        abandon(att, att != null && att.awaitingClient ? Outcome.CANCELLED : Outcome.FAILURE);
        if (!headersSent) {
            answer(new OpenAiError(504, "gateway_timeout", "no complete answer within the total timeout of "
                    + gateway.totalTimeout.toMillis() + " ms", null, "gateway_timeout"), att == null ? null : att.podId());
            return;
        }
        gateway.countResponse(sentStatus, InferenceGateway.RESULT_TOTAL_TIMEOUT);
        finish();
        conn.cut();
    }

    /** The client closed its connection (or a write to it failed): stop the backend, free the slot. */
    void clientGone() {
        if (done) {
            return;
        }
        abandon(current, Outcome.CANCELLED);
        gateway.countResponse(headersSent ? sentStatus : InferenceGateway.CLIENT_CLOSED_STATUS, InferenceGateway.RESULT_CLIENT_CLOSED);
        finish();
        conn.cut();
    }

    private boolean tryRetry(Attempt att, Outcome outcome, String reason) {
        if (headersSent) {
            return false; // never after bytes reached the client
        }
        if (retries >= gateway.maxRetries) {
            gateway.countRetrySkipped("max_retries");
            return false;
        }
        if (!gateway.retryBudget.tryAcquireRetry()) {
            gateway.countRetrySkipped("budget");
            return false;
        }
        // Select before letting go of this attempt: when no other pod is left, the caller still has it.
        List<String> excluded = new ArrayList<>(tried);
        excluded.add(att.podId());
        PodSelection next;
        try {
            next = gateway.router().selectPod(routing, candidates, excluded);
        } catch (NoPodAvailableException | IllegalStateException e) {
            gateway.retryBudget.releaseRetry();
            gateway.countRetrySkipped("no_other_pod");
            return false;
        }
        abandon(att, outcome);
        tried.add(att.podId());
        retries++;
        if (!holdsRetry) {
            holdsRetry = true;
        } else {
            gateway.retryBudget.releaseRetry(); // one token per request, however many retries it makes
        }
        gateway.countRetry(reason);
        gateway.backendFailed(att.podId(), reason + " (retried on " + next.pod().id() + ")");
        attempt(next);
        return true;
    }

    private void answer(OpenAiError error, String podId) {
        finish();
        conn.respond(error, podId == null ? Map.of() : Map.of(InferenceGateway.POD_HEADER, podId));
    }

    /** Completes the attempt's selection (once), stops its timer, and makes the HTTP client drop it. */
    private void abandon(Attempt att, Outcome outcome) {
        if (att == null || att.abandoned) {
            return;
        }
        att.abandoned = true;
        cancel(att.timer);
        att.selection.complete(outcome, outcome == Outcome.SUCCESS ? System.nanoTime() - att.startNanos : -1);
        if (att.subscription != null) {
            att.subscription.cancel();
        }
        if (att.future != null) {
            att.future.cancel(true);
        }
    }

    private void finish() {
        if (done) {
            return;
        }
        done = true;
        cancel(totalTimer);
        if (current != null && !current.abandoned) {
            // Every path completes its attempt first; this only guards the contract.
            current.abandoned = true;
            current.selection.complete(Outcome.CANCELLED, -1);
        }
        if (holdsRetry) {
            gateway.retryBudget.releaseRetry();
        }
        gateway.retryBudget.requestFinished();
        gateway.exchangesInFlight.decrement();
    }

    private boolean stale(Attempt att) {
        return done || att != current || att.abandoned;
    }

    private void post(Runnable task, Runnable ifRejected) {
        try {
            loop.execute(task);
        } catch (RejectedExecutionException e) {
            ifRejected.run(); // the gateway is closing; its close completes what is left
        }
    }

    private static void cancel(ScheduledFuture<?> f) {
        if (f != null) {
            f.cancel(false);
        }
    }

    private static Throwable unwrap(Throwable t) {
        while ((t instanceof CompletionException || t instanceof ExecutionException) && t.getCause() != null) {
            t = t.getCause();
        }
        if (t instanceof IOException && t.getCause() instanceof ConnectException c) {
            return c;
        }
        return t;
    }
}
