package io.podrouter.core.internal.telemetry;

/**
 * <b>Internal: not API, not exported by the module.</b> At most one log line per interval for one pod,
 * counting the lines it held back so the next one can say so. Thread-safe (its monitor; taken only when a
 * pod's state changes, never per request).
 */
public final class PodLogLimiter {

    /** A limiter that allows the first line at any time. */
    public PodLogLimiter() {
    }

    private long nextMillis = Long.MIN_VALUE;
    private int suppressed;

    /**
     * Whether a line may be written at {@code nowMillis}: the number of lines suppressed since the last
     * one written (0 or more), or -1 when this one must be suppressed too. An interval of 0 allows every
     * line; a negative interval behaves as 0.
     */
    public synchronized int tryAcquire(long nowMillis, long intervalMillis) {
        if (nextMillis != Long.MIN_VALUE && nowMillis < nextMillis) {
            suppressed++;
            return -1;
        }
        int n = suppressed;
        suppressed = 0;
        nextMillis = nowMillis + intervalMillis;
        return n;
    }
}
