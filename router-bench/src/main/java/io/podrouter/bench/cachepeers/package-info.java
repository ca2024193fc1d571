/**
 * The field's cache-aware routers (llm-d, SGLang's gateway, AIBrix, NVIDIA Dynamo) modelled as podrouter
 * strategies from their published descriptions, for the simulator's cache-aware comparison. The entry point
 * is {@link io.podrouter.bench.cachepeers.CachePeers}; each peer's class documents the rules it models,
 * where they come from, where the model departs from the original and why, and how it treats a new pod
 * without metrics and with an empty cache.
 *
 * <p>These are benchmark models, not production strategies: their indexes take a lock per pod and allocate.
 */
package io.podrouter.bench.cachepeers;
