#!/usr/bin/env python3
"""Compares two runs of the same scenarios (suite.csv of family.sh), row by row: for each configuration and
strategy, how the second run's TTFT p99 in the scale-out window, goodput and failed requests compare with the
first's (ratios second/first per run: mean, geometric mean, extremes; runs identical, worse, better by more than
1 %). Used for A/B checks of one default (e.g. the same code with a rule off and on).

Usage: router-bench/family-ab.py A/suite.csv B/suite.csv [CONFIG ...]   (only these configurations if given)
"""
import csv
import math
import sys
from collections import defaultdict


def load(path):
    with open(path, newline="") as f:
        return {(r["scenario"], r["seed"], r["config"], r["strategy"]): r for r in csv.DictReader(f)}


def main():
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    a, b = load(sys.argv[1]), load(sys.argv[2])
    only = set(sys.argv[3:])
    keys = [k for k in b if k in a and (not only or k[2] in only)]
    print(f"{len(keys)} runs in both ({sys.argv[1]} -> {sys.argv[2]})\n")
    groups = defaultdict(list)
    for k in keys:
        groups[(k[2], k[3])].append(k)
    for metric, higher_is_better in (("ttft_p99_scaleout_s", False), ("goodput", True), ("failed", False)):
        print(f"{metric}: second / first\n")
        print("| config | strategy | runs | identical | worse | better | mean | geometric mean | min | max |")
        print("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|")
        for (config, strategy), ks in sorted(groups.items()):
            ratios, same, worse, better = [], 0, 0, 0
            for k in ks:
                x, y = float(a[k][metric] or "nan"), float(b[k][metric] or "nan")
                if x != x or y != y:
                    continue
                same += x == y
                if x > 0 and y > 0:
                    ratios.append(y / x)
                up, down = y > x * 1.01, y < x * 0.99
                worse += down if higher_is_better else up
                better += up if higher_is_better else down
            if not ratios:
                continue
            gmean = math.exp(sum(math.log(r) for r in ratios) / len(ratios))
            print(f"| {config} | {strategy} | {len(ks)} | {same} | {worse} | {better} | {sum(ratios) / len(ratios):.3f} "
                  f"| {gmean:.3f} | {min(ratios):.2f} | {max(ratios):.2f} |")
        print()


if __name__ == "__main__":
    main()
