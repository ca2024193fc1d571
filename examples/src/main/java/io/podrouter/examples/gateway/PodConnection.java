package io.podrouter.examples.gateway;

import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.EventLoop;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpStatusClass;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.util.ReferenceCountUtil;

import java.io.IOException;

/**
 * One keep-alive HTTP/1.1 connection from the gateway to a pod, carrying one request at a time for the
 * {@link Listener} that holds it, and returned to its {@link PodConnectionPool} when a response ended
 * cleanly.
 *
 * <p><b>Reads are explicit</b> (the channel's auto-read is off): after sending a request the connection
 * reads until the response head has arrived; after that it reads only when the holder asks
 * ({@link #read}), which the gateway does once the client's socket took what was relayed, so a slow
 * client slows the pod's connection instead of filling the gateway's memory. An idle pooled connection
 * keeps one read pending, so a pod that closes it (its keep-alive timeout) is seen at once and the
 * connection leaves the pool.
 *
 * <p><b>Threads.</b> Confined to the channel's event loop: {@link #send}, {@link #read} and
 * {@link #abort} may be called from any thread and run there; the listener is called there. A holder is
 * identified by its listener, so a late {@code abort} or {@code read} from a holder that no longer holds
 * the connection (the response ended, or the connection went to the next request) does nothing.
 *
 * <p>A response is reused only when it ended with its request fully written and neither side asked to
 * close; an informational (1xx) response before the real one is skipped. Anything else (bytes nobody
 * asked for, a malformed response, an idle timeout while pooled) closes the connection.
 */
final class PodConnection extends ChannelInboundHandlerAdapter {

    /**
     * The holder of a connection: receives its response. Called on the connection's event loop; a
     * listener that relays elsewhere hands the calls to its own thread. Once {@link #onEnd} or
     * {@link #onFailure} was called the listener no longer holds the connection.
     */
    interface Listener {

        /** The response head (status and headers). */
        void onHead(HttpResponse head);

        /** A piece of the response body; the listener owns it and must release it. */
        void onContent(HttpContent content);

        /** The end of the response, possibly with the last piece of the body, which the listener owns. */
        void onEnd(LastHttpContent last);

        /** The end of one socket read that delivered part of the body: the moment to flush what was relayed. */
        void onReadComplete();

        /** The connection failed or closed before the response ended. */
        void onFailure(Throwable cause);
    }

    private final PodConnectionPool pool;
    /** Whether the connect succeeded; the pool's, guarded by its lock. */
    boolean established;
    private Channel channel;
    private Listener current;
    private boolean headSeen;
    private boolean skippingInformational;
    private boolean requestWritten;
    private boolean keepAlive;

    PodConnection(PodConnectionPool pool) {
        this.pool = pool;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.channel = ctx.channel();
    }

    Channel channel() {
        Channel c = channel;
        if (c == null) {
            throw new IllegalStateException("connection not initialised");
        }
        return c;
    }

    EventLoop loop() {
        return channel().eventLoop();
    }

    boolean isActive() {
        return channel().isActive();
    }

    /** Sends {@code request} (released here) for {@code holder}, who from now on holds the connection. */
    void send(Listener holder, FullHttpRequest request) {
        onLoop(() -> {
            Channel ch = channel();
            if (!ch.isActive() || current != null) {
                request.release();
                holder.onFailure(new IOException("connection to " + pool.authority() + " closed before the request was sent"));
                return;
            }
            current = holder;
            headSeen = false;
            skippingInformational = false;
            requestWritten = false;
            keepAlive = HttpUtil.isKeepAlive(request);
            ch.writeAndFlush(request).addListener((ChannelFutureListener) f -> {
                if (f.isSuccess()) {
                    if (current == holder) {
                        requestWritten = true;
                    }
                } else {
                    ch.close(); // channelInactive reports the failure to the holder
                }
            });
            ch.read();
        });
    }

    /** Reads more of the response, if {@code holder} still holds the connection. */
    void read(Listener holder) {
        onLoop(() -> {
            if (current == holder) {
                channel().read();
            }
        });
    }

    /** Closes the connection if {@code holder} still holds it (its response is unfinished): the pod stops. */
    void abort(Listener holder) {
        onLoop(() -> {
            if (current == holder) {
                current = null;
                channel().close();
            }
        });
    }

    /** While pooled: one read pending, so that the pod's close is noticed. */
    void awaitClose() {
        onLoop(() -> {
            if (current == null) {
                channel().read();
            }
        });
    }

    private void onLoop(Runnable task) {
        EventLoop loop = loop();
        if (loop.inEventLoop()) {
            task.run();
        } else {
            loop.execute(task);
        }
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        Listener l = current;
        if (l == null) {
            // Bytes while no request is out: the connection's framing can no longer be trusted.
            ReferenceCountUtil.release(msg);
            ctx.close();
            return;
        }
        if (msg instanceof HttpResponse head) {
            if (head.decoderResult().isFailure()) {
                ReferenceCountUtil.release(msg);
                fail(ctx, new IOException("malformed response from " + pool.authority() + ": " + head.decoderResult().cause(),
                        head.decoderResult().cause()));
                return;
            }
            if (head.status().codeClass() == HttpStatusClass.INFORMATIONAL && head.status().code() != 101) {
                skippingInformational = true;
            } else {
                headSeen = true;
                keepAlive &= HttpUtil.isKeepAlive(head);
                l.onHead(head);
            }
        }
        if (msg instanceof HttpContent content) {
            if (content.decoderResult().isFailure()) {
                content.release();
                fail(ctx, new IOException("malformed response body from " + pool.authority() + ": "
                        + content.decoderResult().cause(), content.decoderResult().cause()));
                return;
            }
            if (skippingInformational || !headSeen) {
                skippingInformational &= !(content instanceof LastHttpContent);
                content.release();
            } else if (content instanceof LastHttpContent last) {
                current = null;
                boolean reusable = keepAlive && requestWritten && ctx.channel().isActive();
                l.onEnd(last);
                if (reusable) {
                    pool.release(this);
                } else {
                    ctx.close();
                }
            } else {
                l.onContent(content);
            }
        }
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        Listener l = current;
        if (l != null) {
            if (headSeen) {
                l.onReadComplete();
            } else {
                ctx.read(); // the head is still to come: the wait for it is bounded by the holder's timer
            }
        }
        ctx.fireChannelReadComplete();
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt instanceof IdleStateEvent && current == null) {
            ctx.close(); // idle in the pool for the idle timeout
            return;
        }
        ctx.fireUserEventTriggered(evt);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        Listener l = current;
        current = null;
        if (l != null) {
            l.onFailure(new IOException("connection to " + pool.authority() + " closed before the response ended"
                    + (headSeen ? "" : " (no response head)")));
        }
        ctx.fireChannelInactive();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        fail(ctx, cause);
    }

    private void fail(ChannelHandlerContext ctx, Throwable cause) {
        Listener l = current;
        current = null;
        if (l != null) {
            l.onFailure(cause);
        }
        ctx.close();
    }
}
