package io.podrouter.prometheus;

import java.util.concurrent.atomic.AtomicLong;

/**
 * The bytes all of one scraper's response bodies may hold at once. A body reserves memory before it
 * allocates it and gives it back when the scrape is over; a reservation that would exceed the limit is
 * refused (never waited for: a waiting scrape would hold a thread), so the total buffered at any moment
 * is at most the limit however many pods answer with huge bodies at the same time. Thread-safe, lock-free.
 */
final class ByteBudget {

    private final long limit;
    private final AtomicLong used = new AtomicLong();
    private final AtomicLong peak = new AtomicLong();

    ByteBudget(long limit) {
        this.limit = limit;
    }

    /** Reserves {@code bytes} (&gt;= 0) if they fit under the limit; returns whether it did. */
    boolean tryAcquire(long bytes) {
        while (true) {
            long u = used.get();
            long next = u + bytes;
            if (next > limit) {
                return false;
            }
            if (used.compareAndSet(u, next)) {
                peak.accumulateAndGet(next, Math::max);
                return true;
            }
        }
    }

    /** Gives back {@code bytes} reserved earlier. */
    void release(long bytes) {
        used.addAndGet(-bytes);
    }

    long limit() {
        return limit;
    }

    /** Bytes reserved now. */
    long used() {
        return used.get();
    }

    /** The most ever reserved at once. */
    long peak() {
        return peak.get();
    }
}
