package io.podrouter.extproc;

import io.podrouter.api.Outcome;

import java.io.IOException;
import java.util.EnumMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;

/**
 * Counters of an {@link EndpointPicker}: how requests were answered, how routed requests ended, how often a
 * fallback endpoint served, and the number of open ext_proc streams. Read them with the accessors or as
 * Prometheus text with {@link #writePrometheus(Appendable)}.
 *
 * <p>Thread-safe; counters only grow (the stream gauge goes up and down).
 */
public final class PickerStats {

    /** How the picker answered a request. */
    public enum Result {
        /** Routed: the headers response named an endpoint. */
        ROUTED,
        /** HTTP 400: invalid JSON, no model, a field of the wrong type. */
        BAD_REQUEST,
        /** HTTP 413: the request body exceeded the picker's limit. */
        TOO_LARGE,
        /** HTTP 503: no ready pod in the pool. */
        NO_READY_POD,
        /** HTTP 503: the subset hint left no pod of the pool. */
        SUBSET_EMPTY,
        /** HTTP 429: shed by {@link Admission}. */
        SHED,
        /** The stream ended with a gRPC error because of an unexpected exception in the picker. */
        INTERNAL_ERROR
    }

    private final Map<Result, LongAdder> results = new EnumMap<>(Result.class);
    private final Map<Outcome, LongAdder> completions = new EnumMap<>(Outcome.class);
    private final LongAdder fallbackServed = new LongAdder();
    private final AtomicInteger openStreams = new AtomicInteger();

    PickerStats() {
        for (Result r : Result.values()) {
            results.put(r, new LongAdder());
        }
        for (Outcome o : Outcome.values()) {
            completions.put(o, new LongAdder());
        }
    }

    void record(Result result) {
        results.get(result).increment();
    }

    void completed(Outcome outcome) {
        completions.get(outcome).increment();
    }

    void recordFallbackServed() {
        fallbackServed.increment();
    }

    void streamOpened() {
        openStreams.incrementAndGet();
    }

    void streamClosed() {
        openStreams.decrementAndGet();
    }

    /** Requests answered with {@code result} so far; null throws {@link NullPointerException}. */
    public long requests(Result result) {
        return results.get(java.util.Objects.requireNonNull(result, "result: null (expected: a Result)")).sum();
    }

    /** Routed requests that ended with {@code outcome} so far (completed selections); null throws NPE. */
    public long completions(Outcome outcome) {
        return completions.get(java.util.Objects.requireNonNull(outcome, "outcome: null (expected: an Outcome)")).sum();
    }

    /** Responses served by a fallback endpoint rather than the first one named. */
    public long fallbacksServed() {
        return fallbackServed.sum();
    }

    /** ext_proc streams open now. */
    public int openStreams() {
        return openStreams.get();
    }

    /**
     * Writes the counters in the Prometheus text format (0.0.4): {@code podrouter_extproc_requests_total{result}},
     * {@code podrouter_extproc_completions_total{outcome}}, {@code podrouter_extproc_fallback_served_total} and
     * {@code podrouter_extproc_open_streams}.
     *
     * @throws IOException from {@code out}
     */
    public void writePrometheus(Appendable out) throws IOException {
        out.append("# HELP podrouter_extproc_requests_total Requests answered by the endpoint picker, by result.\n")
                .append("# TYPE podrouter_extproc_requests_total counter\n");
        for (Result r : Result.values()) {
            out.append("podrouter_extproc_requests_total{result=\"").append(r.name().toLowerCase(Locale.ROOT))
                    .append("\"} ").append(Long.toString(requests(r))).append('\n');
        }
        out.append("# HELP podrouter_extproc_completions_total Routed requests by how they ended.\n")
                .append("# TYPE podrouter_extproc_completions_total counter\n");
        for (Outcome o : Outcome.values()) {
            out.append("podrouter_extproc_completions_total{outcome=\"").append(o.name().toLowerCase(Locale.ROOT))
                    .append("\"} ").append(Long.toString(completions(o))).append('\n');
        }
        out.append("# HELP podrouter_extproc_fallback_served_total Responses served by a fallback endpoint.\n")
                .append("# TYPE podrouter_extproc_fallback_served_total counter\n")
                .append("podrouter_extproc_fallback_served_total ").append(Long.toString(fallbacksServed())).append('\n')
                .append("# HELP podrouter_extproc_open_streams ext_proc streams open now.\n")
                .append("# TYPE podrouter_extproc_open_streams gauge\n")
                .append("podrouter_extproc_open_streams ").append(Integer.toString(openStreams())).append('\n');
    }
}
