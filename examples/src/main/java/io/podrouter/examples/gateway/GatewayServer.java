package io.podrouter.examples.gateway;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.util.concurrent.GlobalEventExecutor;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static io.podrouter.examples.gateway.InferenceGateway.LOG;
import static io.podrouter.examples.gateway.InferenceGateway.MAX_REQUEST_LINE_BYTES;
import static io.podrouter.examples.gateway.InferenceGateway.THREAD_PREFIX;

/**
 * The gateway's Netty server: the event loops (which serve the client connections and the pod connections
 * alike), the listening socket, and the group of open client connections, each with the HTTP codec's line
 * and header limits and a {@link GatewayConnection}. Also the helpers that name and stop the gateway's
 * threads.
 *
 * <p><b>Why Netty, not the JDK's HTTP server.</b> The JDK server reads each request's headers and body
 * with blocking reads on its handler threads, with no per-request read deadline and no header size
 * limit that a library can set (only JVM-wide system properties), and closes keep-alive connections
 * beyond 200 idle ones: slow clients and hung backends took every handler thread, {@code /health}
 * stopped answering, and 256 keep-alive clients saw connection errors. Netty (the server under Armeria,
 * gRPC-java, Reactor Netty and Vert.x) reads without blocking on a few event-loop threads, enforces
 * request line and header limits while decoding, and keeps as many connections as the OS allows; the
 * gateway adds per-connection timers.
 *
 * <p>Thread-safe: its fields are final and Netty's groups are thread-safe; {@link #closeConnections} and
 * {@link #shutdownLoops} are called once, by {@link InferenceGateway#close()}.
 */
final class GatewayServer {

    private final EventLoopGroup loops;
    private final ChannelGroup channels;
    private final Channel serverChannel;
    private final InetSocketAddress address;

    private GatewayServer(EventLoopGroup loops, ChannelGroup channels, Channel serverChannel) {
        this.loops = loops;
        this.channels = channels;
        this.serverChannel = serverChannel;
        this.address = (InetSocketAddress) serverChannel.localAddress();
    }

    /**
     * Starts {@code ioThreads} event loops and binds {@code bindAddress:port} (0: ephemeral); on failure the
     * loops are stopped again and the exception (Netty's bind exception, thrown unchecked) propagates.
     */
    static GatewayServer bind(InferenceGateway gateway, InetAddress bindAddress, int port, int ioThreads,
                              int maxHeaderBytes) {
        EventLoopGroup loops = new MultiThreadIoEventLoopGroup(ioThreads, named(THREAD_PREFIX + "io-"), NioIoHandler.newFactory());
        ChannelGroup channels = new DefaultChannelGroup("podrouter-gateway", GlobalEventExecutor.INSTANCE);
        try {
            HttpDecoderConfig decoder = new HttpDecoderConfig()
                    .setMaxInitialLineLength(MAX_REQUEST_LINE_BYTES)
                    .setMaxHeaderSize(maxHeaderBytes)
                    .setMaxChunkSize(64 << 10);
            Channel bound = new ServerBootstrap()
                    .group(loops)
                    .channel(NioServerSocketChannel.class)
                    .option(ChannelOption.SO_BACKLOG, 4096)
                    .childOption(ChannelOption.ALLOW_HALF_CLOSURE, true)
                    .childOption(ChannelOption.TCP_NODELAY, true)
                    .childHandler(new ChannelInitializer<SocketChannel>() {
                        @Override
                        protected void initChannel(SocketChannel ch) {
                            channels.add(ch);
                            GatewayConnection conn = new GatewayConnection(gateway);
                            ch.pipeline().addLast("bytes", conn.new ByteObserver())
                                    .addLast("http", new HttpServerCodec(decoder))
                                    .addLast("gateway", conn);
                        }
                    })
                    .bind(new InetSocketAddress(bindAddress, port)).syncUninterruptibly().channel();
            return new GatewayServer(loops, channels, bound);
        } catch (Exception e) { // also the checked BindException Netty throws without declaring it
            loops.shutdownGracefully(0, 1, TimeUnit.SECONDS);
            throw e;
        }
    }

    /** The address the gateway listens on. */
    InetSocketAddress address() {
        return address;
    }

    /** Closes the listening socket (freeing the port) and every client connection. */
    void closeConnections() {
        serverChannel.close().syncUninterruptibly();
        channels.close().awaitUninterruptibly(5, TimeUnit.SECONDS);
    }

    /** Stops the event loops, waiting up to 5 s. */
    void shutdownLoops() {
        if (!loops.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS)) {
            LOG.warn("gateway event loops still running 5 s after close");
        }
    }

    /** Stops the executors and waits up to 5 s each for their threads to end. */
    static void shutdown(ExecutorService... executors) {
        for (ExecutorService e : executors) {
            e.shutdownNow();
        }
        try {
            for (ExecutorService e : executors) {
                if (!e.awaitTermination(5, TimeUnit.SECONDS)) {
                    LOG.warn("gateway threads still running 5 s after close: {}", e);
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Daemon threads called {@code prefix}, or {@code prefix} and a number when it ends with a dash. */
    static ThreadFactory named(String prefix) {
        AtomicInteger n = new AtomicInteger();
        boolean numbered = prefix.endsWith("-");
        return r -> {
            Thread t = new Thread(r, numbered ? prefix + n.incrementAndGet() : prefix);
            t.setDaemon(true);
            return t;
        };
    }

}
