/**
 * IPv4 — RFC 791 (header, options, fragmentation), RFC 2474/3168 (DS field: DSCP and ECN),
 * RFC 6864 (the Identification field).
 *
 *   0       4       8               16    19                        31
 *  +-------+-------+---------------+-------------------------------+
 *  |Version|  IHL  | DSCP      |ECN|         Total Length          |
 *  +-------+-------+---------------+-----+-------------------------+
 *  |        Identification         |Flags|    Fragment Offset      |
 *  +---------------+---------------+-----+-------------------------+
 *  |  Time to Live |   Protocol    |        Header Checksum        |
 *  +---------------+---------------+-------------------------------+
 *  |                        Source Address                         |
 *  |                      Destination Address                      |
 *  +---------------------------------------------------------------+
 *  |                 Options (IHL > 5), then payload               |
 *
 * IHL counts 32-bit words (5 = 20 bytes, no options). Total Length covers header and payload, so it
 * bounds the payload: bytes after it in the frame are Ethernet padding. Flags: reserved, DF (don't
 * fragment), MF (more fragments); the offset counts 8-byte units. Fragments are put back together by
 * engine/fragments.ts and the datagram is dissected in the frame that completes it.
 *
 * The header checksum is verified (Wireshark leaves it unverified by default; `-o
 * ip.check_checksum:FALSE` does the same here), because a student should see a corrupted header.
 */
import { FT, field, type FieldDef } from '../engine/fields.js';
import { protocol, table, callDissector, dissectData, findProtocol } from '../engine/dispatch.js';
import { Buf } from '../engine/buf.js';
import type { Packet } from '../engine/packet.js';
import { type Node, NodeFlag, Severity } from '../engine/tree.js';
import { bitPattern, hex, ipv4ToString } from '../engine/format.js';
import { ipv4Text } from '../engine/addrtext.js';
import { Reassembler, FragmentProblem, type FragmentResult } from '../engine/fragments.js';
import { checksumStatusField, ChecksumStatus, checksumRange } from './checksum.js';
import type { EthertypePayload } from './eth.js';
import { preference } from '../engine/prefs.js';

const checkChecksumPref = preference('ip.check_checksum', 'bool', 'FALSE: do not verify IPv4 header checksums (they are verified by default).');
const defragmentPref = preference('ip.defragment', 'bool', 'FALSE: do not put fragmented IPv4 datagrams back together.');

/** What IPv4 and IPv6 hand to the protocol they carry, as `data` (ICMP shows the TTL in its Info). */
export interface IpPayloadInfo {
  /** IPv4 time to live or IPv6 hop limit of the enclosing header. */
  ttl: number;
  /**
   * The payload is the first fragment of a datagram that was not reassembled: only part of what the
   * transport header describes (its lengths are the whole datagram's).
   */
  fragmented?: boolean;
}

/** IP protocol numbers (IANA "Assigned Internet Protocol Numbers"), shared with IPv6 next headers. */
export const ipProtocolNames: Record<number, string> = {
  0: 'IPv6 Hop-by-Hop Option',
  1: 'ICMP',
  2: 'IGMP',
  3: 'GGP',
  4: 'IPIP',
  5: 'Stream',
  6: 'TCP',
  8: 'EGP',
  9: 'IGRP',
  17: 'UDP',
  27: 'Reliable Data',
  29: 'ISO TP4',
  33: 'Datagram Congestion Control Protocol',
  41: 'IPv6',
  43: 'Routing Header for IPv6',
  44: 'Fragment Header for IPv6',
  46: 'Reservation Protocol',
  47: 'Generic Routing Encapsulation',
  50: 'Encap Security Payload',
  51: 'Authentication Header',
  55: 'IP Mobility',
  58: 'ICMPv6',
  59: 'No Next Header for IPv6',
  60: 'Destination Options for IPv6',
  88: 'EIGRP',
  89: 'OSPF IGP',
  94: 'IP in IP',
  97: 'Ether in IP',
  98: 'ENCAP',
  103: 'PIM',
  108: 'IPComp',
  112: 'VRRP',
  113: 'PGM',
  115: 'Layer 2 Tunneling',
  124: 'ISIS over IP',
  132: 'SCTP',
  135: 'Mobile IPv6',
  136: 'UDPLite',
  137: 'MPLS in IP',
  139: 'HIP',
  140: 'Shim6 header',
  141: 'WESP',
  142: 'ROHC',
  143: 'Ethernet',
};

/** DSCP names (RFC 2474 class selectors, RFC 2597 assured forwarding, RFC 3246 EF, RFC 5865, RFC 8622). */
export const dscpNames: Record<number, string> = {
  0: 'Default', 1: 'Lower Effort', 8: 'Class Selector 1', 10: 'Assured Forwarding 11', 12: 'Assured Forwarding 12',
  14: 'Assured Forwarding 13', 16: 'Class Selector 2', 18: 'Assured Forwarding 21', 20: 'Assured Forwarding 22',
  22: 'Assured Forwarding 23', 24: 'Class Selector 3', 26: 'Assured Forwarding 31', 28: 'Assured Forwarding 32',
  30: 'Assured Forwarding 33', 32: 'Class Selector 4', 34: 'Assured Forwarding 41', 36: 'Assured Forwarding 42',
  38: 'Assured Forwarding 43', 40: 'Class Selector 5', 44: 'Voice Admit', 46: 'Expedited Forwarding',
  48: 'Class Selector 6', 56: 'Class Selector 7',
};

export const ecnNames: Record<number, string> = {
  0: 'Not ECN-Capable Transport',
  1: "ECN-Capable Transport codepoint '01'",
  2: "ECN-Capable Transport codepoint '10'",
  3: 'Congestion Experienced',
};

