// SPDX-License-Identifier: GPL-2.0
/*
 * obmalloc's allocation and free paths, compiled as one translation unit.
 *
 * obm_alloc() and obm_free() pass through three files, each the home of
 * one idea: the API and heaps (obm_heap.c), which block a pointer is and
 * whether it may be freed (obm_ptr.c), and the per-CPU magazines
 * (obm_pcpu.c). Compiled apart, every step between them was a call, with
 * its register saves, its stack canary for the result passed back through
 * memory, and its return thunk: measured by tools/bench/instr-profile on
 * Debian's 6.12, calls and their frames were about a third of the
 * instructions of an allocation and free. The kernel compiles the
 * scheduler's classes together for the same reason
 * (kernel/sched/build_policy.c); here the three files are included below,
 * and their fast steps, obm_ptr_resolve(), obm_pcpu_pop() and
 * obm_pcpu_push(), are static __always_inline, with their slow parts
 * (obm_pcpu_alloc() and its refill, obm_pcpu_free() and its flush, the
 * reports, stack saving) noinline beside them, so that
 * an entry point's fast path is one function and its slow paths are
 * calls.
 *
 * The included files keep their own top comments, locking rules and
 * contexts; they are not built on their own. The order matters only in
 * that each file's helpers come before their callers.
 */

#include "obm_ptr.c"
#include "obm_pcpu.c"
#include "obm_heap.c"
