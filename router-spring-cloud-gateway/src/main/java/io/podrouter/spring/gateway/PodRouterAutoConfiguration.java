package io.podrouter.spring.gateway;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.micrometer.core.instrument.binder.MeterBinder;
import io.podrouter.kubernetes.InferencePoolDiscovery;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.cloud.client.discovery.ReactiveDiscoveryClient;
import org.springframework.cloud.gateway.filter.GlobalFilter;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import java.nio.file.Path;
import java.util.List;

/**
 * Spring Boot auto-configuration of podrouter for Spring Cloud Gateway (WebFlux server), active when the gateway
 * is on the classpath and {@code podrouter.enabled} is not false. From {@link PodRouterProperties} it creates:
 * <ul>
 *   <li>{@link PodRouterPools}: one {@link PodRouterPool} per {@code podrouter.pools.NAME}, each with its own
 *       router, Prometheus scraper ({@code engine} vllm or sglang, {@code scrape-interval}) and at most one pod
 *       source: the {@code static-pods} list; with {@code discovery-service-id}, the instances Spring Cloud's
 *       {@link ReactiveDiscoveryClient} reports for that service (any discovery client: Consul, Eureka,
 *       spring-cloud-kubernetes, or the simple properties-based one); or, with {@code kubernetes.inference-pool}
 *       or {@code kubernetes.label-selector}, the pods podrouter-kubernetes discovers (only when
 *       podrouter-kubernetes and fabric8's kubernetes-client are on the class path; the application's
 *       {@link KubernetesClient} bean is used, else one is built from the environment and closed with the
 *       context);</li>
 *   <li>{@link PodRouterGatewayFilter} and its {@link PodRouterCompletionFilter}, the global filters that route
 *       {@code podrouter://NAME} routes;</li>
 *   <li>a {@link MeterBinder} that Boot binds to the application's {@code MeterRegistry}, so every pool's
 *       telemetry ({@code podrouter_selections_total}, {@code podrouter_pod_in_flight},
 *       {@code pod_coldstart_duration_seconds} ..., tagged {@code pool}) shows at {@code /actuator/prometheus};</li>
 *   <li>with Actuator's health module on the classpath, {@link PodRouterHealthIndicator} ({@code podrouter} in
 *       {@code /actuator/health}).</li>
 * </ul>
 * Each bean backs off when the application defines its own of that type. Invalid settings fail start-up with a
 * message naming the property. So do a pool with two pod sources, a pool naming a discovery service id when the
 * application has no {@link ReactiveDiscoveryClient}, a pool naming a Kubernetes source when podrouter-kubernetes
 * is not on the class path, and a Kubernetes discovery that does not load its first pods within its start timeout.
 * Discoveries start while the context starts (each waits for its first list) and stop when it closes.
 */
@AutoConfiguration
@ConditionalOnClass(GlobalFilter.class)
@ConditionalOnProperty(prefix = "podrouter", name = "enabled", matchIfMissing = true)
@EnableConfigurationProperties(PodRouterProperties.class)
public class PodRouterAutoConfiguration {

    /** Creates the auto-configuration; Spring calls it. */
    public PodRouterAutoConfiguration() {
    }

