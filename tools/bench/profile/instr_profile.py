#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Name and sort the instructions tools/bench/profile/run stepped.

    instr_profile.py [--json PATH] OBMALLOC_KO LOG PCS [LOG PCS ...]

Each LOG/PCS pair is one boot: the console log, whose "obm-step: case"
lines give the cases in order and whose "obm-step: sym <addr> <%pS>"
lines name every address, and the PCS file, one line per case with the
addresses executed. The first pair is taken to be init_on_alloc=1, the
second init_on_alloc=0 (tools/bench/profile/run's order).

An obmalloc address is also looked up in OBMALLOC_KO's debug information
(addr2line -i), so that code inlined into a function is counted under
what it does: the local lock, the arena lookup, the pointer checks. The
harness's own instructions (obm_step_pair's) are left out of every count.

Prints a table of totals per case and one of obmalloc's instructions by
part of its fast path, and, for comparison, SLUB's by function. With
--json, also writes them for tools/bench/report.py: a list of
{"init_on_alloc": 1 | 0, "allocator", "size", "instructions", "parts":
{part: instructions} (obmalloc only, else {}), "functions": {function:
instructions}}.
"""

import collections
import json
import re
import subprocess
import sys

HARNESS = "obm_step_pair [obm_step]"

# Kernel functions obmalloc calls, by part.
KERNEL_PARTS = {
    "__rcu_read_lock": "rcu_read_lock/unlock (free)",
    "__rcu_read_unlock": "rcu_read_lock/unlock (free)",
    "memset": "zeroing: init_on_alloc/free",
    "memset_orig": "zeroing: init_on_alloc/free",
    "__cond_resched": "might_alloc: cond_resched",
}

# Inlined helpers, innermost first wins; then the obmalloc function itself.
INLINE_PARTS = [
    (("arch_local_irq_save", "arch_local_irq_restore", "native_save_fl",
      "native_irq_disable", "native_irq_enable", "arch_local_save_flags",
      "arch_local_irq_disable", "arch_local_irq_enable",
      "arch_irqs_disabled_flags"), "local lock: irq save/restore"),
    (("obm_arena_lookup", "obm_arena_hint_slot"), "arena lookup: per-CPU hint"),
    (("obm_arena_lookup_slow",), "arena lookup: registry"),
    (("obm_arena_pool", "obm_class_offset_is_block", "obm_ptr_resolve"),
     "pointer checks: pool, class, offset"),
    (("want_init_on_alloc", "want_init_on_free", "obm_block_init",
      "obm_block_release", "kmemleak_alloc", "kmemleak_free"),
     "zeroing: init_on_alloc/free"),
    (("obm_size_to_class",), "size to class"),
    (("might_alloc", "might_sleep", "__might_sleep", "might_resched",
      "fs_reclaim_acquire", "fs_reclaim_release"),
     "might_alloc: cond_resched"),
    (("rcu_read_lock", "rcu_read_unlock"), "rcu_read_lock/unlock (free)"),
    (("obm_heap_uses_caches", "static_key_false", "arch_static_branch",
      "arch_static_branch_jump"), "static keys (debug, tracing)"),
    (("obm_pcpu_pop", "obm_pcpu_push", "obm_pcpu_alloc", "obm_pcpu_free",
      "obm_mag"),
     "magazine: pop/push and counters"),
]
ENTRY_PART = "entry: call, size/gfp/NULL checks"

SYM_RE = re.compile(r"obm-step: sym ([0-9a-f]+) (\S+)\+(0x[0-9a-f]+)/0x[0-9a-f]+"
                    r"(?: \[(\S+)\])?")
CASE_RE = re.compile(r"obm-step: case (\S+) (\d+)")


def read_boot(log_path, pcs_path):
    """Cases, per-case address lists and address names of one boot."""
    cases, names = [], {}
    with open(log_path, encoding="utf-8", errors="replace") as log:
        for line in log:
            match = CASE_RE.search(line)
            if match:
                cases.append((match.group(1), int(match.group(2))))
                continue
            match = SYM_RE.search(line)
            if match:
                names[int(match.group(1), 16)] = (
                    match.group(2), int(match.group(3), 16), match.group(4))
    with open(pcs_path, encoding="ascii") as pcs:
        traces = [[int(pc, 16) for pc in line.split()] for line in pcs]
    if len(traces) != len(cases):
        sys.exit(f"{pcs_path}: {len(traces)} traces for {len(cases)} cases")
    return cases, traces, names


class KoSymbols:
    """obmalloc.ko's symbols and their sections, for addr2line."""

    def __init__(self, ko):
        self.ko = ko
        sections = {}
        out = subprocess.run(["readelf", "-SW", ko], check=True,
                             capture_output=True, text=True).stdout
        for match in re.finditer(r"\[\s*(\d+)\]\s+(\S+)", out):
            sections[match.group(1)] = match.group(2)
        self.symbols = {}
        out = subprocess.run(["readelf", "-sW", ko], check=True,
                             capture_output=True, text=True).stdout
        for line in out.splitlines():
            fields = line.split()
            if len(fields) == 8 and fields[3] == "FUNC" and fields[6] in sections:
                self.symbols[fields[7]] = (sections[fields[6]],
                                           int(fields[1], 16))
        self.cache = {}

    def inline_chain(self, func, offset):
        """Function names from innermost to outermost at func+offset."""
        key = (func, offset)
        if key not in self.cache:
            chain = [func]
            if func in self.symbols:
                section, value = self.symbols[func]
                out = subprocess.run(
                    ["addr2line", "-f", "-i", "-e", self.ko, "-j", section,
                     f"{value + offset:#x}"],
                    check=True, capture_output=True, text=True).stdout
                chain = out.split("\n")[0::2]
                chain = [name for name in chain if name] or [func]
            self.cache[key] = chain
        return self.cache[key]


