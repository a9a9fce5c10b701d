/**
 * The Internet checksum (RFC 1071) shared by IPv4, ICMP, UDP and TCP, and the generated
 * `<proto>.checksum.status` fields Wireshark shows beside each checksum.
 */
import { FT, field, type FieldDef } from '../engine/fields.js';
import type { Packet } from '../engine/packet.js';

export const enum ChecksumStatus {
  Bad = 0,
  Good = 1,
  Unverified = 2,
  NotPresent = 3,
  Illegal = 4,
}

const statusNames = { 0: 'Bad', 1: 'Good', 2: 'Unverified', 3: 'Not present', 4: 'Illegal' };
const statusFields = new Map<string, FieldDef>();

/** The `<proto>.checksum.status` field, declared once per protocol. */
export function checksumStatusField(proto: string): FieldDef {
  let f = statusFields.get(proto);
  if (!f) {
    f = field(`${proto}.checksum.status`, 'Checksum Status', FT.UInt8,
      `Whether vpnscope recomputed the ${proto.toUpperCase()} checksum and found it good or bad, or left it unverified.`, { values: statusNames, base: 'none' });
    statusFields.set(proto, f);
  }
  return f;
}

/** One's-complement sum of 16-bit words, folded; `initial` carries a pseudo-header sum. Returns the folded sum (0xffff when data+checksum verify). */
export function internetChecksum(bytes: Uint8Array, initial = 0): number {
  return checksumRange(bytes, 0, bytes.length, initial);
}

/**
 * The value the 16-bit checksum field at `at` (an even offset) should hold: the complement of the
 * sum over `bytes` with that field taken as zero. `initial` carries a pseudo-header sum.
 */
export function expectedChecksum(bytes: Uint8Array, at: number, initial = 0): number {
  return ~checksumRange(bytes, at + 2, bytes.length, checksumRange(bytes, 0, at, initial)) & 0xffff;
}

/** internetChecksum over `bytes[from…to)`, without making a view of them. */
export function checksumRange(bytes: Uint8Array, from: number, to: number, initial = 0): number {
  let sum = initial;
  const n = from + ((to - from) & ~1);
  for (let i = from; i < n; i += 2) sum += (bytes[i]! << 8) | bytes[i + 1]!;
  if ((to - from) & 1) sum += bytes[to - 1]! << 8;
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return sum;
}

/** Sum of the IPv4/IPv6 pseudo-header for a transport checksum. */
export function pseudoHeaderSum(pkt: Packet, protocolNumber: number, length: number): number {
  let sum = protocolNumber + (length & 0xffff) + (length >>> 16);
  for (const a of [pkt.netSrcBytes, pkt.netDstBytes]) {
    if (!a) continue;
    for (let i = 0; i + 1 < a.length; i += 2) sum += (a[i]! << 8) | a[i + 1]!;
  }
  return sum;
}
