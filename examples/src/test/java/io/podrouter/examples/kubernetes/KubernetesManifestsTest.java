package io.podrouter.examples.kubernetes;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.rbac.PolicyRule;
import io.fabric8.kubernetes.api.model.rbac.Role;
import io.fabric8.kubernetes.api.model.rbac.RoleBinding;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.podrouter.kubernetes.LabelSelectorDiscovery;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The manifests of {@code examples/kubernetes/} parse (fabric8's Serialization) and agree with each other and with
 * the code: names and namespaces, the Service's selector and ports, the RBAC rules discovery needs, the gateway's
 * command line (parsed by {@link KubernetesGatewayOptions} itself), the pool's selector and target port against
 * the vLLM Deployment.
 */
class KubernetesManifestsTest {

    private static final Path DIR = Path.of("kubernetes");
    private static final List<HasMetadata> ALL = new ArrayList<>();

    @BeforeAll
    static void load() throws IOException {
        for (String file : List.of("gateway.yaml", "inferencepool.yaml", "vllm.yaml")) {
            try (InputStream in = Files.newInputStream(DIR.resolve(file))) {
                Object parsed = Serialization.unmarshal(in);
                if (parsed instanceof List<?> list) {
                    list.forEach(o -> ALL.add((HasMetadata) o));
                } else {
                    ALL.add((HasMetadata) parsed);
                }
            }
        }
    }

    private static <T extends HasMetadata> T one(Class<T> type, String name) {
        List<T> found = ALL.stream().filter(type::isInstance).map(type::cast)
                .filter(r -> r.getMetadata().getName().equals(name)).toList();
        assertThat(found).as(type.getSimpleName() + " " + name).hasSize(1);
        return found.get(0);
    }

    @Test
    void everyResourceIsInOneNamespaceWithTheExpectedKinds() {
        assertThat(ALL).extracting(HasMetadata::getKind).containsExactlyInAnyOrder("ServiceAccount", "Role",
                "RoleBinding", "Deployment", "Service", "InferencePool", "Deployment");
        assertThat(ALL).extracting(r -> r.getMetadata().getNamespace()).containsOnly("llm");
    }

    @Test
    void theGatewayRunsAsItsServiceAccountWhichTheRoleBindingGrantsDiscoverysRights() {
        Deployment gw = one(Deployment.class, "podrouter-gateway");
        ServiceAccount sa = one(ServiceAccount.class, "podrouter-gateway");
        Role role = one(Role.class, "podrouter-gateway");
        RoleBinding binding = one(RoleBinding.class, "podrouter-gateway");

        assertThat(gw.getSpec().getTemplate().getSpec().getServiceAccountName()).isEqualTo(sa.getMetadata().getName());
        assertThat(binding.getRoleRef().getKind()).isEqualTo("Role");
        assertThat(binding.getRoleRef().getName()).isEqualTo(role.getMetadata().getName());
        assertThat(binding.getSubjects()).singleElement().satisfies(s -> {
            assertThat(s.getKind()).isEqualTo("ServiceAccount");
            assertThat(s.getName()).isEqualTo(sa.getMetadata().getName());
            assertThat(s.getNamespace()).isEqualTo(sa.getMetadata().getNamespace());
        });
        assertThat(role.getRules()).anySatisfy(r -> grants(r, "", "pods"));
        assertThat(role.getRules()).anySatisfy(r -> grants(r, "inference.networking.k8s.io", "inferencepools"));
    }

    private static void grants(PolicyRule rule, String group, String resource) {
        assertThat(rule.getApiGroups()).containsExactly(group);
        assertThat(rule.getResources()).containsExactly(resource);
        assertThat(rule.getVerbs()).containsExactlyInAnyOrder("get", "list", "watch");
    }

    @Test
    void theServiceSelectsTheGatewayPodsAndTargetsItsPort() {
        Deployment gw = one(Deployment.class, "podrouter-gateway");
        Service svc = one(Service.class, "podrouter-gateway");
        Map<String, String> podLabels = gw.getSpec().getTemplate().getMetadata().getLabels();

        assertThat(podLabels).containsAllEntriesOf(svc.getSpec().getSelector());
        assertThat(gw.getSpec().getSelector().getMatchLabels()).isEqualTo(svc.getSpec().getSelector());
        Container c = gw.getSpec().getTemplate().getSpec().getContainers().get(0);
        String portName = svc.getSpec().getPorts().get(0).getTargetPort().getStrVal();
        assertThat(c.getPorts()).anySatisfy(p -> {
            assertThat(p.getName()).isEqualTo(portName);
            assertThat(p.getContainerPort()).isEqualTo(KubernetesGatewayOptions.DEFAULT_PORT);
        });
    }

    @Test
    void theGatewaysCommandLineParsesAndNamesThePoolItsNamespaceAndPort() {
        Deployment gw = one(Deployment.class, "podrouter-gateway");
        Container c = gw.getSpec().getTemplate().getSpec().getContainers().get(0);
        assertThat(c.getCommand()).last().isEqualTo(KubernetesGateway.class.getName());
        KubernetesGatewayOptions o = KubernetesGatewayOptions.parse(c.getArgs().toArray(String[]::new));
        GenericKubernetesResource pool = one(GenericKubernetesResource.class, o.pool());

        assertThat(o.namespace()).isEqualTo(gw.getMetadata().getNamespace()).isEqualTo(pool.getMetadata().getNamespace());
        assertThat(o.port()).isEqualTo(c.getPorts().get(0).getContainerPort());
        assertThat(o.bind()).isEqualTo(KubernetesGatewayOptions.DEFAULT_BIND);
        assertThat(o.model()).isEqualTo("Qwen/Qwen3-0.6B");
    }

    @Test
    void thePoolSelectsTheVllmPodsOnTheirServingPort() {
        GenericKubernetesResource pool = one(GenericKubernetesResource.class, "vllm-qwen3");
        Deployment vllm = one(Deployment.class, "vllm-qwen3");
        assertThat(pool.getApiVersion()).isEqualTo("inference.networking.k8s.io/v1");
        Map<String, String> matchLabels = pool.get("spec", "selector", "matchLabels");
        List<Map<String, Object>> targetPorts = pool.get("spec", "targetPorts");
        Map<String, String> podLabels = vllm.getSpec().getTemplate().getMetadata().getLabels();
        Container c = vllm.getSpec().getTemplate().getSpec().getContainers().get(0);

        assertThat(podLabels).containsAllEntriesOf(matchLabels);
        assertThat(targetPorts).extracting(p -> ((Number) p.get("number")).intValue())
                .containsExactly(KubernetesGatewayOptions.DEFAULT_TARGET_PORT);
        assertThat(c.getPorts()).extracting(p -> p.getContainerPort())
                .containsExactly(KubernetesGatewayOptions.DEFAULT_TARGET_PORT);
        assertThat(c.getArgs()).containsSequence("--port", String.valueOf(KubernetesGatewayOptions.DEFAULT_TARGET_PORT));
        // The same pods work without the CRD: the model name is where LabelSelectorDiscovery looks by default.
        assertThat(vllm.getSpec().getTemplate().getMetadata().getAnnotations())
                .containsEntry(LabelSelectorDiscovery.DEFAULT_MODEL_KEY, "Qwen/Qwen3-0.6B");
        assertThat(c.getArgs()).containsSequence("--model", "Qwen/Qwen3-0.6B");
    }
}
