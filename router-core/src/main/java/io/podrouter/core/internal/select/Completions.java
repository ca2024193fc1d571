package io.podrouter.core.internal.select;

import io.podrouter.api.InferenceRequest;
import io.podrouter.api.Outcome;
import io.podrouter.api.Pod;
import io.podrouter.api.RouterEventListener;
import io.podrouter.api.strategy.SelectionStrategy;
import io.podrouter.core.internal.health.OutlierDetector;
import io.podrouter.core.internal.health.StallDetector;
import io.podrouter.core.internal.table.PodHandle;
import io.podrouter.core.internal.telemetry.RouterTelemetry;
import org.jspecify.annotations.Nullable;

import java.util.ArrayList;
import java.util.List;

/**
 * What happens when a selection completes, as an ordered list of hooks, each owned by one concern: the
 * in-flight token ledger, the observing strategies, the stall detector's progress, the cold-start burst
 * guard, outlier detection, and telemetry with the event listener. A completion and a reclaim (a
 * selection nobody completed within the maximum in-flight age, completed as {@code CANCELLED}, -1) take
 * this same path, exactly once per selection ({@link Selection}'s CAS decides which).
 *
 * <p>Hot path: runs on every completion. Invariants, enforced here: no lock (every hook updates atomics or
 * LongAdders; the outlier detector locks only to eject, once per run of failures), no allocation (the
 * hook array is built once; hooks that do not apply to the configuration are left out of it rather than
 * tested per completion), no hash lookup (hooks reach the pod through its handle). Thread-safe.
 */
final class Completions {

    /** One concern's reaction to a completion. Must not lock, block or allocate; may be called concurrently. */
    interface Hook {
        void completed(PodHandle handle, Pod pod, Decision decision, boolean cold, Outcome outcome, long latencyNanos,
                       @Nullable InferenceRequest request);
    }

    private final Hook[] hooks;
    private final SelectionStrategy[] observers;
    private final StrategyFaults faults;
    private final @Nullable RouterEventListener listener;

    /**
     * @param countsTokens some strategy reads in-flight tokens: completions take theirs off the pod
     * @param outliers     null when outlier detection is off
     */
    Completions(boolean countsTokens, SelectionStrategy[] observers, StrategyFaults faults, StallDetector stalls,
                @Nullable OutlierDetector outliers, RouterTelemetry telemetry, @Nullable RouterEventListener listener) {
        this.observers = observers;
        this.faults = faults;
        this.listener = listener;
        List<Hook> list = new ArrayList<>();
        if (countsTokens) {
            list.add((h, pod, d, cold, outcome, latency, request) -> {
                if (request != null) {
                    h.addTokens(-SelectionPipeline.tokens(request));
                }
            });
        }
        if (observers.length > 0) {
            list.add((h, pod, d, cold, outcome, latency, request) -> {
                if (request != null) {
                    notifyObservers(pod, outcome, latency, request);
                }
            });
        }
        if (stalls.enabled()) {
            list.add((h, pod, d, cold, outcome, latency, request) -> {
                if (outcome == Outcome.SUCCESS) {
                    h.progress().answered(latency);
                }
            });
        }
        // The cold-start burst guard's release (each success doubles the pod's cap) and cold telemetry.
        list.add((h, pod, d, cold, outcome, latency, request) -> {
            if (cold) {
                if (outcome == Outcome.SUCCESS) {
                    h.countColdSuccess();
                }
                telemetry.coldRequestCompleted(outcome);
                if (listener != null) {
                    listener.coldRequestCompleted(pod, outcome);
                }
            }
        });
        if (outliers != null) {
            list.add((h, pod, d, cold, outcome, latency, request) -> outliers.record(h, outcome, latency));
        }
        list.add((h, pod, d, cold, outcome, latency, request) -> {
            telemetry.outcome(outcome);
            if (listener != null) {
                listener.completed(pod, d.strategy(), d.fallback(), d.missingReason(), outcome, latency);
            }
        });
        this.hooks = list.toArray(new Hook[0]);
    }

    /** Called once per completed (or reclaimed) selection, after its in-flight slot was released. */
    void completed(PodHandle handle, Pod pod, Decision decision, boolean cold, Outcome outcome, long latencyNanos,
                   @Nullable InferenceRequest request) {
        for (Hook hook : hooks) {
            hook.completed(handle, pod, decision, cold, outcome, latencyNanos, request);
        }
    }

    /** Called at most once per selection, before its completion, when the gateway reports the first token. */
    void firstToken(Pod pod, Decision decision, @Nullable InferenceRequest request) {
        if (request != null) {
            for (SelectionStrategy o : observers) {
                try {
                    o.firstToken(request, pod);
                } catch (RuntimeException e) {
                    faults.observerFault(o, "threw from firstToken(): " + e, e);
                }
            }
        }
        if (listener != null) {
            listener.firstToken(pod, decision.strategy());
        }
    }

    private void notifyObservers(Pod pod, Outcome outcome, long latencyNanos, InferenceRequest request) {
        for (SelectionStrategy o : observers) {
            try {
                o.completed(request, pod, outcome, latencyNanos);
            } catch (RuntimeException e) {
                faults.observerFault(o, "threw from completed(): " + e, e);
            }
        }
    }
}
