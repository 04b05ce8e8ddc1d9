#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Turn the console log of tools/bench/traces/record into trace files.

Usage: compact.py LOG OUTDIR --kernel VERSION --date YYYY-MM-DD [WORKLOAD...]

For each workload in LOG, keeps the kmalloc() requests of 1..512 bytes
and the kfree() of those, in their order, names each object by a small
id (reused once the object is freed), and writes OUTDIR/<workload>.trace.xz:
'#' comment lines, then 'a <id> <bytes>' and 'f <id>' lines. A pointer
allocated again without a recorded free (freed by a path the kfree event
does not see, e.g. kmem_cache_free()) is freed first; objects still live
at the end stay live. Exits 1 if a workload lost events or is missing.
"""

import argparse
import lzma
import os
import re
import sys

WORKLOADS = {
    'tar': 'unpack a tar of part of the kernel source (mm, lib/math, '
           'lib/crypto, fs/ext4, fs/proc) into tmpfs, then delete it',
    'http': '300 wget downloads of a 64 KiB file from busybox httpd over '
            'loopback',
    'procfs': 'find over /proc/sys, /proc/1 and /sys/class, grep through '
              '200 files of /proc/sys and the uevent files of /sys/devices '
              '(3 levels deep)',
    'files': '1000 small files created in tmpfs, each with a two-process '
             'pipe, then removed',
}
SMALL_MAX = 512
LINE = re.compile(r'obm-trace: (\w+) ([af]) ([0-9a-f]+)(?: (\d+))?\s*$')
END = re.compile(r'obm-trace: end (\w+) (\d+) (\d+)')


def compact(events):
    """[(op, ptr, size)] -> ([(op, id, size)], max live, implicit frees)."""
    live, free_ids, out = {}, [], []
    next_id = implicit = peak = 0
    for op, ptr, size in events:
        if op == 'a':
            if ptr in live:     # freed unseen: free it first
                out.append(('f', live[ptr], 0))
                free_ids.append(live.pop(ptr))
                implicit += 1
            if not 1 <= size <= SMALL_MAX:
                continue
            if free_ids:
                oid = free_ids.pop()
            else:
                oid, next_id = next_id, next_id + 1
            live[ptr] = oid
            out.append(('a', oid, size))
            peak = max(peak, len(live))
        elif ptr in live:
            oid = live.pop(ptr)
            out.append(('f', oid, 0))
            free_ids.append(oid)
    return out, peak, implicit


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('log')
    ap.add_argument('outdir')
    ap.add_argument('--kernel', required=True)
    ap.add_argument('--date', required=True)
    ap.add_argument('workloads', nargs='*', help='default: all')
    args = ap.parse_intermixed_args()
    wanted = args.workloads or list(WORKLOADS)
    unknown = set(wanted) - set(WORKLOADS)
    if unknown:
        ap.error(f'unknown workloads: {" ".join(sorted(unknown))}')

    events = {w: [] for w in WORKLOADS}
    ends = {}
    with open(args.log, errors='replace') as f:
        for line in f:
            m = END.search(line)
            if m:
                ends[m.group(1)] = (int(m.group(2)), int(m.group(3)))
                continue
            m = LINE.search(line)
            if m and m.group(1) in events:
                events[m.group(1)].append(
                    (m.group(2), int(m.group(3), 16), int(m.group(4) or 0)))
    status = 0
    for name, what in WORKLOADS.items():
        if name not in wanted:
            continue
        if name not in ends:
            print(f'compact: workload {name} did not finish', file=sys.stderr)
            status = 1
            continue
        count, lost = ends[name]
        if lost or count != len(events[name]):
            print(f'compact: workload {name}: {len(events[name])} of {count} '
                  f'events arrived, {lost} lost in the ring buffer',
                  file=sys.stderr)
            status = 1
            continue
        ops, peak, implicit = compact(events[name])
        allocs = sum(1 for o in ops if o[0] == 'a')
        path = os.path.join(args.outdir, f'{name}.trace.xz')
        with lzma.open(path, 'wt', preset=9) as out:
            out.write(f'# workload {name}: {what}\n'
                      f'# recorded by tools/bench/traces/record on Debian\'s '
                      f'{args.kernel} under QEMU TCG, {args.date}\n'
                      f'# kmem:kmalloc of 1..{SMALL_MAX} bytes and their '
                      f'kmem:kfree: {allocs} allocations, '
                      f'{len(ops) - allocs} frees ({implicit} implied by '
                      f'reuse of the address), at most {peak} live\n')
            for op, oid, size in ops:
                out.write(f'a {oid} {size}\n' if op == 'a' else f'f {oid}\n')
        print(f'{name}: {allocs} allocations, {len(ops) - allocs} frees, '
              f'at most {peak} live: {path} ({os.path.getsize(path)} bytes)')
    return status


if __name__ == '__main__':
    sys.exit(main())
