/**
 * Address text: RFC 5952 IPv6 forms, and the cached column texts (engine/addrtext.ts) agreeing with
 * the plain formatters for every kind of value, including after their caches were cleared; the
 * renderers' byte writers agreeing with String() and the formatters.
 */
import { describe, expect, it } from 'vitest';
import { etherToString, ipv4ToString, ipv6ToString, relTimeToString } from '../src/engine/format.js';
import { etherText, ipv4Text } from '../src/engine/addrtext.js';
import { Node, UTF8_OF_BYTES } from '../src/engine/tree.js';
import { Source } from '../src/engine/buf.js';
import { FT, field } from '../src/engine/fields.js';
import { uint32Length, writeHex, writeHexBytes, writeIpv4, writeNanoseconds, writeRelTime, writeUint32 } from '../src/render/digits.js';

function v6(groups: number[]): Uint8Array {
  const b = new Uint8Array(16);
  groups.forEach((g, i) => {
    b[2 * i] = g >> 8;
    b[2 * i + 1] = g & 0xff;
  });
  return b;
}

describe('ipv6ToString (RFC 5952)', () => {
  it.each([
    [[0, 0, 0, 0, 0, 0, 0, 0], '::'],
    [[0, 0, 0, 0, 0, 0, 0, 1], '::1'],
    [[1, 0, 0, 0, 0, 0, 0, 0], '1::'],
    // §4.2.2: a single zero group is not compressed.
    [[0x2001, 0xdb8, 0, 1, 1, 1, 1, 1], '2001:db8:0:1:1:1:1:1'],
    // §4.2.3: the longest run is compressed; on a tie, the first.
    [[0x2001, 0, 0, 1, 0, 0, 0, 1], '2001:0:0:1::1'],
    [[0x2001, 0xdb8, 0, 0, 1, 0, 0, 1], '2001:db8::1:0:0:1'],
    // §4.3: lower case hexadecimal, no leading zeros.
    [[0x2001, 0xdb8, 0xabcd, 0x0012, 0, 0, 0, 0x00ff], '2001:db8:abcd:12::ff'],
    [[0xfe80, 0, 0, 0, 0x0211, 0x22ff, 0xfe33, 0x4455], 'fe80::211:22ff:fe33:4455'],
    // §5: IPv4-mapped addresses keep the dotted quad.
    [[0, 0, 0, 0, 0, 0xffff, 0x0a00, 0x0001], '::ffff:10.0.0.1'],
  ])('%j → %s', (groups, text) => {
    expect(ipv6ToString(v6(groups))).toBe(text);
  });
});

describe('cached address text', () => {
  it('ipv4Text equals ipv4ToString for edge values and many random ones, across cache clears', () => {
    const values = [0, 1, 0x7fffffff, 0x80000000, 0xc0a80001, 0xffffffff];
    for (let i = 0; i < 70_000; i++) values.push((Math.random() * 2 ** 32) >>> 0);
    expect(values.filter((v) => ipv4Text(v) !== ipv4ToString(v))).toEqual([]);
    expect(ipv4Text(0xffffffff)).toBe('255.255.255.255');
    expect(ipv4Text(0x80000000)).toBe('128.0.0.0');
  });

  it('etherText equals etherToString for the two halves of a MAC, across cache clears', () => {
    const macs: Uint8Array[] = [new Uint8Array(6), new Uint8Array(6).fill(0xff), Uint8Array.from([0x00, 0x0c, 0x29, 0x0a, 0xb0, 0x01])];
    for (let i = 0; i < 70_000; i++) macs.push(Uint8Array.from({ length: 6 }, () => (Math.random() * 256) | 0));
    const wrong = macs.filter((m) => etherText((m[0]! << 16) | (m[1]! << 8) | m[2]!, (m[3]! << 16) | (m[4]! << 8) | m[5]!) !== etherToString(m));
    expect(wrong).toEqual([]);
    expect(etherText(0x000c29, 0x0ab001)).toBe('00:0c:29:0a:b0:01');
  });
});

