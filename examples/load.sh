#!/usr/bin/env bash
# Load test of the example gateway (not part of CI): wrk at 16, 64, 256 and 1,000 keep-alive connections,
# through the gateway and straight to the backend behind it, with the same request
# (io.podrouter.examples.LoadTarget: one fake vLLM backend answering in 10 ms + 1 ms per token).
# Prints one table row per run: requests per second, latency p50 and p99, and errors (socket errors plus
# non-2xx answers). Needs wrk (Debian/Ubuntu: apt-get install wrk).
#
# Usage: examples/load.sh [seconds per run, default 10] [connection counts, default "16 64 256 1000"]
set -euo pipefail
cd "$(dirname "$0")/.."
DURATION=${1:-10}
CONNECTIONS=${2:-16 64 256 1000}
command -v wrk >/dev/null || { echo "load.sh: wrk not found (Debian/Ubuntu: apt-get install wrk)" >&2; exit 2; }
[ "$(ulimit -n)" = unlimited ] || [ "$(ulimit -n)" -ge 8192 ] || ulimit -n 8192 2>/dev/null \
  || echo "load.sh: warning: ulimit -n is $(ulimit -n); 1,000 connections need about 4,000 descriptors" >&2

CLASSPATH_FILE="$PWD/examples/target/load-classpath.txt"
mvn -q -B -pl examples -am compile dependency:build-classpath -Dmdep.outputFile="$CLASSPATH_FILE" >/dev/null
LOG=$(mktemp)
# The fake backend is the JDK's HTTP server: let it keep 1,000 idle keep-alive connections (its default is 200)
# and send without Nagle's delay (its default waits for the ACK of the headers before sending the body).
# On fewer than 3 CPUs, CompletableFuture's default executor starts a thread per task, and the gateway's
# HttpClient.sendAsync completes every response through it: a common pool of 2 avoids that.
java -Djava.util.concurrent.ForkJoinPool.common.parallelism=2 \
  -Dsun.net.httpserver.maxIdleConnections=4096 -Dsun.net.httpserver.nodelay=true -cp "examples/target/classes:$(cat "$CLASSPATH_FILE")" \
  io.podrouter.examples.LoadTarget >"$LOG" 2>&1 &
TARGET=$!
trap 'kill "$TARGET" 2>/dev/null; wait "$TARGET" 2>/dev/null || true; rm -f "$LOG"' EXIT
for _ in $(seq 1 200); do
  grep -q '^gateway=' "$LOG" && break
  kill -0 "$TARGET" 2>/dev/null || { cat "$LOG" >&2; exit 1; }
  sleep 0.1
done
read -r GATEWAY_PORT BACKEND_PORT < <(sed -n 's/^gateway=\([0-9]*\) backend=\([0-9]*\)$/\1 \2/p' "$LOG")
[ -n "${BACKEND_PORT:-}" ] || { cat "$LOG" >&2; exit 1; }

run() { # name port connections seconds
  local out
  out=$(wrk -t2 -c"$3" -d"$4"s --timeout 10s --latency -s examples/load.lua "http://127.0.0.1:$2")
  local rps p50 p99 sock non2xx
  rps=$(awk '/^Requests\/sec:/ {print $2}' <<<"$out")
  p50=$(awk '$1 == "50%" {print $2}' <<<"$out")
  p99=$(awk '$1 == "99%" {print $2}' <<<"$out")
  sock=$(awk '/Socket errors:/ {gsub(",", ""); print $4 + $6 + $8 + $10}' <<<"$out")
  non2xx=$(awk '/Non-2xx or 3xx responses:/ {print $5}' <<<"$out")
  printf '| %-8s | %5s | %9s | %8s | %8s | %6s |\n' "$1" "$3" "$rps" "$p50" "$p99" "$(( ${sock:-0} + ${non2xx:-0} ))"
}

echo "warming up (5 s each way)..." >&2
run warmup "$GATEWAY_PORT" 64 5 >/dev/null
run warmup "$BACKEND_PORT" 64 5 >/dev/null
echo "| target   | conns |     req/s |      p50 |      p99 | errors |"
echo "|----------|-------|-----------|----------|----------|--------|"
for c in $CONNECTIONS; do
  run gateway "$GATEWAY_PORT" "$c" "$DURATION"
  run direct "$BACKEND_PORT" "$c" "$DURATION"
done
