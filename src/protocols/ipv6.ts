/**
 * IPv6 — RFC 8200 (header, extension headers, fragmentation), RFC 2675 (jumbograms), RFC 2474/3168
 * (traffic class: DSCP and ECN), RFC 6437 (flow label), RFC 5095 (type 0 routing header deprecated).
 *
 *   0       4               12                                      31
 *  +-------+---------------+---------------------------------------+
 *  |Version| Traffic Class |               Flow Label              |
 *  +-------+---------------+-------+---------------+---------------+
 *  |         Payload Length        |  Next Header  |   Hop Limit   |
 *  +-------------------------------+---------------+---------------+
 *  |                 Source Address (16 bytes)                     |
 *  |               Destination Address (16 bytes)                  |
 *  +---------------------------------------------------------------+
 *
 * Next Header names either the upper-layer protocol (same numbers as IPv4's Protocol) or an extension
 * header, which carries its own Next Header and so forms a chain:
 *
 *   hop-by-hop (0) / destination options (60):  | next | len (8-byte units − 1) | TLV options … |
 *   routing (43):  | next | len | routing type | segments left | type-specific data … |
 *   fragment (44): | next | reserved | offset (13 bits) · res · M | identification (32) |
 *
 * The chain is walked here (bounded in length); fragments are put back together by
 * engine/fragments.ts, and the walk continues in the reassembled datagram.
 */
import { FT, type FieldDef, field } from '../engine/fields.js';
import { addAuthenticationHeader, ah } from './esp.js';
import { protocol, table, callDissector, dissectData } from '../engine/dispatch.js';
import { Buf } from '../engine/buf.js';
import type { Packet } from '../engine/packet.js';
import { type Node, Severity } from '../engine/tree.js';
import { hex, ipv6ToString } from '../engine/format.js';
import { Reassembler, FragmentProblem } from '../engine/fragments.js';
import { addFragmentList, dscpNames, ecnNames, ipProtocolNames, type FragmentFields, type IpPayloadInfo } from './ip.js';
import type { EthertypePayload } from './eth.js';
import { preference } from '../engine/prefs.js';

const defragmentPref = preference('ipv6.defragment', 'bool', 'FALSE: do not put fragmented IPv6 packets back together.');

const optionTypeNames: Record<number, string> = {
  0x00: 'Pad1',
  0x01: 'PadN',
  0x04: 'Tunnel Encapsulation Limit',
  0x05: 'Router Alert',
  0x07: 'CALIPSO',
  0x08: 'SMF_DPD',
  0x26: 'Quick-Start',
  0x30: 'Path MTU Option',
  0x31: 'IOAM Option',
  0x63: 'RPL Option',
  0x6d: 'MPL Option',
  0x8b: 'ILNP Nonce',
  0x8c: 'Line-Identification Option',
  0xc2: 'Jumbo Payload',
  0xc9: 'Home Address',
  0xee: 'IP_DFF',
};

const routingTypeNames = {
  0: 'Source Route',
  1: 'Nimrod',
  2: 'Type 2 Routing',
  3: 'RPL Source Route',
  4: 'Segment Routing',
  5: 'Compact Routing Header 16',
  6: 'Compact Routing Header 32',
  253: 'Experiment 1',
  254: 'Experiment 2',
};

