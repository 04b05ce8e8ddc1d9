#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Name and sort the instructions tools/bench/profile/run stepped.

    instr_profile.py [--json PATH] [--ops-json PATH] OBMALLOC_KO LOG PCS [LOG PCS ...]

Each LOG/PCS pair is one boot: the console log, whose "obm-step: case"
and "obm-step: op" lines give the cases in order and whose "obm-step:
sym <addr> <%pS>" lines name every address, and the PCS file, one line
per case with the addresses executed. The first pair is taken to be
init_on_alloc=1, the second init_on_alloc=0 (tools/bench/profile/run's
order).

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

Then the single operations ("obm-step: op" cases: alloc, free, refill,
flush, first; see obm_step.c), one table per boot: obmalloc's and
kmem_cache's totals, and obmalloc's by part (OP_PARTS): its own code by
what it does (the inline helpers as above, then the source file), and
whatever runs under a call it makes into the kernel by what it called
(a spinlock, an allocation, memset) or else as the code that called it.
With --ops-json, also writes them: a list of {"init_on_alloc",
"operation", "allocator", "size", "instructions", "parts": {OP_PARTS
key: instructions} (obmalloc only, else {}), "functions"}.
"""

import collections
import json
import os
import re
import subprocess
import sys

HARNESS = ("obm_step_pair [obm_step]", "obm_step_op [obm_step]")

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
    (("obm_arena_lookup", "obm_arena_hinted", "obm_arena_hint_slot"),
     "arena lookup: per-CPU hint"),
    (("obm_arena_lookup_slow",), "arena lookup: registry"),
    (("obm_arena_pool", "obm_class_offset_is_block", "obm_block_check",
      "obm_ptr_resolve"),
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
    (("obm_mag_pop", "obm_mag_this_cpu", "obm_free_fast", "obm_pcpu_alloc",
      "obm_pcpu_free"),
     "magazine: pop/push and counters"),
]
ENTRY_PART = "entry: call, size/gfp/NULL checks"

# The single operations (obm_step.c), in the order they are shown.
OP_ORDER = ("alloc", "free", "refill", "flush", "first")

# The single operations' parts (the columns of their table), in order.
OP_PARTS = {
    "lock": "the local lock's irq save/restore; spinlocks (class, heap, set)",
    "lookup": "a free's arena lookup and pointer checks",
    "magazine": "pop/push, and obm_pcpu.c: refill, flush, a new magazine",
    "class": "obm_heap.c: the class found or set up, the set grown",
    "pool": "obm_pool.c: blocks taken from and given back to pools",
    "arena": "obm_arena.c: a pool from the node's arena set",
    "kmalloc": "kmalloc()/page allocator calls, all under them",
    "zeroing": "init_on_alloc/free",
    "other": "entry, might_alloc, static keys, size to class, RCU",
}
# A fast-path part (INLINE_PARTS, KERNEL_PARTS) as a single operation's.
OP_PART_OF = {
    "local lock: irq save/restore": "lock",
    "arena lookup: per-CPU hint": "lookup",
    "arena lookup: registry": "lookup",
    "pointer checks: pool, class, offset": "lookup",
    "zeroing: init_on_alloc/free": "zeroing",
    "magazine: pop/push and counters": "magazine",
}
# Inlined lock helpers, by prefix; obmalloc's code by its source file.
LOCK_PREFIXES = ("spin_lock", "spin_unlock", "raw_spin_", "_raw_spin_",
                 "__raw_spin_", "queued_spin_", "do_raw_spin_", "arch_spin_",
                 "local_lock", "__local_lock", "local_unlock",
                 "__local_unlock")
FILE_PARTS = {"obm_pcpu.c": "magazine", "obm_pool.c": "pool",
              "obm_arena.c": "arena", "obm_heap.c": "class"}
# Kernel functions obmalloc calls, for everything that runs under them.
ALLOC_RE = re.compile(r"kmalloc|kzalloc|kfree|alloc_pages|free_pages|"
                      r"kmem_cache_|folio_alloc|vmalloc|vfree")
LOCK_RE = re.compile(r"^_raw_(spin|read|write)_|^queued_(spin|read|write)_")

SYM_RE = re.compile(r"obm-step: sym ([0-9a-f]+) (\S+)\+(0x[0-9a-f]+)/0x[0-9a-f]+"
                    r"(?: \[(\S+)\])?")
CASE_RE = re.compile(r"obm-step: case (\S+) (\d+)")
OP_RE = re.compile(r"obm-step: op (\S+) (\S+) (\d+)")


def read_boot(log_path, pcs_path):
    """Cases, per-case address lists and address names of one boot.

    A pair's case is (allocator, size), a single operation's (operation,
    allocator, size)."""
    cases, names = [], {}
    with open(log_path, encoding="utf-8", errors="replace") as log:
        for line in log:
            match = CASE_RE.search(line)
            if match:
                cases.append((match.group(1), int(match.group(2))))
                continue
            match = OP_RE.search(line)
            if match:
                cases.append((match.group(1), match.group(2),
                              int(match.group(3))))
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

    def inline_frames(self, func, offset):
        """(function, source file) from innermost to outermost at func+offset."""
        key = (func, offset)
        if key not in self.cache:
            frames = [(func, "")]
            if func in self.symbols:
                section, value = self.symbols[func]
                out = subprocess.run(
                    ["addr2line", "-f", "-i", "-e", self.ko, "-j", section,
                     f"{value + offset:#x}"],
                    check=True, capture_output=True, text=True).stdout
                lines = out.split("\n")
                frames = [(name, os.path.basename(where.split(":")[0]))
                          for name, where in zip(lines[0::2], lines[1::2])
                          if name] or frames
            self.cache[key] = frames
        return self.cache[key]

    def prefetch(self, names):
        """Look up every obmalloc address of @names at once: one addr2line
        per section instead of one per address."""
        wanted = collections.defaultdict(set)
        for func, offset, module in names:
            if (module == "obmalloc" and func in self.symbols
                    and (func, offset) not in self.cache):
                section, value = self.symbols[func]
                wanted[section].add((value + offset, func, offset))
        for section, keys in wanted.items():
            keys = sorted(keys)
            out = subprocess.run(
                ["addr2line", "-a", "-f", "-i", "-e", self.ko, "-j", section]
                + [f"{addr:#x}" for addr, _, _ in keys],
                check=True, capture_output=True, text=True).stdout
            # With -a each address's frames follow a line of its own.
            groups = re.split(r"^0x[0-9a-f]+\n", out, flags=re.M)[1:]
            if len(groups) != len(keys):
                return
            for (_, func, offset), group in zip(keys, groups):
                lines = group.split("\n")
                self.cache[(func, offset)] = [
                    (name, os.path.basename(where.split(":")[0]))
                    for name, where in zip(lines[0::2], lines[1::2])
                    if name] or [(func, "")]

    def inline_chain(self, func, offset):
        """Function names from innermost to outermost at func+offset."""
        return [name for name, _ in self.inline_frames(func, offset)]


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


def op_part_of(ko, name):
    """Which of OP_PARTS an obmalloc address named @name is in."""
    func, offset, _ = name
    frames = ko.inline_frames(func, offset)
    for inlined, _ in frames:
        base = inlined.split(".")[0]
        if base.startswith(LOCK_PREFIXES):
            return "lock"
        for names, part in INLINE_PARTS:
            if base in names:
                return OP_PART_OF.get(part, "other")
    for _, source in frames:
        if source in FILE_PARTS:
            return FILE_PARTS[source]
    return "other"


def kernel_op_part(root, caller_part):
    """The part of an instruction under a call obmalloc made to @root."""
    if LOCK_RE.search(root):
        return "lock"
    if ALLOC_RE.search(root):
        return "kmalloc"
    part = KERNEL_PARTS.get(root)
    if part:
        return OP_PART_OF.get(part, "other")
    # Return thunks, memmove(), the registry's xarray: as their caller.
    return caller_part


def op_parts(ko, trace, names):
    """One obmalloc operation's instructions by OP_PARTS."""
    parts = collections.Counter()
    root, caller_part = None, "other"
    for pc in trace:
        name = names.get(pc, ("?", 0, None))
        if function_of(name) in HARNESS:
            root, caller_part = None, "other"
            continue
        if name[2] == "obmalloc":
            root = None
            caller_part = op_part_of(ko, name)
            parts[caller_part] += 1
            continue
        if root is None:
            root = name[0]
        parts[kernel_op_part(root, caller_part)] += 1
    return parts


