package io.podrouter.spring.gateway;

import java.util.concurrent.atomic.AtomicInteger;

/**
 * A retry budget in the manner of Envoy's {@code retry_budget}: retries in progress may be at most
 * {@code percent} % of the requests in progress, but never fewer than {@code minConcurrent} may run at
 * once. A budget of this kind lets a single request be retried whenever the fleet is mostly healthy, and
 * stops retries from doubling the load when many backends fail together (a per-request retry count
 * alone would let every failing request try twice).
 *
 * <p>The same budget as the example gateway's; the filter calls {@link #requestStarted()} and {@link #requestFinished()} around every client
 * request, {@link #tryAcquireRetry()} before a retry and {@link #releaseRetry()} when the request that
 * made it finishes (the retry stays "in progress" until then).
 *
 * <p>Thread-safe and lock-free. The check and the increment of {@link #tryAcquireRetry()} are one atomic
 * step, so concurrent callers can never exceed the limit together. Calls that would make a count
 * negative (a release without an acquire) throw {@link IllegalStateException} and leave the count at 0.
 */
final class RetryBudget {

    /** Default share of in-progress requests that may be retries: 20 %, Envoy's default. */
    public static final double DEFAULT_PERCENT = 20.0;
    /** Default floor of concurrent retries: 3, Envoy's default {@code min_retry_concurrency}. */
    public static final int DEFAULT_MIN_CONCURRENT = 3;

    private final double percent;
    private final int minConcurrent;
    private final AtomicInteger active = new AtomicInteger();
    private final AtomicInteger retries = new AtomicInteger();

    /**
     * @param percent       share of in-progress requests that may be retries, in [0, 100]; NaN throws
     * @param minConcurrent retries allowed at once whatever the share says, &gt;= 0
     * @throws IllegalArgumentException for an argument out of range
     */
    public RetryBudget(double percent, int minConcurrent) {
        if (!(percent >= 0 && percent <= 100)) {
            throw new IllegalArgumentException("percent: " + percent + " (expected: 0..100)");
        }
        if (minConcurrent < 0) {
            throw new IllegalArgumentException("minConcurrent: " + minConcurrent + " (expected: >= 0)");
        }
        this.percent = percent;
        this.minConcurrent = minConcurrent;
    }

    /** Counts a request as in progress. */
    public void requestStarted() {
        active.incrementAndGet();
    }

    /**
     * Counts a request as finished.
     *
     * @throws IllegalStateException when no request is in progress
     */
    public void requestFinished() {
        decrement(active, "requestFinished without requestStarted");
    }

    /**
     * Takes a retry from the budget if one is left: when the retries in progress are fewer than
     * {@code max(minConcurrent, percent % of the requests in progress)}.
     *
     * @return whether the retry may go ahead (then call {@link #releaseRetry()} once it is over)
     */
    public boolean tryAcquireRetry() {
        while (true) {
            int now = retries.get();
            if (now >= limit()) {
                return false;
            }
            if (retries.compareAndSet(now, now + 1)) {
                return true;
            }
        }
    }

    /**
     * Returns a retry taken with {@link #tryAcquireRetry()}.
     *
     * @throws IllegalStateException when no retry is in progress
     */
    public void releaseRetry() {
        decrement(retries, "releaseRetry without tryAcquireRetry");
    }

    /** Retries allowed at once now: {@code max(minConcurrent, floor(percent % of requests in progress))}. */
    public int limit() {
        return Math.max(minConcurrent, (int) Math.floor(active.get() * percent / 100.0));
    }

    /** Requests in progress. */
    public int activeRequests() {
        return active.get();
    }

    /** Retries in progress. */
    public int activeRetries() {
        return retries.get();
    }

    private static void decrement(AtomicInteger counter, String what) {
        while (true) {
            int now = counter.get();
            if (now == 0) {
                throw new IllegalStateException(what);
            }
            if (counter.compareAndSet(now, now - 1)) {
                return;
            }
        }
    }
}
