/**
 * ICMP — RFC 792 (messages), RFC 1122 §3.2.2, RFC 1191 (fragmentation needed + MTU), RFC 1256
 * (router discovery), RFC 950 (address mask), RFC 8335 (extended echo).
 *
 *   0               8               16                              31
 *  +---------------+---------------+-------------------------------+
 *  |     Type      |     Code      |           Checksum            |
 *  +---------------+---------------+-------------------------------+
 *  |  echo, timestamp, address mask:  Identifier  |  Sequence no.  |
 *  |  errors: unused (or pointer / next-hop MTU / gateway address) |
 *  +---------------------------------------------------------------+
 *  |  echo: data …   errors: the IP header + first 8 bytes (at     |
 *  |  least) of the datagram that caused the error                 |
 *
 * The checksum covers the whole ICMP message. The identifier and sequence number are opaque to the
 * network; systems write them in their own byte order (Linux big-endian, Windows little-endian), so
 * both readings are shown, as Wireshark does. An error message quotes the offending packet, which is
 * dissected again (through the 'ip' protocol) in "error packet" context: the columns stay as this
 * message set them, and the quote may end early without being malformed.
 */
import { FT, field } from '../engine/fields.js';
import { protocol, table, callDissector, dissectData, findProtocol } from '../engine/dispatch.js';
import type { Buf } from '../engine/buf.js';
import type { Packet } from '../engine/packet.js';
import { type Node, Severity } from '../engine/tree.js';
import { hex } from '../engine/format.js';
import { checksumStatusField, ChecksumStatus, expectedChecksum, internetChecksum } from './checksum.js';
import type { IpPayloadInfo } from './ip.js';

const typeNames: Record<number, string> = {
  0: 'Echo (ping) reply',
  1: 'Reserved',
  2: 'Reserved',
  3: 'Destination unreachable',
  4: 'Source quench (flow control)',
  5: 'Redirect',
  6: 'Alternate host address',
  8: 'Echo (ping) request',
  9: 'Router advertisement',
  10: 'Router solicitation',
  11: 'Time-to-live exceeded',
  12: 'Parameter problem',
  13: 'Timestamp request',
  14: 'Timestamp reply',
  15: 'Information request',
  16: 'Information reply',
  17: 'Address mask request',
  18: 'Address mask reply',
  30: 'Traceroute',
  31: 'Datagram Conversion Error',
  32: 'Mobile Host Redirect',
  33: 'IPv6 Where-Are-You',
  34: 'IPv6 I-Am-Here',
  35: 'Mobile Registration Request',
  36: 'Mobile Registration Reply',
  37: 'Domain Name Request',
  38: 'Domain Name Reply',
  39: 'SKIP',
  40: 'Photuris',
  42: 'Extended Echo request',
  43: 'Extended Echo reply',
};

const codeNames: Record<number, Record<number, string>> = {
  3: {
    0: 'Network unreachable', 1: 'Host unreachable', 2: 'Protocol unreachable', 3: 'Port unreachable', 4: 'Fragmentation needed',
    5: 'Source route failed', 6: 'Destination network unknown', 7: 'Destination host unknown', 8: 'Source host isolated',
    9: 'Network administratively prohibited', 10: 'Host administratively prohibited', 11: 'Network unreachable for TOS',
    12: 'Host unreachable for TOS', 13: 'Communication administratively filtered', 14: 'Host precedence violation',
    15: 'Precedence cutoff in effect',
  },
  5: { 0: 'Redirect for network', 1: 'Redirect for host', 2: 'Redirect for TOS and network', 3: 'Redirect for TOS and host' },
  6: { 0: 'Alternate address for host' },
  9: { 0: 'Normal router advertisement', 16: 'Does not route common traffic' },
  11: { 0: 'Time to live exceeded in transit', 1: 'Fragment reassembly time exceeded' },
  12: { 0: 'Pointer indicates the error', 1: 'Required option missing', 2: 'Bad length' },
  40: { 0: 'Bad SPI', 1: 'Authentication Failed', 2: 'Decompression Failed', 3: 'Decryption Failed', 4: 'Need Authentication', 5: 'Need Authorization' },
  42: { 0: 'No error' },
  43: { 0: 'No error', 1: 'Malformed Query', 2: 'No Such Interface', 3: 'No Such Table Entry', 4: 'Multiple Interfaces Satisfy Query' },
};