/** The short "DSCP: EF, ECN: ECT(1)" form Wireshark shows beside a DS field or traffic class. */
export function dsSummary(ds: number): string {
  const dscp = ds >>> 2;
  let d: string;
  if (dscp === 46) d = 'EF';
  else if (dscp === 44) d = 'VA';
  else if (dscp === 1) d = 'LE';
  else if ((dscp & 7) === 0) d = `CS${dscp >>> 3}`;
  else if ((dscp & 1) === 0 && (dscp & 7) <= 6 && dscp >>> 3 >= 1 && dscp >>> 3 <= 4) d = `AF${dscp >>> 3}${(dscp & 7) >>> 1}`;
  else d = 'Unknown';
  const e = ['Not-ECT', 'ECT(1)', 'ECT(0)', 'CE'][ds & 3];
  return `DSCP: ${d}, ECN: ${e}`;
}

const optionNumberNames = {
  0: 'End of Option List (EOL)', 1: 'No-Operation (NOP)', 2: 'Security', 3: 'Loose source route', 4: 'Time stamp',
  5: 'Extended security', 6: 'Commercial IP security option', 7: 'Record route', 8: 'Stream identifier', 9: 'Strict source route',
  10: 'Experimental Measurement', 11: 'MTU probe', 12: 'MTU Reply', 13: 'Experimental Flow Control', 14: 'Experimental Access Control',
  15: 'Ask Estrin', 16: 'IMI Traffic Descriptor', 17: 'Extended Internet Protocol', 18: 'Traceroute', 19: 'Address Extension',
  20: 'Router Alert', 21: 'Selective Directed Broadcast', 23: 'Dynamic Packet State', 24: 'Upstream Multicast Packet',
  25: 'Quick-Start', 30: 'RFC 3692-style experiment',
};

