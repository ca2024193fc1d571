/**
 * podrouter's selection strategies: round-robin, least-request, least-KV-cache, least-latency and random
 * ({@code io.podrouter.strategies}), and the composed cache-aware strategies ({@code io.podrouter.strategies.compose}:
 * prefix, session and LoRA affinity with load). They implement the API's {@code SelectionStrategy}, which
 * their users see, so the API module is required transitively; the JSpecify annotations on their signatures
 * are read at compile time only ({@code requires static transitive}).
 */
module io.podrouter.strategies {
    requires transitive io.podrouter.api;
    requires static transitive org.jspecify;

    exports io.podrouter.strategies;
    exports io.podrouter.strategies.compose;
}
