#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Judge an obmalloc test VM's console log.

Usage: results.py LOG --kunit-dir DIR --suites NAME[,NAME...] --flavour BOOT
       results.py LOG --no-kunit [--flavour field]

Parses the KTAP in LOG with the kernel's own kunit_parser (from DIR,
tools/testing/kunit of the source the test kernel was built from), prints
per-suite results, then scans the whole log for kernel reports. Prints a
last line "N passed, N failed, N skipped" and exits non-zero if any test
failed, a suite is missing (or ran without being asked for), the KTAP is
missing or cut short, or the log shows a report nobody expected.

Counting: a test case counts once, a parameterised case once per
parameter. KUnit marks a parameterised case "ok" when one parameter
passed and the others were skipped, so every parameter's own result is
judged: a failed parameter fails, a skipped one fails unless the skip is
allowed (below).

Allowed skips are per boot (--flavour: qemu, qemu-rt, qemu-noinit, field;
see FLAVOURS): a skip passes only if its suite.case is listed for that
boot and KUnit's "# SKIP" reason matches the listed pattern. Any other
skip fails.

Expected reports: a test that provokes an obmalloc report first logs
"obmalloc-test: expect report: <kind> from heap <name> at <ptr>", <ptr>
printed with %p as obmalloc prints it ("at any" only for "destroy with
live blocks", whose report names no block). Each such line allows one
report "obmalloc: heap <name>: <kind>: <details>" whose details name that
pointer, until the test case (or parameter) ends; and the report allows
the "WARNING:" line of its own WARN, which must follow it within
WARN_WINDOW lines and name obm_report in [obmalloc]. An announcement still
unmatched when its case ends fails the run (see scan_log()). Every other
WARNING, BUG, Oops, lockdep, KASAN, UBSAN, debug-objects or kmemleak
report, an RCU stall (expedited too), hung task, soft or hard lockup,
dropped printk messages, rate-limited obmalloc reports ("obm_report: N
callbacks suppressed"), a page allocation failure, a failed module command
or scenario check, a taint of D, B, L or M, lockdep turned off, and a log
cut short fail the run.

A boot tools/vm/run retried (the kernel died before the guest's first
line) left its log beside LOG as LOG.first-boot (and LOG.second-boot):
they are scanned too. A report there fails the run, but for one: an int3
oops before /init, in no module, a jump-label patch's trap that QEMU's
TCG runs after the patch is done (see early_int3()). That and a silent
early death are printed, and only the last boot's log counts for the
tests.

A record a console printed twice, the second time after "** replaying
previous printk message **" (6.12-rt's nbcon console, taken over by a
WARN's emergency printing), is judged once (see unreplay()).

With --no-kunit (make field), only the log and the scenario are judged.
"""

import argparse
import collections
import fnmatch
import os
import re
import sys

KINDS = ('double free', 'interior pointer', 'pointer to no block',
         'foreign pointer', 'corrupted free list', 'destroy with live blocks',
         'red zone overwritten', 'write after free', 'stray kfree')
# Kinds whose report names no block: announced "at any".
POINTERLESS_KINDS = ('destroy with live blocks',)
EXPECT_RE = re.compile(r'(?:# (?P<test>\w+): )?obmalloc-test: expect report: '
                       r'(?P<kind>.+?) from heap (?P<heap>\S+)'
                       r'(?: at (?P<ptr>\S+))?\s*$')
# "obmalloc-test: allow kernel warning in FUNC": the kernel's own WARN in
# FUNC (a WARNING line "at ... FUNC+0x..") is excused until the announcing
# case ends: for the tests that free obmalloc's blocks with kfree() and
# ksize() on purpose, where the kernel warns, once per boot or each time.
ALLOW_RE = re.compile(r'obmalloc-test: allow kernel warning in (?P<func>\w+)\s*$')
REPORT_RE = re.compile(r'obmalloc: heap (?P<heap>\S+): (?P<kind>'
                       + '|'.join(KINDS) + r'): (?P<details>.*)$')
# Where each report's details name the pointer (%p: hex digits, the
# address itself as tools/vm/run boots with no_hash_pointers; hashed, it is
# "(____ptrval____)" until the hash key exists). The callers of
# obm_report() in module/:
#   <call>(<ptr>): ...   every kind but the three below: obm_report_block()
#                        and obm_report_invalid() (obm_ptr.c), foreign
#                        pointers; <call> is obm_free, obm_alloc,
#                        obm_realloc, obm_usable_size or obm_heap_shrink
#   free block <ptr>: link overwritten ...     corrupted free list
#   <n> block(s) of pool <ptr> (class ...      stray kfree (the pool page)
#   obm_heap_destroy(): <n> blocks still ...   destroy with live blocks
PTRVAL = '(____ptrval____)'
PTR = r'(?P<ptr>' + re.escape(PTRVAL) + r'|[0-9a-f]+)'
REPORT_FORMS = {
    'corrupted free list': re.compile(r'free block ' + PTR + r': '),
    'stray kfree': re.compile(r'\d+ block\(s\) of pool ' + PTR + r' '),
    'destroy with live blocks':
        re.compile(r'obm_heap_destroy\(\): \d+ blocks still allocated'),
}
OP_FORM = re.compile(r'[a-z_]+\(' + PTR + r'\): ')
# obm_report()'s own WARN (kernel/panic.c prints the message first, then
# this line). obm_report() is variadic, so never inlined: it is the frame.
OBM_WARN_RE = re.compile(r'WARNING: CPU: \d+ PID: \d+ at (?:\S+:\d+ )?'
                         r'obm_report(?:\.\w+)*\+0x[0-9a-f]+/0x[0-9a-f]+ '
                         r'\[obmalloc(?: [0-9a-f]+)?\]\s*$')
# The WARNING follows its message at once, but for lines other CPUs print.
WARN_WINDOW = 4
# At rmmod, obmalloc counts the pages it leaves allocated (leaked heaps'
# pools): 0, or exactly the figure the unload scenario announced first
# ("obm-vm: expect N pages left allocated").
UNLOADED_RE = re.compile(r'obmalloc: unloaded: (?P<pages>\d+) pages left allocated')
EXPECT_LEFT_RE = re.compile(r'obm-vm: expect (?P<pages>\d+) pages left allocated')
# A KTAP result line ends a test case (or one parameter of it), and with
# it its announcements' scope.
RESULT_RE = re.compile(r'\s*(?:not )?ok \d+ ')
# Lines that are a failure unless they are the WARNING of an expected report.
BAD_RES = [
    (re.compile(r'\bWARNING:'), 'WARNING'),
    (re.compile(r'\bBUG[: ]'), 'BUG'),
    (re.compile(r'\bOops\b'), 'Oops'),
    (re.compile(r'Kernel panic'), 'panic'),
    (re.compile(r'general protection fault'), 'general protection fault'),
    (re.compile(r'\bKASAN\b'), 'KASAN report'),
    (re.compile(r'\bUBSAN\b'), 'UBSAN report'),
    (re.compile(r'possible recursive locking|inconsistent lock state|'
                r'circular locking dependency|lock held when returning'),
     'lockdep report'),
    # kernel/locking/lockdep.c, a lock whose key is not static.
    (re.compile(r'INFO: trying to register non-static key'),
     'lockdep: non-static key'),
    (re.compile(r'kmemleak: \d+ new suspected memory leaks|'
                r'unreferenced object 0x'), 'kmemleak leak'),
    (re.compile(r'list_(add|del) corruption'), 'list corruption'),
    # lib/debugobjects.c; its WARN stops after five reports, this does not.
    (re.compile(r'ODEBUG: '), 'debug objects report'),
    (re.compile(r'obm-vm: timed out'), 'VM timeout'),
    (re.compile(r'obm-vm: (insmod|rmmod) \S+ failed'), 'module command failed'),
    (re.compile(r'obm-vm: FAIL: '), 'scenario check failed'),
    (re.compile(r'obm-vm: scenario exited with status [1-9]'),
     'scenario failed'),
    (re.compile(r'page allocation failure'), 'allocation failure splat'),
    (re.compile(r'(stress|kswapd|stray): \d+ passed, [1-9]\d* failed'),
     'stress module failures'),
    # kernel/rcu/tree_stall.h, tree_exp.h, tasks.h.
    (re.compile(r'rcu: INFO: \S+ (self-)?detected stall|'
                r'detected stalls on CPUs|detected stalls on tasks'),
     'RCU stall'),
    (re.compile(r'detected expedited stalls'), 'RCU expedited stall'),
    # kernel/hung_task.c: "INFO: task %s:%d blocked for more than %ld seconds."
    (re.compile(r'INFO: task .+:\d+ blocked for more than'), 'hung task'),
    # kernel/watchdog.c: "BUG: soft lockup - CPU#%d stuck for %us! [%s:%d]"
    (re.compile(r'soft lockup'), 'soft lockup'),
    (re.compile(r'Watchdog detected hard LOCKUP'), 'hard lockup'),
    (re.compile(r'invoked oom-killer|Out of memory: Kill'), 'OOM kill'),
    (re.compile(r'kmemleak: .*(disabled|Cannot allocate)'),
     'kmemleak unavailable'),
    # kernel/printk/printk.c: "** %lu printk messages dropped **"
    (re.compile(r'printk messages dropped'), 'printk messages dropped'),
    # lib/ratelimit.c: "%s: %d callbacks suppressed", %s the function that
    # called __ratelimit(): obm_report() drops reports past its burst.
    (re.compile(r'\b(?:obm_\w+|obmalloc\w*): \d+ callbacks suppressed'),
     'obmalloc reports rate-limited away'),
]
# Markers the scenarios print once they got that far (make check's guest
# also ends with a kmemleak report); a log without one was cut short (a
# hang, a crash, a QEMU failure). Every guest ends with tools/vm/guest/
# end.sh, which prints the taint.
SCENARIO_MARKERS = ['obm-vm: trace end', 'obm-vm: soak end',
                    'obm-vm: unload scenario end']
KMEMLEAK_MARKER = 'obm-vm: kmemleak report end'
TAINT_MARKER = 'obm-vm: tainted: '
TAINT_RE = re.compile(r'obm-vm: tainted: (\d+)\b')
LOCKDEP_RE = re.compile(r'obm-vm: lockdep: debug_locks (\S+)')
NUMA_RE = re.compile(r'obm-vm: NUMA nodes online: (.*)$')
# kernel/panic.c taint_flags[]: bit -> letter. D, B, L and M fail.
TAINT_LETTERS = 'PFSRMBUDAWCIOELKXTN'
BAD_TAINTS = {'D': 'died (an oops)', 'B': 'bad page', 'L': 'soft lockup',
              'M': 'machine check'}

HARDIRQ_RT = ('PREEMPT_RT: no allocation in hard interrupt context, '
              'as for kmalloc()')
# The zeroing tests (kunit/obm_test_zero.c) cannot fail where the boot
# zeroes every block anyway; they skip there, naming the option.
ZERO_ALLOC_SKIP = r'init_on_alloc=1 '
ZERO_FREE_SKIP = r'init_on_free=1 '
# Per boot of make check (and make field's kernels): the markers its log
# must reach, and the skips allowed there, as {suite.case glob: (pattern
# the KTAP skip reason must match, why)}.
FLAVOURS = {
    # Standard kernel, init_on_alloc=1, two NUMA nodes.
    'qemu': {
        'markers': SCENARIO_MARKERS + [KMEMLEAK_MARKER, TAINT_MARKER],
        'skips': {
            'obmalloc_zero.*': (ZERO_ALLOC_SKIP, 'init_on_alloc=1 zeroes '
                                'every block: runs on qemu-noinit'),
        },
    },
    # PREEMPT_RT kernel, init_on_alloc=0 init_on_free=1.
    'qemu-rt': {
        'markers': SCENARIO_MARKERS + [KMEMLEAK_MARKER, TAINT_MARKER],
        'skips': {
            'obmalloc_context.obm_test_hardirq': (
                re.escape(HARDIRQ_RT), 'kmalloc() may not be called in hard '
                'interrupt context on PREEMPT_RT either'),
            'obmalloc_zero.obm_test_gfp_zero_reused': (
                ZERO_FREE_SKIP, 'init_on_free=1 clears every freed block'),
            'obmalloc_zero.obm_test_zalloc': (
                ZERO_FREE_SKIP, 'init_on_free=1 clears every freed block'),
            'obmalloc_zero.obm_test_zero_realloc_grow': (
                ZERO_FREE_SKIP, 'init_on_free=1 clears every freed block'),
            'obmalloc_sets.obm_test_sets_numa_placement': (
                r'one node with memory', 'the PREEMPT_RT boot has one NUMA '
                'node; the standard boot has two and runs it'),
        },
    },
    # The standard kernel again, init_on_alloc=0 init_on_free=0, only the
    # obmalloc_zero suite and kmemleak: nothing may skip.
    'qemu-noinit': {
        'markers': [KMEMLEAK_MARKER, TAINT_MARKER],
        'skips': {},
    },
    # tools/mutate: some suites and the stress module, log judged only.
    'mutate': {
        'markers': [TAINT_MARKER],
        'skips': {},
    },
    # make field: Debian's kernels, no KUnit.
    'field': {
        'markers': SCENARIO_MARKERS + [TAINT_MARKER],
        'skips': {},
    },
}
TESTS_BEGIN = 'obm-vm: tests begin'
TIMESTAMP_RE = re.compile(r'^\[\s*\d+\.\d+\]\s?')
SKIP_REASON_RE = re.compile(r'^\s*(?:ok|not ok) \d+ (?:- )?.* # SKIP ?(.*)$')


VACATED_RE = re.compile(r'Dying CPU not properly vacated!')
ENQUEUED_RE = re.compile(r'CPU(\d+) enqueued tasks \(\d+ total\):')
TASK_RE = re.compile(r'^\s*pid: \d+, name: (\S+)')


DL_UNDERFLOW_RE = re.compile(r'WARNING: CPU: \d+ PID: \d+ at '
                             r'kernel/sched/deadline\.c:\d+ task_non_contending')


def dl_server_underflows(lines):
    """Line numbers of 6.12's fair-server bandwidth underflow on CPU down.

    In the same sched_cpu_dying(), dl_server_stop() can take the fair
    server's bandwidth off a running_bw that no longer holds it: the
    deadline class warns "dl_rq->running_bw > old" and clamps it to 0.
    Excused only with a call trace of dl_server_stop() under
    sched_cpu_dying() in which no module's function appears.
    """
    excused = {}
    for i, raw in enumerate(lines):
        if not DL_UNDERFLOW_RE.search(raw):
            continue
        # The WARN's own message, on the line before: that check only.
        if i == 0 or 'dl_rq->running_bw > old' not in lines[i - 1]:
            continue
        end = next((j for j in range(i + 1, min(i + 80, len(lines)))
                    if '---[ end trace' in lines[j]), None)
        if end is None:
            continue
        trace = lines[i + 1:end]
        if (any('dl_server_stop+' in t for t in trace) and
                any('sched_cpu_dying+' in t for t in trace) and
                not any(re.search(r'\+0x[0-9a-f]+/0x[0-9a-f]+ \[', t)
                        for t in trace)):
            excused[i + 1] = ('known 6.12 issue: the fair server\'s running_bw '
                              'underflow in sched_cpu_dying()')
    return excused


def known_kernel_warnings(lines):
    """Line numbers of WARNINGs that are a known kernel issue, not ours.

    Linux 6.12's sched_cpu_dying() warns "Dying CPU not properly vacated!"
    when rq->nr_running != 1, and counts the fair deadline server
    (inc_dl_tasks() adds it to nr_running) before it stops it. The warning
    is excused only when the task dump that follows it lists nothing but
    the dying CPU's own migration thread: then no task was left behind.
    Any other task listed keeps it a failure. See also
    dl_server_underflows().
    """
    excused = dl_server_underflows(lines)
    for i, raw in enumerate(lines):
        if not VACATED_RE.search(raw):
            continue
        warn = next((j for j in range(i + 1, min(i + 4, len(lines)))
                     if 'WARNING: CPU:' in lines[j]), None)
        dump = next((j for j in range(i + 1, min(i + 80, len(lines)))
                     if ENQUEUED_RE.search(lines[j])), None)
        if warn is None or dump is None:
            continue
        cpu = ENQUEUED_RE.search(lines[dump]).group(1)
        tasks = []
        for raw_task in lines[dump + 1:dump + 40]:
            m = TASK_RE.match(TIMESTAMP_RE.sub('', raw_task))
            if not m:
                break
            tasks.append(m.group(1))
        if tasks == [f'migration/{cpu}']:
            excused[warn + 1] = (f'known 6.12 issue: CPU{cpu} "not properly '
                                 'vacated" with only its migration thread')
    return excused


def report_pointer(kind, details):
    """The pointer an obmalloc report names: (True, ptr or None for a
    report that names none), or (False, None) for details of no known form
    (the module's report format changed: fix REPORT_FORMS)."""
    form = REPORT_FORMS.get(kind, OP_FORM)
    m = form.match(details)
    if not m:
        return False, None
    return True, m.groupdict().get('ptr')


def check_announcement(kind, ptr):
    """Why an announcement is malformed, or None."""
    if kind not in KINDS:
        return f'unknown report kind "{kind}"'
    if ptr is None:
        return 'names no pointer ("at <ptr>", or "at any")'
    if ptr == 'any' and kind not in POINTERLESS_KINDS:
        return f'"at any" for "{kind}", whose report names its pointer'
    if ptr != 'any' and kind in POINTERLESS_KINDS:
        return f'a pointer for "{kind}", whose report names none ("at any")'
    if ptr == PTRVAL:
        return ('no address ("(____ptrval____)": a boot without '
                'no_hash_pointers, tools/vm/run)')
    return None


def taint_problems(line):
    """Problems in the guest's "obm-vm: tainted: N LETTERS" line."""
    m = TAINT_RE.search(line)
    if not m:
        return []
    value = int(m.group(1))
    set_letters = {c for bit, c in enumerate(TAINT_LETTERS) if value >> bit & 1}
    return [f'kernel tainted {c} ({why})' for c, why in BAD_TAINTS.items()
            if c in set_letters]


def scan_log(lines):
    """Return a list of (line number, what, text) for unexpected reports.

    An announcement ("obmalloc-test: expect report: KIND from heap NAME at
    PTR") excuses one report of KIND from heap NAME naming PTR, until the
    announcing test case (or parameter) ends (the next KTAP "ok"/"not ok"
    line), or for an announcement from a guest script, until the script's
    next "obm-vm:" line. An announcement still unmatched then is a
    failure, so a report that never printed (rate-limited) cannot leave
    one behind to excuse a later report. A matched report excuses the
    WARNING of its own WARN: obm_report's, within WARN_WINDOW lines after
    it; nothing else excuses a WARNING.
    """
    problems = []
    pending = []        # announcements: [kind, heap, ptr, line number]
    reports = []        # line numbers of matched reports awaiting their WARNING
    allowed = set()     # functions whose kernel WARNs the case allowed
    known = known_kernel_warnings(lines)
    for num, why in sorted(known.items()):
        print(f'excused line {num}: {why}')

    def expire():
        for kind, heap, ptr, at in pending:
            problems.append((at, 'announced report never came',
                             f'{kind} from heap {heap} at {ptr}'))
        pending.clear()
        reports.clear()
        allowed.clear()

    left_expected = None    # pages announced to be left at the next unload
    for num, raw in enumerate(lines, 1):
        if num in known:
            continue
        line = TIMESTAMP_RE.sub('', raw.rstrip('\n'))
        m = EXPECT_LEFT_RE.search(line)
        if m:
            left_expected = m.group('pages')
            continue
        m = UNLOADED_RE.search(line)
        if m:
            if m.group('pages') != (left_expected or '0'):
                problems.append((num, 'pages left allocated at unload, not '
                                 f'{left_expected or 0}', line))
            left_expected = None
        m = ALLOW_RE.search(line)
        if m:
            allowed.add(m.group('func'))
            continue
        m = EXPECT_RE.search(line)
        if m:
            kind, heap, ptr = m.group('kind', 'heap', 'ptr')
            bad = check_announcement(kind, ptr)
            if bad:
                problems.append((num, f'malformed announcement: {bad}', line))
            else:
                pending.append([kind, heap, ptr, num])
            continue
        m = REPORT_RE.search(line)
        if m:
            kind, heap = m.group('kind', 'heap')
            known_form, ptr = report_pointer(kind, m.group('details'))
            match = next((p for p in pending if p[0] == kind and
                          p[1] == heap and
                          p[2] == (ptr if ptr is not None else 'any')), None)
            if not known_form:
                problems.append((num, 'obmalloc report in an unknown form '
                                 '(no pointer where results.py looks)', line))
            elif match:
                pending.remove(match)
                reports.append(num)
            else:
                problems.append((num, 'unexpected obmalloc report', line))
            continue
        if RESULT_RE.match(line) or line.startswith('obm-vm: '):
            expire()
        for what in taint_problems(line):
            problems.append((num, what, line))
        m = LOCKDEP_RE.search(line)
        if m and m.group(1) != '1':
            problems.append((num, 'lockdep turned itself off', line))
        for regex, what in BAD_RES:
            if not regex.search(line):
                continue
            if what == 'WARNING' and any(
                    re.search(rf' at \S+ {re.escape(f)}(?:\.\w+)*\+0x', line)
                    for f in allowed):
                break
            if what == 'WARNING' and OBM_WARN_RE.match(line):
                report = next((r for r in reports
                               if 0 < num - r <= WARN_WINDOW), None)
                if report is not None:
                    reports.remove(report)
                    break
                what = 'WARNING of obm_report not right after its expected report'
            problems.append((num, what, line))
            break
        # A WARNING comes right after its report or not at all.
        reports[:] = [r for r in reports if num - r < WARN_WINDOW]
    expire()
    return problems


# kernel/printk/nbcon.c: a console that took over another context's
# record prints it again whole, after this line.
REPLAY = '** replaying previous printk message **'


def unreplay(lines):
    """LINES with each record a console printed twice left once.

    When a console that supports atomic printing (nbcon: the 8250 on
    6.12-rt) is taken over in the middle of a record - by a WARN's
    emergency printing, say - the new owner prints REPLAY and then the
    whole record again. The first copy, whole or cut short (then REPLAY
    follows on its line), would count twice: an announcement twice, one
    of them never matched. The first copy and REPLAY become empty lines,
    so that line numbers stay the log's, but only where the first copy is
    the start of the record printed after REPLAY.
    """
    out = list(lines)
    for i, raw in enumerate(lines):
        at = raw.find(REPLAY)
        if at < 0 or i + 1 >= len(lines):
            continue
        # Cut short, the first copy ends on REPLAY's line; whole, before it.
        where = i if at else i - 1
        first = (raw[:at] if at else lines[where]).rstrip('\n')
        if where >= 0 and first and lines[i + 1].startswith(first):
            out[where] = '\n'
            out[i] = '\n'
    return out


def read_log(path):
    """The lines of the log at PATH, records printed twice left once."""
    with open(path, errors='replace') as f:
        return unreplay(f.readlines())


EARLY_BOOTS = ('first', 'second')
INT3_RE = re.compile(r'Oops: int3: ')
RIP_RE = re.compile(r'RIP: \d+:(\S+)(\s+\[\w+\])?')


def early_int3(lines, problems):
    """Why PROBLEMS of a dead early boot are excused, or None.

    Under TCG, Debian's 6.12-rt dies at boot in 3 boots of 49 (6.12 once)
    on an int3 trap in code whose jump label was just patched
    (sched_clock_cpu() after "sched_clock: Marking stable", enqueue_timer()),
    with no text poke in progress to claim it: QEMU's multi-threaded TCG
    ran the trap byte after the patch had replaced it. Excused only when
    the kernel never reached /init (no module of ours was loaded), every
    report is such an oops or the panic it leads to, and no RIP names a
    module.
    """
    if any('Run /init as init process' in ln for ln in lines):
        return None
    if not problems or not INT3_RE.search(problems[0][2]):
        return None
    for _, what, text in problems:
        if not (INT3_RE.search(text) or
                (what == 'panic' and 'Fatal exception' in text)):
            return None
    rips = [m.group(1, 2) for m in map(RIP_RE.search, lines) if m]
    if not rips or any(module for _, module in rips):
        return None
    return f'an int3 oops at {rips[0][0]} before /init (a stale jump-label trap)'


def judge_early_boots(log):
    """Problems in the logs of boots tools/vm/run retried.

    Nothing of ours ran there (the guest never printed its first line).
    A silent death is printed but is no failure, and so is the one known
    death of early_int3(); any other report is a failure.
    """
    found = []
    for early in EARLY_BOOTS:
        path = f'{log}.{early}-boot'
        if not os.path.exists(path):
            break
        lines = read_log(path)
        problems = scan_log(lines)
        excuse = early_int3(lines, problems)
        if excuse:
            print(f'{early} boot ({path}): the kernel died before the scenario '
                  f'started, with {excuse}; the retry counts')
            continue
        if problems:
            print(f'{early} boot ({path}): the kernel died before the scenario '
                  'started, with a report:')
        else:
            last = next((TIMESTAMP_RE.sub('', ln.rstrip())
                         for ln in reversed(lines) if ln.strip()), '(empty log)')
            print(f'{early} boot ({path}): the kernel died silently before '
                  f'the scenario started (last line: {last}); the retry counts')
        found += [(f'{os.path.basename(path)}:{num}', what, text)
                  for num, what, text in problems]
    return found


def marker_problems(lines, flavour, numa):
    """Markers the flavour's log must reach; the NUMA nodes it must see."""
    text = ''.join(lines)
    problems = [f'the log never reached "{m.strip()}"'
                for m in FLAVOURS[flavour]['markers'] if m not in text]
    if numa:
        seen = [NUMA_RE.search(TIMESTAMP_RE.sub('', ln.rstrip()))
                for ln in lines]
        seen = [m.group(1).strip() for m in seen if m]
        want = '0' if numa == 1 else f'0-{numa - 1}'
        if seen != [want]:
            problems.append(f'a {numa}-node NUMA boot: the guest saw nodes '
                            f'{seen or "(no line)"}, not {want}')
    return problems


def failure_lines(case, limit=15):
    """The failed case's own output from its first failure on, for the tail
    of a CI log, which is often all that is kept."""
    log = [line.rstrip() for line in getattr(case, 'log', [])]
    first = next((i for i, line in enumerate(log) if 'FAILED' in line),
                 max(0, len(log) - limit))
    shown = log[first:first + limit]
    if len(log) > first + limit:
        shown.append(f'... {len(log) - first - limit} more lines')
    return ''.join(f'\n      {line}' for line in shown)


def record_skip_reasons(kunit_parser):
    """Make kunit_parser keep each result line's "# SKIP" reason on its
    Test, as .skip_reason (it keeps only the status)."""
    parse = kunit_parser.parse_test_result

    def parse_test_result(lines, test, expected_num):
        line = lines.peek() if lines else ''
        parsed = parse(lines, test, expected_num)
        if parsed:
            m = SKIP_REASON_RE.match(line)
            test.skip_reason = m.group(1).strip() if m else ''
        return parsed

    kunit_parser.parse_test_result = parse_test_result


def allowed_skip(flavour, suite, case, reason):
    """Why this skip is allowed on this boot, or None."""
    for glob, (pattern, why) in FLAVOURS[flavour]['skips'].items():
        if fnmatch.fnmatchcase(f'{suite}.{case}', glob) and \
                re.match(pattern, reason or ''):
            return why
    return None


def count_cases(root, kunit_parser, wanted_suites, flavour):
    """Per-suite pass/fail/skip counts: test cases, and each parameter of
    a parameterised case."""
    status = kunit_parser.TestStatus
    per_suite = collections.OrderedDict()
    problems = []
    suites = {s.name: s for s in root.subtests}
    for name in wanted_suites:
        if name not in suites:
            problems.append(f'suite {name} did not run')
    for suite in root.subtests:
        counts = collections.Counter()
        if suite.name not in wanted_suites:
            problems.append(f'suite {suite.name} ran but was not asked for '
                            '(kunit.filter_glob not applied?)')
        if not suite.subtests:
            problems.append(f'suite {suite.name} has no test cases '
                            f'({suite.status.name})')
        for case in suite.subtests:
            # A parameterised case's results are its parameters'.
            results = [(f'{case.name}[{p.name}]', p) for p in case.subtests] \
                or [(case.name, case)]
            failed_before = counts['failed']
            for name, result in results:
                if result.status == status.SUCCESS:
                    counts['passed'] += 1
                    continue
                reason = getattr(result, 'skip_reason', '')
                if result.status == status.SKIPPED:
                    why = allowed_skip(flavour, suite.name, case.name, reason)
                    if why:
                        counts['skipped'] += 1
                        print(f'allowed skip on {flavour}: {suite.name}.{name}'
                              f': {reason} ({why})')
                        continue
                    problems.append(f'{suite.name}.{name}: skipped ("{reason}"),'
                                    f' and not an allowed skip on {flavour}')
                else:
                    problems.append(f'{suite.name}.{name}: {result.status.name}'
                                    + failure_lines(result))
                counts['failed'] += 1
            if case.subtests and counts['failed'] == failed_before and \
                    case.status not in (status.SUCCESS, status.SKIPPED):
                problems.append(f'{suite.name}.{case.name}: '
                                f'{case.status.name} with every parameter ok')
                counts['failed'] += 1
        if suite.status not in (status.SUCCESS, status.SKIPPED) and \
                not counts['failed']:
            problems.append(f'suite {suite.name}: {suite.status.name}')
            counts['failed'] += 1
        per_suite[suite.name] = counts
    if root.counts.errors:
        problems.append(f'{root.counts.errors} KTAP parse errors '
                        '(missing or cut-short output)')
    return per_suite, problems


def print_log_problems(log_problems):
    if not log_problems:
        return
    print()
    print('Kernel log problems:')
    for num, what, text in log_problems[:40]:
        print(f'  line {num}: {what}: {text}')
    if len(log_problems) > 40:
        print(f'  ... and {len(log_problems) - 40} more')


def judge_log_only(path, flavour, numa):
    """make field: no KTAP; the scenario's markers and a clean log."""
    lines = read_log(path)
    problems = judge_early_boots(path)
    problems += [(0, 'missing', p) for p in marker_problems(lines, flavour, numa)]
    problems += scan_log(lines)
    print_log_problems(problems)
    print(f'{0 if problems else 1} passed, {1 if problems else 0} failed')
    return 1 if problems else 0


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('log')
    ap.add_argument('--kunit-dir')
    ap.add_argument('--suites')
    ap.add_argument('--flavour', choices=sorted(FLAVOURS),
                    help='the boot: which skips are allowed, which markers '
                    'its log must reach')
    ap.add_argument('--numa', type=int, default=0,
                    help='the boot had this many NUMA nodes: the guest must '
                    'have seen them online')
    ap.add_argument('--no-kunit', action='store_true',
                    help='a kernel without KUnit (make field): judge the '
                    'log and the scenario only')
    args = ap.parse_args()
    if args.no_kunit:
        return judge_log_only(args.log, args.flavour or 'field', args.numa)
    if not args.kunit_dir or not args.suites or not args.flavour:
        ap.error('--kunit-dir, --suites and --flavour are required without '
                 '--no-kunit')

    sys.path.insert(0, args.kunit_dir)
    import kunit_parser  # pylint: disable=import-outside-toplevel
    record_skip_reasons(kunit_parser)

    lines = read_log(args.log)
    wanted = [s for s in args.suites.split(',') if s]

    # The kernel prints an empty KTAP run for its built-in tests at boot;
    # obmalloc's begins after the guest's marker.
    begin = next((i for i, ln in enumerate(lines) if TESTS_BEGIN in ln), None)
    if begin is None:
        root = kunit_parser.parse_run_tests([])
    else:
        root = kunit_parser.parse_run_tests(lines[begin:])
    per_suite, problems = count_cases(root, kunit_parser, wanted, args.flavour)
    if root.status in (kunit_parser.TestStatus.FAILURE_TO_PARSE_TESTS,
                       kunit_parser.TestStatus.NO_TESTS):
        problems.append('no KTAP output: the tests did not run')

    print()
    print(f'Per suite ({args.flavour}):')
    for name, c in per_suite.items():
        print(f'  {name:24} {c["passed"]:3} passed, {c["failed"]:2} failed'
              + (f', {c["skipped"]} skipped' if c['skipped'] else ''))

    log_problems = judge_early_boots(args.log) + scan_log(lines)
    problems += marker_problems(lines, args.flavour, args.numa)
    print_log_problems(log_problems)
    if problems:
        print()
        print('Test problems:')
        for p in problems:
            print(f'  {p}')

    passed = sum(c['passed'] for c in per_suite.values())
    failed = sum(c['failed'] for c in per_suite.values())
    skipped = sum(c['skipped'] for c in per_suite.values())
    # A broken run is never reported as all passed.
    if (problems or log_problems) and not failed:
        failed = 1
    print()
    print(f'{passed} passed, {failed} failed, {skipped} skipped')
    return 1 if failed else 0


if __name__ == '__main__':
    sys.exit(main())