const hf = {
  version: field('ip.version', 'Version', FT.UInt8, 'The IP version: 4 here. A receiver reads this first to know how to parse the rest.', { bitmask: 0xf0 }),
  hdrLen: field('ip.hdr_len', 'Header Length', FT.UInt8, 'Length of the IPv4 header in bytes: the 4-bit IHL field times 4, so 20 without options and at most 60.', { unit: ' bytes' }),
  dsfield: field('ip.dsfield', 'Differentiated Services Field', FT.UInt8, 'The byte that once was Type of Service: 6 bits of DSCP for queueing priority and 2 bits of ECN for congestion signals.', { base: 'hex' }),
  dscp: field('ip.dsfield.dscp', 'Differentiated Services Codepoint', FT.UInt8, 'The traffic class a network may use to prioritise the packet (46, Expedited Forwarding, for voice; 0 for ordinary traffic).', { bitmask: 0xfc, values: dscpNames }),
  ecn: field('ip.dsfield.ecn', 'Explicit Congestion Notification', FT.UInt8, 'Whether the endpoints understand ECN, and whether a router marked the packet to say it is congested instead of dropping it.', { bitmask: 0x03, values: ecnNames }),
  len: field('ip.len', 'Total Length', FT.UInt16, 'Bytes in the whole datagram, header included; anything after this in the frame is padding.'),
  id: field('ip.id', 'Identification', FT.UInt16, 'A number the sender gives each datagram so that its fragments can be matched up for reassembly.', { base: 'hex_dec' }),
  flags: field('ip.flags', 'Flags', FT.UInt8, 'Three fragmentation flags: reserved, Don\'t Fragment and More Fragments.', { base: 'hex', bitmask: 0xe0 }),
  rb: field('ip.flags.rb', 'Reserved bit', FT.Bool, 'A bit that must be zero (RFC 3514\'s "evil bit" is a joke about it).', { bitmask: 0x80, bitWidth: 8 }),
  df: field('ip.flags.df', 'Don\'t fragment', FT.Bool, 'Routers must not split this datagram; if it is too big for a link they drop it and send an ICMP error (used for path MTU discovery).', { bitmask: 0x40, bitWidth: 8 }),
  mf: field('ip.flags.mf', 'More fragments', FT.Bool, 'Set on every fragment except the last one of a split datagram.', { bitmask: 0x20, bitWidth: 8 }),
  fragOffset: field('ip.frag_offset', 'Fragment Offset', FT.UInt16, 'Where this fragment\'s data belongs in the original datagram, in units of 8 bytes (shown multiplied out).', { bitmask: 0x1fff, bitWidth: 16 }),
  ttl: field('ip.ttl', 'Time to Live', FT.UInt8, 'How many more routers may forward the datagram; each one subtracts 1 and discards it at 0, which stops routing loops (traceroute uses this).'),
  ttlLncb: field('ip.ttl.lncb', 'Time To Live != 1 for a packet sent to the Local Network Control Block', FT.None,
    'Packets to 224.0.0.0/24 must not leave the link, so they are sent with a TTL of 1 (255 for VRRP, GLBP and mDNS, whose receivers check it).'),
  ttlTooSmall: field('ip.ttl.too_small', 'Time To Live only', FT.None,
    'A unicast packet with a TTL under 5: it will die within a few routers, as traceroute probes and some tunnels intend and misconfigured hosts do not.'),
  proto: field('ip.proto', 'Protocol', FT.UInt8, 'Which protocol the payload carries: 1 is ICMP, 6 TCP, 17 UDP and 50 ESP, for example.', { values: ipProtocolNames }),
  checksum: field('ip.checksum', 'Header Checksum', FT.UInt16, 'A one\'s-complement sum over the header only (not the data), recomputed by every router because the TTL changes.', { base: 'hex' }),
  checksumCalculated: field('ip.checksum_calculated', 'Calculated Checksum', FT.UInt16, 'The header checksum vpnscope computed from the received header; it should equal the checksum field.', { base: 'hex' }),
  src: field('ip.src', 'Source Address', FT.IPv4, 'The IPv4 address of the host that sent the datagram.'),
  dst: field('ip.dst', 'Destination Address', FT.IPv4, 'The IPv4 address of the host the datagram is for.'),
  addr: field('ip.addr', 'Source or Destination Address', FT.IPv4, 'Either address of the datagram: a filter on ip.addr matches traffic in both directions.'),
  srcHost: field('ip.src_host', 'Source Host', FT.String, 'The source address as text (a host name when name resolution is on).'),
  dstHost: field('ip.dst_host', 'Destination Host', FT.String, 'The destination address as text (a host name when name resolution is on).'),
  host: field('ip.host', 'Source or Destination Host', FT.String, 'Either address as text, for filters that match both directions.'),

  optType: field('ip.opt.type', 'Type', FT.UInt8, 'The option type byte: a copy flag, a 2-bit class and a 5-bit option number.'),
  optCopy: field('ip.opt.type.copy', 'Copy on fragmentation', FT.Bool, 'Whether routers must copy this option into every fragment when they split the datagram.', { bitmask: 0x80, bitWidth: 8, trueFalse: ['Yes', 'No'] }),
  optClass: field('ip.opt.type.class', 'Class', FT.UInt8, 'The option class: 0 control, 2 debugging and measurement.', { bitmask: 0x60, values: { 0: 'Control', 1: 'Reserved for future use', 2: 'Debugging and measurement', 3: 'Reserved for future use' } }),
  optNumber: field('ip.opt.type.number', 'Number', FT.UInt8, 'Which option this is within its class (7 record route, 4 time stamp, 20 router alert…).', { bitmask: 0x1f, values: optionNumberNames }),
  optLen: field('ip.opt.len', 'Length', FT.UInt8, 'Bytes in this option, counting its type and length bytes.'),
  optPtr: field('ip.opt.ptr', 'Pointer', FT.UInt8, 'The byte (counted from the start of the option, from 1) where the next address or time stamp goes.'),
  recRt: field('ip.rec_rt', 'Recorded Route', FT.IPv4, 'An address a router along the path has already filled in.'),
  emptyRt: field('ip.empty_rt', 'Empty Route', FT.IPv4, 'A slot for an address that no router has filled in yet.'),
  curRt: field('ip.cur_rt', 'Current Route', FT.IPv4, 'The next hop of a source-routed datagram: the header\'s destination field, while the real destination is the route\'s last address.'),
  srcRt: field('ip.src_rt', 'Source Route', FT.IPv4, 'An address the sender asked the datagram to pass through (source routing, long disabled on the Internet).'),
  optSid: field('ip.opt.sid', 'Stream Identifier', FT.UInt16, 'The SATNET stream identifier of an obsolete option (RFC 791).'),
  optMtu: field('ip.opt.mtu', 'MTU', FT.UInt16, 'The path MTU carried by the obsolete MTU probe and reply options (RFC 1063).'),
  optIdNumber: field('ip.opt.id_number', 'ID Number', FT.UInt16, 'The identifier of an IP traceroute option (RFC 1393).'),
  optOhc: field('ip.opt.ohc', 'Outbound Hop Count', FT.UInt16, 'Routers the outbound traceroute-option datagram has passed (RFC 1393).'),
  optRhc: field('ip.opt.rhc', 'Return Hop Count', FT.UInt16, 'Routers the return traceroute-option datagram has passed (RFC 1393).'),
  optOriginator: field('ip.opt.originator', 'Originator IP Address', FT.IPv4, 'The host that started the traceroute-option measurement (RFC 1393).'),
  optRa: field('ip.opt.ra', 'Router Alert', FT.UInt16, 'Asks every router on the path to look inside the datagram (IGMP and RSVP use it); 0 means "router shall examine packet" (RFC 2113).', { values: { 0: 'Router shall examine packet' } }),
  optOverflow: field('ip.opt.overflow', 'Overflow', FT.UInt8, 'How many routers could not add a time stamp because the option was full.', { bitmask: 0xf0 }),
  optFlag: field('ip.opt.flag', 'Flag', FT.UInt8, 'What the time stamp option records: time stamps only, or address and time stamp pairs.', { base: 'hex', bitmask: 0x0f, values: { 0: 'Time stamps only', 1: 'Time stamp and address', 3: 'Time stamps for prespecified addresses' } }),
  optTimeStamp: field('ip.opt.time_stamp', 'Time stamp', FT.UInt32, 'Milliseconds since midnight UTC when a router handled the datagram.'),
  optTimeStampAddr: field('ip.opt.time_stamp_addr', 'Address', FT.IPv4, 'The router that recorded the time stamp that follows.'),

  fragments: field('ip.fragments', 'IPv4 Fragments', FT.Bytes, 'The datagram rebuilt from its fragments; the list below says which frame carried which bytes.'),
  fragment: field('ip.fragment', 'IPv4 Fragment', FT.FrameNum, 'A frame that carried one fragment of this datagram.'),
  fragmentCount: field('ip.fragment.count', 'Fragment count', FT.UInt32, 'How many fragments the datagram was rebuilt from.'),
  fragmentOverlap: field('ip.fragment.overlap', 'Fragment overlap', FT.Bool, 'A fragment covered bytes another fragment already carried (a duplicate, or an overlap attack).', { trueFalse: ['True', 'False'] }),
  fragmentConflict: field('ip.fragment.overlap.conflict', 'Conflicting data in fragment overlap', FT.Bool, 'Overlapping fragments disagreed about the bytes they share; receivers may rebuild different datagrams.', { trueFalse: ['True', 'False'] }),
  fragmentMultipleTails: field('ip.fragment.multipletails', 'Multiple tail fragments found', FT.Bool, 'More than one fragment claimed to be the last, with different ends.', { trueFalse: ['True', 'False'] }),
  fragmentTooLong: field('ip.fragment.toolongfragment', 'Fragment too long', FT.Bool, 'A fragment carried data past the end of the datagram, or past the largest datagram IPv4 allows.', { trueFalse: ['True', 'False'] }),
  fragmentError: field('ip.fragment.error', 'Defragmentation error', FT.FrameNum, 'The frame whose fragment made reassembly fail.'),
  reassembledIn: field('ip.reassembled_in', 'Reassembled IPv4 in frame', FT.FrameNum, 'The frame in which this fragment\'s datagram was completed (known only when reading twice).'),
  reassembledLength: field('ip.reassembled.length', 'Reassembled IPv4 length', FT.UInt32, 'Bytes of payload in the rebuilt datagram.'),
  reassembledData: field('ip.reassembled.data', 'Reassembled IPv4 data', FT.Bytes, 'The payload of the rebuilt datagram.'),
};

