package io.podrouter.spring.gateway;

import org.junit.jupiter.api.Test;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.ConfigurationPropertySources;
import org.springframework.boot.env.YamlPropertySourceLoader;
import org.springframework.core.env.PropertySource;
import org.springframework.core.io.ByteArrayResource;
import org.springframework.core.io.FileSystemResource;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * docs/spring-cloud-gateway.md and the sample cannot rot: the page's first YAML block is the sample application's
 * application.yml, which binds to the pools it claims (bound with Boot's binder and built, no context started), the
 * others are tagged regions of the YAML files the Kubernetes tests read, and invalid settings fail naming the
 * property. (The page's Java blocks are checked, with every docs page's, by the
 * examples module's snippet test.)
 */
class DocsPageTest {

    private static final Path ROOT = Path.of("..");
    private static final Pattern YAML_BLOCK = Pattern.compile("(?m)^```yaml\\n(.*?)\\n```$", Pattern.DOTALL);
    private static final Pattern YAML_REGION = Pattern.compile("(?m)^# tag::([\\w-]+)\\[\\]\\n(.*?)\\n# end::\\1\\[\\]$",
            Pattern.DOTALL);

    @Test
    void theSamplesApplicationYmlBindsToAPoolWithItsModelAndPodsAndARouteToIt() throws IOException {
        List<PropertySource<?>> yaml = new YamlPropertySourceLoader().load("application.yml",
                new FileSystemResource(ROOT.resolve("examples/spring-cloud-gateway/src/main/resources/application.yml")));
        Binder binder = new Binder(ConfigurationPropertySources.from(yaml));
        PodRouterProperties props = binder.bind("podrouter", PodRouterProperties.class).get();
        assertThat(binder.bind("spring.cloud.gateway.server.webflux.routes[0].uri", String.class).get())
                .isEqualTo("podrouter://chat");
        try (PodRouterPools pools = new PodRouterPools(PoolFactory.build(props))) {
            assertThat(pools.names()).containsExactly("chat");
            PodRouterPool chat = pools.pool("chat");
            assertThat(chat.models()).containsExactly("meta-llama/Llama-3.1-8B-Instruct");
            assertThat(chat.pods()).extracting(p -> p.id() + "@" + p.authority())
                    .containsExactly("vllm-0@127.0.0.1:8000", "vllm-1@127.0.0.1:8001");
            assertThat(chat.router().strategies()).extracting(s -> s.name()).containsExactly("least-kv-cache", "least-request");
        }
    }

    @Test
    void theKubernetesYamlBindsToAnInferencePoolSourceAndALabelSelectorSource() throws IOException {
        List<PropertySource<?>> yaml = new YamlPropertySourceLoader().load("kubernetes-pools.yml",
                new FileSystemResource(Path.of("src/test/resources/kubernetes-pools.yml")));
        PodRouterProperties props = new Binder(ConfigurationPropertySources.from(yaml)).bind("podrouter", PodRouterProperties.class).get();
        PodRouterProperties.Pool chat = props.getPools().get("chat");
        assertThat(PoolFactory.podSource("chat", chat)).isEqualTo("kubernetes.inference-pool");
        assertThat(chat.getKubernetes().getInferencePool()).isEqualTo("vllm-llama");
        assertThat(chat.getKubernetes().getNamespace()).isEqualTo("llm");
        PodRouterProperties.Pool batch = props.getPools().get("batch");
        assertThat(PoolFactory.podSource("batch", batch)).isEqualTo("kubernetes.label-selector");
        assertThat(batch.getKubernetes().getLabelSelector()).containsExactly(Map.entry("app", "vllm-batch"));
        assertThat(batch.getKubernetes().getTargetPorts()).containsExactly(8000);
        assertThat(batch.getKubernetes().getModelKey()).isEqualTo("model.aibrix.ai/name");
        assertThat(batch.getKubernetes().getDebounce()).isEqualTo(Duration.ofMillis(100));
    }

    @Test
    void aLabelKeyWithDotsAndASlashKeepsThemWhenBracketedAsThePageSays() throws IOException {
        String yaml = "podrouter:\n  pools:\n    chat:\n      kubernetes:\n"
                + "        label-selector: {\"[app.kubernetes.io/name]\": vllm, tier: gpu}\n";
        List<PropertySource<?>> source = new YamlPropertySourceLoader().load("inline",
                new ByteArrayResource(yaml.getBytes(StandardCharsets.UTF_8)));
        PodRouterProperties props = new Binder(ConfigurationPropertySources.from(source)).bind("podrouter", PodRouterProperties.class).get();
        assertThat(props.getPools().get("chat").getKubernetes().getLabelSelector())
                .containsExactly(Map.entry("app.kubernetes.io/name", "vllm"), Map.entry("tier", "gpu"));
    }

    @Test
    void invalidPoolSettingsFailNamingTheProperty() {
        PodRouterProperties props = new PodRouterProperties();
        PodRouterProperties.Pool pool = new PodRouterProperties.Pool();
        pool.setEngine("tgi");
        props.getPools().put("chat", pool);
        assertThatThrownBy(() -> PoolFactory.build(props)).hasMessage("podrouter.pools.chat.engine: tgi (expected: vllm or sglang)");
        pool.setEngine("sglang");
        pool.setStrategies(List.of("least-kv-cache", "fastest"));
        assertThatThrownBy(() -> PoolFactory.build(props)).hasMessage("podrouter.pools.chat.strategies: 'fastest' (expected: one of "
                + "[least-kv-cache, least-request, least-latency, round-robin, random, cache-aware])");
        pool.setStrategies(List.of("cache-aware"));
        PodRouterProperties.StaticPod pod = new PodRouterProperties.StaticPod();
        pod.setHost("10.0.0.1");
        pool.setStaticPods(List.of(pod));
        assertThatThrownBy(() -> PoolFactory.build(props)).hasMessage("podrouter.pools.chat.static-pods[0].port: 0 (expected: 1..65535)");
        pod.setPort(8000);
        pool.getOutlier().setMaxEjectedFraction(2);
        assertThatThrownBy(() -> PoolFactory.build(props)).hasMessageStartingWith("podrouter.pools.chat.outlier: maxEjectedFraction: 2.0");
        pool.getOutlier().setEnabled(false);
        pool.setScrapeInterval(Duration.ZERO);
        assertThatThrownBy(() -> PoolFactory.build(props)).hasMessage("podrouter.pools.chat.scrape-interval: PT0S (expected: > 0)");
    }

    @Test
    void theYamlBlocksOfTheDocsPageAreTheSamplesApplicationYmlAndTaggedRegionsOfTheTestsYamlFiles() throws IOException {
        String page = Files.readString(ROOT.resolve("docs/spring-cloud-gateway.md"));
        List<String> blocks = new ArrayList<>();
        Matcher m = YAML_BLOCK.matcher(page);
        while (m.find()) {
            blocks.add(m.group(1) + "\n");
        }
        String sample = Files.readString(ROOT.resolve("examples/spring-cloud-gateway/src/main/resources/application.yml"));
        Map<String, String> regions = new LinkedHashMap<>();
        for (String file : List.of("kubernetes-pools.yml", "kubernetes-rbac.yaml")) {
            Matcher r = YAML_REGION.matcher(Files.readString(Path.of("src/test/resources", file)));
            while (r.find()) {
                regions.put(file + "#" + r.group(1), r.group(2) + "\n");
            }
        }
        assertThat(regions).containsOnlyKeys("kubernetes-pools.yml#pools", "kubernetes-rbac.yaml#rbac");
        assertThat(blocks).as("yaml blocks of docs/spring-cloud-gateway.md").hasSize(1 + regions.size());
        assertThat(blocks.get(0)).isEqualTo(sample);
        assertThat(blocks.subList(1, blocks.size())).containsExactlyElementsOf(regions.values());
    }
}
