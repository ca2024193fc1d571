package io.podrouter.spring.gateway;

import io.podrouter.api.Pod;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.cloud.client.ServiceInstance;
import org.springframework.cloud.client.discovery.ReactiveDiscoveryClient;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Feeds a pool with the instances Spring Cloud's {@link ReactiveDiscoveryClient} reports for one service id
 * (Consul, Eureka, Kubernetes through spring-cloud-kubernetes, or the simple properties-based client), asked
 * every refresh interval, the first time at once.
 *
 * <p>An instance becomes a Ready pod: id = the instance id, or {@code host:port} when it has none; labels = its
 * metadata (entries with a null key or value dropped). Instances without a host or with a port outside 1..65535,
 * and a second instance with an id already seen, are skipped. A discovery client says nothing about when an instance became ready, so {@code readySince} is the
 * moment this source first saw the instance (the cold-start clock starts then) and stays fixed while the instance
 * stays listed; an instance that leaves and comes back starts cold again. A failed or slow query (over the
 * interval) keeps the last list, logged once per run of failures.
 *
 * <p>Thread-safe: one query runs at a time ({@code concatMap}). {@link #close()} stops the polling.
 */
final class DiscoveryPodSource implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(DiscoveryPodSource.class);

    private final PodRouterPool pool;
    private final ReactiveDiscoveryClient client;
    private final String serviceId;
    private final String source;
    private final Map<String, Instant> firstSeen = new HashMap<>();
    private boolean failing;
    private final Disposable polling;

    DiscoveryPodSource(PodRouterPool pool, ReactiveDiscoveryClient client, String serviceId, Duration interval) {
        this.pool = Objects.requireNonNull(pool, "pool");
        this.client = Objects.requireNonNull(client, "client");
        this.serviceId = Objects.requireNonNull(serviceId, "serviceId");
        this.source = "discovery:" + serviceId;
        this.polling = Flux.interval(Duration.ZERO, interval, Schedulers.parallel())
                .onBackpressureDrop()
                .concatMap(tick -> client.getInstances(serviceId).collectList()
                        .timeout(interval.compareTo(Duration.ofSeconds(1)) < 0 ? Duration.ofSeconds(1) : interval)
                        .doOnNext(this::apply)
                        .onErrorResume(e -> {
                            failed(e);
                            return Mono.empty();
                        }), 0)
                .subscribe();
    }

    private synchronized void apply(List<ServiceInstance> instances) {
        Instant now = Instant.now();
        List<Pod> pods = new ArrayList<>(instances.size());
        Map<String, Instant> seen = new HashMap<>();
        for (ServiceInstance i : instances) {
            String id = i.getInstanceId() != null && !i.getInstanceId().isBlank() ? i.getInstanceId()
                    : i.getHost() + ":" + i.getPort();
            if (seen.containsKey(id) || i.getHost() == null || i.getHost().isBlank() || i.getPort() < 1 || i.getPort() > 65535) {
                continue; // a duplicate or an instance without a usable address cannot be a pod
            }
            Instant since = firstSeen.getOrDefault(id, now);
            seen.put(id, since);
            Map<String, String> labels = new HashMap<>();
            if (i.getMetadata() != null) {
                i.getMetadata().forEach((k, v) -> {
                    if (k != null && v != null) { // a Pod's labels hold no nulls
                        labels.put(k, v);
                    }
                });
            }
            pods.add(new Pod(id, i.getHost(), i.getPort(), labels, true, since));
        }
        firstSeen.clear();
        firstSeen.putAll(seen);
        if (failing) {
            LOG.info("podrouter pool {}: discovery of service '{}' answers again ({} instances)", pool.name(), serviceId, pods.size());
            failing = false;
        }
        pool.updatePods(source, pods);
    }

    private synchronized void failed(Throwable e) {
        if (!failing) {
            LOG.warn("podrouter pool {}: discovery of service '{}' failed, keeping the last {} pods: {}", pool.name(),
                    serviceId, firstSeen.size(), e.toString());
            failing = true;
        }
    }

    /** Stops polling. Idempotent. */
    @Override
    public void close() {
        polling.dispose();
    }
}