/** Option names as the option header line shows them ("IP Option - Record Route (11 bytes)"). */
const optionTitles: Record<number, string> = {
  0: 'End of Options List (EOL)',
  1: 'No-Operation (NOP)',
  7: 'Record Route',
  68: 'Time Stamp',
  82: 'Traceroute',
  130: 'Security',
  131: 'Loose Source Route',
  133: 'Extended Security',
  134: 'Commercial IP Security Option',
  136: 'Stream ID',
  137: 'Strict Source Route',
  148: 'Router Alert',
  11: 'MTU Probe',
  12: 'MTU Reply',
  25: 'Quick-Start',
  149: 'Selective Directed Broadcast',
};

/** Fixed lengths of options that have one (RFC 791, 1063, 1393, 2113). */
const fixedOptionLength: Record<number, number> = { 136: 4, 148: 4, 11: 4, 12: 4, 82: 12, 130: 11 };

const IP_MAX_DATAGRAM = 65535;

function optionTitle(type: number): string {
  return optionTitles[type] ?? `Unknown (${hex(type, 2)})`;
}

function addOptionType(node: Node, buf: Buf, off: number, type: number): void {
  if (!node.real) return;
  const t = node.add(hf.optType, buf, off, 1, type);
  t.add(hf.optCopy, buf, off, 1, (type & 0x80) !== 0);
  t.add(hf.optClass, buf, off, 1, (type >>> 5) & 3);
  t.add(hf.optNumber, buf, off, 1, type & 0x1f);
}

/** Each option's line as its own field holding the option's bytes: tshark's JSON keys options by these. */
const optionLine = (abbrev: string, title: string, description: string) => field(abbrev, `IP Option - ${title}`, FT.Bytes, description);
const optionFields: Record<number, FieldDef> = {
  0: optionLine('ip.options.eol', 'End of Options List (EOL)', 'Ends the option list; the rest of the header is padding.'),
  1: optionLine('ip.options.nop', 'No-Operation (NOP)', 'A one-byte filler that aligns the next option.'),
  7: optionLine('ip.options.record_route', 'Record Route', 'Asks each router on the way to write its address into the header.'),
  68: optionLine('ip.options.timestamp', 'Time Stamp', 'Asks routers on the way to record when (and where) they forwarded the datagram.'),
  82: optionLine('ip.options.traceroute', 'Traceroute', 'RFC 1393\'s traceroute option: routers report back without the probe expiring.'),
  130: optionLine('ip.options.security', 'Security', 'RFC 1108\'s military security classification of the datagram.'),
  131: optionLine('ip.options.route', 'Loose Source Route', 'A list of routers the datagram must pass through, in order, with any routers between them.'),
  133: optionLine('ip.options.ext_security', 'Extended Security', 'Additional security information beyond the basic security option.'),
  134: optionLine('ip.options.cipso', 'Commercial Security', 'CIPSO: a security label (domain of interpretation and tags) for labelled networking.'),
  136: optionLine('ip.options.sid', 'Stream ID', 'An obsolete SATNET stream identifier.'),
  137: optionLine('ip.options.source_route', 'Strict Source Route', 'The exact list of routers the datagram must pass through, with no others between.'),
  148: optionLine('ip.options.routeralert', 'Router Alert', 'Asks every router on the path to look at the datagram even though it is not addressed to it (IGMP, RSVP).'),
  149: optionLine('ip.options.sdb', 'Selective Directed Broadcast', 'Names the hosts of a directed broadcast that should receive the datagram.'),
  11: optionLine('ip.options.mtu_probe', 'MTU Probe', 'RFC 1063\'s obsolete path-MTU probe: routers lower the value to their MTU.'),
  12: optionLine('ip.options.mtu_reply', 'MTU Reply', 'RFC 1063\'s obsolete answer to an MTU probe.'),
  25: optionLine('ip.options.qs', 'Quick-Start', 'RFC 4782: asks the routers on the path to approve a higher initial sending rate.'),
};

