/**
 * The slice of the OpenAI-compatible HTTP API that the example gateway and the fake vLLM backends share:
 * reading a completion request's routing fields ({@link io.podrouter.examples.openai.CompletionRequest})
 * and writing OpenAI-style error objects ({@link io.podrouter.examples.openai.OpenAiError}).
 */
package io.podrouter.examples.openai;
