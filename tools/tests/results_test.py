#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Host tests of tools/vm/results.py, the verdict on a test VM's log.

Usage: tools/tests/results_test.py [--kunit-dir DIR]

Feeds results.py, run as make check runs it, small logs crafted in the
form the kernel and the guest print them (KTAP from lib/kunit/test.c,
WARN() as kernel/panic.c prints it, the guest's markers) and checks its
verdict: each test changes one thing in a log that passes. No VM is
needed. DIR is tools/testing/kunit of the kernel source, for its
kunit_parser (default: $OBM_KUNIT_DIR, else the newest extracted 6.12
source in ${OBM_CACHE:-~/.cache/obmalloc}). Ends with "results_test: N
passed, N failed, N skipped" (tools/vm/check adds it to its total).
"""

import argparse
import glob
import os
import subprocess
import sys
import tempfile
import unittest

RESULTS = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'vm',
                       'results.py')
KUNIT_DIR = None

TS = '[   12.345678] '
REPLAY = '** replaying previous printk message **'
HEAP = 'kunit-7'
P1 = '00000000c3d2a1b0'
P2 = '000000009e1f2c3a'
TAINT_OK = 512 + 4096 + 8192 + 262144          # W, O, E, N
HARDIRQ_RT = ('PREEMPT_RT: no allocation in hard interrupt context, '
              'as for kmalloc()')
ZERO_ALLOC = ('init_on_alloc=1 zeroes every block; runs on the '
              'init_on_alloc=0 init_on_free=0 boot')
ZERO_FREE = ('init_on_free=1 clears every freed block; runs on the '
             'init_on_alloc=0 init_on_free=0 boot')


def announce(test, kind, ptr, heap=HEAP):
    return (f'    # {test}: obmalloc-test: expect report: {kind} from heap '
            f'{heap} at {ptr}')


def splat(kind='double free', ptr=P1, heap=HEAP, func='obm_report', gap=0,
          details=None):
    """An obmalloc report as WARN() prints it: the message, then (after
    @gap lines other CPUs printed) the WARNING line naming @func."""
    if details is None:
        details = (f'obm_free({ptr}): block already free (class 3, 32-byte '
                   'blocks, pool offset 64)')
    return (['------------[ cut here ]------------',
             f'obmalloc: heap {heap}: {kind}: {details}']
            + [f'virtio: unrelated line {i}' for i in range(gap)]
            + [f'WARNING: CPU: 1 PID: 97 at /build/module/obm_ptr.c:137 '
               f'{func}+0x9a/0xd0 [obmalloc]',
               'Modules linked in: obmalloc_kunit(N) obmalloc(O)',
               'CPU: 1 UID: 0 PID: 97 Comm: kunit_try_catch Tainted: G W O N',
               f'RIP: 0010:{func}+0x9a/0xd0 [obmalloc]',
               'Call Trace:', ' <TASK>', ' obm_free+0x1d/0x30 [obmalloc]',
               ' </TASK>', '---[ end trace 0000000000000000 ]---'])


class Case:
    """A KUnit test case: status 'ok', 'fail' or 'skip'; its log lines;
    or, parameterised, params: [(name, status, lines, reason)]."""

    def __init__(self, name, status='ok', body=(), reason='', params=None):
        self.name, self.status, self.body = name, status, list(body)
        self.reason, self.params = reason, params


def result_line(indent, num, name, status, reason=''):
    word = 'not ok' if status == 'fail' else 'ok'
    skip = f' # SKIP {reason}' if status == 'skip' else ''
    return f'{indent}{word} {num} {name}{skip}'


def aggregate(statuses):
    """KUnit's status of a case from its parameters', of a suite from its
    cases': failed if any failed, else passed if any passed."""
    if 'fail' in statuses:
        return 'fail'
    return 'ok' if 'ok' in statuses else 'skip'


def render_suite(num, name, cases):
    out = ['    KTAP version 1', f'    # Subtest: {name}',
           '    # module: obmalloc_kunit', f'    1..{len(cases)}']
    statuses = []
    for i, case in enumerate(cases, 1):
        status = case.status
        if case.params is not None:
            out += ['        KTAP version 1', f'        # Subtest: {case.name}']
            for j, (pname, pstatus, pbody, preason) in enumerate(case.params, 1):
                out += pbody
                out.append(result_line('        ', j, pname, pstatus, preason))
            status = aggregate([p[1] for p in case.params])
            out.append(f'    # {case.name}: pass:0 fail:0 skip:0 total:0')
        else:
            out += case.body
        out.append(result_line('    ', i, case.name, status, case.reason))
        statuses.append(status)
    out.append(f'# {name}: pass:0 fail:0 skip:0 total:{len(cases)}')
    out.append(result_line('', num, name, aggregate(statuses)))
    return out


def double_free_case(body=None):
    """obm_test_double_free as it passes: announced, reported, WARNed."""
    if body is None:
        body = [announce('obm_test_double_free', 'double free', P1)] + splat()
    return Case('obm_test_double_free', body=body)


def base_suites(flavour='qemu'):
    zero_skip = {'qemu': ('skip', ZERO_ALLOC), 'qemu-rt': ('skip', ZERO_FREE),
                 'qemu-noinit': ('ok', '')}[flavour]
    hardirq = Case('obm_test_hardirq', 'skip', reason=HARDIRQ_RT) \
        if flavour == 'qemu-rt' else Case('obm_test_hardirq')
    suites = [
        ('obmalloc_errors', [double_free_case(), Case('obm_test_interior_free')]),
        ('obmalloc_context', [hardirq, Case('obm_test_softirq_timer')]),
        ('obmalloc_zero', [
            Case('obm_test_gfp_zero_reused', params=[
                ('magazines', zero_skip[0], [], zero_skip[1]),
                ('pools', zero_skip[0], [], zero_skip[1])]),
            Case('obm_test_zalloc', zero_skip[0], reason=zero_skip[1]),
            Case('obm_test_realloc_zero_spare', zero_skip[0],
                 reason=zero_skip[1]) if flavour == 'qemu'
            else Case('obm_test_realloc_zero_spare')]),
    ]
    if flavour == 'qemu-noinit':
        suites = suites[2:]
    return suites


def make_log(suites, tail=None, numa='0-1', taint=TAINT_OK, lockdep='1',
             scenarios=True):
    """A whole console log: boot, the KTAP of @suites, then the scenarios
    (@scenarios), kmemleak and the end checks; @tail replaces the lines
    after the KTAP."""
    lines = [TS + 'Linux version 6.12.57 (obm@host) #1 SMP PREEMPT',
             TS + 'KTAP version 1', TS + '1..0',
             'obm-vm: start: 4 CPUs online',
             f'obm-vm: NUMA nodes online: {numa}',
             'obm-vm: tests begin',
             TS + 'KTAP version 1', TS + f'1..{len(suites)}']
    for num, (name, cases) in enumerate(suites, 1):
        lines += [TS + line for line in render_suite(num, name, cases)]
    if tail is None:
        tail = []
        if scenarios:
            tail += ['obm-vm: trace begin', 'obm-vm: trace end',
                     'obm-vm: soak begin',
                     TS + 'obmalloc: unloaded: 0 pages left allocated',
                     'obm-vm: soak end',
                     'obm-vm: unload scenario begin',
                     'obmalloc-test: expect report: destroy with live blocks'
                     ' from heap leaked at any']
            tail += [TS + line for line in splat(
                'destroy with live blocks', heap='leaked',
                details='obm_heap_destroy(): 3 blocks still allocated; heap '
                'left in place')]
            tail += ['obm-vm: expect 64 pages left allocated',
                     TS + 'obmalloc: unloaded: 64 pages left allocated',
                     'obm-vm: unload scenario end']
        tail += ['obm-vm: kmemleak report begin', 'obm-vm: kmemleak report end']
        if taint is not None:
            tail += [f'obm-vm: tainted: {taint} -']
        if lockdep is not None:
            tail += [f'obm-vm: lockdep: debug_locks {lockdep}']
        tail += ['obm-vm: scenario exited with status 0']
    return [line + '\n' for line in lines + tail]


def judge(log, suites, flavour='qemu', numa=2, first_boot=None,
          second_boot=None, no_kunit=False):
    """Run results.py on @log as make check does: (exit status, output).

    @first_boot and @second_boot: the logs of boots tools/vm/run retried.
    """
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, 'check.log')
        with open(path, 'w', encoding='utf-8') as f:
            f.writelines(log)
        for early, lines in (('first', first_boot), ('second', second_boot)):
            if lines is not None:
                with open(f'{path}.{early}-boot', 'w', encoding='utf-8') as f:
                    f.writelines(line + '\n' for line in lines)
        if no_kunit:
            args = ['--no-kunit', '--flavour', flavour]
        else:
            args = ['--kunit-dir', KUNIT_DIR, '--flavour', flavour,
                    '--suites', ','.join(name for name, _ in suites)]
        out = subprocess.run([sys.executable, RESULTS, path, *args,
                              '--numa', str(numa)],
                             capture_output=True, text=True, timeout=120,
                             check=False)
    return out.returncode, out.stdout + out.stderr