/** Walks the options in [20, headerLength); every length is checked before use, and the walk always advances. */
function dissectOptions(buf: Buf, pkt: Packet, ipNode: Node, headerLength: number): void {
  const optionsNode = ipNode.addText(`Options: (${headerLength - 20} bytes)`, buf, 20, headerLength - 20);
  let names = '';
  let off = 20;
  let nops = 0;
  while (off < headerLength) {
    const type = buf.u8(off);
    if (type === 0 || type === 1) {
      nops = type === 1 ? nops + 1 : 0;
      if (nops === 4) pkt.addExpert(optionsNode, Severity.Warning, 'Protocol', '4 NOP in a row - a router may have removed some options', 'ip');
      const n = optionsNode.add(optionFields[type]!, buf, off, 1, buf.bytesAt(off, 1));
      if (n.real) n.text = `IP Option - ${optionTitle(type)}`;
      addOptionType(n, buf, off, type);
      off++;
      if (type === 0) break;
      continue;
    }
    nops = 0;
    const title = optionTitle(type);
    if (off + 1 >= headerLength) {
      const n = optionsNode.addText(`${title} (length byte past end of options)`, buf, off, 1);
      pkt.addExpert(n, Severity.Warning, 'Protocol', `${title} (length byte past end of options)`, 'ip');
      break;
    }
    const len = buf.u8(off + 1);
    const fixed = fixedOptionLength[type];
    if (len < 2 || (fixed !== undefined && len !== fixed)) {
      const text = len < 2
        ? `${title} (with too-short option length = ${len} byte${len === 1 ? '' : 's'})`
        : `${title} (with option length = ${len} byte${len === 1 ? '' : 's'}; should be ${fixed})`;
      const n = optionsNode.addText(text, buf, off, 2);
      pkt.addExpert(n, Severity.Warning, 'Protocol', text, 'ip');
      break;
    }
    if (off + len > headerLength) {
      const text = `${title} (option length = ${len} bytes says option goes past end of options)`;
      const n = optionsNode.addText(text, buf, off, headerLength - off);
      pkt.addExpert(n, Severity.Warning, 'Protocol', text, 'ip');
      break;
    }
    if (optionTitles[type] === undefined) {
      optionsNode.addText(`${title} (${len} bytes)`, buf, off, len);
      off += len;
      continue;
    }
    if (optionsNode.real) names += `, ${title}`;
    const def = optionFields[type];
    const n = def ? optionsNode.add(def, buf, off, len, buf.bytesAt(off, len)) : optionsNode.addText('', buf, off, len);
    if (n.real) n.text = `IP Option - ${title} (${len} bytes)`;
    addOptionType(n, buf, off, type);
    n.add(hf.optLen, buf, off + 1, 1, len);
    dissectOptionBody(buf, pkt, n, off, len, type);
    off += len;
  }
  if (names && optionsNode.real) optionsNode.text += names;
}

function dissectOptionBody(buf: Buf, pkt: Packet, n: Node, off: number, len: number, type: number): void {
  switch (type) {
    case 7: // record route
    case 131: // loose source route
    case 137: { // strict source route
      if (len < 3) return;
      const ptr = buf.u8(off + 2);
      const ptrNode = n.add(hf.optPtr, buf, off + 2, 1, ptr);
      if (ptr < 4) pkt.addExpert(ptrNode, Severity.Warning, 'Protocol', 'Pointer points before first address', 'ip');
      else if ((ptr - 4) % 4 !== 0) pkt.addExpert(ptrNode, Severity.Warning, 'Protocol', 'Pointer points to middle of address', 'ip');
      if (ptr < 4 || (ptr - 4) % 4 !== 0) return;
      for (let a = 3; a + 4 <= len; a += 4) {
        const value = buf.u32(off + a);
        const recorded = a + 1 < ptr;
        const isFinal = type !== 7 && !recorded && a + 4 === len && a + 4 > 3;
        const f = recorded ? hf.recRt : type === 7 ? hf.emptyRt : isFinal ? hf.dst : hf.srcRt;
        const an = n.add(f, buf, off + a, 4, value);
        if (a + 1 === ptr) an.suffix = ' <- (next)';
      }
      return;
    }
    case 68: { // time stamp
      if (len < 4) return;
      const ptr = buf.u8(off + 2);
      n.add(hf.optPtr, buf, off + 2, 1, ptr);
      const of = buf.u8(off + 3);
      n.add(hf.optOverflow, buf, off + 3, 1, of >>> 4);
      const flag = of & 0x0f;
      n.add(hf.optFlag, buf, off + 3, 1, flag);
      const withAddress = flag === 1 || flag === 3;
      for (let a = 4; a + (withAddress ? 8 : 4) <= len; a += withAddress ? 8 : 4) {
        if (withAddress) {
          n.add(hf.optTimeStampAddr, buf, off + a, 4, buf.u32(off + a));
          n.add(hf.optTimeStamp, buf, off + a + 4, 4, buf.u32(off + a + 4));
        } else {
          n.add(hf.optTimeStamp, buf, off + a, 4, buf.u32(off + a));
        }
      }
      return;
    }
    case 148:
      n.add(hf.optRa, buf, off + 2, 2, buf.u16(off + 2));
      return;
    case 136:
      n.add(hf.optSid, buf, off + 2, 2, buf.u16(off + 2));
      return;
    case 11:
    case 12:
      n.add(hf.optMtu, buf, off + 2, 2, buf.u16(off + 2));
      return;
    case 82:
      n.add(hf.optIdNumber, buf, off + 2, 2, buf.u16(off + 2));
      n.add(hf.optOhc, buf, off + 4, 2, buf.u16(off + 4));
      n.add(hf.optRhc, buf, off + 6, 2, buf.u16(off + 6));
      n.add(hf.optOriginator, buf, off + 8, 4, buf.u32(off + 8));
      return;
  }
}

/**
 * Offset of the final address of a loose or strict source route that still has hops to go, or -1.
 * A quick pre-scan with the same length checks as the full option walk.
 */
