#!/usr/bin/env bash
# Overhead of podrouter's Spring Cloud Gateway filters (not part of CI): wrk at 16 and 256 keep-alive connections
# against one Spring Cloud Gateway, through a route to podrouter's pool (/podrouter/...: body read and parsed, pod
# selected, selection completed) and through a route to the same backend's fixed URL (/fixed/...), with the same
# non-streamed completion request (io.podrouter.spring.gateway.OverheadTarget: one fake vLLM backend answering in
# 10 ms + 1 ms per token). Prints one table row per run: requests per second, latency p50 and p99, errors (socket
# errors plus non-2xx answers) and the CPU time the target JVM (gateway and fake backend) spent per request, then
# what podrouter adds (podrouter minus fixed: latency p50 and p99, CPU per request) per connection count, and the
# load average. CPU per request is the figure that a busy machine disturbs least. The warm-up alternates the two
# routes for 60 s, because the JIT needs that long on a loaded machine. Needs wrk (apt-get install wrk).
#
# Usage: router-spring-cloud-gateway/overhead.sh [seconds per run, default 10] [connection counts, default "16 256"]
set -euo pipefail
cd "$(dirname "$0")/.."
DURATION=${1:-10}
CONNECTIONS=${2:-16 256}
command -v wrk >/dev/null || { echo "overhead.sh: wrk not found (Debian/Ubuntu: apt-get install wrk)" >&2; exit 2; }

CLASSPATH_FILE="$PWD/router-spring-cloud-gateway/target/overhead-classpath.txt"
mvn -q -B -pl router-spring-cloud-gateway -am test-compile dependency:build-classpath -Dmdep.includeScope=test \
  -Dmdep.outputFile="$CLASSPATH_FILE" >/dev/null
LOG=$(mktemp)
java -Dsun.net.httpserver.maxIdleConnections=4096 -Dsun.net.httpserver.nodelay=true \
  -cp "router-spring-cloud-gateway/target/test-classes:router-spring-cloud-gateway/target/classes:$(cat "$CLASSPATH_FILE")" \
  io.podrouter.spring.gateway.OverheadTarget >"$LOG" 2>&1 &
TARGET=$!
trap 'kill "$TARGET" 2>/dev/null; wait "$TARGET" 2>/dev/null || true; rm -f "$LOG"' EXIT
for _ in $(seq 1 600); do
  grep -q '^gateway=' "$LOG" && break
  kill -0 "$TARGET" 2>/dev/null || { cat "$LOG" >&2; exit 1; }
  sleep 0.1
done
read -r GATEWAY_PORT BACKEND_PORT < <(sed -n 's/^gateway=\([0-9]*\) backend=\([0-9]*\)$/\1 \2/p' "$LOG")
[ -n "${BACKEND_PORT:-}" ] || { cat "$LOG" >&2; exit 1; }

LUA=$(mktemp --suffix=.lua)
trap 'kill "$TARGET" 2>/dev/null; wait "$TARGET" 2>/dev/null || true; rm -f "$LOG" "$LUA"' EXIT
cat >"$LUA" <<'LUA'
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"model":"llama-3-8b","prompt":"Once upon a time a pod","max_tokens":16}'
LUA

declare -A P50 P99 CPU
cpu_ms() { awk '{print ($14 + $15) * 10}' "/proc/$TARGET/stat"; } # utime + stime, at 100 ticks per second
ms() { # wrk's latency (e.g. 812.00us, 27.41ms, 1.02s) in milliseconds
  awk -v v="$1" 'BEGIN { n = v + 0; if (v ~ /us$/) n /= 1000; else if (v ~ /ms$/) n += 0; else if (v ~ /s$/) n *= 1000; printf "%.2f", n }'
}
run() { # name path connections seconds
  local out rps p50 p99 sock non2xx c0 c1 n
  c0=$(cpu_ms)
  out=$(wrk -t2 -c"$3" -d"$4"s --timeout 10s --latency -s "$LUA" "http://127.0.0.1:$GATEWAY_PORT$2")
  c1=$(cpu_ms)
  n=$(awk '/requests in/ {print $1}' <<<"$out")
  rps=$(awk '/^Requests\/sec:/ {print $2}' <<<"$out")
  p50=$(awk '$1 == "50%" {print $2}' <<<"$out")
  p99=$(awk '$1 == "99%" {print $2}' <<<"$out")
  sock=$(awk '/Socket errors:/ {gsub(",", ""); print $4 + $6 + $8 + $10}' <<<"$out")
  non2xx=$(awk '/Non-2xx or 3xx responses:/ {print $5}' <<<"$out")
  P50[$1-$3]=$(ms "$p50"); P99[$1-$3]=$(ms "$p99"); CPU[$1-$3]=$(( (c1 - c0) * 1000 / (n > 0 ? n : 1) ))
  printf '| %-9s | %5s | %9s | %8s | %8s | %6s | %7s |\n' "$1" "$3" "$rps" "$p50" "$p99" \
    "$(( ${sock:-0} + ${non2xx:-0} ))" "${CPU[$1-$3]}"
}

echo "warming up (60 s, the routes alternating)..." >&2
for _ in 1 2 3; do
  run podrouter /podrouter/v1/completions 64 10 >/dev/null
  run fixed /fixed/v1/completions 64 10 >/dev/null
done
echo "| route     | conns |     req/s |      p50 |      p99 | errors | CPU us/req |"
echo "|-----------|-------|-----------|----------|----------|--------|------------|"
for c in $CONNECTIONS; do
  run podrouter /podrouter/v1/completions "$c" "$DURATION"
  run fixed /fixed/v1/completions "$c" "$DURATION"
done
echo
for c in $CONNECTIONS; do
  awk -v c="$c" -v a="${P50[podrouter-$c]}" -v b="${P50[fixed-$c]}" -v x="${P99[podrouter-$c]}" -v y="${P99[fixed-$c]}" \
    -v u="${CPU[podrouter-$c]}" -v v="${CPU[fixed-$c]}" \
    'BEGIN { printf "added by podrouter at %s connections: p50 %+.2f ms, p99 %+.2f ms, CPU %+d us per request\n", c, a - b, x - y, u - v }'
done
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) CPUs"
