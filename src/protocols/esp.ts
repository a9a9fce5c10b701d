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
import { callDissector, protocol, table } from '../engine/dispatch.js';
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

export const esp = protocol('esp', 'Encapsulating Security Payload', 'ESP',
  'IPsec\'s encrypted envelope (IP protocol 50): a security association number and a packet counter in clear, then ciphertext only the two ends can read.',
  dissectEsp);

export const udpencap = protocol('udpencap', 'UDP Encapsulation of IPsec Packets', 'UDPENCAP',
  'IPsec over UDP port 4500 (NAT traversal, RFC 3948): ESP packets, IKE messages after a four-zero-byte marker, and one-byte NAT keepalives share the port.',
  dissectUdpEncap);

export function register(): void {
  table('ip.proto').add(50, esp);
  table('udp.port').add(4500, udpencap);
}