def part_of(ko, name):
    """Which part of obmalloc's fast path an address named @name is in."""
    func, offset, module = name
    if module != "obmalloc":
        return KERNEL_PARTS.get(func, f"kernel: {func}")
    for inlined in ko.inline_chain(func, offset):
        base = inlined.split(".")[0]
        for names, part in INLINE_PARTS:
            if base in names:
                return part
    return ENTRY_PART


def function_of(name):
    """A name's function, with its module if any."""
    func, _, module = name
    return f"{func} [{module}]" if module else func


def profile(ko, boot):
    """Per case: total, obmalloc parts, and per-function counts."""
    cases, traces, names = boot
    result = {}
    for case, trace in zip(cases, traces):
        parts, funcs = collections.Counter(), collections.Counter()
        for pc in trace:
            name = names.get(pc, ("?", 0, None))
            if function_of(name) == HARNESS:
                continue
            funcs[function_of(name)] += 1
            if case[0] == "obmalloc":
                parts[part_of(ko, name)] += 1
        result[case] = (sum(funcs.values()), parts, funcs)
    return result


def write_json(path, boots):
    """The profiles as a list of cases, for report.py."""
    cases = []
    for ioa, boot in zip((1, 0), boots):
        for (alloc, size), (total, parts, funcs) in boot.items():
            cases.append({"init_on_alloc": ioa, "allocator": alloc,
                          "size": size, "instructions": total,
                          "parts": dict(parts), "functions": dict(funcs)})
    with open(path, "w", encoding="utf-8") as out:
        json.dump(cases, out, indent=1)
        out.write("\n")


def main():
    args = sys.argv[1:]
    json_path = None
    if args[:1] == ["--json"] and len(args) > 1:
        json_path, args = args[1], args[2:]
    if len(args) < 3 or len(args) % 2 == 0:
        sys.exit(__doc__)
    ko = KoSymbols(args[0])
    boots = [profile(ko, read_boot(args[i], args[i + 1]))
             for i in range(1, len(args), 2)]
    if json_path:
        write_json(json_path, boots)
    labels = ["init_on_alloc=1", "init_on_alloc=0"][:len(boots)]
    sizes = sorted({size for (_, size) in boots[0]})

    print("Instructions per allocation + free, one pair single-stepped "
          "(obm/cache: obmalloc / kmem_cache)")
    print(f"{'size':>5} | " + " | ".join(
        f"{label:^35}" for label in labels))
    print(f"{'':>5} | " + " | ".join(
        f"{'obmalloc':>9} {'kmem_cache':>10} {'kmalloc':>7} {'obm/cache':>9}"
        for _ in labels))
    for size in sizes:
        cells = []
        for boot in boots:
            obm = boot[("obmalloc", size)][0]
            cache = boot[("kmem_cache", size)][0]
            kmalloc = boot[("kmalloc", size)][0]
            cells.append(f"{obm:>9} {cache:>10} {kmalloc:>7} "
                         f"{obm / cache:>9.2f}")
        print(f"{size:>5} | " + " | ".join(cells))

    for label, boot in zip(labels, boots):
        part_names = collections.Counter()
        for size in sizes:
            part_names.update(boot[("obmalloc", size)][1])
        print(f"\nWhere obmalloc's instructions go, {label}")
        print(f"{'part':<40}" + "".join(f"{size:>6}" for size in sizes))
        for part, _ in part_names.most_common():
            print(f"{part:<40}" + "".join(
                f"{boot[('obmalloc', size)][1][part]:>6}" for size in sizes))
        print(f"{'total':<40}" + "".join(
            f"{boot[('obmalloc', size)][0]:>6}" for size in sizes))

    boot = boots[0]
    size = sizes[1] if len(sizes) > 1 else sizes[0]
    print(f"\nBy function, {size} bytes, {labels[0]}")
    for alloc in ("obmalloc", "kmem_cache", "kmalloc"):
        total, _, funcs = boot[(alloc, size)]
        print(f"{alloc} ({total}): " + ", ".join(
            f"{func} {count}" for func, count in funcs.most_common()))


if __name__ == "__main__":
    main()
