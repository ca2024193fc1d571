package io.podrouter.core.internal.coldstart;

import io.podrouter.api.Pod;
import io.podrouter.api.WarmupOutcome;
import io.podrouter.core.coldstart.WarmupSettings;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.FutureTask;
import java.util.concurrent.RejectedExecutionException;

/**
 * The warm-up of one pod: a state machine advanced by {@link #step(Instant)} (the router calls it on
 * every metrics refresh, with its own clock), so that timeouts, retries and the deadline follow the
 * injected clock and tests are deterministic. Only the probe itself runs on the executor.
 *
 * <p>Each attempt's outcome is reported to the {@link Events} sink; the warm-up's end (success, or
 * giving up) is logged once at INFO or WARN. Thread-safe ({@code step} is synchronized; {@link #done()}
 * is a volatile read).
 */
final class Warmup {

    private static final Logger LOG = LoggerFactory.getLogger(Warmup.class);

    /** Receives each attempt's outcome, and {@link WarmupOutcome#GAVE_UP} once when the warm-up gives up. */
    @FunctionalInterface
    interface Events {
        void attempt(Pod pod, int attempt, WarmupOutcome outcome);
    }

    private final Pod pod;
    private final WarmupSettings settings;
    private final Executor executor;
    private final Instant deadline;
    private final Events events;

    private int attempts;
    private @Nullable FutureTask<Boolean> current;
    /** When {@code current} started; meaningful only while there is one. */
    private Instant currentStartedAt = Instant.MIN;
    private Instant nextAttemptAt;
    private volatile boolean done;
    private volatile @Nullable WarmupOutcome result;

    /**
     * @param pod      the pod, Ready since {@code pod.readySince()}
     * @param settings probe, limits and deadline
     * @param executor where attempts run (the settings' executor or the router's own); not null
     * @param events   sink for attempt outcomes; not null
     */
    Warmup(Pod pod, WarmupSettings settings, Executor executor, Events events) {
        this.pod = pod;
        this.settings = settings;
        this.executor = executor;
        this.events = events;
        Instant readySince = pod.readySince() == null ? Instant.EPOCH : pod.readySince();
        this.deadline = readySince.plus(settings.deadline());
        this.nextAttemptAt = Instant.MIN;
    }

    /** Whether the warm-up has ended (succeeded or gave up). */
    boolean done() {
        return done;
    }

    /** The final outcome ({@code SUCCESS} or {@code GAVE_UP}), or null while running. */
    @Nullable WarmupOutcome result() {
        return result;
    }

    /** Attempts started so far. */
    synchronized int attempts() {
        return attempts;
    }

    /**
     * Advances the warm-up to {@code now}: collects a finished attempt, cancels one past its timeout,
     * starts the next one when due, and gives up past the deadline or the attempt limit.
     */
    synchronized void step(Instant now) {
        if (done) {
            return;
        }
        if (current != null) {
            if (current.isDone()) {
                finishAttempt(now, outcomeOf(current));
            } else if (!now.isBefore(currentStartedAt.plus(settings.attemptTimeout()))) {
                current.cancel(true);
                finishAttempt(now, WarmupOutcome.TIMEOUT);
            }
        }
        if (done) {
            return;
        }
        if (current == null && !now.isBefore(deadline)) {
            giveUp("deadline " + settings.deadline() + " after Ready passed");
            return;
        }
        if (current == null && attempts < settings.maxAttempts() && !now.isBefore(nextAttemptAt)) {
            startAttempt(now);
            // A direct executor finishes the attempt inline; collect it now rather than a refresh later.
            if (current != null && current.isDone()) {
                finishAttempt(now, outcomeOf(current));
            }
        }
        if (!done && current == null && attempts >= settings.maxAttempts()) {
            giveUp(attempts + " attempts failed");
        }
    }

    private boolean causeLogged;

    private void startAttempt(Instant now) {
        FutureTask<Boolean> task = new FutureTask<>(() -> settings.probe().probe(pod));
        attempts++;
        current = task;
        currentStartedAt = now;
        try {
            executor.execute(task);
        } catch (RejectedExecutionException e) {
            current = null;
            events.attempt(pod, attempts, WarmupOutcome.FAILURE);
            nextAttemptAt = now.plus(settings.retryBackoff());
            LOG.warn("pod {}: warm-up attempt {} rejected by the executor; retrying after {}", pod.id(), attempts,
                    settings.retryBackoff(), e);
        }
    }

    private WarmupOutcome outcomeOf(FutureTask<Boolean> task) {
        try {
            return Boolean.TRUE.equals(task.get()) ? WarmupOutcome.SUCCESS : WarmupOutcome.FAILURE;
        } catch (ExecutionException e) {
            // The probe threw: say why once per Ready period with the cause (attempts are bounded by
            // maxAttempts, so this cannot flood); later throws of the same warm-up go to DEBUG.
            if (!causeLogged) {
                causeLogged = true;
                LOG.warn("pod {}: warm-up probe attempt {} threw; retrying after {} (cause logged once per warm-up)",
                        pod.id(), attempts, settings.retryBackoff(), e.getCause());
            } else {
                LOG.debug("pod {}: warm-up probe attempt {} threw", pod.id(), attempts, e.getCause());
            }
            return WarmupOutcome.FAILURE;
        } catch (CancellationException e) {
            return WarmupOutcome.FAILURE;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return WarmupOutcome.FAILURE;
        }
    }

    private void finishAttempt(Instant now, WarmupOutcome outcome) {
        current = null;
        events.attempt(pod, attempts, outcome);
        if (outcome == WarmupOutcome.SUCCESS) {
            done = true;
            result = WarmupOutcome.SUCCESS;
            LOG.info("pod {}: warm-up succeeded after {} attempt(s), {} after Ready", pod.id(), attempts,
                    pod.readySince() == null ? "?" : Duration.between(pod.readySince(), now));
        } else {
            nextAttemptAt = now.plus(settings.retryBackoff());
            LOG.debug("pod {}: warm-up attempt {} ended {}", pod.id(), attempts, outcome);
        }
    }

    private void giveUp(String why) {
        done = true;
        result = WarmupOutcome.GAVE_UP;
        events.attempt(pod, attempts, WarmupOutcome.GAVE_UP);
        LOG.warn("pod {}: warm-up gave up ({}); routing full traffic to it anyway", pod.id(), why);
    }

    /** Cancels a running attempt (the router calls this when the pod is forgotten or the router closes). */
    synchronized void cancel() {
        if (current != null) {
            current.cancel(true);
            current = null;
        }
        done = true;
    }
}
