/**
 * BSD loopback encapsulation — LINKTYPE_NULL (0) and LINKTYPE_LOOP (108),
 * https://www.tcpdump.org/linktypes/LINKTYPE_NULL.html.
 *
 *   0                               32
 *  +-------------------------------+---------------------------
 *  | address family (AF_INET = 2)  | IPv4 / IPv6 packet …
 *  +-------------------------------+---------------------------
 *
 * Loopback interfaces and the tunnel devices of macOS and the BSDs (utun, which VPN clients use)
 * have no link header; the capture stores the packet's address family in 4 bytes instead. For NULL
 * those bytes are in the byte order of the machine that captured, so a file read elsewhere may hold
 * them either way round; AF values are small, so a value with the upper half set is byte-swapped
 * (Wireshark's rule, which also recognises the 16-bit IRIX form). LOOP (OpenBSD) always uses network
 * byte order. IPv6 has a different AF value per system: 24 (NetBSD/OpenBSD), 28 (FreeBSD), 30 (macOS).
 */
import { FT, field } from '../engine/fields.js';
import { protocol, table, callDissector, dissectData, findProtocol } from '../engine/dispatch.js';
import type { Buf } from '../engine/buf.js';
import type { Packet } from '../engine/packet.js';
import type { Node } from '../engine/tree.js';
import { dissectByEtherType, etherTypeNames } from './eth.js';

const familyNames = {
  2: 'IP',
  7: 'OSI',
  16: 'Appletalk',
  23: 'Netware IPX/SPX',
  24: 'IPv6',
  28: 'IPv6',
  30: 'IPv6',
};

const hf = {
  family: field('null.family', 'Family', FT.UInt32, 'The address family of the packet that follows, as the capturing system numbers them: 2 is IPv4; 24, 28 or 30 is IPv6 depending on the BSD flavour.', { values: familyNames }),
  type: field('null.type', 'Type', FT.UInt16, 'An EtherType stored where the address family normally is, as a few systems do.', { base: 'hex', values: etherTypeNames }),
};

/** The largest 802.3 length: a header value above it is an EtherType rather than an address family. */
const MAX_8023_LENGTH = 1500;

/** The header value in host order, whichever byte order wrote it. */
function nullHeaderValue(buf: Buf): number {
  let v = buf.u32le(0);
  if ((v & 0xffff0000) !== 0) {
    // IRIX and UNICOS/mp put a 16-bit family first; BSD AF values never reach the top byte.
    if ((v & 0xff000000) === 0 && (v & 0x00ff0000) < 0x00060000) v >>>= 16;
    else v = (((v & 0xff) << 24) | ((v & 0xff00) << 8) | ((v >>> 8) & 0xff00) | (v >>> 24)) >>> 0;
  } else if ((v & 0xff) === 0 && (v & 0xff00) < 0x0600) {
    v = (v >>> 8) & 0xff;
  }
  return v;
}

function start(buf: Buf, pkt: Packet, parent: Node): Node {
  const node = pkt.addLayer(nullProto, parent, buf, 0, 4);
  pkt.src = pkt.dst = 'N/A';
  pkt.protocolColumn = 'N/A';
  pkt.setInfo('Null/Loopback');
  return node;
}

function next(buf: Buf, pkt: Packet, parent: Node, family: number): void {
  const payload = buf.sub(4);
  const proto = pkt.session.lookup(families, family);
  if (proto) callDissector(proto, payload, pkt, parent);
  else dissectData(payload, pkt, parent);
}

function dissectNull(buf: Buf, pkt: Packet, parent: Node): void {
  if (buf.u16(0) === 0xff03) {
    // PPP in HDLC-like framing, which some systems write to NULL captures.
    const ppp = findProtocol('ppp');
    if (ppp) {
      callDissector(ppp, buf, pkt, parent);
      return;
    }
  }
  const node = start(buf, pkt, parent);
  const value = nullHeaderValue(buf);
  if (value > MAX_8023_LENGTH) {
    node.add(hf.type, buf, 0, 4, value & 0xffff);
    dissectByEtherType(value & 0xffff, buf.sub(4), pkt, parent);
    return;
  }
  node.add(hf.family, buf, 0, 4, value);
  next(buf, pkt, parent, value);
}

function dissectLoop(buf: Buf, pkt: Packet, parent: Node): void {
  const node = start(buf, pkt, parent);
  const family = buf.u32(0);
  node.add(hf.family, buf, 0, 4, family);
  next(buf, pkt, parent, family);
}

const nullProto = protocol('null', 'Null/Loopback', 'Null',
  'The 4-byte header of BSD and macOS loopback and tunnel (utun) captures: just the address family of the packet that follows.',
  dissectNull);

/** LINKTYPE_LOOP: the same protocol, with the family always in network byte order. */
const loopProto = { ...nullProto, dissect: dissectLoop };

/** Network protocols attach here by address family (IPv4 2; IPv6 24, 28, 30). */
export const families = table('null.type', 'BSD address family (Null/Loopback)');

export function register(): void {
  table('link_type').add(0, nullProto);
  table('link_type').add(108, loopProto);
}
