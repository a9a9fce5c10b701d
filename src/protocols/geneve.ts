/**
 * Geneve — Generic Network Virtualization Encapsulation, RFC 8926.
 *
 *   0                   1                   2                   3
 *   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *  +---+-----------+-+-+-----------+-------------------------------+
 *  |Ver| Opt Len   |O|C|   Rsvd.   |         Protocol Type         |
 *  +---+-----------+-+-+-----------+---------------+---------------+
 *  |        Virtual Network Identifier (VNI)       |   Reserved    |
 *  +-----------------------------------------------+---------------+
 *  |  Options: Opt Len × 4 bytes of (class 16, type 8, R 3, length 5 words, data)  |
 *  +---------------------------------------------------------------+
 *  |  the tenant's packet, named by Protocol Type (0x6558: a whole Ethernet frame) …
 *
 * VXLAN's extensible successor (UDP port 6081), used by Open vSwitch, OVN and cloud networks: the
 * same 24-bit network identifier, any protocol inside, and typed options a vendor can define (each
 * class is registered with IANA). A type with its high bit set is critical: a receiver that does
 * not understand it must drop the packet.
 */
import { FT, field } from '../engine/fields.js';
import { protocol, table } from '../engine/dispatch.js';
import type { Buf } from '../engine/buf.js';
import type { Packet } from '../engine/packet.js';
import type { Node } from '../engine/tree.js';
import { hex, setBitNames } from '../engine/format.js';
import { dissectByEtherType, etherTypeNames } from './eth.js';

const OAM = 0x80;
const CRITICAL = 0x40;

/** Option classes (IANA "Geneve Option Class" registry) that vpnscope names. */
const classNames: Record<number, string> = { 0x0000: 'Standard', 0x0132: 'Google LLC' };

const hf = {
  version: field('geneve.version', 'Version', FT.UInt8, 'The Geneve version; 0 is the only one defined.'),
  length: field('geneve.option.length', 'Length', FT.UInt8, 'In the header: how many bytes of options follow it; in an option: the option\'s size, its 4-byte header included.', { unit: ' bytes' }),
  flags: field('geneve.flags', 'Flags', FT.UInt8, 'O marks a control (OAM) packet rather than tenant data; C says a critical option is present.', { base: 'hex' }),
  oam: field('geneve.flags.oam', 'Operations, Administration and Management Frame', FT.Bool, 'A control message for the tunnel endpoints themselves, not a tenant\'s packet.', { bitmask: OAM, bitWidth: 8, trueFalse: ['True', 'False'] }),
  critical: field('geneve.flags.critical', 'Critical Options Present', FT.Bool, 'At least one option is critical: a receiver that does not understand it must drop the packet.', { bitmask: CRITICAL, bitWidth: 8, trueFalse: ['True', 'False'] }),
  reserved: field('geneve.flags.reserved', 'Reserved', FT.Bool, 'Flag bits with no meaning yet; senders set them to zero.', { bitmask: 0x3f, bitWidth: 8, trueFalse: ['True', 'False'] }),
  protoType: field('geneve.proto_type', 'Protocol Type', FT.UInt16, 'The EtherType of the packet inside: 0x6558 for a whole Ethernet frame, 0x0800 IPv4, 0x86dd IPv6.', { base: 'hex', values: etherTypeNames }),
  vni: field('geneve.vni', 'Virtual Network Identifier (VNI)', FT.UInt24, 'Which virtual network the inner packet belongs to, as in VXLAN.', { base: 'hex_dec' }),
  reserved8: field('geneve.reserved', 'Reserved', FT.UInt8, 'A byte that must be zero.', { base: 'hex' }),
  options: field('geneve.options', 'Options', FT.Bytes, 'Typed, variable-length options between the header and the inner packet (metadata for the tunnel endpoints).'),
  option: field('geneve.option', 'Option', FT.Bytes, 'One option: class, type, length, then its data.'),
  optionClass: field('geneve.option.class', 'Class', FT.UInt16, 'Who defined the option (an IANA-registered vendor or project); the type is theirs to number.', { base: 'hex', values: classNames }),
  optionType: field('geneve.option.type', 'Type', FT.UInt8, 'Which option of its class this is; the high bit marks it critical.', { base: 'hex' }),
  optionCritical: field('geneve.option.type.critical', 'Critical Option', FT.Bool, 'A receiver that does not understand this option must drop the packet.', { bitmask: 0x80, bitWidth: 8 }),
  optionFlags: field('geneve.option.flags', 'Flags', FT.UInt8, 'Three bits in front of the option length, reserved.', { base: 'hex' }),
  optionFlagsReserved: field('geneve.option.flags.reserved', 'Reserved', FT.Bool, 'Bits that must be zero.', { bitmask: 0xe0, bitWidth: 8 }),
  optionData: field('geneve.option.unknown.data', 'Unknown Option Data', FT.Bytes, 'The data of an option vpnscope does not decode.'),
};

