#!/usr/bin/env bash
# Runs a scenario family from its committed files (router-bench/families/<family>/scenarios/*.properties), seeds
# 1,2,3, every configuration and strategy, and writes router-bench/family-results/<name>/{suite.csv,summary.md,
# ratios.svg,run.txt} (<name> defaults to the family; e.g. "test test-baseline" keeps a before-run apart).
# With the test family it also regenerates the family part of router-bench/SIMULATION.md from that directory.
# Usage: router-bench/family.sh train|test [NAME] [extra suite arguments, e.g. --threads=1]
# FAMILY_ONLY=REGEX runs only the scenario files whose names match (e.g. 'prefix|multi-turn' for the workloads with
# token ids, with --strategies=cache-aware); such a partial run writes its summary but leaves SIMULATION.md alone.
set -euo pipefail
cd "$(dirname "$0")/.."
# The suite runs inside Maven's JVM: a bounded heap, so that a shared machine's other JVMs are not pushed out of memory
# (the default, a quarter of the RAM, got this run killed by the kernel's OOM killer beside other builds).
export MAVEN_OPTS="${MAVEN_OPTS:--Xmx3g}"
family=${1:?usage: router-bench/family.sh train|test [NAME] [--threads=N]}
case "$family" in
  train|test) ;;
  *) echo "family: $family (expected: train or test)" >&2; exit 2 ;;
esac
shift
name=$family
if [[ $# -gt 0 && $1 != --* ]]; then
  name=$1
  shift
fi
scenarios=$PWD/router-bench/families/$family/scenarios
if [[ -n ${FAMILY_ONLY:-} ]]; then
  subset=$(mktemp -d)
  trap 'rm -rf "$subset"' EXIT
  for f in "$scenarios"/*.properties; do
    if [[ $(basename "$f") =~ $FAMILY_ONLY ]]; then
      cp "$f" "$subset/"
    fi
  done
  [[ -n $(ls "$subset") ]] || { echo "FAMILY_ONLY: $FAMILY_ONLY (expected: a regex matching scenario file names)" >&2; exit 2; }
  scenarios=$subset
fi
out=$PWD/router-bench/family-results/$name
mkdir -p "$out"
commit=$(git rev-parse --short HEAD)$(git diff --quiet HEAD -- router-bench router-core router-strategies router-api || echo " (with uncommitted changes)")
load_before=$(cut -d' ' -f1-3 /proc/loadavg)
start=$(date -u +%FT%TZ)
mvn -q -B -o -pl router-bench -am compile exec:java -Dexec.args="--suite=$scenarios --seeds=1,2,3 --out=$out $*"
load_after=$(cut -d' ' -f1-3 /proc/loadavg)
{
  echo "family $family, scenarios router-bench/families/$family/scenarios${FAMILY_ONLY:+ matching /$FAMILY_ONLY/}, seeds 1,2,3, commit $commit${*:+, suite arguments $*}"
  cat "$out/suite-run.txt"
  echo "started $start; load average (1, 5, 15 min) before $load_before, after $load_after"
} > "$out/run.txt"
rm -f "$out/suite-run.txt"
if [[ $family == test && -z ${FAMILY_ONLY:-} ]]; then
  # summary.md and ratios.svg, and the family part of SIMULATION.md from them
  mvn -q -B -o -pl router-bench -am compile exec:java \
    -Dexec.args="--familyDoc=$out --suite=$scenarios --title=$name --doc=$PWD/router-bench/SIMULATION.md"
else
  mvn -q -B -o -pl router-bench -am compile exec:java -Dexec.args="--familyReport=$out --suite=$scenarios --title=$name"
fi
echo "family $family: output in $out"