const hf = {
  version: field('ipv6.version', 'Version', FT.UInt8, 'The IP version: 6 here.', { bitmask: 0xf0 }),
  ipVersion: field('ip.version', 'Version', FT.UInt8, 'The IP version: 4 here. A receiver reads this first to know how to parse the rest.', { bitmask: 0xf0 }),
  tclass: field('ipv6.tclass', 'Traffic Class', FT.UInt32, 'IPv6\'s DS field: 6 bits of DSCP for queueing priority and 2 bits of ECN for congestion signals.', { base: 'hex', bitmask: 0x0ff00000 }),
  dscp: field('ipv6.tclass.dscp', 'Differentiated Services Codepoint', FT.UInt32, 'The traffic class a network may use to prioritise the packet (46, Expedited Forwarding, for voice; 0 for ordinary traffic).', { bitmask: 0x0fc00000, values: dscpNames }),
  ecn: field('ipv6.tclass.ecn', 'Explicit Congestion Notification', FT.UInt32, 'Whether the endpoints understand ECN, and whether a router marked the packet to say it is congested instead of dropping it.', { bitmask: 0x00300000, values: ecnNames }),
  flow: field('ipv6.flow', 'Flow Label', FT.UInt24, 'A 20-bit label the sender puts on every packet of one flow so routers can keep them on the same path (RFC 6437).', { base: 'hex', bitmask: 0x0fffff }),
  plen: field('ipv6.plen', 'Payload Length', FT.UInt16, 'Bytes after the fixed 40-byte header, extension headers included; 0 for a jumbogram, whose length is in a hop-by-hop option.'),
  nxt: field('ipv6.nxt', 'Next Header', FT.UInt8, 'What follows the fixed header: an extension header (0, 43, 44, 60…) or the upper-layer protocol (6 TCP, 17 UDP, 58 ICMPv6).', { values: ipProtocolNames }),
  hlim: field('ipv6.hlim', 'Hop Limit', FT.UInt8, 'How many more routers may forward the packet; each subtracts 1 and discards it at 0 (IPv4\'s TTL).'),
  src: field('ipv6.src', 'Source Address', FT.IPv6, 'The 128-bit address of the interface that sent the packet.'),
  dst: field('ipv6.dst', 'Destination Address', FT.IPv6, 'The 128-bit address the packet is for (ff00::/8 is multicast).'),
  addr: field('ipv6.addr', 'Source or Destination Address', FT.IPv6, 'Either address of the packet: a filter on ipv6.addr matches traffic in both directions.'),
  srcSlaacMac: field('ipv6.src_slaac_mac', 'Source SLAAC MAC', FT.Ether, 'The MAC address the source\'s interface identifier was made from (EUI-64: ff:fe in the middle, the universal/local bit flipped), as stateless autoconfiguration does.'),
  dstSlaacMac: field('ipv6.dst_slaac_mac', 'Destination SLAAC MAC', FT.Ether, 'The MAC address the destination\'s interface identifier was made from (EUI-64).'),
  slaacMac: field('ipv6.slaac_mac', 'SLAAC MAC', FT.Ether, 'The MAC address behind either address\'s EUI-64 interface identifier.'),
  srcHost: field('ipv6.src_host', 'Source Host', FT.String, 'The source address as text (a host name when name resolution is on).'),
  dstHost: field('ipv6.dst_host', 'Destination Host', FT.String, 'The destination address as text (a host name when name resolution is on).'),
  host: field('ipv6.host', 'Source or Destination Host', FT.String, 'Either address as text, for filters that match both directions.'),

  opt: field('ipv6.opt', 'IPv6 Option', FT.None, 'One type-length-value option of a hop-by-hop or destination options header.'),
  optType: field('ipv6.opt.type', 'Type', FT.UInt8, 'The option type; its top two bits say what a node that does not know it must do.', { base: 'hex', values: optionTypeNames }),
  optAction: field('ipv6.opt.type.action', 'Action', FT.UInt8, 'What a node that does not recognise the option must do: skip it, discard the packet, or discard and report.', { bitmask: 0xc0, values: { 0: 'Skip and continue', 1: 'Discard', 2: 'Discard and send ICMP Parameter Problem', 3: 'Discard and send ICMP if not multicast' } }),
  optChange: field('ipv6.opt.type.change', 'May Change', FT.Bool, 'Whether routers may change the option\'s data on the way (it is then left out of authentication).', { bitmask: 0x20, bitWidth: 8, trueFalse: ['Yes', 'No'] }),
  optRest: field('ipv6.opt.type.rest', 'Low-Order Bits', FT.UInt8, 'The remaining five bits of the option type.', { base: 'hex', bitmask: 0x1f }),
  optLength: field('ipv6.opt.length', 'Length', FT.UInt8, 'Bytes of option data after the type and length bytes.'),
  optPad1: field('ipv6.opt.pad1', 'Pad1', FT.None, 'A single byte of padding that aligns the next option.'),
  optPadn: field('ipv6.opt.padn', 'PadN', FT.Bytes, 'Several bytes of padding that align the next option or the end of the header.'),
  optRouterAlert: field('ipv6.opt.router_alert', 'Router Alert', FT.UInt16, 'Asks every router on the path to look inside the packet: 0 for MLD, 1 for RSVP (RFC 2711).', { values: { 0: 'MLD', 1: 'RSVP', 2: 'Active Network' } }),
  optTel: field('ipv6.opt.tel', 'Tunnel Encapsulation Limit', FT.UInt8, 'How many more levels of tunnel encapsulation this packet may receive (RFC 2473).'),
  optJumbo: field('ipv6.opt.jumbo', 'Payload Length', FT.UInt32, 'The real payload length of a jumbogram, larger than 65535 bytes (RFC 2675).'),
  optUnknown: field('ipv6.opt.unknown', 'Unknown Option Payload', FT.Bytes, 'The data of an option vpnscope does not decode.'),

  hopNxt: field('ipv6.hopopts.nxt', 'Next Header', FT.UInt8, 'What follows the hop-by-hop options header.', { values: ipProtocolNames }),
  hopLen: field('ipv6.hopopts.len', 'Length', FT.UInt8, 'Length of the header in 8-byte units, not counting the first 8 bytes.'),
  hopLenOct: field('ipv6.hopopts.len_oct', 'Length', FT.UInt16, 'Length of the hop-by-hop options header in bytes.', { unit: ' bytes' }),
  dstNxt: field('ipv6.dstopts.nxt', 'Next Header', FT.UInt8, 'What follows the destination options header.', { values: ipProtocolNames }),
  dstLen: field('ipv6.dstopts.len', 'Length', FT.UInt8, 'Length of the header in 8-byte units, not counting the first 8 bytes.'),
  dstLenOct: field('ipv6.dstopts.len_oct', 'Length', FT.UInt16, 'Length of the destination options header in bytes.', { unit: ' bytes' }),
  rtNxt: field('ipv6.routing.nxt', 'Next Header', FT.UInt8, 'What follows the routing header.', { values: ipProtocolNames }),
  rtLen: field('ipv6.routing.len', 'Length', FT.UInt8, 'Length of the header in 8-byte units, not counting the first 8 bytes.'),
  rtLenOct: field('ipv6.routing.len_oct', 'Length', FT.UInt16, 'Length of the routing header in bytes.', { unit: ' bytes' }),
  rtType: field('ipv6.routing.type', 'Type', FT.UInt8, 'Which kind of routing header: 0 source route (deprecated), 2 Mobile IPv6, 4 segment routing.', { values: routingTypeNames }),
  rtSegleft: field('ipv6.routing.segleft', 'Segments Left', FT.UInt8, 'How many listed intermediate nodes the packet still has to visit.'),
  rtSrcReserved: field('ipv6.routing.src.reserved', 'Reserved', FT.Bytes, 'Four reserved bytes of a type 0 routing header, zero when sent.'),
  rtSrcAddr: field('ipv6.routing.src.addr', 'Address', FT.IPv6, 'An intermediate node a type 0 routing header sends the packet through.'),
  rtMipReserved: field('ipv6.routing.mipv6.reserved', 'Reserved', FT.Bytes, 'Four reserved bytes of a type 2 routing header, zero when sent.'),
  rtHomeAddress: field('ipv6.routing.mipv6.home_address', 'Home Address', FT.IPv6, 'The mobile node\'s home address: the final destination of a Mobile IPv6 packet sent to its care-of address.'),
  rtUnknown: field('ipv6.routing.unknown_data', 'Type-Specific Data', FT.Bytes, 'The rest of a routing header of a type vpnscope does not decode.'),
  fhNxt: field('ipv6.fraghdr.nxt', 'Next header', FT.UInt8, 'The protocol of the fragmentable part (and so of the reassembled payload).', { values: ipProtocolNames }),
  fhReservedOctet: field('ipv6.fraghdr.reserved_octet', 'Reserved octet', FT.UInt8, 'A reserved byte of the fragment header, zero when sent.', { base: 'hex' }),
  fhOffset: field('ipv6.fraghdr.offset', 'Offset', FT.UInt16, 'Where this fragment\'s data belongs in the original packet, in units of 8 bytes.', { bitmask: 0xfff8 }),
  fhReservedBits: field('ipv6.fraghdr.reserved_bits', 'Reserved bits', FT.UInt16, 'Two reserved bits of the fragment header, zero when sent.', { bitmask: 0x0006 }),
  fhMore: field('ipv6.fraghdr.more', 'More Fragments', FT.Bool, 'Set on every fragment but the last.', { bitmask: 0x0001, bitWidth: 16, trueFalse: ['Yes', 'No'] }),
  fhIdent: field('ipv6.fraghdr.ident', 'Identification', FT.UInt32, 'The number the source gave this packet so its fragments can be matched up.', { base: 'hex' }),

  fragments: field('ipv6.fragments', 'IPv6 Fragments', FT.None, 'The packet rebuilt from its fragments; the list below says which frame carried which bytes.'),
  fragment: field('ipv6.fragment', 'IPv6 Fragment', FT.FrameNum, 'A frame that carried one fragment of this packet.'),
  fragmentCount: field('ipv6.fragment.count', 'Fragment count', FT.UInt32, 'How many fragments the packet was rebuilt from.'),
  fragmentOverlap: field('ipv6.fragment.overlap', 'Fragment overlap', FT.Bool, 'A fragment covered bytes another fragment already carried; RFC 5722 says such packets must be dropped.', { trueFalse: ['True', 'False'] }),
  fragmentConflict: field('ipv6.fragment.overlap.conflict', 'Conflicting data in fragment overlap', FT.Bool, 'Overlapping fragments disagreed about the bytes they share.', { trueFalse: ['True', 'False'] }),
  fragmentMultipleTails: field('ipv6.fragment.multipletails', 'Multiple tail fragments found', FT.Bool, 'More than one fragment claimed to be the last, with different ends.', { trueFalse: ['True', 'False'] }),
  fragmentTooLong: field('ipv6.fragment.toolongfragment', 'Fragment too long', FT.Bool, 'A fragment carried data past the end of the packet, or past 65535 bytes.', { trueFalse: ['True', 'False'] }),
  reassembledIn: field('ipv6.reassembled.in', 'Reassembled IPv6 in frame', FT.FrameNum, 'The frame in which this fragment\'s packet was completed (known only when reading twice).'),
  reassembledLength: field('ipv6.reassembled.length', 'Reassembled IPv6 length', FT.UInt32, 'Bytes of payload in the rebuilt packet.'),
  reassembledData: field('ipv6.reassembled.data', 'Reassembled IPv6 data', FT.Bytes, 'The payload of the rebuilt packet.'),
};

