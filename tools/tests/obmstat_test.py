#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""Host tests of tools/obmstat, on debugfs trees.

Usage: tools/tests/obmstat_test.py [SNAPSHOT_DIR]

SNAPSHOT_DIR is what tools/vm/snapshot wrote for tools/vm/guest/trace.sh's
"demo" snapshot: obmalloc with tools/demo's client loaded, so its heap
holds a live set the client's code fixes (every third of its objects
freed). Without it, the tests write that tree themselves, as the qemu
guest's copy has it (two nodes, the demo's pools on node 1), in the
formats of module/obm_debugfs.c. Either way, the fixture tests add trees
of their own: a debug heap with its own arenas, a shared set with a
reserve arena and a single-page arena, an older module's files. Each
mode of obmstat runs as a user runs it, as a program. Ends with
"obmstat: N passed, N failed, N skipped" (tools/vm/check adds it to its
total; a skipped test counts as skipped, not passed).
"""

import json
import os
import re
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
PAGE = 4096
POOLS_PER_ARENA = 64


def obmstat(*args, root=None):
    return subprocess.run([OBMSTAT, '--root', root or SNAPSHOT, *args],
                          capture_output=True, text=True, timeout=120,
                          check=False)


def read(path):
    with open(path, encoding='ascii') as f:
        return f.read()


def write(path, text):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, 'w', encoding='ascii') as f:
        f.write(text)


def edit(path, change):
    """Rewrite a file line by line: change(line) -> line."""
    lines = read(path).splitlines()
    write(path, ''.join(change(line) + '\n' for line in lines))


def edit_stats(path, **delta):
    """Add delta[name] to stats lines."""
    def change(line):
        name, value = line.split()
        return f'{name} {int(value) + delta.get(name, 0)}'
    edit(path, change)


def edit_table(path, match, **delta):
    """Add delta[column] to the rows of a table file for which
    match(row) holds."""
    lines = read(path).splitlines()
    header = lines[0].split()
    out = [lines[0]]
    for line in lines[1:]:
        row = dict(zip(header, line.split()))
        if match(row):
            for column, value in delta.items():
                if isinstance(value, int):
                    row[column] = str(int(row[column]) + value)
                else:
                    row[column] = value
        out.append(' '.join(row[h] for h in header))
    write(path, ''.join(line + '\n' for line in out))


# A debugfs tree written as module/obm_debugfs.c prints it. A heap is
# {'classes': [(class, pools, full, used, cached)], 'empty': kept empty
# pools, 'debug': flags}, with 'own': [pools free in each of its own
# arenas] for a debug heap, 'cpu' rows and any stats line in 'extra'
# (used counts blocks in magazines too, as obm_heap_snapshot() does). The
# shared arenas are (node, owners): owners one letter per pool, as the
# arenas file shows them, their never carved pools the free ones at the
# end; the tree lists them per node fullest first.

def block_size(idx):
    return (idx + 1) * 8


def arena_row(node, owners):
    carved = len(owners.rstrip('.'))
    return {'node': node, 'pools': len(owners), 'free': owners.count('.'),
            'carved': carved, 'given_back': owners[:carved].count('.'),
            'owners': owners}


def set_rows(model):
    """Per node: its arenas, ranked as the set orders them, and its row."""
    sets = []
    for node in model['nodes']:
        arenas = [arena_row(n, o) for n, o in model['arenas'] if n == node]
        usable = sorted((a for a in arenas if a['free']),
                        key=lambda a: a['free'])
        full = [a for a in arenas if not a['free']]
        empty = 0
        for a in reversed(usable):
            if a['free'] != a['pools']:
                break
            empty += 1
        small = sum(1 for a in arenas if a['pools'] < POOLS_PER_ARENA)
        sets.append({
            'node': node, 'usable': usable, 'full': full,
            'arenas': len(arenas), 'small': small,
            'pages': sum(a['pools'] for a in arenas),
            'free': sum(a['free'] for a in arenas), 'empty': empty,
            'allocated': len(arenas), 'reclaimed': 0,
            'highwater': len(arenas),
            'descriptor': (len(arenas) - small) * PAGE + small * 192})
    return sets


def heap_stats(heap, sets):
    classes = heap['classes']
    own = heap.get('own')
    if own is None:
        arenas = sum(s['arenas'] for s in sets)
        small = sum(s['small'] for s in sets)
        set_free = 0
        allocated = sum(s['allocated'] for s in sets)
        reclaimed = sum(s['reclaimed'] for s in sets)
        highwater = sum(s['highwater'] for s in sets)
        descriptor = sum(s['descriptor'] for s in sets)
    else:
        arenas = allocated = highwater = len(own)
        small = reclaimed = 0
        set_free = sum(own)
        descriptor = len(own) * PAGE
    pools = sum(c[1] for c in classes)
    used_blocks = sum(c[3] - c[4] for c in classes)
    cached = sum(c[4] for c in classes)
    used_bytes = sum((c[3] - c[4]) * block_size(c[0]) for c in classes)
    cached_bytes = sum(c[4] * block_size(c[0]) for c in classes)
    avail = sum((c[1] * (PAGE // block_size(c[0])) - c[3]) *
                block_size(c[0]) for c in classes)
    quant = sum(c[1] * (PAGE % block_size(c[0])) for c in classes)
    unused = heap.get('empty', 0) + set_free
    pages = pools + unused
    debug = heap.get('debug', '-') != '-'
    stats = [
        ('arena_size', PAGE * POOLS_PER_ARENA), ('pool_size', PAGE),
        ('pool_header_size', 0), ('arenas_allocated_total', allocated),
        ('arenas_reclaimed', reclaimed), ('arenas_highwater', highwater),
        ('arenas_current', arenas), ('pools_in_use', pools),
        ('blocks_in_use', used_blocks),
        ('bytes_in_allocated_blocks', used_bytes),
        ('bytes_in_available_blocks', avail), ('unused_pools', unused),
        ('bytes_in_unused_pools', unused * PAGE),
        ('bytes_lost_to_pool_headers', 0),
        ('bytes_lost_to_quantization', quant),
        ('total_bytes', used_bytes + cached_bytes + avail + unused * PAGE +
         quant),
        ('double_frees', 0), ('invalid_frees', 0), ('alloc_failures', 0),
        ('blocks_cached', cached), ('bytes_in_cached_blocks', cached_bytes),
        ('arena_pages', pages), ('small_arenas', small),
        ('small_arenas_allocated_total', small),
        ('bytes_in_arena_descriptors', descriptor), ('kmalloc_allocs', 0),
        ('kmalloc_for_flags', 0), ('freelist_corruptions', 0),
        ('bytes_in_magazines', 0), ('requests_tracked', int(debug)),
        ('bytes_requested', 0), ('bytes_lost_to_rounding', 0),
        ('redzone_overwrites', 0), ('writes_after_free', 0),
        ('bytes_in_debug_records', 0), ('pages_held', pages),
        ('blocks_cached_raw', cached), ('stray_frees', 0),
        ('bytes_in_heap_descriptor', 2304), ('arenas_shared', int(not debug))]
    extra = heap.get('extra', {})
    return ''.join(f'{name} {extra.get(name, value)}\n'
                   for name, value in stats)


def heap_tables(heap):
    """classes, fullness and cpu."""
    classes = ('class  size  pools  full_pools  blocks_used  blocks_avail  '
               'blocks_cached  blocks_cached_raw\n')
    fullness = ('class  size  10%  20%  30%  40%  50%  60%  70%  80%  90%  '
                '99%  100%\n')
    for idx, pools, full, used, cached in heap['classes']:
        size, per_pool = block_size(idx), PAGE // block_size(idx)
        classes += (f'{idx:5} {size:5} {pools:6} {full:11} '
                    f'{used - cached:12} {pools * per_pool - used:13} '
                    f'{cached:14} {cached:18}\n')
        # The partly used pools all in the group of their average use.
        groups = [0] * 10
        partial = pools - full
        if partial:
            share = (used - full * per_pool) * 100 // (partial * per_pool)
            groups[min(share // 10, 9)] = partial
        fullness += (f'{idx:5} {size:5}' +
                     ''.join(f' {g:4}' for g in groups) + f' {full:5}\n')
    cpu = 'cpu  online  allocs  frees  refills  flushes  cached  magazine_bytes\n'
    for row in heap.get('cpu', [(0, 0, 0, 0, 0, 0)] * 4):
        cpu += (f'{len(cpu.splitlines()) - 1:3} {1:7} {row[0]:7} {row[1]:6} '
                f'{row[2]:8} {row[3]:8} {row[4]:7} {row[5]:15}\n')
    return {'classes': classes, 'fullness': fullness, 'cpu': cpu}


def write_tree(root, model):
    """Write model's debugfs tree under root."""
    sets = set_rows(model)
    files = {'version': f'{model.get("version", "0.2.0")}\n',
             'foreign_frees': '0\n',
             'rcu': 'pending  batches  freed\n      0        0      0\n',
             'reclaim': 'caller  counts  scans  freed\n' + ''.join(
                 f'{who:6} {0:7} {0:6} {0:6}\n'
                 for who in ('kswapd', 'direct', 'other')),
             'magazines': 'class  size  capacity  batch\n' + ''.join(
                 f'{i:5} {block_size(i):5} '
                 f'{min(max(2048 // block_size(i), 8), 61):9} '
                 f'{min(max(2048 // block_size(i), 8), 61) // 2:6}\n'
                 for i in range(64))}
    files['sets'] = ('node  arenas  small_arenas  arena_pages  free_pools  '
                     'empty_arenas  allocated_total  reclaimed  highwater  '
                     'stray_frees  descriptor_bytes\n')
    files['arenas'] = ('node  rank  pools  free_pools  carved  given_back  '
                       'pools_by_owner\n')
    for s in sets:
        files['sets'] += (
            f'{s["node"]:4} {s["arenas"]:7} {s["small"]:13} {s["pages"]:12} '
            f'{s["free"]:11} {s["empty"]:13} {s["allocated"]:16} '
            f'{s["reclaimed"]:10} {s["highwater"]:10} {0:12} '
            f'{s["descriptor"]:17}\n')
        ranked = list(enumerate(s['usable'])) + [(-1, a) for a in s['full']]
        for rank, a in ranked:
            files['arenas'] += (
                f'{a["node"]:4} {rank:5} {a["pools"]:6} {a["free"]:11} '
                f'{a["carved"]:7} {a["given_back"]:11} {a["owners"]}\n')
    for name, heap in model['heaps'].items():
        files[f'{name}/stats'] = heap_stats(heap, sets)
        files[f'{name}/debug'] = heap.get('debug', '-') + '\n'
        for kind, text in heap_tables(heap).items():
            files[f'{name}/{kind}'] = text
    for path, text in files.items():
        write(os.path.join(root, path), text)


