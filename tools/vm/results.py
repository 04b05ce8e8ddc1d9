#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Judge an obmalloc test VM's console log.

Usage: results.py LOG --kunit-dir DIR --suites NAME[,NAME...]

Parses the KTAP in LOG with the kernel's own kunit_parser (from DIR,
tools/testing/kunit of the source the test kernel was built from), prints
per-suite results, then scans the whole log for kernel reports. Prints a
last line "N passed, N failed" (test cases: a parameterised case counts
once) and exits non-zero if any case failed, a suite is missing, the KTAP
is missing or cut short, or the log shows a report nobody expected.

Expected reports: a test that provokes an obmalloc report first logs
"obmalloc-test: expect report: <kind> from heap <name>". Each such line
allows one "obmalloc: heap <name>: <kind>: ..." WARN until the test case
ends; one still unmatched then fails the run (see scan_log()). Every other
WARNING, BUG, Oops, lockdep, KASAN, UBSAN or kmemleak report, an RCU stall,
hung task or soft lockup, a page allocation failure, a failed module
command or scenario check, and a log cut short fail the run, as does a
skipped test case that is not in ALLOWED_SKIPS.

With --no-kunit (make field), only the log and the scenario are judged.
"""

import argparse
import collections
import re
import sys

EXPECT_RE = re.compile(r'(?:# (?P<test>\w+): )?obmalloc-test: expect report: '
                       r'(?P<kind>.+?) from heap (?P<heap>\S+)\s*$')
REPORT_RE = re.compile(
    r'obmalloc: heap (?P<heap>\S+): (?P<kind>double free|interior pointer|'
    r'pointer to no block|foreign pointer|corrupted free list|'
    r'destroy with live blocks|red zone overwritten|write after free): ')
# The result line of a test case, which ends its announcements' scope.
CASE_END_RE = re.compile(r'\s*(?:not )?ok \d+ (\w+)\b')
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
    (re.compile(r'kmemleak: \d+ new suspected memory leaks|'
                r'unreferenced object 0x'), 'kmemleak leak'),
    (re.compile(r'list_(add|del) corruption'), 'list corruption'),
    (re.compile(r'obm-vm: timed out'), 'VM timeout'),
    (re.compile(r'obm-vm: (insmod|rmmod) \S+ failed'), 'module command failed'),
    (re.compile(r'obm-vm: FAIL: '), 'scenario check failed'),
    (re.compile(r'obm-vm: scenario exited with status [1-9]'),
     'scenario failed'),
    (re.compile(r'page allocation failure'), 'allocation failure splat'),
    (re.compile(r'(stress|kswapd): \d+ passed, [1-9]\d* failed'),
     'stress module failures'),
    (re.compile(r'rcu: INFO: \S+ (self-)?detected stall|'
                r'detected stalls on CPUs'), 'RCU stall'),
    (re.compile(r'INFO: task \S+ blocked for more than'), 'hung task'),
    (re.compile(r'soft lockup'), 'soft lockup'),
    (re.compile(r'invoked oom-killer|Out of memory: Kill'), 'OOM kill'),
    (re.compile(r'kmemleak: .*(disabled|Cannot allocate)'),
     'kmemleak unavailable'),
]
# Markers the scenarios print once they got that far (make check's guest
# also ends with a kmemleak report); a log without one was cut short (a
# hang, a crash, a QEMU failure).
SCENARIO_MARKERS = ['obm-vm: trace end', 'obm-vm: soak end',
                    'obm-vm: unload scenario end']
REQUIRED_MARKERS = SCENARIO_MARKERS + ['obm-vm: kmemleak report end']
# Test cases that may be skipped, with the reason; any other skip fails.
ALLOWED_SKIPS = {
    'obm_test_hardirq':
        'PREEMPT_RT: no allocation in hard interrupt context, as for kmalloc()',
}
TESTS_BEGIN = 'obm-vm: tests begin'
TIMESTAMP_RE = re.compile(r'^\[\s*\d+\.\d+\]\s?')


VACATED_RE = re.compile(r'Dying CPU not properly vacated!')
ENQUEUED_RE = re.compile(r'CPU(\d+) enqueued tasks \(\d+ total\):')
TASK_RE = re.compile(r'^\s*pid: \d+, name: (\S+)')


def known_kernel_warnings(lines):
    """Line numbers of WARNINGs that are a known kernel issue, not ours.

    Linux 6.12's sched_cpu_dying() warns "Dying CPU not properly vacated!"
    when rq->nr_running != 1, and counts the fair deadline server
    (inc_dl_tasks() adds it to nr_running) before it stops it. The warning
    is excused only when the task dump that follows it lists nothing but
    the dying CPU's own migration thread: then no task was left behind.
    Any other task listed keeps it a failure.
    """
    excused = {}
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


def scan_log(lines):
    """Return a list of (line number, what, text) for unexpected reports.

    An announcement ("obmalloc-test: expect report: KIND from heap NAME")
    excuses one report of KIND from heap NAME, and the WARNING line that
    follows it, until the announcing test case ends (its "ok"/"not ok"
    line), or for an announcement from a guest script, until the script's
    next "obm-vm:" line. An announcement still unmatched then is a
    failure, so a report that never printed (rate-limited) cannot leave
    one behind to excuse a later report.
    """
    problems = []
    pending = []        # [test or None, kind, heap, line number]
    pending_warnings = 0
    known = known_kernel_warnings(lines)
    for num, why in sorted(known.items()):
        print(f'excused line {num}: {why}')
    for num, raw in enumerate(lines, 1):
        if num in known:
            continue
        line = TIMESTAMP_RE.sub('', raw.rstrip('\n'))
        m = EXPECT_RE.search(line)
        if m:
            pending.append([m.group('test'), m.group('kind'),
                            m.group('heap'), num])
            continue
        m = REPORT_RE.search(line)
        if m:
            match = next((p for p in pending if p[1] == m.group('kind') and
                          p[2] == m.group('heap')), None)
            if match:
                pending.remove(match)
                pending_warnings += 1
            else:
                problems.append((num, 'unexpected obmalloc report', line))
            continue
        m = CASE_END_RE.match(line)
        ended = m.group(1) if m else None
        if ended or line.startswith('obm-vm: '):
            for p in [p for p in pending if p[0] == ended]:
                problems.append((p[3], 'announced report never came',
                                 f'{p[1]} from heap {p[2]}'))
                pending.remove(p)
        for regex, what in BAD_RES:
            if not regex.search(line):
                continue
            if what == 'WARNING' and pending_warnings and \
                    line.startswith('WARNING: CPU:'):
                pending_warnings -= 1
            else:
                problems.append((num, what, line))
            break
    for p in pending:
        problems.append((p[3], 'announced report never came',
                         f'{p[1]} from heap {p[2]}'))
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


def count_cases(root, kunit_parser, wanted_suites):
    """Per-suite pass/fail/skip counts of the test cases under root."""
    status = kunit_parser.TestStatus
    per_suite = collections.OrderedDict()
    problems = []
    suites = {s.name: s for s in root.subtests}
    for name in wanted_suites:
        if name not in suites:
            problems.append(f'suite {name} did not run')
    for suite in root.subtests:
        counts = collections.Counter()
        if not suite.subtests:
            problems.append(f'suite {suite.name} has no test cases '
                            f'({suite.status.name})')
        for case in suite.subtests:
            if case.status == status.SUCCESS:
                counts['passed'] += 1
            elif case.status == status.SKIPPED and case.name in ALLOWED_SKIPS:
                counts['skipped'] += 1
                print(f'allowed skip: {suite.name}.{case.name}: '
                      f'{ALLOWED_SKIPS[case.name]}')
            elif case.status == status.SKIPPED:
                counts['failed'] += 1
                problems.append(f'{suite.name}.{case.name}: skipped, and not '
                                'on the list of allowed skips')
            else:
                counts['failed'] += 1
                problems.append(f'{suite.name}.{case.name}: {case.status.name}'
                                + failure_lines(case))
        if suite.status not in (status.SUCCESS, status.SKIPPED) and \
                not counts['failed']:
            problems.append(f'suite {suite.name}: {suite.status.name}')
            counts['failed'] += 1
        per_suite[suite.name] = counts
    if root.counts.errors:
        problems.append(f'{root.counts.errors} KTAP parse errors '
                        '(missing or cut-short output)')
    return per_suite, problems


def judge_log_only(path):
    """make field: no KTAP; the scenario's markers and a clean log."""
    with open(path, errors='replace') as f:
        lines = f.readlines()
    text = ''.join(lines)
    problems = [(0, 'missing marker', m) for m in SCENARIO_MARKERS
                if m not in text]
    problems += scan_log(lines)
    for num, what, line in problems[:40]:
        print(f'  line {num}: {what}: {line}')
    print(f'{0 if problems else 1} passed, {1 if problems else 0} failed')
    return 1 if problems else 0


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('log')
    ap.add_argument('--kunit-dir')
    ap.add_argument('--suites')
    ap.add_argument('--no-kunit', action='store_true',
                    help='a kernel without KUnit (make field): judge the '
                    'log and the scenario only')
    args = ap.parse_args()
    if args.no_kunit:
        return judge_log_only(args.log)
    if not args.kunit_dir or not args.suites:
        ap.error('--kunit-dir and --suites are required without --no-kunit')

    sys.path.insert(0, args.kunit_dir)
    import kunit_parser  # pylint: disable=import-outside-toplevel

    with open(args.log, errors='replace') as f:
        lines = f.readlines()
    wanted = [s for s in args.suites.split(',') if s]

    # The kernel prints an empty KTAP run for its built-in tests at boot;
    # obmalloc's begins after the guest's marker.
    begin = next((i for i, l in enumerate(lines) if TESTS_BEGIN in l), 0)
    root = kunit_parser.parse_run_tests(lines[begin:])
    per_suite, problems = count_cases(root, kunit_parser, wanted)
    if root.status in (kunit_parser.TestStatus.FAILURE_TO_PARSE_TESTS,
                       kunit_parser.TestStatus.NO_TESTS):
        problems.append('no KTAP output: the tests did not run')

    print()
    print('Per suite:')
    for name, c in per_suite.items():
        print(f'  {name:24} {c["passed"]:3} passed, {c["failed"]:2} failed'
              + (f', {c["skipped"]} skipped' if c['skipped'] else ''))

    log_problems = scan_log(lines)
    text = ''.join(lines)
    for marker in REQUIRED_MARKERS:
        if marker not in text:
            problems.append(f'the log never reached "{marker}"')
    if log_problems:
        print()
        print('Kernel log problems:')
        for num, what, text in log_problems[:40]:
            print(f'  line {num}: {what}: {text}')
        if len(log_problems) > 40:
            print(f'  ... and {len(log_problems) - 40} more')
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
    print(f'{passed} passed, {failed} failed' +
          (f', {skipped} skipped' if skipped else ''))
    return 1 if failed else 0


if __name__ == '__main__':
    sys.exit(main())
