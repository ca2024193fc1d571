#!/usr/bin/env bash
# Load test of the example gateway (not part of CI): wrk at 16, 256 and 1,000 keep-alive connections,
# through the gateway and straight to the backend behind it, with the same request
# (io.podrouter.examples.LoadTarget: one fake vLLM backend answering in 10 ms + 1 ms per token).
# The JVM gets no flags. Prints one row per connection count, gateway and direct side by side: requests
# per second and their ratio, latency p50 (and what the gateway adds to it) and p99, and errors (socket
# errors plus non-2xx answers). Installs wrk from Debian/Ubuntu (apt-get) when it is missing.
#
# Usage: examples/load.sh [seconds per run, default 10] [connection counts, default "16 256 1000"]
set -euo pipefail
cd "$(dirname "$0")/.."
DURATION=${1:-10}
CONNECTIONS=${2:-16 256 1000}
if ! command -v wrk >/dev/null; then
  SUDO=
  [ "$(id -u)" = 0 ] || SUDO=sudo
  echo "load.sh: installing wrk (apt-get install wrk)" >&2
  $SUDO apt-get install -y -q wrk >/dev/null 2>&1 || { $SUDO apt-get update -q >/dev/null && $SUDO apt-get install -y -q wrk >/dev/null; } \
    || { echo "load.sh: wrk not found and could not be installed (Debian/Ubuntu: apt-get install wrk)" >&2; exit 2; }
fi
[ "$(ulimit -n)" = unlimited ] || [ "$(ulimit -n)" -ge 8192 ] || ulimit -n 8192 2>/dev/null \
  || echo "load.sh: warning: ulimit -n is $(ulimit -n); 1,000 connections need about 4,000 descriptors" >&2

CLASSPATH_FILE="$PWD/examples/target/load-classpath.txt"
mvn -q -B -pl examples -am compile dependency:build-classpath -Dmdep.outputFile="$CLASSPATH_FILE" >/dev/null
LOG=$(mktemp)
java -cp "examples/target/classes:$(cat "$CLASSPATH_FILE")" io.podrouter.examples.LoadTarget >"$LOG" 2>&1 &
TARGET=$!
trap 'kill "$TARGET" 2>/dev/null; wait "$TARGET" 2>/dev/null || true; rm -f "$LOG"' EXIT
for _ in $(seq 1 200); do
  grep -q '^gateway=' "$LOG" && break
  kill -0 "$TARGET" 2>/dev/null || { cat "$LOG" >&2; exit 1; }
  sleep 0.1
done
read -r GATEWAY_PORT BACKEND_PORT < <(sed -n 's/^gateway=\([0-9]*\) backend=\([0-9]*\)$/\1 \2/p' "$LOG")
[ -n "${BACKEND_PORT:-}" ] || { cat "$LOG" >&2; exit 1; }

# wrk prints latencies as 850.00us, 27.91ms or 1.53s: in milliseconds.
ms() { awk -v v="$1" 'BEGIN { n = v + 0; u = v; sub(/^[0-9.]+/, "", u);
  printf "%.2f", u == "us" ? n / 1000 : u == "s" ? n * 1000 : u == "m" ? n * 60000 : n }'; }

run() { # port connections seconds -> "req/s p50_ms p99_ms errors"
  local out rps p50 p99 sock non2xx
  out=$(wrk -t2 -c"$2" -d"$3"s --timeout 10s --latency -s examples/load.lua "http://127.0.0.1:$1")
  rps=$(awk '/^Requests\/sec:/ {print $2}' <<<"$out")
  p50=$(awk '$1 == "50%" {print $2}' <<<"$out")
  p99=$(awk '$1 == "99%" {print $2}' <<<"$out")
  sock=$(awk '/Socket errors:/ {gsub(",", ""); print $4 + $6 + $8 + $10}' <<<"$out")
  non2xx=$(awk '/Non-2xx or 3xx responses:/ {print $5}' <<<"$out")
  echo "$rps $(ms "$p50") $(ms "$p99") $(( ${sock:-0} + ${non2xx:-0} ))"
}

echo "warming up (5 s each way)..." >&2
run "$GATEWAY_PORT" 64 5 >/dev/null
run "$BACKEND_PORT" 64 5 >/dev/null
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)" >&2
echo "| conns | gateway req/s | direct req/s | ratio | gateway p50 | direct p50 | added p50 | gateway p99 | direct p99 | errors gateway / direct |"
echo "|------:|--------------:|-------------:|------:|------------:|-----------:|----------:|------------:|-----------:|------------------------:|"
for c in $CONNECTIONS; do
  read -r g_rps g_p50 g_p99 g_err < <(run "$GATEWAY_PORT" "$c" "$DURATION")
  read -r d_rps d_p50 d_p99 d_err < <(run "$BACKEND_PORT" "$c" "$DURATION")
  awk -v c="$c" -v gr="$g_rps" -v dr="$d_rps" -v g50="$g_p50" -v d50="$d_p50" -v g99="$g_p99" -v d99="$d_p99" \
      -v ge="$g_err" -v de="$d_err" 'BEGIN {
    printf "| %5s | %13.0f | %12.0f | %5.2f | %8.2f ms | %7.2f ms | %+6.2f ms | %8.2f ms | %7.2f ms | %11d / %-9d |\n",
      c, gr, dr, (dr > 0 ? gr / dr : 0), g50, d50, g50 - d50, g99, d99, ge, de }'
done
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)" >&2
