package io.podrouter.prometheus;

import org.jspecify.annotations.Nullable;

import java.io.IOException;
import java.net.ConnectException;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The HTTP side of a scrape: one GET with the scrape timeout over connect, headers and body, the body read
 * into a buffer capped per pod and reserved from the scraper's shared {@link ByteBudget}, and every way it
 * can fail mapped to its {@link FailureKind} (recorded through the {@link ScrapeRecorder}). Immutable and
 * thread-safe; each call uses only its own request and {@link BodyHolder}.
 */
final class ScrapeFetcher {

    private static final String ACCEPT = "text/plain;version=0.0.4;q=1.0,*/*;q=0.1";

    private final Duration timeout;
    private final int maxBodyBytes;
    private final ByteBudget budget;
    private final ScrapeRecorder recorder;

    ScrapeFetcher(Duration timeout, int maxBodyBytes, ByteBudget budget, ScrapeRecorder recorder) {
        this.timeout = timeout;
        this.maxBodyBytes = maxBodyBytes;
        this.budget = budget;
        this.recorder = recorder;
    }

    /**
     * GETs the body of {@code s}'s URI with {@code c}, or records the failure and returns null (also when
     * interrupted, i.e. closing). The body's memory is released through {@code holder} once the scrape ends.
     */
    CappedBodySubscriber.@Nullable Body fetch(PodScrapeState s, HttpClient c, BodyHolder holder) {
        HttpRequest request = HttpRequest.newBuilder(s.uri).timeout(timeout).header("Accept", ACCEPT).GET().build();
        CompletableFuture<HttpResponse<CappedBodySubscriber.Body>> response = c.sendAsync(request, info -> {
            if (info.statusCode() / 100 != 2) {
                return HttpResponse.BodySubscribers.replacing(null);
            }
            long length = info.headers().firstValueAsLong("Content-Length").orElse(-1L);
            CappedBodySubscriber capped = new CappedBodySubscriber(maxBodyBytes, length, budget);
            holder.attach(capped);
            return capped;
        });
        HttpResponse<CappedBodySubscriber.Body> r;
        try {
            r = response.get(timeout.toNanos(), TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
            response.cancel(true);
            recorder.fail(s, FailureKind.TIMEOUT, 0, "no complete response within " + timeout + " from " + s.uri, null);
            return null;
        } catch (InterruptedException e) {
            response.cancel(true);
            Thread.currentThread().interrupt();
            return null; // closing
        } catch (ExecutionException e) {
            Throwable cause = e.getCause() == null ? e : e.getCause();
            while (cause instanceof CompletionException && cause.getCause() != null) {
                cause = cause.getCause();
            }
            if (cause instanceof CappedBodySubscriber.BodyTooLargeException) {
                recorder.fail(s, FailureKind.BODY_TOO_LARGE, 0, cause.getMessage() + " from " + s.uri, null);
            } else if (cause instanceof CappedBodySubscriber.BudgetExhaustedException) {
                recorder.fail(s, FailureKind.MEMORY_BUDGET, 0, cause.getMessage() + "; not read from " + s.uri, null);
            } else if (cause instanceof HttpConnectTimeoutException || cause instanceof HttpTimeoutException) {
                recorder.fail(s, FailureKind.TIMEOUT, 0, "no complete response within " + timeout + " from " + s.uri, cause);
            } else if (cause instanceof ConnectException) {
                recorder.fail(s, FailureKind.CONNECT, 0, "cannot connect to " + s.uri + " (" + cause + ")", cause);
            } else if (cause instanceof IOException) {
                recorder.fail(s, FailureKind.IO, 0, "I/O error reading " + s.uri + ": " + cause, cause);
            } else {
                recorder.fail(s, FailureKind.INTERNAL, 0, cause.toString(), cause);
            }
            return null;
        } finally {
            if (!response.isDone()) {
                holder.releaseAll(); // a body still arriving after a timeout must not keep (or take) budget
            }
        }
        if (r.statusCode() / 100 != 2) {
            recorder.fail(s, FailureKind.HTTP_STATUS, r.statusCode(), "HTTP " + r.statusCode() + " from " + s.uri, null);
            return null;
        }
        return r.body() == null ? new CappedBodySubscriber.Body(new byte[0], 0) : r.body();
    }

    /**
     * The body subscriber of one scrape, so that its memory is given back when the scrape ends, even if
     * the HTTP client creates the subscriber only after the scrape gave up (it then starts released and
     * reserves nothing). Thread-safe: the HTTP client attaches on its own thread.
     */
    static final class BodyHolder {
        private @Nullable CappedBodySubscriber subscriber;
        private boolean done;

        synchronized void attach(CappedBodySubscriber s) {
            if (done) {
                s.release();
            } else {
                subscriber = s;
            }
        }

        synchronized void releaseAll() {
            done = true;
            if (subscriber != null) {
                subscriber.release();
            }
        }
    }
}