const flagNames: [number, string][] = [[OAM, 'Operations, Administration and Management Frame'], [CRITICAL, 'Critical Options Present']];

function dissectGeneve(buf: Buf, pkt: Packet, parent: Node): void {
  const first = buf.u8(0);
  const optionsLength = (first & 0x3f) * 4;
  const node = pkt.addLayer(geneve, parent, buf, 0, 8 + optionsLength);
  node.add(hf.version, buf, 0, 1, first >>> 6);
  node.add(hf.length, buf, 0, 1, optionsLength);
  const flags = buf.u8(1);
  const flagsNode = node.add(hf.flags, buf, 1, 1, flags);
  if (flagsNode.real) {
    // Named after the flags that are set, as Wireshark writes a bitmask's header.
    const set = setBitNames(flags, flagNames);
    if (set) flagsNode.suffix = `, ${set}`;
    flagsNode.add(hf.oam, buf, 1, 1, (flags & OAM) !== 0);
    flagsNode.add(hf.critical, buf, 1, 1, (flags & CRITICAL) !== 0);
    flagsNode.add(hf.reserved, buf, 1, 1, (flags & 0x3f) !== 0);
  }
  const type = buf.u16(2);
  node.add(hf.protoType, buf, 2, 2, type);
  node.add(hf.vni, buf, 4, 3, buf.u24(4));
  node.addHidden(hf.reserved8, buf, 7, 1, buf.u8(7));
  if (optionsLength > 0) dissectOptions(buf, node, 8, optionsLength);

  const payload = buf.sub(8 + optionsLength);
  if (payload.reportedLength === 0) return;
  dissectByEtherType(type, payload, pkt, parent);
}

function dissectOptions(buf: Buf, node: Node, start: number, length: number): void {
  const all = node.add(hf.options, buf, start, length, buf.bytesAt(start, length));
  if (all.real) all.text = `Options: (${length} bytes)`;
  const end = start + length;
  for (let off = start; off < end; ) {
    const cls = buf.u16(off);
    const type = buf.u8(off + 2);
    const flagsAndLength = buf.u8(off + 3);
    const size = 4 + (flagsAndLength & 0x1f) * 4;
    const critical = type & 0x80 ? 'Critical' : 'Non-critical';
    const option = all.add(hf.option, buf, off, size, buf.bytesAt(off, Math.min(size, end - off)));
    const className = classNames[cls] ?? 'Unknown';
    if (option.real) option.text = `Unknown, Class: ${className} (${hex(cls, 4)}) Type: ${hex(type, 2)} (${critical})`;
    option.add(hf.optionClass, buf, off, 2, cls);
    const typeNode = option.add(hf.optionType, buf, off + 2, 1, type);
    typeNode.suffix = ` (${critical})`;
    option.addHidden(hf.optionCritical, buf, off + 2, 1, (type & 0x80) !== 0);
    const flagsNode = option.addHidden(hf.optionFlags, buf, off + 3, 1, flagsAndLength >>> 5);
    flagsNode.addHidden(hf.optionFlagsReserved, buf, off + 3, 1, (flagsAndLength & 0xe0) !== 0);
    option.add(hf.length, buf, off + 3, 1, size);
    if (size > 4) option.add(hf.optionData, buf, off + 4, size - 4, buf.bytesAt(off + 4, size - 4));
    off += size;
  }
}

export const geneve = protocol('geneve', 'Generic Network Virtualization Encapsulation', 'Geneve',
  'An overlay network header in UDP (port 6081): a 24-bit network identifier, typed options, then a tenant packet of any protocol.',
  dissectGeneve, (n) => {
    const vni = n.childValue(hf.vni);
    return typeof vni === 'number' ? `Generic Network Virtualization Encapsulation, VNI: ${hex(vni, 6)}` : 'Generic Network Virtualization Encapsulation';
  });

export function register(): void {
  table('udp.port').add(6081, geneve);
}
