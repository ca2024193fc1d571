/**
 * podrouter for Spring Cloud Gateway (the WebFlux server): a {@link org.springframework.cloud.gateway.filter.GlobalFilter}
 * pair that picks the model-server pod for each OpenAI-style completion request on routes whose URI is
 * {@code podrouter://POOL}, and the auto-configuration that builds the pools (routers, scrapers, pod sources),
 * their Micrometer telemetry and their health indicator from {@code podrouter.*} properties.
 *
 * <p>Start at {@link io.podrouter.spring.gateway.PodRouterGatewayFilter}; the properties are
 * {@link io.podrouter.spring.gateway.PodRouterProperties}.
 */
@NullMarked
package io.podrouter.spring.gateway;

import org.jspecify.annotations.NullMarked;
