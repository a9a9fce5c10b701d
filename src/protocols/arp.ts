/**
 * ARP — Address Resolution Protocol, RFC 826 (and RARP, RFC 903; InARP, RFC 2390).
 *
 *   0               8               16                              31
 *  +---------------+---------------+-------------------------------+
 *  |     hardware type (1 = Ethernet)   |  protocol type (0x0800)  |
 *  +---------------+---------------+-------------------------------+
 *  | hw addr size  | proto addr sz |  opcode (1 request, 2 reply)  |
 *  +---------------+---------------+-------------------------------+
 *  | sender hardware address (hw size) | sender protocol address   |
 *  | target hardware address (hw size) | target protocol address   |
 *  +---------------------------------------------------------------+
 *
 * Hosts ask "who has IP x?" by broadcast and the owner answers with its MAC. Special forms (RFC 5227):
 * a probe has sender IP 0.0.0.0 (address conflict detection); a gratuitous ARP has sender IP = target
 * IP (announcing or refreshing one's own mapping); an announcement is a gratuitous request.
 *
 * Across the capture, ARP remembers which MAC address each IPv4 address was seen with (a sender's,
 * and a reply's target), so a second machine claiming the same address — a misconfiguration, or
 * ARP spoofing — is reported where it appears, as Wireshark does.
 */
import { FT, field } from '../engine/fields.js';
import { protocol, table } from '../engine/dispatch.js';
import type { Buf } from '../engine/buf.js';
import type { Packet } from '../engine/packet.js';
import { NodeFlag, Severity, type Node } from '../engine/tree.js';
import { bytesToHex, etherToString, hex, ipv4ToString } from '../engine/format.js';
import { etherTypeNames, type EthertypePayload } from './eth.js';

const opcodeNames: Record<number, string> = {
  1: 'request',
  2: 'reply',
  3: 'reverse request',
  4: 'reverse reply',
  5: 'drarp request',
  6: 'drarp reply',
  7: 'drarp error',
  8: 'inverse request',
  9: 'inverse reply',
  10: 'arp nak',
};

/** Hardware types (IANA "Hardware Types" registry). */
const hwTypeNames: Record<number, string> = {
  1: 'Ethernet',
  2: 'Experimental Ethernet',
  3: 'AX.25',
  4: 'ProNET',
  5: 'Chaos',
  6: 'IEEE 802',
  7: 'ARCNET',
  8: 'Hyperchannel',
  11: 'Localtalk',
  14: 'SMDS',
  15: 'Frame Relay DLCI',
  16: 'ATM',
  17: 'HDLC',
  18: 'Fibre Channel',
  19: 'ATM (RFC 2225)',
  20: 'Serial Line',
  24: 'IEEE 1394.1995',
  27: 'EUI-64',
  32: 'InfiniBand',
  35: 'Pure IP',
};

const hf = {
  hwType: field('arp.hw.type', 'Hardware type', FT.UInt16, 'The kind of link the hardware addresses belong to: 1 is Ethernet.', { values: hwTypeNames }),
  protoType: field('arp.proto.type', 'Protocol type', FT.UInt16, 'The network protocol whose addresses are being resolved, as an EtherType: 0x0800 is IPv4.', { base: 'hex', values: etherTypeNames }),
  hwSize: field('arp.hw.size', 'Hardware size', FT.UInt8, 'Bytes in each hardware address (6 for Ethernet MAC addresses).'),
  protoSize: field('arp.proto.size', 'Protocol size', FT.UInt8, 'Bytes in each protocol address (4 for IPv4).'),
  opcode: field('arp.opcode', 'Opcode', FT.UInt16, 'What the message does: 1 asks who has an address (request), 2 answers it (reply).', { values: opcodeNames }),
  isGratuitous: field('arp.isgratuitous', 'Is gratuitous', FT.Bool, 'The sender and target IP addresses are the same: the host announces or refreshes its own mapping rather than asking.', { trueFalse: ['True', 'False'] }),
  isProbe: field('arp.isprobe', 'Is probe', FT.Bool, 'A request with sender IP 0.0.0.0: a host checking that an address is free before using it (RFC 5227).', { trueFalse: ['True', 'False'] }),
  isAnnouncement: field('arp.isannouncement', 'Is announcement', FT.Bool, 'A gratuitous request: a host telling the LAN which MAC now owns its IP address (RFC 5227).', { trueFalse: ['True', 'False'] }),
  srcHwMac: field('arp.src.hw_mac', 'Sender MAC address', FT.Ether, 'The MAC address of the host sending this message.'),
  srcHw: field('arp.src.hw', 'Sender hardware address', FT.Bytes, 'The sender\'s hardware address, for link types other than Ethernet.'),
  srcIpv4: field('arp.src.proto_ipv4', 'Sender IP address', FT.IPv4, 'The IPv4 address of the host sending this message.'),
  srcProto: field('arp.src.proto', 'Sender protocol address', FT.Bytes, 'The sender\'s network address, for protocols other than IPv4.'),
  dstHwMac: field('arp.dst.hw_mac', 'Target MAC address', FT.Ether, 'The MAC address being asked about or answered to; all zeros in a request, where it is still unknown.'),
  dstHw: field('arp.dst.hw', 'Target hardware address', FT.Bytes, 'The target\'s hardware address, for link types other than Ethernet.'),
  dstIpv4: field('arp.dst.proto_ipv4', 'Target IP address', FT.IPv4, 'The IPv4 address whose owner is wanted (request) or who asked (reply).'),
  dstProto: field('arp.dst.proto', 'Target protocol address', FT.Bytes, 'The target\'s network address, for protocols other than IPv4.'),
  duplicateFrame: field('arp.duplicate-address-frame', 'Frame showing earlier use of IP address', FT.FrameNum, 'The last frame in which this IP address was seen with the other MAC address.'),
  duplicateSeconds: field('arp.seconds-since-duplicate-address-frame', 'Seconds since earlier frame seen', FT.UInt32, 'How long before this frame the other MAC address last used this IP address.'),
  duplicateDetected: field('arp.duplicate-address-detected', 'Duplicate IP address configured', FT.None, 'Two MAC addresses claim the same IPv4 address: two hosts configured alike, a moved address, or ARP spoofing.'),
};

