package io.podrouter.extproc;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.rbac.Role;
import io.fabric8.kubernetes.api.model.rbac.RoleBinding;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import org.junit.jupiter.api.AfterAll;
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
 * The example manifests under {@code examples/kubernetes/extproc/} parse as Kubernetes objects and fit together:
 * the Deployment runs the picker for the pool the InferencePool declares, with the flags {@link PickerOptions}
 * accepts; the Service exposes 9002 where {@code endpointPickerRef} points; the Role grants what discovery reads.
 */
class ExampleManifestsTest {

    private static final Path DIR = Path.of("..", "examples", "kubernetes", "extproc");
    private static KubernetesClient client;

    @BeforeAll
    static void client() {
        // parses only; no request is made
        client = new KubernetesClientBuilder().build();
    }

    @AfterAll
    static void close() {
        client.close();
    }

    private static List<HasMetadata> load(String file) throws IOException {
        try (InputStream in = Files.newInputStream(DIR.resolve(file))) {
            return new ArrayList<>(client.load(in).items());
        }
    }

    private static <T> T only(List<HasMetadata> items, Class<T> type) {
        List<T> of = items.stream().filter(type::isInstance).map(type::cast).toList();
        assertThat(of).as("one %s", type.getSimpleName()).hasSize(1);
        return of.get(0);
    }

    @Test
    void manifestsParseAndFitTogether() throws Exception {
        List<HasMetadata> picker = load("picker.yaml");
        Deployment deployment = only(picker, Deployment.class);
        Service service = only(picker, Service.class);
        GenericKubernetesResource pool = only(load("inferencepool.yaml"), GenericKubernetesResource.class);
        List<HasMetadata> rbac = load("rbac.yaml");
        ServiceAccount account = only(rbac, ServiceAccount.class);
        Role role = only(rbac, Role.class);
        RoleBinding binding = only(rbac, RoleBinding.class);

        var container = deployment.getSpec().getTemplate().getSpec().getContainers().get(0);
        PickerOptions options = PickerOptions.parse(container.getArgs().toArray(String[]::new));
        assertThat(options.poolName()).isEqualTo(pool.getMetadata().getName());
        assertThat(options.poolNamespace()).isEqualTo(pool.getMetadata().getNamespace());
        assertThat(container.getPorts()).extracting(p -> p.getContainerPort()).containsExactly(9002, 9003, 9090);
        assertThat(container.getReadinessProbe().getGrpc().getService()).isEqualTo("readiness");
        assertThat(container.getReadinessProbe().getGrpc().getPort()).isEqualTo(options.healthPort());
        assertThat(container.getLivenessProbe().getGrpc().getService()).isEqualTo("liveness");

        assertThat(pool.getApiVersion()).isEqualTo("inference.networking.k8s.io/v1");
        @SuppressWarnings("unchecked")
        Map<String, Object> spec = (Map<String, Object>) pool.getAdditionalProperties().get("spec");
        @SuppressWarnings("unchecked")
        Map<String, Object> ref = (Map<String, Object>) spec.get("endpointPickerRef");
        assertThat(ref.get("name")).isEqualTo(service.getMetadata().getName());
        assertThat(ref.get("port")).isEqualTo(Map.of("number", 9002));
        assertThat(service.getSpec().getPorts()).anySatisfy(p -> assertThat(p.getPort()).isEqualTo(9002));
        assertThat(service.getSpec().getSelector()).isEqualTo(deployment.getSpec().getSelector().getMatchLabels());

        assertThat(deployment.getSpec().getTemplate().getSpec().getServiceAccountName()).isEqualTo(account.getMetadata().getName());
        assertThat(binding.getRoleRef().getName()).isEqualTo(role.getMetadata().getName());
        assertThat(binding.getSubjects().get(0).getName()).isEqualTo(account.getMetadata().getName());
        assertThat(role.getRules()).anySatisfy(r -> {
            assertThat(r.getResources()).contains("pods");
            assertThat(r.getVerbs()).contains("get", "list", "watch");
        });
        assertThat(role.getRules()).anySatisfy(r -> {
            assertThat(r.getApiGroups()).contains("inference.networking.k8s.io");
            assertThat(r.getResources()).contains("inferencepools");
            assertThat(r.getVerbs()).contains("get", "list", "watch");
        });
        for (HasMetadata m : List.of(deployment, service, account, role, binding)) {
            assertThat(m.getMetadata().getNamespace()).isEqualTo(pool.getMetadata().getNamespace());
        }
    }
}
