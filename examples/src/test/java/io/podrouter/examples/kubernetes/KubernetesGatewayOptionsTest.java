package io.podrouter.examples.kubernetes;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class KubernetesGatewayOptionsTest {

    @Test
    void poolModeWithDefaults() {
        KubernetesGatewayOptions o = KubernetesGatewayOptions.parse("--k8s-pool", "p");
        assertThat(o.pool()).isEqualTo("p");
        assertThat(o.selector()).isNull();
        assertThat(o.namespace()).isNull();
        assertThat(o.model()).isNull();
        assertThat(o.port()).isEqualTo(8080);
        assertThat(o.bind()).isEqualTo("0.0.0.0");
    }

    @Test
    void selectorModeWithPortsAndNamespace() {
        KubernetesGatewayOptions o = KubernetesGatewayOptions.parse("--k8s-selector", "app=vllm, tier=gpu",
                "--k8s-target-port", "8000,8001", "--k8s-namespace", "llm", "--port", "0", "--model", "m");
        assertThat(o.selector()).isEqualTo(Map.of("app", "vllm", "tier", "gpu"));
        assertThat(o.targetPorts()).isEqualTo(List.of(8000, 8001));
        assertThat(o.namespace()).isEqualTo("llm");
        assertThat(o.port()).isZero();
        assertThat(o.model()).isEqualTo("m");
        assertThat(KubernetesGatewayOptions.parse("--k8s-selector", "app=vllm").targetPorts()).containsExactly(8000);
    }

    @Test
    void badCommandLinesAreRejectedNamingTheFlag() {
        assertThatThrownBy(() -> KubernetesGatewayOptions.parse()).hasMessage(
                "--k8s-pool / --k8s-selector: neither given (expected: exactly one)");
        assertThatThrownBy(() -> KubernetesGatewayOptions.parse("--k8s-pool", "p", "--k8s-selector", "a=b"))
                .hasMessage("--k8s-pool / --k8s-selector: both given (expected: exactly one)");
        assertThatThrownBy(() -> KubernetesGatewayOptions.parse("--k8s-pool", "p", "--k8s-target-port", "8000"))
                .hasMessageStartingWith("--k8s-target-port: given with --k8s-pool");
        assertThatThrownBy(() -> KubernetesGatewayOptions.parse("--k8s-selector", "novalue"))
                .hasMessageStartingWith("--k8s-selector: 'novalue' (expected: key=value pairs");
        assertThatThrownBy(() -> KubernetesGatewayOptions.parse("--k8s-selector", "a=b", "--k8s-target-port", "0"))
                .hasMessage("--k8s-target-port: '0' (expected: a number in 1..65535)");
        assertThatThrownBy(() -> KubernetesGatewayOptions.parse("--k8s-selector", "a=b", "--k8s-target-port", "1,1"))
                .hasMessage("--k8s-target-port: '1,1' (expected: 1 to 8 unique ports)");
        assertThatThrownBy(() -> KubernetesGatewayOptions.parse("--k8s-pool"))
                .hasMessage("--k8s-pool: no value (expected: --k8s-pool VALUE)");
        assertThatThrownBy(() -> KubernetesGatewayOptions.parse("--colour", "x"))
                .hasMessageStartingWith("flag: '--colour' (expected: one of usage:");
        assertThatThrownBy(() -> KubernetesGatewayOptions.parse("--port", "x", "--k8s-pool", "p"))
                .hasMessage("--port: 'x' (expected: a number in 0..65535)");
    }
}
