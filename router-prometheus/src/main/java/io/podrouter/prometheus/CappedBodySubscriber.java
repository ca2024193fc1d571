package io.podrouter.prometheus;

import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Flow;

/**
 * Collects a response body into a byte array, but never more than {@code maxBytes}, and only with memory
 * reserved from the scraper's {@link ByteBudget}: a larger body is cancelled (which closes the connection)
 * and completes with {@link BodyTooLargeException}; a body that cannot get budget is cancelled too and
 * completes with {@link BudgetExhaustedException}. The buffer stays reserved until {@link #release()}, which
 * the scraper calls once it is done with the body (or gave up on it); after that the subscriber reserves
 * nothing more. Reservations and release are synchronized: the HTTP client delivers on its threads, the
 * scraper releases on its own.
 */
final class CappedBodySubscriber implements HttpResponse.BodySubscriber<CappedBodySubscriber.Body> {

    /** A received body: the first {@code length} bytes of {@code bytes}. */
    record Body(byte[] bytes, int length) {
    }

    /** The body exceeded the cap. */
    static final class BodyTooLargeException extends IOException {
        private static final long serialVersionUID = 1L;

        BodyTooLargeException(String message) {
            super(message);
        }
    }

    /** All scrapes together already hold the total budget. */
    static final class BudgetExhaustedException extends IOException {
        private static final long serialVersionUID = 1L;

        BudgetExhaustedException(String message) {
            super(message);
        }
    }

    private static final int FIRST_CHUNK = 64 * 1024;

    private final CompletableFuture<Body> result = new CompletableFuture<>();
    private final int maxBytes;
    private final long declaredLength;
    private final ByteBudget budget;
    private Flow.Subscription subscription;
    private byte[] bytes;
    private int size;
    private long reserved;
    private boolean released;

    /**
     * @param maxBytes       the cap
     * @param declaredLength the Content-Length, or -1 when unknown (chunked); a declared length above the
     *                       cap fails at once without reading the body
     * @param budget         the memory all bodies share
     */
    CappedBodySubscriber(int maxBytes, long declaredLength, ByteBudget budget) {
        this.maxBytes = maxBytes;
        this.declaredLength = declaredLength;
        this.budget = budget;
    }

    @Override
    public void onSubscribe(Flow.Subscription s) {
        subscription = s;
        if (declaredLength > maxBytes) {
            s.cancel();
            result.completeExceptionally(new BodyTooLargeException(
                    "declared body of " + declaredLength + " bytes exceeds maxBodyBytes " + maxBytes));
            return;
        }
        int first = (int) Math.min(maxBytes, declaredLength >= 0 ? declaredLength : FIRST_CHUNK);
        if (!reserve(first)) {
            return;
        }
        bytes = new byte[first];
        s.request(Long.MAX_VALUE);
    }

    @Override
    public void onNext(List<ByteBuffer> buffers) {
        if (result.isDone()) {
            return;
        }
        for (ByteBuffer b : buffers) {
            int n = b.remaining();
            if ((long) size + n > maxBytes) {
                subscription.cancel();
                result.completeExceptionally(new BodyTooLargeException("body exceeds maxBodyBytes " + maxBytes));
                return;
            }
            if (size + n > bytes.length) {
                int grown = (int) Math.min(maxBytes, Math.max((long) size + n, bytes.length * 2L));
                // old and new buffer coexist during the copy, so the new one is reserved before the old is given back
                if (!reserve(grown)) {
                    return;
                }
                byte[] old = bytes;
                bytes = Arrays.copyOf(old, grown);
                unreserve(old.length);
            }
            b.get(bytes, size, n);
            size += n;
        }
    }

    @Override
    public void onError(Throwable t) {
        result.completeExceptionally(t);
    }

    @Override
    public void onComplete() {
        result.complete(new Body(bytes == null ? new byte[0] : bytes, size));
    }

    @Override
    public CompletionStage<Body> getBody() {
        return result;
    }

    /** Gives the buffer's memory back to the budget; idempotent. The body must not be read after this. */
    synchronized void release() {
        if (!released) {
            released = true;
            budget.release(reserved);
            reserved = 0;
        }
    }

    private synchronized boolean reserve(int n) {
        if (!released && budget.tryAcquire(n)) {
            reserved += n;
            return true;
        }
        subscription.cancel();
        result.completeExceptionally(new BudgetExhaustedException(released ? "scrape abandoned"
                : "all scrapes together already hold " + budget.used() + " bytes of maxTotalBodyBytes " + budget.limit()
                + "; this body needed " + n + " more"));
        return false;
    }

    private synchronized void unreserve(int n) {
        if (!released) {
            budget.release(n);
            reserved -= n;
        }
    }
}
