/**
 * GRE — Generic Routing Encapsulation, RFC 2784 with RFC 2890's key and sequence number; version 1
 * is PPTP's Enhanced GRE (RFC 2637).
 *
 *   0                   1                   2                   3
 *   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *  +-+-+-+-+-+-----+---------+-----+-------------------------------+
 *  |C|R|K|S|s|Recur|A| Flags | Ver |         Protocol Type         |
 *  +-+-+-+-+-+-----+---------+-----+-------------------------------+
 *  |      Checksum (if C or R)     |       Offset (if C or R)      |
 *  +-------------------------------+-------------------------------+
 *  |  Key (if K; version 1: payload length and call ID)            |
 *  +---------------------------------------------------------------+
 *  |  Sequence Number (if S)                                       |
 *  +---------------------------------------------------------------+
 *  |  Acknowledgment Number (version 1, if A)                      |
 *  +---------------------------------------------------------------+
 *  |  Routing (if R: source route entries up to an empty one)      |
 *
 * The simplest tunnel there is: a packet of any protocol, named by its EtherType, wrapped in a
 * 4-byte header and sent as IP protocol 47. Site-to-site tunnels (often inside IPsec), PPTP VPNs,
 * port mirroring (ERSPAN) and cloud overlays use it; the inner packet is dissected like any other.
 */
import { FT, field } from '../engine/fields.js';
import { protocol, table } from '../engine/dispatch.js';
import type { Buf } from '../engine/buf.js';
import type { Packet } from '../engine/packet.js';
import { Severity, type Node } from '../engine/tree.js';
import { hex } from '../engine/format.js';
import { dissectByEtherType, etherTypeNames } from './eth.js';
import { ChecksumStatus, checksumStatusField, expectedChecksum, internetChecksum } from './checksum.js';

const C = 0x8000;
const R = 0x4000;
const K = 0x2000;
const S = 0x1000;
const SSR = 0x0800;
const ACK = 0x0080;

/** Protocol types as GRE names them: EtherTypes, with a few names of its own. */
const typeNames: Record<number, string> = {
  ...etherTypeNames,
  0x0000: 'Possible GRE keepalive packet',
  0x0800: 'IP',
  0x2000: 'CDP (Cisco)',
  0x22eb: 'ERSPAN III',
  0x880b: 'PPP',
  0x883e: 'WCCP',
  0x88be: 'ERSPAN',
  0x8909: 'CiscoMetaData',
};

const yesNo: readonly [string, string] = ['Yes', 'No'];

