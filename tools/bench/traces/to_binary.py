#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Write a recorded trace (NAME.trace.xz) as obm_replay.ko reads it.

Usage: to_binary.py TRACE.xz OUT.bin

32-bit little-endian records after a header of three: b"OBMT", the
record count and the number of ids; an allocation is (bytes << 20) | id,
a free (1 << 31) | id (obm_replay.c, beside this script). Checks that
every free names a live id and every size is 1..512; exits 1 otherwise.
"""

import lzma
import struct
import sys


def main():
    src, dst = sys.argv[1:3]
    records, live, ids = [], set(), 0
    with lzma.open(src, 'rt') as f:
        for num, line in enumerate(f, 1):
            if line.startswith('#'):
                continue
            fields = line.split()
            oid = int(fields[1])
            if fields[0] == 'a' and len(fields) == 3 and \
                    1 <= int(fields[2]) <= 512 and oid not in live and \
                    oid < 1 << 20:
                live.add(oid)
                records.append(int(fields[2]) << 20 | oid)
                ids = max(ids, oid + 1)
            elif fields[0] == 'f' and len(fields) == 2 and oid in live:
                live.remove(oid)
                records.append(1 << 31 | oid)
            else:
                print(f'{src}:{num}: bad record {line!r}', file=sys.stderr)
                return 1
    with open(dst, 'wb') as out:
        out.write(b'OBMT' + struct.pack('<II', len(records), ids))
        out.write(struct.pack(f'<{len(records)}I', *records))
    return 0


if __name__ == '__main__':
    sys.exit(main())
