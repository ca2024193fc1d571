/**
 * Runnable programs showing podrouter in use. {@link io.podrouter.examples.QuickstartDemo} is the
 * README's first command. Example code, not library code: it prints to standard output.
 */
package io.podrouter.examples;
