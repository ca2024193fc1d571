#!/usr/bin/env bash
# Combines the suite.csv of several runs of the test family (e.g. a FAMILY_ONLY='lengths' run and a cache-aware run)
# into router-bench/family-results/<NAME>/ and writes its summary.md, ratios.svg and the family part of
# router-bench/SIMULATION.md from it, as family.sh does for a whole run. run.txt says where each part comes from.
# Usage: router-bench/family-combine.sh NAME "NOTE" RUN_DIR [RUN_DIR ...]   (RUN_DIRs under router-bench/family-results)
set -euo pipefail
cd "$(dirname "$0")/.."
export MAVEN_OPTS="${MAVEN_OPTS:--Xmx3g}"
name=${1:?usage: router-bench/family-combine.sh NAME "NOTE" RUN_DIR [RUN_DIR ...]}
note=${2:?usage: router-bench/family-combine.sh NAME "NOTE" RUN_DIR [RUN_DIR ...]}
shift 2
[[ $# -ge 1 ]] || { echo "RUN_DIR: none (expected: at least one run directory)" >&2; exit 2; }
out=$PWD/router-bench/family-results/$name
mkdir -p "$out"
first=router-bench/family-results/$1/suite.csv
head -1 "$first" > "$out/suite.csv"
{
  echo "family test, $note"
  for run in "$@"; do
    csv=router-bench/family-results/$run/suite.csv
    cmp -s <(head -1 "$csv") <(head -1 "$first") || { echo "$csv: other columns than $first" >&2; exit 2; }
    tail -n +2 "$csv" >> "$out/suite.csv"
    echo "$run: $(sed -n 1p "router-bench/family-results/$run/run.txt")"
    echo "  $(sed -n 2p "router-bench/family-results/$run/run.txt"); $(sed -n 3p "router-bench/family-results/$run/run.txt")"
  done
} > "$out/run.txt"
mvn -q -B -o -pl router-bench -am compile exec:java \
  -Dexec.args="--familyDoc=$out --suite=$PWD/router-bench/families/test/scenarios --title=$name --doc=$PWD/router-bench/SIMULATION.md"
echo "family-combine: output in $out"