    /**
     * The pools, with their static pods and discovery sources started. Closed with the context.
     *
     * @throws IllegalArgumentException for an invalid setting, naming the property
     * @throws IllegalStateException    when a pool names a discovery service id and there is no discovery client,
     *                                  names a Kubernetes source without podrouter-kubernetes on the class path, or
     *                                  its Kubernetes discovery does not start
     */
    @Bean
    @ConditionalOnMissingBean
    public PodRouterPools podRouterPools(PodRouterProperties properties,
                                         ObjectProvider<ReactiveDiscoveryClient> discovery,
                                         ObjectProvider<KubernetesPodSources> kubernetes) {
        List<PodRouterPool> built = PoolFactory.build(properties);
        try {
            for (PodRouterPool pool : built) {
                PodRouterProperties.Pool settings = properties.getPools().get(pool.name());
                String source = PoolFactory.podSource(pool.name(), settings);
                String at = "podrouter.pools." + pool.name() + ".";
                if ("discovery-service-id".equals(source)) {
                    String serviceId = settings.getDiscoveryServiceId();
                    ReactiveDiscoveryClient client = discovery.getIfAvailable();
                    if (client == null) {
                        throw new IllegalStateException(at + "discovery-service-id: " + serviceId
                                + " (expected: a ReactiveDiscoveryClient bean, e.g. from a Spring Cloud discovery starter)");
                    }
                    pool.addSource(new DiscoveryPodSource(pool, client, serviceId, PoolFactory.positive(
                            at + "discovery-refresh-interval", settings.getDiscoveryRefreshInterval())));
                } else if (source != null && source.startsWith("kubernetes.")) {
                    KubernetesPodSources sources = kubernetes.getIfAvailable();
                    if (sources == null) {
                        throw new IllegalStateException(at + source + ": set (expected: podrouter-kubernetes and fabric8's"
                                + " kubernetes-client on the class path, e.g. the io.podrouter:podrouter-kubernetes dependency)");
                    }
                    pool.addSource(sources.start(pool, settings));
                }
            }
        } catch (RuntimeException e) {
            built.forEach(PodRouterPool::close);
            throw e;
        }
        return new PodRouterPools(built);
    }

    /**
     * The routing filter.
     *
     * @throws IllegalArgumentException for an invalid {@code podrouter.*} filter setting, naming it
     */
    @Bean
    @ConditionalOnMissingBean
    public PodRouterGatewayFilter podRouterGatewayFilter(PodRouterPools pools, PodRouterProperties properties) {
        long max = properties.getMaxRequestSize().toBytes();
        if (max < 1 || max > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("podrouter.max-request-size: " + properties.getMaxRequestSize()
                    + " (expected: 1 byte to 2 GB)");
        }
        RetryBudget budget;
        try {
            budget = new RetryBudget(properties.getRetryBudgetPercent(), properties.getRetryBudgetMinConcurrent());
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("podrouter.retry-budget-*: " + e.getMessage(), e);
        }
        return new PodRouterGatewayFilter(pools, (int) max, properties.getSessionHeader(), properties.getMaxRetries(),
                properties.getRetryAfter(), budget);
    }

    /** The completion filter paired with the routing filter (they share the retry budget). */
    @Bean
    @ConditionalOnMissingBean
    public PodRouterCompletionFilter podRouterCompletionFilter(PodRouterGatewayFilter gatewayFilter) {
        return gatewayFilter.completionFilter();
    }

    /** Binds every pool's telemetry to the registries Boot manages. */
    @Bean
    @ConditionalOnClass(MeterBinder.class)
    public MeterBinder podRouterMeterBinder(PodRouterPools pools) {
        return registry -> pools.all().forEach(p -> p.metrics().bindTo(registry));
    }

    /**
     * podrouter-kubernetes as a pod source, when it and fabric8's client are on the class path (both are optional
     * dependencies of this module). Creates no client unless a pool names a Kubernetes source.
     */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass({InferencePoolDiscovery.class, KubernetesClient.class})
    static class KubernetesSource {

        @Bean
        KubernetesDiscoverySources podRouterKubernetesSources(ObjectProvider<KubernetesClient> client) {
            return new KubernetesDiscoverySources(client::getIfAvailable, () -> new KubernetesClientBuilder().build(),
                    Path.of(KubernetesDiscoverySources.SERVICE_ACCOUNT_NAMESPACE));
        }
    }

    /** The health indicator, when Actuator's health module is present. */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass(HealthIndicator.class)
    static class Health {

        @Bean
        @ConditionalOnMissingBean(name = "podrouterHealthIndicator")
        PodRouterHealthIndicator podrouterHealthIndicator(PodRouterPools pools) {
            return new PodRouterHealthIndicator(pools);
        }
    }
}
