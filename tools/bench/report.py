#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Turn the benchmark's logs into tables and a JSON file.

Usage: report.py LOG --json PATH --kernel TEXT --cpu TEXT [--icount DIR]
                 [--percpu DIR] [--profile DIR]

LOG is the User-Mode Linux run (tools/bench/uml/run's uml.log: ns, and
the trace replays; a log of the replays alone is taken too). DIR, from
tools/bench/icount/run, holds the runs on Debian's 6.12 under QEMU
-icount (instructions): icount-ioa1.log, icount-ioa1-again.log (the
same, to show the instrument repeats), icount-ioa0.log, and
icount.kernel. The --percpu DIR, from tools/bench/percpu/run, holds
percpu-<N>cpu-heap.log and -cache.log for N = 1, 2, 4: /proc/meminfo
around holding 256 heaps or 2048 kmem_caches; and percpu-1cpu-heap1.log,
-heap10.log, -buckets10.log: 128 heaps or kmem_buckets sets with one
live block of one or ten sizes (the many_heaps table; a kind whose log
is missing or incomplete is left out, said on stderr). The --profile
DIR, from tools/bench/profile/run, holds profile.json (one alloc+free
single-stepped) and profile-ops.json (single operations off the fast
path: refill, flush, first allocation; left out if absent).

