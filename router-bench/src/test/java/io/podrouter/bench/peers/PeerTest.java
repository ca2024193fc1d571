package io.podrouter.bench.peers;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class PeerTest {

    @ParameterizedTest
    @EnumSource(Peer.class)
    void everyPeerPicksAndCompletesOverFourEndpoints(Peer peer) {
        try (PeerBalancer balancer = peer.create(4)) {
            List<Object> open = new ArrayList<>();
            for (int i = 0; i < 64; i++) {
                open.add(balancer.select());
            }
            assertThat(open).doesNotContainNull();
            open.forEach(balancer::complete);
            for (int i = 0; i < 64; i++) {
                balancer.complete(balancer.select());
            }
        }
    }

    @ParameterizedTest
    @EnumSource(Peer.class)
    void everyPeerHasALabelAndACaveat(Peer peer) {
        assertThat(peer.label()).isNotBlank();
        assertThat(peer.caveat()).isNotBlank();
    }

    @Test
    void bestAvailableAvoidsTheServerWithRequestsInFlight() {
        try (PeerBalancer balancer = Peer.RIBBON_BEST_AVAILABLE.create(3)) {
            Object first = balancer.select();
            // The first server now has one request in flight; the exact rule must not pick it again.
            Object second = balancer.select();
            Object third = balancer.select();
            assertThat(second).isNotSameAs(first);
            assertThat(third).isNotSameAs(first).isNotSameAs(second);
            balancer.complete(first);
            balancer.complete(second);
            balancer.complete(third);
        }
    }

    @Test
    void rejectsZeroEndpoints() {
        assertThatThrownBy(() -> Peer.GRPC_ROUND_ROBIN.create(0))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("endpoints: 0 (expected: >= 1)");
    }
}
