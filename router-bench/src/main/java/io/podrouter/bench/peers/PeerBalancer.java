package io.podrouter.bench.peers;

/**
 * The adapter every benchmarked peer load balancer is driven through: what a gateway does for one
 * request, reduced to "pick an endpoint and count the request in flight" and "the request finished".
 * Each {@link Peer} constant builds one implementation over a fixed number of fake endpoints, so one
 * JMH benchmark method measures every peer the same way.
 *
 * <p>Implementations are thread-safe to the degree of the library they wrap (all wrapped libraries are
 * built for concurrent pickers), allocate nothing of their own per pick beyond what the library's
 * own API forces, and never perform I/O.
 */
public interface PeerBalancer extends AutoCloseable {

    /**
     * Picks an endpoint and starts the library's own in-flight accounting for it, as the library's
     * client would when a request is sent.
     *
     * @return a non-null handle identifying the pick, to be passed to {@link #complete(Object)} once
     */
    Object select();

    /**
     * Ends the in-flight accounting of a pick, as the library's client would when the response
     * arrived. Passing a handle twice, null, or one from another balancer has undefined results (the
     * wrapped libraries do not defend against it either).
     */
    void complete(Object handle);

    /** Stops any thread or timer the library started. Idempotent. */
    @Override
    void close();
}