Targets (issue 14) are printed beside the figures they judge and kept in
the JSON: footprint obmalloc/kmalloc <= 0.84 (uniform) and <= 0.55
(264), on both instruments; many small heaps obmalloc/kmem_buckets <=
0.8; a new heap holding one block <= 2 pages beyond the arena set; each
trace's peak pages obmalloc/kmem_buckets <= 1.0.

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
    pages      {allocator: pages held} (obmalloc: its heap's pages_held,
               the pools it holds and the empty ones it keeps; the
               others: the rise in slab pages)
    obmalloc_stats  for "uniform": obmalloc's heap stats file at that
               point, {name: value} (README.md, Statistics); else null
    ratio_obmalloc_kmalloc, ratio_obmalloc_kmem_cache (null if absent)
    target_ratio_obmalloc_kmalloc  the target (0.84 uniform, 0.55 264;
               null for another set), target_met  true | false | null
               (added in /2 without a bump)
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
             in /proc/meminfo's Percpu and Slab, arenas the rise in the
             pages obmalloc's shared arena sets hold (the debugfs sets
             file's arena_pages over the nodes, free pools included),
             total their sum; each less what loading obm_cost.ko costs
             with nothing held (hold=none)
    none_drift_bytes  how far the two hold=none measurements of a boot
             differ in total, worst boot (the noise floor, for all 256)
  many_heaps  null, or many small heaps against kmem_buckets (added in /2
           without a bump), from tools/bench/percpu/run's 1-CPU boots:
    cpus     1
    kinds    {"heap1" | "heap10" | "buckets10": null (no complete log), or
             {"count": heaps or sets held, "bytes": {"total" | "percpu" |
             "slab" | "arenas": bytes per heap or set once each holds its
             live blocks (heap1: one of 64 bytes; heap10, buckets10: one
             of each of 8, 16, 32, 64, 96, 128, 192, 256, 384, 512)},
             "bytes_empty": the same while they are held empty,
             "none_drift_bytes": this boot's noise floor (as above, for
             all of them), "sets_arena_pages": the pages obmalloc's arena
             sets held in all then (read by obm_cost.ko), "heap_stats":
             null, or per heap, from its stats: {"pages_held",
             "bytes_in_heap_descriptor", "bytes_in_magazines"}}}; parts as
             in percpu
    ratio_heap10_buckets10  total over total, or null
    target_ratio  0.8; target_met  true | false | null
    heap1    null, or a new heap holding one block: {"arena_pages": the
             rise in the sets' pages per heap, "target_pages": 2,
             "target_met", "slab_bytes", "percpu_bytes" (per heap, as
             measured), "descriptor_bytes", "magazine_bytes",
             "pages_held" (per heap, from its stats)}
    noise_bytes  the worst none_drift_bytes of these boots divided by the
             count: the noise per heap or set
  instruction_profile  null, or one alloc+free single-stepped on Debian's
           6.12 (tools/bench/profile/run; added in /2 without a bump): a
           list of {"init_on_alloc": 1 | 0, "allocator": "obmalloc" |
           "kmem_cache" | "kmalloc", "size", "instructions", "parts":
           {part of obmalloc's fast path: instructions} ({} for the
           others), "functions": {function: instructions}}
  instruction_profile_ops  null, or single operations single-stepped in
           the same boots (added in /2 without a bump): a list of
           {"init_on_alloc": 1 | 0, "operation": "alloc" | "free" (steady
           state: a magazine pop or push) | "refill" (an allocation that
           finds its magazine empty; kmem_cache: its CPU slab used up) |
           "flush" (a free that finds it full; kmem_cache: a free into a
           full slab not the CPU's) | "first" (the first allocation of a
           new heap or kmem_cache), "allocator": "obmalloc" |
           "kmem_cache", "size": 64 | 256, "instructions", "parts":
           {"lock" | "lookup" | "magazine" | "class" | "pool" | "arena" |
           "kmalloc" | "zeroing" | "other": instructions} (obmalloc only,
           else {}; tools/bench/profile/instr_profile.py's OP_PARTS says
           what each holds), "functions": {function: instructions}}
  debug_heaps  null, or what debug heaps cost (added in /2 without a bump),
           from the init_on_alloc=1 icount boot, which loads the benchmark
           again with its heap made a debug heap:
    {"F" | "FZPU": {"rows": [{"scenario": "pair" | "mixed", "size",
             "instructions_per_op": {"median", "min", "max"},
             "plain_median": the plain heap's median in the same boot,
             "ratio_debug_plain"}], "footprint_pages": pages held
             (pages_held) for the uniform live set, "plain_footprint_pages",
             "debug_record_bytes": bytes_in_debug_records then,
             "bytes_requested", "bytes_lost_to_rounding"}}
  traces   null, or the replays of the recorded allocation traces
           (tools/bench/traces, added in /2 without a bump), under UML:
           [{"trace": name, "ops": records replayed per round,
             "allocators": {"obmalloc" | "kmem_buckets" | "kmalloc":
             {"ns_per_op": {"median", "min", "max"}, "peak_pages",
             "mean_pages", "peak_pages_under_live",
             "mean_pages_under_live"}} (pages held: obmalloc's private
             heap's pages_held; kmem_buckets' (a fresh set each round) and
             kmalloc's rise in slab pages; under live: the pages of the
             distinct pools or slabs the live objects lie in; medians over
             rounds; kmem_buckets absent where the kernel has none),
             "ratio_peak", "ratio_mean", "ratio_peak_under_live",
             "ratio_mean_under_live", "ratio_ns" (obmalloc / kmalloc;
             null where kmalloc's is 0), "ratio_peak_kmem_buckets",
             "ratio_mean_kmem_buckets", "ratio_peak_under_live_kmem_buckets",
             "ratio_mean_under_live_kmem_buckets", "ratio_ns_kmem_buckets"
             (obmalloc / kmem_buckets, null where absent or 0),
             "target_ratio_peak_kmem_buckets" 1.0, "target_met" true |
             false | null}]
Exits 1 if LOG has no "obm-bench: done" line (unless it holds trace
replays only), or an icount or --percpu heap/cache log is incomplete.
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
SETS = re.compile(r'obm-cost: sets (\S+) arena_pages (\d+)')
HEAP_STATS = re.compile(r'obm-cost: heap stats (\S+) heaps (\d+) '
                        r'((?:\S+ \d+ ?)+)')
COST_KINDS = ('heap', 'heap_live', 'cache', 'cache_live')
COST_CPUS = (1, 2, 4)
COST_EXTRAPOLATE = (64, 256)
MANY_HEAPS_KINDS = ('heap1', 'heap10', 'buckets10')
ALLOCATORS = ('obmalloc', 'kmem_cache', 'kmalloc')
REPLAY_ALLOCATORS = ('obmalloc', 'kmem_buckets', 'kmalloc')
PAGE_SIZE = 4096
# Issue 14's targets.
FOOTPRINT_TARGETS = {'uniform': 0.84, '264': 0.55}
MANY_HEAPS_TARGET = 0.8
HEAP1_TARGET_PAGES = 2
TRACE_TARGET = 1.0
# A trace's ratios, obmalloc / another: JSON key and the figure compared.
TRACE_RATIOS = (
    ('ratio_peak', lambda a: a['peak_pages']),
    ('ratio_mean', lambda a: a['mean_pages']),
    ('ratio_peak_under_live', lambda a: a['peak_pages_under_live']),
    ('ratio_mean_under_live', lambda a: a['mean_pages_under_live']),
    ('ratio_ns', lambda a: a['ns_per_op']['median']))


def summary(values):
    return {'median': round(statistics.median(values), 2),
            'min': round(min(values), 2), 'max': round(max(values), 2)}


def ratio(a, b):
    return round(a / b, 3) if a is not None and b else None


def at_most(value, target):
    """Whether a figure meets its target (at most it), or None."""
    return None if value is None else value <= target


def target_note(value, target):
    """"(target <= 0.84: met)", "NOT met", or "?" if the figure is missing."""
    met = at_most(value, target)
    word = '?' if met is None else 'met' if met else 'NOT met'
    return f'(target <= {target:g}: {word})'


def verdict(value, target):
    """"0.81 (target <= 0.84: met)"; "-" for a missing figure."""
    shown = '-' if value is None else f'{value:.2f}'
    return f'{shown} {target_note(value, target)}'


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
            o = allocs.get('obmalloc')
            entry = {'trace': name, 'ops': ops, 'allocators': allocs}
            for other, suffix in (('kmalloc', ''),
                                  ('kmem_buckets', '_kmem_buckets')):
                k = allocs.get(other)
                for key, field in TRACE_RATIOS:
                    entry[key + suffix] = (
                        ratio(field(o), field(k)) if o and k else None)
            entry['target_ratio_peak_kmem_buckets'] = TRACE_TARGET
            entry['target_met'] = at_most(entry['ratio_peak_kmem_buckets'],
                                          TRACE_TARGET)
            out.append(entry)
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
            to_kmalloc = ratio(pages.get('obmalloc'), pages.get('kmalloc'))
            target = FOOTPRINT_TARGETS.get(name)
            sets.append({
                'set': name, 'pages': pages,
                'obmalloc_stats': (self.heap_stats if name == 'uniform'
                                   else None),
                'ratio_obmalloc_kmalloc': to_kmalloc,
                'ratio_obmalloc_kmem_cache': ratio(pages.get('obmalloc'),
                                                   pages.get('kmem_cache')),
                'target_ratio_obmalloc_kmalloc': target,
                'target_met': (at_most(to_kmalloc, target)
                               if target is not None else None),
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


def cost_boot(path, kind):
    """One boot of tools/bench/percpu/run holding KIND: per kind measured
    (KIND empty, KIND_live with its blocks), the bytes per heap, cache or
    set of each part, less what loading obm_cost.ko costs with nothing
    held; the count, the noise (how far the boot's two hold=none loads
    differed, in total), the heaps' stats summed and the pages of the
    arena sets then. None, said on stderr, if a measurement is missing."""
    deltas = collections.defaultdict(list)
    seen, counts, heap_stats, sets_pages = {}, {}, None, None
    with open(path, errors='replace') as f:
        for line in f:
            m = HOLDING.search(line)
            if m:
                counts[m.group(2)] = int(m.group(1))
            m = SETS.search(line)
            if m and m.group(1) == kind:
                sets_pages = int(m.group(2))
            m = HEAP_STATS.search(line)
            if m and m.group(1) == kind:
                words = m.group(3).split()
                heap_stats = {'heaps': int(m.group(2))}
                heap_stats.update((words[i], int(words[i + 1]))
                                  for i in range(0, len(words) - 1, 2))
            m = COST.search(line)
            if not m:
                continue
            when, measured = m.group(1), m.group(2)
            arenas, pcpu, slab = (int(v) * 1024 for v in m.group(3, 4, 5))
            # "held heap_live" is measured in the load of "heap".
            base = measured.removesuffix('_live')
            if when == 'before':
                seen[base] = (pcpu, slab, arenas)
            elif base in seen:
                b = seen[base]
                d = (pcpu - b[0], slab - b[1], arenas - b[2])
                deltas[measured].append((sum(d),) + d)
    kinds_here = (kind, kind + '_live')
    if len(deltas['none']) != 2 or any(len(deltas[k]) != 1
                                       for k in kinds_here):
        print(f'bench: {path} lacks some measurements', file=sys.stderr)
        return None
    n = counts.get(kind, 0)
    if not n:
        print(f'bench: {path}: how many {kind} were held?', file=sys.stderr)
        return None
    none = [sum(d[i] for d in deltas['none']) / 2
            for i in range(len(COST_PARTS))]
    return {'count': n,
            'bytes': {k: {part: round((deltas[k][0][i] - none[i]) / n)
                          for i, part in enumerate(COST_PARTS)}
                      for k in kinds_here},
            'none_drift_bytes': abs(deltas['none'][0][0] -
                                    deltas['none'][1][0]),
            'heap_stats': heap_stats, 'sets_arena_pages': sets_pages}


def load_percpu(directory):
    """The cost table from tools/bench/percpu/run's boots, or None."""
    table = {k: {f: [] for f in COST_PARTS} for k in COST_KINDS}
    held_counts = {}
    drift = 0
    for cpus, boot in ((c, b) for c in COST_CPUS for b in ('heap', 'cache')):
        got = cost_boot(os.path.join(directory,
                                     f'percpu-{cpus}cpu-{boot}.log'), boot)
        if not got:
            return None
        drift = max(drift, got['none_drift_bytes'])
        for kind, parts in got['bytes'].items():
            held_counts[kind] = got['count']
            for part in COST_PARTS:
                table[kind][part].append(parts[part])
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


def load_many_heaps(directory):
    """Many small heaps against kmem_buckets, and a new heap holding one
    block, from tools/bench/percpu/run's 1-CPU boots; None if it made none
    of them. A kind whose log is missing or incomplete is null."""
    kinds = {}
    for kind in MANY_HEAPS_KINDS:
        path = os.path.join(directory, f'percpu-1cpu-{kind}.log')
        if not os.path.exists(path):
            print(f'bench: no {path}: {kind} left out', file=sys.stderr)
            kinds[kind] = None
            continue
        got = cost_boot(path, kind)
        if not got:
            kinds[kind] = None
            continue
        stats = got['heap_stats']
        kinds[kind] = {
            'count': got['count'], 'bytes': got['bytes'][kind + '_live'],
            'bytes_empty': got['bytes'][kind],
            'none_drift_bytes': got['none_drift_bytes'],
            'sets_arena_pages': got['sets_arena_pages'],
            'heap_stats': {k: round(stats[k] / stats['heaps'], 1)
                           for k in ('pages_held', 'bytes_in_heap_descriptor',
                                     'bytes_in_magazines') if k in stats}
            if stats and stats['heaps'] else None}
    if not any(kinds.values()):
        return None
    heap10, buckets10 = kinds['heap10'], kinds['buckets10']
    to_buckets = (ratio(heap10['bytes']['total'], buckets10['bytes']['total'])
                  if heap10 and buckets10 else None)
    heap1 = None
    if kinds['heap1']:
        k = kinds['heap1']
        pages = round(k['bytes']['arenas'] / PAGE_SIZE, 2)
        stats = k['heap_stats'] or {}
        heap1 = {'arena_pages': pages, 'target_pages': HEAP1_TARGET_PAGES,
                 'target_met': at_most(pages, HEAP1_TARGET_PAGES),
                 'slab_bytes': k['bytes']['slab'],
                 'percpu_bytes': k['bytes']['percpu'],
                 'descriptor_bytes': stats.get('bytes_in_heap_descriptor'),
                 'magazine_bytes': stats.get('bytes_in_magazines'),
                 'pages_held': stats.get('pages_held')}
    done = [k for k in kinds.values() if k]
    return {'cpus': 1, 'kinds': kinds,
            'ratio_heap10_buckets10': to_buckets,
            'target_ratio': MANY_HEAPS_TARGET,
            'target_met': at_most(to_buckets, MANY_HEAPS_TARGET),
            'heap1': heap1,
            'noise_bytes': max(round(k['none_drift_bytes'] / k['count'])
                               for k in done)}


def print_many_heaps(many):
    """Per heap or set: heap10 against buckets10, and heap1."""
    kinds = many['kinds']
    count = next(k['count'] for k in kinds.values() if k)
    print()
    print(f"many small heaps, on Debian's 6.12 at 1 CPU: {count} obmalloc "
          f"heaps or kmem_buckets sets, each holding one live block of "
          f"each of 10 sizes (8 to 512 bytes); bytes per heap or set, all "
          f"of it: the rise in /proc/meminfo's Slab and Percpu and in the "
          f"pages of obmalloc's arena sets, less loading obm_cost.ko "
          f"holding nothing; one kind per boot")
    hdr = (f'{"held":10} {"count":>5} {"slab":>8} {"percpu":>8} '
           f'{"pages":>8} {"total":>8} | {"empty":>8}')
    print(hdr)
    print('-' * len(hdr))
    for kind in ('heap10', 'buckets10', 'heap1'):
        k = kinds.get(kind)
        if not k:
            print(f'{kind:10} no complete log')
            continue
        b = k['bytes']
        print(f'{kind:10} {k["count"]:5} {b["slab"]:8} {b["percpu"]:8} '
              f'{b["arenas"]:8} {b["total"]:8} | '
              f'{k["bytes_empty"]["total"]:8}')
    print('obmalloc / kmem_buckets (heap10 / buckets10, total): ' +
          verdict(many['ratio_heap10_buckets10'], many['target_ratio']))
    drift = max(k['none_drift_bytes'] for k in kinds.values() if k)
    print(f'noise: loading obm_cost.ko holding nothing, twice per boot, '
          f'differed by up to {drift} bytes in all: '
          f'{many["noise_bytes"]} bytes per heap or set')
    h = many['heap1']
    if h:
        def b(v):
            return '?' if v is None else f'{v:.0f}'
        print(f'a new heap holding one block (heap1, one 64-byte block '
              f'each): {h["arena_pages"]:.2f} pages beyond the set '
              f'{target_note(h["arena_pages"], h["target_pages"])}, plus '
              f'{b(h["descriptor_bytes"])} bytes descriptor, '
              f'{b(h["magazine_bytes"])} bytes magazines (from its stats, '
              f'where pages_held is {h["pages_held"]}); measured per heap: '
              f'slab {h["slab_bytes"]}, percpu {h["percpu_bytes"]} bytes')


def print_percpu(cost):
    """Bytes per heap or cache at 1, 2, 4 CPUs, and at 64 and 256."""
    print()
    print("memory per heap or kmem_cache, bytes, on Debian's 6.12: percpu "
          "and slab, the rise in /proc/meminfo's Percpu and Slab; arenas, "
          "in the pages of obmalloc's arena sets (free pools included); "
          "64 and 256 CPUs: the per-CPU part fitted, the rest as at 4 "
          "CPUs")
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
    # A log of the replays alone (tools/bench/uml/run DIR traces) is whole.
    if not uml.done and (uml.ns or uml.foot or not uml.replay):
        print(f'bench: the benchmark did not finish; see {args.log}',
              file=sys.stderr)
        return 1
    icount = load_icount(args.icount) if args.icount else None
    if args.icount and not icount:
        return 1
    percpu = load_percpu(args.percpu) if args.percpu else None
    if args.percpu and not percpu:
        return 1
    many_heaps = load_many_heaps(args.percpu) if args.percpu else None

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
           'percpu': percpu, 'many_heaps': many_heaps, 'debug_heaps': None,
           'traces': uml.traces(), 'instruction_profile': None,
           'instruction_profile_ops': None}
    if args.profile:
        with open(os.path.join(args.profile, 'profile.json'),
                  encoding='utf-8') as f:
            doc['instruction_profile'] = json.load(f)
        ops = os.path.join(args.profile, 'profile-ops.json')
        if os.path.exists(ops):
            with open(ops, encoding='utf-8') as f:
                doc['instruction_profile_ops'] = json.load(f)
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
    if rows or footprint:
        print_uml(rows, rounds, footprint, uml.heap_stats)
    if icount:
        print_icount(rows, doc['icount'], icount['runs'])
    if percpu:
        print_percpu(percpu)
    if many_heaps:
        print_many_heaps(many_heaps)
    if doc['traces']:
        print_traces(doc['traces'])
    if doc['debug_heaps']:
        print_debug_heaps(doc['debug_heaps'])
    print()
    print(f'JSON: {args.json}')
    return 0


def print_uml(rows, rounds, footprint, heap_stats):
    """The UML timings, and the footprint sets with their targets."""
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
    print('footprint, pages held for the live set (obmalloc: its heap\'s '
          'pages_held; the others: the rise in slab pages)')
    for fp in footprint:
        print_footprint(fp, '  ')
    if heap_stats:
        page = heap_stats.get('pool_size', 4096)
        parts = ('bytes_in_allocated_blocks', 'bytes_in_cached_blocks',
                 'bytes_in_available_blocks', 'bytes_in_unused_pools',
                 'bytes_lost_to_quantization')
        split = ', '.join(f'{k.replace("bytes_", "").replace("_blocks", "")} '
                          f'{heap_stats.get(k, 0) / page:.0f}' for k in parts)
        print(f'  obmalloc\'s {heap_stats.get("pages_held", "?")} pages '
              f'(pages_held) for the uniform set: {split}')


def print_footprint(fp, prefix):
    """One footprint set: pages, ratios, and the target if it has one."""
    pages = ', '.join(f'{a} {fp["pages"][a]}' for a in ALLOCATORS
                      if a in fp['pages'])
    to_kmalloc = fp['ratio_obmalloc_kmalloc']
    target = fp['target_ratio_obmalloc_kmalloc']
    ratios = ['obm/kmalloc ' + (verdict(to_kmalloc, target)
                                if target is not None else
                                '-' if to_kmalloc is None else
                                f'{to_kmalloc:.2f}')]
    if fp['ratio_obmalloc_kmem_cache'] is not None:
        ratios.append(f'obm/cache {fp["ratio_obmalloc_kmem_cache"]:.2f}')
    print(f'{prefix}{fp["set"]:8} {pages}; {", ".join(ratios)}')


def print_traces(traces):
    """The replays of recorded kmalloc traces: pages and time per op."""
    print()
    print('recorded kmalloc traces (tools/bench/traces), replayed under UML, '
          'medians of the rounds, each figure as obmalloc/kmem_buckets/'
          'kmalloc: pages held (obmalloc: its private heap\'s pages_held; '
          'kmem_buckets, a fresh set each round, and kmalloc: the rise in '
          'slab pages), pages under the live objects (distinct pools or '
          'slabs), peak and mean over the replay, and ns per operation (an '
          'allocation or a free); ratios obmalloc / kmem_buckets (bkt) and '
          'obmalloc / kmalloc (km)')
    hdr = (f'{"trace":7} {"ops":>6} | {"held peak":>14} {"/bkt":>5} '
           f'{"/km":>5} {"mean":>14} | {"live peak":>12} {"/bkt":>5} '
           f'{"mean":>16} | {"ns":>17} {"/bkt":>5}')
    print(hdr)
    print('-' * len(hdr))

    def r(v):
        return f'{v:.2f}' if v is not None else '-'

    def triple(t, field, fmt):
        def one(a):
            d = t['allocators'].get(a)
            if d is None:
                return '-'
            v = d[field]['median'] if field == 'ns_per_op' else d[field]
            return f'{v:{fmt}}'
        return '/'.join(one(a) for a in REPLAY_ALLOCATORS)

    verdicts = []
    for t in traces:
        if 'obmalloc' not in t['allocators']:
            print(f'{t["trace"]:7} incomplete')
            continue
        print(f'{t["trace"]:7} {t["ops"]:6} | '
              f'{triple(t, "peak_pages", ".0f"):>14} '
              f'{r(t["ratio_peak_kmem_buckets"]):>5} '
              f'{r(t["ratio_peak"]):>5} '
              f'{triple(t, "mean_pages", ".0f"):>14} | '
              f'{triple(t, "peak_pages_under_live", ".0f"):>12} '
              f'{r(t["ratio_peak_under_live_kmem_buckets"]):>5} '
              f'{triple(t, "mean_pages_under_live", ".1f"):>16} | '
              f'{triple(t, "ns_per_op", ".1f"):>17} '
              f'{r(t["ratio_ns_kmem_buckets"]):>5}')
        met = t['target_met']
        word = '?' if met is None else 'met' if met else 'NOT met'
        verdicts.append(f'{t["trace"]} {word}')
    print(f'target: peak pages held, obmalloc / kmem_buckets <= '
          f'{TRACE_TARGET:g} on every trace: {", ".join(verdicts)}')


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
        print(f'  {f}: uniform live set {d["footprint_pages"]} pages held '
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
    for fp in runs['init_on_alloc=1'].footprint():
        print_footprint(fp, '  icount footprint ')


if __name__ == '__main__':
    sys.exit(main())
