package io.podrouter.bench.peers;

import com.netflix.loadbalancer.BestAvailableRule;
import com.netflix.loadbalancer.RoundRobinRule;
import com.twitter.finagle.loadbalancer.Balancers;

import java.util.Map;

/**
 * The peer load balancers benchmarked side by side with podrouter; JMH takes this enum as a
 * {@code @Param}, and each constant builds its {@link PeerBalancer}. {@link #label()} is the name used
 * in reports, {@link #caveat()} says where the comparison with podrouter is not like for like.
 *
 * <p>Versions are pinned in the root pom ({@code grpc.version}, {@code ribbon.version},
 * {@code finagle.version}); these libraries are dependencies of router-bench only.
 */
public enum Peer {

    /** gRPC-java {@code round_robin}, as the registry resolves the name. */
    GRPC_ROUND_ROBIN("gRPC round_robin",
            "With grpc-services on the class path the registry resolves round_robin to its health-checking"
                    + " wrapper (no health check configured, so it only forwards). round_robin keeps no"
                    + " in-flight count, so completion does nothing.") {
        @Override
        public PeerBalancer create(int endpoints) {
            return GrpcPeer.create("round_robin", Map.of(), checked(endpoints));
        }
    },

    /** gRPC-java {@code least_request_experimental} with choiceCount 2: power of two choices. */
    GRPC_LEAST_REQUEST("gRPC least_request",
            "choiceCount 2 (power of two choices). In-flight is counted by the per-call stream tracer"
                    + " the pick returns (created per pick, +1 on streamCreated, -1 on streamClosed), as"
                    + " gRPC's client call does. With 1 thread every count is 0 at each pick, so it picks"
                    + " uniformly at random.") {
        @Override
        public PeerBalancer create(int endpoints) {
            return GrpcPeer.create("least_request_experimental", Map.of("choiceCount", 2.0), checked(endpoints));
        }
    },

    /** gRPC-java {@code weighted_round_robin} with default settings (per-call ORCA load reports). */
    GRPC_WEIGHTED_ROUND_ROBIN("gRPC weighted_round_robin",
            "No backend sends ORCA load reports here, so no endpoint ever gets a weight and all are"
                    + " scheduled with the same (mean) weight: its scheduler runs as plain round robin."
                    + " The per-call load-report tracer the pick returns is created and closed per pick.") {
        @Override
        public PeerBalancer create(int endpoints) {
            return GrpcPeer.create("weighted_round_robin", Map.of(), checked(endpoints));
        }
    },

    /** Netflix Ribbon {@code RoundRobinRule}. */
    RIBBON_ROUND_ROBIN("Ribbon RoundRobinRule",
            "Active requests are counted in Ribbon's ServerStats (+1 at pick, -1 at completion) as its"
                    + " LoadBalancerContext does; the rule itself does not read them.") {
        @Override
        public PeerBalancer create(int endpoints) {
            return RibbonPeer.create(new RoundRobinRule(), checked(endpoints));
        }
    },

    /** Netflix Ribbon {@code BestAvailableRule}: exact least active requests. */
    RIBBON_BEST_AVAILABLE("Ribbon BestAvailableRule",
            "Exact scan of every server's active requests (a stats-cache lookup and a circuit-breaker"
                    + " check per server). Ties go to the first server in list order, not at random: with"
                    + " 1 thread every count is 0, so it always picks the first server (podrouter's"
                    + " least-request breaks ties uniformly, which costs a second pass).") {
        @Override
        public PeerBalancer create(int endpoints) {
            RibbonPeer peer = RibbonPeer.create(new BestAvailableRule(), checked(endpoints));
            try {
                peer.verifyRanksByActiveRequests();
            } catch (RuntimeException e) {
                peer.close();
                throw e;
            }
            return peer;
        }
    },

    /** Finagle {@code Balancers.p2c()}: power of two choices over outstanding requests. */
    FINAGLE_P2C("Finagle p2c",
            "One pick acquires a service from the balancer (load +1) and completion closes it (load -1)."
                    + " With 1 thread every load is 0 at each pick, so it picks uniformly at random.") {
        @Override
        public PeerBalancer create(int endpoints) {
            return FinaglePeer.create(Balancers.p2c(Balancers.p2c$default$1()), checked(endpoints));
        }
    },

    /** Finagle {@code Balancers.p2cPeakEwma()}: power of two choices over peak-EWMA latency x load. */
    FINAGLE_P2C_PEAK_EWMA("Finagle p2cPeakEwma",
            "As Finagle p2c; in addition each completion feeds the latency between acquire and close"
                    + " (nanoseconds here) into the peak EWMA, so costs stay near 0 and, with 1 thread,"
                    + " picks are close to uniform.") {
        @Override
        public PeerBalancer create(int endpoints) {
            return FinaglePeer.create(Balancers.p2cPeakEwma(Balancers.p2cPeakEwma$default$1(),
                    Balancers.p2cPeakEwma$default$2()), checked(endpoints));
        }
    };

    private final String label;
    private final String caveat;

    Peer(String label, String caveat) {
        this.label = label;
        this.caveat = caveat;
    }

    /**
     * Builds this peer over {@code endpoints} fake endpoints, ready to pick. The caller closes it.
     *
     * @param endpoints number of endpoints; must be &gt;= 1 ({@link IllegalArgumentException} otherwise)
     * @throws IllegalStateException when the library cannot be wired as expected (a changed API or a
     *                               missing artifact), with the reason
     */
    public abstract PeerBalancer create(int endpoints);

    /** The name used in reports, e.g. {@code gRPC least_request}. */
    public String label() {
        return label;
    }

    /** Where this peer's figures are not like for like with podrouter's selectPod plus complete. */
    public String caveat() {
        return caveat;
    }

    private static int checked(int endpoints) {
        if (endpoints < 1) {
            throw new IllegalArgumentException("endpoints: " + endpoints + " (expected: >= 1)");
        }
        return endpoints;
    }
}