function findSourceRouteEnd(buf: Buf, headerLength: number): number {
  let off = 20;
  while (off < headerLength) {
    const type = buf.u8(off);
    if (type === 0) return -1;
    if (type === 1) {
      off++;
      continue;
    }
    if (off + 1 >= headerLength) return -1;
    const len = buf.u8(off + 1);
    if (len < 2 || off + len > headerLength) return -1;
    if ((type === 131 || type === 137) && len >= 7) {
      const ptr = buf.u8(off + 2);
      if (ptr >= 4 && (ptr - 4) % 4 === 0 && ptr <= len) return off + 3 + Math.floor((len - 3) / 4) * 4 - 4;
    }
    off += len;
  }
  return -1;
}

/** The TTL expected for a 224.0.0.0/24 group: 255 for VRRP, GLBP and mDNS, any for LLMNR (-1), else 1. */
function localControlBlockTtl(group: number): number {
  switch (group & 0xff) {
    case 18: // VRRP, RFC 3768
    case 102: // GLBP
    case 251: // mDNS, RFC 6762
      return 255;
    case 252: // LLMNR, RFC 4795
      return -1;
    default:
      return 1;
  }
}

function isMulticast(addr: number): boolean {
  return addr >>> 28 === 0xe;
}

/** Flags a fragment's reassembly problems on the IP node (Wireshark shows them in the fragment list). */
function noteFragmentProblems(pkt: Packet, node: Node, problems: number): void {
  if (problems & FragmentProblem.OverlapConflict) pkt.addExpert(node, Severity.Error, 'Reassemble', 'Overlapping fragments contained conflicting data', 'ip');
  else if (problems & FragmentProblem.Overlap) pkt.addExpert(node, Severity.Warning, 'Reassemble', 'Fragment overlaps with other fragments (duplicate or overlapping data)', 'ip');
  if (problems & FragmentProblem.MultipleTails) pkt.addExpert(node, Severity.Error, 'Reassemble', 'Several tails were found when defragmenting the packet', 'ip');
  if (problems & FragmentProblem.TooLong) pkt.addExpert(node, Severity.Error, 'Reassemble', 'Fragment contained data past end of packet', 'ip');
  if (problems & FragmentProblem.Error) pkt.addExpert(node, Severity.Error, 'Reassemble', 'Defragmentation error: the datagram was given up', 'ip');
}

/** Fields for fragment problems, shared by the IPv4 and IPv6 fragment lists. */
export interface FragmentFields {
  fragments: FieldDef;
  fragment: FieldDef;
  count: FieldDef;
  length: FieldDef;
  data: FieldDef;
  overlap: FieldDef;
  conflict: FieldDef;
  multipleTails: FieldDef;
  tooLong: FieldDef;
}

/** The "[3 IPv4 Fragments (4008 bytes): #1(1480), #2(1480), #3(1048)]" list in the completing frame. */
export function addFragmentList(node: Node, r: FragmentResult, datagram: Buf, f: FragmentFields, what: string): void {
  if (!node.real || !r.fragments) return;
  const list = r.fragments;
  const n = node.addGenerated(f.fragments, datagram.bytesAt(0, datagram.length), datagram, 0, datagram.length);
  n.text = `${list.length} ${what} Fragments (${datagram.length} bytes): ${list.map((x) => `#${x.frame}(${x.length})`).join(', ')}`;
  for (const x of list) {
    const fn = n.addGenerated(f.fragment, x.frame, datagram, Math.min(x.offset, datagram.length), Math.max(0, Math.min(x.length, datagram.length - x.offset)));
    fn.text = `Frame: ${x.frame}, payload: ${x.offset}-${x.offset + x.length - 1} (${x.length} bytes)`;
  }
  const p = r.datagramProblems;
  if (p & FragmentProblem.Overlap) n.addGenerated(f.overlap, true);
  if (p & FragmentProblem.OverlapConflict) n.addGenerated(f.conflict, true);
  if (p & FragmentProblem.MultipleTails) n.addGenerated(f.multipleTails, true);
  if (p & FragmentProblem.TooLong) n.addGenerated(f.tooLong, true);
  n.addGenerated(f.count, list.length);
  n.addGenerated(f.length, datagram.length);
  n.addGenerated(f.data, datagram.bytesAt(0, datagram.length), datagram, 0, datagram.length);
}

const fragmentFields: FragmentFields = {
  fragments: hf.fragments, fragment: hf.fragment, count: hf.fragmentCount, length: hf.reassembledLength, data: hf.reassembledData,
  overlap: hf.fragmentOverlap, conflict: hf.fragmentConflict, multipleTails: hf.fragmentMultipleTails, tooLong: hf.fragmentTooLong,
};

function bogus(pkt: Packet, at: Node, expert: string, info: string): void {
  pkt.addExpert(at, Severity.Error, 'Protocol', expert, 'ip');
  pkt.setInfo(info);
}