const fragmentFields: FragmentFields = {
  fragments: hf.fragments, fragment: hf.fragment, count: hf.fragmentCount, length: hf.reassembledLength, data: hf.reassembledData,
  overlap: hf.fragmentOverlap, conflict: hf.fragmentConflict, multipleTails: hf.fragmentMultipleTails, tooLong: hf.fragmentTooLong,
};

/** Longer chains than this are hostile (RFC 8200 expects a handful); the walk stops and flags it. */
const MAX_EXTENSION_HEADERS = 32;

/** The short DSCP names Wireshark's IPv6 summary uses ("EF PHB", "CS0", "AF11"). */
function tclassSummary(tc: number): string {
  const dscp = tc >>> 2;
  let d: string;
  if (dscp === 46) d = 'EF PHB';
  else if (dscp === 44) d = 'VA';
  else if (dscp === 1) d = 'LE';
  else if ((dscp & 7) === 0) d = `CS${dscp >>> 3}`;
  else if ((dscp & 1) === 0 && dscp >>> 3 >= 1 && dscp >>> 3 <= 4) d = `AF${dscp >>> 3}${(dscp & 7) >>> 1}`;
  else d = 'Unknown';
  return `DSCP: ${d}, ECN: ${['Not-ECT', 'ECT(1)', 'ECT(0)', 'CE'][tc & 3]}`;
}

