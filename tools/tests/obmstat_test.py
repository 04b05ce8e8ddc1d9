#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""Host tests of tools/obmstat, on a debugfs snapshot copied out of a VM.

Usage: tools/tests/obmstat_test.py SNAPSHOT_DIR

SNAPSHOT_DIR is what tools/vm/snapshot wrote for tools/vm/guest/trace.sh's
"demo" snapshot: obmalloc with tools/demo's client loaded, so its heap
holds a live set the client's code fixes (every third of its objects
freed). Each mode of obmstat runs as a user runs it, as a program. Ends
with "obmstat: N passed, N failed" (tools/vm/check adds it to its total).
"""

import json
import os
import shutil
import subprocess
import sys
import tempfile
import unittest
import xml.etree.ElementTree as ET

OBMSTAT = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..',
                       'obmstat')
SNAPSHOT = None
# tools/demo/obm_demo.c: objects 0..2999 are 260-byte records, 9000..10999
# 96-byte keys, 11000..12499 136-byte objects; indexes divisible by 3 are
# freed. Block size -> live blocks.
DEMO_LIVE = {264: 2000, 96: 1333, 136: 1000}


def obmstat(*args, root=None):
    return subprocess.run([OBMSTAT, '--root', root or SNAPSHOT, *args],
                          capture_output=True, text=True, timeout=120,
                          check=False)


class Snapshot(unittest.TestCase):
    """obmstat on the snapshot as the guest copied it."""

    def test_summary(self):
        out = obmstat()
        self.assertEqual(out.returncode, 0, out.stdout + out.stderr)
        self.assertIn('heap demo:', out.stdout)
        self.assertIn('heap default:', out.stdout)
        self.assertNotIn('DO NOT ADD UP', out.stdout)

    def test_json_matches_the_demo(self):
        out = obmstat('--json')
        self.assertEqual(out.returncode, 0, out.stderr)
        doc = json.loads(out.stdout)
        heaps = {h['name']: h for h in doc['heaps']}
        self.assertEqual(sorted(heaps), sorted(
            d for d in os.listdir(SNAPSHOT)
            if os.path.isfile(os.path.join(SNAPSHOT, d, 'stats'))))
        demo = heaps['demo']
        used = {c['size']: c['blocks_used'] for c in demo['classes']}
        for size, live in DEMO_LIVE.items():
            self.assertEqual(used.get(size), live, f'{size}-byte blocks')
        # The files agree with each other: classes and stats, fullness
        # and classes, every CPU in cpu.
        self.assertEqual(sum(r['in_use'] for r in demo['class_bytes']),
                         demo['stats']['bytes_in_allocated_blocks'])
        self.assertEqual(demo['problems'], [])
        self.assertEqual(len(demo['fullness']), len(demo['classes']))
        self.assertGreaterEqual(len(demo['cpu']), 1)
        self.assertEqual([r['caller'] for r in doc['reclaim']],
                         ['kswapd', 'direct', 'other'])

    def test_watch(self):
        out = obmstat('--watch', '0.2', '--count', '2')
        self.assertEqual(out.returncode, 0, out.stdout + out.stderr)
        screens = []
        for line in out.stdout.splitlines():
            if line.startswith('obmstat '):
                screens.append('')
            if screens:
                screens[-1] += line + '\n'
        self.assertEqual(len(screens), 2, out.stdout)
        heap_rows = [line.split() for line in screens[0].splitlines()
                     if line.split()[:1] in (['demo'], ['default'])]
        # Heaps first, sorted by bytes held, then classes by bytes held.
        heaps = [r for r in heap_rows if len(r) == 9]
        held = [float(r[2]) for r in heaps]
        self.assertEqual(len(heaps), 2, screens[0])
        self.assertEqual(held, sorted(held, reverse=True))
        classes = [r for r in heap_rows if len(r) == 10]
        self.assertTrue(classes, screens[0])
        held = [float(r[4]) for r in classes]
        self.assertEqual(held, sorted(held, reverse=True))

    def test_plot_png(self):
        import matplotlib.image  # pylint: disable=import-outside-toplevel
        with tempfile.TemporaryDirectory() as tmp:
            path = os.path.join(tmp, 'heaps.png')
            out = obmstat('--plot', path)
            self.assertEqual(out.returncode, 0, out.stderr)
            with open(path, 'rb') as f:
                self.assertEqual(f.read(8), b'\x89PNG\r\n\x1a\n')
            pixels = matplotlib.image.imread(path)
            self.assertGreater(pixels.shape[0], 300)
            self.assertGreater(pixels.shape[1], 300)
            # Not a blank canvas: the bars have colour.
            self.assertGreater(len({tuple(p) for p in pixels[::7, ::7]
                                    .reshape(-1, pixels.shape[2])}), 4)

    def test_plot_svg(self):
        with tempfile.TemporaryDirectory() as tmp:
            path = os.path.join(tmp, 'heaps.svg')
            out = obmstat('--plot', path)
            self.assertEqual(out.returncode, 0, out.stderr)
            root = ET.parse(path).getroot()
            self.assertEqual(root.tag, '{http://www.w3.org/2000/svg}svg')
            self.assertIn('heap demo', open(path, encoding='utf-8').read())


class Damaged(unittest.TestCase):
    """A snapshot whose figures disagree must be refused, in every mode."""

    def setUp(self):
        self.tmp = tempfile.mkdtemp()
        self.root = os.path.join(self.tmp, 'snap')
        shutil.copytree(SNAPSHOT, self.root)
        stats = os.path.join(self.root, 'demo', 'stats')
        with open(stats, encoding='ascii') as f:
            lines = f.read().splitlines()
        with open(stats, 'w', encoding='ascii') as f:
            for line in lines:
                name, value = line.split()
                if name == 'bytes_in_available_blocks':
                    value = str(int(value) + 8)
                f.write(f'{name} {value}\n')

    def tearDown(self):
        shutil.rmtree(self.tmp)

    def test_refused(self):
        for args in ([], ['--json'], ['--watch', '0.1', '--count', '1']):
            out = obmstat(*args, root=self.root)
            self.assertEqual(out.returncode, 1, args)
        self.assertIn('FIGURES DO NOT ADD UP', obmstat(root=self.root).stdout)

    def test_bad_header(self):
        path = os.path.join(self.root, 'demo', 'classes')
        with open(path, 'w', encoding='ascii') as f:
            f.write('size class\n8 0\n')
        out = obmstat('demo', root=self.root)
        self.assertEqual(out.returncode, 1)
        self.assertIn('unexpected classes header', out.stderr)


def main():
    global SNAPSHOT  # pylint: disable=global-statement
    if len(sys.argv) != 2 or not os.path.isdir(sys.argv[1]):
        print(__doc__.strip(), file=sys.stderr)
        return 2
    SNAPSHOT = sys.argv[1]
    suite = unittest.defaultTestLoader.loadTestsFromModule(
        sys.modules[__name__])
    result = unittest.TextTestRunner(verbosity=2, stream=sys.stdout).run(suite)
    failed = len(result.failures) + len(result.errors)
    print(f'obmstat: {result.testsRun - failed} passed, {failed} failed')
    return 1 if failed else 0


if __name__ == '__main__':
    sys.exit(main())
