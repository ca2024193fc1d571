#!/usr/bin/env python3
# Before/after on the test family, same runs: podrouter over plain and seed-random on ttft_p99_scaleout_s for the
# 128 length-workload scenarios x seeds 1-3 that both test-baseline and test-after ran, mean with a 95 % bootstrap
# interval over scenarios (2,000 seeded resamples), 90th percentile and worst; slices by warm-up factor (1 = factor 1
# or 0 s of warm-up); cold-window failures as % of reject; fluctuation vs seed-random; goodput vs plain.
# Writes to stdout: python3 router-bench/family-compare.py > router-bench/family-results/before-after.md
import csv,sys,glob,os,re,random
import pathlib
root=pathlib.Path(__file__).resolve().parent
scen=str(root/'families/test/scenarios')
wf={};tok=set()
for f in glob.glob(scen+'/*.properties'):
    t=open(f).read(); n=os.path.basename(f)[:-11]
    m=re.search(r'^warmupFactor=(\S+)',t,re.M); ws=re.search(r'^warmupSeconds=(\S+)',t,re.M)
    w=float(m.group(1)) if m else 3.0
    if ws and float(ws.group(1))==0: w=1.0
    wf[n]=w
    if re.search(r'^workload=',t,re.M): tok.add(n)
def load(p):
    return {(r['scenario'],r['seed'],r['config'],r['strategy']):r for r in csv.DictReader(open(p))}
def ratios(d,st,base,sl,m='ttft_p99_scaleout_s'):
    v=[]
    for (sc,seed,cf,s),r in d.items():
        if s!=st or cf!='podrouter' or sc in tok: continue
        if sl=='wf1' and wf[sc]!=1.0: continue
        if sl=='wf>1' and wf[sc]==1.0: continue
        p=d.get((sc,seed,base,s))
        if p and r[m] and p[m] and float(p[m])>0: v.append((sc,float(r[m])/float(p[m])))
    return v
def boot(v):
    scs=sorted({s for s,_ in v}); by={}
    for s,x in v: by.setdefault(s,[]).append(x)
    rnd=random.Random(1); ms=[]
    for _ in range(2000):
        xs=[x for s in (rnd.choice(scs) for _ in scs) for x in by[s]]; ms.append(sum(xs)/len(xs))
    ms.sort(); return ms[50],ms[1949]
def fmt(v):
    xs=sorted(x for _,x in v); n=len(xs); lo,hi=boot(v)
    return f"{sum(xs)/n:.2f} [{lo:.2f}, {hi:.2f}] p90 {xs[int(0.9*(n-1))]:.2f} worst {xs[-1]:.2f} (n={n})"
B=load(str(root/'family-results/test-baseline/suite.csv'))
A=load(str(root/'family-results/test-after/suite.csv'))
print("| strategy | vs | slice | before (test-baseline) | after (test-after) |\n|---|---|---|---|---|")
for st in ['least-kv-cache','least-latency','least-request','round-robin']:
  for base in (['plain','seed-random'] if 'least-kv' in st or 'latency' in st else ['plain']):
    for sl in ['all','wf1','wf>1']:
      print(f"| {st} | {base} | {sl} | {fmt(ratios(B,st,base,sl))} | {fmt(ratios(A,st,base,sl))} |")
# cold failures on length scenarios
for st in ['least-kv-cache','least-latency']:
  for D,name in [(B,'before'),(A,'after')]:
    s={c:sum(float(r['cold_failed']) for (sc,seed,cf,s_),r in D.items() if s_==st and cf==c and sc not in tok) for c in ['reject','podrouter','plain']}
    print(f"cold failures {st} {name}: podrouter {s['podrouter']:.0f} / reject {s['reject']:.0f} = {100*s['podrouter']/s['reject']:.1f} % (plain {100*s['plain']/s['reject']:.1f} %)")
for st in ['least-kv-cache','least-latency']:
  for D,name in [(B,'before'),(A,'after')]:
    print(f"fluctuation vs seed-random {st} {name}: {fmt(ratios(D,st,'seed-random','all','fluctuation_sd_s'))}")
    g=ratios(D,st,'plain','all','goodput'); print(f"goodput vs plain {st} {name}: mean {sum(x for _,x in g)/len(g):.3f}")
