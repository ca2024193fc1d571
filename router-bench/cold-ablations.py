#!/usr/bin/env python3
# Cold-start ablations on a scenario family: every configuration of the given suite.csv files (merged, on the runs
# (scenario, seed, strategy) of the first file only, so that every row covers the same runs; a baseline run present
# in two files must have identical values) against plain and seed-random on ttft_p99_scaleout_s, per strategy, over
# all runs and in two slices: "wf1" (warm-up factor 1 or no warm-up: new pods as fast as warm ones) and "wf>1".
# Mean ratio with a 95 % bootstrap interval over scenarios (2,000 resamples, seeded, the seeds of a scenario drawn
# together), 90th percentile (nearest rank), wins / losses with ties within 2 % of 1; goodput against plain (mean
# ratio and mean difference); fluctuation_sd_s against seed-random; cold-window failures as % of reject's.
# Usage: python3 router-bench/cold-ablations.py FAMILY RESULT_DIR[@SUFFIX]... > OUT.md
#        (FAMILY is train or test: the scenario files the slices are read from)
import csv, glob, os, random, re, sys, pathlib

root = pathlib.Path(__file__).resolve().parent
if len(sys.argv) < 3 or sys.argv[1] not in ('train', 'test'):
    sys.exit('usage: cold-ablations.py train|test RESULT_DIR...')
scen = root / 'families' / sys.argv[1] / 'scenarios'
wf = {}
for f in glob.glob(str(scen / '*.properties')):
    t = open(f).read()
    n = os.path.basename(f)[:-len('.properties')]
    m = re.search(r'^warmupFactor=(\S+)', t, re.M)
    ws = re.search(r'^warmupSeconds=(\S+)', t, re.M)
    w = float(m.group(1)) if m else 3.0
    if ws and float(ws.group(1)) == 0:
        w = 1.0
    wf[n] = w

rows = {}
first_runs = None  # (scenario, seed, strategy) of the first file: later files are compared on those runs only
differing = 0
BASELINES = ('reject', 'skip', 'seed-random', 'plain')
for arg in sys.argv[2:]:
    # DIR@SUFFIX: the configurations of DIR other than the baselines are renamed CONFIG+SUFFIX (e.g. the runs of an
    # earlier code version: "family-results/train-after@-before"); the baselines must be identical across files.
    d, _, suffix = arg.partition('@')
    here = list(csv.DictReader(open(os.path.join(d, 'suite.csv'))))
    if first_runs is None:
        first_runs = {(r['scenario'], r['seed'], r['strategy']) for r in here}
    for r in here:
        if (r['scenario'], r['seed'], r['strategy']) not in first_runs:
            continue
        if suffix and r['config'] not in BASELINES:
            r['config'] += suffix
        k = (r['scenario'], r['seed'], r['config'], r['strategy'])
        if k in rows and rows[k] != r:
            if r['config'] in BASELINES:
                sys.exit(f'{d}: run {k} differs from an earlier file (expected: the same code for the baselines)')
            # With outlier detection on, a run is not exactly reproducible (the cap reads the candidate sets the
            # router still holds weakly, which depends on garbage collection): the first file's run is kept.
            differing += 1
            continue
        rows[k] = r

def ratios(st, cf, base, sl, m='ttft_p99_scaleout_s'):
    v = []
    for (sc, seed, c, s), r in rows.items():
        if s != st or c != cf:
            continue
        if sl == 'wf1' and wf[sc] != 1.0:
            continue
        if sl == 'wf>1' and wf[sc] == 1.0:
            continue
        p = rows.get((sc, seed, base, s))
        if p and r[m] and p[m] and float(p[m]) > 0:
            v.append((sc, float(r[m]) / float(p[m])))
    return v

def boot(v):
    scs = sorted({s for s, _ in v})
    by = {}
    for s, x in v:
        by.setdefault(s, []).append(x)
    rnd = random.Random(1)
    ms = []
    for _ in range(2000):
        xs = [x for s in (rnd.choice(scs) for _ in scs) for x in by[s]]
        ms.append(sum(xs) / len(xs))
    ms.sort()
    return ms[50], ms[1949]

def fmt(v, lower_better=True):
    if not v:
        return '-'
    xs = sorted(x for _, x in v)
    n = len(xs)
    lo, hi = boot(v)
    tail = xs[int(0.9 * (n - 1))] if lower_better else xs[int(0.1 * (n - 1))]
    w = sum(1 for x in xs if (x < 0.98 if lower_better else x > 1.02))
    l = sum(1 for x in xs if (x > 1.02 if lower_better else x < 0.98))
    return f'{sum(xs) / n:.3f} [{lo:.2f}, {hi:.2f}] p90 {tail:.2f} W/L {w}/{l}'

strategies = ['round-robin', 'least-request', 'least-kv-cache', 'least-latency']
configs = []
for (_, _, c, _) in rows:
    if c not in configs and c not in BASELINES:
        configs.append(c)

print('TTFT p99 during the scale-out (`ttft_p99_scaleout_s`), per-run ratio: mean [95 % CI] p90 (90th percentile) '
      'W/L (wins / losses beyond 2 %).\n')
print('| strategy | config | vs plain, all | vs plain, wf1 | vs plain, wf>1 | vs seed-random, all | goodput vs plain (ratio; difference) | '
      'fluctuation vs seed-random | cold-window failures, % of reject |')
print('|---|---|---|---|---|---|---|---|---|')
for st in strategies:
    metric = st in ('least-kv-cache', 'least-latency')
    rej = sum(float(r['cold_failed']) for (sc, seed, c, s), r in rows.items() if s == st and c == 'reject')
    for cf in ['plain', 'seed-random'] + configs:
        if not any(s == st and c == cf for (_, _, c, s) in rows):
            continue
        cells = []
        for sl in ['all', 'wf1', 'wf>1']:
            cells.append(fmt(ratios(st, cf, 'plain', sl)) if cf != 'plain' else '1')
        cells.append(fmt(ratios(st, cf, 'seed-random', 'all')) if metric and cf != 'seed-random' else '-')
        g = ratios(st, cf, 'plain', 'all', 'goodput')
        gd = [float(r['goodput']) - float(rows[(sc, seed, 'plain', s)]['goodput'])
              for (sc, seed, c, s), r in rows.items() if s == st and c == cf and (sc, seed, 'plain', s) in rows]
        cells.append(f'{sum(x for _, x in g) / len(g):.3f}; {sum(gd) / len(gd):+.4f}' if g and cf != 'plain' else '-')
        cells.append(fmt(ratios(st, cf, 'seed-random', 'all', 'fluctuation_sd_s')) if metric and cf != 'seed-random' else '-')
        cold = sum(float(r['cold_failed']) for (sc, seed, c, s), r in rows.items() if s == st and c == cf)
        cells.append(f'{100 * cold / rej:.1f} % ({cold:.0f})' if rej else f'- ({cold:.0f})')
        print(f'| {st} | {cf} | ' + ' | '.join(cells) + ' |')
if differing:
    print(f'\n{differing} non-baseline runs present in two files differ; those of the first file were kept.')