/** Per-packet state of the header walk. */
interface Walk {
  /** Where the final destination is (a routing header may name another one). */
  finalDst: Uint8Array | null;
  /** Jumbo payload length from a hop-by-hop option, or -1. */
  jumbo: number;
  /** The Payload Length node, where a jumbogram that does not fit is flagged. */
  plenNode: Node;
  /** Bytes the frame has after the fixed header. */
  available: number;
}

/**
 * An address whose interface identifier is an EUI-64 (bytes 11 and 12 are ff fe) was made from a MAC
 * address by stateless autoconfiguration: that MAC is shown, as tshark does (the universal/local bit
 * flipped back).
 */
function addSlaacMac(node: Node, buf: Buf, offset: number, address: Uint8Array, def: FieldDef): void {
  if (address[11] !== 0xff || address[12] !== 0xfe) return;
  const mac = Uint8Array.of(address[8]! ^ 0x02, address[9]!, address[10]!, address[13]!, address[14]!, address[15]!);
  node.addGenerated(def, mac, buf, offset + 8, 8);
  node.addHidden(hf.slaacMac, buf, offset + 8, 8, mac);
}

function dissectIpv6(buf: Buf, pkt: Packet, parent: Node, data?: unknown): void {
  const node = pkt.addLayer(ipv6, parent, buf, 0, 40);
  // The link layer's Info goes, as tshark clears it: a header cut short shows only the truncation.
  pkt.setInfo('');
  const word = buf.u32(0);
  const version = word >>> 28;
  const versionNode = node.add(hf.version, buf, 0, 1, version);
  if (node.real) node.addHidden(hf.ipVersion, buf, 0, 1, version);
  if (version !== 6) {
    pkt.addExpert(versionNode, Severity.Error, 'Malformed', 'Bogus IPv6 version', 'ipv6');
    pkt.setInfo(`Bogus IPv6 version (${version}, must be 6)`);
    return;
  }
  const tc = (word >>> 20) & 0xff;
  const tcNode = node.add(hf.tclass, buf, 0, 4, tc);
  if (tcNode.real) {
    tcNode.suffix = ` (${tclassSummary(tc)})`;
    tcNode.add(hf.dscp, buf, 0, 4, tc >>> 2);
    tcNode.add(hf.ecn, buf, 0, 4, tc & 3);
  }
  node.add(hf.flow, buf, 1, 3, word & 0xfffff);
  const plen = buf.u16(4);
  const plenNode = node.add(hf.plen, buf, 4, 2, plen);
  const nxt = buf.u8(6);
  node.add(hf.nxt, buf, 6, 1, nxt);
  const hlim = buf.u8(7);
  node.add(hf.hlim, buf, 7, 1, hlim);

  // The source is shown before the destination is read, so a header cut between them keeps it.
  const src = buf.bytesAt(8, 16);
  const srcText = ipv6ToString(src);
  node.add(hf.src, buf, 8, 16, src);
  if (node.real) {
    node.addHidden(hf.addr, buf, 8, 16, src);
    node.addHidden(hf.srcHost, buf, 8, 16, srcText);
    node.addHidden(hf.host, buf, 8, 16, srcText);
  }
  const dst = buf.bytesAt(24, 16);
  const dstText = ipv6ToString(dst);
  node.add(hf.dst, buf, 24, 16, dst);
  if (node.real) {
    node.addHidden(hf.addr, buf, 24, 16, dst);
    node.addHidden(hf.dstHost, buf, 24, 16, dstText);
    node.addHidden(hf.host, buf, 24, 16, dstText);
    addSlaacMac(node, buf, 8, src, hf.srcSlaacMac);
    addSlaacMac(node, buf, 24, dst, hf.dstSlaacMac);
  }
  const inError = pkt.inErrorPacket;
  if (!inError) {
    pkt.src = srcText;
    pkt.dst = dstText;
  }
  pkt.netSrc = srcText;
  pkt.netDst = dstText;
  pkt.netSrcBytes = src;
  pkt.netDstBytes = dst;

  // The payload: Payload Length bytes after the header, or (jumbogram, or a capture taken before TCP
  // segmentation offload filled it in) everything the frame has.
  const available = buf.reportedLength - 40;
  let claimed = plen;
  if (plen === 0) {
    claimed = Math.max(0, available);
    if (plenNode.real && nxt === 0) plenNode.suffix = ' (Jumbogram)';
  } else if (plen > available && !inError) {
    pkt.addExpert(plenNode, Severity.Warning, 'Protocol', `IPv6 payload length exceeds framing length (${Math.max(0, available)} bytes)`, 'ipv6');
  }
  const bound = data as EthertypePayload | undefined;
  if (plen !== 0 && plen <= available && bound !== undefined && typeof bound.actualLength === 'number') bound.actualLength = 40 + plen;

  let payload: Buf;
  if (inError) {
    payload = new Buf(buf.source, buf.start + Math.min(40, buf.length), Math.max(0, Math.min(buf.length - 40, claimed)), claimed);
    if (payload.length === 0) return;
  } else {
    payload = buf.sub(40, claimed);
  }
  const walk: Walk = { finalDst: null, jumbo: -1, plenNode, available };
  walkHeaders(payload, pkt, parent, node, nxt, hlim, walk, src, dst, 0);
}