def function_of(name):
    """A name's function, with its module if any."""
    func, _, module = name
    return f"{func} [{module}]" if module else func


def profile(ko, boot):
    """Per case: total, obmalloc parts, and per-function counts; the
    pairs, then the single operations."""
    cases, traces, names = boot
    result, ops = {}, {}
    for case, trace in zip(cases, traces):
        parts, funcs = collections.Counter(), collections.Counter()
        for pc in trace:
            name = names.get(pc, ("?", 0, None))
            if function_of(name) in HARNESS:
                continue
            funcs[function_of(name)] += 1
            if len(case) == 2 and case[0] == "obmalloc":
                parts[part_of(ko, name)] += 1
        if len(case) == 2:
            result[case] = (sum(funcs.values()), parts, funcs)
            continue
        if case[1] == "obmalloc":
            parts = op_parts(ko, trace, names)
        ops[case] = (sum(funcs.values()), parts, funcs)
    return result, ops


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


def write_ops_json(path, boots_ops):
    """The single operations as a list of cases, for report.py."""
    cases = []
    for ioa, ops in zip((1, 0), boots_ops):
        for (op, alloc, size), (total, parts, funcs) in ops.items():
            cases.append({"init_on_alloc": ioa, "operation": op,
                          "allocator": alloc, "size": size,
                          "instructions": total, "parts": dict(parts),
                          "functions": dict(funcs)})
    with open(path, "w", encoding="utf-8") as out:
        json.dump(cases, out, indent=1)
        out.write("\n")