class Verdict(unittest.TestCase):
    """Each test changes one thing of a log that passes."""

    def passes(self, log, suites, flavour='qemu', **kw):
        status, out = judge(log, suites, flavour, **kw)
        self.assertEqual(status, 0, out)
        return out

    def fails(self, log, suites, flavour='qemu', why=(), **kw):
        status, out = judge(log, suites, flavour, **kw)
        self.assertNotEqual(status, 0, out)
        self.assertNotRegex(out.splitlines()[-1], r' 0 failed', out)
        for text in why:
            self.assertIn(text, out)
        return out

    def with_double_free(self, body):
        suites = base_suites()
        suites[0] = ('obmalloc_errors', [double_free_case(body),
                                         Case('obm_test_interior_free')])
        return suites

    def test_clean_logs_pass(self):
        for flavour in ('qemu', 'qemu-rt', 'qemu-noinit'):
            with self.subTest(flavour=flavour):
                suites = base_suites(flavour)
                out = self.passes(make_log(suites, scenarios=flavour != 'qemu-noinit'),
                                  suites, flavour, numa=2 if flavour == 'qemu' else 0)
                want = {'qemu': '4 passed, 0 failed, 4 skipped',
                        'qemu-rt': '4 passed, 0 failed, 4 skipped',
                        'qemu-noinit': '4 passed, 0 failed, 0 skipped'}[flavour]
                self.assertEqual(out.splitlines()[-1], want, out)

    def test_unannounced_report_fails(self):
        suites = self.with_double_free(splat())
        self.fails(make_log(suites), suites, why=['unexpected obmalloc report'])

    def replayed(self, again=None, record='expect report'):
        """A passing log in which the console printed the line holding
        @record, then the replay line and that line again (or @again), as
        6.12-rt's nbcon console does."""
        suites = self.with_double_free(
            [announce('obm_test_double_free', 'double free', P1)] + splat())
        log = make_log(suites)
        at = next(i for i, ln in enumerate(log) if record in ln)
        log[at + 1:at + 1] = [REPLAY + '\n', again or log[at]]
        return log, suites

    def test_replayed_announcement_counts_once(self):
        log, suites = self.replayed()
        self.passes(log, suites)

    def test_replay_after_a_cut_record_counts_once(self):
        # The WARNING of the report, cut short, then whole.
        log, suites = self.replayed(record='WARNING: CPU:')
        at = log.index(REPLAY + '\n')
        log[at - 1:at + 1] = [log[at - 1][:40] + REPLAY + '\n']
        self.passes(log, suites)

    def test_announcement_twice_without_replay_fails(self):
        log, suites = self.replayed()
        log.remove(REPLAY + '\n')
        self.fails(log, suites, why=['announced report never came'])

    def test_replay_of_another_record_keeps_both(self):
        log, suites = self.replayed(again=TS + announce(
            'obm_test_double_free', 'double free', P2) + '\n')
        self.fails(log, suites, why=['announced report never came',
                                     f'double free from heap {HEAP} at {P2}'])

    def test_report_pointer_differs_fails(self):
        suites = self.with_double_free(
            [announce('obm_test_double_free', 'double free', P2)] + splat(ptr=P1))
        self.fails(make_log(suites), suites,
                   why=['unexpected obmalloc report', 'announced report never came'])

    def test_report_heap_differs_fails(self):
        suites = self.with_double_free(
            [announce('obm_test_double_free', 'double free', P1)]
            + splat(heap='kunit-8'))
        self.fails(make_log(suites), suites, why=['unexpected obmalloc report'])

    def test_any_only_for_reports_without_pointer(self):
        suites = self.with_double_free(
            [announce('obm_test_double_free', 'double free', 'any')] + splat())
        self.fails(make_log(suites), suites, why=['malformed announcement'])

    def test_announcement_without_pointer_fails(self):
        suites = self.with_double_free(
            [announce('obm_test_double_free', 'double free', P1)[:-len(' at ' + P1)]]
            + splat())
        self.fails(make_log(suites), suites, why=['malformed announcement'])

    def test_announcement_without_address_fails(self):
        # A boot without no_hash_pointers: "(____ptrval____)" on both sides
        # matches nothing in particular, and hashing may start in between.
        ptrval = '(____ptrval____)'
        suites = self.with_double_free(
            [announce('obm_test_double_free', 'double free', ptrval)]
            + splat(ptr=ptrval))
        self.fails(make_log(suites), suites,
                   why=['malformed announcement', 'unexpected obmalloc report'])

    def test_report_in_unknown_form_fails(self):
        suites = self.with_double_free(
            [announce('obm_test_double_free', 'double free', P1)]
            + splat(details=f'block {P1} freed twice'))
        self.fails(make_log(suites), suites, why=['unknown form'])

    def test_every_report_form_matches(self):
        body = ([announce('obm_test_double_free', 'interior pointer', P2)]
                + splat('interior pointer', details=f'obm_usable_size({P2}): not at '
                        'the start of a block (class 11, 96-byte blocks, pool offset 1)')
                + [announce('obm_test_double_free', 'corrupted free list', P1)]
                + splat('corrupted free list', details=f'free block {P1}: link '
                        'overwritten, rest of the pool\'s free list abandoned')
                + [announce('obm_test_double_free', 'write after free', P2)]
                + splat('write after free', details=f'obm_heap_shrink({P2}): free '
                        'block written before its reuse (class 7, 64-byte blocks, '
                        'pool offset 64, first bad byte at offset 40 of the block)')
                + [announce('obm_test_double_free', 'stray kfree', P1)]
                + splat('stray kfree', details=f'2 block(s) of pool {P1} (class 7, '
                        '64-byte blocks) freed by kfree(): left allocated')
                + [announce('obm_test_double_free', 'foreign pointer', P2,
                            heap='(none)')]
                + splat('foreign pointer', heap='(none)', details=f'obm_free({P2}): '
                        'not from obmalloc or kmalloc'))
        suites = self.with_double_free(body)
        self.passes(make_log(suites), suites)

    def test_warning_not_following_its_report_fails(self):
        suites = self.with_double_free(
            [announce('obm_test_double_free', 'double free', P1)] + splat(gap=6))
        self.fails(make_log(suites), suites, why=['not right after'])

    def test_warning_within_a_few_lines_passes(self):
        suites = self.with_double_free(
            [announce('obm_test_double_free', 'double free', P1)] + splat(gap=2))
        self.passes(make_log(suites), suites)

    def test_warning_from_another_function_fails(self):
        suites = self.with_double_free(
            [announce('obm_test_double_free', 'double free', P1)]
            + splat(func='obm_free'))
        self.fails(make_log(suites), suites, why=['WARNING'])

    def kernel_warn(self, func):
        return [f'WARNING: CPU: 0 PID: 9 at mm/slab_common.c:1046 {func}+0x5/0x90',
                'Modules linked in: obmalloc_kunit(N) obmalloc(O)']

    def test_allowed_kernel_warning_passes(self):
        suites = self.with_double_free(
            [announce('obm_test_double_free', 'double free', P1)] + splat()
            + ['    # obm_test_double_free: obmalloc-test: allow kernel warning in __ksize']
            + self.kernel_warn('__ksize') + self.kernel_warn('__ksize'))
        self.passes(make_log(suites), suites)

    def test_kernel_warning_not_allowed_fails(self):
        suites = self.with_double_free(
            [announce('obm_test_double_free', 'double free', P1)] + splat()
            + ['    # obm_test_double_free: obmalloc-test: allow kernel warning in __ksize']
            + self.kernel_warn('free_large_kmalloc'))
        self.fails(make_log(suites), suites, why=['WARNING'])

    def test_allowed_kernel_warning_ends_with_its_case(self):
        suites = base_suites()
        suites[0] = ('obmalloc_errors', [
            Case('obm_test_double_free', body=[
                '    # obm_test_double_free: obmalloc-test: allow kernel warning in __ksize']),
            Case('obm_test_interior_free', body=self.kernel_warn('__ksize'))])
        self.fails(make_log(suites), suites, why=['WARNING'])

    def test_second_warning_for_one_report_fails(self):
        body = [announce('obm_test_double_free', 'double free', P1)] + splat()
        body[4:4] = [body[3]]           # its WARNING line twice
        suites = self.with_double_free(body)
        self.fails(make_log(suites), suites, why=['not right after'])

    def test_announcement_ends_with_its_case(self):
        suites = base_suites()
        suites[0] = ('obmalloc_errors', [
            Case('obm_test_double_free',
                 body=[announce('obm_test_double_free', 'double free', P1)]),
            Case('obm_test_interior_free', body=splat())])
        self.fails(make_log(suites), suites,
                   why=['announced report never came', 'unexpected obmalloc report'])

    def test_skip_allowed_per_flavour(self):
        suites = [('obmalloc_context', [
            Case('obm_test_hardirq', 'skip', reason=HARDIRQ_RT),
            Case('obm_test_softirq_timer')])]
        self.fails(make_log(suites), suites, 'qemu', why=['not an allowed skip on qemu'])
        out = self.passes(make_log(suites), suites, 'qemu-rt', numa=0)
        self.assertIn('allowed skip on qemu-rt', out)

    def test_skip_with_another_reason_fails(self):
        suites = [('obmalloc_context', [
            Case('obm_test_hardirq', 'skip', reason='needs two online CPUs')])]
        self.fails(make_log(suites), suites, 'qemu-rt', numa=0,
                   why=['not an allowed skip on qemu-rt'])

    def test_zero_suite_may_not_skip_on_its_boot(self):
        suites = base_suites('qemu')[2:]
        self.fails(make_log(suites, scenarios=False), suites, 'qemu-noinit',
                   numa=0, why=['not an allowed skip on qemu-noinit'])

    def test_zero_suite_alone_on_its_boot(self):
        suites = base_suites('qemu-noinit')
        log = make_log(base_suites('qemu')[:1] + suites, scenarios=False)
        self.fails(log, suites, 'qemu-noinit', numa=0, why=['was not asked for'])
        self.fails(make_log([], scenarios=False), suites, 'qemu-noinit', numa=0,
                   why=['suite obmalloc_zero did not run'])

    def test_init_on_free_skip_not_allowed_for_realloc(self):
        suites = base_suites('qemu-rt')
        suites[2][1][2] = Case('obm_test_realloc_zero_spare', 'skip',
                               reason=ZERO_FREE)
        self.fails(make_log(suites), suites, 'qemu-rt', numa=0,
                   why=['obm_test_realloc_zero_spare: skipped'])

    def test_parameter_failing_fails(self):
        suites = [('obmalloc_sizes', [Case('obm_test_sizes', params=[
            ('8 bytes', 'ok', [], ''),
            ('16 bytes', 'fail', ['    # obm_test_sizes: EXPECTATION FAILED'], ''),
            ('24 bytes', 'ok', [], '')])])]
        out = self.fails(make_log(suites), suites, why=['obm_test_sizes[16 bytes]'])
        self.assertEqual(out.splitlines()[-1], '2 passed, 1 failed, 0 skipped')

    def test_parameter_skipped_in_a_passed_case_fails(self):
        # KUnit prints the case "ok" when one parameter passed, one skipped.
        suites = [('obmalloc_sizes', [Case('obm_test_sizes', params=[
            ('8 bytes', 'ok', [], ''),
            ('16 bytes', 'skip', [], 'no reason')])])]
        self.fails(make_log(suites), suites, why=['obm_test_sizes[16 bytes]: skipped'])

    def test_parameters_count_each(self):
        suites = [('obmalloc_sizes', [Case('obm_test_sizes', params=[
            (f'{n} bytes', 'ok', [], '') for n in (8, 16, 24)])])]
        out = self.passes(make_log(suites), suites)
        self.assertEqual(out.splitlines()[-1], '3 passed, 0 failed, 0 skipped')

    def test_kernel_reports_fail(self):
        lines = {
            'callbacks suppressed': 'obm_report: 7 callbacks suppressed',
            'RCU expedited stall': 'rcu: INFO: rcu_preempt detected expedited '
                                   'stalls on CPUs/tasks: { 1-... } 21003 jiffies',
            'non-static key': 'INFO: trying to register non-static key.',
            'printk messages dropped': '** 12 printk messages dropped **',
            'hung task': 'INFO: task kworker/1:2:123 blocked for more than 122 '
                         'seconds.',
            'soft lockup': 'watchdog: BUG: soft lockup - CPU#1 stuck for 26s! '
                           '[insmod:99]',
            'hard lockup': 'Watchdog detected hard LOCKUP on cpu 2',
            'debug objects report': 'ODEBUG: free active (active state 0) object:'
                                    ' 000000001234abcd object type: timer_list',
        }
        for what, line in lines.items():
            with self.subTest(what=what):
                suites = self.with_double_free(
                    [announce('obm_test_double_free', 'double free', P1)]
                    + splat() + [line])
                self.fails(make_log(suites), suites, why=[what])

    def test_pages_left_at_unload(self):
        suites = base_suites()
        log = make_log(suites)
        for old, new, why in (
                ('unloaded: 0 pages', 'unloaded: 3 pages', 'not 0'),
                ('unloaded: 64 pages', 'unloaded: 63 pages', 'not 64'),
                ('expect 64 pages', 'expect 65 pages', 'not 65')):
            with self.subTest(line=new):
                bad = [line.replace(old, new) for line in log]
                self.fails(bad, suites, why=[why])

    def test_other_callbacks_suppressed_pass(self):
        suites = self.with_double_free(
            [announce('obm_test_double_free', 'double free', P1)] + splat()
            + ['net_ratelimit: 3 callbacks suppressed'])
        self.passes(make_log(suites), suites)

    def test_first_boot_with_bug_fails(self):
        suites = base_suites()
        first = [TS + 'Linux version 6.12.57', TS + 'BUG: kernel NULL pointer '
                 'dereference, address: 0000000000000008']
        out = self.fails(make_log(suites), suites, first_boot=first,
                         why=['check.log.first-boot:2: BUG'])
        self.assertIn('with a report', out)

    @staticmethod
    def int3_death(rip='sched_clock_cpu+0x9/0x190', before=(), after=()):
        """A boot that died as Debian's 6.12 does under TCG."""
        return ([TS + 'Linux version 6.12.117+deb12-rt-amd64', *before,
                 TS + 'sched_clock: Marking stable (2512161412, 75152311)',
                 TS + 'Oops: int3: 0000 [#1] PREEMPT_RT SMP NOPTI',
                 TS + 'CPU: 3 UID: 0 PID: 52 Comm: ksoftirqd/3 Not tainted',
                 TS + f'RIP: 0010:{rip}',
                 TS + 'Call Trace:', TS + ' update_rq_clock+0x35/0x1a0',
                 *after,
                 TS + 'Kernel panic - not syncing: Fatal exception in interrupt'])

    def test_early_int3_death_is_excused(self):
        suites = base_suites()
        out = self.passes(make_log(suites), suites,
                          first_boot=self.int3_death(),
                          second_boot=self.int3_death())
        self.assertIn('first boot', out)
        self.assertIn('second boot', out)
        self.assertIn('int3 oops at sched_clock_cpu+0x9/0x190', out)

    def test_int3_death_after_init_fails(self):
        suites = base_suites()
        self.fails(make_log(suites), suites, first_boot=self.int3_death(
            before=[TS + 'Run /init as init process']),
                   why=['check.log.first-boot:4: Oops'])

    def test_int3_death_in_a_module_fails(self):
        suites = base_suites()
        self.fails(make_log(suites), suites, first_boot=self.int3_death(
            rip='obm_alloc+0x9/0x190 [obmalloc]'),
                   why=['check.log.first-boot:3: Oops'])

    def test_int3_death_with_another_report_fails(self):
        suites = base_suites()
        self.fails(make_log(suites), suites, first_boot=self.int3_death(
            after=[TS + 'BUG: unable to handle page fault']),
                   why=['check.log.first-boot:8: BUG'])

    def test_second_boot_with_bug_fails(self):
        suites = base_suites()
        second = [TS + 'Linux version 6.12.57', TS + 'BUG: kernel NULL pointer '
                  'dereference, address: 0000000000000008']
        self.fails(make_log(suites), suites, first_boot=self.int3_death(),
                   second_boot=second, why=['check.log.second-boot:2: BUG'])

    def test_first_boot_silent_death_is_reported(self):
        suites = base_suites()
        first = [TS + 'Linux version 6.12.57', TS + 'Run /init as init process']
        out = self.passes(make_log(suites), suites, first_boot=first)
        self.assertIn('died silently', out)

    def test_tainted_d_fails(self):
        suites = base_suites()
        self.fails(make_log(suites, taint=TAINT_OK | 1 << 7), suites,
                   why=['kernel tainted D'])

    def test_taint_line_required(self):
        suites = base_suites()
        self.fails(make_log(suites, taint=None), suites, why=['obm-vm: tainted:'])

    def test_lockdep_off_fails(self):
        suites = base_suites()
        self.fails(make_log(suites, lockdep='0'), suites,
                   why=['lockdep turned itself off'])

    def test_numa_nodes_checked(self):
        suites = base_suites()
        self.fails(make_log(suites, numa='0'), suites, numa=2, why=['NUMA'])

    def test_dl_server_underflow_on_cpu_down(self):
        trace = ['------------[ cut here ]------------',
                 'dl_rq->running_bw > old',
                 'WARNING: CPU: 3 PID: 38 at kernel/sched/deadline.c:265 '
                 'task_non_contending+0x410/0x4d0',
                 'Modules linked in: obm_stress(OE+) obmalloc(OE)',
                 'Call Trace:', ' <TASK>',
                 ' dl_server_stop+0x26/0x40',
                 ' sched_cpu_dying+0x15a/0x230',
                 ' cpuhp_invoke_callback+0xf3/0x470',
                 ' </TASK>', '---[ end trace 0000000000000000 ]---']
        log = make_log([])
        log[-3:-3] = [TS + line + '\n' for line in trace]
        out = self.passes(log, [], 'field', numa=0, no_kunit=True)
        self.assertIn('running_bw underflow', out)
        # With a module's function in its trace it is not that issue.
        log = make_log([])
        trace.insert(7, ' obm_free+0x10/0x60 [obmalloc]')
        log[-3:-3] = [TS + line + '\n' for line in trace]
        self.fails(log, [], 'field', numa=0, no_kunit=True, why=['WARNING'])
        # Nor another check of the same function.
        log = make_log([])
        del trace[7]
        other = list(trace)
        other[1] = 'dl_rq->this_bw > old'
        log[-3:-3] = [TS + line + '\n' for line in other]
        self.fails(log, [], 'field', numa=0, no_kunit=True, why=['WARNING'])
        # Nor outside a CPU going down.
        log = make_log([])
        trace[7] = ' do_exit+0x10/0x60'
        log[-3:-3] = [TS + line + '\n' for line in trace]
        self.fails(log, [], 'field', numa=0, no_kunit=True, why=['WARNING'])

    def test_field_log(self):
        log = make_log([])
        self.passes(log, [], 'field', numa=0, no_kunit=True)
        log.insert(-3, 'WARNING: CPU: 0 PID: 1 at mm/slub.c:1 foo+0x1/0x2\n')
        self.fails(log, [], 'field', numa=0, no_kunit=True, why=['WARNING'])