/**
 * Follows the extension-header chain from `nxt` at the start of `buf`, then hands the rest to the
 * upper-layer protocol. `depth` counts headers over the whole packet, across reassembly.
 */
function walkHeaders(buf: Buf, pkt: Packet, parent: Node, ipNode: Node, nxt: number, hlim: number, walk: Walk, src: Uint8Array, dst: Uint8Array, depth: number): void {
  let off = 0;
  while (nxt === 0 || nxt === 43 || nxt === 44 || nxt === 60 || nxt === 51) {
    if (depth >= MAX_EXTENSION_HEADERS) {
      const n = ipNode.addText('Too many extension headers');
      pkt.addExpert(n, Severity.Error, 'Malformed', `More than ${MAX_EXTENSION_HEADERS} IPv6 extension headers: dissection stopped`, 'ipv6');
      dissectData(buf.sub(off), pkt, parent);
      return;
    }
    depth++;
    if (nxt === 44) {
      // A fragment header the capture cut is still named in frame.protocols, as in Wireshark.
      if (!buf.has(off, 8)) pkt.layers.push('ipv6.fraghdr');
      const next = buf.u8(off);
      const fo = buf.u16(off + 2);
      const ident = buf.u32(off + 4);
      const fnode = pkt.addLayer(fraghdr, ipNode, buf, off, 8);
      fnode.add(hf.fhNxt, buf, off, 1, next);
      fnode.add(hf.fhReservedOctet, buf, off + 1, 1, buf.u8(off + 1));
      const offsetNode = fnode.add(hf.fhOffset, buf, off + 2, 2, fo >>> 3);
      if (offsetNode.real) offsetNode.suffix = ` (${(fo >>> 3) * 8} bytes)`;
      fnode.add(hf.fhReservedBits, buf, off + 2, 2, (fo >>> 1) & 3);
      fnode.add(hf.fhMore, buf, off + 2, 2, (fo & 1) !== 0);
      fnode.add(hf.fhIdent, buf, off + 4, 4, ident);
      off += 8;
      const fragOffset = (fo >>> 3) * 8;
      const more = (fo & 1) !== 0;
      if (fragOffset === 0 && !more) {
        nxt = next; // an atomic fragment (RFC 6946): nothing to reassemble
        continue;
      }
      const rest = buf.sub(off);
      const defragment = !pkt.inErrorPacket && pkt.session.prefs[defragmentPref] !== 'FALSE' && rest.length === rest.reportedLength;
      if (defragment) {
        const reassembler = pkt.session.global('ipv6.reassembly', () => new Reassembler({ maxDatagram: 65535 }));
        const key = `${ipv6ToString(src)} ${ipv6ToString(dst)} ${ident}`;
        const r = reassembler.add(key, fragOffset, rest.bytesAt(0, rest.length), more, pkt.number, pkt.frame.seconds);
        if (r.problems) noteProblems(pkt, fnode, r.problems);
        if (r.datagram) {
          const datagram = pkt.newSource(r.datagram, `Reassembled IPv6 (${r.datagram.length} bytes)`);
          addFragmentList(ipNode, r, datagram, fragmentFields, 'IPv6');
          walkHeaders(datagram, pkt, parent, ipNode, next, hlim, walk, src, dst, depth);
          return;
        }
      }
      pkt.setInfo(`IPv6 fragment (off=${fragOffset} more=${more ? 'y' : 'n'} ident=${hex(ident >>> 0, 8)} nxt=${next})`);
      dissectData(rest, pkt, parent);
      return;
    }

    if (nxt === 51) {
      // IPsec's Authentication Header sits in the chain like an extension header, counted in 4-byte words.
      const anode = pkt.addLayer(ah, ipNode, buf, off, Math.min(buf.length - off, (buf.u8(off + 1) + 2) * 4));
      const next = buf.u8(off);
      const length = addAuthenticationHeader(buf, anode, off);
      buf.check(off, length);
      off += length;
      nxt = next;
      continue;
    }
    const next = buf.u8(off);
    const lenField = buf.u8(off + 1);
    const length = (lenField + 1) * 8;
    if (nxt === 43) {
      const rnode = pkt.addLayer(routing, ipNode, buf, off, length);
      dissectRouting(buf, pkt, rnode, off, next, lenField, length, walk);
    } else {
      const isHop = nxt === 0;
      const onode = pkt.addLayer(isHop ? hopopts : dstopts, ipNode, buf, off, length);
      onode.add(isHop ? hf.hopNxt : hf.dstNxt, buf, off, 1, next);
      onode.add(isHop ? hf.hopLen : hf.dstLen, buf, off + 1, 1, lenField);
      onode.addGenerated(isHop ? hf.hopLenOct : hf.dstLenOct, length);
      if (isHop && depth > 1) {
        pkt.addExpert(onode, Severity.Error, 'Malformed', 'IPv6 Hop-by-Hop extension header must appear immediately after IPv6 header', 'ipv6');
      }
      dissectTlvOptions(buf, pkt, onode, off + 2, off + length, walk);
    }
    buf.check(off, length);
    off += length;
    nxt = next;
  }

  if (walk.finalDst) {
    // A routing header still has hops to go: the real destination is its last address (Wireshark
    // shows it in the Destination column, and transport checksums use it).
    pkt.netDstBytes = walk.finalDst;
    const text = ipv6ToString(walk.finalDst);
    pkt.netDst = text;
    if (!pkt.inErrorPacket) pkt.dst = text;
  }
  const upper = buf.sub(off);
  if (nxt === 59) {
    pkt.setInfo('IPv6 no next header');
    dissectData(upper, pkt, parent);
    return;
  }
  const proto = pkt.session.lookup(table('ip.proto'), nxt);
  if (proto) {
    const info: IpPayloadInfo = { ttl: hlim };
    callDissector(proto, upper, pkt, parent, info);
    return;
  }
  pkt.setInfo(`${ipProtocolNames[nxt] ?? 'Unknown'} (${nxt})`);
  dissectData(upper, pkt, parent);
}

