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
"obmalloc-test: expect report: <kind>". Each such line allows one
"obmalloc: heap <name>: <kind>: ..." WARN. Every other WARNING, BUG, Oops,
lockdep, KASAN, UBSAN or kmemleak report fails the run.
"""

import argparse
import collections
import re
import sys

EXPECT_RE = re.compile(r'obmalloc-test: expect report: (.+?)\s*$')
REPORT_RE = re.compile(
    r'obmalloc: heap \S+: (double free|interior pointer|pointer to no block|'
    r'foreign pointer|destroy with live blocks): ')
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
]
TESTS_BEGIN = 'obm-vm: tests begin'
TIMESTAMP_RE = re.compile(r'^\[\s*\d+\.\d+\]\s?')


def scan_log(lines):
    """Return a list of (line number, what, text) for unexpected reports."""
    problems = []
    expected = collections.Counter()
    pending_warnings = 0
    for num, raw in enumerate(lines, 1):
        line = TIMESTAMP_RE.sub('', raw.rstrip('\n'))
        m = EXPECT_RE.search(line)
        if m:
            expected[m.group(1)] += 1
            continue
        m = REPORT_RE.search(line)
        if m:
            kind = m.group(1)
            if expected[kind] > 0:
                expected[kind] -= 1
                pending_warnings += 1
            else:
                problems.append((num, 'unexpected obmalloc report', line))
            continue
        for regex, what in BAD_RES:
            if not regex.search(line):
                continue
            if what == 'WARNING' and pending_warnings and \
                    line.startswith('WARNING: CPU:'):
                pending_warnings -= 1
            else:
                problems.append((num, what, line))
            break
    return problems


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
            elif case.status == status.SKIPPED:
                counts['skipped'] += 1
            else:
                counts['failed'] += 1
                problems.append(f'{suite.name}.{case.name}: {case.status.name}')
        if suite.status not in (status.SUCCESS, status.SKIPPED) and \
                not counts['failed']:
            problems.append(f'suite {suite.name}: {suite.status.name}')
            counts['failed'] += 1
        per_suite[suite.name] = counts
    if root.counts.errors:
        problems.append(f'{root.counts.errors} KTAP parse errors '
                        '(missing or cut-short output)')
    return per_suite, problems


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('log')
    ap.add_argument('--kunit-dir', required=True)
    ap.add_argument('--suites', required=True)
    args = ap.parse_args()

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
