package io.podrouter.spring.gateway;

import org.jspecify.annotations.Nullable;
import org.reactivestreams.Publisher;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.cloud.gateway.filter.GatewayFilterChain;
import org.springframework.cloud.gateway.filter.GlobalFilter;
import org.springframework.cloud.gateway.filter.NettyWriteResponseFilter;
import org.springframework.cloud.gateway.route.Route;
import org.springframework.core.Ordered;
import org.springframework.core.io.buffer.DataBuffer;
import org.springframework.http.HttpStatusCode;
import org.springframework.http.server.reactive.ServerHttpResponse;
import org.springframework.http.server.reactive.ServerHttpResponseDecorator;
import org.springframework.web.server.ServerWebExchange;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;

import static org.springframework.cloud.gateway.support.ServerWebExchangeUtils.GATEWAY_ROUTE_ATTR;

/**
 * The outer half of podrouter's filter pair: on podrouter routes it creates the exchange's routing state, watches
 * the response body as it is written, and completes the pod selection when the exchange ends.
 *
 * <p><b>Why a second filter.</b> Spring Cloud Gateway writes the pod's response body in
 * {@link NettyWriteResponseFilter} (order {@value NettyWriteResponseFilter#WRITE_RESPONSE_FILTER_ORDER}) after the
 * rest of the chain has completed, that is after the pod's response headers arrived. A filter ordered between
 * {@code RouteToRequestUrlFilter} and {@code ReactiveLoadBalancerClientFilter}, like {@link PodRouterGatewayFilter},
 * sees its chain complete at the headers, long before a streamed answer ends. This filter runs before the write
 * filter ({@link #ORDER}), so its chain completes when the whole body has been written, fails, or is cancelled by a
 * client that went away: that is where {@code doFinally} completes the selection, exactly once, as SUCCESS (status
 * below 500), FAILURE (5xx, an error, or a pod failure the gateway filter answered itself) or CANCELLED (the
 * client's connection closed). The response it passes on is a decorator that reports the first non-empty body chunk
 * ({@code PodSelection.firstToken()}, and the point after which no retry is made) and a body cancelled while
 * being written (the client's connection closed: Reactor Netty then completes the write without an error, so the
 * cancel of the body is the one sign of it), and otherwise passes every chunk through untouched, server-sent events
 * included.
 *
 * <p>Routes that are not podrouter routes ({@link PodRouterPools#poolName}) pass through with no work beyond a
 * map lookup. A podrouter route naming an unknown pool is answered by {@link PodRouterGatewayFilter}.
 *
 * <p>Thread-safe and stateless apart from the shared retry budget.
 */
public final class PodRouterCompletionFilter implements GlobalFilter, Ordered {

    /** Just before the write filter, so the chain below includes the response body's write. */
    public static final int ORDER = NettyWriteResponseFilter.WRITE_RESPONSE_FILTER_ORDER - 1;

    private static final Logger LOG = LoggerFactory.getLogger(PodRouterCompletionFilter.class);

    private final PodRouterPools pools;
    private final RetryBudget budget;
    private final LongSupplier nanoTime;
    private final ConcurrentHashMap<String, Boolean> unknownPoolsLogged = new ConcurrentHashMap<>();

    /**
     * @param pools  the pools; null throws
     * @param budget the retry budget shared with the gateway filter; null throws
     */
    PodRouterCompletionFilter(PodRouterPools pools, RetryBudget budget, LongSupplier nanoTime) {
        this.pools = Objects.requireNonNull(pools, "pools: null (expected: the pools)");
        this.budget = Objects.requireNonNull(budget, "budget: null (expected: the retry budget)");
        this.nanoTime = Objects.requireNonNull(nanoTime, "nanoTime");
    }

    /** {@value #ORDER}. */
    @Override
    public int getOrder() {
        return ORDER;
    }

    /** Installs the routing state and the observing response on podrouter routes; passes other exchanges on. */
    @Override
    public Mono<Void> filter(ServerWebExchange exchange, GatewayFilterChain chain) {
        Route route = exchange.getAttribute(GATEWAY_ROUTE_ATTR);
        String name = PodRouterPools.poolName(route);
        if (name == null) {
            return chain.filter(exchange);
        }
        PodRouterPool pool = pools.pool(name);
        if (pool == null) {
            if (unknownPoolsLogged.size() < 64 && unknownPoolsLogged.putIfAbsent(name, Boolean.TRUE) == null) {
                LOG.warn("route {} names podrouter pool '{}', which is not configured (pools: {}); its requests get 500",
                        route == null ? "?" : route.getId(), name, pools.names());
            }
            return chain.filter(exchange);
        }
        RoutedExchange state = new RoutedExchange(pool, budget, nanoTime);
        exchange.getAttributes().put(RoutedExchange.ATTRIBUTE, state);
        ServerHttpResponse original = exchange.getResponse();
        ServerWebExchange observed = exchange.mutate().response(new ObservedResponse(original, state)).build();
        Throwable[] error = new Throwable[1];
        return chain.filter(observed)
                .doOnError(e -> error[0] = e)
                .doFinally(signal -> state.finish(signal, error[0], status(original.getStatusCode())));
    }

    private static @Nullable Integer status(@Nullable HttpStatusCode code) {
        return code == null ? null : code.value();
    }

    /** Reports the first non-empty body chunk to the state; every chunk passes through unchanged. */
    static final class ObservedResponse extends ServerHttpResponseDecorator {
        private final RoutedExchange state;

        ObservedResponse(ServerHttpResponse delegate, RoutedExchange state) {
            super(delegate);
            this.state = state;
        }

        @Override
        public Mono<Void> writeWith(Publisher<? extends DataBuffer> body) {
            return super.writeWith(Flux.from(body).doOnNext(this::observe).doOnCancel(state::bodyCancelled));
        }

        @Override
        public Mono<Void> writeAndFlushWith(Publisher<? extends Publisher<? extends DataBuffer>> body) {
            return super.writeAndFlushWith(Flux.from(body).doOnCancel(state::bodyCancelled)
                    .map(chunks -> Flux.from(chunks).doOnNext(this::observe).doOnCancel(state::bodyCancelled)));
        }

        private void observe(DataBuffer chunk) {
            if (chunk.readableByteCount() > 0) {
                state.firstChunk();
            }
        }
    }
}
