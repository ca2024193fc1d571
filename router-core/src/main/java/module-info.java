/**
 * podrouter's router: {@code io.podrouter.core.Router} and its builder, the cold-start settings and
 * predictors ({@code io.podrouter.core.coldstart}), and the telemetry snapshot with its Prometheus
 * exposition ({@code io.podrouter.core.telemetry}). Only these three packages are exported; the router's
 * internals ({@code io.podrouter.core.internal.*}: selection, tables, health, cold-start tracking, live
 * counters) are not, so code outside the module cannot reach them on the module path.
 *
 * <p>The router implements the API's {@code PodSelector} and its settings take API types, so the API module
 * is required transitively. Caffeine (the router's weak pod and candidate-set maps) and SLF4J are used inside
 * only. The JSpecify annotations on its signatures are read at compile time only ({@code requires static
 * transitive}, as Caffeine declares them).
 */
module io.podrouter.core {
    requires transitive io.podrouter.api;
    requires com.github.benmanes.caffeine;
    requires org.slf4j;
    requires static transitive org.jspecify;

    exports io.podrouter.core;
    exports io.podrouter.core.coldstart;
    exports io.podrouter.core.telemetry;
}
