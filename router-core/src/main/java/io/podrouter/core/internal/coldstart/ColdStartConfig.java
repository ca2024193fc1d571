package io.podrouter.core.internal.coldstart;

import io.podrouter.api.MetricsPredictor;
import io.podrouter.api.RouterEventListener;
import io.podrouter.core.coldstart.SlowStart;
import io.podrouter.core.coldstart.WarmupSettings;
import io.podrouter.core.internal.telemetry.RouterTelemetry;
import org.jspecify.annotations.Nullable;

import java.time.Duration;
import java.util.concurrent.Executor;

/**
 * <b>Internal: not API, not exported by the module.</b> The cold-start settings a router's table builds
 * apply, gathered in one immutable place (the router builds it from its builder's settings, which validated
 * them). Immutable and thread-safe; no component is validated again here.
 *
 * @param slowStart        the ramp curve
 * @param predictor        metric predictor for pods without metrics, or null for none (the missing-metric policy decides)
 * @param warmup           warm-up settings, or null for no warm-up
 * @param warmupExecutor   where warm-up attempts run (non-null when {@code warmup} is set)
 * @param coldInFlightCap  in-flight cap of a cold pod before its first successful completion
 * @param telemetry        counters and histogram
 * @param listener         user listener (already wrapped to swallow its exceptions), or null
 */
public record ColdStartConfig(SlowStart slowStart, @Nullable MetricsPredictor predictor,
                              @Nullable WarmupSettings warmup, @Nullable Executor warmupExecutor, int coldInFlightCap,
                              RouterTelemetry telemetry, @Nullable RouterEventListener listener) {

    /** Pods younger than this feed their real metrics to the predictor's learning. */
    public static final Duration LEARNING_HORIZON = Duration.ofMinutes(5);

    /**
     * A pod first seen without metrics later than this after its Ready instant reports no cold start (no
     * histogram entry, no cold-start events): the router did not witness it, and "now - readySince" would
     * report the router's own start-up (hours) as a cold start.
     */
    public static final Duration WITNESS_HORIZON = Duration.ofMinutes(5);
}
