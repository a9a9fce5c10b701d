/**
 * MPLS — MultiProtocol Label Switching label stack entries, RFC 3032.
 *
 *   0                   1                   2                   3
 *   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *  +---------------------------------------+-----+-+---------------+
 *  |                 Label                 | Exp |S|      TTL      |
 *  +---------------------------------------+-----+-+---------------+
 *
 * Carriers forward packets by a short label instead of the IP address, and build their VPNs on it
 * (BGP/MPLS IP VPNs, RFC 4364): the outer label picks the path through the network, an inner one
 * the customer's VPN. Entries stack until one has S (bottom of stack) set. Nothing names what
 * follows the stack; as Wireshark does, a first nibble of 4 or 6 is taken as IPv4 or IPv6.
 * Each entry is its own layer, as in Wireshark.
 */
import { FT, field } from '../engine/fields.js';
import { protocol, table } from '../engine/dispatch.js';
import type { Buf } from '../engine/buf.js';
import type { Packet } from '../engine/packet.js';
import type { Node } from '../engine/tree.js';
import { dissectIpByVersion } from './rawip.js';

const hf = {
  label: field('mpls.label', 'MPLS Label', FT.UInt32, 'The label a router looks up to decide where the packet goes next (and which label replaces this one); 0–15 are reserved.', { base: 'dec_hex', bitmask: 0xfffff000 }),
  exp: field('mpls.exp', 'MPLS Experimental Bits', FT.UInt8, 'Traffic class (once "experimental"): the packet\'s priority for queueing, like IP\'s DSCP.', { bitmask: 0x00000e00, bitWidth: 32 }),
  bottom: field('mpls.bottom', 'MPLS Bottom Of Label Stack', FT.UInt8, '1 on the last label of the stack: the packet itself follows.', { bitmask: 0x00000100, bitWidth: 32 }),
  ttl: field('mpls.ttl', 'MPLS TTL', FT.UInt8, 'Hops the packet may still take, counted down by each router as IP\'s TTL is.', { bitmask: 0x000000ff, bitWidth: 32 }),
};

/** Deeper stacks than this are treated as hostile input: the rest is data. */
const MAX_LABELS = 32;

function dissectMpls(buf: Buf, pkt: Packet, parent: Node): void {
  let off = 0;
  pkt.setInfo('MPLS Label Switched Packet');
  for (let n = 0; ; n++) {
    const entry = buf.u32(off);
    // Every entry is a layer of the tree; the protocol list names MPLS once, as Wireshark's does.
    const node = n === 0 ? pkt.addLayer(mpls, parent, buf, off, 4) : parent.add(mpls.field, buf, off, 4);
    node.add(hf.label, buf, off, 4, entry >>> 12);
    node.add(hf.exp, buf, off, 4, (entry >>> 9) & 7);
    const bottom = (entry >>> 8) & 1;
    node.add(hf.bottom, buf, off, 4, bottom);
    node.add(hf.ttl, buf, off, 4, entry & 0xff);
    off += 4;
    if (bottom || n + 1 >= MAX_LABELS) break;
  }
  const payload = buf.sub(off);
  if (payload.reportedLength === 0) return;
  dissectIpByVersion(payload, pkt, parent);
}

export const mpls = protocol('mpls', 'MultiProtocol Label Switching Header', 'MPLS',
  'A 4-byte label a carrier\'s routers forward by instead of the IP address; stacked labels build paths and provider VPNs.',
  dissectMpls, (n) =>
    `MultiProtocol Label Switching Header, Label: ${n.childValue(hf.label)}, Exp: ${n.childValue(hf.exp)}, S: ${n.childValue(hf.bottom)}, TTL: ${n.childValue(hf.ttl)}`);

export function register(): void {
  table('ethertype').add(0x8847, mpls).add(0x8848, mpls);
  table('ppp.protocol').add(0x0281, mpls).add(0x0283, mpls);
  table('ip.proto').add(137, mpls);
  // MPLS in UDP, RFC 7510.
  table('udp.port').add(6635, mpls);
}
