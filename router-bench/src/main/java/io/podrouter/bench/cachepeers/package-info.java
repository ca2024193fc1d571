/**
 * The field's cache-aware routers (llm-d, SGLang's gateway, AIBrix, NVIDIA Dynamo) modelled as podrouter
 * strategies from their sources at named commits, with their projects' defaults, for the simulator's
 * cache-aware comparison. The entry point is {@link io.podrouter.bench.cachepeers.CachePeers}; each peer's
 * class cites the files and commit it follows, documents the rules it models, where the model departs from
 * the original and why, and how it treats a new pod without metrics and with an empty cache.
 * {@link io.podrouter.bench.cachepeers.PeerFeed} is what a peer reads beyond the router's own view (llm-d's
 * own metric polls, Dynamo's KV-cache events).
 *
 * <p>These are benchmark models, not production strategies: their indexes take locks and allocate.
 */
@org.jspecify.annotations.NullMarked
package io.podrouter.bench.cachepeers;
