/**
 * PPP — the Point-to-Point Protocol's frame, RFC 1661, in the HDLC-like framing of RFC 1662 as
 * captures store it (LINKTYPE_PPP 9, LINKTYPE_PPP_HDLC 50), and as PPTP carries it in GRE.
 *
 *  +----------+----------+----------------+---------------------
 *  | Address  | Control  |    Protocol    | the packet …
 *  |   0xff   |   0x03   |  16 (or 8) bit |
 *  +----------+----------+----------------+---------------------
 *
 * Dial-up, DSL (PPPoE) and the older VPNs (PPTP, L2TP) move IP over PPP. The address and control
 * bytes may be left out (Address and Control Field Compression), and a protocol number with an odd
 * first byte takes one byte instead of two (Protocol Field Compression).
 */
import { FT, field } from '../engine/fields.js';
import { callDissector, dissectData, protocol, table } from '../engine/dispatch.js';
import type { Buf } from '../engine/buf.js';
import type { Packet } from '../engine/packet.js';
import type { Node } from '../engine/tree.js';
import { hex } from '../engine/format.js';
import { ip } from './ip.js';
import { ipv6 } from './ipv6.js';

/** PPP protocol numbers (IANA "PPP DLL Protocol Numbers") that vpnscope names. */
export const pppProtocolNames: Record<number, string> = {
  0x0021: 'Internet Protocol version 4',
  0x002d: 'Van Jacobson Compressed TCP/IP',
  0x002f: 'Van Jacobson Uncompressed TCP/IP',
  0x003d: 'PPP Multilink Protocol',
  0x0057: 'Internet Protocol version 6',
  0x00fd: 'Compressed datagram',
  0x0281: 'MPLS Unicast',
  0x0283: 'MPLS Multicast',
  0x8021: 'Internet Protocol Control Protocol',
  0x8057: 'IPv6 Control Protocol',
  0x80fd: 'Compression Control Protocol',
  0xc021: 'Link Control Protocol',
  0xc023: 'Password Authentication Protocol',
  0xc025: 'Link Quality Report',
  0xc223: 'Challenge Handshake Authentication Protocol',
};

const hf = {
  address: field('ppp.address', 'Address', FT.UInt8, 'Always 0xff ("all stations"): PPP links have only one other end.', { base: 'hex' }),
  control: field('ppp.control', 'Control', FT.UInt8, 'Always 0x03 (an unnumbered frame), kept from HDLC.', { base: 'hex' }),
  protocol: field('ppp.protocol', 'Protocol', FT.UInt16, 'What the frame carries: 0x0021 IPv4, 0x0057 IPv6, 0x0281 MPLS, or one of PPP\'s own control protocols (0xc021 LCP, 0x8021 IPCP, 0xc223 CHAP…).', { base: 'hex', values: pppProtocolNames }),
};

function dissectPpp(buf: Buf, pkt: Packet, parent: Node): void {
  let off = 0;
  const node = pkt.addLayer(ppp, parent, buf, 0, 0);
  // As the link layer, PPP has no addresses to show; inside a tunnel the outer IP's stay.
  if (pkt.netSrc === '') pkt.src = pkt.dst = 'N/A';
  // A leading 0xff is the address field (read as a compressed protocol number it would be 0xff, which
  // is reserved); the control byte after it is shown whatever it holds, as Wireshark does.
  if (buf.u8(0) === 0xff) {
    node.add(hf.address, buf, 0, 1, 0xff);
    node.add(hf.control, buf, 1, 1, buf.u8(1));
    off = 2;
  }
  // Protocol numbers have an odd low byte and an even high byte, so a one-byte (compressed) number is odd.
  const first = buf.u8(off);
  const size = first & 1 ? 1 : 2;
  const number = size === 1 ? first : buf.u16(off);
  node.add(hf.protocol, buf, off, size, number);
  off += size;
  node.setEnd(buf, off);
  const payload = buf.sub(off);
  const next = pkt.session.lookup(protocols, number);
  if (next) {
    callDissector(next, payload, pkt, parent);
    return;
  }
  // A protocol not dissected here: the number in the Protocol column, its name in Info (as tshark).
  const hexNumber = hex(number, 4);
  pkt.protocolColumn = hexNumber;
  pkt.setInfo(`PPP ${pppProtocolNames[number] ?? 'Unknown'} (${hexNumber})`);
  dissectData(payload, pkt, parent);
}

export const ppp = protocol('ppp', 'Point-to-Point Protocol', 'PPP',
  'The frame of a point-to-point link (dial-up, DSL, PPTP and L2TP tunnels): a protocol number and the packet it names.',
  dissectPpp);

/** Network protocols attach here by PPP protocol number. */
export const protocols = table('ppp.protocol', 'PPP protocol');

export function register(): void {
  table('link_type').add(9, ppp);
  table('link_type').add(50, ppp);
  // 0x880b is PPP's EtherType: PPTP's Enhanced GRE names its payload with it.
  table('ethertype').add(0x880b, ppp);
  protocols.add(0x0021, ip);
  protocols.add(0x0057, ipv6);
}
