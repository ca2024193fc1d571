package io.podrouter.extproc;

import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import io.podrouter.api.Candidates;
import io.podrouter.api.Pod;
import io.podrouter.api.PodSelector;
import io.podrouter.extproc.proto.ExternalProcessorGrpc;
import io.podrouter.extproc.proto.ProcessingRequest;
import io.podrouter.extproc.proto.ProcessingResponse;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

/**
 * The endpoint picker: Envoy's external processing service ({@code envoy.service.ext_proc.v3.ExternalProcessor},
 * method {@code Process}) answering as the Gateway API Inference Extension's endpoint picker protocol says (GIE
 * {@code docs/proposals/004-endpoint-picker-protocol}, the behaviour of llm-d's {@code pkg/epp/handlers}). Envoy
 * must run the ext_proc filter with {@code FULL_DUPLEX_STREAMED} request and response body modes.
 *
 * <p>Per request (one gRPC stream):
 * <ol>
 *   <li>Request headers and body are buffered to the end of the stream (at most {@link Builder#maxRequestBodyBytes};
 *       more answers 413). The body is read as an OpenAI completions or chat completions request: invalid JSON or
 *       no {@code model} answers 400.</li>
 *   <li>The pods come from the {@link PodSource}, narrowed to the subset hint (filter metadata
 *       {@value #SUBSET_NAMESPACE} / {@value #SUBSET_KEY}, a list or a comma-separated string); none left
 *       answers 503. {@link Admission} may shed the request (429). The {@link PodSelector} chooses; no ready pod
 *       answers 503.</li>
 *   <li>The picker then sends, in this order: the request headers response with {@code clear_route_cache},
 *       header {@value #DESTINATION_HEADER}{@code : ip:port[,fallback...]} and {@code Content-Length}, and
 *       dynamic metadata {@value #METADATA_NAMESPACE} / {@value #DESTINATION_HEADER} with the same value; then
 *       the body, unchanged, as streamed chunks of at most {@value #MAX_CHUNK_BYTES} bytes, the last one with
 *       {@code end_of_stream}. A request without a body (headers with {@code end_of_stream}, e.g. a GET) is routed
 *       at once, for model {@code x-gateway-model-name} or {@link Builder#headerOnlyModel}.</li>
 *   <li>Response: status 5xx (or a fallback serving, per {@value #SERVED_KEY} in the metadata context, for
 *       the endpoints before it) counts as the pod's failure; 4xx is the client's business and counts as the pod
 *       answering. Event streams ({@code text/event-stream}) pass through chunk by chunk; other bodies are buffered
 *       to their end (up to {@link Builder#maxResponseBufferBytes}, after which they pass through) and sent back
 *       in chunks, as llm-d does. The selection completes exactly once: at the response's end of stream (or its
 *       trailers), or as {@code CANCELLED} when the stream ends before that.</li>
 * </ol>
 *
 * <p>Header values are written as {@code raw_value}, with append action {@code OVERWRITE_IF_EXISTS_OR_ADD} so a
 * client cannot add a destination of its own beside the picker's.
 *
 * <p>Thread-safe: one instance serves all streams; each stream's messages are handled in order, as gRPC
 * delivers them.
 */
public final class EndpointPicker extends ExternalProcessorGrpc.ExternalProcessorImplBase {

    private static final Logger LOG = LoggerFactory.getLogger(EndpointPicker.class);

    /** The request header (and dynamic metadata key) naming the chosen endpoints. */
    public static final String DESTINATION_HEADER = "x-gateway-destination-endpoint";
    /** The dynamic metadata namespace of the destination and of the served endpoint. */
    public static final String METADATA_NAMESPACE = "envoy.lb";
    /** The filter metadata namespace of the subset hint. */
    public static final String SUBSET_NAMESPACE = "envoy.lb.subset_hint";
    /** The key of the subset hint in {@value #SUBSET_NAMESPACE}. */
    public static final String SUBSET_KEY = "x-gateway-destination-endpoint-subset";
    /** The key, in {@value #METADATA_NAMESPACE} of the metadata context, of the endpoint that served. */
    public static final String SERVED_KEY = "x-gateway-destination-endpoint-served";
    /** The request header a body-based router sets to the model name; used for requests without a body. */
    public static final String MODEL_NAME_HEADER = "x-gateway-model-name";
    /**
     * Largest body chunk the picker sends: 62,000 bytes, llm-d's figure, because some Envoy implementations
     * limit a streamed chunk to 64 KiB.
     */
    public static final int MAX_CHUNK_BYTES = 62_000;
    /** Default {@link Builder#maxRequestBodyBytes}: 16 MiB. */
    public static final int DEFAULT_MAX_REQUEST_BODY_BYTES = 16 * 1024 * 1024;
    /** Default {@link Builder#maxResponseBufferBytes}: 16 MiB. */
    public static final int DEFAULT_MAX_RESPONSE_BUFFER_BYTES = 16 * 1024 * 1024;
    /** Default {@link Builder#headerOnlyModel}. */
    public static final String DEFAULT_HEADER_ONLY_MODEL = "default";
    /** Most subset candidate sets kept; past it the cache starts over. */
    static final int MAX_CACHED_SUBSETS = 256;
    private static final long LOG_INTERVAL_NANOS = 30_000_000_000L;

