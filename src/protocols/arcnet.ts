/**
 * ARCNET — the 1970s token-bus LAN, as Linux (LINKTYPE_ARCNET_LINUX, 129) and the BSDs
 * (LINKTYPE_ARCNET_BSD, 7) capture it. Stations have one-byte addresses.
 *
 *   Linux:  source | destination | offset (2) | protocol id | RFC 1201 header … | packet
 *   BSD:    source | destination |              protocol id | RFC 1201 header … | packet
 *
 * Protocols framed by RFC 1201 (IP 0xd4, ARP 0xd5, RARP 0xd6, IPv6 0xc4 …) add a split flag and a
 * sequence number, for packets fragmented over several ARCNET frames; the older RFC 1051 framing
 * (IP 0xf0, ARP 0xf1) has neither.
 */
import { FT, field } from '../engine/fields.js';
import { callDissector, dissectData, findProtocol, protocol, table } from '../engine/dispatch.js';
import type { Buf } from '../engine/buf.js';
import type { Packet } from '../engine/packet.js';
import type { Node } from '../engine/tree.js';
import { hex } from '../engine/format.js';

const protocolIds: Record<number, string> = {
  0xc4: 'RFC 2497 IPv6', 0xd4: 'RFC 1201 IP', 0xd5: 'RFC 1201 ARP', 0xd6: 'RFC 1201 RARP', 0xdd: 'Appletalk', 0xe8: 'Banyan Vines',
  0xf0: 'RFC 1051 IP', 0xf1: 'RFC 1051 ARP', 0xfa: 'IPX', 0xfb: 'Novell', 0xfc: 'Diagnose',
};
/** The RFC 1051 protocol ids, whose frames have no split flag and sequence number. */
const RFC1051 = new Set([0xf0, 0xf1]);
/** What each protocol id carries, by the protocol that dissects it. */
const carried: Record<number, string> = { 0xc4: 'ipv6', 0xd4: 'ip', 0xd5: 'arp', 0xd6: 'arp', 0xf0: 'ip', 0xf1: 'arp' };

const hf = {
  src: field('arcnet.src', 'Source', FT.UInt8, 'The sending station\'s one-byte ARCNET address.', { base: 'hex' }),
  dst: field('arcnet.dst', 'Dest', FT.UInt8, 'The receiving station\'s one-byte address; 0x00 is broadcast.', { base: 'hex' }),
  offset: field('arcnet.offset', 'Offset', FT.Bytes, 'Linux captures: where in the 512-byte ARCNET buffer the packet started (short or long packet format).'),
  protId: field('arcnet.protID', 'Protocol ID', FT.UInt8, 'Which protocol the packet carries, and whether it uses RFC 1201 or the older RFC 1051 framing.', { base: 'hex', values: protocolIds }),
  split: field('arcnet.split_flag', 'Split Flag', FT.UInt8, 'RFC 1201: 0 for a packet sent whole; otherwise which fragment of a split packet this is (0xff marks an exception packet).'),
  sequence: field('arcnet.sequence', 'Sequence', FT.UInt16, 'RFC 1201: numbers the packet, so the fragments of one packet can be put back together.'),
};

function dissect(buf: Buf, pkt: Packet, parent: Node, linux: boolean): void {
  const node = pkt.addLayer(arcnet, parent, buf, 0, 0);
  const src = buf.u8(0);
  const dst = buf.u8(1);
  node.add(hf.src, buf, 0, 1, src);
  node.add(hf.dst, buf, 1, 1, dst);
  pkt.src = hex(src, 2);
  pkt.dst = hex(dst, 2);
  let at = 2;
  if (linux) {
    node.add(hf.offset, buf, 2, 2, buf.bytesAt(2, 2));
    at = 4;
  }
  const id = buf.u8(at);
  node.add(hf.protId, buf, at, 1, id);
  at++;
  if (!RFC1051.has(id)) {
    node.add(hf.split, buf, at, 1, buf.u8(at));
    node.add(hf.sequence, buf, at + 1, 2, buf.u16(at + 1));
    at += 3;
  }
  node.setEnd(buf, at);
  const next = carried[id] ? findProtocol(carried[id]!) : undefined;
  if (next) callDissector(next, buf.sub(at), pkt, parent);
  else dissectData(buf.sub(at), pkt, parent);
}

export const arcnet = protocol('arcnet', 'ARCNET', 'ARCNET',
  'An early token-passing LAN with one-byte station addresses; its header names the protocol carried and, with RFC 1201, fragments.',
  (buf, pkt, parent) => dissect(buf, pkt, parent, true));

/** LINKTYPE_ARCNET_BSD: the same protocol without the Linux offset bytes. */
const arcnetBsd = { ...arcnet, dissect: (buf: Buf, pkt: Packet, parent: Node) => dissect(buf, pkt, parent, false) };

export function register(): void {
  table('link_type').add(129, arcnet);
  table('link_type').add(7, arcnetBsd);
}
