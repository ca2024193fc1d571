#!/usr/bin/env bash
# Runs `mvn -B verify` three times in a row while stress-ng keeps two CPU workers busy, to expose tests that
# depend on wall time or machine speed. Prints PASS/FAIL per run and exits non-zero if any run failed.
# Usage: bash .ci/stress-verify.sh [extra mvn args...]   (takes about 15 minutes on 2 cores)
set -u
cd "$(dirname "$0")/.."

if ! command -v stress-ng >/dev/null 2>&1; then
  echo "stress-ng not found; installing it (Debian package stress-ng)"
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq stress-ng >/dev/null \
    || { echo "could not install stress-ng" >&2; exit 2; }
fi

stress-ng --cpu 2 --timeout 0 --quiet &
STRESS_PID=$!
stop_stress() {
  # Only the stress-ng this script started, by its process id.
  kill "$STRESS_PID" 2>/dev/null
  wait "$STRESS_PID" 2>/dev/null
}
trap stop_stress EXIT
# A handler that returns lets bash go on with the next run (after Ctrl-C killed the build, without stress):
# exit instead, which runs the EXIT trap once.
trap 'exit 130' INT
trap 'exit 143' TERM

failed=0
for run in 1 2 3; do
  log="target/stress-verify-run-$run.log"
  mkdir -p target
  start=$(date +%s)
  echo "run $run: start, $(uptime)"
  if mvn -B verify "$@" >"$log" 2>&1; then
    echo "run $run: PASS ($(( $(date +%s) - start )) s, log $log; end, $(uptime))"
  else
    echo "run $run: FAIL ($(( $(date +%s) - start )) s, log $log; end, $(uptime))"
    grep -E "Tests run:.*(Failures: [1-9]|Errors: [1-9])|FAILURE!" "$log" | head -20
    failed=$((failed + 1))
  fi
done
echo "stress-verify: $((3 - failed)) of 3 runs passed"
[ "$failed" -eq 0 ]
