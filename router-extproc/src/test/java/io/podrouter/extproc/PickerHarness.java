package io.podrouter.extproc;

import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import io.podrouter.api.Fallback;
import io.podrouter.api.MetricsLookup;
import io.podrouter.api.MissingReason;
import io.podrouter.api.Outcome;
import io.podrouter.api.Pod;
import io.podrouter.api.PodMetrics;
import io.podrouter.api.RandomSource;
import io.podrouter.api.RouterEventListener;
import io.podrouter.core.OutlierDetection;
import io.podrouter.core.Router;
import io.podrouter.extproc.proto.ExternalProcessorGrpc;
import io.podrouter.extproc.proto.ProcessingRequest;
import io.podrouter.extproc.proto.ProcessingResponse;
import io.podrouter.strategies.LeastKvCacheStrategy;
import org.jspecify.annotations.Nullable;

import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * An {@link EndpointPicker} behind an in-process gRPC server, with a podrouter {@link Router} over pods whose
 * metrics are fixed (queue length and KV-cache usage, as llm-d's hermetic tests set them with {@code P(i,
 * queue, kv)}), and a client that plays Envoy.
 */
final class PickerHarness implements AutoCloseable {

    static final Instant READY = Instant.parse("2026-01-01T00:00:00Z");

    final Map<String, PodMetrics> metrics = new ConcurrentHashMap<>();
    final List<String> completions = new CopyOnWriteArrayList<>();
    final List<String> firstTokens = new CopyOnWriteArrayList<>();
    final List<Long> latencies = new CopyOnWriteArrayList<>();
    final Router router;
    final EndpointPicker picker;
    private final Server server;
    private final ManagedChannel channel;
    private final ExternalProcessorGrpc.ExternalProcessorStub stub;

    /** llm-d's {@code P(i, queue, kv)}: pod i+1 at 192.168.1.(i+1):8000. */
    static Pod pod(int i) {
        return Pod.ready("pod-" + (i + 1), "192.168.1." + (i + 1), 8000, READY);
    }

    PickerHarness(List<Pod> pods, Consumer<EndpointPicker.Builder> configure) throws IOException {
        this(pods, configure, null);
    }

    PickerHarness(List<Pod> pods, Consumer<EndpointPicker.Builder> configure, @Nullable OutlierDetection outliers)
            throws IOException {
        Router.Builder rb = Router.builder()
                .metricsSource((pod, model) -> {
                    PodMetrics m = metrics.get(pod.id());
                    return m == null ? MetricsLookup.missing(MissingReason.NOT_YET_SCRAPED) : MetricsLookup.present(m);
                })
                .strategy(new LeastKvCacheStrategy())
                .random(RandomSource.seeded(7))
                .maxMetricsAge(Duration.ofDays(365_000))
                .eventListener(new RouterEventListener() {
                    @Override
                    public void completed(Pod pod, String strategy, Fallback fallback, @Nullable MissingReason reason,
                                          Outcome outcome, long latencyNanos) {
                        completions.add(pod.authority() + " " + outcome);
                        latencies.add(latencyNanos);
                    }

                    @Override
                    public void firstToken(Pod pod, String strategy) {
                        firstTokens.add(pod.authority());
                    }
                });
        if (outliers == null) {
            rb.withoutOutlierDetection();
        } else {
            rb.outlierDetection(outliers);
        }
        router = rb.build();
        EndpointPicker.Builder pb = EndpointPicker.builder().selector(router).podSource(PodSource.of(pods));
        configure.accept(pb);
        picker = pb.build();
        String name = InProcessServerBuilder.generateName();
        server = InProcessServerBuilder.forName(name).directExecutor().addService(picker).build().start();
        channel = InProcessChannelBuilder.forName(name).directExecutor().build();
        stub = ExternalProcessorGrpc.newStub(channel);
    }

    /** Sets pod i's metrics: {@code queue} waiting requests, KV-cache usage {@code kv}. */
    PickerHarness metrics(int i, int queue, double kv) {
        metrics.put(pod(i).id(), PodMetrics.observedAt(READY).withWaitingRequests(queue).withRunningRequests(0)
                .withKvCacheUsage(kv));
        return this;
    }

    /** One open ext_proc stream, as Envoy holds it for one HTTP request. */
    final class Stream {
        final LinkedBlockingQueue<ProcessingResponse> responses = new LinkedBlockingQueue<>();
        final CountDownLatch closed = new CountDownLatch(1);
        volatile @Nullable Throwable error;
        volatile boolean completedByServer;
        private ClientCallStreamObserver<ProcessingRequest> requests;

        Stream() {
            CountDownLatch started = new CountDownLatch(1);
            stub.process(new ClientResponseObserver<ProcessingRequest, ProcessingResponse>() {
                @Override
                public void beforeStart(ClientCallStreamObserver<ProcessingRequest> s) {
                    requests = s;
                    started.countDown();
                }

                @Override
                public void onNext(ProcessingResponse value) {
                    responses.add(value);
                }

                @Override
                public void onError(Throwable t) {
                    error = t;
                    closed.countDown();
                }

                @Override
                public void onCompleted() {
                    completedByServer = true;
                    closed.countDown();
                }
            });
        }

        Stream send(ProcessingRequest... messages) {
            for (ProcessingRequest m : messages) {
                requests.onNext(m);
            }
            return this;
        }

        Stream send(List<ProcessingRequest> messages) {
            messages.forEach(requests::onNext);
            return this;
        }

        /** The next {@code n} responses; fails when they do not come within 5 s. */
        List<ProcessingResponse> take(int n) throws InterruptedException {
            List<ProcessingResponse> got = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                ProcessingResponse r = responses.poll(5, TimeUnit.SECONDS);
                if (r == null) {
                    throw new AssertionError("expected " + n + " responses, got " + got.size() + ": " + got);
                }
                got.add(r);
            }
            return got;
        }

        /** Responses received and not taken yet (with direct executors everything sent has arrived). */
        List<ProcessingResponse> pending() {
            List<ProcessingResponse> l = new ArrayList<>();
            responses.drainTo(l);
            return Collections.unmodifiableList(l);
        }

        void halfClose() {
            requests.onCompleted();
        }

        void cancel() {
            requests.cancel("client went away", null);
        }
    }

    Stream open() {
        return new Stream();
    }

    @Override
    public void close() throws InterruptedException {
        channel.shutdownNow();
        server.shutdownNow();
        server.awaitTermination(5, TimeUnit.SECONDS);
        router.close();
    }
}
