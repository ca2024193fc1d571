package io.podrouter.kubernetes;

import io.fabric8.kubernetes.api.model.Pod;
import org.junit.jupiter.api.Test;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static io.podrouter.kubernetes.K8sFixtures.T0;
import static io.podrouter.kubernetes.K8sFixtures.pod;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The endpoint picker's pod rules, on pod objects (no API server). */
class EndpointRulesTest {

    private static final List<Integer> THREE = List.of(8000, 8001, 8002);

    @Test
    void aCandidateNeedsNoDeletionTimestampReadyTrueAndAnIp() {
        assertThat(EndpointRules.isCandidate(pod("a", Map.of(), "10.0.0.1", true, T0))).isTrue();
        assertThat(EndpointRules.isCandidate(pod("a", Map.of(), "10.0.0.1", false, T0))).isFalse();
        assertThat(EndpointRules.isCandidate(pod("a", Map.of(), "", true, T0))).isFalse();
        Pod noIp = pod("a", Map.of(), "10.0.0.1", true, T0);
        noIp.getStatus().setPodIP(null);
        assertThat(EndpointRules.isCandidate(noIp)).isFalse();
        Pod deleting = pod("a", Map.of(), "10.0.0.1", true, T0);
        deleting.getMetadata().setDeletionTimestamp(T0.toString());
        assertThat(EndpointRules.isCandidate(deleting)).isFalse();
        Pod noConditions = pod("a", Map.of(), "10.0.0.1", true, T0);
        noConditions.getStatus().setConditions(List.of());
        assertThat(EndpointRules.isCandidate(noConditions)).isFalse();
        Pod noStatus = pod("a", Map.of(), "10.0.0.1", true, T0);
        noStatus.setStatus(null);
        assertThat(EndpointRules.isCandidate(noStatus)).isFalse();
    }

    @Test
    void readySinceIsTheReadyTransitionElseStartTimeElseCreation() {
        assertThat(EndpointRules.readySince(pod("a", Map.of(), "10.0.0.1", true, T0))).isEqualTo(T0);
        Pod p = pod("a", Map.of(), "10.0.0.1", true, T0);
        p.getStatus().getConditions().get(0).setLastTransitionTime(null);
        p.getStatus().setStartTime(T0.plusSeconds(1).toString());
        p.getMetadata().setCreationTimestamp(T0.plusSeconds(2).toString());
        assertThat(EndpointRules.readySince(p)).isEqualTo(T0.plusSeconds(1));
        p.getStatus().setStartTime("not a time");
        assertThat(EndpointRules.readySince(p)).isEqualTo(T0.plusSeconds(2));
        p.getMetadata().setCreationTimestamp(null);
        assertThat(EndpointRules.readySince(p)).isNull();
        assertThat(EndpointRules.endpoints(p, List.of(8000))).as("no usable ready time: not an endpoint").isEmpty();
    }

    @Test
    void withoutTheAnnotationEveryTargetPortIsActive() {
        assertThat(EndpointRules.activePorts(null, THREE)).containsExactly(8000, 8001, 8002);
        assertThat(EndpointRules.activePorts(Map.of("other", "x"), THREE)).containsExactly(8000, 8001, 8002);
    }

    @Test
    void theAnnotationKeepsListedTargetPortsSkippingBlanksJunkAndForeignPorts() {
        assertThat(EndpointRules.activePorts(Map.of(EndpointRules.ACTIVE_PORTS, "8000, 8002 "), THREE))
                .containsExactly(8000, 8002);
        assertThat(EndpointRules.activePorts(Map.of(EndpointRules.ACTIVE_PORTS, "8000,invalid,9999,-1,8002"), THREE))
                .containsExactly(8000, 8002);
        assertThat(EndpointRules.activePorts(Map.of(EndpointRules.ACTIVE_PORTS, ""), THREE)).isEmpty();
        assertThat(EndpointRules.activePorts(Map.of(EndpointRules.ACTIVE_PORTS, "99999999999"), THREE)).isEmpty();
    }

    @Test
    void theLlmdAnnotationWinsOverTheDeprecatedOne() {
        Map<String, String> both = new HashMap<>();
        both.put(EndpointRules.ACTIVE_PORTS, "8001");
        both.put(EndpointRules.LEGACY_ACTIVE_PORTS, "8000");
        assertThat(EndpointRules.activePorts(both, THREE)).containsExactly(8001);
        assertThat(EndpointRules.activePorts(Map.of(EndpointRules.LEGACY_ACTIVE_PORTS, "8000"), THREE))
                .containsExactly(8000);
    }

    @Test
    void endpointsArePerActivePortWithRankIdsAndCopiedLabels() {
        Pod p = pod("a", Map.of("app", "vllm"), "10.0.0.1", true, T0);
        p.getMetadata().setNamespace("ns");
        p.getMetadata().setAnnotations(Map.of(EndpointRules.ACTIVE_PORTS, "8002,8000"));
        List<io.podrouter.api.Pod> eps = EndpointRules.endpoints(p, THREE);
        assertThat(eps).extracting(io.podrouter.api.Pod::id).containsExactly("ns/a-rank-0", "ns/a-rank-2");
        assertThat(eps).extracting(io.podrouter.api.Pod::authority).containsExactly("10.0.0.1:8000", "10.0.0.1:8002");
        assertThat(eps).allSatisfy(e -> {
            assertThat(e.labels()).isEqualTo(Map.of("app", "vllm"));
            assertThat(e.readySince()).isEqualTo(T0);
        });
        assertThat(EndpointRules.endpoints(p, List.of(8000))).extracting(io.podrouter.api.Pod::id).containsExactly("ns/a");
        assertThat(EndpointRules.endpoints(pod("b", Map.of(), "10.0.0.2", false, T0), THREE)).isEmpty();
    }

    @Test
    void selectorMatchingIsAnAndOfEveryEntry() {
        assertThat(EndpointRules.matches(Map.of(), null)).isTrue();
        assertThat(EndpointRules.matches(Map.of("a", "1"), null)).isFalse();
        assertThat(EndpointRules.matches(Map.of("a", "1", "b", "2"), Map.of("a", "1", "b", "2", "c", "3"))).isTrue();
        assertThat(EndpointRules.matches(Map.of("a", "1", "b", "2"), Map.of("a", "1"))).isFalse();
        assertThat(EndpointRules.matches(Map.of("a", "1"), Map.of("a", "2"))).isFalse();
    }

    @Test
    void targetPortsAreOneToEightUniquePortNumbers() {
        assertThat(EndpointRules.checkTargetPorts(List.of(1, 65535), "p")).containsExactly(1, 65535);
        assertThatThrownBy(() -> EndpointRules.checkTargetPorts(List.of(1, 2, 3, 4, 5, 6, 7, 8, 9), "p"))
                .hasMessage("p: [1, 2, 3, 4, 5, 6, 7, 8, 9] (expected: 1 to 8 ports)");
        assertThatThrownBy(() -> EndpointRules.checkTargetPorts(List.of(0), "p"))
                .hasMessage("p: [0] (expected: port numbers in 1..65535)");
    }
}