function dissectIp(buf: Buf, pkt: Packet, parent: Node, data?: unknown): void {
  // As tshark: the column says IPv4 and the link layer's Info goes before the first byte is read.
  if (!pkt.inErrorPacket) pkt.protocolColumn = 'IPv4';
  pkt.setInfo('');
  const b0 = buf.u8(0);
  const version = b0 >>> 4;
  if (version === 6) {
    // An IPv6 packet where IPv4 was expected (raw IPv4 link type, IP-in-IP): Wireshark hands it on.
    const ipv6 = findProtocol('ipv6');
    if (ipv6) {
      pkt.layers.push('ip');
      callDissector(ipv6, buf, pkt, parent, data);
      return;
    }
  }
  const node = pkt.addLayer(ip, parent, buf, 0, 20);
  pkt.setInfo('');
  const versionNode = node.add(hf.version, buf, 0, 1, version);
  if (version !== 4) {
    bogus(pkt, versionNode, 'Bogus IPv4 version', `Bogus IPv4 version (${version}, must be 4)`);
    return;
  }
  const hl = (b0 & 0x0f) * 4;
  const hlNode = node.add(hf.hdrLen, buf, 0, 1, hl);
  // The value is in bytes; the bits shown are the header's four-bit IHL (in 32-bit words).
  if (hlNode.real) hlNode.text = `.... ${(b0 & 0x0f).toString(2).padStart(4, '0')} = Header Length: ${hl} bytes (${b0 & 0x0f})`;
  if (hl < 20) {
    bogus(pkt, hlNode, `Bogus IP header length (${hl}, must be at least 20)`, `Bogus IP header length (${hl}, must be at least 20)`);
    return;
  }
  node.length = hl;

  const ds = buf.u8(1);
  const dsNode = node.add(hf.dsfield, buf, 1, 1, ds);
  if (dsNode.real) {
    dsNode.suffix = ` (${dsSummary(ds)})`;
    dsNode.add(hf.dscp, buf, 1, 1, ds >>> 2);
    dsNode.add(hf.ecn, buf, 1, 1, ds & 3);
  }

  const inError = pkt.inErrorPacket;
  let len = buf.u16(2);
  const lenNode = node.add(hf.len, buf, 2, 2, len);
  if (len === 0 && !inError) {
    // Captured on the sending host before the NIC split it (TCP segmentation offload): no length yet.
    len = buf.reportedLength;
    if (lenNode.real) {
      lenNode.flags = NodeFlag.Generated;
      lenNode.value = len;
      lenNode.text = `Total Length: ${len} bytes (reported as 0, presumed to be because of "TCP segmentation offload" (TSO))`;
    }
  } else if (len < hl) {
    bogus(pkt, lenNode, 'Bogus IP length', `Bogus IP length (${len}, less than header length ${hl})`);
    return;
  } else if (len > buf.reportedLength && !inError) {
    pkt.addExpert(lenNode, Severity.Error, 'Protocol', `IPv4 total length exceeds packet length (${buf.reportedLength} bytes)`, 'ip');
  }
  const payloadBound = data as EthertypePayload | undefined;
  if (payloadBound !== undefined && typeof payloadBound.actualLength === 'number' && len <= buf.reportedLength) payloadBound.actualLength = len;

  const id = buf.u16(4);
  node.add(hf.id, buf, 4, 2, id);
  const ff = buf.u16(6);
  const flags = ff >>> 13;
  const flagsNode = node.add(hf.flags, buf, 6, 1, flags);
  if (flagsNode.real) {
    flagsNode.suffix = flags & 1 ? ', More fragments' : flags & 2 ? ', Don\'t fragment' : flags & 4 ? ', Reserved bit' : null;
    flagsNode.add(hf.rb, buf, 6, 1, (flags & 4) !== 0);
    flagsNode.add(hf.df, buf, 6, 1, (flags & 2) !== 0);
    flagsNode.add(hf.mf, buf, 6, 1, (flags & 1) !== 0);
  }
  const fragUnits = ff & 0x1fff;
  const fragNode = node.add(hf.fragOffset, buf, 6, 2, fragUnits);
  if (fragNode.real) fragNode.text = `${bitPattern(hf.fragOffset, fragUnits)} = Fragment Offset: ${fragUnits * 8}`;

  const ttl = buf.u8(8);
  const ttlNode = node.add(hf.ttl, buf, 8, 1, ttl);
  const proto = buf.u8(9);
  node.add(hf.proto, buf, 9, 1, proto);

  const checksum = buf.u16(10);
  const checksumNode = node.add(hf.checksum, buf, 10, 2, checksum);
  const statusField = checksumStatusField('ip');
  if (pkt.session.prefs[checkChecksumPref] === 'FALSE' || !buf.has(0, hl)) {
    checksumNode.suffix = ' [validation disabled]';
    node.addGenerated(statusField, ChecksumStatus.Unverified);
  } else {
    // The sum of the header with its checksum field left out.
    const bytes = buf.source.bytes;
    const at = buf.start;
    const calculated = ~checksumRange(bytes, at + 12, at + hl, checksumRange(bytes, at, at + 10)) & 0xffff;
    if (calculated === checksum) {
      checksumNode.suffix = ' [correct]';
      node.addGenerated(statusField, ChecksumStatus.Good);
    } else {
      const should = hex(calculated, 4);
      checksumNode.suffix = ` incorrect, should be ${should}(may be caused by "IP checksum offload"?)`;
      pkt.addExpert(checksumNode, Severity.Error, 'Checksum', `Bad checksum [should be ${should}]`, 'ip');
      node.addGenerated(statusField, ChecksumStatus.Bad);
    }
    node.addGenerated(hf.checksumCalculated, calculated);
  }

  // Source first, then destination, each as soon as it is read: a header cut short by the capture
  // still names what it can (as Wireshark's columns do).
  const src = buf.u32(12);
  const srcText = ipv4Text(src);
  node.add(hf.src, buf, 12, 4, src);
  if (node.real) {
    node.addHidden(hf.addr, buf, 12, 4, src);
    node.addHidden(hf.srcHost, buf, 12, 4, srcText);
    node.addHidden(hf.host, buf, 12, 4, srcText);
  }
  if (!inError) pkt.src = srcText;
  pkt.netSrc = srcText;

  // With a source route still to be followed, the header's destination is only the next hop: the
  // real destination is the route's last address (RFC 791 §3.1), which Wireshark reports as ip.dst
  // and which transport checksums use.
  const headerDst = buf.u32(16);
  const finalAt = hl > 20 ? findSourceRouteEnd(buf, hl) : -1;
  const dstAt = finalAt >= 0 ? finalAt : 16;
  const dst = finalAt >= 0 ? buf.u32(finalAt) : headerDst;
  const dstText = ipv4Text(dst);
  if (finalAt >= 0) node.add(hf.curRt, buf, 16, 4, headerDst);
  else node.add(hf.dst, buf, 16, 4, dst);
  if (node.real) {
    node.addHidden(hf.addr, buf, dstAt, 4, dst);
    node.addHidden(hf.dstHost, buf, dstAt, 4, dstText);
    node.addHidden(hf.host, buf, dstAt, 4, dstText);
  }
  if (!inError) pkt.dst = dstText;
  pkt.netDst = dstText;
  pkt.setNetAddressBytes(buf, 12, dstAt, 4);
  // 224.0.0.0/24 is never routed, so its TTL should be 1 (a few protocols use 255 instead); elsewhere
  // a TTL this low means the datagram will die within a few hops (PIM and OSPF use 1 on purpose).
  if (!inError) {
    if (dst >>> 8 === 0xe00000) {
      const valid = proto === 2 ? 1 : localControlBlockTtl(dst);
      if (valid >= 0 && ttl !== valid) {
        pkt.addExpert(ttlNode, Severity.Note, 'Sequence', `"Time To Live" != ${valid} for a packet sent to the Local Network Control Block (see RFC 3171)`, 'ip', hf.ttlLncb);
      }
    } else if (ttl < 5 && !isMulticast(dst) && proto !== 103 && proto !== 89) {
      pkt.addExpert(ttlNode, Severity.Note, 'Sequence', `"Time To Live" only ${ttl}`, 'ip', hf.ttlTooSmall);
    }
  }

  if (hl > 20) dissectOptions(buf, pkt, node, hl);

  // The payload window: bounded by Total Length. In a quoted packet (ICMP error) the copy is usually
  // cut short on purpose, so the window keeps the length the header claims and lets readers run out
  // of captured bytes quietly.
  let payload: Buf;
  if (inError) {
    const claimed = Math.max(0, len - hl);
    payload = new Buf(buf.source, buf.start + Math.min(hl, buf.length), Math.max(0, Math.min(buf.length - hl, claimed)), claimed);
    if (payload.length === 0) return;
  } else {
    payload = buf.sub(hl, len - hl);
  }
  const info: IpPayloadInfo = { ttl };

  const moreFragments = (flags & 1) !== 0;
  if (moreFragments || fragUnits > 0) {
    const offset = fragUnits * 8;
    const defragment = !inError && pkt.session.prefs[defragmentPref] !== 'FALSE' && payload.length === payload.reportedLength;
    if (defragment) {
      const reassembler = pkt.session.global('ip.reassembly', () => new Reassembler({ maxDatagram: IP_MAX_DATAGRAM }));
      const key = `${src}:${dst}:${id}:${proto}`;
      const r = reassembler.add(key, offset, payload.bytesAt(0, payload.length), moreFragments, pkt.number, pkt.frame.seconds);
      if (r.problems) noteFragmentProblems(pkt, node, r.problems);
      if (r.datagram) {
        const datagram = pkt.newSource(r.datagram, `Reassembled IPv4 (${r.datagram.length} bytes)`);
        addFragmentList(node, r, datagram, fragmentFields, 'IPv4');
        dispatchPayload(datagram, pkt, parent, proto, info);
        return;
      }
    }
    pkt.setInfo(`Fragmented IP protocol (proto=${ipProtocolNames[proto] ?? 'Unknown'} ${proto}, off=${offset}, ID=${id.toString(16).padStart(4, '0')})`);
    if (offset === 0 && !defragment && !inError) dispatchPayload(payload, pkt, parent, proto, { ttl, fragmented: true });
    else dissectData(payload, pkt, parent);
    return;
  }
  dispatchPayload(payload, pkt, parent, proto, info);
}

