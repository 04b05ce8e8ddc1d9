#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Turn obm_bench.ko's log into a table and a JSON file.

Usage: report.py LOG --json PATH --kernel TEXT --cpu TEXT

JSON schema ("obmalloc-bench/1"):
  schema   "obmalloc-bench/1"
  kernel   the kernel the benchmark ran on
  cpu      the CPU it ran on
  rounds   rounds per measurement
  rows     one per (scenario, order, size):
    scenario   "pair" | "batch" | "mixed"
    order      "lifo" | "random" for batch, null otherwise
    size       object size in bytes (mixed: the largest, sizes 1..512)
    ops        operations per round (an operation: one alloc plus its free)
    ns_per_op  {allocator: {"median", "min", "max"}} over rounds
    cycles_per_op  the same in TSC cycles (0 where there is no TSC)
    ratio_obmalloc_kmem_cache, ratio_obmalloc_kmalloc
               median over median; null where the allocator did not run
  footprint  one per live set:
    set        "uniform" (live objects of 1..512 bytes, after the mixed
               replacements) | "264" (live objects of 264 bytes)
    pages      {allocator: pages held}
    obmalloc_stats  for "uniform": obmalloc's heap stats file at that
               point, {name: value} (README.md, Statistics); else null
    ratio_obmalloc_kmalloc, ratio_obmalloc_kmem_cache (null if absent)
Exits 1 if the log has no "obm-bench: done" line.
"""

import argparse
import collections
import json
import re
import statistics
import sys

RESULT = re.compile(r'obm-bench: result (\S+) (\S+) (\d+) (\S+) (\d+) (\d+) '
                    r'(\d+) (\d+)')
FOOTPRINT = re.compile(r'obm-bench: footprint (\S+) (\S+) (-?\d+)')
STATS = re.compile(r'obm-bench: stats (\S+) (\d+)')
ALLOCATORS = ('obmalloc', 'kmem_cache', 'kmalloc')


def summary(values):
    return {'median': round(statistics.median(values), 2),
            'min': round(min(values), 2), 'max': round(max(values), 2)}


def ratio(a, b):
    return round(a / b, 3) if a is not None and b else None


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('log')
    ap.add_argument('--json', required=True)
    ap.add_argument('--kernel', required=True)
    ap.add_argument('--cpu', required=True)
    args = ap.parse_args()

    ns = collections.defaultdict(lambda: collections.defaultdict(list))
    cyc = collections.defaultdict(lambda: collections.defaultdict(list))
    ops = {}
    foot = collections.defaultdict(dict)
    heap_stats = {}
    done = False
    with open(args.log, errors='replace') as f:
        for line in f:
            m = RESULT.search(line)
            if m:
                scen, order, size, alloc, _, n, t, c = m.groups()
                key = (scen, None if order == '-' else order, int(size))
                ns[key][alloc].append(int(t) / int(n))
                cyc[key][alloc].append(int(c) / int(n))
                ops[key] = int(n)
                continue
            m = FOOTPRINT.search(line)
            if m:
                foot[m.group(1)][m.group(2)] = int(m.group(3))
                continue
            m = STATS.search(line)
            if m:
                heap_stats[m.group(1)] = int(m.group(2))
                continue
            if 'obm-bench: done' in line:
                done = True
    if not done:
        print(f'bench: the benchmark did not finish; see {args.log}',
              file=sys.stderr)
        return 1

    order_key = {'pair': 0, 'batch': 1, 'mixed': 2}
    rows = []
    for key in sorted(ns, key=lambda k: (order_key[k[0]], k[1] or '', k[2])):
        scen, order, size = key
        per = {a: summary(v) for a, v in ns[key].items()}
        med = {a: s['median'] for a, s in per.items()}
        rows.append({
            'scenario': scen, 'order': order, 'size': size, 'ops': ops[key],
            'ns_per_op': per,
            'cycles_per_op': {a: summary(v) for a, v in cyc[key].items()},
            'ratio_obmalloc_kmem_cache': ratio(med.get('obmalloc'),
                                               med.get('kmem_cache')),
            'ratio_obmalloc_kmalloc': ratio(med.get('obmalloc'),
                                            med.get('kmalloc')),
        })
    footprint = []
    for name, pages in foot.items():
        footprint.append({
            'set': name, 'pages': pages,
            'obmalloc_stats': heap_stats if name == 'uniform' else None,
            'ratio_obmalloc_kmalloc': ratio(pages.get('obmalloc'),
                                            pages.get('kmalloc')),
            'ratio_obmalloc_kmem_cache': ratio(pages.get('obmalloc'),
                                               pages.get('kmem_cache')),
        })
    rounds = max((len(v) for r in ns.values() for v in r.values()), default=0)
    doc = {'schema': 'obmalloc-bench/1', 'kernel': args.kernel,
           'cpu': args.cpu, 'rounds': rounds, 'rows': rows,
           'footprint': footprint}
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
    if heap_stats:
        page = heap_stats.get('pool_size', 4096)
        parts = ('bytes_in_allocated_blocks', 'bytes_in_cached_blocks',
                 'bytes_in_available_blocks', 'bytes_in_unused_pools',
                 'bytes_lost_to_pool_headers', 'bytes_lost_to_quantization')
        print('  obmalloc pages for the uniform set: ' + ', '.join(
            f'{k.replace("bytes_", "").replace("_blocks", "")} '
            f'{heap_stats.get(k, 0) / page:.0f}' for k in parts))
    print()
    print(f'JSON: {args.json}')
    return 0


if __name__ == '__main__':
    sys.exit(main())
