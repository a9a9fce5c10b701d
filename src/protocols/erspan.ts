/**
 * ERSPAN — Encapsulated Remote Switched Port ANalyzer (draft-foschiano-erspan), types I and II,
 * carried in GRE with protocol type 0x88be, and type III with protocol type 0x22eb.
 *
 *   0                   1                   2                   3
 *   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *  +-------+-----------------------+-----+---+-+-------------------+
 *  |  Ver  |         VLAN          | COS |En |T|      Span ID      |   (type II only)
 *  +-------+---------------+-------+-----+---+-+-------------------+
 *  |        Reserved       |                 Index                 |
 *  +-----------------------+---------------------------------------+
 *  |  the mirrored Ethernet frame …
 *
 * Port mirroring across a routed network: a switch copies the frames of a port, wraps each in GRE
 * and sends it to an analyser elsewhere. Type I has no header of its own (the GRE header carries no
 * sequence number); type II, whose GRE header has one, adds the 8 bytes above.
 *
 * Type III: 12 bytes, then an 8-byte platform-specific subheader when O is set.
 *
 *  +-------+-----------------------+-----+---+-+-------------------+
 *  |  Ver  |         VLAN          | COS |BSO|T|      Span ID      |
 *  +-------+-----------------------+-----+---+-+-------------------+
 *  |                           Timestamp                           |
 *  +-------------------------------+-+---------+-----------+-+---+-+
 *  |     Security Group Tag        |P|   FT    |   HW ID   |D|Gra|O|
 *  +-------------------------------+-+---------+-----------+-+---+-+
 *  | Platf ID  |      platform-specific info (58 bits) …
 *
 * FT says what was mirrored: 0 an Ethernet frame, 2 an IP packet.
 */
import { FT, type FieldDef, field } from '../engine/fields.js';
import { callDissector, dissectData, protocol, table } from '../engine/dispatch.js';
import type { Buf } from '../engine/buf.js';
import type { Packet } from '../engine/packet.js';
import type { Node } from '../engine/tree.js';
import { eth } from './eth.js';
import { ip } from './ip.js';
import { ipv6 } from './ipv6.js';
import type { GrePayloadInfo } from './gre.js';