function noteProblems(pkt: Packet, node: Node, problems: number): void {
  if (problems & FragmentProblem.OverlapConflict) pkt.addExpert(node, Severity.Error, 'Reassemble', 'Overlapping fragments contained conflicting data', 'ipv6');
  else if (problems & FragmentProblem.Overlap) pkt.addExpert(node, Severity.Warning, 'Reassemble', 'Fragment overlaps with other fragments (duplicate or overlapping data)', 'ipv6');
  if (problems & FragmentProblem.MultipleTails) pkt.addExpert(node, Severity.Error, 'Reassemble', 'Several tails were found when defragmenting the packet', 'ipv6');
  if (problems & FragmentProblem.TooLong) pkt.addExpert(node, Severity.Error, 'Reassemble', 'Fragment contained data past end of packet', 'ipv6');
  if (problems & FragmentProblem.Error) pkt.addExpert(node, Severity.Error, 'Reassemble', 'Defragmentation error: the packet was given up', 'ipv6');
}

function dissectRouting(buf: Buf, pkt: Packet, node: Node, off: number, next: number, lenField: number, length: number, walk: Walk): void {
  node.add(hf.rtNxt, buf, off, 1, next);
  node.add(hf.rtLen, buf, off + 1, 1, lenField);
  node.addGenerated(hf.rtLenOct, length);
  const type = buf.u8(off + 2);
  const typeNode = node.add(hf.rtType, buf, off + 2, 1, type);
  const segleft = buf.u8(off + 3);
  node.add(hf.rtSegleft, buf, off + 3, 1, segleft);
  if (type === 0) {
    pkt.addExpert(typeNode, Severity.Note, 'Deprecated', 'Routing header type is deprecated', 'ipv6');
    node.add(hf.rtSrcReserved, buf, off + 4, 4, buf.bytesAt(off + 4, 4));
    let last: Uint8Array | null = null;
    for (let a = 8, i = 1; a + 16 <= length; a += 16, i++) {
      last = buf.bytesAt(off + a, 16);
      const n = node.add(hf.rtSrcAddr, buf, off + a, 16, last);
      if (n.real) n.text = `Address[${i}]: ${ipv6ToString(last)}`;
    }
    if (segleft > 0 && last) walk.finalDst = last;
  } else if (type === 2) {
    node.add(hf.rtMipReserved, buf, off + 4, 4, buf.bytesAt(off + 4, 4));
    const home = buf.bytesAt(off + 8, 16);
    node.add(hf.rtHomeAddress, buf, off + 8, 16, home);
    if (segleft > 0) walk.finalDst = home;
  } else if (length > 4) {
    node.add(hf.rtUnknown, buf, off + 4, length - 4, buf.bytesAt(off + 4, length - 4));
  }
}

