/**
 * String quoting for the example gateway and fake backends: enough to write small response and error
 * objects without a JSON library. Reading is {@link io.podrouter.extproc.JsonReader}, the strict
 * (RFC 8259) reader the endpoint picker module publishes, so that the demo and the library parse request
 * bodies with one implementation.
 */
@NullMarked
package io.podrouter.examples.json;

import org.jspecify.annotations.NullMarked;
