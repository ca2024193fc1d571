package io.podrouter.kubernetes;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.client.utils.Serialization;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Reading an InferencePool from its generic form, as the API server returns it. */
class PoolSpecTest {

    private static GenericKubernetesResource parse(String spec) {
        return Serialization.unmarshal("""
                apiVersion: inference.networking.k8s.io/v1
                kind: InferencePool
                metadata: {name: p, namespace: llm}
                spec:
                """ + spec.indent(2) + """
                status:
                  parents:
                    - parentRef: {name: gw}
                      conditions: [{type: Accepted, status: "True", reason: Accepted}]
                """, GenericKubernetesResource.class);
    }

    @Test
    void readsSelectorPortsAndProtocolIgnoringFieldsItDoesNotKnow() {
        PoolSpec s = PoolSpec.of(parse("""
                selector: {matchLabels: {app: vllm, tier: gpu}}
                targetPorts: [{number: 8000}, {number: 8002}]
                appProtocol: kubernetes.io/h2c
                endpointPickerRef: {name: epp, port: {number: 9002}, failureMode: FailOpen}
                someFutureField: {x: 1}
                """));
        assertThat(s.matchLabels()).isEqualTo(Map.of("app", "vllm", "tier", "gpu"));
        assertThat(s.targetPorts()).isEqualTo(List.of(8000, 8002));
        assertThat(s.appProtocol()).isEqualTo("kubernetes.io/h2c");
    }

    @Test
    void appProtocolDefaultsToHttp() {
        assertThat(PoolSpec.of(parse("""
                selector: {matchLabels: {app: vllm}}
                targetPorts: [{number: 8000}]
                """)).appProtocol()).isEqualTo("http");
    }

    @Test
    void malformedPoolsAreRejectedNamingTheField() {
        assertThatThrownBy(() -> PoolSpec.of(parse("targetPorts: [{number: 8000}]")))
                .hasMessage("spec.selector: null (expected: an object)");
        assertThatThrownBy(() -> PoolSpec.of(parse("selector: {matchLabels: {}}\ntargetPorts: [{number: 8000}]")))
                .hasMessage("spec.selector.matchLabels: 0 entries (expected: 1 to 64)");
        assertThatThrownBy(() -> PoolSpec.of(parse("selector: {matchLabels: {app: vllm}}")))
                .hasMessage("spec.targetPorts: null (expected: a list of {number: port})");
        assertThatThrownBy(() -> PoolSpec.of(parse("selector: {matchLabels: {app: vllm}}\ntargetPorts: [{number: x}]")))
                .hasMessage("spec.targetPorts[].number: x (expected: an integer port)");
        assertThatThrownBy(() -> PoolSpec.of(parse("selector: {matchLabels: {app: vllm}}\ntargetPorts: []")))
                .hasMessage("spec.targetPorts: [] (expected: 1 to 8 ports)");
        assertThatThrownBy(() -> PoolSpec.of(parse(
                "selector: {matchLabels: {app: vllm}}\ntargetPorts: [{number: 8000}, {number: 8000}]")))
                .hasMessage("spec.targetPorts: [8000, 8000] (expected: unique port numbers)");
    }
}