/** Type-length-value options of hop-by-hop and destination options headers, in [start, end). */
function dissectTlvOptions(buf: Buf, pkt: Packet, node: Node, start: number, end: number, walk: Walk): void {
  let off = start;
  while (off < end) {
    const type = buf.u8(off);
    if (type === 0) {
      const n = node.add(hf.opt, buf, off, 1);
      if (n.real) {
        n.text = 'Pad1';
        addOptionType(n, buf, off, type);
        n.add(hf.optPad1, buf, off, 1);
      }
      off++;
      continue;
    }
    const len = buf.u8(off + 1);
    if (off + 2 + len > end) {
      const n = node.add(hf.opt, buf, off, end - off);
      pkt.addExpert(n, Severity.Error, 'Malformed', 'Invalid IPv6 option length: the option runs past the end of its header', 'ipv6');
      return;
    }
    const n = node.add(hf.opt, buf, off, 2 + len);
    if (n.real) {
      n.text = optionTypeNames[type] ?? `Unknown IPv6 Option (${hex(type, 2)})`;
      addOptionType(n, buf, off, type);
      n.add(hf.optLength, buf, off + 1, 1, len);
    }
    const v = off + 2;
    if (type === 1) {
      n.add(hf.optPadn, buf, v, len, buf.bytesAt(v, len));
    } else if (type === 5 && len === 2) {
      n.add(hf.optRouterAlert, buf, v, 2, buf.u16(v));
    } else if (type === 4 && len === 1) {
      n.add(hf.optTel, buf, v, 1, buf.u8(v));
    } else if (type === 0xc2 && len === 4) {
      walk.jumbo = buf.u32(v);
      n.add(hf.optJumbo, buf, v, 4, walk.jumbo);
      if (walk.jumbo > walk.available && !pkt.inErrorPacket) {
        pkt.addExpert(walk.plenNode, Severity.Warning, 'Protocol', `IPv6 payload length exceeds framing length (${Math.max(0, walk.available)} bytes)`, 'ipv6');
      }
    } else if (len > 0) {
      n.add(hf.optUnknown, buf, v, len, buf.bytesAt(v, len));
    }
    off += 2 + len;
  }
}

