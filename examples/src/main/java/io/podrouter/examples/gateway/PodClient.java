package io.podrouter.examples.gateway;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.timeout.IdleStateHandler;
import io.podrouter.api.Pod;

import java.time.Duration;
import java.util.Collection;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * The gateway's HTTP/1.1 client towards the pods: Netty channels on the gateway's own event loops (a new
 * connection opens on the loop of the client connection that needs it, so a request and its relay
 * normally stay on one thread), kept alive in one {@link PodConnectionPool} per pod address with at most
 * {@code maxConnectionsPerPod} connections.
 *
 * <p>Why not the JDK's {@code HttpClient}: its {@code sendAsync} completes every response through
 * {@code CompletableFuture}'s default executor, which on fewer than 3 CPUs starts a thread per task;
 * measured on 2 CPUs that halved the gateway's throughput unless the JVM got a flag, and even with it the
 * hand-offs between its selector thread, its executor and the event loops cost about half the direct
 * rate. It also has no bound on connections per host.
 *
 * <p>Connections: connect timeout as configured; {@code TCP_NODELAY}; auto-read off (see
 * {@link PodConnection}); response heads up to 16 KiB, body pieces of up to 64 KiB; an idle pooled
 * connection is closed after {@code idleTimeout}. A pod host name is resolved by the JDK's resolver when a
 * connection opens (in Kubernetes pods are addressed by IP).
 *
 * <p>Thread-safe. Pools are created on first use and {@linkplain #retainOnly retired} when their pod
 * leaves the gateway.
 */
final class PodClient {

    private static final int MAX_RESPONSE_HEADER_BYTES = 16 << 10;
    private static final int MAX_CHUNK_BYTES = 64 << 10;

    private final int connectTimeoutMillis;
    private final int maxConnectionsPerPod;
    private final long idleTimeoutNanos;
    private final Map<String, PodConnectionPool> pools = new ConcurrentHashMap<>();

    PodClient(Duration connectTimeout, int maxConnectionsPerPod, Duration idleTimeout) {
        this.connectTimeoutMillis = (int) Math.max(1, Math.min(Integer.MAX_VALUE, connectTimeout.toMillis()));
        this.maxConnectionsPerPod = maxConnectionsPerPod;
        this.idleTimeoutNanos = idleTimeout.toNanos();
    }

    /** The pool of the pod's address ({@code host:port}), created on first use. */
    PodConnectionPool pool(Pod pod) {
        String authority = pod.authority();
        PodConnectionPool p = pools.get(authority);
        if (p == null) {
            p = pools.computeIfAbsent(authority, a -> new PodConnectionPool(this, pod.host(), pod.port(), a, maxConnectionsPerPod));
        }
        return p;
    }

    /** Retires the pools of addresses no pod in {@code pods} has (their idle connections close now). */
    void retainOnly(Collection<Pod> pods) {
        Set<String> keep = new HashSet<>();
        for (Pod p : pods) {
            keep.add(p.authority());
        }
        pools.entrySet().removeIf(e -> {
            if (keep.contains(e.getKey())) {
                return false;
            }
            e.getValue().retire();
            return true;
        });
    }

    /** Retires every pool. */
    void close() {
        retainOnly(Set.of());
    }

    /** Opens a connection on {@code loop} with {@code handler} at the end of its pipeline. */
    ChannelFuture connect(PodConnection handler, EventLoop loop, String host, int port) {
        return new Bootstrap()
                .group(loop)
                .channel(NioSocketChannel.class)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, connectTimeoutMillis)
                .option(ChannelOption.TCP_NODELAY, true)
                .option(ChannelOption.SO_KEEPALIVE, true)
                .option(ChannelOption.AUTO_READ, false)
                .handler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        HttpDecoderConfig decoder = new HttpDecoderConfig()
                                .setMaxHeaderSize(MAX_RESPONSE_HEADER_BYTES)
                                .setMaxChunkSize(MAX_CHUNK_BYTES);
                        ch.pipeline()
                                .addLast("http", new HttpClientCodec(decoder, false, false))
                                .addLast("idle", new IdleStateHandler(0, 0, idleTimeoutNanos, TimeUnit.NANOSECONDS))
                                .addLast("pod", handler);
                    }
                })
                .connect(host, port);
    }
}