def print_ops(labels, boots_ops):
    """Per boot, the single operations: totals and obmalloc's parts."""
    for label, ops in zip(labels, boots_ops):
        keys = sorted({(op, size) for (op, _, size) in ops},
                      key=lambda k: (k[1], OP_ORDER.index(k[0])
                                     if k[0] in OP_ORDER else len(OP_ORDER)))
        if not keys:
            continue
        print(f"\nOne operation off the fast path, single-stepped: "
              f"instructions, {label}")
        print(f"{'op':<7}{'size':>5} | {'obmalloc':>8} {'kmem_cache':>10} "
              f"{'obm/cache':>9} | " + " ".join(f"{p:>8}" for p in OP_PARTS))
        for op, size in keys:
            obm = ops.get((op, "obmalloc", size))
            cache = ops.get((op, "kmem_cache", size))
            cells = [f"{op:<7}{size:>5} |",
                     f"{obm[0] if obm else '-':>8}",
                     f"{cache[0] if cache else '-':>10}",
                     (f"{obm[0] / cache[0]:>9.2f} |" if obm and cache
                      else f"{'-':>9} |")]
            cells += [f"{obm[1][p] if obm else '-':>8}" for p in OP_PARTS]
            print(" ".join(cells))
    print("\nParts (obmalloc): " + "; ".join(
        f"{part}: {what}" for part, what in OP_PARTS.items()))
    ops = boots_ops[0]
    for op in OP_ORDER[2:]:
        for alloc in ("obmalloc", "kmem_cache"):
            case = ops.get((op, alloc, 64))
            if case:
                print(f"{op} 64, {alloc} ({case[0]}, {labels[0]}): " + ", ".join(
                    f"{func} {count}" for func, count in case[2].most_common(8)))


def main():
    args = sys.argv[1:]
    json_path = ops_json_path = None
    while args[:1] in (["--json"], ["--ops-json"]) and len(args) > 1:
        if args[0] == "--json":
            json_path = args[1]
        else:
            ops_json_path = args[1]
        args = args[2:]
    if len(args) < 3 or len(args) % 2 == 0:
        sys.exit(__doc__)
    ko = KoSymbols(args[0])
    boots_read = [read_boot(args[i], args[i + 1])
                  for i in range(1, len(args), 2)]
    for _, _, names in boots_read:
        ko.prefetch(names.values())
    profiles = [profile(ko, boot) for boot in boots_read]
    boots = [pairs for pairs, _ in profiles]
    boots_ops = [ops for _, ops in profiles]
    if json_path:
        write_json(json_path, boots)
    if ops_json_path:
        write_ops_json(ops_json_path, boots_ops)
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

    if any(boots_ops):
        print_ops(labels, boots_ops)


if __name__ == "__main__":
    main()