    final PodSelector selector;
    final PodSource podSource;
    final Admission admission;
    final int fallbacks;
    final int maxRequestBodyBytes;
    final int maxResponseBufferBytes;
    final String headerOnlyModel;
    final LongSupplier nanoTime;
    final PickerStats stats = new PickerStats();
    private final AtomicLong lastLog = new AtomicLong(Long.MIN_VALUE);
    private final AtomicLong unloggedSinceLast = new AtomicLong();

    private volatile @Nullable PoolView view;

    /** The prepared candidates of one list of pods, and of the subsets seen with it. */
    private record PoolView(List<Pod> pods, Candidates all, Map<String, Candidates> subsets) {
    }

    private EndpointPicker(Builder b) {
        this.selector = Objects.requireNonNull(b.selector, "selector: null (expected: the PodSelector, e.g. a Router)");
        this.podSource = Objects.requireNonNull(b.podSource, "podSource: null (expected: where the pool's pods come from)");
        this.admission = b.admission;
        this.fallbacks = b.fallbacks;
        this.maxRequestBodyBytes = b.maxRequestBodyBytes;
        this.maxResponseBufferBytes = b.maxResponseBufferBytes;
        this.headerOnlyModel = b.headerOnlyModel;
        this.nanoTime = b.nanoTime;
    }

    /** A builder; {@link Builder#selector} and {@link Builder#podSource} are required. */
    public static Builder builder() {
        return new Builder();
    }

    /** Opens the handler of one ext_proc stream. Called by gRPC. */
    @Override
    public StreamObserver<ProcessingRequest> process(StreamObserver<ProcessingResponse> responseObserver) {
        PickerStream stream = new PickerStream(this, responseObserver);
        if (responseObserver instanceof ServerCallStreamObserver<ProcessingResponse> call) {
            call.setOnCancelHandler(stream::cancelled);
        }
        return stream;
    }

    /** The picker's counters. */
    public PickerStats stats() {
        return stats;
    }

    /** The source of the pool's pods (for health: readiness follows {@link PodSource#synced()}). */
    public PodSource podSource() {
        return podSource;
    }

    /**
     * The candidate set for a request: the whole pool, or its part in {@code hint}; null when the hint
     * leaves no pod.
     */
    @Nullable Candidates candidates(@Nullable SubsetHint hint) {
        PoolView v = currentView();
        if (hint == null) {
            return v.all;
        }
        Candidates c = v.subsets.get(hint.key());
        if (c != null) {
            return c;
        }
        List<Pod> in = new ArrayList<>();
        for (Pod p : v.pods) {
            if (hint.contains(p)) {
                in.add(p);
            }
        }
        if (in.isEmpty()) {
            return null;
        }
        c = selector.candidates(in);
        if (v.subsets.size() >= MAX_CACHED_SUBSETS) {
            v.subsets.clear();
        }
        v.subsets.put(hint.key(), c);
        return c;
    }

    private PoolView currentView() {
        List<Pod> pods = Objects.requireNonNull(podSource.pods(), "podSource.pods(): null (expected: a list, empty for none)");
        PoolView v = view;
        if (v != null && (v.pods == pods || v.pods.equals(pods))) {
            return v;
        }
        // two threads may build it at once after a change; both results are equal, the last one stays
        PoolView fresh = new PoolView(pods, selector.candidates(pods), new ConcurrentHashMap<>());
        view = fresh;
        return fresh;
    }

    /** {@code host:port} of a pod as the data plane expects it (IPv6 in brackets). */
    static String endpoint(Pod pod) {
        return pod.authority();
    }

