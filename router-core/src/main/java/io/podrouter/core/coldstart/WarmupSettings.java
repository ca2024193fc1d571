package io.podrouter.core.coldstart;

import io.podrouter.api.WarmupProbe;
import org.jspecify.annotations.Nullable;

import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.Executor;

/**
 * How the router warms up a pod that just became Ready: the probe, how long one attempt may take, how
 * many attempts, the pause between them, and the deadline after which the pod gets full traffic anyway.
 * Immutable and thread-safe.
 *
 * @param probe          the probe; null throws
 * @param executor       runs probe attempts; null means the router's own (a small daemon pool the
 *                       router shuts down on close)
 * @param attemptTimeout one attempt's limit, &gt; 0; a slower attempt is cancelled with an interrupt and
 *                       counted as {@code TIMEOUT}
 * @param maxAttempts    attempts before giving up, &gt;= 1
 * @param retryBackoff   pause after a failed attempt, &gt;= 0
 * @param deadline       time after Ready after which warm-up gives up and the pod is treated as warm,
 *                       &gt; 0; so a broken probe delays a pod's full share by at most this much
 */
public record WarmupSettings(WarmupProbe probe, @Nullable Executor executor, Duration attemptTimeout, int maxAttempts,
                             Duration retryBackoff, Duration deadline) {

    /** Default attempt timeout: 30 s, enough for the slow first request of a lazily compiling server. */
    public static final Duration DEFAULT_ATTEMPT_TIMEOUT = Duration.ofSeconds(30);
    /** Default attempts: 5. */
    public static final int DEFAULT_MAX_ATTEMPTS = 5;
    /** Default pause between attempts: 2 s. */
    public static final Duration DEFAULT_RETRY_BACKOFF = Duration.ofSeconds(2);
    /** Default deadline: 60 s after Ready, about the time a 7B vLLM pod needs from start to serving well. */
    public static final Duration DEFAULT_DEADLINE = Duration.ofSeconds(60);

    public WarmupSettings {
        Objects.requireNonNull(probe, "warmupProbe: null (expected: a WarmupProbe)");
        requirePositive(attemptTimeout, "warmupAttemptTimeout");
        if (maxAttempts < 1) {
            throw new IllegalArgumentException("warmupMaxAttempts: " + maxAttempts + " (expected: >= 1)");
        }
        Objects.requireNonNull(retryBackoff, "warmupRetryBackoff: null (expected: >= 0)");
        if (retryBackoff.isNegative()) {
            throw new IllegalArgumentException("warmupRetryBackoff: " + retryBackoff + " (expected: >= 0)");
        }
        requirePositive(deadline, "warmupDeadline");
    }

    /** The probe with the default timeout, attempts, backoff and deadline, on the router's own executor. */
    public static WarmupSettings of(WarmupProbe probe) {
        return new WarmupSettings(probe, null, DEFAULT_ATTEMPT_TIMEOUT, DEFAULT_MAX_ATTEMPTS, DEFAULT_RETRY_BACKOFF,
                DEFAULT_DEADLINE);
    }

    /** These settings with another executor (null: the router's own). */
    public WarmupSettings withExecutor(@Nullable Executor newExecutor) {
        return new WarmupSettings(probe, newExecutor, attemptTimeout, maxAttempts, retryBackoff, deadline);
    }

    private static void requirePositive(Duration d, String name) {
        Objects.requireNonNull(d, () -> name + ": null (expected: > 0)");
        if (d.isNegative() || d.isZero()) {
            throw new IllegalArgumentException(name + ": " + d + " (expected: > 0)");
        }
    }
}
