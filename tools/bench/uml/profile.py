#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""The table tools/bench/uml/profile prints: where the UML kernel's time
went while obm_bench.ko ran one timed scenario (only=...), alone in its
boot or after what make bench runs before it (prelude=1), whose first
rounds are then make bench's. Only the samples between
the host's times of "obm-bench: only begins" and "only ends"
(uml.marks) count.

perf names the UML kernel's own symbols; obmalloc.ko's code lies in
memory perf knows nothing of, so its samples are named here from the
sections' addresses the boot printed ("obm-uml: section NAME ADDR") and
the module's symbol table (readelf). What is in neither (obm_bench.ko's
loops, among others) is counted as "[unknown] (?)"; "host kernel" is
the host's own code, run for the UML process. The allocators take
turns in each round, so the table mixes the three; a symbol's file
tells whose it is.

    profile.py DIR [--top N]

DIR holds uml.log, uml.marks, perf.data and obmalloc.ko.
"""

import argparse
import bisect
import collections
import os
import re
import statistics
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                '..'))
from report import ALLOCATORS, RESULT, Run, ratio  # noqa: E402

ONLY_RESULT = re.compile(RESULT.pattern.replace('obm-bench: result',
                                                'obm-bench: only result'))
MARK = re.compile(r'^(\d+\.\d+) .*obm-bench: only (begins|ends)')

SECTION = re.compile(r'obm-uml: section (\S+) (0x[0-9a-f]+)')
# readelf -SW: "[ 2] .text  PROGBITS  0000000000000000 000040 00a1b2 ..."
ELF_SECTION = re.compile(r'\[\s*(\d+)\]\s+(\S+)\s')
# readelf -sW: "12: 0000000000000120  345 FUNC  LOCAL  DEFAULT  2 obm_free"
ELF_SYMBOL = re.compile(r'\d+:\s+([0-9a-f]+)\s+(\d+)\s+FUNC\s+\S+\s+\S+\s+'
                        r'(\d+)\s+(\S+)')
# perf script -F time,ip,sym,dso:
# "1764532345.123456:   60123abc kmem_cache_free (/path/linux)"
SAMPLE = re.compile(r'\s*(\d+\.\d+):\s+([0-9a-f]+)\s+(.*?)\s+\((.*)\)\s*$')


def module_code(ko, log):
    """[(start, end, symbol)] of obmalloc.ko's functions where they ran."""
    bases = {}
    with open(log, errors='replace') as f:
        for line in f:
            m = SECTION.search(line)
            if m:
                bases[m.group(1)] = int(m.group(2), 16)
    if not bases:
        sys.exit(f'profile: {log} names no section of obmalloc')
    # The section headers, then the symbol table: neither pattern matches
    # the other's lines.
    out = subprocess.run(['readelf', '-SsW', ko], check=True,
                         capture_output=True, text=True).stdout
    names = {m.group(1): m.group(2) for m in ELF_SECTION.finditer(out)}
    code = []
    for m in ELF_SYMBOL.finditer(out):
        value, size, ndx, name = m.groups()
        base = bases.get(names.get(ndx))
        if base is not None and int(size):
            start = base + int(value, 16)
            code.append((start, start + int(size), name))
    return sorted(code)


def window(directory):
    """The host's times (s) of the scenario's first and last line."""
    marks = {}
    with open(os.path.join(directory, 'uml.marks')) as f:
        for line in f:
            m = MARK.match(line)
            if m:
                marks[m.group(2)] = float(m.group(1))
    if len(marks) != 2:
        sys.exit(f'profile: {directory}/uml.marks lacks a begin or an end')
    return marks['begins'], marks['ends']


def count(directory, code, begin, end):
    """Samples per (symbol, file) from begin to end, and their total."""
    starts = [c[0] for c in code]
    samples = collections.Counter()
    script = subprocess.run(
        ['perf', 'script', '-i', os.path.join(directory, 'perf.data'),
         '-F', 'time,ip,sym,dso'], check=True, capture_output=True,
        text=True).stdout
    for line in script.splitlines():
        m = SAMPLE.match(line)
        if not m or not begin <= float(m.group(1)) <= end:
            continue
        ip, sym, dso = int(m.group(2), 16), m.group(3), m.group(4)
        if sym == '[unknown]':
            i = bisect.bisect_right(starts, ip) - 1
            if i >= 0 and ip < code[i][1]:
                sym, dso = code[i][2], 'obmalloc.ko'
            else:
                dso = '?'
        if dso == '[kernel.kallsyms]':
            dso = 'host kernel'
        samples[(sym, os.path.basename(dso))] += 1
    return samples, sum(samples.values())


def results(log):
    """The scenario, and allocator -> its ns per operation, by round."""
    ns = collections.defaultdict(list)
    key = None
    with open(log, errors='replace') as f:
        for line in f:
            m = ONLY_RESULT.search(line)
            if m:
                scen, order, size, alloc, _, n, t, _ = m.groups()
                key = f'{scen} {order} {size}'
                ns[alloc].append(int(t) / int(n))
    if not ns:
        sys.exit(f'profile: {log} has no "only" result')
    return key, ns


def figures(what, med):
    shown = ', '.join(f'{a} {med[a]:.1f}' for a in ALLOCATORS if a in med)
    return (f'{what}: ns per operation {shown}; obmalloc / kmem_cache '
            f'{ratio(med.get("obmalloc"), med.get("kmem_cache"))}')


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('dir')
    ap.add_argument('--top', type=int, default=30)
    args = ap.parse_args()
    log = os.path.join(args.dir, 'uml.log')
    key, ns = results(log)
    print(figures(f'{key} (median of {len(ns["obmalloc"])} rounds)',
                  {a: statistics.median(v) for a, v in ns.items()}))
    # After a prelude, the scenario's first rounds were make bench's.
    prelude = Run(log).ns
    if prelude:
        rounds = max(len(v) for per in prelude.values() for v in per.values())
        print(figures(f'its first {rounds} rounds, as in make bench',
                      {a: statistics.median(v[:rounds])
                       for a, v in ns.items()}))
    samples, total = count(args.dir, module_code(
        os.path.join(args.dir, 'obmalloc.ko'), log), *window(args.dir))
    if not total:
        sys.exit('profile: perf recorded no sample')
    files = collections.Counter()
    for (_, dso), n in samples.items():
        files[dso] += n
    print(f'\n{total} samples (cpu-clock, 4 kHz); by file: ' +
          ', '.join(f'{dso} {100 * n / total:.1f}%'
                    for dso, n in files.most_common()))
    print(f'\n{"share":>6} {"samples":>8}  symbol (file)')
    for (sym, dso), n in samples.most_common(args.top):
        print(f'{100 * n / total:5.1f}% {n:8d}  {sym} ({dso})')


if __name__ == '__main__':
    main()
