/** Compiled snippets of the cache-aware documentation page. */
@org.jspecify.annotations.NullMarked
package io.podrouter.strategies.compose.snippets;
