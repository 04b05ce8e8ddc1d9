#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Turn obm_bench.ko's logs into tables and a JSON file.

Usage: report.py LOG --json PATH --kernel TEXT --cpu TEXT [--icount DIR]
                 [--percpu DIR] [--profile DIR]

LOG is the User-Mode Linux run (ns). DIR, from tools/bench/icount, holds
the runs on Debian's 6.12 under QEMU -icount (instructions):
icount-ioa1.log, icount-ioa1-again.log (the same, to show the instrument
repeats), icount-ioa0.log, and icount.kernel. The --percpu DIR, from
tools/bench/percpu, holds percpu-<N>cpu-heap.log and -cache.log for N =
1, 2, 4: /proc/meminfo around holding 256 heaps or 2048 kmem_caches.
The --profile DIR, from tools/bench/instr-profile, holds profile.json.

JSON schema ("obmalloc-bench/2"; /1 had only the UML fields):
  schema   "obmalloc-bench/2"
  kernel   the kernel the UML run used
  cpu      the CPU it ran on
  rounds   rounds per measurement (UML)
  icount   null, or:
    kernel   the kernel the icount runs used
    rounds   rounds per measurement
    repeat_max_relative_difference
             the largest |a - b| / b over every row and allocator between
             the medians of the init_on_alloc=1 run and its repetition
  rows     one per (scenario, order, size):
    scenario   "pair" | "batch" | "mixed"
    order      "lifo" | "random" for batch, null otherwise
    size       object size in bytes (mixed: the largest, sizes 1..512)
    ops        operations per round (an operation: one alloc plus its free)
    ns_per_op  {allocator: {"median", "min", "max"}} over rounds (UML)
    cycles_per_op  the same in TSC cycles (0 where there is no TSC)
    ratio_obmalloc_kmem_cache, ratio_obmalloc_kmalloc
               median over median (UML); null where the allocator did not
               run
    icount     null, or {"init_on_alloc=1" | "init_on_alloc=0":
               {"instructions_per_op": {allocator: {"median", "min",
               "max"}}, "ratio_obmalloc_kmem_cache",
               "ratio_obmalloc_kmalloc"}}; ops are fewer there
  footprint  one per live set (UML):
    set        "uniform" (live objects of 1..512 bytes, after the mixed
               replacements) | "264" (live objects of 264 bytes)
    pages      {allocator: pages held}
    obmalloc_stats  for "uniform": obmalloc's heap stats file at that
               point, {name: value} (README.md, Statistics); else null
    ratio_obmalloc_kmalloc, ratio_obmalloc_kmem_cache (null if absent)
  icount_footprint  the same for the init_on_alloc=1 icount run, or null
  percpu   null, or the memory cost table (added in /2 without a bump:
           readers of /2 ignore keys they do not know):
    cpus     [1, 2, 4], the CPUs (all possible CPUs) of the boots
    kinds    {"heap" | "heap_live" | "cache" | "cache_live":
             {"count": heaps or caches held, "bytes": {"total" | "percpu"
             | "slab" | "arenas": [bytes per heap or cache at each of
             cpus]}, "percpu_fit": {"fixed", "per_cpu"} (least squares),
             "total_at": {"64", "256": bytes: the fitted per-CPU part plus
             slab and arenas as at 4 CPUs}}}; percpu and slab are the rise
             in /proc/meminfo's Percpu and Slab, arenas the pages
             obmalloc's arenas hold (debugfs), total their sum; each less
             what loading obm_cost.ko costs with nothing held (hold=none)
    none_drift_bytes  how far the two hold=none measurements of a boot
             differ in total, worst boot (the noise floor, for all 256)
  instruction_profile  null, or one alloc+free single-stepped on Debian's
           6.12 (tools/bench/instr-profile; added in /2 without a bump): a
           list of {"init_on_alloc": 1 | 0, "allocator": "obmalloc" |
           "kmem_cache" | "kmalloc", "size", "instructions", "parts":
           {part of obmalloc's fast path: instructions} ({} for the
           others), "functions": {function: instructions}}
  debug_heaps  null, or what debug heaps cost (added in /2 without a bump),
           from the init_on_alloc=1 icount boot, which loads the benchmark
           again with its heap made a debug heap:
    {"F" | "FZPU": {"rows": [{"scenario": "pair" | "mixed", "size",
             "instructions_per_op": {"median", "min", "max"},
             "plain_median": the plain heap's median in the same boot,
             "ratio_debug_plain"}], "footprint_pages": arena pages for the
             uniform live set, "plain_footprint_pages",
             "debug_record_bytes": bytes_in_debug_records then,
             "bytes_requested", "bytes_lost_to_rounding"}}
  traces   null, or the replays of the recorded allocation traces
           (tools/bench/traces, added in /2 without a bump), under UML:
           [{"trace": name, "ops": records replayed per round,
             "allocators": {"obmalloc" | "kmalloc": {"ns_per_op":
             {"median", "min", "max"}, "peak_pages", "mean_pages",
             "peak_pages_under_live", "mean_pages_under_live"}} (pages
             held: obmalloc's arena pages, kmalloc's rise in slab pages;
             under live: the pages of the distinct pools or slabs the live
             objects lie in; medians over rounds), "ratio_peak",
             "ratio_mean", "ratio_peak_under_live", "ratio_mean_under_live",
             "ratio_ns" (obmalloc / kmalloc; null where kmalloc's is 0)}]
Exits 1 if a log has no "obm-bench: done" line.
"""

import argparse
import collections
import json
import os
import re
import statistics
import sys

RESULT = re.compile(r'obm-bench: result (\S+) (\S+) (\d+) (\S+) (\d+) (\d+) '
                    r'(\d+) (\d+)')
FOOTPRINT = re.compile(r'obm-bench: footprint (\S+) (\S+) (-?\d+)')
STATS = re.compile(r'obm-bench: stats (\S+) (\d+)')
REPLAY = re.compile(r'obm-replay: result (\S+) (\S+) (\d+) (\d+) (\d+) '
                    r'(-?\d+) (-?\d+) (\d+) (\d+)')
DEBUG_RESULT = re.compile(r'obm-bench: debug (\S+) result (\S+) (\S+) (\d+) '
                          r'obmalloc (\d+) (\d+) (\d+) (\d+)')
DEBUG_FOOTPRINT = re.compile(r'obm-bench: debug (\S+) footprint uniform '
                             r'obmalloc (-?\d+)')
DEBUG_STATS = re.compile(r'obm-bench: debug (\S+) stats (\S+) (\d+)')
COST = re.compile(r'obm-cost: (before|held) (\S+) Arenas (\d+) Percpu (\d+) '
                  r'Slab (\d+)')
COST_PARTS = ('total', 'percpu', 'slab', 'arenas')
HOLDING = re.compile(r'obm-cost: holding (\d+) of (\S+)')
COST_KINDS = ('heap', 'heap_live', 'cache', 'cache_live')
COST_CPUS = (1, 2, 4)
COST_EXTRAPOLATE = (64, 256)
ALLOCATORS = ('obmalloc', 'kmem_cache', 'kmalloc')


def summary(values):
    return {'median': round(statistics.median(values), 2),
            'min': round(min(values), 2), 'max': round(max(values), 2)}


def ratio(a, b):
    return round(a / b, 3) if a is not None and b else None


class Run:
    """One benchmark log: per (scenario, order, size) and allocator, the
    per-round figures; the footprint sets; obmalloc's stats."""

    def __init__(self, path):
        def table():
            return collections.defaultdict(lambda: collections.defaultdict(
                list))
        self.ns = table()
        self.cyc = table()
        self.ops = {}
        self.foot = collections.defaultdict(dict)
        self.heap_stats = {}
        # debug_cost runs: flags -> {"ns": {key: [per op]}, "pages",
        # "stats"}
        self.debug = collections.defaultdict(
            lambda: {'ns': collections.defaultdict(list), 'pages': None,
                     'stats': {}})
        # trace -> allocator -> {"ns": [per op], "peak": [], "mean": []}
        self.replay = collections.defaultdict(
            lambda: collections.defaultdict(
                lambda: {'ns': [], 'peak': [], 'mean': [], 'under_peak': [],
                         'under_mean': [], 'ops': 0}))
        self.done = False
        with open(path, errors='replace') as f:
            for line in f:
                self.parse(line)

    def parse_debug(self, line):
        """A line of a debug_cost run; True if it was one."""
        m = DEBUG_RESULT.search(line)
        if m:
            flags, scen, order, size, _, n, t, _ = m.groups()
            key = (scen, None if order == '-' else order, int(size))
            self.debug[flags]['ns'][key].append(int(t) / int(n))
            return True
        m = DEBUG_FOOTPRINT.search(line)
        if m:
            self.debug[m.group(1)]['pages'] = int(m.group(2))
            return True
        m = DEBUG_STATS.search(line)
        if m:
            self.debug[m.group(1)]['stats'][m.group(2)] = int(m.group(3))
            return True
        return False

    def debug_heaps(self):
        """The debug_cost runs against this run's plain heap, or None."""
        if not self.debug:
            return None
        out = {}
        for flags, d in self.debug.items():
            rows = []
            for key in sorted(d['ns'], key=lambda k: (k[0] != 'pair', k[2])):
                plain = self.medians(key).get('obmalloc')
                median = statistics.median(d['ns'][key])
                rows.append({'scenario': key[0], 'size': key[2],
                             'instructions_per_op': summary(d['ns'][key]),
                             'plain_median': plain,
                             'ratio_debug_plain': ratio(median, plain)})
            out[flags] = {
                'rows': rows, 'footprint_pages': d['pages'],
                'plain_footprint_pages': self.foot['uniform'].get(
                    'obmalloc'),
                'debug_record_bytes': d['stats'].get('bytes_in_debug_records'),
                'bytes_requested': d['stats'].get('bytes_requested'),
                'bytes_lost_to_rounding': d['stats'].get(
                    'bytes_lost_to_rounding')}
        return out

    def traces(self):
        """The trace replays, or None if there were none."""
        if not self.replay:
            return None
        out = []
        for name in sorted(self.replay):
            allocs = {}
            for a, d in self.replay[name].items():
                allocs[a] = {'ns_per_op': summary(d['ns']),
                             'peak_pages': statistics.median(d['peak']),
                             'mean_pages': statistics.median(d['mean']),
                             'peak_pages_under_live': statistics.median(
                                 d['under_peak']),
                             'mean_pages_under_live': statistics.median(
                                 d['under_mean'])}
                ops = d['ops']
            o, k = allocs.get('obmalloc'), allocs.get('kmalloc')
            both = o is not None and k is not None
            out.append({
                'trace': name, 'ops': ops, 'allocators': allocs,
                'ratio_peak': ratio(o['peak_pages'], k['peak_pages'])
                if both else None,
                'ratio_mean': ratio(o['mean_pages'], k['mean_pages'])
                if both else None,
                'ratio_peak_under_live': ratio(o['peak_pages_under_live'],
                                               k['peak_pages_under_live'])
                if both else None,
                'ratio_mean_under_live': ratio(o['mean_pages_under_live'],
                                               k['mean_pages_under_live'])
                if both else None,
                'ratio_ns': ratio(o['ns_per_op']['median'],
                                  k['ns_per_op']['median'])
                if both else None})
        return out

    def parse(self, line):
        m = REPLAY.search(line)
        if m:
            name, alloc, _, n, t, peak, mean, upeak, umean = m.groups()
            d = self.replay[name][alloc]
            d['ns'].append(int(t) / int(n))
            d['peak'].append(int(peak))
            d['mean'].append(int(mean))
            d['under_peak'].append(int(upeak))
            d['under_mean'].append(int(umean))
            d['ops'] = int(n)
            return
        if self.parse_debug(line):
            return
        m = RESULT.search(line)
        if m:
            scen, order, size, alloc, _, n, t, c = m.groups()
            key = (scen, None if order == '-' else order, int(size))
            self.ns[key][alloc].append(int(t) / int(n))
            self.cyc[key][alloc].append(int(c) / int(n))
            self.ops[key] = int(n)
            return
        m = FOOTPRINT.search(line)
        if m:
            self.foot[m.group(1)][m.group(2)] = int(m.group(3))
            return
        m = STATS.search(line)
        if m:
            self.heap_stats[m.group(1)] = int(m.group(2))
            return
        if 'obm-bench: done' in line:
            self.done = True

    @property
    def rounds(self):
        return max((len(v) for r in self.ns.values() for v in r.values()),
                   default=0)

    def medians(self, key):
        return {a: statistics.median(v) for a, v in self.ns[key].items()}

    def per_op(self, key):
        return {a: summary(v) for a, v in self.ns[key].items()}

    def ratios(self, key):
        med = self.medians(key)
        return (ratio(med.get('obmalloc'), med.get('kmem_cache')),
                ratio(med.get('obmalloc'), med.get('kmalloc')))

    def footprint(self):
        sets = []
        for name, pages in self.foot.items():
            sets.append({
                'set': name, 'pages': pages,
                'obmalloc_stats': (self.heap_stats if name == 'uniform'
                                   else None),
                'ratio_obmalloc_kmalloc': ratio(pages.get('obmalloc'),
                                                pages.get('kmalloc')),
                'ratio_obmalloc_kmem_cache': ratio(pages.get('obmalloc'),
                                                   pages.get('kmem_cache')),
            })
        return sets


ICOUNT_RUNS = {'init_on_alloc=1': 'icount-ioa1.log',
               'init_on_alloc=0': 'icount-ioa0.log'}
ICOUNT_REPEAT = 'icount-ioa1-again.log'


def load_icount(directory):
    """The icount runs, their kernel and how far the repetition strayed."""
    runs = {name: Run(os.path.join(directory, log))
            for name, log in ICOUNT_RUNS.items()}
    again = Run(os.path.join(directory, ICOUNT_REPEAT))
    for name, run in list(runs.items()) + [('repeat', again)]:
        if not run.done:
            print(f'bench: the icount run {name} did not finish; see '
                  f'{directory}', file=sys.stderr)
            return None
    first = runs['init_on_alloc=1']
    worst = 0.0
    for key in first.ns:
        a, b = first.medians(key), again.medians(key)
        for alloc in a:
            if alloc in b and b[alloc]:
                worst = max(worst, abs(a[alloc] - b[alloc]) / b[alloc])
    with open(os.path.join(directory, 'icount.kernel')) as f:
        kernel = f.read().strip()
    return {'kernel': kernel, 'runs': runs, 'repeat': round(worst, 4)}


def load_percpu(directory):
    """The cost table from tools/bench/percpu's boots, or None."""
    table = {k: {f: [] for f in COST_PARTS} for k in COST_KINDS}
    held_counts = {}
    drift = 0
    for cpus, boot in ((c, b) for c in COST_CPUS for b in ('heap', 'cache')):
        path = os.path.join(directory, f'percpu-{cpus}cpu-{boot}.log')
        deltas = collections.defaultdict(list)
        seen, counts = {}, {}
        with open(path, errors='replace') as f:
            for line in f:
                m = HOLDING.search(line)
                if m:
                    counts[m.group(2)] = int(m.group(1))
                m = COST.search(line)
                if not m:
                    continue
                when, kind = m.group(1), m.group(2)
                arenas, pcpu, slab = (int(v) * 1024 for v in m.group(3, 4, 5))
                # "held heap_live" is measured in the load of "heap".
                base = kind.removesuffix('_live')
                if when == 'before':
                    seen[base] = (pcpu, slab, arenas)
                elif base in seen:
                    b = seen[base]
                    d = (pcpu - b[0], slab - b[1], arenas - b[2])
                    deltas[kind].append((sum(d),) + d)
        kinds_here = (boot, boot + '_live')
        if len(deltas['none']) != 2 or any(len(deltas[k]) != 1
                                           for k in kinds_here):
            print(f'bench: {path} lacks some measurements', file=sys.stderr)
            return None
        none = [sum(d[i] for d in deltas['none']) / 2
                for i in range(len(COST_PARTS))]
        drift = max(drift, abs(deltas['none'][0][0] - deltas['none'][1][0]))
        for kind in kinds_here:
            d = deltas[kind][0]
            n = counts.get(kind.removesuffix('_live'), 0)
            if not n:
                print(f'bench: {path}: how many {kind} were held?',
                      file=sys.stderr)
                return None
            held_counts[kind] = n
            for i, part in enumerate(COST_PARTS):
                table[kind][part].append(round((d[i] - none[i]) / n))
    kinds = {}
    for kind, parts in table.items():
        # The per-CPU part is one alloc_percpu() per heap or cache: linear
        # in the CPUs. The rest is taken as measured at the most CPUs.
        slope, intercept = statistics.linear_regression(COST_CPUS,
                                                        parts['percpu'])
        rest = parts['slab'][-1] + parts['arenas'][-1]
        kinds[kind] = {
            'count': held_counts[kind], 'bytes': parts,
            'percpu_fit': {'fixed': round(intercept),
                           'per_cpu': round(slope)},
            'total_at': {str(n): round(rest + intercept + n * slope)
                         for n in COST_EXTRAPOLATE}}
    return {'cpus': list(COST_CPUS), 'kinds': kinds,
            'none_drift_bytes': drift}


def print_percpu(cost):
    """Bytes per heap or cache at 1, 2, 4 CPUs, and at 64 and 256."""
    print()
    print("memory per heap or kmem_cache, bytes, on Debian's 6.12: percpu "
          "and slab, the rise in /proc/meminfo's Percpu and Slab; arenas, "
          "obmalloc's arena pages; 64 and 256 CPUs: the per-CPU part "
          "fitted, the rest as at 4 CPUs")
    hdr = (f'{"held":11} {"count":>5} {"part":7} {"1 CPU":>8} {"2 CPUs":>8} '
           f'{"4 CPUs":>8} | {"per CPU":>7} | {"64 CPUs":>9} '
           f'{"256 CPUs":>9}')
    print(hdr)
    print('-' * len(hdr))
    for kind, k in cost['kinds'].items():
        for part in COST_PARTS:
            v = k['bytes'][part]
            if part == 'arenas' and not any(v):
                continue
            extra = (f'{k["percpu_fit"]["per_cpu"]:7} |' if part == 'percpu'
                     else f'{"":7} |')
            if part == 'total':
                extra += ''.join(f' {k["total_at"][n]:9}'
                                 for n in ('64', '256'))
            print(f'{kind:11} {k["count"]:5} {part:7} {v[0]:8} {v[1]:8} '
                  f'{v[2]:8} | {extra}')
    print(f'noise: loading obm_cost.ko holding nothing, twice per boot, '
          f'differed by up to {cost["none_drift_bytes"]} bytes in total')


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('log')
    ap.add_argument('--json', required=True)
    ap.add_argument('--kernel', required=True)
    ap.add_argument('--cpu', required=True)
    ap.add_argument('--icount', metavar='DIR')
    ap.add_argument('--percpu', metavar='DIR')
    ap.add_argument('--profile', metavar='DIR')
    args = ap.parse_args()

    uml = Run(args.log)
    if not uml.done:
        print(f'bench: the benchmark did not finish; see {args.log}',
              file=sys.stderr)
        return 1
    icount = load_icount(args.icount) if args.icount else None
    if args.icount and not icount:
        return 1
    percpu = load_percpu(args.percpu) if args.percpu else None
    if args.percpu and not percpu:
        return 1

    order_key = {'pair': 0, 'batch': 1, 'mixed': 2}
    rows = []
    for key in sorted(uml.ns,
                      key=lambda k: (order_key[k[0]], k[1] or '', k[2])):
        scen, order, size = key
        to_cache, to_kmalloc = uml.ratios(key)
        row = {
            'scenario': scen, 'order': order, 'size': size,
            'ops': uml.ops[key], 'ns_per_op': uml.per_op(key),
            'cycles_per_op': {a: summary(v) for a, v in uml.cyc[key].items()},
            'ratio_obmalloc_kmem_cache': to_cache,
            'ratio_obmalloc_kmalloc': to_kmalloc,
            'icount': None,
        }
        if icount:
            row['icount'] = {}
            for name, run in icount['runs'].items():
                if key not in run.ns:
                    continue
                to_cache, to_kmalloc = run.ratios(key)
                row['icount'][name] = {
                    'instructions_per_op': run.per_op(key),
                    'ratio_obmalloc_kmem_cache': to_cache,
                    'ratio_obmalloc_kmalloc': to_kmalloc,
                }
        rows.append(row)
    footprint = uml.footprint()
    rounds = uml.rounds
    doc = {'schema': 'obmalloc-bench/2', 'kernel': args.kernel,
           'cpu': args.cpu, 'rounds': rounds, 'icount': None, 'rows': rows,
           'footprint': footprint, 'icount_footprint': None,
           'percpu': percpu, 'debug_heaps': None, 'traces': uml.traces(),
           'instruction_profile': None}
    if args.profile:
        with open(os.path.join(args.profile, 'profile.json'),
                  encoding='utf-8') as f:
            doc['instruction_profile'] = json.load(f)
    if icount:
        doc['icount'] = {
            'kernel': icount['kernel'],
            'rounds': icount['runs']['init_on_alloc=1'].rounds,
            'repeat_max_relative_difference': icount['repeat']}
        doc['icount_footprint'] = icount['runs']['init_on_alloc=1'].footprint()
        doc['debug_heaps'] = icount['runs']['init_on_alloc=1'].debug_heaps()
    with open(args.json, 'w') as f:
        json.dump(doc, f, indent=1)

    print(f'kernel: {args.kernel}')
    print(f'cpu:    {args.cpu}')
    print(f'median of {rounds} rounds, ns per operation (alloc + free); '
          f'ratios are obmalloc / other')
    print()
    hdr = (f'{"scenario":9} {"order":6} {"size":>4} {"obmalloc":>9} '
           f'{"kmem_cache":>10} {"kmalloc":>8} {"obm/cache":>9} '
           f'{"obm/kmalloc":>11}')
    print(hdr)
    print('-' * len(hdr))

    def cell(row, a, width):
        s = row['ns_per_op'].get(a)
        return f'{s["median"]:{width}.1f}' if s else f'{"-":>{width}}'

    def rcell(v, width):
        return f'{v:{width}.2f}' if v is not None else f'{"-":>{width}}'

    for r in rows:
        size = '1..512' if r['scenario'] == 'mixed' else str(r['size'])
        print(f'{r["scenario"]:9} {r["order"] or "-":6} {size:>4} '
              f'{cell(r, "obmalloc", 9)} {cell(r, "kmem_cache", 10)} '
              f'{cell(r, "kmalloc", 8)} '
              f'{rcell(r["ratio_obmalloc_kmem_cache"], 9)} '
              f'{rcell(r["ratio_obmalloc_kmalloc"], 11)}')
    print()
    print('footprint, pages held for the live set')
    for fp in footprint:
        pages = ', '.join(f'{a} {fp["pages"][a]}' for a in ALLOCATORS
                          if a in fp['pages'])
        ratios = [f'obm/kmalloc {fp["ratio_obmalloc_kmalloc"]:.2f}']
        if fp['ratio_obmalloc_kmem_cache'] is not None:
            ratios.append(f'obm/cache {fp["ratio_obmalloc_kmem_cache"]:.2f}')
        print(f'  {fp["set"]:8} {pages}; {", ".join(ratios)}')
    heap_stats = uml.heap_stats
    if heap_stats:
        page = heap_stats.get('pool_size', 4096)
        parts = ('bytes_in_allocated_blocks', 'bytes_in_cached_blocks',
                 'bytes_in_available_blocks', 'bytes_in_unused_pools',
                 'bytes_lost_to_pool_headers', 'bytes_lost_to_quantization')
        print('  obmalloc pages for the uniform set: ' + ', '.join(
            f'{k.replace("bytes_", "").replace("_blocks", "")} '
            f'{heap_stats.get(k, 0) / page:.0f}' for k in parts))
    if icount:
        print_icount(rows, doc['icount'], icount['runs'])
    if percpu:
        print_percpu(percpu)
    if doc['traces']:
        print_traces(doc['traces'])
    if doc['debug_heaps']:
        print_debug_heaps(doc['debug_heaps'])
    print()
    print(f'JSON: {args.json}')
    return 0


def print_traces(traces):
    """The replays of recorded kmalloc traces: pages and time per op."""
    print()
    print('recorded kmalloc traces (tools/bench/traces), replayed under UML, '
          'medians of the rounds: pages held (obmalloc: its arenas; '
          'kmalloc: the rise in slab pages), pages under the live objects '
          '(distinct pools or slabs), peak and mean over the replay, and ns '
          'per operation (an allocation or a free)')
    hdr = (f'{"trace":7} {"ops":>6} | {"held peak obm/kmalloc":>21} '
           f'{"mean":>11} | {"under live peak":>15} {"ratio":>5} '
           f'{"mean":>11} {"ratio":>5} | {"ns obm/kmalloc":>14} {"ratio":>5}')
    print(hdr)
    print('-' * len(hdr))

    def r(v):
        return f'{v:.2f}' if v is not None else '-'

    for t in traces:
        o = t['allocators'].get('obmalloc')
        k = t['allocators'].get('kmalloc')
        if not o or not k:
            print(f'{t["trace"]:7} incomplete')
            continue
        held = f'{o["peak_pages"]:.0f}/{k["peak_pages"]:.0f}'
        mean = f'{o["mean_pages"]:.0f}/{k["mean_pages"]:.0f}'
        upeak = (f'{o["peak_pages_under_live"]:.0f}/'
                 f'{k["peak_pages_under_live"]:.0f}')
        umean = (f'{o["mean_pages_under_live"]:.1f}/'
                 f'{k["mean_pages_under_live"]:.1f}')
        ns = (f'{o["ns_per_op"]["median"]:.1f}/'
              f'{k["ns_per_op"]["median"]:.1f}')
        print(f'{t["trace"]:7} {t["ops"]:6} | {held:>21} {mean:>11} | '
              f'{upeak:>15} {r(t["ratio_peak_under_live"]):>5} '
              f'{umean:>11} {r(t["ratio_mean_under_live"]):>5} | '
              f'{ns:>14} {r(t["ratio_ns"]):>5}')


def print_debug_heaps(debug):
    """What debug heaps cost against the plain heap of the same boot."""
    print()
    print("debug heaps on Debian's 6.12 under icount (init_on_alloc=1): "
          "instructions per alloc+free, the debug heap / the plain heap of "
          "the same boot")
    flags = sorted(debug, key=len)
    hdr = f'{"scenario":9} {"size":>6} {"plain":>7} ' + ' '.join(
        f'{f:>7} {"ratio":>6}' for f in flags)
    print(hdr)
    print('-' * len(hdr))
    keys = [(r['scenario'], r['size']) for r in debug[flags[0]]['rows']]
    for scen, size in keys:
        cells = []
        plain = None
        for f in flags:
            row = next((r for r in debug[f]['rows']
                        if (r['scenario'], r['size']) == (scen, size)), None)
            if not row:
                cells.append(f'{"-":>7} {"-":>6}')
                continue
            plain = row['plain_median']
            med = row['instructions_per_op']['median']
            rat = row['ratio_debug_plain']
            cells.append(f'{med:7.0f} ' +
                         (f'{rat:6.2f}' if rat is not None else f'{"-":>6}'))
        label = '1..512' if scen == 'mixed' else str(size)
        plain_s = f'{plain:7.0f}' if plain is not None else f'{"-":>7}'
        print(f'{scen:9} {label:>6} {plain_s} ' + ' '.join(cells))
    for f in flags:
        d = debug[f]
        print(f'  {f}: uniform live set {d["footprint_pages"]} arena pages '
              f'(plain heap {d["plain_footprint_pages"]}), '
              f'{d["debug_record_bytes"]} bytes of block records, '
              f'{d["bytes_requested"]} bytes requested, '
              f'{d["bytes_lost_to_rounding"]} lost to rounding')


def print_icount(rows, info, runs):
    """Both instruments side by side, as ratios, then the icount figures."""
    print()
    print(f'second instrument: {info["kernel"]}; instructions per operation, '
          f'median of {info["rounds"]} rounds')
    print(f'the init_on_alloc=1 run, repeated, agreed within '
          f'{100 * info["repeat_max_relative_difference"]:.2f}% on every row')
    print()
    hdr = (f'{"scenario":9} {"order":6} {"size":>6} | {"obm/cache":>9} '
           f'{"obm/kmalloc":>11} | {"icount ioa=1":>12} {"ioa=0":>6} | '
           f'{"obm instr":>9} {"cache":>6} {"kmalloc":>7} (ioa=1)')
    print('ratios obmalloc / other: UML (ns) | Debian 6.12 under icount '
          '(instructions), init_on_alloc 1 and 0; pair and batch against '
          'kmem_cache, mixed against kmalloc')
    print(hdr)
    print('-' * len(hdr))

    def r(v):
        return f'{v:.2f}' if v is not None else '-'

    for row in rows:
        ic = row['icount'] or {}
        against = ('ratio_obmalloc_kmalloc' if row['scenario'] == 'mixed'
                   else 'ratio_obmalloc_kmem_cache')
        on, off = ic.get('init_on_alloc=1'), ic.get('init_on_alloc=0')
        instr = on['instructions_per_op'] if on else {}

        def med(a):
            return f'{instr[a]["median"]:.0f}' if a in instr else '-'

        size = '1..512' if row['scenario'] == 'mixed' else str(row['size'])
        print(f'{row["scenario"]:9} {row["order"] or "-":6} {size:>6} | '
              f'{r(row["ratio_obmalloc_kmem_cache"]):>9} '
              f'{r(row["ratio_obmalloc_kmalloc"]):>11} | '
              f'{r(on[against] if on else None):>12} '
              f'{r(off[against] if off else None):>6} | '
              f'{med("obmalloc"):>9} {med("kmem_cache"):>6} '
              f'{med("kmalloc"):>7}')
    fp = runs['init_on_alloc=1'].footprint()
    for s in fp:
        pages = ', '.join(f'{a} {s["pages"][a]}' for a in ALLOCATORS
                          if a in s['pages'])
        print(f'  icount footprint {s["set"]:8} {pages}; obm/kmalloc '
              f'{r(s["ratio_obmalloc_kmalloc"])}')


if __name__ == '__main__':
    sys.exit(main())
