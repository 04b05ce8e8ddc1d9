#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Simulate which partly used pool obmalloc should allocate from.

Usage: pool_policy_sim.py [--replacements N] [--seed S]

Models the bench's `mixed` workload (100,000 live objects of uniformly
random size 1..512, then random replacements) at the level of pools: 64
classes, one-page pools with a 48-byte header, no per-CPU caches, a pool
given back when its last block is freed. Prints the pools in use at the
end under three choices of pool to allocate from:

  lifo     obmalloc's: the pool that most recently stopped being full
  quarter  any pool in the fullest quarter-full bucket
  exact    the fullest partly used pool (best fit)

and the pools that perfect packing would need. The question it answers:
could a smarter choice drain sparse pools and shrink the footprint? It
runs in about a minute for 300,000 replacements.
"""

import argparse
import random

HEADER = 48
PAGE = 4096
CLASSES = 64


def simulate(policy, live_n, replacements, seed):
    rnd = random.Random(seed)
    bpp = [(PAGE - HEADER) // (8 * (c + 1)) for c in range(CLASSES)]
    used = [dict() for _ in range(CLASSES)]     # pool id -> blocks in use
    stack = [[] for _ in range(CLASSES)]        # lifo: partly used pools
    next_id = [0]

    def new_pool(c):
        pid = next_id[0]
        next_id[0] += 1
        used[c][pid] = 0
        return pid

    def pick(c):
        pools = used[c]
        if policy == 'lifo':
            st = stack[c]
            while st and pools.get(st[-1], bpp[c]) >= bpp[c]:
                st.pop()
            if st:
                return st[-1]
            pid = new_pool(c)
            st.append(pid)
            return pid
        best, best_key = None, -1
        for pid, u in pools.items():
            if u >= bpp[c]:
                continue
            key = u if policy == 'exact' else 4 * u // bpp[c]
            if key > best_key:
                best, best_key = pid, key
        return best if best is not None else new_pool(c)

    def alloc(c):
        pid = pick(c)
        used[c][pid] += 1
        return pid

    def free(c, pid):
        was_full = used[c][pid] >= bpp[c]
        used[c][pid] -= 1
        if not used[c][pid]:
            del used[c][pid]
            if policy == 'lifo' and pid in stack[c]:
                stack[c].remove(pid)
        elif policy == 'lifo' and was_full:
            stack[c].append(pid)

    def size_class():
        return (rnd.randint(1, 512) - 1) // 8

    live = []
    for _ in range(live_n):
        c = size_class()
        live.append((c, alloc(c)))
    for _ in range(replacements):
        j = rnd.randrange(live_n)
        free(*live[j])
        c = size_class()
        live[j] = (c, alloc(c))

    packed = sum(-(-sum(1 for lc, _ in live if lc == c) // bpp[c])
                 for c in range(CLASSES))
    return sum(len(p) for p in used), packed


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('--live', type=int, default=100000)
    ap.add_argument('--replacements', type=int, default=300000)
    ap.add_argument('--seed', type=int, default=1)
    args = ap.parse_args()
    for policy in ('lifo', 'quarter', 'exact'):
        pools, packed = simulate(policy, args.live, args.replacements,
                                 args.seed)
        print(f'{policy:8} {pools} pools in use '
              f'(perfectly packed: {packed})')


if __name__ == '__main__':
    main()
