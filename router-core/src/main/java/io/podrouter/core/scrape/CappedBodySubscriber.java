package io.podrouter.core.scrape;

import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Flow;

/**
 * Collects a response body into a byte array, but never more than {@code maxBytes}: a larger body is
 * cancelled (which closes the connection) and completes with {@link BodyTooLargeException}, so a pod
 * answering with 50 MB costs at most {@code maxBytes} of memory.
 */
final class CappedBodySubscriber implements HttpResponse.BodySubscriber<byte[]> {

    /** The body exceeded the cap. */
    static final class BodyTooLargeException extends IOException {
        private static final long serialVersionUID = 1L;

        BodyTooLargeException(String message) {
            super(message);
        }
    }

    private final CompletableFuture<byte[]> result = new CompletableFuture<>();
    private final int maxBytes;
    private final long declaredLength;
    private Flow.Subscription subscription;
    private byte[] bytes;
    private int size;

    /**
     * @param maxBytes       the cap
     * @param declaredLength the Content-Length, or -1 when unknown (chunked); a declared length above the
     *                       cap fails at once without reading the body
     */
    CappedBodySubscriber(int maxBytes, long declaredLength) {
        this.maxBytes = maxBytes;
        this.declaredLength = declaredLength;
        this.bytes = new byte[(int) Math.min(maxBytes, declaredLength >= 0 ? declaredLength : 64 * 1024)];
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
                bytes = Arrays.copyOf(bytes, (int) Math.min(maxBytes, Math.max((long) size + n, bytes.length * 2L)));
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
        result.complete(size == bytes.length ? bytes : Arrays.copyOf(bytes, size));
    }

    @Override
    public CompletionStage<byte[]> getBody() {
        return result;
    }
}
