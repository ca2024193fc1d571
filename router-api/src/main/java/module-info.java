/**
 * podrouter's API: the interfaces, records and exceptions an application, a metrics source and a selection
 * strategy are written against ({@code PodSelector}, {@code Pod}, {@code MetricsSource}, {@code PodMetrics},
 * {@code SelectionStrategy}, {@code CandidateView}, ...). It depends on no other module at run time. The JSpecify
 * nullness annotations on its signatures are read at compile time ({@code requires static transitive}, as
 * Caffeine declares them: modules compiled against this one see them, nothing needs them at run time).
 */
module io.podrouter.api {
    requires static transitive org.jspecify;

    exports io.podrouter.api;
    exports io.podrouter.api.strategy;
}
