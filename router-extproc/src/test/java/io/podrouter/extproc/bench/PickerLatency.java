package io.podrouter.extproc.bench;

import com.google.protobuf.ByteString;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.InsecureServerCredentials;
import io.grpc.ForwardingServerCall;
import io.grpc.ForwardingServerCallListener;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.Server;
import io.grpc.stub.StreamObserver;
import io.podrouter.api.MetricsLookup;
import io.podrouter.api.Pod;
import io.podrouter.api.PodMetrics;
import io.podrouter.core.Router;
import io.podrouter.extproc.EndpointPicker;
import io.podrouter.extproc.PodSource;
import io.podrouter.extproc.proto.ExternalProcessorGrpc;
import io.podrouter.extproc.proto.HeaderMap;
import io.podrouter.extproc.proto.HeaderValue;
import io.podrouter.extproc.proto.HttpBody;
import io.podrouter.extproc.proto.HttpHeaders;
import io.podrouter.extproc.proto.ProcessingRequest;
import io.podrouter.extproc.proto.ProcessingResponse;
import io.podrouter.strategies.LeastKvCacheStrategy;
import io.podrouter.strategies.LeastRequestStrategy;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Measures the endpoint picker's added time per request: from sending the request headers (the body follows at
 * once, as Envoy sends a small request) to receiving the headers response that names the endpoint, over real gRPC
 * (Netty, plaintext, loopback) against 100 pods with fixed metrics and the default chain (least KV cache, then least
 * request), and on the server, from the first request message received to the headers response sent (the
 * picker's own share: body wait, JSON parse, selection, response building). Each of C concurrent streams loops: request headers and body, headers response and body chunk, response
 * headers and body, and the picker's replies, so every selection completes. Prints p50/p99/p99.9 per concurrency.
 *
 * <p>Run: {@code java -cp <test classpath> io.podrouter.extproc.bench.PickerLatency [seconds per level]} (see
 * docs/endpoint-picker.md). Not a unit test: its figures depend on the machine and its load.
 */
public final class PickerLatency {

    private PickerLatency() {
    }

    public static void main(String[] args) throws Exception {
        int seconds = args.length > 0 ? Integer.parseInt(args[0]) : 10;
        Instant ready = Instant.now().minusSeconds(3600);
        Random random = new Random(42);
        List<Pod> pods = new ArrayList<>();
        double[] kv = new double[100];
        for (int i = 0; i < 100; i++) {
            pods.add(Pod.ready("pod-" + i, "10.0." + (i / 250) + "." + (i % 250 + 1), 8000, ready));
            kv[i] = random.nextDouble();
        }
        try (Router router = Router.builder()
                .metricsSource((pod, model) -> MetricsLookup.present(PodMetrics.observedAt(Instant.now())
                        .withRunningRequests(0).withWaitingRequests(0)
                        .withKvCacheUsage(kv[Integer.parseInt(pod.id().substring(4))])))
                .strategies(new LeastKvCacheStrategy(), new LeastRequestStrategy())
                .build()) {
            EndpointPicker picker = EndpointPicker.builder().selector(router).podSource(PodSource.of(pods)).build();
            Server server = Grpc.newServerBuilderForPort(0, InsecureServerCredentials.create())
                    .addService(ServerInterceptors.intercept(picker, SERVER_TIMER)).build().start();
            ManagedChannel channel = Grpc.newChannelBuilderForAddress("127.0.0.1", server.getPort(),
                    InsecureChannelCredentials.create()).build();
            try {
                System.out.printf("cores %d, pods %d, %d s per level%n", Runtime.getRuntime().availableProcessors(), pods.size(), seconds);
                run(channel, 1, Math.max(2, seconds / 2), false);
                for (int c : new int[] {1, 64, 512}) {
                    run(channel, c, seconds, true);
                }
            } finally {
                channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
                server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
            }
        }
    }

    /** Server-side samples: first request message received to first response message sent, per stream. */
    private static final ConcurrentLinkedQueue<Long> SERVER_SAMPLES = new ConcurrentLinkedQueue<>();

    private static final ServerInterceptor SERVER_TIMER = new ServerInterceptor() {
        @Override
        public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
            long[] firstIn = {0};
            ServerCall<Q, R> timed = new ForwardingServerCall.SimpleForwardingServerCall<>(call) {
                private boolean sent;

                @Override
                public void sendMessage(R message) {
                    if (!sent && firstIn[0] != 0) {
                        sent = true;
                        SERVER_SAMPLES.add(System.nanoTime() - firstIn[0]);
                    }
                    super.sendMessage(message);
                }
            };
            return new ForwardingServerCallListener.SimpleForwardingServerCallListener<>(next.startCall(timed, headers)) {
                @Override
                public void onMessage(Q message) {
                    if (firstIn[0] == 0) {
                        firstIn[0] = System.nanoTime();
                    }
                    super.onMessage(message);
                }
            };
        }
    };

    private static final ProcessingRequest HEADERS = ProcessingRequest.newBuilder().setRequestHeaders(HttpHeaders.newBuilder()
            .setHeaders(HeaderMap.newBuilder()
                    .addHeaders(HeaderValue.newBuilder().setKey(":method").setRawValue(ByteString.copyFromUtf8("POST")))
                    .addHeaders(HeaderValue.newBuilder().setKey(":path").setRawValue(ByteString.copyFromUtf8("/v1/chat/completions")))
                    .addHeaders(HeaderValue.newBuilder().setKey("content-type").setRawValue(ByteString.copyFromUtf8("application/json")))))
            .build();
    private static final ProcessingRequest BODY = ProcessingRequest.newBuilder().setRequestBody(HttpBody.newBuilder()
            .setBody(ByteString.copyFromUtf8("{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\""
                    + "Summarise the following text in one line. ".repeat(20) + "\"}],\"max_tokens\":128}"))
            .setEndOfStream(true)).build();
    private static final ProcessingRequest RESPONSE_HEADERS = ProcessingRequest.newBuilder().setResponseHeaders(HttpHeaders.newBuilder()
            .setHeaders(HeaderMap.newBuilder()
                    .addHeaders(HeaderValue.newBuilder().setKey(":status").setRawValue(ByteString.copyFromUtf8("200")))
                    .addHeaders(HeaderValue.newBuilder().setKey("content-type").setRawValue(ByteString.copyFromUtf8("application/json")))))
            .build();
    private static final ProcessingRequest RESPONSE_BODY = ProcessingRequest.newBuilder().setResponseBody(HttpBody.newBuilder()
            .setBody(ByteString.copyFromUtf8("{\"choices\":[{\"message\":{\"content\":\"ok\"}}]}")).setEndOfStream(true)).build();

    private static void run(ManagedChannel channel, int concurrency, int seconds, boolean report) throws Exception {
        ExternalProcessorGrpc.ExternalProcessorStub stub = ExternalProcessorGrpc.newStub(channel);
        AtomicBoolean stop = new AtomicBoolean();
        List<long[]> samples = new ArrayList<>();
        int[] counts = new int[concurrency];
        CountDownLatch done = new CountDownLatch(concurrency);
        List<Thread> threads = new ArrayList<>();
        for (int t = 0; t < concurrency; t++) {
            long[] mine = new long[2_000_000 / concurrency + 1000];
            samples.add(mine);
            int index = t;
            Thread th = new Thread(() -> {
                try {
                    while (!stop.get() && counts[index] < mine.length) {
                        LinkedBlockingQueue<ProcessingResponse> in = new LinkedBlockingQueue<>();
                        StreamObserver<ProcessingRequest> out = stub.process(new StreamObserver<>() {
                            @Override
                            public void onNext(ProcessingResponse value) {
                                in.add(value);
                            }

                            @Override
                            public void onError(Throwable e) {
                            }

                            @Override
                            public void onCompleted() {
                            }
                        });
                        long start = System.nanoTime();
                        out.onNext(HEADERS);
                        out.onNext(BODY);
                        ProcessingResponse headers = in.poll(30, TimeUnit.SECONDS);
                        long took = System.nanoTime() - start;
                        if (headers == null || !headers.hasRequestHeaders()) {
                            throw new IllegalStateException("no headers response: " + headers);
                        }
                        mine[counts[index]++] = took;
                        in.poll(30, TimeUnit.SECONDS);
                        out.onNext(RESPONSE_HEADERS);
                        out.onNext(RESPONSE_BODY);
                        in.poll(30, TimeUnit.SECONDS);
                        in.poll(30, TimeUnit.SECONDS);
                        out.onCompleted();
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                } finally {
                    done.countDown();
                }
            }, "latency-" + t);
            th.setDaemon(true);
            threads.add(th);
        }
        SERVER_SAMPLES.clear();
        long begin = System.nanoTime();
        threads.forEach(Thread::start);
        Thread.sleep(seconds * 1000L);
        stop.set(true);
        done.await(60, TimeUnit.SECONDS);
        double elapsed = (System.nanoTime() - begin) / 1e9;
        if (!report) {
            return;
        }
        int total = Arrays.stream(counts).sum();
        long[] all = new long[total];
        int k = 0;
        for (int t = 0; t < concurrency; t++) {
            System.arraycopy(samples.get(t), 0, all, k, counts[t]);
            k += counts[t];
        }
        Arrays.sort(all);
        long[] server = SERVER_SAMPLES.stream().mapToLong(Long::longValue).sorted().toArray();
        System.out.printf("concurrency %4d: %8d requests, %7.0f req/s; client round trip p50 %.3f ms, p99 %.3f ms;"
                        + " in the picker (headers in to headers response out) p50 %.3f ms, p99 %.3f ms%n",
                concurrency, total, total / elapsed, pct(all, 0.50), pct(all, 0.99), pct(server, 0.50), pct(server, 0.99));
    }

    private static double pct(long[] sorted, double q) {
        return sorted.length == 0 ? Double.NaN : sorted[Math.min(sorted.length - 1, (int) Math.ceil(q * sorted.length) - 1)] / 1e6;
    }
}