    /** Logs at most one line per 30 s for the whole picker, saying how many were left out. */
    void logRateLimited(String message, @Nullable Throwable error) {
        long now = nanoTime.getAsLong();
        long last = lastLog.get();
        if (last != Long.MIN_VALUE && now - last < LOG_INTERVAL_NANOS) {
            unloggedSinceLast.incrementAndGet();
            return;
        }
        if (!lastLog.compareAndSet(last, now)) {
            unloggedSinceLast.incrementAndGet();
            return;
        }
        long skipped = unloggedSinceLast.getAndSet(0);
        String suffix = skipped > 0 ? " (" + skipped + " similar messages not logged in the last 30 s)" : "";
        if (error != null) {
            LOG.warn("{}{}", message, suffix, error);
        } else {
            LOG.warn("{}{}", message, suffix);
        }
    }

    /**
     * Builds an {@link EndpointPicker}. Not thread-safe; the picker it builds is.
     */
    public static final class Builder {
        private @Nullable PodSelector selector;
        private @Nullable PodSource podSource;
        private Admission admission = Admission.always();
        private int fallbacks;
        private int maxRequestBodyBytes = DEFAULT_MAX_REQUEST_BODY_BYTES;
        private int maxResponseBufferBytes = DEFAULT_MAX_RESPONSE_BUFFER_BYTES;
        private String headerOnlyModel = DEFAULT_HEADER_ONLY_MODEL;
        private LongSupplier nanoTime = System::nanoTime;

        private Builder() {
        }

        /** Required: chooses the pod (typically podrouter's {@code io.podrouter.core.Router}). */
        public Builder selector(PodSelector selector) {
            this.selector = Objects.requireNonNull(selector, "selector: null (expected: a PodSelector)");
            return this;
        }

        /** Required: the pool's pods. */
        public Builder podSource(PodSource podSource) {
            this.podSource = Objects.requireNonNull(podSource, "podSource: null (expected: a PodSource)");
            return this;
        }

        /** Sheds requests before selection (429). Default: {@link Admission#always()}. */
        public Builder admission(Admission admission) {
            this.admission = Objects.requireNonNull(admission, "admission: null (expected: an Admission)");
            return this;
        }

        /**
         * How many fallback endpoints to name after the chosen one, for the data plane's retries ("the proxy
         * will go sequentially down the list"). Each is the selector's choice among the pods not yet named; its
         * selection is completed as {@code CANCELLED} at once, so it takes no in-flight slot unless it serves.
         * Fewer are named when fewer ready pods remain. Default 0; must be in 0..7.
         */
        public Builder fallbacks(int count) {
            if (count < 0 || count > 7) {
                throw new IllegalArgumentException("fallbacks: " + count + " (expected: 0..7)");
            }
            this.fallbacks = count;
            return this;
        }

        /** Largest request body accepted; larger ones answer 413. Default 16 MiB; must be &gt;= 1. */
        public Builder maxRequestBodyBytes(int bytes) {
            if (bytes < 1) {
                throw new IllegalArgumentException("maxRequestBodyBytes: " + bytes + " (expected: >= 1)");
            }
            this.maxRequestBodyBytes = bytes;
            return this;
        }

        /**
         * Largest non-streamed response body buffered before it is sent back; past it the buffered part and the
         * rest pass through as they come. Default 16 MiB; must be &gt;= 0 (0 passes every response through).
         */
        public Builder maxResponseBufferBytes(int bytes) {
            if (bytes < 0) {
                throw new IllegalArgumentException("maxResponseBufferBytes: " + bytes + " (expected: >= 0)");
            }
            this.maxResponseBufferBytes = bytes;
            return this;
        }

        /**
         * The model name given to the router for a request without a body that has no {@value #MODEL_NAME_HEADER}
         * header. Default {@value #DEFAULT_HEADER_ONLY_MODEL}; must not be blank.
         */
        public Builder headerOnlyModel(String model) {
            Objects.requireNonNull(model, "headerOnlyModel: null (expected: a model name)");
            if (model.isBlank()) {
                throw new IllegalArgumentException("headerOnlyModel: blank (expected: a model name)");
            }
            this.headerOnlyModel = model;
            return this;
        }

        /** The clock of request latencies and log rate limits, in nanoseconds. Default {@code System::nanoTime}. */
        public Builder nanoTime(LongSupplier nanoTime) {
            this.nanoTime = Objects.requireNonNull(nanoTime, "nanoTime: null (expected: a nanosecond clock)");
            return this;
        }

        /**
         * Builds the picker.
         *
         * @throws NullPointerException when the selector or the pod source is missing
         */
        public EndpointPicker build() {
            return new EndpointPicker(this);
        }
    }
}