const hf = {
  version: field('erspan.version', 'Version', FT.UInt16, 'The ERSPAN type: 1 for type II (this 8-byte header), 2 for type III.', { bitmask: 0xf000, values: { 1: 'Type II', 2: 'Type III' } }),
  vlan: field('erspan.vlan', 'Vlan', FT.UInt16, 'The VLAN the mirrored frame was on at the source port.', { bitmask: 0x0fff }),
  cos: field('erspan.cos', 'COS', FT.UInt16, 'The class of service (priority) of the mirrored frame.', { bitmask: 0xe000 }),
  encap: field('erspan.encap', 'Encap', FT.UInt16, 'How the frame was tagged on the source port, and so whether the copy still has its VLAN tag.', {
    bitmask: 0x1800,
    values: { 0: 'Originally without VLAN tag', 1: 'Originally ISL encapsulated', 2: 'Originally 802.1Q encapsulated', 3: 'VLAN tag preserved in frame' },
  }),
  truncated: field('erspan.truncated', 'Truncated', FT.UInt16, 'The copy was cut short because it did not fit in the tunnel\'s MTU.', { bitmask: 0x0400, values: { 0: 'Not truncated', 1: 'Truncated' } }),
  spanId: field('erspan.spanid', 'SpanID', FT.UInt16, 'Which monitoring session this copy belongs to, as configured on the switch.', { bitmask: 0x03ff }),
  reserved: field('erspan.reserved', 'Reserved', FT.UInt32, 'Bits that must be zero.', { bitmask: 0xfff00000 }),
  index: field('erspan.index', 'Index', FT.UInt32, 'Identifies the source port and direction of the mirrored frame (platform-specific).', { bitmask: 0x000fffff }),
  // ---- type III
  bso: field('erspan.bso', 'Bad/Short/Oversized', FT.UInt16, 'The integrity of the mirrored frame as the switch received it: good, too short, too long, or with a CRC or alignment error.', {
    bitmask: 0x1800, values: { 0: 'Good or unknown integrity', 1: 'Short frame', 2: 'Oversized frame', 3: 'CRC or alignment error' },
  }),
  timestamp: field('erspan.timestamp', 'Timestamp', FT.UInt32, 'When the switch mirrored the frame, in units of the granularity below (its lower 32 bits).', { bitmask: 0xffffffff }),
  sgt: field('erspan.sgt', 'Security Group Tag', FT.UInt16, 'The Cisco TrustSec group of the frame\'s source, for policy by group rather than by address.', { bitmask: 0xffff }),
  p: field('erspan.p', 'Has Ethernet PDU', FT.UInt16, 'Set when the mirrored Ethernet frame is complete, preamble-less as on the wire (0: the frame type below says what follows).', { bitmask: 0x8000 }),
  ft: field('erspan.ft', 'Frame Type', FT.UInt16, 'What was mirrored: 0 an Ethernet frame, 2 an IP packet.', { bitmask: 0x7c00, values: { 0: 'Ethernet', 2: 'IP' } }),
  hw: field('erspan.hw', 'Hardware ID', FT.UInt16, 'Which forwarding engine of the switch made the copy.', { bitmask: 0x03f0 }),
  direction: field('erspan.direction', 'Direction', FT.Bool, 'Whether the frame was mirrored as it entered (ingress) or left (egress) the source port.', {
    bitmask: 0x0008, bitWidth: 16, trueFalse: ['Egress', 'Ingress'],
  }),
  gra: field('erspan.gra', 'Timestamp granularity', FT.UInt16, 'The unit of the timestamp: 100 µs, 100 ns, IEEE 1588 (seconds and nanoseconds), or a platform\'s own.', {
    bitmask: 0x0006, values: { 0: '100 microseconds', 1: '100 nanoseconds', 2: 'IEEE 1588', 3: 'Custom granularity' },
  }),
  o: field('erspan.o', 'Optional Sub headers', FT.UInt16, 'Set when an 8-byte platform-specific subheader follows.', { bitmask: 0x0001 }),
  platId: field('erspan.platid', 'Platform ID', FT.UInt32, 'Which platform layout the subheader has; the rest of its bits are read by that layout.', { bitmask: 0xfc000000 }),
  pid1Rsvd: field('erspan.pid1.rsvd1', 'Reserved', FT.UInt32, 'Bits that must be zero.', { bitmask: 0x03fff000 }),
  pid1Vsm: field('erspan.pid1.vsmid', 'VSM Domain ID', FT.UInt32, 'Platform 1: the virtual supervisor domain of the switch that mirrored the frame.', { bitmask: 0x00000fff }),
  pid1Port: field('erspan.pid1.port_index', 'Port ID/Index', FT.UInt32, 'Platform 1: the source port.', { bitmask: 0xffffffff }),
  pid3Rsvd: field('erspan.pid3.rsvd1', 'Reserved', FT.UInt32, 'Bits that must be zero.', { bitmask: 0x03ffc000 }),
  pid3Port: field('erspan.pid3.port_index', 'Port ID/Index', FT.UInt32, 'Platforms 3 and 7: the source port.', { bitmask: 0x00003fff }),
  pid3Time: field('erspan.pid3.timestamp', 'Upper 32-bit Timestamp', FT.UInt32, 'The upper half of a 64-bit timestamp, whose lower half is in the header.', { bitmask: 0xffffffff }),
  pid4Rsvd1: field('erspan.pid4.rsvd1', 'Reserved', FT.UInt32, 'Bits that must be zero.', { bitmask: 0x03ffc000 }),
  pid4Rsvd2: field('erspan.pid4.rsvd2', 'Reserved', FT.UInt32, 'Bits that must be zero.', { bitmask: 0x00003fff }),
  pid4Rsvd3: field('erspan.pid4.rsvd3', 'Reserved', FT.UInt32, 'Bits that must be zero.', { bitmask: 0xffffffff }),
  pid5Switch: field('erspan.pid5.switchid', 'Switch ID', FT.UInt32, 'Platforms 5 and 6: which switch mirrored the frame.', { bitmask: 0x03ff0000 }),
  pid5Port: field('erspan.pid5.port_index', 'Port ID/Index', FT.UInt32, 'Platforms 5 and 6: the source port.', { bitmask: 0x0000ffff }),
  pid5Time: field('erspan.pid5.timestamp', 'Timestamp (seconds)', FT.UInt32, 'Platforms 5 and 6: the whole seconds of an IEEE 1588 timestamp, whose nanoseconds are in the header.', { bitmask: 0xffffffff }),
  pid7Rsvd: field('erspan.pid7.rsvd1', 'Reserved', FT.UInt32, 'Bits that must be zero.', { bitmask: 0x03f00000 }),
  pid7Source: field('erspan.pid7.source_index', 'Source Index', FT.UInt32, 'Platform 7: the source port or VLAN of the mirrored frame.', { bitmask: 0x000fffff }),
  pid7Time: field('erspan.pid7.timestamp', 'Upper 32-bit Timestamp', FT.UInt32, 'The upper half of a 64-bit timestamp, whose lower half is in the header.', { bitmask: 0xffffffff }),
};

/**
 * The first 32 bits types II and III share: version and VLAN, then CoS, a 2-bit field (II: the
 * original frame's encapsulation, III: bad/short/oversized frame status), truncated flag, session id.
 */
