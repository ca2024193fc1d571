#!/usr/bin/env bash
# Builds router-bench and runs the selection-path benchmarks (podrouter's strategies, the peer load
# balancers gRPC-java / Ribbon / Finagle, and two baselines), the cache-aware selection and prefix
# scoring benchmarks and the Prometheus parser benchmark, then writes router-bench/RESULTS.md.
#
# Run it on a quiet machine: about 15 minutes on 2 cores (161 selection configurations, one fork each;
# 18 cache-aware configurations, three forks each, because their JIT-compiled hashing loops vary
# between JVMs; 3 x 300 ms warm-up, 5 x 300 ms measurement, -prof gc; five short iterations rather
# than three long ones, because JMH's 99.9 % error uses Student's t, whose factor falls from 31.6 at 3
# to 8.6 at 5).
#
# Each run's JMH JSON and machine facts are kept in router-bench/bench-results/ (committed), and
# RESULTS.md is rendered from every JSON file there, so one run can be repeated without the others.
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
#   BENCH_ONLY="cache-aware parser"  run only these runs (main, metric-fallback, metric-independent,
#                                    cache-aware, parser); the others' committed results are kept
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
jar="router-bench/target/benchmarks.jar"

if [[ "${BENCH_SKIP_BUILD:-0}" != 1 ]]; then
  echo "== building router-bench"
  mvn -q -B -pl router-bench -am package -DskipTests
fi

if [[ "${BENCH_QUICK:-0}" == 1 ]]; then
  timing=(-wi 1 -w 100ms -i 1 -r 100ms)
  forks=1
  headline_forks=1
  all_pods="8,4096"
  some_pods="4096"
  cache_pods="8,512"
  out="router-bench/target/bench"
  report="$out/RESULTS-quick.md"
else
  timing=(-wi 3 -w 300ms -i 5 -r 300ms)
  forks=1
  headline_forks=3
  all_pods="8,64,512,4096"
  some_pods="64,4096"
  cache_pods="8,64,512"
  out="router-bench/bench-results"
  report="router-bench/RESULTS.md"
fi
mkdir -p "$out"
only=" ${BENCH_ONLY:-main metric-fallback metric-independent cache-aware parser} "
# Fixed heap: no resizing during measurement; the peers' fixtures need well under 1 GB. The heap is touched
# at start-up (AlwaysPreTouch): without it, every benchmark that allocates (podrouter's 32-byte selection,
# gRPC's 40-byte pick result) jumped between two modes on this kind of VM, even within one fork, as eden
# reached memory the JVM had not yet written: gRPC round_robin at 8 pods ran 13-29 ns in some iterations and
# 139-147 ns in others of the same fork (118 +- 202 ns), podrouter round-robin 125-171 ns; with the heap
# pre-touched, 12.8 +- 0.5 and 63.0 +- 0.7 ns. Allocation-free baselines were stable either way.
common=("${timing[@]}" -jvmArgsAppend "-Xms1g -Xmx1g -XX:+AlwaysPreTouch" -prof gc -rf json)
read -r -a extra <<< "${BENCH_JMH_ARGS:-}"

machine_facts() {
  echo "cores (nproc): $(nproc)"
  if command -v lscpu > /dev/null; then
    lscpu | grep -E '^(Model name|Thread\(s\) per core|Socket\(s\)|CPU\(s\)):' || true
  fi
  echo "kernel: $(uname -sr)"
  echo "memory: $(awk '/MemTotal/ {printf "%.1f GiB", $2 / 1048576}' /proc/meminfo 2>/dev/null || echo unknown)"
  java -version 2>&1 | sed 's/^/java: /'
  echo "clocksource: $(cat /sys/devices/system/clocksource/clocksource0/current_clocksource 2>/dev/null || echo unknown)"
  echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo unknown)"
}

# jmh NAME FORKS ARGS...: one JMH run, skipped unless NAME is in BENCH_ONLY; writes NAME.json and
# NAME.machine.txt (the machine facts, the load around the run, its wall time).
jmh() {
  local name="$1" f="$2"
  shift 2
  if [[ "$only" != *" $name "* ]]; then
    echo "== JMH run: $name (skipped: not in BENCH_ONLY; keeping $out/$name.json)"
    return
  fi
  echo "== JMH run: $name"
  local t0
  t0=$(date +%s)
  machine_facts > "$out/$name.machine.txt"
  echo "run: $name, started $(date -u +%Y-%m-%dT%H:%M:%SZ), $f fork(s)" >> "$out/$name.machine.txt"
  java -jar "$jar" "$@" -f "$f" "${common[@]}" -rff "$out/$name.json" "${extra[@]}"
  {
    echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo unknown)"
    echo "wall time: $(( ($(date +%s) - t0) / 60 )) min $(( ($(date +%s) - t0) % 60 )) s"
  } >> "$out/$name.machine.txt"
}

# 1. podrouter (metrics present), every peer and the baselines side by side, 1 and 2 threads.
jmh main "$forks" 'io\.podrouter\.bench\.select\.(RouterSelectBenchmark|PeerSelectBenchmark|BaselineBenchmark)\.' \
  -p metrics=PRESENT -p pods="$all_pods"
# 2. The strategies that read metrics, with 10 % of pods cold and with every pod's metrics missing.
jmh metric-fallback "$forks" 'io\.podrouter\.bench\.select\.RouterSelectBenchmark\.' \
  -p strategy=LEAST_KV_CACHE,LEAST_LATENCY -p metrics=COLD_10_PERCENT,ALL_MISSING -p pods="$all_pods"
# 3. The strategies that ignore metrics run the same path in every metrics mode: spot-check it.
jmh metric-independent "$forks" 'io\.podrouter\.bench\.select\.RouterSelectBenchmark\.oneThread' \
  -p strategy=ROUND_ROBIN,LEAST_REQUEST_EXACT,LEAST_REQUEST_P2C,RANDOM -p metrics=COLD_10_PERCENT,ALL_MISSING \
  -p pods="$some_pods"
# 4. Cache-aware: a whole prefix-aware selection and prefix scoring alone, prompts of 1k, 8k and 32k
#    characters; the 512-pod, 8k-character selection is a headline target, hence the forks.
jmh cache-aware "$headline_forks" 'io\.podrouter\.bench\.select\.(CacheAwareSelectBenchmark|PrefixScoreBenchmark)\.' \
  -p pods="$cache_pods"
# 5. The Prometheus text parser on a ~200 KB vLLM body (throughput mode; bytes/s as a secondary result).
jmh parser "$forks" 'io\.podrouter\.bench\.parser\.ParserBenchmark\.'

cat "$out"/*.machine.txt > "$out/machine.all"
java -cp "$jar" io.podrouter.bench.select.ResultsReport --out "$report" --machine "$out/machine.all" \
  --command "router-bench/bench.sh (JMH -f $forks, cache-aware -f $headline_forks, ${common[*]} ${extra[*]:-})" "$out"/*.json
rm -f "$out/machine.all"
echo "== done: $report"