/** Extension object classes (IANA "ICMP Extension Object Classes"). */
const extClassNames: Record<number, string> = { 1: 'MPLS Label Stack Class', 2: 'Interface Information Object', 3: 'Interface Identification Object' };
/** How tshark titles an object of each class. */
const extObjectTitles: Record<number, string> = { 1: 'MPLS Stack Entry', 2: 'Interface Information Object', 3: 'Interface Identification Object' };

const hf = {
  ext: field('icmp.ext', 'ICMP Extensions', FT.None, 'RFC 4884 multi-part extensions after the quoted datagram: objects a router adds, such as the MPLS label stack the packet carried when its TTL ran out.'),
  extVersion: field('icmp.ext.version', 'Version', FT.UInt8, 'The extension structure\'s version, 2.'),
  extReserved: field('icmp.ext.res', 'Reserved', FT.UInt16, 'Bits that must be zero.', { base: 'hex', bitmask: 0x0fff }),
  extChecksum: field('icmp.ext.checksum', 'Checksum', FT.UInt16, 'A one\'s-complement sum over the extension structure alone (0 when the sender left it out).', { base: 'hex' }),
  extChecksumBad: field('icmp.ext.checksum_bad', 'Bad checksum', FT.None, 'The extension structure\'s checksum does not match its bytes.'),
  extLength: field('icmp.ext.length', 'Length', FT.UInt16, 'The object\'s length in bytes, its 4-byte header included.'),
  extClass: field('icmp.ext.class', 'Class', FT.UInt8, 'What the object describes: 1 an MPLS label stack (RFC 4950), 2 the interface the packet arrived on or left by (RFC 5837).', { values: extClassNames }),
  extCtype: field('icmp.ext.ctype', 'C-Type', FT.UInt8, 'The object\'s sub-type within its class.'),
  extData: field('icmp.ext.data', 'Data', FT.Bytes, 'The body of an extension object vpnscope does not decode.'),
  mplsLabel: field('icmp.mpls.label', 'Label', FT.UInt24, 'An MPLS label the packet carried when the router dropped it: which label-switched path (often which VPN) it was on.', { bitmask: 0xfffff0 }),
  mplsExp: field('icmp.mpls.exp', 'Experimental', FT.UInt24, 'The three traffic-class bits of that label stack entry.', { bitmask: 0x00000e }),
  mplsS: field('icmp.mpls.s', 'Stack bit', FT.Bool, 'Set on the last (bottom) entry of the label stack.', { bitmask: 0x000001, bitWidth: 24 }),
  mplsTtl: field('icmp.mpls.ttl', 'Time to live', FT.UInt8, 'The label stack entry\'s own TTL when the packet was dropped.'),
  type: field('icmp.type', 'Type', FT.UInt8, 'What kind of message this is: 8 is an echo request, 0 an echo reply, 3 destination unreachable and 11 time exceeded, for example.'),
  code: field('icmp.code', 'Code', FT.UInt8, 'The reason within the type, e.g. for destination unreachable: 0 network, 1 host, 3 port unreachable, 4 fragmentation needed.'),
  checksum: field('icmp.checksum', 'Checksum', FT.UInt16, 'A one\'s-complement sum over the whole ICMP message that lets the receiver detect corruption.', { base: 'hex' }),
  checksumBad: field('icmp.checksum_bad', 'Bad checksum', FT.None, 'The checksum does not match the message: it was damaged on the way, or captured before the checksum was filled in.'),
  ident: field('icmp.ident', 'Identifier (BE)', FT.UInt16, 'A number that pairs requests with replies (ping uses its process id), read in network byte order.', { base: 'dec_hex' }),
  identLe: field('icmp.ident_le', 'Identifier (LE)', FT.UInt16, 'The identifier read in little-endian byte order, as Windows writes it.', { base: 'dec_hex' }),
  seq: field('icmp.seq', 'Sequence Number (BE)', FT.UInt16, 'Counts the requests of one ping run (1, 2, 3…), read in network byte order.', { base: 'dec_hex' }),
  seqLe: field('icmp.seq_le', 'Sequence Number (LE)', FT.UInt16, 'The sequence number read in little-endian byte order, as Windows writes it.', { base: 'dec_hex' }),
  respIn: field('icmp.resp_in', 'Response frame', FT.FrameNum, 'The frame that carries the reply to this request.'),
  respTo: field('icmp.resp_to', 'Request frame', FT.FrameNum, 'The frame that carried the request this message answers.'),
  respTime: field('icmp.resptime', 'Response time', FT.Double, 'Milliseconds between the request and this reply: the round-trip time ping prints.', { unit: ' ms' }),
  dataTime: field('icmp.data_time', 'Timestamp from icmp data', FT.AbsTime, 'The send time the ping program wrote into the first bytes of the data, so it can compute the round-trip time from the reply alone.'),
  dataTimeRelative: field('icmp.data_time_relative', 'Timestamp from icmp data (relative)', FT.RelTime, 'How long before this frame was captured the ping program stamped its data.', { unit: ' seconds' }),
  unused: field('icmp.unused', 'Unused', FT.Bytes, 'Bytes an error message must send as zero.'),
  mtu: field('icmp.mtu', 'MTU of next hop', FT.UInt16, 'The largest packet the next link accepts: a "fragmentation needed" error tells the sender to send smaller packets (path MTU discovery, RFC 1191).'),
  pointer: field('icmp.pointer', 'Pointer', FT.UInt32, 'The byte of the quoted header where the problem was found.'),
  redirGw: field('icmp.redir_gw', 'Gateway Address', FT.IPv4, 'The better first-hop router a redirect tells the host to use for this destination.'),
  numAddrs: field('icmp.num_addrs', 'Number of addresses', FT.UInt8, 'How many router addresses a router advertisement lists.'),
  addrEntrySize: field('icmp.addr_entry_size', 'Address entry size', FT.UInt8, 'Words (4 bytes) per advertised router entry: 2, an address and a preference.'),
  lifetime: field('icmp.lifetime', 'Lifetime', FT.UInt16, 'Seconds the advertised router addresses stay valid.', { unit: ' seconds' }),
  routerAddress: field('icmp.router_address', 'Router address', FT.IPv4, 'An address of the advertising router.'),
  prefLevel: field('icmp.pref_level', 'Preference level', FT.Int32, 'How much hosts should prefer this router as a default route; higher is better.'),
  reserved: field('icmp.reserved', 'Reserved', FT.Bytes, 'Reserved bytes, zero when sent.'),
  originate: field('icmp.originate_timestamp', 'Originate Timestamp', FT.UInt32, 'Milliseconds since midnight UTC when the requester sent the timestamp request.'),
  receive: field('icmp.receive_timestamp', 'Receive Timestamp', FT.UInt32, 'Milliseconds since midnight UTC when the responder received the request.'),
  transmit: field('icmp.transmit_timestamp', 'Transmit Timestamp', FT.UInt32, 'Milliseconds since midnight UTC when the responder sent the reply.'),
  addressMask: field('icmp.address_mask', 'Address Mask', FT.IPv4, 'The subnet mask of the network, as an address mask reply gives it.'),
};