function dispatchPayload(payload: Buf, pkt: Packet, parent: Node, proto: number, info: IpPayloadInfo): void {
  const next = pkt.session.lookup(ipProto, proto);
  if (next) {
    callDissector(next, payload, pkt, parent, info);
    return;
  }
  pkt.setInfo(`${ipProtocolNames[proto] ?? 'Unknown'} (${proto})`);
  dissectData(payload, pkt, parent);
}

export const ip = protocol('ip', 'Internet Protocol Version 4', 'IPv4',
  'The network layer of the Internet: carries a datagram from a source address to a destination address across routers, splitting it into fragments when a link is too small.',
  dissectIp, (n) => {
    const s = n.childValue(hf.src);
    const via = n.childValue(hf.curRt);
    const d = via === undefined ? n.childValue(hf.dst) : n.find(hf.dst)?.value;
    if (s === undefined || d === undefined) return 'Internet Protocol Version 4';
    const text = `Internet Protocol Version 4, Src: ${ipv4ToString(s as number)}, Dst: ${ipv4ToString(d as number)}`;
    return via === undefined ? text : `${text}, Via: ${ipv4ToString(via as number)}`;
  });

/** Transport and other protocols attach here by IP protocol number (shared by IPv6 next headers). */
export const ipProto = table('ip.proto', 'IP protocol number');

export function register(): void {
  table('ethertype').add(0x0800, ip);
  table('null.type').add(2, ip);
  table('link_type').add(228, ip);
  ipProto.add(4, ip);
}
