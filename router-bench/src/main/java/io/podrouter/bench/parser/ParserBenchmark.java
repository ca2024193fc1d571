package io.podrouter.bench.parser;

import io.podrouter.prometheus.text.Exposition;
import io.podrouter.prometheus.text.MetricType;
import io.podrouter.prometheus.text.ParseException;
import io.podrouter.prometheus.text.PrometheusTextParser;
import io.podrouter.prometheus.text.SampleView;
import io.podrouter.prometheus.text.SampleVisitor;
import org.openjdk.jmh.annotations.AuxCounters;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * Throughput of podrouter's Prometheus text parser on a realistic ~200 KB vLLM body (7 served model
 * names or LoRA adapters on one engine, every histogram with all its buckets).
 *
 * <ul>
 *   <li>{@code visitAllSamples}: every sample is reported; the visitor reads its value and model label.</li>
 *   <li>{@code extractScraperFamilies}: what the scraper does, only the dozen families it maps are reported.</li>
 *   <li>{@code buildExposition}: the convenience that builds the full immutable result.</li>
 * </ul>
 * The {@code bytes} secondary result is parsed bytes per second (divide by 10^6 for MB/s); run with
 * {@code -prof gc} for bytes allocated per operation ({@code gc.alloc.rate.norm}).
 *
 * <pre>java -jar router-bench/target/benchmarks.jar ParserBenchmark -f 1 -wi 3 -i 5 -w 1s -r 1s -prof gc</pre>
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class ParserBenchmark {

    /** Parsed bytes, reported by JMH as a rate. */
    @AuxCounters(AuxCounters.Type.OPERATIONS)
    @State(Scope.Thread)
    public static class Bytes {
        public long bytes;

        @Setup(Level.Iteration)
        public void reset() {
            bytes = 0;
        }
    }

    @State(Scope.Thread)
    public static class Body {
        byte[] body;
        final PrometheusTextParser parser = new PrometheusTextParser();
        final SumVisitor all = new SumVisitor(null);
        final SumVisitor scraper = new SumVisitor(Set.of(
                "vllm:num_requests_running", "vllm:num_requests_waiting", "vllm:kv_cache_usage_perc",
                "vllm:gpu_cache_usage_perc", "vllm:time_to_first_token_seconds", "vllm:inter_token_latency_seconds",
                "vllm:time_per_output_token_seconds", "vllm:e2e_request_latency_seconds",
                "vllm:request_queue_time_seconds", "vllm:request_prefill_time_seconds",
                "vllm:request_decode_time_seconds"));

        @Setup
        public void setUp() {
            body = VllmBodyGenerator.generate(7, 1, 42);
            System.out.println("\nbody: " + body.length + " bytes");
        }
    }

    /** Reads what a metrics extractor would: family filter, model label, value. */
    static final class SumVisitor implements SampleVisitor {
        private final Set<String> wanted;
        double sum;
        int models;

        SumVisitor(Set<String> wanted) {
            this.wanted = wanted;
        }

        @Override
        public boolean wantsFamily(String familyName, MetricType type) {
            return wanted == null || wanted.contains(familyName);
        }

        @Override
        public void sample(SampleView s) {
            String model = s.labelValue("model_name");
            if (model != null) {
                models += model.length();
            }
            sum += s.value();
        }
    }

    @Benchmark
    public double visitAllSamples(Body b, Bytes bytes) throws ParseException {
        b.parser.parse(b.body, b.all);
        bytes.bytes += b.body.length;
        return b.all.sum + b.all.models;
    }

    @Benchmark
    public double extractScraperFamilies(Body b, Bytes bytes) throws ParseException {
        b.parser.parse(b.body, b.scraper);
        bytes.bytes += b.body.length;
        return b.scraper.sum + b.scraper.models;
    }

    @Benchmark
    public Exposition buildExposition(Body b, Bytes bytes) throws ParseException {
        bytes.bytes += b.body.length;
        return PrometheusTextParser.parseExposition(b.body);
    }
}