/** The "Type" column of Info is padded to 20 characters, as Wireshark prints it. */
const INFO_TYPE_WIDTH = 20;
/** Echo requests remembered for reply matching; the oldest are forgotten beyond this. */
const MAX_PENDING_ECHOES = 65536;
const SECONDS_PER_DAY = 86400;

interface EchoRequest {
  frame: number;
  seconds: number;
  nanos: number;
  replyFrame: number;
}

/** Echo request/reply matching across the capture, keyed by addresses, identifier and sequence number. */
export function echoTracker(pkt: Packet, key: string): Map<string, EchoRequest> {
  return pkt.session.global(key, () => new Map<string, EchoRequest>());
}

/**
 * Records a request, or links a reply to its request: adds resp_to and the response time and returns
 * the request's frame number (0 when none was seen).
 */
export function trackEcho(pkt: Packet, node: Node, requests: Map<string, EchoRequest>, isRequest: boolean, id: number, seq: number, respTo: typeof hf.respTo, respTime: typeof hf.respTime): number {
  if (isRequest) {
    const key = `${pkt.netSrc}>${pkt.netDst}:${id}:${seq}`;
    requests.delete(key);
    requests.set(key, { frame: pkt.number, seconds: pkt.frame.seconds, nanos: pkt.frame.nanos, replyFrame: 0 });
    if (requests.size > MAX_PENDING_ECHOES) requests.delete(requests.keys().next().value!);
    return 0;
  }
  const req = requests.get(`${pkt.netDst}>${pkt.netSrc}:${id}:${seq}`);
  if (!req || req.frame >= pkt.number || (req.replyFrame !== 0 && req.replyFrame !== pkt.number)) return 0;
  req.replyFrame = pkt.number;
  node.addGenerated(respTo, req.frame);
  const ms = (pkt.frame.seconds - req.seconds) * 1000 + (pkt.frame.nanos - req.nanos) / 1e6;
  const value = Math.round(ms * 1000) / 1000;
  const timeNode = node.addGenerated(respTime, value);
  // The tree shows three decimals, as ping does; JSON and -T fields keep the number's shortest form.
  if (timeNode.real) timeNode.text = `${respTime.name}: ${value.toFixed(3)} ms`;
  return req.frame;
}

