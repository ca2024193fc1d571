package io.podrouter.core.internal.telemetry;

import io.podrouter.api.EjectionReason;
import io.podrouter.api.Fallback;
import io.podrouter.api.MissingReason;
import io.podrouter.api.Outcome;
import io.podrouter.api.Pod;
import io.podrouter.api.RouterEventListener;
import io.podrouter.api.WarmupOutcome;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * <b>Internal: not API, not exported by the module.</b> Wraps a user's {@link RouterEventListener} so that
 * its exceptions never reach the router: each is caught and logged once per listener method. Thread-safe;
 * adds one call and a try block per event, no allocation.
 */
public final class SafeListener implements RouterEventListener {

    private static final Logger LOG = LoggerFactory.getLogger(SafeListener.class);

    private final RouterEventListener delegate;
    private final Set<String> logged = ConcurrentHashMap.newKeySet();

    /** @param delegate the user's listener; null throws {@link NullPointerException} */
    public SafeListener(RouterEventListener delegate) {
        this.delegate = Objects.requireNonNull(delegate, "eventListener: null (expected: a RouterEventListener)");
    }

    private void failed(String method, RuntimeException e) {
        if (logged.add(method)) {
            LOG.warn("event listener {} threw from {}; ignored (logged once per method)", delegate, method, e);
        }
    }

    @Override
    public void coldStartBegan(Pod pod) {
        try {
            delegate.coldStartBegan(pod);
        } catch (RuntimeException e) {
            failed("coldStartBegan", e);
        }
    }

    @Override
    public void firstMetrics(Pod pod, Duration coldStartDuration) {
        try {
            delegate.firstMetrics(pod, coldStartDuration);
        } catch (RuntimeException e) {
            failed("firstMetrics", e);
        }
    }

    @Override
    public void coldStartEnded(Pod pod, Duration coldDuration) {
        try {
            delegate.coldStartEnded(pod, coldDuration);
        } catch (RuntimeException e) {
            failed("coldStartEnded", e);
        }
    }

    @Override
    public void warmupProbe(Pod pod, int attempt, WarmupOutcome outcome) {
        try {
            delegate.warmupProbe(pod, attempt, outcome);
        } catch (RuntimeException e) {
            failed("warmupProbe", e);
        }
    }

    @Override
    public void selected(Pod pod, String strategy, Fallback fallback, @Nullable MissingReason reason, boolean cold) {
        try {
            delegate.selected(pod, strategy, fallback, reason, cold);
        } catch (RuntimeException e) {
            failed("selected", e);
        }
    }

    @Override
    public void completed(Pod pod, String strategy, Fallback fallback, @Nullable MissingReason reason, Outcome outcome,
                          long latencyNanos) {
        try {
            delegate.completed(pod, strategy, fallback, reason, outcome, latencyNanos);
        } catch (RuntimeException e) {
            failed("completed", e);
        }
    }

    @Override
    public void firstToken(Pod pod, String strategy) {
        try {
            delegate.firstToken(pod, strategy);
        } catch (RuntimeException e) {
            failed("firstToken", e);
        }
    }

    @Override
    public void fallback(String strategy, Fallback fallback, @Nullable MissingReason reason) {
        try {
            delegate.fallback(strategy, fallback, reason);
        } catch (RuntimeException e) {
            failed("fallback", e);
        }
    }

    @Override
    public void coldRequestCompleted(Pod pod, Outcome outcome) {
        try {
            delegate.coldRequestCompleted(pod, outcome);
        } catch (RuntimeException e) {
            failed("coldRequestCompleted", e);
        }
    }

    @Override
    public void podEjected(Pod pod, EjectionReason reason, Duration ejectionTime) {
        try {
            delegate.podEjected(pod, reason, ejectionTime);
        } catch (RuntimeException e) {
            failed("podEjected", e);
        }
    }

    @Override
    public void podReturned(Pod pod) {
        try {
            delegate.podReturned(pod);
        } catch (RuntimeException e) {
            failed("podReturned", e);
        }
    }

    @Override
    public void podStalled(Pod pod, Duration unansweredFor) {
        try {
            delegate.podStalled(pod, unansweredFor);
        } catch (RuntimeException e) {
            failed("podStalled", e);
        }
    }

    @Override
    public void podResumed(Pod pod) {
        try {
            delegate.podResumed(pod);
        } catch (RuntimeException e) {
            failed("podResumed", e);
        }
    }
}
