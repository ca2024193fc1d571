/**
 * A small, strict JSON reader and string quoting for the example gateway and fake backends: enough to
 * read an OpenAI-style request's top-level fields and to write small response and error objects,
 * without a JSON library. Strict means RFC 8259: one value, no trailing commas, no comments, no
 * leading zeros, no unescaped control characters; anything else is a {@link
 * io.podrouter.examples.json.JsonParseException} with the offset.
 */
package io.podrouter.examples.json;