/**
 * Runs the 'ip' (or 'ipv6') dissector on the packet an error message quotes, in error-packet context:
 * columns are frozen, reassembly and conversation state are left alone, and the addresses the rest of
 * this packet is known by are restored afterwards.
 */
/**
 * Where an RFC 4884 extension structure starts, or -1: after the datagram length the message gives
 * (in 32-bit words), or — from senders that leave the length 0, as many routers do — after 128
 * bytes; either way only where a version-2 header is found (its checksum is then checked).
 */
function extensionOffset(buf: Buf): number {
  const words = buf.u8(5);
  const at = 8 + (words > 0 ? words * 4 : 128);
  return at + 4 <= buf.length && buf.length === buf.reportedLength && buf.u8(at) >> 4 === 2 ? at : -1;
}

function dissectExtensions(buf: Buf, at: number, pkt: Packet, parent: Node): void {
  const end = buf.length;
  const ext = parent.add(hf.ext, buf, at, end - at);
  if (ext.real) ext.text = 'ICMP Multi-Part Extensions';
  ext.add(hf.extVersion, buf, at, 1, buf.u8(at) >> 4);
  ext.add(hf.extReserved, buf, at, 2, buf.u16(at) & 0x0fff);
  const checksum = buf.u16(at + 2);
  const cs = ext.add(hf.extChecksum, buf, at + 2, 2, checksum);
  if (checksum !== 0) {
    const all = buf.bytesAt(at, end - at);
    if (internetChecksum(all) === 0xffff) {
      cs.suffix = ' [correct]';
      ext.addGenerated(checksumStatusField('icmp.ext'), ChecksumStatus.Good);
    } else {
      const should = hex(expectedChecksum(all, 2, 0), 4);
      cs.suffix = ` incorrect, should be ${should}`;
      pkt.addExpert(cs, Severity.Warning, 'Checksum', `Bad checksum [should be ${should}]`, 'icmp', hf.extChecksumBad);
      ext.addGenerated(checksumStatusField('icmp.ext'), ChecksumStatus.Bad);
    }
  }
  for (let off = at + 4; off + 4 <= end; ) {
    const length = buf.u16(off);
    const cls = buf.u8(off + 2);
    const ctype = buf.u8(off + 3);
    if (length < 4 || off + length > end) {
      const n = ext.add(hf.extLength, buf, off, 2, length);
      pkt.addExpert(n, Severity.Warning, 'Malformed', `Extension object length ${length} does not fit the message`, 'icmp');
      return;
    }
    const obj = ext.addText(extObjectTitles[cls] ?? `Unknown object (${cls})`, buf, off, length);
    obj.add(hf.extLength, buf, off, 2, length);
    obj.add(hf.extClass, buf, off + 2, 1, cls);
    obj.add(hf.extCtype, buf, off + 3, 1, ctype);
    if (cls === 1 && ctype === 1) {
      for (let e = off + 4; e + 4 <= off + length; e += 4) {
        const word = buf.u24(e);
        const ttl = buf.u8(e + 3);
        const entry = obj.addText(`Label: ${word >>> 4}, Exp: ${(word >> 1) & 7}, S: ${word & 1}, TTL: ${ttl}`, buf, e, 4);
        entry.add(hf.mplsLabel, buf, e, 3, word >>> 4);
        entry.add(hf.mplsExp, buf, e, 3, (word >> 1) & 7);
        entry.add(hf.mplsS, buf, e, 3, (word & 1) === 1);
        entry.add(hf.mplsTtl, buf, e + 3, 1, ttl);
      }
    } else if (length > 4) {
      obj.add(hf.extData, buf, off + 4, length - 4, buf.bytesAt(off + 4, length - 4));
    }
    off += length;
  }
}

