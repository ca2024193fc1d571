package io.podrouter.core;

import io.podrouter.api.MetricsLookup;
import io.podrouter.api.MetricsSource;
import io.podrouter.api.MissingReason;
import io.podrouter.api.Pod;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/** A test source answering from a map filled by the test; pods not in the map are "not yet scraped". */
final class MapMetricsSource implements MetricsSource {

    final Map<String, MetricsLookup> answers = new ConcurrentHashMap<>();
    final AtomicInteger lookups = new AtomicInteger();

    @Override
    public MetricsLookup lookup(Pod pod, String model) {
        lookups.incrementAndGet();
        return answers.getOrDefault(pod.id(), MetricsLookup.missing(MissingReason.NOT_YET_SCRAPED));
    }
}