# The qemu guest's demo snapshot: the demo's classes, its 394 pools in 7
# arenas of node 1, none on node 0.
DEMO = {
    'nodes': [0, 1],
    'arenas': [(1, 'h' * 10 + '.' * 54)] + [(1, 'h' * 64)] * 6,
    'heaps': {
        'default': {'classes': []},
        'demo': {
            'classes': [(0, 1, 0, 390, 41), (1, 3, 0, 392, 42),
                        (2, 3, 0, 370, 57), (3, 4, 0, 362, 34),
                        (4, 64, 0, 4376, 44), (5, 6, 1, 362, 40),
                        (6, 7, 0, 366, 35), (7, 8, 0, 368, 26),
                        (11, 48, 0, 1354, 21), (16, 50, 1, 1010, 10),
                        (32, 200, 1, 2008, 8)],
            'cpu': [(0,) * 6, (0,) * 6, (16500, 5500, 1773, 509, 358, 5600),
                    (0,) * 6],
            'extra': {'kmalloc_allocs': 200, 'bytes_in_magazines': 5600,
                      'bytes_in_heap_descriptor': 3712}},
    },
}

# Two plain heaps and a debug heap: node 0's set has a reserve arena
# (every pool free), an arena with given-back pools, and full ones; node
# 1's a single-page arena. The default heap keeps 2 empty pools; the
# debug heap holds every page of its own arena, 42 of them free.
MIXED = {
    'nodes': [0, 1],
    'arenas': [(0, 'd' * 4 + 'h' * 57 + '.' * 3),
               (0, 'h' * 40 + '.' * 4 + 'h' * 10 + '.' * 10),
               (0, '.' * 64), (0, 'h' * 64), (0, 'h' * 64), (1, 'h')],
    'heaps': {
        'default': {'classes': [(3, 2, 0, 100, 0)], 'empty': 2},
        'app': {'classes': [(11, 200, 150, 200 * 42 - 500, 30),
                            (31, 34, 0, 500, 0), (63, 1, 1, 8, 0)],
                'empty': 1},
        'dbg': {'classes': [(7, 20, 5, 1000, 0)], 'empty': 2, 'own': [42],
                'debug': 'FZPU'},
    },
}