const hf = {
  flagsAndVersion: field('gre.flags_and_version', 'Flags and Version', FT.UInt16, 'The first two bytes: which optional fields follow (checksum, key, sequence number…) and the GRE version (0, or 1 for PPTP).', { base: 'hex' }),
  checksumBit: field('gre.flags.checksum', 'Checksum Bit', FT.Bool, 'A checksum over the GRE header and payload follows the protocol type.', { bitmask: C, bitWidth: 16, trueFalse: yesNo }),
  routingBit: field('gre.flags.routing', 'Routing Bit', FT.Bool, 'Source routing entries follow the header (RFC 1701; obsolete).', { bitmask: R, bitWidth: 16, trueFalse: yesNo }),
  keyBit: field('gre.flags.key', 'Key Bit', FT.Bool, 'A 32-bit key follows, which tells apart tunnels between the same two endpoints.', { bitmask: K, bitWidth: 16, trueFalse: yesNo }),
  seqBit: field('gre.flags.sequence_number', 'Sequence Number Bit', FT.Bool, 'A sequence number follows, so the receiver can put packets back in order.', { bitmask: S, bitWidth: 16, trueFalse: yesNo }),
  ssrBit: field('gre.flags.strict_source_route', 'Strict Source Route Bit', FT.Bool, 'The source route must be followed exactly (RFC 1701; obsolete).', { bitmask: SSR, bitWidth: 16, trueFalse: yesNo }),
  recursion: field('gre.flags.recursion_control', 'Recursion control', FT.UInt16, 'How many more times the packet may be encapsulated (RFC 1701; senders write 0).', { bitmask: 0x0700 }),
  ackBit: field('gre.flags.ack', 'Acknowledgment', FT.Bool, 'Enhanced GRE (PPTP): an acknowledgment number follows.', { bitmask: ACK, bitWidth: 16, trueFalse: yesNo }),
  reserved: field('gre.flags.reserved', 'Flags (Reserved)', FT.UInt16, 'Flag bits with no meaning; senders set them to zero.', { bitmask: 0x00f8 }),
  reservedV1: field('gre.flags.reserved_ppp', 'Flags (Reserved)', FT.UInt16, 'Flag bits with no meaning in Enhanced GRE; senders set them to zero.', { bitmask: 0x0078 }),
  version: field('gre.flags.version', 'Version', FT.UInt16, 'The GRE version: 0 for GRE, 1 for the Enhanced GRE that PPTP VPNs carry PPP in.', { bitmask: 0x0007, values: { 0: 'GRE', 1: 'Enhanced GRE' } }),
  proto: field('gre.proto', 'Protocol Type', FT.UInt16, 'The EtherType of the packet inside: 0x0800 IPv4, 0x86dd IPv6, 0x6558 a whole Ethernet frame, 0x880b PPP (PPTP).', { base: 'hex', values: typeNames }),
  checksum: field('gre.checksum', 'Checksum', FT.UInt16, 'The Internet checksum of the GRE header and payload.', { base: 'hex' }),
  checksumIncorrect: field('gre.checksum.incorrect', 'Incorrect GRE Checksum', FT.None, 'The checksum does not match the bytes: the packet was damaged, or the capture caught it before the checksum was filled in.'),
  offset: field('gre.offset', 'Offset', FT.UInt16, 'Where the active source route entry starts (with the routing bit); otherwise present, and zero, only because the checksum is.'),
  key: field('gre.key', 'Key', FT.UInt32, 'A number the two ends agree on to tell tunnels apart (or, with ERSPAN and cloud overlays, sessions and tenants).', { base: 'hex' }),
  payloadLength: field('gre.key.payload_length', 'Payload Length', FT.UInt16, 'Enhanced GRE (PPTP): the length of the PPP payload, without the GRE header.'),
  callId: field('gre.key.call_id', 'Call ID', FT.UInt16, 'Enhanced GRE (PPTP): the peer\'s call ID, set up on the PPTP control connection, naming the session.'),
  seq: field('gre.sequence_number', 'Sequence Number', FT.UInt32, 'Counts the packets sent in this tunnel, so loss and reordering can be seen.'),
  ackNumber: field('gre.ack_number', 'Acknowledgment Number', FT.UInt32, 'Enhanced GRE (PPTP): the highest sequence number the sender has received from its peer.'),
  routing: field('gre.routing', 'Routing', FT.None, 'Source route entries follow (RFC 1701; obsolete), each an address family, an offset, a length and a route.'),
  sreFamily: field('gre.routing.address_family', 'Address Family', FT.UInt16, 'A source route entry (RFC 1701): the kind of addresses in its route (0x0800 IPv4, 0xc200 autonomous systems).'),
  sreOffset: field('gre.routing.sre_offset', 'SRE Offset', FT.UInt8, 'A source route entry: where in its route the next hop to visit starts.'),
  sreLength: field('gre.routing.src_length', 'SRE Length', FT.UInt8, 'A source route entry: how many bytes of route follow; 0 ends the list.'),
  sre: field('gre.routing.src_route_entry', 'Routing Information', FT.Bytes, 'A source route entry: the addresses to visit, in order.'),
};

