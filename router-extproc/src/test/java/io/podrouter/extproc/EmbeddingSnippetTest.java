package io.podrouter.extproc;

import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.podrouter.api.MetricsSource;
import io.podrouter.api.Pod;
import io.podrouter.core.Router;
import io.podrouter.prometheus.PrometheusScraper;
import io.podrouter.strategies.LeastKvCacheStrategy;
import io.podrouter.strategies.LeastRequestStrategy;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** The snippet of docs/endpoint-picker.md, compiled and run: the picker embedded in an application. */
class EmbeddingSnippetTest {

    static EndpointPickerServer embed(MetricsSource scraper, List<Pod> pods) throws IOException {
        // tag::embed-picker[]
        Router router = Router.builder()
                .metricsSource(scraper)
                .strategies(new LeastKvCacheStrategy(), new LeastRequestStrategy())
                .build();
        EndpointPicker picker = EndpointPicker.builder()
                .selector(router)
                .podSource(PodSource.of(pods))          // or a DiscoveryPodSource fed by podrouter-kubernetes
                .fallbacks(1)                           // name a second endpoint for the gateway's retries
                .build();
        EndpointPickerServer server = EndpointPickerServer.builder()
                .picker(picker)
                .grpcPort(0).healthPort(0).metricsPort(0)    // defaults: 9002, 9003, 9090
                .transport(new EndpointPickerServer.Plaintext())  // default: TLS, self-signed
                .metrics(router::writePrometheus)
                .build();
        server.start();
        // end::embed-picker[]
        return server;
    }

    @Test
    void theEmbeddedPickerRoutesARequest() throws Exception {
        List<Pod> pods = List.of(Pod.ready("a", "10.0.0.1", 8000, Instant.now()), Pod.ready("b", "10.0.0.2", 8000, Instant.now()));
        try (PrometheusScraper scraper = PrometheusScraper.builder().build();
             EndpointPickerServer server = embed(scraper, pods)) {
            ManagedChannel channel = Grpc.newChannelBuilderForAddress("127.0.0.1", server.grpcPort(),
                    InsecureChannelCredentials.create()).build();
            try {
                java.util.concurrent.LinkedBlockingQueue<io.podrouter.extproc.proto.ProcessingResponse> in =
                        new java.util.concurrent.LinkedBlockingQueue<>();
                var out = io.podrouter.extproc.proto.ExternalProcessorGrpc.newStub(channel).process(
                        new io.grpc.stub.StreamObserver<>() {
                            @Override
                            public void onNext(io.podrouter.extproc.proto.ProcessingResponse value) {
                                in.add(value);
                            }

                            @Override
                            public void onError(Throwable t) {
                            }

                            @Override
                            public void onCompleted() {
                            }
                        });
                Envoy.raw(Map.of(), Envoy.completion("m", "p")).forEach(out::onNext);
                String destination = Envoy.destinationHeader(in.poll(10, TimeUnit.SECONDS));
                assertThat(destination.split(",")).hasSize(2).containsExactlyInAnyOrder("10.0.0.1:8000", "10.0.0.2:8000");
                out.onCompleted();
            } finally {
                channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
            }
        }
    }
}
