/**
 * Number, address and hex writers shared by the text and JSON renderers. Each writes ASCII at
 * `b[p…]`, into room the caller has already made (at most the `MAX_…` bytes given), and returns the
 * position after what it wrote. Each gives exactly the text String(), toString(16) or the format.ts
 * helpers would, without making the string.
 */

export const HEX_CODES = Uint8Array.from('0123456789abcdef', (c) => c.charCodeAt(0));
const DIGIT_PAIRS = Uint8Array.from(Array.from({ length: 100 }, (_, i) => String(i).padStart(2, '0')).join(''), (c) => c.charCodeAt(0));

/** Room `writeUint32` may need: 4294967295. */
export const MAX_UINT32 = 10;
/** Room `writeHex` may need: "0x" and eight digits. */
export const MAX_HEX = 10;
/** Room `writeIpv4` may need: 255.255.255.255. */
export const MAX_IPV4 = 15;
/** Room `writeRelTime` may need: a sign, ten digits, the point and nine decimals. */
export const MAX_REL_TIME = 21;

/** Decimal digits of an integer 0 ≤ v < 2³², as String(v) has them. */
export function uint32Length(v: number): number {
  if (v < 100000) return v < 10 ? 1 : v < 100 ? 2 : v < 1000 ? 3 : v < 10000 ? 4 : 5;
  return v < 1000000 ? 6 : v < 10000000 ? 7 : v < 100000000 ? 8 : v < 1000000000 ? 9 : 10;
}

/** True for the integers the decimal writer takes: 0 … 2³² − 1. */
export function isUint32(v: unknown): v is number {
  return typeof v === 'number' && v >>> 0 === v;
}

/** String(v) for an integer 0 ≤ v < 2³², two digits at a time. */
export function writeUint32(b: Uint8Array, p: number, v: number): number {
  const end = p + uint32Length(v);
  let at = end;
  while (v >= 100) {
    const q = (v / 100) >>> 0;
    const pair = (v - q * 100) * 2;
    b[--at] = DIGIT_PAIRS[pair + 1]!;
    b[--at] = DIGIT_PAIRS[pair]!;
    v = q;
  }
  if (v >= 10) {
    b[--at] = DIGIT_PAIRS[v * 2 + 1]!;
    b[--at] = DIGIT_PAIRS[v * 2]!;
  } else b[--at] = 48 + v;
  return end;
}

/** True for a nanosecond count within a second: an integer 0 ≤ v < 10⁹. */
export function isNanoseconds(v: unknown): v is number {
  return typeof v === 'number' && v >>> 0 === v && v < 1e9;
}

/**
 * relTimeToString's "12.000345000" (seconds with nine decimals, "-" before a negative one), from the
 * same arithmetic; -1, having written nothing, when the whole seconds do not fit 32 bits.
 */
export function writeRelTime(b: Uint8Array, p: number, seconds: number): number {
  let ns = Math.round(Math.abs(seconds) * 1e9);
  const whole = Math.floor(ns / 1e9);
  ns -= whole * 1e9;
  if (!isUint32(whole) || !isNanoseconds(ns)) return -1;
  if (seconds < 0) b[p++] = 45; // -
  p = writeUint32(b, p, whole);
  b[p++] = 46; // .
  return writeNanoseconds(b, p, ns);
}

/** Nine digits, zero-padded: the fraction of a second in nanoseconds (0 ≤ ns < 10⁹). */
export function writeNanoseconds(b: Uint8Array, p: number, ns: number): number {
  for (let at = p + 8; at >= p; at--) {
    const q = (ns / 10) >>> 0;
    b[at] = 48 + ns - q * 10;
    ns = q;
  }
  return p + 9;
}

/** "0x" and `v` (0 ≤ v < 2³²) in lowercase hex, zero-padded to at least `width` digits (at most 8). */
export function writeHex(b: Uint8Array, p: number, v: number, width: number): number {
  let digits = 1;
  while (digits < 8 && v >>> (digits * 4) !== 0) digits++;
  if (digits < width) digits = width;
  b[p++] = 48;
  b[p++] = 120;
  for (let d = digits - 1; d >= 0; d--) b[p++] = HEX_CODES[(v >>> (d * 4)) & 15]!;
  return p;
}

/** "10.0.0.1" for an address held as a 32-bit number, as ipv4ToString writes it. */
export function writeIpv4(b: Uint8Array, p: number, v: number): number {
  for (let shift = 24; shift >= 0; shift -= 8) {
    const octet = (v >>> shift) & 255;
    if (octet >= 100) b[p++] = 48 + ((octet / 100) | 0);
    if (octet >= 10) b[p++] = 48 + (((octet / 10) | 0) % 10);
    b[p++] = 48 + (octet % 10);
    if (shift > 0) b[p++] = 46;
  }
  return p;
}

/** `bytes[0…count)` as two hex digits each, with `separator` (a byte, 0 for none) between them. */
export function writeHexBytes(b: Uint8Array, p: number, bytes: Uint8Array, count: number, separator: number): number {
  for (let i = 0; i < count; i++) {
    if (separator !== 0 && i > 0) b[p++] = separator;
    const v = bytes[i]!;
    b[p++] = HEX_CODES[v >> 4]!;
    b[p++] = HEX_CODES[v & 15]!;
  }
  return p;
}
