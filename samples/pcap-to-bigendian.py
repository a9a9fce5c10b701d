#!/usr/bin/env python3
"""Rewrite a classic pcap file with big-endian header and record fields.

Usage: pcap-to-bigendian.py IN.pcap OUT.pcap

The magic number keeps its meaning (microsecond a1b2c3d4 or nanosecond
a1b23c4d), the global header and every record header are written big-endian,
and packet bytes are copied unchanged. Used by make-formats.sh to produce
samples/bigendian.pcap from samples/nanosecond.pcap.
"""
import struct
import sys

MAGICS = {0xA1B2C3D4: 'usec', 0xA1B23C4D: 'nsec'}


def main(src, dst):
    data = open(src, 'rb').read()
    if len(data) < 24:
        sys.exit(f'{src}: too short for a pcap header')
    for order in ('<', '>'):
        magic = struct.unpack_from(order + 'I', data, 0)[0]
        if magic in MAGICS:
            break
    else:
        sys.exit(f'{src}: not a classic pcap file')
    fields = struct.unpack_from(order + 'IHHiIII', data, 0)
    out = [struct.pack('>IHHiIII', *fields)]
    off = 24
    count = 0
    while off < len(data):
        if off + 16 > len(data):
            sys.exit(f'{src}: truncated record header at offset {off}')
        ts_sec, ts_frac, incl, orig = struct.unpack_from(order + 'IIII', data, off)
        body = data[off + 16:off + 16 + incl]
        if len(body) != incl:
            sys.exit(f'{src}: truncated packet data at offset {off}')
        out.append(struct.pack('>IIII', ts_sec, ts_frac, incl, orig))
        out.append(body)
        off += 16 + incl
        count += 1
    with open(dst, 'wb') as f:
        f.write(b''.join(out))
    print(f'{dst}: {count} records, {MAGICS[fields[0]]} timestamps, big-endian')


if __name__ == '__main__':
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    main(sys.argv[1], sys.argv[2])
