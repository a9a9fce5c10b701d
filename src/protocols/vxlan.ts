/**
 * VXLAN — Virtual eXtensible Local Area Network, RFC 7348 (Group Based Policy: draft-smith-vxlan-group-policy).
 *
 *   0               8               16              24             32
 *  +-+---+-+-+-+-+-+-+-+-+---+-+-+-+---------------------------------+
 *  |G|R R|R|I|R R R|R|D|R R|A|R R R|     Group Policy ID (GBP)       |
 *  +-+---+-+-+-+-+-+-+-+-+---+-+-+-+-----------------+---------------+
 *  |        VXLAN Network Identifier (VNI)           |   Reserved    |
 *  +-------------------------------------------------+---------------+
 *  | the tenant's whole Ethernet frame …
 *
 * An overlay network: each tenant's Ethernet frames travel between hypervisors inside UDP datagrams
 * (port 4789), the 24-bit VNI saying which virtual LAN a frame belongs to. The inner frame is then
 * dissected like any other, so a capture on the underlay shows two Ethernet and two IP layers; the
 * columns and conversations follow the inner one, as in Wireshark.
 */
import { FT, field } from '../engine/fields.js';
import { callDissector, protocol, table } from '../engine/dispatch.js';
import type { Buf } from '../engine/buf.js';
import type { Packet } from '../engine/packet.js';
import type { Node } from '../engine/tree.js';
import { setBitNames } from '../engine/format.js';
import { eth } from './eth.js';

const G = 0x8000;
const I = 0x0800;
const D = 0x0040;
const A = 0x0008;

const hf = {
  flags: field('vxlan.flags', 'Flags', FT.UInt16, 'Which parts of the header are in use: I (the VNI is valid) must be set; G, D and A belong to the Group Based Policy extension.', { base: 'hex' }),
  g: field('vxlan.flag_g', 'GBP Extension', FT.Bool, 'The second half of the first word carries a Group Policy ID (the Group Based Policy extension).', { bitmask: G, bitWidth: 16, trueFalse: ['Defined', 'Not defined'] }),
  i: field('vxlan.flag_i', 'VXLAN Network ID (VNI)', FT.Bool, 'The VNI field is valid; RFC 7348 requires this bit in every packet.', { bitmask: I, bitWidth: 16, trueFalse: ['True', 'False'] }),
  d: field('vxlan.flag_d', 'Don\'t Learn', FT.Bool, 'Group Based Policy: the receiving switch should not learn the inner source address from this frame.', { bitmask: D, bitWidth: 16, trueFalse: ['True', 'False'] }),
  a: field('vxlan.flag_a', 'Policy Applied', FT.Bool, 'Group Based Policy: the sender already applied the group\'s policy, so the receiver need not.', { bitmask: A, bitWidth: 16, trueFalse: ['True', 'False'] }),
  reserved: field('vxlan.flags_reserved', 'Reserved(R)', FT.UInt16, 'Flag bits with no meaning yet; senders set them to zero.', { base: 'hex', bitmask: 0xffff & ~(G | I | D | A) }),
  gbp: field('vxlan.gbp', 'Group Policy ID', FT.UInt16, 'Group Based Policy: the policy group of the tenant that sent the frame (zero without the G flag).'),
  vni: field('vxlan.vni', 'VXLAN Network Identifier (VNI)', FT.UInt24, 'Which virtual network the inner frame belongs to: up to 16 million tenants share one physical network.'),
  reserved8: field('vxlan.reserved8', 'Reserved', FT.UInt8, 'A byte that must be zero.'),
};

const flagNames: [number, string][] = [[G, 'GBP Extension'], [I, 'VXLAN Network ID (VNI)'], [D, 'Don\'t Learn'], [A, 'Policy Applied']];

function dissectVxlan(buf: Buf, pkt: Packet, parent: Node): void {
  const node = pkt.addLayer(vxlan, parent, buf, 0, 8);
  // tshark's column text for VXLAN, and the transport's Info cleared: the inner frame fills both.
  if (!pkt.inErrorPacket) pkt.protocolColumn = 'VxLAN';
  pkt.setInfo('');
  const flags = buf.u16(0);
  const flagsNode = node.add(hf.flags, buf, 0, 2, flags);
  if (flagsNode.real) {
    // Named after the flags that are set, as Wireshark writes a bitmask's header.
    const set = setBitNames(flags, flagNames);
    if (set) flagsNode.suffix = `, ${set}`;
    flagsNode.add(hf.g, buf, 0, 2, (flags & G) !== 0);
    flagsNode.add(hf.i, buf, 0, 2, (flags & I) !== 0);
    flagsNode.add(hf.d, buf, 0, 2, (flags & D) !== 0);
    flagsNode.add(hf.a, buf, 0, 2, (flags & A) !== 0);
    flagsNode.add(hf.reserved, buf, 0, 2, flags & hf.reserved.bitmask);
  }
  node.add(hf.gbp, buf, 2, 2, buf.u16(2));
  node.add(hf.vni, buf, 4, 3, buf.u24(4));
  node.add(hf.reserved8, buf, 7, 1, buf.u8(7));
  callDissector(eth, buf.sub(8), pkt, parent);
}

export const vxlan = protocol('vxlan', 'Virtual eXtensible Local Area Network', 'VXLAN',
  'An overlay network: a tenant\'s Ethernet frames carried between hosts in UDP (port 4789) with a 24-bit network identifier.',
  dissectVxlan);

export function register(): void {
  table('udp.port').add(4789, vxlan);
}
