package io.podrouter.core;

import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Runs the router's refresh in the background every refresh interval, on the caller's scheduler or on
 * one daemon thread of its own, and keeps it running when a refresh throws (a scheduled task that throws
 * is silently cancelled). Off the selection path. Thread-safe.
 */
final class RefreshLoop {

    private static final Logger LOG = LoggerFactory.getLogger(Router.class);

    private final @Nullable ScheduledExecutorService ownScheduler;
    private final @Nullable ScheduledFuture<?> task;
    private final AtomicLong failures = new AtomicLong();

    /**
     * @param interval  zero for no background refresh
     * @param scheduler the caller's scheduler, or null for a thread of the loop's own
     */
    RefreshLoop(Duration interval, @Nullable ScheduledExecutorService scheduler, Runnable refresh) {
        long nanos = interval.toNanos();
        if (nanos == 0) {
            ownScheduler = null;
            task = null;
            return;
        }
        ScheduledExecutorService s = scheduler;
        if (s == null) {
            s = Executors.newSingleThreadScheduledExecutor(r -> {
                Thread t = new Thread(r, "podrouter-metrics-refresh");
                t.setDaemon(true);
                return t;
            });
            ownScheduler = s;
        } else {
            ownScheduler = null;
        }
        task = s.scheduleWithFixedDelay(() -> runSafely(refresh), nanos, nanos, TimeUnit.NANOSECONDS);
    }

    private void runSafely(Runnable refresh) {
        try {
            refresh.run();
        } catch (RuntimeException e) {
            long n = failures.incrementAndGet();
            if (Long.bitCount(n) == 1) {
                LOG.warn("metrics refresh failed ({} failures so far; logged at powers of two)", n, e);
            }
        }
    }

    /** Cancels the task and stops the loop's own thread (not a caller's scheduler). Idempotent. */
    void close() {
        if (task != null) {
            task.cancel(false);
        }
        if (ownScheduler != null) {
            ownScheduler.shutdownNow();
        }
    }
}
