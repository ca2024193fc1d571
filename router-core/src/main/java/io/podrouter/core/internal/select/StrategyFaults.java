package io.podrouter.core.internal.select;

import io.podrouter.api.strategy.SelectionStrategy;
import io.podrouter.core.internal.telemetry.RouterLog;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;

import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Logs a chain strategy's faults (an exception, an invalid pick, a throwing callback) once per strategy,
 * for the selection pipeline and the completion hooks alike. Thread-safe; no lock (one CAS per fault).
 */
final class StrategyFaults {

    private static final Logger LOG = RouterLog.logger();

    private final SelectionStrategy[] chain;
    private final AtomicBoolean[] logged;

    StrategyFaults(SelectionStrategy[] chain) {
        this.chain = chain;
        this.logged = new AtomicBoolean[chain.length];
        for (int s = 0; s < chain.length; s++) {
            logged[s] = new AtomicBoolean();
        }
    }

    /** A fault of the strategy at chain position {@code s}. */
    void fault(int s, String what, @Nullable Throwable cause) {
        if (logged[s].compareAndSet(false, true)) {
            LOG.warn("strategy {} {}; passing to the next strategy (logged once per strategy)", chain[s].name(), what, cause);
        }
    }

    /** A fault of an observing strategy's callback; found by identity in the chain (faults are rare). */
    void observerFault(SelectionStrategy o, String what, @Nullable Throwable cause) {
        for (int s = 0; s < chain.length; s++) {
            if (chain[s] == o) {
                fault(s, what, cause);
                return;
            }
        }
    }
}
