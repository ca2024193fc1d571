package io.podrouter.spring.gateway;

import io.podrouter.api.Candidates;
import io.podrouter.api.InferenceRequest;
import io.podrouter.api.Outcome;
import io.podrouter.api.PodSelection;
import org.jspecify.annotations.Nullable;
import reactor.core.publisher.SignalType;
import reactor.netty.channel.AbortedException;

import java.util.ArrayList;
import java.util.List;
import java.util.function.LongSupplier;

/**
 * The podrouter state of one exchange on a podrouter route, kept in an exchange attribute from the
 * {@link PodRouterCompletionFilter} (which creates it and finishes it when the response is written, failed or
 * cancelled) to the {@link PodRouterGatewayFilter} (which makes the selections and retries).
 *
 * <p>Each attempt's selection is completed exactly once: a retried attempt as FAILURE by the gateway filter, the
 * last one by {@link #finish}. Thread-safe: its methods are synchronized (an exchange moves between event-loop
 * threads, one signal at a time, so the monitor is never contended).
 */
final class RoutedExchange {

    /** The exchange attribute holding this state. */
    static final String ATTRIBUTE = RoutedExchange.class.getName();

    final PodRouterPool pool;
    private final RetryBudget budget;
    private final LongSupplier nanoTime;
    private @Nullable InferenceRequest request;
    private @Nullable Candidates candidates;
    private final List<String> tried = new ArrayList<>(2);
    private @Nullable PodSelection current;
    private long attemptStart;
    private boolean answerStarted;
    private boolean bodyCancelled;
    private boolean failed;
    private boolean counted;
    private boolean retryHeld;
    private boolean finished;
    private int retries;

    RoutedExchange(PodRouterPool pool, RetryBudget budget, LongSupplier nanoTime) {
        this.pool = pool;
        this.budget = budget;
        this.nanoTime = nanoTime;
    }

    /** Fixes the routing request and candidate set for every attempt; counts the request in the retry budget. */
    synchronized void start(InferenceRequest req, Candidates set) {
        this.request = req;
        this.candidates = set;
        if (!counted && !finished) {
            budget.requestStarted();
            counted = true;
        }
    }

    synchronized @Nullable InferenceRequest request() {
        return request;
    }

    synchronized @Nullable Candidates candidates() {
        return candidates;
    }

    /** Pod ids tried so far, the current one included (a copy). */
    synchronized List<String> tried() {
        return List.copyOf(tried);
    }

    synchronized int retries() {
        return retries;
    }

    /**
     * Makes {@code selection} the current attempt. After {@link #finish} (the client left while the pod was being
     * chosen) the selection is completed as CANCELLED at once and false is returned.
     */
    synchronized boolean begin(PodSelection selection) {
        if (finished) {
            selection.complete(Outcome.CANCELLED, -1L);
            return false;
        }
        current = selection;
        attemptStart = nanoTime.getAsLong();
        tried.add(selection.pod().id());
        return true;
    }

    /**
     * Takes one retry from the budget for this request (the first retry only; later ones reuse it, one token per
     * request as in the example gateway), unless the retry limit is reached.
     *
     * @return whether the retry may go ahead
     */
    synchronized boolean tryRetry(int maxRetries) {
        if (finished || answerStarted || retries >= maxRetries) {
            return false;
        }
        if (!retryHeld) {
            if (!budget.tryAcquireRetry()) {
                return false;
            }
            retryHeld = true;
        }
        retries++;
        return true;
    }

    /** Completes the current attempt as FAILURE (a retry follows, or the filter answers with an error). */
    synchronized void failCurrent() {
        if (current != null) {
            current.complete(Outcome.FAILURE, nanoTime.getAsLong() - attemptStart);
            current = null;
        }
    }

    /** Marks the exchange as failed at the pod whatever status is relayed (a 502 the filter wrote itself). */
    synchronized void markFailed() {
        failed = true;
    }

    /** Whether the first byte of the answer went out (no retry after it). */
    synchronized boolean answerStarted() {
        return answerStarted;
    }

    /** The first non-empty chunk of the response body is being written: no retry from now on. */
    synchronized void firstChunk() {
        if (!answerStarted) {
            answerStarted = true;
            if (current != null) {
                current.firstToken();
            }
        }
    }

    /**
     * The response body's source was cancelled by the server side of the exchange: the client's connection closed
     * while the answer was being written. Reactor Netty then ends the write normally (it drops what is left), so
     * this is how a client that leaves mid-stream is told from a complete answer.
     */
    synchronized void bodyCancelled() {
        bodyCancelled = true;
    }

    /**
     * Ends the exchange: completes the current attempt's selection (if any) and returns the retry budget. Outcome:
     * CANCEL, or a response body cancelled while written ({@link #bodyCancelled()}) -> CANCELLED; an error ->
     * CANCELLED when the client connection was closed
     * ({@link AbortedException}), else FAILURE; completion -> FAILURE for a status &gt;= 500 or a failure the
     * filter answered itself, else SUCCESS. Idempotent.
     *
     * @param signal the exchange's final signal
     * @param error  the error for ON_ERROR, else null
     * @param status the response status, or null when none was set (counted as 200, WebFlux's default)
     */
    synchronized void finish(SignalType signal, @Nullable Throwable error, @Nullable Integer status) {
        if (finished) {
            return;
        }
        finished = true;
        if (current != null) {
            Outcome outcome;
            if (signal == SignalType.CANCEL || bodyCancelled || (error != null && clientGone(error))) {
                outcome = Outcome.CANCELLED;
            } else if (error != null || failed || (status != null && status >= 500)) {
                outcome = Outcome.FAILURE;
            } else {
                outcome = Outcome.SUCCESS;
            }
            current.complete(outcome, nanoTime.getAsLong() - attemptStart);
            current = null;
        }
        if (retryHeld) {
            budget.releaseRetry();
            retryHeld = false;
        }
        if (counted) {
            budget.requestFinished();
        }
    }

    /** Whether {@code error} (or a cause) says the client's connection was closed. */
    static boolean clientGone(Throwable error) {
        for (Throwable t = error; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof AbortedException) {
                return true;
            }
        }
        return false;
    }
}
