package io.podrouter.examples.readme;

import io.podrouter.api.InferenceRequest;
import io.podrouter.api.MetricsSource;
import io.podrouter.core.Router;
import io.podrouter.strategies.compose.CacheAware;

/** README's cache-aware routing snippet, compiled and run by {@link ReadmeSnippetsTest}; README copies it verbatim. */
final class CacheAwareSnippet {

    final Router router;
    final InferenceRequest request;

    CacheAwareSnippet(MetricsSource source, String renderedChat, String conversationId) {
        // tag::cache-aware[]
        Router router = Router.builder()
                .metricsSource(source)
                .strategy(CacheAware.defaults())
                .build();

        InferenceRequest request = InferenceRequest.forModel("llama-3.1-8b")
                .withPrompt(renderedChat)            // or .withTokenIds(ids) when your gateway tokenizes
                .withMaxOutputTokens(512)
                .withSessionKey(conversationId)      // optional: session affinity
                .withLoraAdapter("sql-lora");        // optional: LoRA affinity
        // end::cache-aware[]
        this.router = router;
        this.request = request;
    }
}
