/**
 * Peer load balancers (gRPC-java, Netflix Ribbon, Finagle) behind one small adapter,
 * {@link io.podrouter.bench.peers.PeerBalancer}, chosen by the enum {@link io.podrouter.bench.peers.Peer}
 * that JMH takes as a {@code @Param}: the way Caffeine's benchmarks compare caches. Each adapter drives
 * the library's public balancing API in-process over fake endpoints (no sockets, no I/O) and exercises
 * the library's own in-flight accounting on every pick, so the figures are comparable with podrouter's
 * {@code selectPod} plus {@code complete}. Where a peer cannot be driven like for like, its
 * {@link io.podrouter.bench.peers.Peer#caveat()} says how it differs.
 *
 * <p>Bench-only code: these libraries are dependencies of router-bench, never of the library modules.
 */
package io.podrouter.bench.peers;
