package io.podrouter.extproc;

import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import io.podrouter.api.Pod;
import io.podrouter.extproc.proto.Metadata;
import org.jspecify.annotations.Nullable;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * The subset hint of the endpoint picker protocol: filter metadata {@value EndpointPicker#SUBSET_NAMESPACE} /
 * {@value EndpointPicker#SUBSET_KEY}, the endpoints the data plane allows for this request. Accepted as a list
 * of strings (llm-d's form) or one comma-separated string (the form header-to-metadata rules produce, which
 * GIE's lightweight picker accepts). An entry {@code ip:port} (IPv6 as {@code [addr]:port}) matches that
 * endpoint; an entry without a port matches every port of that address, as llm-d matches by IP only.
 *
 * <p>Immutable and thread-safe.
 */
final class SubsetHint {

    private final Set<String> endpoints;
    private final Set<String> hosts;
    /** The entries as given, normalised and sorted; the cache key of the subset's candidate set. */
    private final String key;

    private SubsetHint(Set<String> endpoints, Set<String> hosts, String key) {
        this.endpoints = endpoints;
        this.hosts = hosts;
        this.key = key;
    }

    /**
     * The hint in {@code metadata}, or null when there is none (then every pod of the pool is eligible). A
     * hint that is present but empty, or of another type than a list or a string, is an empty subset: no pod
     * is eligible (the protocol says an empty subset answers 503).
     */
    static @Nullable SubsetHint from(Metadata metadata) {
        Struct ns = metadata.getFilterMetadataMap().get(EndpointPicker.SUBSET_NAMESPACE);
        if (ns == null) {
            return null;
        }
        Value v = ns.getFieldsMap().get(EndpointPicker.SUBSET_KEY);
        if (v == null) {
            return null;
        }
        List<String> entries = new ArrayList<>();
        if (v.hasListValue()) {
            for (Value e : v.getListValue().getValuesList()) {
                if (e.hasStringValue()) {
                    splitInto(e.getStringValue(), entries);
                }
            }
        } else if (v.hasStringValue()) {
            splitInto(v.getStringValue(), entries);
        }
        Set<String> endpoints = new HashSet<>();
        Set<String> hosts = new HashSet<>();
        for (String e : entries) {
            String host = hostOf(e);
            if (host == null) {
                hosts.add(e.startsWith("[") && e.endsWith("]") ? e.substring(1, e.length() - 1) : e);
            } else {
                endpoints.add(e);
            }
        }
        List<String> sorted = new ArrayList<>(entries);
        sorted.sort(null);
        return new SubsetHint(Set.copyOf(endpoints), Set.copyOf(hosts), String.join(",", sorted));
    }

    private static void splitInto(String s, List<String> out) {
        for (String part : s.split(",")) {
            String t = part.trim().toLowerCase(Locale.ROOT);
            if (!t.isEmpty()) {
                out.add(t);
            }
        }
    }

    /** The host of an {@code host:port} entry, or null when the entry has no port. */
    private static @Nullable String hostOf(String entry) {
        if (entry.startsWith("[")) {
            int close = entry.indexOf("]:");
            return close > 0 ? entry.substring(1, close) : null;
        }
        int colon = entry.indexOf(':');
        return colon > 0 && colon == entry.lastIndexOf(':') ? entry.substring(0, colon) : null;
    }

    /** Whether {@code pod} is in the subset. */
    boolean contains(Pod pod) {
        String host = pod.host().toLowerCase(Locale.ROOT);
        return hosts.contains(host) || endpoints.contains(EndpointPicker.endpoint(pod).toLowerCase(Locale.ROOT));
    }

    /** Whether the hint names no endpoint at all. */
    boolean isEmpty() {
        return endpoints.isEmpty() && hosts.isEmpty();
    }

    /** The hint's value as given, for messages: {@code [a, b]}, {@code "a,b"}, or {@code (none)}. */
    static String describe(Metadata metadata) {
        Struct ns = metadata.getFilterMetadataMap().get(EndpointPicker.SUBSET_NAMESPACE);
        Value v = ns == null ? null : ns.getFieldsMap().get(EndpointPicker.SUBSET_KEY);
        if (v == null) {
            return "(none)";
        }
        if (v.hasListValue()) {
            List<String> items = new ArrayList<>();
            for (Value e : v.getListValue().getValuesList()) {
                items.add(e.hasStringValue() ? e.getStringValue() : e.getKindCase().name());
            }
            return items.toString();
        }
        return v.hasStringValue() ? '"' + v.getStringValue() + '"' : v.getKindCase().name();
    }

    String key() {
        return key;
    }
}