export function dissectQuoted(proto: string, buf: Buf, pkt: Packet, node: Node): void {
  const p = findProtocol(proto);
  if (!p || buf.reportedLength <= 0) return;
  const saved = {
    inError: pkt.inErrorPacket, netSrc: pkt.netSrc, netDst: pkt.netDst, netSrcBytes: pkt.netSrcBytes, netDstBytes: pkt.netDstBytes,
    srcPort: pkt.srcPort, dstPort: pkt.dstPort, transport: pkt.transport,
  };
  pkt.inErrorPacket = true;
  try {
    callDissector(p, buf, pkt, node);
  } finally {
    pkt.inErrorPacket = saved.inError;
    pkt.netSrc = saved.netSrc;
    pkt.netDst = saved.netDst;
    pkt.netSrcBytes = saved.netSrcBytes;
    pkt.netDstBytes = saved.netDstBytes;
    pkt.srcPort = saved.srcPort;
    pkt.dstPort = saved.dstPort;
    pkt.transport = saved.transport;
  }
}

function dissectIcmp(buf: Buf, pkt: Packet, parent: Node, data?: unknown): void {
  const node = pkt.addLayer(icmp, parent, buf, 0, buf.length);
  pkt.setInfo('');
  // The fixed 4 bytes are read before anything is shown: a message shorter than that shows no fields.
  const checksum = buf.u16(2);
  const type = buf.u8(0);
  const code = buf.u8(1);
  const typeName = typeNames[type];
  // Shown number first, as tshark shows ICMP's type and code: "Type: 8 (Echo (ping) request)".
  const typeNode = node.add(hf.type, buf, 0, 1, type);
  if (typeName !== undefined && typeNode.real) typeNode.suffix = ` (${typeName})`;
  const codeName = codeNames[type]?.[code];
  const codeNode = node.add(hf.code, buf, 1, 1, code);
  if (codeName !== undefined && codeNode.real) codeNode.suffix = ` (${codeName})`;
  const checksumNode = node.add(hf.checksum, buf, 2, 2, checksum);
  const status = checksumStatusField('icmp');
  const inError = pkt.inErrorPacket;
  if (inError) {
    checksumNode.suffix = ' [unverified] [in ICMP error packet]';
    node.addGenerated(status, ChecksumStatus.Unverified);
  } else if (buf.length < buf.reportedLength) {
    checksumNode.suffix = ' [unverified]';
    node.addGenerated(status, ChecksumStatus.Unverified);
  } else {
    const all = buf.bytesAt(0, buf.length);
    const sum = internetChecksum(all);
    if (sum === 0xffff) {
      checksumNode.suffix = ' [correct]';
      node.addGenerated(status, ChecksumStatus.Good);
    } else {
      const should = hex(expectedChecksum(all, 2), 4);
      checksumNode.suffix = ` incorrect, should be ${should}`;
      pkt.addExpert(checksumNode, Severity.Warning, 'Checksum', `Bad checksum [should be ${should}]`, 'icmp', hf.checksumBad);
      node.addGenerated(status, ChecksumStatus.Bad);
    }
  }

  let info = (typeName ?? 'Unknown ICMP (obsolete or malformed?)').padEnd(INFO_TYPE_WIDTH);
  if (codeName !== undefined) info += ` (${codeName})`;
  const ttl = (data as IpPayloadInfo | undefined)?.ttl;

  switch (type) {
    case 0:
    case 8:
    case 13:
    case 14:
    case 15:
    case 16:
    case 17:
    case 18: {
      const id = buf.u16(4);
      const seq = buf.u16(6);
      node.add(hf.ident, buf, 4, 2, id);
      node.add(hf.identLe, buf, 4, 2, ((id & 0xff) << 8) | (id >>> 8));
      node.add(hf.seq, buf, 6, 2, seq);
      node.add(hf.seqLe, buf, 6, 2, ((seq & 0xff) << 8) | (seq >>> 8));
      info += ` id=${hex(id, 4)}, seq=${seq}/${((seq & 0xff) << 8) | (seq >>> 8)}`;
      if (ttl !== undefined) info += `, ttl=${ttl}`;
      pkt.setInfo(info);
      if (type === 0 || type === 8) {
        if (!inError) {
          const requestFrame = trackEcho(pkt, node, echoTracker(pkt, 'icmp.echo'), type === 8, id, seq, hf.respTo, hf.respTime);
          if (requestFrame) pkt.appendInfo(` (request in ${requestFrame})`);
        }
        dissectEchoData(buf, pkt, node);
      } else if (type === 13 || type === 14) {
        node.add(hf.originate, buf, 8, 4, buf.u32(8));
        node.add(hf.receive, buf, 12, 4, buf.u32(12));
        node.add(hf.transmit, buf, 16, 4, buf.u32(16));
      } else if (type === 17 || type === 18) {
        node.add(hf.addressMask, buf, 8, 4, buf.u32(8));
      }
      return;
    }
    case 3:
    case 4:
    case 5:
    case 11:
    case 12:
      pkt.setInfo(info);
      if (type === 3 && code === 4) {
        node.add(hf.unused, buf, 4, 2, buf.bytesAt(4, 2));
        node.add(hf.mtu, buf, 6, 2, buf.u16(6));
      } else if (type === 5) {
        node.add(hf.redirGw, buf, 4, 4, buf.u32(4));
      } else if (type === 12) {
        node.add(hf.pointer, buf, 4, 1, buf.u8(4));
        node.add(hf.unused, buf, 5, 3, buf.bytesAt(5, 3));
      } else if (type !== 4) {
        node.add(hf.unused, buf, 4, 4, buf.bytesAt(4, 4));
      }
      if (!inError) {
        // RFC 4884: the quoted datagram may be followed by an extension structure.
        const ext = type === 3 || type === 11 || type === 12 ? extensionOffset(buf) : -1;
        dissectQuoted('ip', ext > 0 ? buf.sub(8, ext - 8) : buf.sub(8), pkt, node);
        if (ext > 0) dissectExtensions(buf, ext, pkt, node);
      }
      return;
    case 9: {
      pkt.setInfo(info);
      const count = buf.u8(4);
      const size = buf.u8(5);
      node.add(hf.numAddrs, buf, 4, 1, count);
      node.add(hf.addrEntrySize, buf, 5, 1, size);
      node.add(hf.lifetime, buf, 6, 2, buf.u16(6));
      if (size === 2) {
        for (let i = 0, off = 8; i < count; i++, off += 8) {
          node.add(hf.routerAddress, buf, off, 4, buf.u32(off));
          node.add(hf.prefLevel, buf, off + 4, 4, buf.i32(off + 4));
        }
      }
      return;
    }
    case 10:
      pkt.setInfo(info);
      node.add(hf.reserved, buf, 4, 4, buf.bytesAt(4, 4));
      return;
    case 42:
    case 43: {
      // Extended echo (RFC 8335): the identifier as in echo; an 8-bit sequence number follows.
      pkt.setInfo(info);
      const id = buf.u16(4);
      node.add(hf.ident, buf, 4, 2, id);
      node.add(hf.identLe, buf, 4, 2, ((id & 0xff) << 8) | (id >>> 8));
      return;
    }
    default:
      pkt.setInfo(info);
  }
}

