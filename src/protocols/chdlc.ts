/**
 * Cisco HDLC — LINKTYPE_C_HDLC (104), the framing Cisco routers use on serial lines, and SLARP,
 * its keepalive and address protocol.
 *
 *   0        1        2                 4
 *  +--------+--------+-----------------+
 *  |address |control |    protocol     |   address 0x0f unicast, 0x8f multicast; protocol an
 *  +--------+--------+-----------------+   EtherType, or 0x8035 SLARP, 0x2000 CDP
 *
 *   SLARP:  type (4) | request/reply: address (4), netmask (4) | keepalive: my sequence (4),
 *                                                                your sequence (4), reliability (2)
 *
 * Each router sends a keepalive every few seconds with its own counter and the last one it heard
 * from the other end: when the counters stop advancing, the line is declared down.
 */
import { FT, field } from '../engine/fields.js';
import { protocol, table, dissectData } from '../engine/dispatch.js';
import type { Buf } from '../engine/buf.js';
import type { Packet } from '../engine/packet.js';
import { Severity, type Node } from '../engine/tree.js';
import { dissectByEtherType, etherTypeNames } from './eth.js';

const SLARP = 0x8035;
const CDP = 0x2000;

const protocolNames: Record<number, string> = { ...etherTypeNames, [SLARP]: 'SLARP', [CDP]: 'CDP' };
const slarpTypes: Record<number, string> = { 0: 'Request', 1: 'Reply', 2: 'Line keepalive' };

const hf = {
  address: field('chdlc.address', 'Address', FT.UInt8, 'Who the frame is for: 0x0f a unicast frame, 0x8f a multicast one (such as keepalives).', { base: 'hex', values: { 0x0f: 'Unicast', 0x8f: 'Multicast' } }),
  control: field('chdlc.control', 'Control', FT.UInt8, 'Always 0 in Cisco HDLC.', { base: 'hex' }),
  protocol: field('chdlc.protocol', 'Protocol', FT.UInt16, 'What the frame carries: an EtherType (0x0800 IPv4 …), 0x8035 SLARP keepalives or 0x2000 CDP.', { base: 'hex', values: protocolNames }),
  slarpType: field('slarp.ptype', 'Packet type', FT.UInt32, 'A request for the other end\'s address, the reply, or a line keepalive.', { values: slarpTypes }),
  slarpAddress: field('slarp.address', 'Address', FT.IPv4, 'The sender\'s IP address on this serial line (request and reply).'),
  slarpNetmask: field('slarp.netmask', 'Netmask', FT.IPv4, 'The netmask of that address.'),
  mySequence: field('slarp.mysequence', 'Outgoing sequence number', FT.UInt32, 'The sender\'s own keepalive counter, one more each time.'),
  yourSequence: field('slarp.yoursequence', 'Returned sequence number', FT.UInt32, 'The last counter the sender heard from the other end: if it stops following, keepalives are being lost.'),
  reliability: field('slarp.reliability', 'Reliability', FT.UInt16, 'A legacy link-quality field that Cisco routers always set to 0xffff.', { base: 'hex' }),
  reliabilityInvalid: field('slarp.reliability.invalid', 'Reliability must be 0xFFFF', FT.None, 'The reliability field of a keepalive is not 0xffff.'),
};

function dissectChdlc(buf: Buf, pkt: Packet, parent: Node): void {
  const node = pkt.addLayer(chdlc, parent, buf, 0, 4);
  // A serial line has no link addresses: the columns say so until a network layer fills them.
  if (pkt.netSrc === '') pkt.src = pkt.dst = 'N/A';
  node.add(hf.address, buf, 0, 1, buf.u8(0));
  node.add(hf.control, buf, 1, 1, buf.u8(1));
  const proto = buf.u16(2);
  node.add(hf.protocol, buf, 2, 2, proto);
  const payload = buf.sub(4);
  if (proto === SLARP) dissectSlarp(payload, pkt, parent);
  else if (proto === CDP) dissectData(payload, pkt, parent);
  else dissectByEtherType(proto, payload, pkt, parent);
}

function dissectSlarp(buf: Buf, pkt: Packet, parent: Node): void {
  const node = pkt.addLayer(slarp, parent, buf, 0, buf.length);
  const type = buf.u32(0);
  node.add(hf.slarpType, buf, 0, 4, type);
  if (type === 2) {
    const mine = buf.u32(4);
    const yours = buf.u32(8);
    node.add(hf.mySequence, buf, 4, 4, mine);
    node.add(hf.yourSequence, buf, 8, 4, yours);
    pkt.setInfo(`Line keepalive, outgoing sequence ${mine}, returned sequence ${yours}`);
    const reliability = buf.u16(12);
    const r = node.add(hf.reliability, buf, 12, 2, reliability);
    if (reliability !== 0xffff) pkt.addExpert(r, Severity.Warning, 'Protocol', 'Reliability must be 0xFFFF', 'slarp', hf.reliabilityInvalid);
  } else if (type === 0 || type === 1) {
    const address = buf.u32(4);
    const mask = buf.u32(8);
    node.add(hf.slarpAddress, buf, 4, 4, address);
    node.add(hf.slarpNetmask, buf, 8, 4, mask);
    pkt.setInfo(slarpTypes[type]!);
  } else {
    pkt.setInfo(`Unknown packet type 0x${type.toString(16).padStart(8, '0')}`);
  }
}

export const chdlc = protocol('chdlc', 'Cisco HDLC', 'CHDLC',
  'The framing Cisco routers use on serial links: an address byte, a control byte and a protocol type before each packet.',
  dissectChdlc);

export const slarp = protocol('slarp', 'Cisco SLARP', 'SLARP',
  'Cisco\'s Serial Line ARP: keepalives with sequence counters that tell each end whether the line is up, and address requests.',
  dissectSlarp);

export function register(): void {
  table('link_type').add(104, chdlc);
}
