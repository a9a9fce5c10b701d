/**
 * UDP — RFC 768.
 *
 *   0      7 8     15 16    23 24    31
 *  +--------+--------+--------+--------+
 *  |   Source Port   |   Dest. Port    |
 *  +--------+--------+--------+--------+
 *  |     Length      |    Checksum     |
 *  +--------+--------+--------+--------+
 *  |          payload ...              |
 *
 * Length counts header and payload. The checksum covers a pseudo-header of the IP addresses; like
 * Wireshark it is verified only when the user asks (`-o udp.check_checksum:TRUE`), because captures
 * taken on the sending host carry checksums the NIC fills in later.
 */
import { FT, field } from '../engine/fields.js';
import { protocol, table, dispatchPorts } from '../engine/dispatch.js';
import type { Buf } from '../engine/buf.js';
import type { Packet } from '../engine/packet.js';
import { type Node, Severity, textField } from '../engine/tree.js';
import type { IpPayloadInfo } from './ip.js';
import { checksumStatusField, ChecksumStatus, internetChecksum, pseudoHeaderSum } from './checksum.js';
import { preference } from '../engine/prefs.js';

const checkChecksumPref = preference('udp.check_checksum', 'bool', 'TRUE: verify UDP checksums (off by default, as in Wireshark: offloading NICs leave them wrong in captures).');

const hf = {
  srcport: field('udp.srcport', 'Source Port', FT.UInt16, 'The port of the sending program; replies go back to it.'),
  dstport: field('udp.dstport', 'Destination Port', FT.UInt16, 'The port of the receiving program; well-known ports (53 for DNS, 1194 for OpenVPN) name the service.'),
  port: field('udp.port', 'Source or Destination Port', FT.UInt16, 'Either port of the datagram: a filter on udp.port matches traffic in both directions.'),
  length: field('udp.length', 'Length', FT.UInt16, 'Bytes in the UDP header (8) plus its payload.'),
  checksum: field('udp.checksum', 'Checksum', FT.UInt16, 'A 16-bit sum over the datagram and the IP addresses that lets the receiver detect corruption; 0 means the sender did not compute one (IPv4 only).', { base: 'hex' }),
  stream: field('udp.stream', 'Stream index', FT.UInt32, 'A number vpnscope gives each pair of address/port endpoints, counting from 0, so one conversation can be picked out.'),
  timeRelative: field('udp.time_relative', 'Time since first frame', FT.RelTime, 'Seconds since the first datagram of this conversation (this pair of addresses and ports).', { unit: ' seconds' }),
  timeDelta: field('udp.time_delta', 'Time since previous frame', FT.RelTime, 'Seconds since the previous datagram of this conversation, in either direction.', { unit: ' seconds' }),
  payload: field('udp.payload', 'Payload', FT.Bytes, 'The bytes UDP carries for the application.'),
  badLength: field('udp.length.bad', 'Bad length', FT.None, 'The length field disagrees with the size of the IP payload.'),
};

