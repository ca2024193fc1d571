#!/usr/bin/env bash
# Runs the simulator's default scenario suite (every router-bench/scenarios/*.properties, seeds 1-5, all
# configurations and strategies) and regenerates the generated part of router-bench/SIMULATION.md from its
# suite.csv. Output: router-bench/sim-out/suite/{suite.csv,summary.md,suite-run.txt}, copied to
# router-bench/suite-results/ to be committed. Extra arguments go to the suite, e.g. --threads=1 or --seeds=1,2.
set -euo pipefail
cd "$(dirname "$0")/.."
out=router-bench/sim-out/suite
mvn -q -B -pl router-bench -am compile exec:java -Dexec.args="--suite=default --out=$PWD/$out $*"
mvn -q -B -o -pl router-bench -am compile exec:java -Dexec.args="--docFrom=$PWD/$out --doc=$PWD/router-bench/SIMULATION.md"
mkdir -p router-bench/suite-results
cp "$out/suite.csv" "$out/summary.md" "$out/suite-run.txt" router-bench/suite-results/
echo "SIMULATION.md regenerated from $out/suite.csv"
