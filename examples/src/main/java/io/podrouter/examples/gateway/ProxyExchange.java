package io.podrouter.examples.gateway;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFuture;
import io.netty.channel.EventLoop;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.concurrent.ScheduledFuture;
import io.podrouter.api.Candidates;
import io.podrouter.api.InferenceRequest;
import io.podrouter.api.NoPodAvailableException;
import io.podrouter.api.Outcome;
import io.podrouter.api.PodSelection;
import io.podrouter.examples.openai.OpenAiError;

import java.net.ConnectException;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;

/**
 * One completion request on its way through the gateway: one or two attempts at backends, each a
 * {@link PodSelection} completed exactly once, and the relay of the chosen backend's answer.
 *
 * <p><b>Threads.</b> Confined to the client connection's event loop. The pod connection's callbacks
 * (granted, response head, body pieces, end, failure) are handed to it with {@link EventLoop#execute},
 * in the order they happened; the connection is normally on the same loop, and then that is a queue
 * append, not a thread hop. No thread waits for a pod.
 *
 * <p><b>Back-pressure.</b> The pod connection reads only when asked: after each read's pieces were
 * written to the client and its socket took them, the exchange asks for the next read. A slow client
 * thus slows the pod's TCP connection, and the gateway holds at most one read's worth of a response.
 *
 * <p><b>Failover.</b> A pooled (reused) connection that the pod closed before any byte of the response
 * came back is not a failure: the request goes again to the same pod on another connection (at most
 * {@value #MAX_RESENDS} times per attempt), because a server may close an idle keep-alive connection just
 * as a request is sent on it. Before the first byte went to the client, a connection failure or a
 * 5xx/429 answer makes one more attempt on another pod (the router's {@code selectPod} excluding the pods tried), if the
 * per-request limit and the {@link RetryBudget} allow; never afterwards.
 *
 * <p><b>Timeouts.</b> Response headers within {@code responseHeadersTimeout} of an attempt's start,
 * waiting for a pooled connection included (then 504, not retried: the backend may be generating, and a
 * second generation would double its cost); no more than {@code streamIdleTimeout} between body pieces
 * while the gateway waits on the backend (then the client's connection is cut); the whole request
 * within {@code totalTimeout}. An attempt that is given up closes its pod connection, which tells the pod
 * to stop generating.
 */
final class ProxyExchange {

    /** Sends again, per attempt, after a reused connection closed before any byte of the response. */
    static final int MAX_RESENDS = 2;

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

    /**
     * One try at one backend: waits for a pooled connection ({@link PodConnectionPool.Waiter}), then holds
     * it and receives the response ({@link PodConnection.Listener}). Both kinds of callback arrive on any
     * thread and are handed to the exchange's loop.
     */
    private final class Attempt implements PodConnectionPool.Waiter, PodConnection.Listener {
        final PodSelection selection;
        final PodConnectionPool pool;
        final long startNanos = System.nanoTime();
        PodConnection connection;
        /** Whether {@link #connection} carried a request before this attempt's. */
        boolean reused;
        int resends;
        ScheduledFuture<?> timer;
        /** The last relayed write not yet known to be taken by the client's socket. */
        ChannelFuture unflushed;
        boolean abandoned;
        boolean headersArrived;
        boolean relaying;
        boolean awaitingBackend;
        boolean awaitingClient;

        Attempt(PodSelection selection, PodConnectionPool pool) {
            this.selection = selection;
            this.pool = pool;
        }

        String podId() {
            return selection.pod().id();
        }

        @Override
        public EventLoop loop() {
            return loop;
        }

        @Override
        public void granted(PodConnection c, boolean reused) {
            post(() -> onGranted(this, c, reused), () -> c.channel().close());
        }

        @Override
        public void failed(Throwable cause) {
            post(() -> onSendFailed(this, cause), () -> { });
        }

        @Override
        public void onHead(HttpResponse head) {
            post(() -> onHeaders(this, head), () -> { });
        }

        @Override
        public void onContent(HttpContent content) {
            post(() -> onChunk(this, content.content()), content::release);
        }

        @Override
        public void onEnd(LastHttpContent last) {
            post(() -> onBodyDone(this, last.content()), last::release);
        }

        @Override
        public void onReadComplete() {
            post(() -> onReadDone(this), () -> { });
        }

        @Override
        public void onFailure(Throwable cause) {
            post(() -> onBodyFailed(this, cause), () -> { });
        }
    }

    private void attempt(PodSelection selection) {
        Attempt att = new Attempt(selection, gateway.pods.pool(selection.pod()));
        current = att;
        att.timer = loop.schedule(() -> onHeadersTimeout(att), gateway.responseHeadersTimeout.toNanos(), TimeUnit.NANOSECONDS);
        att.pool.acquire(att);
    }

