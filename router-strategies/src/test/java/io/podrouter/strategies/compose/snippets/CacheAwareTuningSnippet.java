package io.podrouter.strategies.compose.snippets;

import io.podrouter.strategies.compose.CacheAware;
import io.podrouter.strategies.compose.ComposedStrategy;
import io.podrouter.strategies.compose.PrefixCacheScorer;

import java.time.Duration;

/** The tuning snippet of docs/cache-aware.md, compiled here and run by {@code CacheAwareDocSnippets}. */
public final class CacheAwareTuningSnippet {

    private CacheAwareTuningSnippet() {
    }

    /** The snippet's composition. */
    public static ComposedStrategy tuned() {
        // tag::cache-aware-tuning[]
        PrefixCacheScorer prefix = PrefixCacheScorer.builder()
                .maxIndexBytes(256L << 20)                 // the index's memory bound (default 128 MiB)
                .prefillTokensPerSecond(20_000)            // your pods' prefill rate (default 58,000: 8B model, H100)
                .releaseMargin(Duration.ofMillis(100))     // the release rule's margin (default 200 ms)
                .build();
        ComposedStrategy strategy = CacheAware.withPrefixScorer(prefix);
        // end::cache-aware-tuning[]
        return strategy;
    }
}