class Snapshot(unittest.TestCase):
    """obmstat on the snapshot as the guest copied it."""

    def test_summary(self):
        out = obmstat()
        self.assertEqual(out.returncode, 0, out.stdout + out.stderr)
        self.assertIn('heap demo:', out.stdout)
        self.assertIn('heap default:', out.stdout)
        self.assertNotIn('DO NOT ADD UP', out.stdout)
        # Each heap by the pages it holds; the arenas are the sets'.
        stats = read(os.path.join(SNAPSHOT, 'demo', 'stats'))
        pages = re.search(r'^pages_held (\d+)$', stats, re.M).group(1)
        self.assertRegex(out.stdout, rf'heap demo: {pages} pages \(.* in '
                         'the shared arena sets')
        self.assertIn('arena sets, shared by the plain heaps:', out.stdout)
        version = read(os.path.join(SNAPSHOT, 'version')).strip()
        self.assertTrue(out.stdout.startswith(f'obmalloc {version}, '),
                        out.stdout)

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
        # The heap's pages hold at least the live blocks, and exactly its
        # bytes; every page of the shared arenas is free or a plain heap's.
        self.assertEqual(demo['pages_held'] * demo['stats']['pool_size'],
                         demo['stats']['total_bytes'])
        per_pool = {size: demo['stats']['pool_size'] // size
                    for size in DEMO_LIVE}
        self.assertGreaterEqual(demo['pages_held'], sum(
            -(-live // per_pool[size]) for size, live in DEMO_LIVE.items()))
        self.assertEqual(doc['problems'], [])
        self.assertEqual(doc['version'],
                         read(os.path.join(SNAPSHOT, 'version')).strip())
        self.assertEqual(sorted(doc['rcu']), ['batches', 'freed', 'pending'])
        self.assertEqual(
            sum(h['pages_held'] for h in doc['heaps']
                if h['stats']['arenas_shared']),
            sum(s['arena_pages'] - s['free_pools'] for s in doc['sets']))
        self.assertEqual(len(doc['arenas']),
                         sum(s['arenas'] for s in doc['sets']))

    def test_one_heap(self):
        # The sets are checked against every heap, shown or not.
        out = obmstat('demo')
        self.assertEqual(out.returncode, 0, out.stdout + out.stderr)
        self.assertIn('heap demo:', out.stdout)
        self.assertNotIn('heap default:', out.stdout)

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
        stats = read(os.path.join(SNAPSHOT, 'demo', 'stats'))
        pages = re.search(r'^pages_held (\d+)$', stats, re.M).group(1)
        self.assertIn(['demo', pages], [r[:2] for r in heaps])
        classes = [r for r in heap_rows if len(r) == 10]
        self.assertTrue(classes, screens[0])
        held = [float(r[4]) for r in classes]
        self.assertEqual(held, sorted(held, reverse=True))
        # A row per node of the shared sets.
        nodes = [line.split()[0] for line in screens[0].splitlines()
                 if re.match(r'\s*\d+(\s+\d+){6}\s', line)]
        self.assertEqual(nodes, [line.split()[0] for line in read(
            os.path.join(SNAPSHOT, 'sets')).splitlines()[1:]])

    def test_plot_png(self):
        with tempfile.TemporaryDirectory() as tmp:
            path = os.path.join(tmp, 'heaps.png')
            out = obmstat('--plot', path)
            self.assertEqual(out.returncode, 0, out.stderr)
            with open(path, 'rb') as f:
                self.assertEqual(f.read(8), b'\x89PNG\r\n\x1a\n')
            # Decoded by the Python obmstat runs under, which has
            # matplotlib: it drew the picture.
            with open(OBMSTAT, encoding='ascii') as f:
                python = f.readline()[2:].split()
            decoded = subprocess.run(python + ['-c', (
                'import sys, matplotlib.image\n'
                'p = matplotlib.image.imread(sys.argv[1])\n'
                'print(p.shape[0], p.shape[1], len({tuple(x) for x in '
                'p[::7, ::7].reshape(-1, p.shape[2])}))\n'), path],
                capture_output=True, text=True, timeout=120, check=True)
            height, width, colours = map(int, decoded.stdout.split())
            self.assertGreater(height, 300)
            self.assertGreater(width, 300)
            # Not a blank canvas: the bars have colour.
            self.assertGreater(colours, 4)

    def test_plot_svg(self):
        with tempfile.TemporaryDirectory() as tmp:
            path = os.path.join(tmp, 'heaps.svg')
            out = obmstat('--plot', path)
            self.assertEqual(out.returncode, 0, out.stderr)
            root = ET.parse(path).getroot()
            self.assertEqual(root.tag, '{http://www.w3.org/2000/svg}svg')
            svg = read(path)
            self.assertIn('heap demo', svg)
            self.assertIn('arena sets', svg)


class SnapshotCopy(unittest.TestCase):
    """Tests on a copy of the snapshot, to edit."""

    def setUp(self):
        self.tmp = tempfile.mkdtemp()
        self.root = os.path.join(self.tmp, 'snap')
        shutil.copytree(SNAPSHOT, self.root)

    def tearDown(self):
        shutil.rmtree(self.tmp)

    def path(self, *parts):
        return os.path.join(self.root, *parts)


class Errors(SnapshotCopy):
    """A heap's error counters are shown, each by its stats name."""

    def test_errors_line(self):
        stats = self.path('demo', 'stats')
        before = {k: int(v) for k, v in
                  (line.split() for line in read(stats).splitlines())}
        delta = {'double_frees': 1, 'invalid_frees': 2,
                 'freelist_corruptions': 3, 'stray_frees': 4,
                 'alloc_failures': 5}
        edit_stats(stats, **delta)
        out = obmstat(root=self.root)
        self.assertEqual(out.returncode, 0, out.stdout + out.stderr)
        demo = out.stdout.split('heap demo:', 1)[1].split('\nheap ', 1)[0]
        line = re.search(r'^  errors: (.*)$', demo, re.M)
        self.assertIsNotNone(line, demo)
        shown = dict(item.split() for item in line.group(1).split(', '))
        self.assertEqual(shown, {k: str(before[k] + d)
                                 for k, d in delta.items()})


class Damaged(SnapshotCopy):
    """A snapshot whose figures disagree must be refused, in every mode."""

    def refused(self, *messages):
        for args in ([], ['--json'], ['--watch', '0.1', '--count', '1']):
            out = obmstat(*args, root=self.root)
            self.assertEqual(out.returncode, 1, (args, out.stdout))
        out = obmstat(root=self.root)
        self.assertIn('FIGURES DO NOT ADD UP', out.stdout)
        for message in messages:
            self.assertIn(message, out.stdout)

    def test_refused(self):
        edit_stats(self.path('demo', 'stats'), bytes_in_available_blocks=8)
        self.refused('classes add up to bytes_in_available_blocks')

    def test_pages_are_not_the_bytes(self):
        # One page more than the bytes: also more than the sets give out.
        edit_stats(self.path('demo', 'stats'), pages_held=1, arena_pages=1)
        self.refused('total_bytes', 'the plain heaps hold')

    def test_pool_of_no_heap(self):
        # An arena hands out one pool more than the heaps hold (a leak).
        rows = read(self.path('arenas')).splitlines()[1:]
        arena = next((r.split() for r in rows
                      if int(r.split()[4]) < int(r.split()[2])), None)
        if arena is None:
            self.skipTest('no arena with a pool never carved')
        node, rank, carved, owners = (arena[0], arena[1], int(arena[4]),
                                      arena[6])

        def leak(row):
            return row['node'] == node and row['rank'] == rank
        edit_table(self.path('arenas'), leak, free_pools=-1, carved=1,
                   pools_by_owner=owners[:carved] + 'h' +
                   owners[carved + 1:])
        edit_table(self.path('sets'), lambda row: row['node'] == node,
                   free_pools=-1)
        self.refused('the plain heaps hold', 'pools to the other plain heaps')

    def test_sets_and_arenas_disagree(self):
        # sets counts an arena (consistent in itself) that arenas lacks.
        nodes = read(self.path('sets')).splitlines()[1:]
        node = nodes[-1].split()[0]
        edit_table(self.path('sets'), lambda row: row['node'] == node,
                   arenas=1, arena_pages=POOLS_PER_ARENA, free_pools=64,
                   allocated_total=1, highwater=1)
        self.refused(f'node {node}: arenas lists', 'for arenas, sets says')

    def test_bad_header(self):
        path = self.path('demo', 'classes')
        with open(path, 'w', encoding='ascii') as f:
            f.write('size class\n8 0\n')
        out = obmstat('demo', root=self.root)
        self.assertEqual(out.returncode, 1)
        self.assertIn('unexpected classes header', out.stderr)


class Fixtures(unittest.TestCase):
    """obmstat on trees written here: what a demo snapshot lacks."""

    def setUp(self):
        self.tmp = tempfile.mkdtemp()
        self.root = os.path.join(self.tmp, 'tree')
        write_tree(self.root, MIXED)

    def tearDown(self):
        shutil.rmtree(self.tmp)

    def path(self, *parts):
        return os.path.join(self.root, *parts)

    def doc(self):
        out = obmstat('--json', root=self.root)
        return out.returncode, json.loads(out.stdout)

    def test_mixed(self):
        out = obmstat(root=self.root)
        self.assertEqual(out.returncode, 0, out.stdout + out.stderr)
        self.assertNotIn('DO NOT ADD UP', out.stdout)
        # The debug heap's arenas are its own; the plain heaps' the sets'.
        self.assertIn('heap dbg: 64 pages (256.0 KiB), 20 pools in use and '
                      '44 unused, in its own arena sets: 1 arenas', out.stdout)
        self.assertIn('heap default: 4 pages (16.0 KiB), 2 pools in use and '
                      '2 unused, in the shared arena sets', out.stdout)
        self.assertIn('6 arenas (1284.0 KiB), 321 pages: 240 held by heaps, '
                      '81 free, 1 empty arenas', out.stdout)
        self.assertIn('node 0: free pools by arena, fullest first: 3, 14, '
                      '64, then 2 full; 1 empty, kept in reserve',
                      out.stdout)
        self.assertIn('pools: 4 the default heap\'s, 235 other heaps\', '
                      '4 given back, 77 never carved', out.stdout)
        status, doc = self.doc()
        self.assertEqual(status, 0)
        self.assertEqual({h['name']: h['pages_held'] for h in doc['heaps']},
                         {'default': 4, 'app': 236, 'dbg': 64})
        self.assertEqual([s['small_arenas'] for s in doc['sets']], [0, 1])
        out = obmstat('--watch', '0.1', '--count', '1', root=self.root)
        self.assertEqual(out.returncode, 0, out.stdout)
        self.assertRegex(out.stdout, r'\n +0 +5 +0 +320 +239 +81 +1  3, 14, '
                         r'64, then 2 full\n')

    def test_debug_heap_owns_its_arenas(self):
        # A second arena of the debug heap's own, that it does not hold.
        edit_stats(self.path('dbg', 'stats'), arenas_current=1,
                   arenas_allocated_total=1, arenas_highwater=1)
        status, doc = self.doc()
        self.assertEqual(status, 1)
        self.assertEqual(doc['problems'], [])
        dbg = [h for h in doc['heaps'] if h['name'] == 'dbg'][0]
        self.assertEqual(dbg['problems'], [
            "a debug heap holds its arenas' 128 pages, but pages_held is 64"])

    def test_default_heap_pools(self):
        # A pool of the default heap shown as another heap's.
        edit(self.path('arenas'), lambda line: line.replace(' dddd', ' dddh'))
        status, doc = self.doc()
        self.assertEqual(status, 1)
        self.assertEqual(doc['problems'], [
            'arenas gives 3 pools to the default heap, their stats 4 pages',
            'arenas gives 237 pools to the other plain heaps, their stats '
            '236 pages'])

    def test_reserve(self):
        # Two empty arenas in a shared set: the one beyond the reserve
        # waits for the set's trim, which adds up, and the summary says so.
        model = dict(MIXED, arenas=MIXED['arenas'] + [(0, '.' * 64)])
        shutil.rmtree(self.root)
        write_tree(self.root, model)
        status, doc = self.doc()
        self.assertEqual(status, 0)
        self.assertEqual(doc['problems'], [])
        out = obmstat(root=self.root)
        self.assertIn('; 2 empty: one kept in reserve, the others until '
                      'the trim', out.stdout)

    def test_fullest_first(self):
        lines = read(self.path('arenas')).splitlines()
        # Ranks 0 and 1 of node 0 (3 and 14 free pools) swap places.
        lines[1], lines[2] = lines[2], lines[1]
        lines[1] = lines[1].replace('    1 ', '    0 ', 1)
        lines[2] = lines[2].replace('    0 ', '    1 ', 1)
        write(self.path('arenas'), '\n'.join(lines) + '\n')
        status, doc = self.doc()
        self.assertEqual(status, 1)
        self.assertEqual(len(doc['problems']), 1, doc['problems'])
        self.assertIn('node 0: arenas not fullest first: ranks and free '
                      'pools 0:14, 1:3, 2:64, -1:0, -1:0', doc['problems'][0])

    def test_arena_counts_itself(self):
        # An arena with more pools given back than it has free.
        edit_table(self.path('arenas'),
                   lambda row: row['pools_by_owner'] == '.' * 64,
                   given_back=1)
        status, doc = self.doc()
        self.assertEqual(status, 1)
        self.assertEqual(doc['problems'], [
            'node 0: an arena of 64 pools, 64 free, 0 carved, 1 given back, '
            'owners ' + '.' * 64])

    def test_older_module(self):
        # No sets, arenas, rcu or version; stats without the figures of
        # shared sets: a heap held its arenas, as it did.
        for name in ('sets', 'arenas', 'rcu', 'version'):
            os.remove(self.path(name))
        new = ('pages_held', 'blocks_cached_raw', 'stray_frees',
               'bytes_in_heap_descriptor', 'arenas_shared')
        for heap in MIXED['heaps']:
            edit(self.path(heap, 'stats'),
                 lambda line: '' if line.split()[0] in new else line)
        out = obmstat(root=self.root)
        self.assertEqual(out.returncode, 0, out.stdout + out.stderr)
        self.assertIn('heap dbg: 1 arenas (256.0 KiB), high-water 1, 1 '
                      'allocated and 0 reclaimed in total', out.stdout)
        self.assertNotIn('arena sets', out.stdout)
        status, doc = self.doc()
        self.assertEqual(status, 0)
        self.assertNotIn('sets', doc)


def main():
    global SNAPSHOT  # pylint: disable=global-statement
    if len(sys.argv) > 2 or (len(sys.argv) == 2 and
                             not os.path.isdir(sys.argv[1])):
        print(__doc__.strip(), file=sys.stderr)
        return 2
    fixture = None
    if len(sys.argv) == 2:
        SNAPSHOT = sys.argv[1]
    else:
        fixture = tempfile.mkdtemp()
        SNAPSHOT = os.path.join(fixture, 'demo')
        write_tree(SNAPSHOT, DEMO)
    try:
        suite = unittest.defaultTestLoader.loadTestsFromModule(
            sys.modules[__name__])
        result = unittest.TextTestRunner(verbosity=2,
                                         stream=sys.stdout).run(suite)
    finally:
        if fixture:
            shutil.rmtree(fixture)
    failed = len(result.failures) + len(result.errors) + \
        len(result.unexpectedSuccesses)
    # A skipped test is neither passed nor failed: make check shows it.
    skipped = len(result.skipped) + len(result.expectedFailures)
    print(f'obmstat: {result.testsRun - failed - skipped} passed, '
          f'{failed} failed, {skipped} skipped')
    return 1 if failed else 0


if __name__ == '__main__':
    sys.exit(main())
