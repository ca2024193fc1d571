/**
 * Java classes generated at build time from podrouter's declaration of the part of Envoy's API the endpoint
 * picker uses ({@code src/main/proto}): the ext_proc messages and service ({@code envoy.service.ext_proc.v3}),
 * header and metadata types ({@code envoy.config.core.v3}) and the HTTP status ({@code envoy.type.v3}), with
 * Envoy's proto packages, message names and field numbers, so they are wire-compatible with Envoy. Protobuf
 * message accessors never return null; builders reject null.
 */
@NullMarked
package io.podrouter.extproc.proto;

import org.jspecify.annotations.NullMarked;
