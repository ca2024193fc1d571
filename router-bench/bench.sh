#!/usr/bin/env bash
# Builds router-bench and runs the selection-path benchmarks (podrouter's strategies, the peer load
# balancers gRPC-java / Ribbon / Finagle, and two baselines) and the Prometheus parser benchmark, then
# writes router-bench/RESULTS.md.
#
# Run it on a quiet machine: about 10 minutes on 2 cores (161 benchmark configurations, one fork each,
# 3 x 300 ms warm-up, 5 x 300 ms measurement, -prof gc; five short iterations rather than three long
# ones, because JMH's 99.9 % error uses Student's t, whose factor falls from 31.6 at 3 to 8.6 at 5).
#
#   router-bench/bench.sh            full run, rewrites router-bench/RESULTS.md
#   BENCH_QUICK=1 router-bench/bench.sh
#                                    smoke test of the pipeline (seconds per configuration, a few pod
#                                    counts); writes router-bench/target/bench/RESULTS-quick.md instead,
#                                    whose figures are not results
#   BENCH_JMH_ARGS="-t 1 -v EXTRA"   extra JMH options, appended to every run; JMH rejects an option
#                                    given twice, so this cannot override -f/-wi/-w/-i/-r (edit
#                                    "timing" below for that)
#   BENCH_SKIP_BUILD=1               reuse router-bench/target/benchmarks.jar
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
out="router-bench/target/bench"
jar="router-bench/target/benchmarks.jar"
mkdir -p "$out"
rm -f "$out"/*.json

if [[ "${BENCH_SKIP_BUILD:-0}" != 1 ]]; then
  echo "== building router-bench"
  mvn -q -B -pl router-bench -am package -DskipTests
fi

if [[ "${BENCH_QUICK:-0}" == 1 ]]; then
  timing=(-f 1 -wi 1 -w 100ms -i 1 -r 100ms)
  all_pods="8,4096"
  some_pods="4096"
  report="$out/RESULTS-quick.md"
else
  timing=(-f 1 -wi 3 -w 300ms -i 5 -r 300ms)
  all_pods="8,64,512,4096"
  some_pods="64,4096"
  report="router-bench/RESULTS.md"
fi
# Fixed heap: no resizing during measurement; the peers' fixtures need well under 1 GB.
common=("${timing[@]}" -jvmArgsAppend "-Xms1g -Xmx1g" -prof gc -rf json)
read -r -a extra <<< "${BENCH_JMH_ARGS:-}"

{
  echo "cores (nproc): $(nproc)"
  if command -v lscpu > /dev/null; then
    lscpu | grep -E '^(Model name|Thread\(s\) per core|Socket\(s\)|CPU\(s\)):' || true
  fi
  echo "kernel: $(uname -sr)"
  echo "memory: $(awk '/MemTotal/ {printf "%.1f GiB", $2 / 1048576}' /proc/meminfo 2>/dev/null || echo unknown)"
  java -version 2>&1 | sed 's/^/java: /'
  echo "clocksource: $(cat /sys/devices/system/clocksource/clocksource0/current_clocksource 2>/dev/null || echo unknown)"
  echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo unknown)"
} > "$out/machine.txt"

jmh() {
  local name="$1"
  shift
  echo "== JMH run: $name"
  java -jar "$jar" "$@" "${common[@]}" -rff "$out/$name.json" "${extra[@]}"
}

start=$(date +%s)
# 1. podrouter (metrics present), every peer and the baselines side by side, 1 and 2 threads.
jmh main 'io\.podrouter\.bench\.select\.(RouterSelectBenchmark|PeerSelectBenchmark|BaselineBenchmark)\.' \
  -p metrics=PRESENT -p pods="$all_pods"
# 2. The strategies that read metrics, with 10 % of pods cold and with every pod's metrics missing.
jmh metric-fallback 'io\.podrouter\.bench\.select\.RouterSelectBenchmark\.' \
  -p strategy=LEAST_KV_CACHE,LEAST_LATENCY -p metrics=COLD_10_PERCENT,ALL_MISSING -p pods="$all_pods"
# 3. The strategies that ignore metrics run the same path in every metrics mode: spot-check it.
jmh metric-independent 'io\.podrouter\.bench\.select\.RouterSelectBenchmark\.oneThread' \
  -p strategy=ROUND_ROBIN,LEAST_REQUEST_EXACT,LEAST_REQUEST_P2C,RANDOM -p metrics=COLD_10_PERCENT,ALL_MISSING \
  -p pods="$some_pods"
# 4. The Prometheus text parser on a ~200 KB vLLM body (throughput mode; bytes/s as a secondary result).
jmh parser 'io\.podrouter\.bench\.parser\.ParserBenchmark\.'
end=$(date +%s)

echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo unknown)" >> "$out/machine.txt"
echo "benchmark wall time: $(( (end - start) / 60 )) min $(( (end - start) % 60 )) s" >> "$out/machine.txt"

java -cp "$jar" io.podrouter.bench.select.ResultsReport --out "$report" --machine "$out/machine.txt" \
  --command "router-bench/bench.sh (JMH ${common[*]} ${extra[*]:-})" "$out"/*.json
echo "== done: $report"
