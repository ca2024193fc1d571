#!/usr/bin/env python3
# Writes family-results/train-final/suite.csv: the train family with the final defaults, from two committed runs
# whose code is the final code for the rows taken (family-results/train-final/run.txt says why): every row of
# train-cold except the cache-aware ones and least-kv-cache / least-latency "podrouter", which come from abl-metric
# (the same runs). Checks that both runs' "plain" rows of those strategies are identical.
# Usage: python3 router-bench/assemble-train-final.py
import csv, pathlib
d = pathlib.Path(__file__).resolve().parent / 'family-results'
hdr = open(d / 'train-cold/suite.csv').readline().rstrip('\n')
assert hdr == open(d / 'abl-metric/suite.csv').readline().rstrip('\n'), 'different CSV columns'
abl = {(r['scenario'], r['seed'], r['config'], r['strategy']): r for r in csv.DictReader(open(d / 'abl-metric/suite.csv'))}
cols = hdr.split(',')
out = [hdr]
for r in csv.DictReader(open(d / 'train-cold/suite.csv')):
    if r['strategy'] == 'cache-aware':
        continue
    k = (r['scenario'], r['seed'], r['config'], r['strategy'])
    if r['strategy'] in ('least-kv-cache', 'least-latency'):
        if r['config'] == 'plain' and abl[k] != r:
            raise SystemExit(f'plain run {k} differs between train-cold and abl-metric')
        if r['config'] == 'podrouter':
            r = abl[k]
    out.append(','.join(r[c] for c in cols))
(d / 'train-final').mkdir(exist_ok=True)
open(d / 'train-final/suite.csv', 'w').write('\n'.join(out) + '\n')
print(f'{len(out) - 1} rows written to {d / "train-final/suite.csv"}')
