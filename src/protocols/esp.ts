/**
 * ESP — IPsec Encapsulating Security Payload, RFC 4303 (IP protocol 50), and its UDP encapsulation
 * for crossing NAT, RFC 3948 (UDP port 4500).
 *
 *   0                   1                   2                   3
 *  +---------------------------------------------------------------+
 *  |               Security Parameters Index (SPI)                 |
 *  +---------------------------------------------------------------+
 *  |                      Sequence Number                          |
 *  +---------------------------------------------------------------+
 *  | IV, encrypted payload, padding, pad length, next header, ICV … |  opaque without the keys
 *  +---------------------------------------------------------------+
 *
 * The SPI names the security association (the keys and algorithms the two ends agreed, usually by
 * IKE) and the sequence number counts the packets sent under it, for replay protection. Everything
 * after is ciphertext: what protocol is inside, and where the padding ends, can only be read with
 * the keys, so vpnscope shows the two header fields, as tshark does without keys.
 *
 * On UDP port 4500 the same port carries IKE too: IKE messages begin with four zero bytes (the
 * non-ESP marker, where an SPI can never be zero), a single 0xff byte is a NAT keepalive, and
 * anything else is ESP.
 */
import { FT, field } from '../engine/fields.js';
import { callDissector, dissectData, protocol, table } from '../engine/dispatch.js';
import { ipProtocolNames } from './ip.js';
import type { Buf } from '../engine/buf.js';
import type { Packet } from '../engine/packet.js';
import type { Node } from '../engine/tree.js';
import { hex } from '../engine/format.js';
import { isakmp } from './isakmp.js';

const hf = {
  spi: field('esp.spi', 'ESP SPI', FT.UInt32, 'Security Parameters Index: which security association (keys, algorithms, agreed by IKE or set by hand) protects this packet.', { base: 'hex_dec' }),
  sequence: field('esp.sequence', 'ESP Sequence', FT.UInt32, 'Counts the packets sent under this SPI, starting at 1; the receiver drops numbers it has seen before (replay protection).'),
  keepalive: field('udpencap.nat_keepalive', 'NAT-keepalive packet', FT.None, 'A single 0xff byte sent now and then so a NAT on the way keeps the port mapping open (RFC 3948).'),
  nonEspMarker: field('udpencap.non_esp_marker', 'Non-ESP Marker', FT.None, 'Four zero bytes: what follows is an IKE message, not ESP (an SPI is never zero).'),
};

function dissectEsp(buf: Buf, pkt: Packet, parent: Node): void {
  const node = pkt.addLayer(esp, parent, buf, 0, buf.reportedLength);
  pkt.setInfo('');
  const spi = buf.u32(0);
  node.add(hf.spi, buf, 0, 4, spi);
  node.add(hf.sequence, buf, 4, 4, buf.u32(4));
  pkt.setInfo(`ESP (SPI=${hex(spi, 8)})`);
}

function dissectUdpEncap(buf: Buf, pkt: Packet, parent: Node): void {
  if (buf.reportedLength === 1 && buf.has(0, 1) && buf.u8(0) === 0xff) {
    const node = pkt.addLayer(udpencap, parent, buf, 0, 1);
    node.add(hf.keepalive, buf, 0, 1);
    pkt.setInfo('NAT-keepalive');
    return;
  }
  if (buf.has(0, 4) && buf.u32(0) === 0) {
    const node = pkt.addLayer(udpencap, parent, buf, 0, 4);
    node.add(hf.nonEspMarker, buf, 0, 4);
    callDissector(isakmp, buf.sub(4), pkt, parent);
    return;
  }
  pkt.addLayer(udpencap, parent, buf, 0, 0);
  dissectEsp(buf, pkt, parent);
}

// ---- AH (RFC 4302): authentication without encryption, the rest of the packet stays readable

const ahHf = {
  next: field('ah.next_header', 'Next header', FT.UInt8, 'The protocol that follows the Authentication Header, in IP protocol numbers.', { values: ipProtocolNames }),
  length: field('ah.length', 'Length', FT.UInt8, 'The header\'s length in 4-byte words, minus 2: 4 means 24 bytes (a 12-byte ICV).'),
  reserved: field('ah.reserved', 'Reserved', FT.Bytes, 'Two bytes that must be zero.'),
  spi: field('ah.spi', 'AH SPI', FT.UInt32, 'Security Parameters Index: which security association (keys and algorithm) authenticates this packet.', { base: 'hex' }),
  sequence: field('ah.sequence', 'AH Sequence', FT.UInt32, 'Counts the packets of the security association from 1, so the receiver can reject replays.'),
  icv: field('ah.icv', 'AH ICV', FT.Bytes, 'Integrity check value: a keyed hash over the packet (immutable IP header fields, this header, the payload).'),
};

/**
 * The Authentication Header's fields at `off` of `buf` under `node`; returns the header's length. IPv4
 * shows it as a layer of its own, IPv6 inside its header chain (as tshark does).
 */
export function addAuthenticationHeader(buf: Buf, node: Node, off: number): number {
  const lenField = buf.u8(off + 1);
  const length = (lenField + 2) * 4;
  node.add(ahHf.next, buf, off, 1, buf.u8(off));
  node.add(ahHf.length, buf, off + 1, 1, lenField).suffix = ` (${length} bytes)`;
  node.add(ahHf.reserved, buf, off + 2, 2, buf.bytesAt(off + 2, 2));
  node.add(ahHf.spi, buf, off + 4, 4, buf.u32(off + 4));
  node.add(ahHf.sequence, buf, off + 8, 4, buf.u32(off + 8));
  if (length > 12) node.add(ahHf.icv, buf, off + 12, length - 12, buf.bytesAt(off + 12, length - 12));
  return length;
}

function dissectAh(buf: Buf, pkt: Packet, parent: Node, data?: unknown): void {
  const node = pkt.addLayer(ah, parent, buf, 0, Math.min(buf.length, (buf.u8(1) + 2) * 4));
  const length = addAuthenticationHeader(buf, node, 0);
  const next = pkt.session.lookup(table('ip.proto'), buf.u8(0));
  const payload = buf.sub(length);
  if (next) callDissector(next, payload, pkt, parent, data);
  else dissectData(payload, pkt, parent);
}

export const ah = protocol('ah', 'Authentication Header', 'AH',
  'IPsec\'s Authentication Header: a keyed hash that proves who sent the packet and that it was not changed, without hiding its contents.',
  dissectAh);

export const esp = protocol('esp', 'Encapsulating Security Payload', 'ESP',
  'IPsec\'s encrypted envelope (IP protocol 50): a security association number and a packet counter in clear, then ciphertext only the two ends can read.',
  dissectEsp);

export const udpencap = protocol('udpencap', 'UDP Encapsulation of IPsec Packets', 'UDPENCAP',
  'IPsec over UDP port 4500 (NAT traversal, RFC 3948): ESP packets, IKE messages after a four-zero-byte marker, and one-byte NAT keepalives share the port.',
  dissectUdpEncap);

export function register(): void {
  table('ip.proto').add(50, esp);
  table('ip.proto').add(51, ah);
  table('udp.port').add(4500, udpencap);
}
