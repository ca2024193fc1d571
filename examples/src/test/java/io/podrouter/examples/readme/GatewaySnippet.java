package io.podrouter.examples.readme;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.podrouter.api.Candidates;
import io.podrouter.api.InferenceRequest;
import io.podrouter.api.NoPodAvailableException;
import io.podrouter.api.Outcome;
import io.podrouter.api.Pod;
import io.podrouter.api.PodSelection;
import io.podrouter.core.Router;
import io.podrouter.examples.gateway.RetryBudget;
import io.podrouter.micrometer.PodRouterMetrics;
import io.podrouter.prometheus.EngineMapping;
import io.podrouter.prometheus.PrometheusScraper;
import io.podrouter.strategies.LeastKvCacheStrategy;
import io.podrouter.strategies.LeastRequestStrategy;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * README's gateway section: the core of a blocking gateway with failover and a Micrometer {@code /metrics},
 * compiled and run against fake vLLM backends by {@link ReadmeSnippetsTest}; README copies the region verbatim.
 */
final class GatewaySnippet implements AutoCloseable {

    // tag::gateway[]
    /** What to answer the client. */
    record Answer(int status, String body) {
    }

    private final PrometheusScraper scraper = PrometheusScraper.builder().engine(EngineMapping.vllm()).build();
    private final PodRouterMetrics routerMetrics = new PodRouterMetrics();
    private final Router router = Router.builder()
            .metricsSource(scraper)
            .strategies(new LeastKvCacheStrategy(), new LeastRequestStrategy())
            .eventListener(routerMetrics.eventListener())          // observations of the cold-start histogram
            .build();
    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    private final RetryBudget budget = new RetryBudget(20, 3);      // retries <= 20 % of requests in progress, >= 3
    private volatile Candidates pods = router.candidates(List.of()); // one set per model in a real gateway

    GatewaySnippet() {
        routerMetrics.attach(router).bindTo(registry);
        scraper.start();                                            // scrapes each pod's /metrics every second
    }

    void onDiscoveryChange(List<Pod> discovered) {                  // Pod.ready(id, host, port, readySince)
        scraper.updateTargets(discovered);                          // new pods are scraped at once
        pods = router.candidates(discovered);                       // once per change, not per request
    }

    Answer completions(String model, String jsonBody) throws InterruptedException {
        InferenceRequest request = InferenceRequest.forModel(model);
        Candidates set = pods;                                      // the same set for the request and its retry
        List<String> tried = new ArrayList<>(2);
        budget.requestStarted();
        try {
            while (true) {
                PodSelection s;
                try {
                    s = tried.isEmpty() ? router.selectPod(request, set) : router.selectPod(request, set, tried);
                } catch (NoPodAvailableException e) {
                    return new Answer(tried.isEmpty() ? 503 : 502, e.getMessage()); // no ready pod / none left
                }
                long start = System.nanoTime();
                try (s) {                                           // close() = complete(CANCELLED) if not completed
                    HttpResponse<String> r = http.send(HttpRequest.newBuilder(
                                    URI.create("http://" + s.pod().authority() + "/v1/completions"))
                            .timeout(Duration.ofSeconds(60))
                            .header("Content-Type", "application/json")
                            .POST(HttpRequest.BodyPublishers.ofString(jsonBody)).build(), HttpResponse.BodyHandlers.ofString());
                    if (r.statusCode() < 500) {
                        s.complete(Outcome.SUCCESS, System.nanoTime() - start);
                        return new Answer(r.statusCode(), r.body());
                    }
                    s.complete(Outcome.FAILURE, System.nanoTime() - start); // 5xx: counted by outlier ejection
                } catch (IOException e) {                          // refused, reset, timed out: the pod's fault too
                    s.complete(Outcome.FAILURE, System.nanoTime() - start);
                }
                if (!tried.isEmpty() || !budget.tryAcquireRetry()) {
                    return new Answer(502, "backend " + s.pod().id() + " failed");
                }
                tried.add(s.pod().id());                            // retry once, on another pod
            }
        } finally {
            if (!tried.isEmpty()) {
                budget.releaseRetry();
            }
            budget.requestFinished();
        }
    }

    String metrics() {                                              // GET /metrics, text format 0.0.4
        routerMetrics.update();                                     // a fresh snapshot: new pods show at once
        return registry.scrape();
    }

    @Override
    public void close() {
        scraper.close();
        router.close();
        registry.close();
    }
    // end::gateway[]
}