function dissectUdp(buf: Buf, pkt: Packet, parent: Node, data?: unknown): void {
  const node = pkt.addLayer(udp, parent, buf, 0, 8);
  const srcPort = buf.u16(0);
  const dstPort = buf.u16(2);
  node.add(hf.srcport, buf, 0, 2, srcPort);
  node.add(hf.dstport, buf, 2, 2, dstPort);
  node.addHidden(hf.port, buf, 0, 2, srcPort);
  node.addHidden(hf.port, buf, 2, 2, dstPort);
  // Cut inside the header: the Info column names the ports before the read below fails (as tshark).
  if (buf.length < 8) pkt.setInfo(`${srcPort} → ${dstPort}`);
  const length = buf.u16(4);
  const lengthNode = node.add(hf.length, buf, 4, 2, length);
  if (length < 8) {
    // Shorter than its own header: like tshark, nothing after the length is believed.
    lengthNode.suffix = ' (bogus, must be >= 8)';
    pkt.addExpert(lengthNode, Severity.Error, 'Malformed', `Bad length value ${length} < 8`, 'udp');
    pkt.setInfo(`${srcPort} → ${dstPort} [BAD UDP LENGTH ${length} < 8]`);
    return;
  }
  let payloadLength = buf.reportedLength - 8;
  // tshark names a bad length in Info: "[BAD UDP LENGTH 60660 > IP PAYLOAD LENGTH] Len=60652".
  // The first fragment of a datagram that was not reassembled holds only part of it: its length is
  // the whole datagram's (the network layer says so with `fragmented`), so it is not checked.
  const fragment = (data as IpPayloadInfo | undefined)?.fragmented === true;
  const tooLong = length > buf.reportedLength && !fragment;
  if (tooLong) {
    pkt.setInfo(`${srcPort} → ${dstPort} [BAD UDP LENGTH ${length} > IP PAYLOAD LENGTH] Len=${length - 8}`);
    lengthNode.suffix = ` (bogus, payload length ${buf.reportedLength})`;
    pkt.addExpert(lengthNode, Severity.Error, 'Malformed', `Bad length value ${length} > IP payload length`, 'udp');
  } else {
    pkt.setInfo(`${srcPort} → ${dstPort} Len=${length - 8}`);
    payloadLength = length - 8;
  }
  // Read after Info is set, so a datagram cut inside its header still shows ports and length.
  const checksum = buf.u16(6);
  const checksumNode = node.add(hf.checksum, buf, 6, 2, checksum);

  if (checksum === 0 && pkt.netSrc.indexOf(':') < 0) {
    checksumNode.suffix = ' [zero-value ignored]';
    // Under the checksum, where tshark puts the status of a checksum the sender left out.
    checksumNode.addGenerated(checksumStatusField('udp'), ChecksumStatus.NotPresent);
  } else if (pkt.session.prefs[checkChecksumPref] === 'TRUE' && buf.length >= length && length >= 8) {
    const sum = internetChecksum(buf.bytesAt(0, length), pseudoHeaderSum(pkt, 17, length));
    const good = sum === 0 || sum === 0xffff;
    checksumNode.suffix = good ? ' [correct]' : ' [incorrect]';
    const st = node.addGenerated(checksumStatusField('udp'), good ? ChecksumStatus.Good : ChecksumStatus.Bad);
    if (!good) pkt.addExpert(st, Severity.Error, 'Checksum', 'Bad checksum', 'udp');
  } else {
    checksumNode.suffix = ' [unverified]';
    node.addGenerated(checksumStatusField('udp'), ChecksumStatus.Unverified);
  }

  pkt.srcPort = srcPort;
  pkt.dstPort = dstPort;
  pkt.transport = 'udp';
  const conv = pkt.session.conversation('udp', pkt.netSrc, srcPort, pkt.netDst, dstPort, pkt.frame);
  node.addGenerated(hf.stream, conv.index);
  pkt.tap('udp', conv);
  // A datagram quoted in an ICMP error is a copy of one already seen: it has no time of its own in
  // the conversation (as tshark).
  if (!pkt.inErrorPacket) {
    const now = pkt.relativeTime;
    let times = conv.get<UdpTimes>('udp');
    if (!times) times = conv.set<UdpTimes>('udp', { first: now, last: now });
    if (node.real) {
      const t = node.addGenerated(textField, undefined);
      t.text = 'Timestamps';
      t.addGenerated(hf.timeRelative, now - times.first);
      t.addGenerated(hf.timeDelta, now - times.last);
    }
    times.last = now;
  }

  if (payloadLength <= 0) return;
  const payload = buf.sub(8, payloadLength);
  // A payload the capture kept none of: the datagram is cut short here (tshark: "UDP truncated").
  if (payload.length === 0) payload.check(0, 1);
  const payloadNode = node.add(hf.payload, buf, 8, payload.length, payload.bytesAt(0, payload.length));
  // Counted as captured, as tshark counts it.
  if (payloadNode.real) payloadNode.text = `UDP payload (${payload.length} byte${payload.length === 1 ? '' : 's'})`;
  if (pkt.session.taps && !pkt.inErrorPacket) pkt.tap('udp.follow', { conv, fromA: conv.isFromA(pkt.netSrc, srcPort), bytes: payload.bytesAt(0, payload.length) });
  dispatchPorts(ports, payload, pkt, parent, srcPort, dstPort, conv);
}

/** When a conversation's first and latest datagrams were seen (seconds since the first frame). */
interface UdpTimes {
  first: number;
  last: number;
}

export const udp = protocol('udp', 'User Datagram Protocol', 'UDP',
  'A minimal transport: a datagram with two ports, a length and a checksum, no connection and no delivery guarantee.',
  dissectUdp, (n) => `User Datagram Protocol, Src Port: ${n.childValue(hf.srcport)}, Dst Port: ${n.childValue(hf.dstport)}`);

/** Application protocols over UDP attach here by port. */
export const ports = table('udp.port', 'UDP port');

export function register(): void {
  table('ip.proto').add(17, udp);
}
