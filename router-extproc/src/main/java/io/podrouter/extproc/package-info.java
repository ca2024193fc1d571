/**
 * podrouter as an endpoint picker of the Gateway API Inference Extension: an Envoy external processing
 * (ext_proc) gRPC service that reads each inference request, chooses the model-server pod with podrouter's
 * {@link io.podrouter.api.PodSelector}, and tells the gateway where to send it, following the endpoint picker
 * protocol (GIE {@code docs/proposals/004-endpoint-picker-protocol}).
 *
 * <p>{@link io.podrouter.extproc.EndpointPicker} is the gRPC service, {@link io.podrouter.extproc.PodSource}
 * what it picks from, {@link io.podrouter.extproc.EndpointPickerServer} the servers around it (ext_proc,
 * health, metrics) and {@link io.podrouter.extproc.PickerMain} the runnable picker.
 * {@link io.podrouter.extproc.JsonReader} is the strict JSON reader of request bodies; it is public so that
 * the example gateway parses bodies with the same reader.
 */
@NullMarked
package io.podrouter.extproc;

import org.jspecify.annotations.NullMarked;
