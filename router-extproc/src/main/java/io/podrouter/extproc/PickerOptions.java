package io.podrouter.extproc;

import org.jspecify.annotations.Nullable;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The command line of {@link PickerMain}, parsed and validated. Flags are {@code --name value} or
 * {@code --name=value}; an unknown flag, a missing value or a bad value throws {@link IllegalArgumentException}
 * naming the flag and what was expected. Immutable.
 */
record PickerOptions(
        boolean help,
        @Nullable String poolNamespace,
        @Nullable String poolName,
        @Nullable String model,
        List<String> endpoints,
        int grpcPort,
        int healthPort,
        int metricsPort,
        boolean secureServing,
        @Nullable Path certPath,
        List<String> strategies,
        int fallbacks,
        int maxInFlightPerPod,
        int maxRequestBodyBytes,
        Duration scrapeInterval,
        int coldStartInFlightCap,
        boolean boundedColdShare,
        @Nullable Duration slowStartWindow,
        int outlierConsecutiveFailures,
        Duration maxInFlightAge) {

    static final String USAGE = """
            Usage: java -jar podrouter-extproc.jar --pool-namespace NS --pool-name NAME [options]
                   java -jar podrouter-extproc.jar --endpoints HOST:PORT[,HOST:PORT...] [options]

            podrouter as a Gateway API Inference Extension endpoint picker (Envoy ext_proc).

            Pods (one of):
              --pool-namespace NS          namespace of the InferencePool (inference.networking.k8s.io/v1)
              --pool-name NAME             name of the InferencePool
              --endpoints LIST             fixed model servers, comma-separated host:port (no Kubernetes)
              --model NAME                 model name given to the router (default: the pool name, or "default")
            Serving:
              --grpc-port N                ext_proc port (default 9002)
              --grpc-health-port N         gRPC health port (default 9003)
              --metrics-port N             Prometheus /metrics port, -1 for none (default 9090)
              --secure-serving BOOL        TLS on the ext_proc port (default true)
              --cert-path DIR              directory with tls.crt and tls.key (default: a self-signed certificate)
            Routing:
              --strategy LIST              comma-separated chain of least-kv-cache, least-request, least-latency,
                                           round-robin, random, cache-aware (default least-kv-cache,least-request)
              --fallbacks N                fallback endpoints named after the chosen one, 0..7 (default 0)
              --max-in-flight-per-pod N    shed (429) when every pod has N requests in flight; 0 = never (default 0)
              --max-request-body-bytes N   larger bodies answer 413 (default 16777216)
              --scrape-interval DURATION   how often each pod's /metrics is scraped (default 1s)
              --max-in-flight-age DURATION a selection never completed is freed after this (default 10m)
            Cold start and failures:
              --cold-start-in-flight-cap N in-flight requests a cold pod takes before its first completions (default 0: the
                                           router's default, 8 for metric-ranking and affinity strategies only;
                                           N >= 1 applies to every strategy)
              --bounded-cold-share BOOL    give cold pods a bounded share of traffic (default true)
              --slow-start-window DURATION ramp a new pod's weight over this window (default: off)
              --outlier-consecutive-failures N  5xx in a row that eject a pod; 0 = no outlier detection (default 5)
              --help                       print this text
            Durations: 500ms, 30s, 10m, 1h.
            """;

    private static final List<String> STRATEGIES = List.of("least-kv-cache", "least-request", "least-latency",
            "round-robin", "random", "cache-aware");

    /** Parses {@code args}; see {@link #USAGE}. */
    static PickerOptions parse(String... args) {
        Map<String, String> flags = new LinkedHashMap<>();
        boolean help = false;
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if (a.equals("--help") || a.equals("-h")) {
                help = true;
                continue;
            }
            if (!a.startsWith("--")) {
                throw new IllegalArgumentException("argument: '" + a + "' (expected: a flag such as --pool-name; see --help)");
            }
            String name;
            String value;
            int eq = a.indexOf('=');
            if (eq > 0) {
                name = a.substring(2, eq);
                value = a.substring(eq + 1);
            } else {
                name = a.substring(2);
                if (i + 1 >= args.length) {
                    throw new IllegalArgumentException("--" + name + ": no value (expected: --" + name + " VALUE)");
                }
                value = args[++i];
            }
            if (flags.put(name, value) != null) {
                throw new IllegalArgumentException("--" + name + ": given twice (expected: once)");
            }
        }
        Reader r = new Reader(flags);
        String ns = r.text("pool-namespace");
        String pool = r.text("pool-name");
        String endpointList = r.text("endpoints");
        List<String> endpoints = endpointList == null ? List.of() : split(endpointList);
        String certPath = r.text("cert-path");
        List<String> strategies = split(r.string("strategy", "least-kv-cache,least-request"));
        for (String s : strategies) {
            if (!STRATEGIES.contains(s)) {
                throw new IllegalArgumentException("--strategy: '" + s + "' (expected: one or more of " + STRATEGIES + ")");
            }
        }
        Duration slow = r.optionalDuration("slow-start-window");
        PickerOptions o = new PickerOptions(help, ns, pool, r.text("model"), endpoints,
                r.integer("grpc-port", 9002, 0, 65535), r.integer("grpc-health-port", 9003, 0, 65535),
                r.integer("metrics-port", 9090, -1, 65535), r.bool("secure-serving", true),
                certPath == null ? null : Path.of(certPath), strategies, r.integer("fallbacks", 0, 0, 7),
                r.integer("max-in-flight-per-pod", 0, 0, Integer.MAX_VALUE),
                r.integer("max-request-body-bytes", EndpointPicker.DEFAULT_MAX_REQUEST_BODY_BYTES, 1, Integer.MAX_VALUE),
                r.duration("scrape-interval", Duration.ofSeconds(1)),
                r.integer("cold-start-in-flight-cap", 0, 0, Integer.MAX_VALUE), r.bool("bounded-cold-share", true), slow,
                r.integer("outlier-consecutive-failures", 5, 0, Integer.MAX_VALUE),
                r.duration("max-in-flight-age", Duration.ofMinutes(10)));
        r.rejectUnknown();
        if (help) {
            return o;
        }
        boolean k8s = ns != null || pool != null;
        if (k8s && (ns == null || pool == null)) {
            throw new IllegalArgumentException("--pool-namespace and --pool-name: only one given (expected: both)");
        }
        if (k8s == !endpoints.isEmpty()) {
            throw new IllegalArgumentException("pods: " + (k8s ? "both an InferencePool and --endpoints" : "none")
                    + " (expected: --pool-namespace with --pool-name, or --endpoints)");
        }
        return o;
    }

    private static List<String> split(String s) {
        List<String> out = new ArrayList<>();
        for (String p : s.split(",")) {
            if (!p.isBlank()) {
                out.add(p.trim());
            }
        }
        return List.copyOf(out);
    }

    /** Parses 500ms, 30s, 10m, 1h (or an ISO-8601 duration such as PT30S). */
    static Duration parseDuration(String s) {
        String t = s.trim().toLowerCase(Locale.ROOT);
        try {
            if (t.startsWith("pt")) {
                return Duration.parse(t);
            }
            if (t.endsWith("ms")) {
                return Duration.ofMillis(Long.parseLong(t.substring(0, t.length() - 2)));
            }
            long n = Long.parseLong(t.substring(0, t.length() - 1));
            return switch (t.charAt(t.length() - 1)) {
                case 's' -> Duration.ofSeconds(n);
                case 'm' -> Duration.ofMinutes(n);
                case 'h' -> Duration.ofHours(n);
                default -> throw new NumberFormatException(t);
            };
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("duration: '" + s + "' (expected: e.g. 500ms, 30s, 10m, 1h)", e);
        }
    }

    /** Takes flags out of the map, so what is left is unknown. */
    private static final class Reader {
        private final Map<String, String> flags;

        Reader(Map<String, String> flags) {
            this.flags = flags;
        }

        @Nullable String text(String name) {
            String v = flags.remove(name);
            if (v != null && v.isBlank()) {
                throw new IllegalArgumentException("--" + name + ": blank (expected: a value)");
            }
            return v;
        }

        String string(String name, String def) {
            String v = text(name);
            return v == null ? def : v;
        }

        int integer(String name, int def, int min, int max) {
            String v = text(name);
            if (v == null) {
                return def;
            }
            try {
                int n = Integer.parseInt(v.trim());
                if (n < min || n > max) {
                    throw new NumberFormatException();
                }
                return n;
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("--" + name + ": '" + v + "' (expected: an integer in " + min + ".." + max + ")");
            }
        }

        boolean bool(String name, boolean def) {
            String v = text(name);
            if (v == null) {
                return def;
            }
            return switch (v.trim().toLowerCase(Locale.ROOT)) {
                case "true" -> true;
                case "false" -> false;
                default -> throw new IllegalArgumentException("--" + name + ": '" + v + "' (expected: true or false)");
            };
        }

        Duration duration(String name, Duration def) {
            Duration d = optionalDuration(name);
            return d == null ? def : d;
        }

        @Nullable Duration optionalDuration(String name) {
            String v = text(name);
            if (v == null) {
                return null;
            }
            Duration d;
            try {
                d = parseDuration(v);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("--" + name + ": '" + v + "' (expected: e.g. 500ms, 30s, 10m, 1h)");
            }
            if (d.isNegative() || d.isZero()) {
                throw new IllegalArgumentException("--" + name + ": '" + v + "' (expected: a positive duration)");
            }
            return d;
        }

        void rejectUnknown() {
            if (!flags.isEmpty()) {
                String name = flags.keySet().iterator().next();
                throw new IllegalArgumentException("--" + name + ": unknown flag (expected: one of those in --help)");
            }
        }
    }
}
