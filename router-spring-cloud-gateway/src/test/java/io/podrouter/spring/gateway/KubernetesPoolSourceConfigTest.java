package io.podrouter.spring.gateway;

import io.fabric8.kubernetes.api.model.GenericKubernetesResourceBuilder;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.api.model.rbac.Role;
import io.fabric8.kubernetes.api.model.rbac.RoleBinding;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;
import io.podrouter.api.Pod;
import io.podrouter.kubernetes.InferencePoolDiscovery;
import io.podrouter.kubernetes.PodDiscovery;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

import java.io.IOException;
import java.io.InputStream;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The Kubernetes pod source's wiring and its misconfigurations, in application contexts without a web server
 * (Boot's {@link ApplicationContextRunner}): two sources in one pool, options of the other source, podrouter-kubernetes
 * missing from the class path, an unreachable API server, and the client built from the environment when the
 * application has none (against fabric8's mock API server in CRUD mode, {@link CrudApiServer}), closed with the
 * context.
 */
class KubernetesPoolSourceConfigTest {

    private static CrudApiServer server;
    private static KubernetesClient client;

    @BeforeAll
    static void startTheApiServer() {
        server = new CrudApiServer();
        client = server.client();
    }

    @AfterAll
    static void stopTheApiServer() {
        server.close();
    }

    private final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(PodRouterAutoConfiguration.class));

    private static String startupFailure(ApplicationContextRunner runner, String... properties) {
        AtomicReference<Throwable> failure = new AtomicReference<>();
        runner.withPropertyValues(properties).run(context -> failure.set(context.getStartupFailure()));
        assertThat(failure.get()).as("start-up failure").isNotNull();
        // the first exception in the chain that speaks of a property: Spring wraps it, and it may wrap a cause
        for (Throwable t = failure.get(); t != null; t = t.getCause()) {
            if (t.getMessage() != null && t.getMessage().startsWith("podrouter.")) {
                return t.getMessage();
            }
        }
        throw new AssertionError("no podrouter.* message in the start-up failure", failure.get());
    }

    @Test
    void twoPodSourcesInOnePoolFailStartUpNamingThePoolAndBoth() {
        assertThat(startupFailure(runner, "podrouter.pools.chat.static-pods[0].host=10.0.0.1",
                "podrouter.pools.chat.static-pods[0].port=8000", "podrouter.pools.chat.kubernetes.inference-pool=vllm"))
                .isEqualTo("podrouter.pools.chat: static-pods and kubernetes.inference-pool (expected: at most one pod source"
                        + " per pool, one of static-pods, discovery-service-id, kubernetes.inference-pool, kubernetes.label-selector)");
        assertThat(startupFailure(runner, "podrouter.pools.chat.kubernetes.inference-pool=vllm",
                "podrouter.pools.chat.kubernetes.label-selector.app=vllm"))
                .startsWith("podrouter.pools.chat: kubernetes.inference-pool and kubernetes.label-selector (expected: at most one");
        assertThat(startupFailure(runner, "podrouter.pools.chat.discovery-service-id=vllm",
                "podrouter.pools.chat.kubernetes.label-selector.app=vllm"))
                .startsWith("podrouter.pools.chat: discovery-service-id and kubernetes.label-selector (expected: at most one");
    }

    @Test
    void optionsThatDoNotFitTheSourceFailStartUpNamingTheProperty() {
        assertThat(startupFailure(runner, "podrouter.pools.chat.kubernetes.inference-pool=vllm",
                "podrouter.pools.chat.kubernetes.target-ports=8000"))
                .isEqualTo("podrouter.pools.chat.kubernetes.target-ports: [8000] (expected: unset with inference-pool,"
                        + " whose spec.targetPorts name the ports)");
        assertThat(startupFailure(runner, "podrouter.pools.chat.kubernetes.namespace=llm"))
                .isEqualTo("podrouter.pools.chat.kubernetes.namespace: llm (expected: set only with kubernetes.inference-pool"
                        + " or kubernetes.label-selector)");
        assertThat(startupFailure(runner, "podrouter.pools.chat.kubernetes.inference-pool= "))
                .isEqualTo("podrouter.pools.chat.kubernetes.inference-pool: blank (expected: the name of an InferencePool)");
        assertThat(startupFailure(runner, "podrouter.pools.chat.kubernetes.label-selector.app=vllm",
                "podrouter.pools.chat.kubernetes.target-ports=8000,70000"))
                .isEqualTo("podrouter.pools.chat.kubernetes.target-ports: [8000, 70000] (expected: ports in 1..65535)");
        assertThat(startupFailure(runner, "podrouter.pools.chat.kubernetes.label-selector.app=vllm",
                "podrouter.pools.chat.kubernetes.debounce=-1s"))
                .isEqualTo("podrouter.pools.chat.kubernetes.debounce: PT-1S (expected: >= 0)");
    }

    @Test
    void withoutPodrouterKubernetesOnTheClassPathAKubernetesPoolFailsStartUpAndNoSourceBeanExists() {
        ApplicationContextRunner without = runner.withClassLoader(new FilteredClassLoader(InferencePoolDiscovery.class));
        without.run(context -> assertThat(context).hasNotFailed().doesNotHaveBean(KubernetesDiscoverySources.class));
        assertThat(startupFailure(without, "podrouter.pools.chat.kubernetes.inference-pool=vllm"))
                .isEqualTo("podrouter.pools.chat.kubernetes.inference-pool: set (expected: podrouter-kubernetes and fabric8's"
                        + " kubernetes-client on the class path, e.g. the io.podrouter:podrouter-kubernetes dependency)");
    }

    @Test
    void aPoolWithoutKubernetesSourceBuildsNoClient() {
        runner.withPropertyValues("podrouter.pools.chat.static-pods[0].host=10.0.0.1", "podrouter.pools.chat.static-pods[0].port=8000")
                .run(context -> {
                    assertThat(context).hasNotFailed();
                    assertThat(context.getBean(KubernetesDiscoverySources.class).ownClient()).isNull();
                });
    }

    @Test
    void anUnreachableApiServerFailsStartUpNamingThePoolAfterTheStartTimeout() throws IOException {
        int deadPort;
        try (ServerSocket s = new ServerSocket(0)) {
            deadPort = s.getLocalPort();
        }
        try (KubernetesClient unreachable = new KubernetesClientBuilder().withConfig(new ConfigBuilder()
                .withMasterUrl("http://127.0.0.1:" + deadPort).withRequestRetryBackoffLimit(0).build()).build()) {
            String message = startupFailure(runner.withBean(KubernetesClient.class, () -> unreachable, d -> d.setDestroyMethodName("")),
                    "podrouter.pools.chat.kubernetes.inference-pool=vllm-llama", "podrouter.pools.chat.kubernetes.namespace=llm",
                    "podrouter.pools.chat.kubernetes.start-timeout=300ms");
            assertThat(message).startsWith("podrouter.pools.chat.kubernetes.inference-pool: llm/vllm-llama did not start"
                    + " (expected: a reachable API server and RBAC get/list/watch on pods and inferencepools): ");
        }
    }

    @Test
    void withoutAClientBeanOneIsBuiltFromTheEnvironmentReadsTheDefaultNamespaceAndItAndTheDiscoveryCloseWithTheContext() throws IOException {
        int noServer; // the pod's port: nothing listens there, so the pool's scraper finds no metrics, quickly
        try (ServerSocket s = new ServerSocket(0)) {
            noServer = s.getLocalPort();
        }
        ResourceDefinitionContext pools = new ResourceDefinitionContext.Builder().withGroup("inference.networking.k8s.io")
                .withVersion("v1").withKind("InferencePool").withPlural("inferencepools").withNamespaced(true).build();
        client.genericKubernetesResources(pools).inNamespace("default").resource(new GenericKubernetesResourceBuilder()
                .withApiVersion("inference.networking.k8s.io/v1").withKind("InferencePool")
                .withNewMetadata().withName("p").withNamespace("default").endMetadata()
                .withAdditionalProperties(Map.of("spec", Map.of("selector", Map.of("matchLabels", Map.of("app", "v")),
                        "targetPorts", List.of(Map.of("number", noServer)))))
                .build()).create();
        client.pods().inNamespace("default").resource(new PodBuilder()
                .withNewMetadata().withName("v-0").withNamespace("default").withLabels(Map.of("app", "v")).endMetadata()
                .withNewStatus().withPodIP("127.0.0.1").addNewCondition().withType("Ready").withStatus("True")
                .withLastTransitionTime(Instant.now().toString()).endCondition().endStatus()
                .build()).create();
        AtomicReference<KubernetesClient> built = new AtomicReference<>();
        AtomicReference<PodDiscovery> discovery = new AtomicReference<>();
        // fabric8 reads the API server's address from these system properties; the runner restores them afterwards
        runner.withSystemProperties("kubernetes.master=" + server.url(), "kubernetes.auth.tryKubeConfig=false",
                        "kubernetes.auth.tryServiceAccount=false", "kubernetes.namespace=elsewhere", "kubernetes.http2.disable=true")
                .withPropertyValues("podrouter.pools.chat.kubernetes.inference-pool=p")
                .run(context -> {
                    assertThat(context).hasNotFailed();
                    assertThat(context.getBean(PodRouterPools.class).pool("chat").pods())
                            .extracting(Pod::id, Pod::authority).containsExactly(org.assertj.core.groups.Tuple.tuple("default/v-0", "127.0.0.1:" + noServer));
                    KubernetesDiscoverySources sources = context.getBean(KubernetesDiscoverySources.class);
                    built.set(sources.ownClient());
                    assertThat(built.get()).isNotNull();
                    assertThat(built.get().getHttpClient().isClosed()).isFalse();
                    assertThat(sources.discoveries()).singleElement().isInstanceOf(InferencePoolDiscovery.class);
                    discovery.set(sources.discoveries().get(0));
                });
        assertThat(built.get().getHttpClient().isClosed()).as("client closed with the context").isTrue();
        // a discovery refuses to start again only once closed
        assertThatThrownBy(() -> discovery.get().start()).as("discovery closed with the context")
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("closed");
    }

    @Test
    void theDocumentedRbacGrantsTheServiceAccountGetListAndWatchOnPodsAndInferencePools() throws IOException {
        List<HasMetadata> items;
        try (InputStream in = Files.newInputStream(Path.of("src/test/resources/kubernetes-rbac.yaml"))) {
            items = client.load(in).items();
        }
        ServiceAccount account = (ServiceAccount) items.stream().filter(ServiceAccount.class::isInstance).findFirst().orElseThrow();
        Role role = (Role) items.stream().filter(Role.class::isInstance).findFirst().orElseThrow();
        RoleBinding binding = (RoleBinding) items.stream().filter(RoleBinding.class::isInstance).findFirst().orElseThrow();
        assertThat(role.getRules()).extracting(r -> r.getApiGroups(), r -> r.getResources(), r -> r.getVerbs()).containsExactly(
                org.assertj.core.groups.Tuple.tuple(List.of(""), List.of("pods"), List.of("get", "list", "watch")),
                org.assertj.core.groups.Tuple.tuple(List.of("inference.networking.k8s.io"), List.of("inferencepools"),
                        List.of("get", "list", "watch")));
        assertThat(binding.getRoleRef().getKind()).isEqualTo("Role");
        assertThat(binding.getRoleRef().getName()).isEqualTo(role.getMetadata().getName());
        assertThat(binding.getSubjects()).singleElement().satisfies(s -> {
            assertThat(s.getKind()).isEqualTo("ServiceAccount");
            assertThat(s.getName()).isEqualTo(account.getMetadata().getName());
            assertThat(s.getNamespace()).isEqualTo(account.getMetadata().getNamespace()).isEqualTo(role.getMetadata().getNamespace());
        });
    }

    @Test
    void theDefaultNamespaceIsTheServiceAccountFilesElseDefault(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("namespace");
        assertThat(KubernetesDiscoverySources.defaultNamespace(file)).isEqualTo("default");
        Files.writeString(file, "llm\n");
        assertThat(KubernetesDiscoverySources.defaultNamespace(file)).isEqualTo("llm");
        Files.writeString(file, "  \n");
        assertThat(KubernetesDiscoverySources.defaultNamespace(file)).isEqualTo("default");
        assertThat(KubernetesDiscoverySources.defaultNamespace(dir)).as("a directory").isEqualTo("default");
    }
}