def default_kunit_dir():
    if os.environ.get('OBM_KUNIT_DIR'):
        return os.environ['OBM_KUNIT_DIR']
    cache = os.environ.get('OBM_CACHE', os.path.expanduser('~/.cache/obmalloc'))
    found = sorted(glob.glob(os.path.join(cache, 'src-6.12*', 'tools', 'testing',
                                          'kunit')))
    return found[-1] if found else None


def main():
    global KUNIT_DIR  # pylint: disable=global-statement
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('--kunit-dir', default=default_kunit_dir())
    args = ap.parse_args()
    if not args.kunit_dir or not os.path.isfile(
            os.path.join(args.kunit_dir, 'kunit_parser.py')):
        print(f'results_test: no kunit_parser.py in {args.kunit_dir}')
        print('results_test: 0 passed, 1 failed, 0 skipped')
        return 1
    KUNIT_DIR = args.kunit_dir
    suite = unittest.defaultTestLoader.loadTestsFromModule(sys.modules[__name__])
    result = unittest.TextTestRunner(verbosity=2, stream=sys.stdout).run(suite)
    failed = len(result.failures) + len(result.errors)
    skipped = len(result.skipped)
    print(f'results_test: {result.testsRun - failed - skipped} passed, '
          f'{failed} failed, {skipped} skipped')
    return 1 if failed else 0


if __name__ == '__main__':
    sys.exit(main())
