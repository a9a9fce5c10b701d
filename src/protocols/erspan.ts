/**
 * ERSPAN — Encapsulated Remote Switched Port ANalyzer (draft-foschiano-erspan), types I and II,
 * carried in GRE with protocol type 0x88be.
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
 */
import { FT, field } from '../engine/fields.js';
import { callDissector, protocol, table } from '../engine/dispatch.js';
import type { Buf } from '../engine/buf.js';
import type { Packet } from '../engine/packet.js';
import type { Node } from '../engine/tree.js';
import { eth } from './eth.js';
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
};

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
  const first = buf.u16(0);
  const second = buf.u16(2);
  const third = buf.u32(4);
  node.add(hf.version, buf, 0, 2, first >>> 12);
  node.add(hf.vlan, buf, 0, 2, first & 0x0fff);
  node.add(hf.cos, buf, 2, 2, second >>> 13);
  node.add(hf.encap, buf, 2, 2, (second >>> 11) & 3);
  node.add(hf.truncated, buf, 2, 2, (second >>> 10) & 1);
  node.add(hf.spanId, buf, 2, 2, second & 0x03ff);
  node.add(hf.reserved, buf, 4, 4, third >>> 20);
  node.add(hf.index, buf, 4, 4, third & 0x000fffff);
  callDissector(eth, buf.sub(8), pkt, parent);
}

export const erspan = protocol('erspan', 'Encapsulated Remote Switch Packet ANalysis', 'ERSPAN',
  'Port mirroring over GRE: a switch\'s copy of a frame, sent to an analyser elsewhere in the network.',
  dissectErspan);

export function register(): void {
  table('ethertype').add(0x88be, erspan);
}
