#!/usr/bin/env python3
"""Compares podrouter's cache-aware runs with the peers' on one suite CSV of a scenario family.

Usage: router-bench/cache-train-compare.py PEERS.csv [VARIANT.csv ...]
PEERS.csv holds the peers' rows (configs llm-d, sglang, aibrix, dynamo, round-robin, and podrouter); each VARIANT.csv
holds podrouter rows (config "podrouter", or the config named after a colon: FILE.csv:podrouter-margin-100ms).
Per variant and measure it prints podrouter's value over each peer's, per run (same scenario and seed): the mean, the
geometric mean, the bad-tail decile (90th percentile for TTFT, 10th for throughput) and the worst run.
"""
import collections
import csv
import math
import sys

MEASURES = ["ttft_p99_s", "ttft_p99_scaleout_s", "output_tokens_per_s"]
PEERS = ["llm-d", "sglang", "dynamo", "aibrix", "round-robin", "podrouter"]


def rows(path, config=None):
    with open(path, newline="") as f:
        return [r for r in csv.DictReader(f) if config is None or r["config"] == config]


def value(row, measure):
    try:
        return float(row[measure])
    except (KeyError, ValueError):
        return float("nan")


def main(argv):
    if len(argv) < 2:
        sys.exit(__doc__)
    peers = collections.defaultdict(dict)
    for r in rows(argv[1]):
        peers[(r["scenario"], r["seed"])][r["config"]] = r
    for spec in argv[2:] or [argv[1]]:
        path, _, config = spec.partition(":")
        variant = {(r["scenario"], r["seed"]): r for r in rows(path, config or "podrouter")}
        print(f"## {spec}: {len(variant)} runs")
        print("| measure | vs | mean | geometric mean | bad-tail decile | worst |")
        print("|---|---|---|---|---|---|")
        for m in MEASURES:
            higher_better = m == "output_tokens_per_s"
            for peer in PEERS:
                ratios = []
                for key, row in variant.items():
                    other = peers.get(key, {}).get(peer)
                    if other is None:
                        continue
                    a, b = value(row, m), value(other, m)
                    if b > 0 and a >= 0:
                        ratios.append(max(a, 1e-4) / b)
                if not ratios:
                    continue
                ratios.sort()
                n = len(ratios)
                tail = ratios[int(0.1 * (n - 1))] if higher_better else ratios[int(0.9 * (n - 1))]
                worst = ratios[0] if higher_better else ratios[-1]
                gm = math.exp(sum(math.log(x) for x in ratios) / n)
                print(f"| {m} | {peer} | {sum(ratios) / n:.2f} | {gm:.2f} | {tail:.2f} | {worst:.2f} |")
        print()


if __name__ == "__main__":
    main(sys.argv)