function dissectGre(buf: Buf, pkt: Packet, parent: Node): void {
  const flags = buf.u16(0);
  const version = flags & 7;
  const type = buf.u16(2);
  const typeName = typeNames[type];
  const node = pkt.addLayer(gre, parent, buf, 0, 4);
  pkt.setInfo(`Encapsulated ${typeName ?? `${hex(type, 4)} (unknown)`}`);
  const flagsNode = node.add(hf.flagsAndVersion, buf, 0, 2, flags);
  if (flagsNode.real) {
    flagsNode.add(hf.checksumBit, buf, 0, 2, (flags & C) !== 0);
    flagsNode.add(hf.routingBit, buf, 0, 2, (flags & R) !== 0);
    flagsNode.add(hf.keyBit, buf, 0, 2, (flags & K) !== 0);
    flagsNode.add(hf.seqBit, buf, 0, 2, (flags & S) !== 0);
    flagsNode.add(hf.ssrBit, buf, 0, 2, (flags & SSR) !== 0);
    flagsNode.add(hf.recursion, buf, 0, 2, (flags >>> 8) & 7);
    if (version === 1) {
      flagsNode.add(hf.ackBit, buf, 0, 2, (flags & ACK) !== 0);
      flagsNode.add(hf.reservedV1, buf, 0, 2, (flags >>> 3) & 0xf);
    } else {
      flagsNode.add(hf.reserved, buf, 0, 2, (flags >>> 3) & 0x1f);
    }
    flagsNode.add(hf.version, buf, 0, 2, version);
  }
  node.add(hf.proto, buf, 2, 2, type);

  let off = 4;
  if (flags & (C | R)) {
    const checksumNode = node.add(hf.checksum, buf, off, 2, buf.u16(off));
    if (flags & C) {
      // Verified when the whole packet was captured, as tshark does.
      if (buf.length === buf.reportedLength) {
        const bytes = buf.bytesAt(0, buf.length);
        const sum = internetChecksum(bytes);
        const good = sum === 0 || sum === 0xffff;
        if (good) {
          checksumNode.suffix = ' [correct]';
        } else {
          const should = hex(expectedChecksum(bytes, 4), 4);
          checksumNode.suffix = ` incorrect, should be ${should}`;
          pkt.addExpert(checksumNode, Severity.Warning, 'Protocol', `Incorrect GRE Checksum [should be ${should}]`, 'gre', hf.checksumIncorrect);
        }
        node.addGenerated(checksumStatusField('gre'), good ? ChecksumStatus.Good : ChecksumStatus.Bad);
      } else {
        checksumNode.suffix = ' [unverified]';
        node.addGenerated(checksumStatusField('gre'), ChecksumStatus.Unverified);
      }
    }
    node.add(hf.offset, buf, off + 2, 2, buf.u16(off + 2));
    off += 4;
  }
  if (flags & K) {
    if (version === 1) {
      node.add(hf.payloadLength, buf, off, 2, buf.u16(off));
      node.add(hf.callId, buf, off + 2, 2, buf.u16(off + 2));
    } else {
      node.add(hf.key, buf, off, 4, buf.u32(off));
    }
    off += 4;
  }
  if (flags & S) {
    node.add(hf.seq, buf, off, 4, buf.u32(off));
    off += 4;
  }
  if (version === 1 && flags & ACK) {
    node.add(hf.ackNumber, buf, off, 4, buf.u32(off));
    off += 4;
  }
  if (flags & R) {
    // Source route entries: address family, SRE offset, SRE length, then that many bytes of route;
    // an entry of length 0 ends the list. (Wireshark lists the entries after a "Routing" line, not under it.)
    node.add(hf.routing, buf, off, 0, undefined);
    const routing = node;
    for (;;) {
      routing.add(hf.sreFamily, buf, off, 2, buf.u16(off));
      routing.add(hf.sreOffset, buf, off + 2, 1, buf.u8(off + 2));
      const length = buf.u8(off + 3);
      routing.add(hf.sreLength, buf, off + 3, 1, length);
      off += 4;
      if (length === 0) break;
      routing.add(hf.sre, buf, off, length, buf.bytesAt(off, length));
      off += length;
    }
  }
  node.setEnd(buf, off);

  const payload = buf.sub(off);
  if (payload.reportedLength === 0) return;
  dissectByEtherType(type, payload, pkt, parent, { sequenced: (flags & S) !== 0 } satisfies GrePayloadInfo);
}

/** What GRE hands the protocol inside, as `data` (ERSPAN's type depends on the sequence number). */
export interface GrePayloadInfo {
  /** The GRE header carries a sequence number. */
  sequenced: boolean;
}

export const gre = protocol('gre', 'Generic Routing Encapsulation', 'GRE',
  'A tunnel header of 4 to 16 bytes that wraps a packet of any protocol, named by its EtherType, inside IP (protocol 47).',
  dissectGre, (n) => {
    const type = n.childValue(hf.proto) as number;
    return `Generic Routing Encapsulation (${typeNames[type] ?? `${hex(type, 4)} - unknown`})`;
  });

export function register(): void {
  table('ip.proto').add(47, gre);
}