describe('a node whose value is its bytes as UTF-8', () => {
  const def = field('test.lazy_text', 'Lazy text', FT.String, 'A text value decoded from its bytes only when read.');
  const bytes = Uint8Array.from([0x78, 0x68, 0x69, 0xe2, 0x82, 0xac, 0xff, 0x0a, 0x79]);

  it('decodes exactly its own range, with U+FFFD for invalid bytes, once', () => {
    const n = new Node(def, new Source(bytes, 'Frame'), 1, 7, UTF8_OF_BYTES);
    expect(n.value).toBe('hi\u20ac\ufffd\n');
    expect(n.value).toBe(n.value);
  });

  it('is empty for a zero-length range or a range past the captured bytes', () => {
    expect(new Node(def, new Source(bytes, 'Frame'), 3, 0, UTF8_OF_BYTES).value).toBe('');
    expect(new Node(def, new Source(bytes, 'Frame'), 7, 10, UTF8_OF_BYTES).value).toBe('\ny');
  });
});

describe('byte writers shared by the renderers (render/digits.ts)', () => {
  const text = (write: (b: Uint8Array, p: number) => number): string => {
    const b = new Uint8Array(64).fill(0x3f);
    const end = write(b, 3);
    expect(b[2]).toBe(0x3f); // nothing written before p
    return Buffer.from(b.subarray(3, end)).toString('latin1');
  };

  it('writes integers as String() does, up to 2³² − 1', () => {
    const edges = [0, 9, 10, 99, 100, 101, 999, 1000, 65535, 99999, 100000, 999999, 1000000, 123456789, 999999999, 1000000000, 4294967295];
    const random = Array.from({ length: 2000 }, () => Math.floor(Math.random() * 2 ** 32));
    for (const v of [...edges, ...random]) {
      expect(text((b, p) => writeUint32(b, p, v))).toBe(String(v));
      expect(uint32Length(v)).toBe(String(v).length);
    }
  });

  it('writes hex with 0x and zero padding, nanoseconds as nine digits, IPv4 as a dotted quad', () => {
    expect(text((b, p) => writeHex(b, p, 0, 1))).toBe('0x0');
    expect(text((b, p) => writeHex(b, p, 0x800, 4))).toBe('0x0800');
    expect(text((b, p) => writeHex(b, p, 0x1_0000, 4))).toBe('0x10000');
    expect(text((b, p) => writeHex(b, p, 0xffffffff, 2))).toBe('0xffffffff');
    expect(text((b, p) => writeNanoseconds(b, p, 0))).toBe('000000000');
    expect(text((b, p) => writeNanoseconds(b, p, 1234))).toBe('000001234');
    expect(text((b, p) => writeNanoseconds(b, p, 999999999))).toBe('999999999');
    for (const v of [0, 0xffffffff, 0x0a000001, 0xc0a80a64, 0x01020304]) expect(text((b, p) => writeIpv4(b, p, v))).toBe(ipv4ToString(v));
    const mac = Uint8Array.of(0x00, 0x1b, 0xaf, 0xff, 0x10, 0x09);
    expect(text((b, p) => writeHexBytes(b, p, mac, 6, 0x3a))).toBe('00:1b:af:ff:10:09');
    expect(text((b, p) => writeHexBytes(b, p, mac, 3, 0))).toBe('001baf');
    expect(text((b, p) => writeHexBytes(b, p, mac, 0, 0x3a))).toBe('');
  });

  it('writes relative times as relTimeToString does, and declines what does not fit 32-bit seconds', () => {
    for (const v of [0, 1e-9, 0.000427, 0.9999999996, 12.000345, -0.25, -1e-10, 86400.5, 4294967295.5]) {
      expect(text((b, p) => writeRelTime(b, p, v))).toBe(relTimeToString(v));
    }
    const b = new Uint8Array(32);
    expect([writeRelTime(b, 0, 2 ** 33), writeRelTime(b, 0, Number.NaN)]).toEqual([-1, -1]);
  });
});
