/**
 * Solaris IPNET — LINKTYPE_IPNET (226), https://www.tcpdump.org/linktypes/LINKTYPE_IPNET.html.
 * What Solaris and illumos write when capturing on an IP-layer observability device (/dev/ipnet): a
 * 24-byte header in network byte order, then the IPv4 or IPv6 packet.
 *
 *   0        8        16                32
 *  +--------+--------+-----------------+
 *  | version| family | hook type       |
 *  +--------+--------+-----------------+
 *  | packet length                     |
 *  | interface index                   |
 *  | group interface index             |
 *  | source zone id                    |
 *  | destination zone id               |
 *  +-----------------------------------+
 *
 * The family is Solaris's numbering: AF_INET 2, AF_INET6 26. Zones are Solaris containers; a zone id
 * of 0xffffffff means none (the packet came from or went to the network).
 */
import { FT, field } from '../engine/fields.js';
import { protocol, table, callDissector, dissectData } from '../engine/dispatch.js';
import type { Buf } from '../engine/buf.js';
import type { Packet } from '../engine/packet.js';
import type { Node } from '../engine/tree.js';
import { ip } from './ip.js';
import { ipv6 } from './ipv6.js';

const AF_INET = 2;
const AF_INET6 = 26;
const HEADER = 24;

const hf = {
  version: field('ipnet.version', 'Header version', FT.UInt8, 'Version of the IPNET header layout; 1 is the only one.'),
  family: field('ipnet.family', 'Address family', FT.UInt8, 'Which IP version follows, in Solaris numbering: 2 is IPv4, 26 is IPv6.',
    { values: { [AF_INET]: 'Solaris AF_INET', [AF_INET6]: 'Solaris AF_INET6' } }),
  htype: field('ipnet.htype', 'Hook type', FT.UInt16, 'Where in the IP stack the packet was observed: on the way in, on the way out, or between zones on the same host.',
    { values: { 0: 'Inbound', 1: 'Outbound' } }),
  pktlen: field('ipnet.pktlen', 'Data length', FT.UInt32, 'Length of the IP packet that follows the header.'),
  ifindex: field('ipnet.ifindex', 'Interface index', FT.UInt32, 'The system\'s number for the interface the packet crossed.'),
  grifindex: field('ipnet.grifindex', 'Group interface index', FT.UInt32, 'The IPMP group the interface belongs to (0: none): Solaris\'s way of bonding interfaces.'),
  zsrc: field('ipnet.zsrc', 'Source Zone ID', FT.UInt32, 'The Solaris zone (container) that sent the packet; 4294967295 when it came from outside the host.'),
  zdst: field('ipnet.zdst', 'Destination Zone ID', FT.UInt32, 'The Solaris zone (container) the packet is for; 4294967295 when it leaves the host.'),
};

function dissectIpnet(buf: Buf, pkt: Packet, parent: Node): void {
  const node = pkt.addLayer(ipnet, parent, buf, 0, HEADER);
  node.add(hf.version, buf, 0, 1, buf.u8(0));
  const family = buf.u8(1);
  node.add(hf.family, buf, 1, 1, family);
  node.add(hf.htype, buf, 2, 2, buf.u16(2));
  node.add(hf.pktlen, buf, 4, 4, buf.u32(4));
  node.add(hf.ifindex, buf, 8, 4, buf.u32(8));
  node.add(hf.grifindex, buf, 12, 4, buf.u32(12));
  node.add(hf.zsrc, buf, 16, 4, buf.u32(16));
  node.add(hf.zdst, buf, 20, 4, buf.u32(20));
  const payload = buf.sub(HEADER);
  const next = family === AF_INET ? ip : family === AF_INET6 ? ipv6 : null;
  if (next) callDissector(next, payload, pkt, parent);
  else dissectData(payload, pkt, parent);
}

export const ipnet = protocol('ipnet', 'Solaris IPNET', 'IPNET',
  'The header Solaris and illumos put before each IP packet captured on an IP-layer observability device: address family, direction hook, interface and zones.',
  dissectIpnet);

export function register(): void {
  table('link_type').add(226, ipnet);
}