/** The MAC address an IPv4 address was last seen with in ARP, in which frame and at which second. */
interface Binding {
  mac: string;
  frame: number;
  seconds: number;
}

/** Addresses remembered at most, so memory stays bounded on a capture sprayed with ARP. */
const MAX_BINDINGS = 1 << 16;

/**
 * Notes that `ip` is in use by `mac`. When another MAC was seen with it before, reports the
 * duplicate (as a generated item after the ARP layer, with an expert warning) and keeps the earlier
 * binding; otherwise records this frame as its latest use. True when a duplicate was reported.
 */
function checkBinding(pkt: Packet, parent: Node, mac: string, ip: number): boolean {
  const bindings = pkt.session.global('arp.bindings', () => new Map<number, Binding>());
  const frame = pkt.frame.number;
  const seconds = pkt.frame.seconds;
  const known = bindings.get(ip);
  if (!known) {
    if (bindings.size < MAX_BINDINGS) bindings.set(ip, { mac, frame, seconds });
    return false;
  }
  if (frame <= known.frame) return false;
  if (known.mac === mac) {
    known.frame = frame;
    known.seconds = seconds;
    return false;
  }
  const address = ipv4ToString(ip);
  const item = parent.addText(`Duplicate IP address detected for ${address} (${mac}) - also in use by ${known.mac} (frame ${known.frame})`);
  item.flags = NodeFlag.Generated;
  const earlier = item.addGenerated(hf.duplicateFrame, known.frame);
  pkt.addExpert(earlier, Severity.Warning, 'Sequence', `Duplicate IP address configured (${address})`, 'arp', hf.duplicateDetected);
  item.addGenerated(hf.duplicateSeconds, seconds - known.seconds);
  return true;
}

/** A MAC address that can own an IP address: not multicast or broadcast, not all zeros. */
function isUnicastMac(b: Uint8Array): boolean {
  return (b[0]! & 1) === 0 && !isZero(b);
}

