package io.podrouter.spring.gateway;

import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * Actuator health of the podrouter pools, under {@code /actuator/health} as {@code podrouter}: UP when every pool
 * has at least one Ready pod, DOWN when some pool has none (its requests get 503), with per pool the details
 * {@code readyPods}, {@code pods} (Ready or not), {@code coldPods} and {@code ejectedPods} from the pool's router
 * telemetry. With no pool configured it is UP with no details.
 *
 * <p>Boot's liveness and readiness groups do not include it by default, and should not: a pool without ready pods
 * is a state of the model servers, not of the gateway, and restarting the gateway would not help.
 *
 * <p>Thread-safe; each call reads the pools' current state.
 */
public final class PodRouterHealthIndicator implements HealthIndicator {

    private final PodRouterPools pools;

    /** @param pools the pools to report; null throws {@link NullPointerException} */
    public PodRouterHealthIndicator(PodRouterPools pools) {
        this.pools = Objects.requireNonNull(pools, "pools: null (expected: the pools)");
    }

    /** The pools' health as described on the class. */
    @Override
    public Health health() {
        boolean up = true;
        Map<String, Object> details = new LinkedHashMap<>();
        for (PodRouterPool p : pools.all()) {
            int ready = p.readyPods();
            up &= ready > 0;
            var telemetry = p.router().telemetry();
            Map<String, Object> d = new LinkedHashMap<>();
            d.put("readyPods", ready);
            d.put("pods", p.pods().size());
            d.put("coldPods", telemetry.coldPods());
            d.put("ejectedPods", telemetry.ejectedPods());
            details.put(p.name(), d);
        }
        return (up ? Health.up() : Health.down()).withDetails(details).build();
    }
}