function addOptionType(n: Node, buf: Buf, off: number, type: number): void {
  const t = n.add(hf.optType, buf, off, 1, type);
  t.add(hf.optAction, buf, off, 1, type >>> 6);
  t.add(hf.optChange, buf, off, 1, (type & 0x20) !== 0);
  t.add(hf.optRest, buf, off, 1, type & 0x1f);
}

export const ipv6 = protocol('ipv6', 'Internet Protocol Version 6', 'IPv6',
  'The successor of IPv4: 128-bit addresses, a fixed 40-byte header and a chain of optional extension headers.',
  dissectIpv6, (n) => {
    const s = n.childValue(hf.src);
    const d = n.childValue(hf.dst);
    return s === undefined || d === undefined ? 'Internet Protocol Version 6' : `Internet Protocol Version 6, Src: ${ipv6ToString(s as Uint8Array)}, Dst: ${ipv6ToString(d as Uint8Array)}`;
  });

const extension = (abbrev: string, name: string, description: string, label?: (n: Node) => string) =>
  // The IPv6 dissector walks the chain itself (bounded); these protocols name the layers. Called on
  // their own (decode-as), they show the bytes as data.
  protocol(abbrev, name, 'IPv6', description, dissectData, label);

const hopopts = extension('ipv6.hopopts', 'IPv6 Hop-by-Hop Option', 'An IPv6 extension header of options every router on the path must examine (router alert, jumbo payload length).');
const routing = extension('ipv6.routing', 'Routing Header for IPv6', 'An IPv6 extension header listing nodes the packet must visit on its way (source routing, Mobile IPv6, segment routing).',
  (n) => {
    const t = n.childValue(hf.rtType) as number | undefined;
    return t === undefined ? 'Routing Header for IPv6' : `Routing Header for IPv6 (${routingTypeNames[t as keyof typeof routingTypeNames] ?? 'Unknown'})`;
  });
const fraghdr = extension('ipv6.fraghdr', 'Fragment Header for IPv6', 'An IPv6 extension header that marks one fragment of a packet the source split because the path MTU was too small.');
const dstopts = extension('ipv6.dstopts', 'Destination Options for IPv6', 'An IPv6 extension header of options only the destination examines.');

export function register(): void {
  table('ethertype').add(0x86dd, ipv6);
  table('null.type').add(24, ipv6).add(28, ipv6).add(30, ipv6);
  table('link_type').add(229, ipv6);
  table('ip.proto').add(41, ipv6);
}