function isZero(b: Uint8Array): boolean {
  for (let i = 0; i < b.length; i++) if (b[i] !== 0) return false;
  return true;
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function dissectArp(buf: Buf, pkt: Packet, parent: Node, data?: unknown): void {
  // The link layer's Info goes first, as tshark clears it: a short ARP shows only "[Malformed Packet]".
  pkt.setInfo('');
  if (!pkt.inErrorPacket) pkt.protocolColumn = 'ARP';
  // Each field is shown as it is read, so an ARP cut by the capture shows what it kept (as tshark).
  const hwType = buf.u16(0);
  const node = pkt.addLayer(arp, parent, buf, 0, Math.min(8, buf.length));
  if (!pkt.inErrorPacket) pkt.protocolColumn = 'ARP';
  node.add(hf.hwType, buf, 0, 2, hwType);
  const protoType = buf.u16(2);
  node.add(hf.protoType, buf, 2, 2, protoType);
  const hln = buf.u8(4);
  node.add(hf.hwSize, buf, 4, 1, hln);
  const pln = buf.u8(5);
  node.add(hf.protoSize, buf, 5, 1, pln);
  const op = buf.u16(6);
  node.add(hf.opcode, buf, 6, 2, op);
  const total = 8 + 2 * hln + 2 * pln;
  node.setEnd(buf, Math.min(total, buf.length));
  pkt.protocolColumn = op >= 3 && op <= 7 ? 'RARP' : op === 8 || op === 9 ? 'Inverse ARP' : 'ARP';
  if (data !== undefined && typeof (data as EthertypePayload).actualLength === 'number') (data as EthertypePayload).actualLength = total;

  const sha = buf.bytesAt(8, hln);
  const spa = buf.bytesAt(8 + hln, pln);
  const tha = buf.bytesAt(8 + hln + pln, hln);
  const tpa = buf.bytesAt(8 + 2 * hln + pln, pln);
  const hwIsEther = (hwType === 1 || hwType === 6) && hln === 6;
  const protoIsIpv4 = (protoType === 0x0800 || protoType === 0xcc) && pln === 4;

  const gratuitous = op === 1 || op === 2 ? sameBytes(spa, tpa) : false;
  const probe = op === 1 && !gratuitous && isZero(spa) && isZero(tha);
  const announcement = op === 1 && gratuitous && isZero(tha);
  if (gratuitous) node.addGenerated(hf.isGratuitous, true);
  if (probe) node.addGenerated(hf.isProbe, true);
  if (announcement) node.addGenerated(hf.isAnnouncement, true);

  const addHw = (off: number, b: Uint8Array, mac: typeof hf.srcHwMac, other: typeof hf.srcHw) => {
    if (b.length === 0) return;
    node.add(hwIsEther ? mac : other, buf, off, b.length, b);
  };
  const addProto = (off: number, b: Uint8Array, v4: typeof hf.srcIpv4, other: typeof hf.srcProto) => {
    if (b.length === 0) return;
    if (protoIsIpv4) node.add(v4, buf, off, 4, buf.u32(off));
    else node.add(other, buf, off, b.length, b);
  };
  addHw(8, sha, hf.srcHwMac, hf.srcHw);
  addProto(8 + hln, spa, hf.srcIpv4, hf.srcProto);
  addHw(8 + hln + pln, tha, hf.dstHwMac, hf.dstHw);
  addProto(8 + 2 * hln + pln, tpa, hf.dstIpv4, hf.dstProto);

  const hwText = (b: Uint8Array) => (hwIsEther ? etherToString(b) : bytesToHex(b, ''));
  const protoText = (b: Uint8Array) => (protoIsIpv4 ? ipv4ToString((b[0]! << 24 | b[1]! << 16 | b[2]! << 8 | b[3]!) >>> 0) : bytesToHex(b, ''));
  switch (op) {
    case 1:
      if (announcement) pkt.setInfo(`ARP Announcement for ${protoText(spa)}`);
      else if (gratuitous) pkt.setInfo(`Gratuitous ARP for ${protoText(spa)} (Request)`);
      else if (probe) pkt.setInfo(`Who has ${protoText(tpa)}? (ARP Probe)`);
      else pkt.setInfo(`Who has ${protoText(tpa)}? Tell ${protoText(spa)}`);
      break;
    case 2:
      pkt.setInfo(gratuitous ? `Gratuitous ARP for ${protoText(spa)} (Reply)` : `${protoText(spa)} is at ${hwText(sha)}`);
      break;
    case 3:
    case 8:
      pkt.setInfo(`Who is ${hwText(tha)}? Tell ${hwText(sha)}`);
      break;
    case 4:
      pkt.setInfo(`${hwText(tha)} is at ${protoText(tpa)}`);
      break;
    case 9:
      pkt.setInfo(`${hwText(sha)} is at ${protoText(spa)}`);
      break;
    default:
      pkt.setInfo(`Unknown ARP opcode ${hex(op, 4)}`);
  }

  if ((op === 1 || op === 2) && hwIsEther && protoIsIpv4) {
    // The sender's pair always; the target's only in a reply (a request's target MAC means nothing),
    // and not again for an address already reported. The Info note follows the last check made.
    let duplicate = false;
    let duplicateIp = 0;
    const senderIp = buf.u32(8 + hln);
    if (isUnicastMac(sha) && senderIp !== 0) {
      duplicate = checkBinding(pkt, parent, etherToString(sha), senderIp);
      if (duplicate) duplicateIp = senderIp;
    }
    const targetIp = buf.u32(8 + 2 * hln + pln);
    if (op === 2 && isUnicastMac(tha) && targetIp !== 0 && targetIp !== duplicateIp) {
      duplicate = checkBinding(pkt, parent, etherToString(tha), targetIp);
      if (duplicate) duplicateIp = targetIp;
    }
    if (duplicate) pkt.appendInfo(` (duplicate use of ${ipv4ToString(duplicateIp)} detected!)`);
  }
}

export const arp = protocol('arp', 'Address Resolution Protocol', 'ARP/RARP',
  'How a host on a LAN finds the hardware (MAC) address that belongs to an IPv4 address: a broadcast question and a unicast answer.',
  dissectArp, (n) => {
    let what: string;
    if (n.childValue(hf.isAnnouncement)) what = 'ARP Announcement';
    else if (n.childValue(hf.isProbe)) what = 'ARP Probe';
    else {
      const op = n.childValue(hf.opcode) as number | undefined;
      if (op === undefined) return 'Address Resolution Protocol';
      what = opcodeNames[op] ?? 'opcode ' + op;
      if (n.childValue(hf.isGratuitous)) what += '/gratuitous ARP';
    }
    return `Address Resolution Protocol (${what})`;
  });

export function register(): void {
  table('ethertype').add(0x0806, arp);
  table('ethertype').add(0x8035, arp);
}
