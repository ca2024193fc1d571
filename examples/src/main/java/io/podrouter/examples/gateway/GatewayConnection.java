package io.podrouter.examples.gateway;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.CompositeByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.netty.handler.codec.http.TooLongHttpLineException;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.ScheduledFuture;
import io.podrouter.examples.openai.OpenAiError;

import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * One client connection of the gateway: reads requests under the size and time limits, answers the
 * gateway's own endpoints, hands completions to a {@link ProxyExchange}, and keeps the connection alive
 * between requests for at most the idle timeout.
 *
 * <p>Confined to the connection's event loop (Netty calls every method there, and {@link ProxyExchange}
 * calls back there), so it needs no locks. Requests are answered one at a time in order: a request that
 * arrives (pipelined) while one is answered is held, and reading pauses, until the answer is complete.
 *
 * <p>Timers: from the first byte of a request to its last, the {@linkplain InferenceGateway.Builder#requestReadTimeout
 * request read timeout} (then 408 and close: a slow-loris client holds a socket, never a thread); between
 * requests, the {@linkplain InferenceGateway.Builder#idleConnectionTimeout idle timeout} (then close).
 * While a request is answered neither runs: the {@link ProxyExchange}'s timeouts bound that phase.
 *
 * <p>A client that shuts its sending side mid-request gets 400 (its body is incomplete); one that does
 * so while its answer is being produced is treated as gone, as Envoy does by default: the backend is
 * stopped and the selection completed as CANCELLED.
 */
final class GatewayConnection extends ChannelInboundHandlerAdapter {

    private enum Timer { NONE, IDLE, REQUEST }

    private final InferenceGateway gateway;
    private ChannelHandlerContext ctx;
    private HttpRequest head;
    private CompositeByteBuf body;
    private OpenAiError pending;
    private boolean busy;
    private boolean closing;
    private boolean closeAfterResponse;
    private ProxyExchange exchange;
    private final ArrayDeque<Object> held = new ArrayDeque<>();
    private ScheduledFuture<?> timer;
    private Timer timerKind = Timer.NONE;

    GatewayConnection(InferenceGateway gateway) {
        this.gateway = gateway;
    }

    /** Sees the raw bytes before the HTTP decoder, so that the request timer starts at a request's first byte. */
    final class ByteObserver extends ChannelInboundHandlerAdapter {
        @Override
        public void channelRead(ChannelHandlerContext c, Object msg) {
            if (!busy && !closing && head == null && timerKind != Timer.REQUEST) {
                arm(Timer.REQUEST);
            }
            c.fireChannelRead(msg);
        }
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        arm(Timer.IDLE);
        ctx.fireChannelActive();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (closing) {
            ReferenceCountUtil.release(msg);
            return;
        }
        if (busy) {
            held.add(msg);
            ctx.channel().config().setAutoRead(false);
            return;
        }
        handle(msg);
    }

    private void handle(Object msg) {
        try {
            if (msg instanceof HttpRequest req) {
                onHead(req);
            }
            if (msg instanceof HttpContent c && head != null && !closing) {
                onContent(c);
            }
        } finally {
            ReferenceCountUtil.release(msg);
        }
    }

    private void onHead(HttpRequest req) {
        if (req.decoderResult().isFailure()) {
            Throwable cause = req.decoderResult().cause();
            head = req;
            if (cause instanceof TooLongHttpHeaderException) {
                rejectAndClose(new OpenAiError(431, "invalid_request_error", "request headers over "
                        + gateway.maxHeaderBytes + " bytes (expected: at most " + gateway.maxHeaderBytes + ")", null,
                        "request_header_fields_too_large"));
            } else if (cause instanceof TooLongHttpLineException) {
                rejectAndClose(new OpenAiError(414, "invalid_request_error", "request line over "
                        + InferenceGateway.MAX_REQUEST_LINE_BYTES + " bytes (expected: at most "
                        + InferenceGateway.MAX_REQUEST_LINE_BYTES + ")", null, "uri_too_long"));
            } else {
                rejectAndClose(new OpenAiError(400, "invalid_request_error", "malformed HTTP request: "
                        + OpenAiError.truncate(String.valueOf(cause.getMessage())), null, "malformed_request"));
            }
            return;
        }
        head = req;
        body = ctx.alloc().compositeBuffer();
        pending = gateway.routes.checkHead(req);
        long length = HttpUtil.getContentLength(req, -1L);
        if (length > gateway.maxRequestBytes) {
            rejectAndClose(tooLarge());
            return;
        }
        if (pending == null && HttpUtil.is100ContinueExpected(req)) {
            ctx.writeAndFlush(new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.CONTINUE, Unpooled.EMPTY_BUFFER));
        }
    }

    private OpenAiError tooLarge() {
        return new OpenAiError(413, "invalid_request_error", "request body over " + gateway.maxRequestBytes
                + " bytes (expected: at most " + gateway.maxRequestBytes + ")", null, "request_too_large");
    }

    private void onContent(HttpContent c) {
        if (c.decoderResult().isFailure()) {
            rejectAndClose(new OpenAiError(400, "invalid_request_error", "malformed request body: "
                    + OpenAiError.truncate(String.valueOf(c.decoderResult().cause().getMessage())), null, "malformed_request"));
            return;
        }
        ByteBuf content = c.content();
        if (content.isReadable()) {
            if (body.readableBytes() + content.readableBytes() > gateway.maxRequestBytes) {
                rejectAndClose(tooLarge());
                return;
            }
            if (pending == null) {
                body.addComponent(true, content.retain());
            }
        }
        if (c instanceof LastHttpContent) {
            disarm();
            busy = true;
            if (pending != null) {
                respond(pending, Map.of());
                return;
            }
            byte[] bytes = new byte[body.readableBytes()];
            body.readBytes(bytes);
            gateway.routes.dispatch(this, head, bytes);
        }
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt instanceof ChannelInputShutdownEvent) {
            if (closing) {
                ctx.close();
            } else if (head != null && !busy) {
                long expected = HttpUtil.getContentLength(head, -1L);
                rejectAndClose(new OpenAiError(400, "invalid_request_error", "connection half-closed after "
                        + (body == null ? 0 : body.readableBytes()) + " bytes of the request body (expected: "
                        + (expected >= 0 ? expected + " bytes, the Content-Length" : "the whole chunked body") + ")",
                        null, "incomplete_request"));
            } else {
                // Between requests, or while answering: a closed client and one that only shut its sending
                // side look the same here; like Envoy by default, treat both as gone, so that the backend
                // stops at once instead of generating for nobody.
                ctx.close();
            }
            return;
        }
        ctx.fireUserEventTriggered(evt);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        closing = true;
        disarm();
        if (exchange != null) {
            ProxyExchange e = exchange;
            exchange = null;
            e.clientGone();
        }
        releaseRequest();
        while (!held.isEmpty()) {
            ReferenceCountUtil.release(held.poll());
        }
        ctx.fireChannelInactive();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        // Client resets and the like: nothing to answer; channelInactive completes what was in flight.
        InferenceGateway.LOG.debug("client connection {} failed: {}", ctx.channel().remoteAddress(), cause.toString());
        ctx.close();
    }

    // ----- called by the gateway and by ProxyExchange, on the event loop -----

    ChannelHandlerContext context() {
        return ctx;
    }

    boolean keepAlive() {
        return head != null && !closeAfterResponse && HttpUtil.isKeepAlive(head);
    }

    /** The current response ends with the connection (its length is not known in advance). */
    void closeAfterResponse() {
        closeAfterResponse = true;
    }

    HttpVersion version() {
        return head == null ? HttpVersion.HTTP_1_1 : head.protocolVersion();
    }

    void exchangeStarted(ProxyExchange e) {
        this.exchange = e;
    }

    /** Answers the current request with an OpenAI-style error and keeps the connection if the client may. */
    void respond(OpenAiError error, Map<String, String> headers) {
        respond(HttpResponseStatus.valueOf(error.status()), "application/json", error.toJson(), headers);
    }

    /** Answers the current request with a complete body. */
    void respond(HttpResponseStatus status, String contentType, String text, Map<String, String> headers) {
        boolean keepAlive = keepAlive();
        FullHttpResponse r = new DefaultFullHttpResponse(version(), status,
                Unpooled.wrappedBuffer(text.getBytes(StandardCharsets.UTF_8)));
        r.headers().set(HttpHeaderNames.CONTENT_TYPE, contentType);
        r.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, r.content().readableBytes());
        headers.forEach((k, v) -> r.headers().set(k, v));
        HttpUtil.setKeepAlive(r, keepAlive);
        gateway.metrics.countResponse(status.code(), InferenceGateway.RESULT_COMPLETE);
        ChannelFuture f = ctx.writeAndFlush(r);
        finishResponse(f, keepAlive);
    }

    /** Starts a relayed response: its head, written but not flushed (see {@link #flush()}). */
    ChannelFuture writeHead(HttpResponse response) {
        HttpUtil.setKeepAlive(response, keepAlive());
        return ctx.write(response);
    }

    /**
     * Writes one relayed piece of the body, not flushed: the pieces of one read from the pod go out in one
     * flush. The future tells when the client's socket took it.
     */
    ChannelFuture writeChunk(ByteBuf chunk) {
        return ctx.write(new DefaultHttpContent(chunk));
    }

    /** Sends what was written. */
    void flush() {
        ctx.flush();
    }

    /** Ends a relayed response normally. */
    void endRelayed() {
        boolean keepAlive = keepAlive();
        finishResponse(ctx.writeAndFlush(LastHttpContent.EMPTY_LAST_CONTENT), keepAlive);
    }

    /** Cuts the connection: a relayed response broke off, and the client must see it was not complete. */
    void cut() {
        exchange = null;
        closing = true;
        ctx.close();
    }

    /** A response head the gateway builds for a relayed body of unknown length. */
    static HttpResponse relayHead(HttpVersion version, int status) {
        return new DefaultHttpResponse(version, HttpResponseStatus.valueOf(status));
    }

    private void finishResponse(ChannelFuture written, boolean keepAlive) {
        exchange = null;
        if (!keepAlive) {
            closing = true;
            written.addListener(ChannelFutureListener.CLOSE);
            return;
        }
        written.addListener(f -> {
            if (!f.isSuccess()) {
                ctx.close();
                return;
            }
            nextRequest();
        });
    }

    private void nextRequest() {
        if (closing) {
            return;
        }
        releaseRequest();
        busy = false;
        arm(Timer.IDLE);
        while (!busy && !closing && !held.isEmpty()) {
            if (head == null && timerKind != Timer.REQUEST) {
                arm(Timer.REQUEST);
            }
            handle(held.poll());
        }
        if (!busy && !closing) {
            if (head != null && timerKind != Timer.REQUEST) {
                arm(Timer.REQUEST);
            }
            ctx.channel().config().setAutoRead(true);
        }
    }

    private void releaseRequest() {
        head = null;
        closeAfterResponse = false;
        pending = null;
        if (body != null) {
            body.release();
            body = null;
        }
    }

    /**
     * Answers with an error and closes, lingering: the output is shut after the answer and the rest of
     * what the client sends is read and dropped for up to a second, so that a client still sending (a
     * 1 MB header) reads the answer instead of a connection reset.
     */
    private void rejectAndClose(OpenAiError error) {
        disarm();
        busy = true;
        closing = true;
        FullHttpResponse r = new DefaultFullHttpResponse(version(), HttpResponseStatus.valueOf(error.status()),
                Unpooled.wrappedBuffer(error.toJson().getBytes(StandardCharsets.UTF_8)));
        r.headers().set(HttpHeaderNames.CONTENT_TYPE, "application/json");
        r.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, r.content().readableBytes());
        r.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        gateway.metrics.countResponse(error.status(), InferenceGateway.RESULT_COMPLETE);
        releaseRequest();
        ctx.writeAndFlush(r).addListener(f -> {
            if (f.isSuccess() && ctx.channel() instanceof SocketChannel s && s.isActive()) {
                s.shutdownOutput();
                ctx.executor().schedule(() -> ctx.close(), 1, TimeUnit.SECONDS);
            } else {
                ctx.close();
            }
        });
    }

    private void arm(Timer kind) {
        disarm();
        long nanos = kind == Timer.IDLE ? gateway.idleConnectionTimeout.toNanos() : gateway.requestReadTimeout.toNanos();
        timerKind = kind;
        timer = ctx.executor().schedule(() -> expired(kind), nanos, TimeUnit.NANOSECONDS);
    }

    private void disarm() {
        if (timer != null) {
            timer.cancel(false);
            timer = null;
        }
        timerKind = Timer.NONE;
    }

    private void expired(Timer kind) {
        if (timerKind != kind || closing) {
            return;
        }
        timer = null;
        timerKind = Timer.NONE;
        if (kind == Timer.IDLE) {
            closing = true;
            ctx.close();
            return;
        }
        gateway.metrics.countRequestReadTimeout();
        rejectAndClose(new OpenAiError(408, "invalid_request_error", "request not received completely within "
                + gateway.requestReadTimeout.toMillis() + " ms (expected: the whole request within the request read timeout)",
                null, "request_timeout"));
    }
}