function addFirstWords(buf: Buf, node: Node, twoBits: FieldDef): void {
  const first = buf.u16(0);
  const second = buf.u16(2);
  node.add(hf.version, buf, 0, 2, first >>> 12);
  node.add(hf.vlan, buf, 0, 2, first & 0x0fff);
  node.add(hf.cos, buf, 2, 2, second >>> 13);
  node.add(twoBits, buf, 2, 2, (second >>> 11) & 3);
  node.add(hf.truncated, buf, 2, 2, (second >>> 10) & 1);
  node.add(hf.spanId, buf, 2, 2, second & 0x03ff);
}

function dissectErspan(buf: Buf, pkt: Packet, parent: Node, data?: unknown): void {
  // Type II is the one whose GRE header carries a sequence number.
  if ((data as GrePayloadInfo | undefined)?.sequenced !== true) {
    const node = pkt.addLayer(erspan, parent, buf, 0, 0);
    if (node.real) node.text = 'Encapsulated Remote Switch Packet ANalysis Type I';
    callDissector(eth, buf, pkt, parent);
    return;
  }
  const node = pkt.addLayer(erspan, parent, buf, 0, 8);
  if (node.real) node.text = 'Encapsulated Remote Switch Packet ANalysis Type II';
  const third = buf.u32(4);
  addFirstWords(buf, node, hf.encap);
  node.add(hf.reserved, buf, 4, 4, third >>> 20);
  node.add(hf.index, buf, 4, 4, third & 0x000fffff);
  callDissector(eth, buf.sub(8), pkt, parent);
}

/**
 * Type III platform subheaders by platform id: the fields packed in the rest of the first word, and
 * the field that is the whole second word (platforms 5 and 6 share a layout).
 */
const platforms: Record<number, [FieldDef[], FieldDef]> = {
  1: [[hf.pid1Rsvd, hf.pid1Vsm], hf.pid1Port],
  3: [[hf.pid3Rsvd, hf.pid3Port], hf.pid3Time],
  4: [[hf.pid4Rsvd1, hf.pid4Rsvd2], hf.pid4Rsvd3],
  5: [[hf.pid5Switch, hf.pid5Port], hf.pid5Time],
  6: [[hf.pid5Switch, hf.pid5Port], hf.pid5Time],
  7: [[hf.pid7Rsvd, hf.pid7Source], hf.pid7Time],
};

/** The platform-specific subheader of type III (8 bytes at `at`), by its platform id. */
function addPlatform(buf: Buf, node: Node, at: number): void {
  const w0 = buf.u32(at);
  const id = w0 >>> 26;
  node.add(hf.platId, buf, at, 4, id);
  const layout = platforms[id];
  if (!layout) return;
  for (const def of layout[0]) node.add(def, buf, at, 4, ((w0 & def.bitmask) >>> def.shift) >>> 0);
  node.add(layout[1], buf, at + 4, 4, buf.u32(at + 4));
}

function dissectErspan3(buf: Buf, pkt: Packet, parent: Node): void {
  const node = pkt.addLayer(erspan, parent, buf, 0, 12);
  if (node.real) node.text = 'Encapsulated Remote Switch Packet ANalysis Type III';
  // What tshark's columns say until the mirrored packet (if one is recognised) says more.
  if (!pkt.inErrorPacket) pkt.protocolColumn = 'ERSPAN';
  pkt.setInfo('ERSPAN:');
  addFirstWords(buf, node, hf.bso);
  node.add(hf.timestamp, buf, 4, 4, buf.u32(4));
  node.add(hf.sgt, buf, 8, 2, buf.u16(8));
  const flags = buf.u16(10);
  node.add(hf.p, buf, 10, 2, flags >>> 15);
  const frameType = (flags >>> 10) & 0x1f;
  node.add(hf.ft, buf, 10, 2, frameType);
  node.add(hf.hw, buf, 10, 2, (flags >>> 4) & 0x3f);
  node.add(hf.direction, buf, 10, 2, (flags & 0x0008) !== 0);
  node.add(hf.gra, buf, 10, 2, (flags >>> 1) & 3);
  node.add(hf.o, buf, 10, 2, flags & 1);
  let at = 12;
  if (flags & 1) {
    node.length = 20;
    addPlatform(buf, node, 12);
    at = 20;
  }
  const payload = buf.sub(at);
  if (frameType === 0) callDissector(eth, payload, pkt, parent);
  else if (frameType === 2 && payload.length > 0) callDissector(payload.u8(0) >> 4 === 6 ? ipv6 : ip, payload, pkt, parent);
  else dissectData(payload, pkt, parent);
}

export const erspan = protocol('erspan', 'Encapsulated Remote Switch Packet ANalysis', 'ERSPAN',
  'Port mirroring over GRE: a switch\'s copy of a frame, sent to an analyser elsewhere in the network.',
  dissectErspan);

/** Type III: the same protocol (one set of fields, one name), with its own header. */
const erspanIII = { ...erspan, dissect: dissectErspan3 };

export function register(): void {
  table('ethertype').add(0x88be, erspan);
  table('ethertype').add(0x22eb, erspanIII);
}
