package io.podrouter.kubernetes.docs;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.podrouter.api.InferenceRequest;
import io.podrouter.api.PodSelection;
import io.podrouter.core.Router;
import io.podrouter.kubernetes.CandidateSets;
import io.podrouter.kubernetes.InferencePoolDiscovery;
import io.podrouter.kubernetes.PodDiscoveryListener;
import io.podrouter.prometheus.PrometheusScraper;

/** docs/kubernetes.md's snippet, compiled and run by {@link KubernetesSnippetTest}; the page copies the region verbatim. */
final class KubernetesSnippet {

    final InferencePoolDiscovery discovery;
    final PodSelection selection;

    /** The region as written, with the client the page's first line would create. */
    static KubernetesClient defaultClient() {
        // tag::kubernetes-client[]
        KubernetesClient client = new KubernetesClientBuilder().build();   // in-cluster service account, else ~/.kube/config
        // end::kubernetes-client[]
        return client;
    }

    KubernetesSnippet(KubernetesClient client, Router router, InferenceRequest request, PrometheusScraper scraper) {
        // tag::kubernetes[]
        CandidateSets candidates = new CandidateSets(router);              // one prepared candidate set per model
        InferencePoolDiscovery discovery = InferencePoolDiscovery.builder(client, "llm", "vllm-qwen3")
                .model("Qwen/Qwen3-0.6B")
                .listener(candidates)
                .listener(PodDiscoveryListener.allPods(scraper::updateTargets))  // the scraper scrapes every pod
                .build();
        discovery.start();                                                  // blocks until the pool's pods are loaded
        // per request:
        PodSelection selection = router.selectPod(request, candidates.candidates("Qwen/Qwen3-0.6B"));
        // end::kubernetes[]
        this.discovery = discovery;
        this.selection = selection;
    }
}
