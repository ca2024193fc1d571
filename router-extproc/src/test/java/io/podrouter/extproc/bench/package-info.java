/** A measurement of the endpoint picker's added latency (a main, not a test; see docs/endpoint-picker.md). */
@NullMarked
package io.podrouter.extproc.bench;

import org.jspecify.annotations.NullMarked;
