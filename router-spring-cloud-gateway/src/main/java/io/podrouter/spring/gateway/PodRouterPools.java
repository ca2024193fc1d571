package io.podrouter.spring.gateway;

import org.jspecify.annotations.Nullable;
import org.springframework.cloud.gateway.route.Route;

import java.net.URI;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The configured pools by name, and which pool a route reaches: a route whose URI has the scheme
 * {@value #SCHEME} reaches the pool named by the URI's host ({@code podrouter://chat}); any other route reaches
 * the pool named by its metadata key {@value #POOL_METADATA}, or none. Pool names are therefore host names:
 * letters, digits and hyphens (a name with an underscore is not a URI host; name it through the metadata key).
 *
 * <p>Immutable after construction and thread-safe. {@link #close()} closes every pool.
 */
public final class PodRouterPools implements AutoCloseable {

    /** The route URI scheme of podrouter pools. */
    public static final String SCHEME = "podrouter";
    /** The route metadata key naming a pool, for routes with another URI. */
    public static final String POOL_METADATA = "podrouter-pool";

    private final Map<String, PodRouterPool> pools;

    /**
     * @param pools the pools; null means none; two with one name throw {@link IllegalArgumentException}
     */
    public PodRouterPools(@Nullable Collection<PodRouterPool> pools) {
        Map<String, PodRouterPool> m = new LinkedHashMap<>();
        if (pools != null) {
            for (PodRouterPool p : pools) {
                Objects.requireNonNull(p, "pools: contains null (expected: pools)");
                if (m.putIfAbsent(p.name(), p) != null) {
                    throw new IllegalArgumentException("pools: two pools named '" + p.name() + "' (expected: unique names)");
                }
            }
        }
        this.pools = java.util.Collections.unmodifiableMap(m);
    }

    /** The pool with this name, or null (also for null). */
    public @Nullable PodRouterPool pool(@Nullable String name) {
        return name == null ? null : pools.get(name);
    }

    /** Every pool, in configuration order. */
    public List<PodRouterPool> all() {
        return List.copyOf(pools.values());
    }

    /** The pool names, in configuration order. */
    public List<String> names() {
        return List.copyOf(pools.keySet());
    }

    /**
     * The pool name a route asks for, whether or not such a pool exists: the host of a {@value #SCHEME} URI
     * (its authority when the host does not parse), else the {@value #POOL_METADATA} metadata value; null when
     * the route is not a podrouter route (or is null).
     */
    public static @Nullable String poolName(@Nullable Route route) {
        if (route == null) {
            return null;
        }
        URI uri = route.getUri();
        if (uri != null && SCHEME.equalsIgnoreCase(uri.getScheme())) {
            String host = uri.getHost() != null ? uri.getHost() : uri.getRawAuthority();
            return host == null || host.isBlank() ? "" : host;
        }
        Object meta = route.getMetadata().get(POOL_METADATA);
        return meta == null ? null : meta.toString();
    }

    /** Closes every pool. Idempotent. */
    @Override
    public void close() {
        for (PodRouterPool p : pools.values()) {
            p.close();
        }
    }
}