/** Echo data, after a send time the ping program may have put in its first 8 bytes (a struct timeval). */
function dissectEchoData(buf: Buf, pkt: Packet, node: Node): void {
  let off = 8;
  if (buf.reportedRemaining(8) >= 8 && buf.has(8, 8)) {
    const now = pkt.frame.seconds;
    let secs = buf.u32(8);
    let usecs = buf.u32(12);
    if (Math.abs(secs - now) >= SECONDS_PER_DAY || usecs >= 1_000_000) {
      secs = buf.u32le(8);
      usecs = buf.u32le(12);
    }
    if (Math.abs(secs - now) < SECONDS_PER_DAY && usecs < 1_000_000) {
      node.add(hf.dataTime, buf, 8, 8, [secs, usecs * 1000]);
      const rel = now - secs + (pkt.frame.nanos - usecs * 1000) / 1e9;
      node.addGenerated(hf.dataTimeRelative, rel, buf, 8, 8);
      off = 16;
    }
  }
  if (buf.remaining(off) > 0) dissectData(buf.sub(off), pkt, node);
}

export const icmp = protocol('icmp', 'Internet Control Message Protocol', 'ICMP',
  'IPv4\'s error and diagnostic messages: echo request/reply (ping), destination unreachable, time exceeded (traceroute), redirects.',
  dissectIcmp);

export function register(): void {
  table('ip.proto').add(1, icmp);
}