    private void onGranted(Attempt att, PodConnection c, boolean reused) {
        if (stale(att)) {
            att.pool.release(c); // not needed any more: the next request takes it
            return;
        }
        att.connection = c;
        att.reused = reused;
        FullHttpRequest request = new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.POST, path,
                Unpooled.wrappedBuffer(body));
        request.headers().set(HttpHeaderNames.HOST, att.pool.authority())
                .set(HttpHeaderNames.CONTENT_TYPE, HttpHeaderValues.APPLICATION_JSON)
                .setInt(HttpHeaderNames.CONTENT_LENGTH, body.length);
        c.send(att, request);
    }

    private void onHeaders(Attempt att, HttpResponse response) {
        if (stale(att)) {
            return;
        }
        att.headersArrived = true;
        cancel(att.timer);
        int status = response.status().code();
        if (status >= 500 || status == 429) {
            Outcome outcome = status >= 500 ? Outcome.FAILURE : Outcome.SUCCESS;
            if (tryRetry(att, outcome, status >= 500 ? "status_5xx" : "status_429")) {
                return;
            }
            if (status >= 500) {
                abandon(att, Outcome.FAILURE);
                gateway.metrics.backendFailed(att.podId(), "HTTP " + status);
                answer(new OpenAiError(502, "bad_gateway", "backend " + att.podId() + " answered HTTP " + status,
                        null, "backend_error"), att.podId());
                return;
            }
            // A 429 that is not retried goes to the client as the backend sent it: it means "slow down".
        }
        HttpVersion version = conn.version();
        HttpResponse head = GatewayConnection.relayHead(version, status);
        String type = response.headers().get(HttpHeaderNames.CONTENT_TYPE);
        if (type != null) {
            head.headers().set(HttpHeaderNames.CONTENT_TYPE, type);
        }
        String cacheControl = response.headers().get(HttpHeaderNames.CACHE_CONTROL);
        if (cacheControl != null) {
            head.headers().set(HttpHeaderNames.CACHE_CONTROL, cacheControl);
        }
        head.headers().set(InferenceGateway.POD_HEADER, att.podId());
        long length = HttpUtil.isTransferEncodingChunked(response) ? -1 : HttpUtil.getContentLength(response, -1L);
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
        att.awaitingClient = true;
        att.unflushed = conn.writeHead(head);
    }

    /** Waits for the backend's next read, for at most the stream idle timeout. */
    private void awaitBackend(Attempt att) {
        att.awaitingBackend = true;
        att.awaitingClient = false;
        att.timer = loop.schedule(() -> onIdleTimeout(att), gateway.streamIdleTimeout.toNanos(), TimeUnit.NANOSECONDS);
        PodConnection c = att.connection;
        if (c != null) {
            c.read(att);
        }
    }

    private void onChunk(Attempt att, ByteBuf chunk) {
        if (stale(att) || !att.relaying) {
            chunk.release();
            return;
        }
        if (att.awaitingBackend) {
            cancel(att.timer);
            att.awaitingBackend = false;
            att.awaitingClient = true;
        }
        if (chunk.isReadable()) {
            // The first body bytes carry the first token (SSE) or the whole answer; later calls are no-ops.
            att.selection.firstToken();
            att.unflushed = conn.writeChunk(chunk);
        } else {
            chunk.release();
        }
    }

    /** The end of one read from the backend: send what it gave, and read on once the client's socket took it. */
    private void onReadDone(Attempt att) {
        ChannelFuture written = att.unflushed;
        if (stale(att) || !att.relaying || written == null) {
            return; // nothing relayed by this read: the pod connection is still reading
        }
        att.unflushed = null;
        conn.flush();
        written.addListener(f -> {
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

    private void onBodyDone(Attempt att, ByteBuf last) {
        if (stale(att) || !att.relaying) {
            last.release();
            return;
        }
        cancel(att.timer);
        if (last.isReadable()) {
            att.selection.firstToken(); // a body that came in one piece
            conn.writeChunk(last);
        } else {
            last.release();
        }
        att.unflushed = null;
        att.connection = null; // back in the pool
        att.selection.complete(Outcome.SUCCESS, System.nanoTime() - att.startNanos);
        gateway.metrics.countResponse(sentStatus, InferenceGateway.RESULT_COMPLETE);
        finish();
        conn.endRelayed();
    }

    private void onBodyFailed(Attempt att, Throwable t) {
        if (stale(att)) {
            return;
        }
        att.connection = null; // closed
        if (!att.relaying) {
            if (att.reused && !att.headersArrived && att.resends < MAX_RESENDS) {
                // A kept-alive connection the pod closed as the request went out (its keep-alive timeout, or
                // its limit of idle connections): the request was not answered at all, so it is sent again to
                // the same pod on another connection, as OkHttp does by default; not the pod's failure.
                att.resends++;
                att.reused = false;
                att.pool.acquire(att);
                return;
            }
            onSendFailed(att, t);
            return;
        }
        abandon(att, Outcome.FAILURE);
        gateway.metrics.backendFailed(att.podId(), "response broken off: " + t);
        gateway.metrics.countResponse(sentStatus, InferenceGateway.RESULT_BACKEND_ERROR);
        finish();
        conn.cut();
    }

    private void onSendFailed(Attempt att, Throwable cause) {
        if (stale(att)) {
            return;
        }
        if (att.relaying) {
            onBodyFailed(att, cause);
            return;
        }
        boolean connect = cause instanceof ConnectException || cause instanceof UnknownHostException;
        if (tryRetry(att, Outcome.FAILURE, connect ? "connect_error" : "connection_error")) {
            return;
        }
        abandon(att, Outcome.FAILURE);
        gateway.metrics.backendFailed(att.podId(), cause.toString());
        answer(new OpenAiError(502, "bad_gateway", "backend " + att.podId() + " failed: "
                + (connect ? "connection refused or timed out" : cause.getClass().getSimpleName()), null, "backend_error"),
                att.podId());
    }

    private void onHeadersTimeout(Attempt att) {
        if (stale(att) || att.headersArrived) {
            return;
        }
        abandon(att, Outcome.FAILURE);
        gateway.metrics.countTimeout("response_headers");
        gateway.metrics.backendFailed(att.podId(), "no response headers within " + gateway.responseHeadersTimeout.toMillis() + " ms");
        answer(new OpenAiError(504, "gateway_timeout", "backend " + att.podId() + " sent no response headers within "
                + gateway.responseHeadersTimeout.toMillis() + " ms", null, "backend_timeout"), att.podId());
    }

    private void onIdleTimeout(Attempt att) {
        if (stale(att) || !att.awaitingBackend) {
            return;
        }
        abandon(att, Outcome.FAILURE);
        gateway.metrics.countTimeout("stream_idle");
        gateway.metrics.backendFailed(att.podId(), "stream idle for " + gateway.streamIdleTimeout.toMillis() + " ms");
        gateway.metrics.countResponse(sentStatus, InferenceGateway.RESULT_IDLE_TIMEOUT);
        finish();
        conn.cut();
    }

    private void onTotalTimeout() {
        if (done) {
            return;
        }
        Attempt att = current;
        gateway.metrics.countTimeout("total");
        // Waiting on a client that does not read is not the backend's fault.
        abandon(att, att != null && att.awaitingClient ? Outcome.CANCELLED : Outcome.FAILURE);
        if (!headersSent) {
            answer(new OpenAiError(504, "gateway_timeout", "no complete answer within the total timeout of "
                    + gateway.totalTimeout.toMillis() + " ms", null, "gateway_timeout"), att == null ? null : att.podId());
            return;
        }
        gateway.metrics.countResponse(sentStatus, InferenceGateway.RESULT_TOTAL_TIMEOUT);
        finish();
        conn.cut();
    }

    /** The client closed its connection (or a write to it failed): stop the backend, free the slot. */
    void clientGone() {
        if (done) {
            return;
        }
        abandon(current, Outcome.CANCELLED);
        gateway.metrics.countResponse(headersSent ? sentStatus : InferenceGateway.CLIENT_CLOSED_STATUS, InferenceGateway.RESULT_CLIENT_CLOSED);
        finish();
        conn.cut();
    }

    private boolean tryRetry(Attempt att, Outcome outcome, String reason) {
        if (headersSent) {
            return false; // never after bytes reached the client
        }
        if (retries >= gateway.maxRetries) {
            gateway.metrics.countRetrySkipped("max_retries");
            return false;
        }
        if (!gateway.retryBudget.tryAcquireRetry()) {
            gateway.metrics.countRetrySkipped("budget");
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
            gateway.metrics.countRetrySkipped("no_other_pod");
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
        gateway.metrics.countRetry(reason);
        gateway.metrics.backendFailed(att.podId(), reason + " (retried on " + next.pod().id() + ")");
        attempt(next);
        return true;
    }

    private void answer(OpenAiError error, String podId) {
        finish();
        conn.respond(error, podId == null ? Map.of() : Map.of(InferenceGateway.POD_HEADER, podId));
    }

    /** Completes the attempt's selection (once), stops its timer, and drops its connection or its place in the queue. */
    private void abandon(Attempt att, Outcome outcome) {
        if (att == null || att.abandoned) {
            return;
        }
        att.abandoned = true;
        cancel(att.timer);
        att.selection.complete(outcome, outcome == Outcome.SUCCESS ? System.nanoTime() - att.startNanos : -1);
        PodConnection c = att.connection;
        att.connection = null;
        if (c != null) {
            c.abort(att); // closes it unless its response already ended
        } else {
            att.pool.cancel(att);
        }
    }

    private void finish() {
        if (done) {
            return;
        }
        done = true;
        cancel(totalTimer);
        // Every path completes its attempt first; this only guards the contract.
        abandon(current, Outcome.CANCELLED);
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
}
