/**
 * Raw IP link types — LINKTYPE_RAW (101), LINKTYPE_IPV4 (228), LINKTYPE_IPV6 (229),
 * https://www.tcpdump.org/linktypes.html.
 *
 * Captures on tunnel interfaces (tun devices of OpenVPN and WireGuard, Linux `ip tunnel`) have no
 * link header at all: the frame is the IP packet. With LINKTYPE_RAW the first nibble (the IP version
 * field) tells IPv4 from IPv6:
 *
 *   0   4
 *  +---+---+----------
 *  |ver|   | IPv4 (4) or IPv6 (6) header …
 *  +---+---+----------
 *
 * LINKTYPE_IPV4 and LINKTYPE_IPV6 say the version up front; ip.ts and ipv6.ts attach to them directly.
 */
import { protocol, table, callDissector, dissectData, findProtocol } from '../engine/dispatch.js';
import type { Buf } from '../engine/buf.js';
import type { Packet } from '../engine/packet.js';
import type { Node } from '../engine/tree.js';

function dissectRaw(buf: Buf, pkt: Packet, parent: Node): void {
  pkt.addLayer(raw, parent, buf, 0, 0);
  pkt.src = pkt.dst = 'N/A';
  pkt.protocolColumn = 'N/A';
  pkt.setInfo('Raw packet data');
  if (buf.reportedLength === 0) return;
  dissectIpByVersion(buf, pkt, parent);
}

/**
 * Hands `buf` to IPv4 or IPv6 by the version in its first nibble, or shows it as data: for what
 * carries IP without saying which (raw IP captures, the packet after an MPLS label stack).
 */
export function dissectIpByVersion(buf: Buf, pkt: Packet, parent: Node): void {
  const version = buf.u8(0) >>> 4;
  const next = version === 4 ? findProtocol('ip') : version === 6 ? findProtocol('ipv6') : undefined;
  if (next) callDissector(next, buf, pkt, parent);
  else dissectData(buf, pkt, parent);
}

export const raw = protocol('raw', 'Raw packet data', 'Raw',
  'A capture with no link-layer header: each frame is an IP packet, as on tunnel interfaces; the IP version field says which IP.',
  dissectRaw);

export function register(): void {
  table('link_type').add(101, raw);
}
