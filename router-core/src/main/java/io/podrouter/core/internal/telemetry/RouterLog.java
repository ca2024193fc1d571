package io.podrouter.core.internal.telemetry;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * <b>Internal: not API, not exported by the module.</b> The logger the router's own lines go to (metrics
 * state changes, strategy faults, ejections, stalls, reclaims, refresh failures). It keeps the facade's
 * name, {@value #NAME}, which these lines had before the router's internals moved to their own packages, so
 * that a logging configuration written for the router keeps working. The name is a string rather than
 * {@code Router.class}, so the internal packages do not depend on the facade.
 *
 * <p>Thread-safe (stateless; SLF4J loggers are).
 */
public final class RouterLog {

    /** The logger name of the router's lines: the facade's class name. */
    public static final String NAME = "io.podrouter.core.Router";

    private RouterLog() {
    }

    /** The SLF4J logger named {@value #NAME}; never null. */
    public static Logger logger() {
        return LoggerFactory.getLogger(NAME);
    }
}
