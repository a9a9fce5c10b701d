/**
 * ICMPv6 — RFC 4443 (messages), RFC 4861 (neighbor discovery: RS, RA, NS, NA, redirect and their
 * options), RFC 2710 / RFC 3810 (multicast listener discovery v1 / v2), RFC 8106 (RDNSS option).
 *
 *   0               8               16                              31
 *  +---------------+---------------+-------------------------------+
 *  |     Type      |     Code      |           Checksum            |
 *  +---------------+---------------+-------------------------------+
 *  |                      message body …                           |
 *
 * Types below 128 are errors (1 destination unreachable, 2 packet too big, 3 time exceeded, 4 parameter
 * problem): a 4-byte field, then as much of the offending packet as fits in the minimum MTU. Types
 * from 128 are informational: echo, MLD, and neighbor discovery, whose messages end in options:
 *
 *  +---------------+----------------------+----------------------------
 *  |  option type  | length (8-byte units)|  value (link-layer address, prefix, MTU …)
 *  +---------------+----------------------+----------------------------
 *
 * Unlike ICMPv4, the checksum also covers a pseudo-header of the IPv6 addresses (as UDP's does).
 */
import { FT, field } from '../engine/fields.js';
import { protocol, table, dissectData } from '../engine/dispatch.js';
import type { Buf } from '../engine/buf.js';
import type { Packet } from '../engine/packet.js';
import { type Node, Severity } from '../engine/tree.js';
import { etherToString, hex, ipv6ToString } from '../engine/format.js';
import { checksumStatusField, ChecksumStatus, expectedChecksum, internetChecksum, pseudoHeaderSum } from './checksum.js';
import type { IpPayloadInfo } from './ip.js';
import { dissectQuoted, echoTracker, trackEcho } from './icmp.js';

const typeNames: Record<number, string> = {
  1: 'Destination Unreachable', 2: 'Packet Too Big', 3: 'Time Exceeded', 4: 'Parameter Problem',
  100: 'Private experimentation', 101: 'Private experimentation', 127: 'Reserved for expansion of ICMPv6 error messages',
  128: 'Echo (ping) request', 129: 'Echo (ping) reply', 130: 'Multicast Listener Query', 131: 'Multicast Listener Report',
  132: 'Multicast Listener Done', 133: 'Router Solicitation', 134: 'Router Advertisement', 135: 'Neighbor Solicitation',
  136: 'Neighbor Advertisement', 137: 'Redirect', 138: 'Router Renumbering', 139: 'Node Information Query',
  140: 'Node Information Reply', 141: 'Inverse Neighbor Discovery Solicitation', 142: 'Inverse Neighbor Discovery Advertisement',
  143: 'Multicast Listener Report Message v2', 144: 'Home Agent Address Discovery Request', 145: 'Home Agent Address Discovery Reply',
  146: 'Mobile Prefix Solicitation', 147: 'Mobile Prefix Advertisement', 148: 'Certification Path Solicitation',
  149: 'Certification Path Advertisement', 150: 'Experimental Mobility', 151: 'Multicast Router Advertisement',
  152: 'Multicast Router Solicitation', 153: 'Multicast Router Termination', 154: 'FMIPv6', 155: 'RPL Control',
  156: 'Locator Update', 157: 'Duplicate Address Request', 158: 'Duplicate Address Confirmation', 159: 'MPL Control Message',
  160: 'Extended Echo request', 161: 'Extended Echo reply', 200: 'Private experimentation', 201: 'Private experimentation',
  255: 'Reserved for expansion of ICMPv6 informational messages',
};

const codeNames: Record<number, Record<number, string>> = {
  1: {
    0: 'no route to destination', 1: 'Administratively prohibited', 2: 'Beyond scope of source address', 3: 'Address unreachable',
    4: 'Port unreachable', 5: 'Source address failed ingress/egress policy', 6: 'Reject route to destination', 7: 'Error in Source Routing Header',
  },
  3: { 0: 'hop limit exceeded in transit', 1: 'fragment reassembly time exceeded' },
  4: {
    0: 'erroneous header field encountered', 1: 'unrecognized Next Header type encountered', 2: 'unrecognized IPv6 option encountered',
    3: 'IPv6 First Fragment has incomplete IPv6 Header Chain',
  },
  138: { 0: 'Command', 1: 'Result', 255: 'Sequence number reset' },
  139: { 0: 'Query subject = IPv6 addresses', 1: 'Query subject = DNS name or empty', 2: 'Query subject = IPv4 addresses' },
  140: { 0: 'Successful', 1: 'Refused', 2: 'Unknown query type' },
  160: { 0: 'No error' },
  161: { 0: 'No error', 1: 'Malformed Query', 2: 'No Such Interface', 3: 'No Such Table Entry', 4: 'Multiple Interfaces Satisfy Query' },
};

const optionNames: Record<number, string> = {
  1: 'Source link-layer address', 2: 'Target link-layer address', 3: 'Prefix information', 4: 'Redirected header', 5: 'MTU',
  7: 'Advertisement Interval', 8: 'Home Agent Information', 14: 'Nonce', 24: 'Route Information', 25: 'Recursive DNS Server',
  31: 'DNS Search List', 38: 'PREF64 Option',
};

const mldRecordTypes = {
  1: 'Mode Is Include', 2: 'Mode Is Exclude', 3: 'Changed to include', 4: 'Changed to exclude', 5: 'Allow new sources', 6: 'Block old sources',
};

const hf = {
  type: field('icmpv6.type', 'Type', FT.UInt8, 'What kind of message this is: 128/129 echo, 133–137 neighbor discovery, 1–4 errors.', { values: typeNames }),
  code: field('icmpv6.code', 'Code', FT.UInt8, 'The reason within the type, e.g. for destination unreachable: 0 no route, 3 address unreachable, 4 port unreachable.'),
  checksum: field('icmpv6.checksum', 'Checksum', FT.UInt16, 'A one\'s-complement sum over the message and a pseudo-header of the IPv6 addresses, so a misdelivered message is detected too.', { base: 'hex' }),
  reserved: field('icmpv6.reserved', 'Reserved', FT.Bytes, 'Bytes that must be sent as zero.'),
  mtu: field('icmpv6.mtu', 'MTU', FT.UInt32, 'The MTU of the next link, which the packet was too big for: the sender must send smaller packets (IPv6 routers never fragment).'),
  pointer: field('icmpv6.pointer', 'Pointer', FT.UInt32, 'The byte of the quoted packet where the problem was found.'),
  echoId: field('icmpv6.echo.identifier', 'Identifier', FT.UInt16, 'A number that pairs echo requests with their replies.', { base: 'hex' }),
  echoSeq: field('icmpv6.echo.sequence_number', 'Sequence', FT.UInt16, 'Counts the echo requests of one ping run.'),
  respIn: field('icmpv6.resp_in', 'Response In', FT.FrameNum, 'The frame that carries the reply to this request.'),
  respTo: field('icmpv6.resp_to', 'Response To', FT.FrameNum, 'The frame that carried the request this message answers.'),
  respTime: field('icmpv6.resptime', 'Response Time', FT.Double, 'Milliseconds between the request and this reply: the round-trip time ping prints.', { unit: ' ms' }),

  mldMaxDelay: field('icmpv6.mld.maximum_response_delay', 'Maximum Response Delay [ms]', FT.UInt16, 'How long listeners may wait (in milliseconds) before answering a multicast listener query.'),
  mldMulticast: field('icmpv6.mld.multicast_address', 'Multicast Address', FT.IPv6, 'The multicast group the MLD message is about (unspecified :: in a general query).'),
  mldMaxCode: field('icmpv6.mld.maximum_response_code', 'Maximum Response Code', FT.UInt16, 'The encoded longest time listeners may wait before answering an MLDv2 query.'),
  mldFlag: field('icmpv6.mld.flag', 'Flags', FT.UInt8, 'MLDv2 query flags: suppress router-side processing and the querier\'s robustness variable.', { base: 'hex' }),
  mldQqi: field('icmpv6.mld.qqi', 'QQIC (Querier\'s Query Interval Code)', FT.UInt8, 'The encoded interval between the querier\'s general queries.'),
  mldNbSources: field('icmpv6.mld.nb_sources', 'Number of Sources', FT.UInt16, 'How many source addresses an MLDv2 query lists.'),
  mldSource: field('icmpv6.mld.source_address', 'Source Address', FT.IPv6, 'A source the MLDv2 query asks about.'),
  mldrNbRecords: field('icmpv6.mldr.nb_mcast_records', 'Number of Multicast Address Records', FT.UInt16, 'How many group records this MLDv2 report carries.'),
  mldrRecord: field('icmpv6.mldr.mar', 'Multicast Address Record', FT.None, 'One group record of an MLDv2 report: a group, a filter mode change and its sources.'),
  mldrRecordType: field('icmpv6.mldr.mar.record_type', 'Record Type', FT.UInt8, 'What the record says: the current filter mode (include/exclude), a change of mode, or sources allowed or blocked.', { values: mldRecordTypes }),
  mldrAuxLen: field('icmpv6.mldr.mar.aux_data_len', 'Aux Data Len', FT.UInt8, 'Length of auxiliary data after the sources, in 4-byte words (0 in practice).'),
  mldrNbSources: field('icmpv6.mldr.mar.nb_sources', 'Number of Sources', FT.UInt16, 'How many source addresses the record lists.'),
  mldrMulticast: field('icmpv6.mldr.mar.multicast_address', 'Multicast Address', FT.IPv6, 'The group the record is about.'),
  mldrSource: field('icmpv6.mldr.mar.source_address', 'Source Address', FT.IPv6, 'A source the record includes or excludes.'),
  mldrAux: field('icmpv6.mldr.mar.auxiliary_data', 'Auxiliary Data', FT.Bytes, 'Extra data of a group record, which no current specification defines.'),

  raHopLimit: field('icmpv6.nd.ra.cur_hop_limit', 'Cur hop limit', FT.UInt8, 'The hop limit hosts should put in the packets they send (0: unspecified).'),
  raFlag: field('icmpv6.nd.ra.flag', 'Flags', FT.UInt8, 'Router advertisement flags: whether to use DHCPv6 for addresses (M) or other settings (O), and the router\'s preference.', { base: 'hex' }),
  raM: field('icmpv6.nd.ra.flag.m', 'Managed address configuration', FT.Bool, 'Addresses are available from DHCPv6.', { bitmask: 0x80, bitWidth: 8 }),
  raO: field('icmpv6.nd.ra.flag.o', 'Other configuration', FT.Bool, 'Other settings (DNS servers…) are available from DHCPv6.', { bitmask: 0x40, bitWidth: 8 }),
  raH: field('icmpv6.nd.ra.flag.h', 'Home Agent', FT.Bool, 'The router is also a Mobile IPv6 home agent.', { bitmask: 0x20, bitWidth: 8 }),
  raPrf: field('icmpv6.nd.ra.flag.prf', 'Prf (Default Router Preference)', FT.UInt8, 'How much hosts should prefer this router as their default router (RFC 4191).', { bitmask: 0x18, values: { 0: 'Medium', 1: 'High', 2: 'Reserved', 3: 'Low' } }),
  raP: field('icmpv6.nd.ra.flag.p', 'Proxy', FT.Bool, 'The router is a neighbor discovery proxy (RFC 4389).', { bitmask: 0x04, bitWidth: 8 }),
  raRsv: field('icmpv6.nd.ra.flag.rsv', 'Reserved', FT.UInt8, 'Reserved flag bits, zero when sent.', { bitmask: 0x03 }),
  raLifetime: field('icmpv6.nd.ra.router_lifetime', 'Router lifetime (s)', FT.UInt16, 'Seconds hosts may use this router as a default router; 0 means it is not a default router.'),
  raReachable: field('icmpv6.nd.ra.reachable_time', 'Reachable time (ms)', FT.UInt32, 'Milliseconds a neighbor counts as reachable after a confirmation (0: unspecified).'),
  raRetrans: field('icmpv6.nd.ra.retrans_timer', 'Retrans timer (ms)', FT.UInt32, 'Milliseconds between repeated neighbor solicitations (0: unspecified).'),
  nsTarget: field('icmpv6.nd.ns.target_address', 'Target Address', FT.IPv6, 'The address whose link-layer address is wanted (or, from ::, checked for duplicates).'),
  naFlag: field('icmpv6.nd.na.flag', 'Flags', FT.UInt32, 'Neighbor advertisement flags: sent by a router, in answer to a solicitation, and whether to override a cached address.', { base: 'hex' }),
  naR: field('icmpv6.nd.na.flag.r', 'Router', FT.Bool, 'The sender is a router.', { bitmask: 0x80000000, bitWidth: 32 }),
  naS: field('icmpv6.nd.na.flag.s', 'Solicited', FT.Bool, 'The advertisement answers a neighbor solicitation.', { bitmask: 0x40000000, bitWidth: 32 }),
  naO: field('icmpv6.nd.na.flag.o', 'Override', FT.Bool, 'The advertisement should replace a link-layer address already cached.', { bitmask: 0x20000000, bitWidth: 32 }),
  naRsv: field('icmpv6.nd.na.flag.rsv', 'Reserved', FT.UInt32, 'Reserved flag bits, zero when sent.', { bitmask: 0x1fffffff }),
  naTarget: field('icmpv6.nd.na.target_address', 'Target Address', FT.IPv6, 'The address the advertisement is about.'),
  rdTarget: field('icmpv6.nd.rd.target_address', 'Target Address', FT.IPv6, 'The better first hop for the destination (or the destination itself when it is on-link).'),
  rdDestination: field('icmpv6.rd.na.destination_address', 'Destination Address', FT.IPv6, 'The destination whose traffic the redirect moves to the target.'),

  opt: field('icmpv6.opt', 'ICMPv6 Option', FT.None, 'One type-length-value option at the end of a neighbor discovery message.'),
  optType: field('icmpv6.opt.type', 'Type', FT.UInt8, 'Which option: 1 source and 2 target link-layer address, 3 prefix information, 5 MTU, 25 DNS servers.', { values: optionNames }),
  optLength: field('icmpv6.opt.length', 'Length', FT.UInt8, 'Length of the option in units of 8 bytes, type and length included (0 is invalid).'),
  optReserved: field('icmpv6.opt.reserved', 'Reserved', FT.None, 'Bytes of the option that must be zero.'),
  optLinkaddr: field('icmpv6.opt.linkaddr', 'Link-layer address', FT.Ether, 'A link-layer (MAC) address carried in the option.'),
  optSrcLinkaddr: field('icmpv6.opt.src_linkaddr', 'Source Link-layer address', FT.Ether, 'The link-layer address of the sender of the message.'),
  optTargetLinkaddr: field('icmpv6.opt.target_linkaddr', 'Target Link-layer address', FT.Ether, 'The link-layer address of the target: the answer neighbor discovery is looking for.'),
  optPrefixLength: field('icmpv6.opt.prefix.length', 'Prefix Length', FT.UInt8, 'How many leading bits of the prefix are significant (64 for address autoconfiguration).'),
  optPrefixFlag: field('icmpv6.opt.prefix.flag', 'Flag', FT.UInt8, 'Prefix flags: on-link (L), usable for stateless autoconfiguration (A), router address (R).', { base: 'hex' }),
  optPrefixL: field('icmpv6.opt.prefix.flag.l', 'On-link flag(L)', FT.Bool, 'Addresses with this prefix are on the link: reach them directly, not through a router.', { bitmask: 0x80, bitWidth: 8 }),
  optPrefixA: field('icmpv6.opt.prefix.flag.a', 'Autonomous address-configuration flag(A)', FT.Bool, 'Hosts may make themselves an address from this prefix (SLAAC).', { bitmask: 0x40, bitWidth: 8 }),
  optPrefixR: field('icmpv6.opt.prefix.flag.r', 'Router address flag(R)', FT.Bool, 'The prefix field holds a complete address of the router.', { bitmask: 0x20, bitWidth: 8 }),
  optPrefixRsv: field('icmpv6.opt.prefix.flag.reserved', 'Reserved', FT.UInt8, 'Reserved prefix flag bits, zero when sent.', { bitmask: 0x1f }),
  optValidLifetime: field('icmpv6.opt.prefix.valid_lifetime', 'Valid Lifetime', FT.UInt32, 'Seconds the prefix stays valid for on-link determination (0xffffffff: forever).'),
  optPreferredLifetime: field('icmpv6.opt.prefix.preferred_lifetime', 'Preferred Lifetime', FT.UInt32, 'Seconds addresses made from the prefix stay preferred for new connections.'),
  optPrefix: field('icmpv6.opt.prefix', 'Prefix', FT.IPv6, 'The advertised prefix; only its first Prefix Length bits count.'),
  optMtu: field('icmpv6.opt.mtu', 'MTU', FT.UInt32, 'The MTU hosts on this link should use.'),
  optRedirected: field('icmpv6.opt.redirected_packet', 'Redirected Packet', FT.None, 'As much of the packet that triggered a redirect as fits.'),
  optRdnssLifetime: field('icmpv6.opt.rdnss.lifetime', 'Lifetime', FT.UInt32, 'Seconds the listed DNS servers may be used.'),
  optRdnss: field('icmpv6.opt.rdnss', 'Recursive DNS Servers', FT.IPv6, 'A DNS server the router tells hosts to use (RFC 8106).'),
  unknownData: field('icmpv6.unknown_data', 'Unknown Data', FT.Bytes, 'Data of an option or message vpnscope does not decode.'),
};

const MAX_OPTIONS = 256;

/** Neighbor discovery options from `off` to the end; returns the link-layer address an SLLA/TLLA option gave. */
function dissectOptions(buf: Buf, pkt: Packet, node: Node, off: number): Uint8Array | null {
  let linkAddress: Uint8Array | null = null;
  for (let count = 0; buf.reportedRemaining(off) > 0 && count < MAX_OPTIONS; count++) {
    const type = buf.u8(off);
    const units = buf.u8(off + 1);
    const len = units * 8;
    if (len === 0) {
      const n = node.add(hf.opt, buf, off, 2);
      if (n.real) n.text = `ICMPv6 Option (${optionNames[type] ?? `Unknown (${type})`})`;
      n.add(hf.optType, buf, off, 1, type);
      const ln = n.add(hf.optLength, buf, off + 1, 1, units);
      pkt.addExpert(ln, Severity.Error, 'Protocol', 'Invalid option length (Zero)', 'icmpv6');
      return linkAddress;
    }
    buf.check(off, len);
    const n = node.add(hf.opt, buf, off, len);
    n.add(hf.optType, buf, off, 1, type);
    const lengthNode = n.add(hf.optLength, buf, off + 1, 1, units);
    if (lengthNode.real) lengthNode.suffix = ` (${len} bytes)`;
    let summary = '';
    const v = off + 2;
    switch (type) {
      case 1:
      case 2: {
        const addr = buf.bytesAt(v, len === 8 ? 6 : len - 2);
        n.add(hf.optLinkaddr, buf, v, addr.length, addr);
        n.addHidden(type === 1 ? hf.optSrcLinkaddr : hf.optTargetLinkaddr, buf, v, addr.length, addr);
        if (addr.length === 6) linkAddress = addr;
        if (n.real) summary = etherToString(addr);
        break;
      }
      case 3: {
        if (len < 32) break;
        const plen = buf.u8(v);
        n.add(hf.optPrefixLength, buf, v, 1, plen);
        const flags = buf.u8(v + 1);
        const fn = n.add(hf.optPrefixFlag, buf, v + 1, 1, flags);
        if (fn.real) {
          fn.add(hf.optPrefixL, buf, v + 1, 1, (flags & 0x80) !== 0);
          fn.add(hf.optPrefixA, buf, v + 1, 1, (flags & 0x40) !== 0);
          fn.add(hf.optPrefixR, buf, v + 1, 1, (flags & 0x20) !== 0);
          fn.add(hf.optPrefixRsv, buf, v + 1, 1, flags & 0x1f);
        }
        n.add(hf.optValidLifetime, buf, v + 2, 4, buf.u32(v + 2));
        n.add(hf.optPreferredLifetime, buf, v + 6, 4, buf.u32(v + 6));
        n.add(hf.optReserved, buf, v + 10, 4);
        const prefix = buf.bytesAt(v + 14, 16);
        n.add(hf.optPrefix, buf, v + 14, 16, prefix);
        if (n.real) summary = `${ipv6ToString(prefix)}/${plen}`;
        break;
      }
      case 4: {
        n.add(hf.optReserved, buf, v, 6);
        const r = n.add(hf.optRedirected, buf, v + 6, len - 8);
        dissectQuoted('ipv6', buf.sub(v + 6, len - 8), pkt, r);
        break;
      }
      case 5: {
        n.add(hf.optReserved, buf, v, 2);
        const mtu = buf.u32(v + 2);
        n.add(hf.optMtu, buf, v + 2, 4, mtu);
        if (n.real) summary = String(mtu);
        break;
      }
      case 25: {
        n.add(hf.optReserved, buf, v, 2);
        n.add(hf.optRdnssLifetime, buf, v + 2, 4, buf.u32(v + 2));
        for (let a = v + 6; a + 16 <= off + len; a += 16) n.add(hf.optRdnss, buf, a, 16, buf.bytesAt(a, 16));
        break;
      }
      default:
        n.add(hf.unknownData, buf, v, len - 2, buf.bytesAt(v, len - 2));
    }
    if (n.real) n.text = `ICMPv6 Option (${optionNames[type] ?? `Unknown (${type})`}${summary ? ` : ${summary}` : ''})`;
    off += len;
  }
  return linkAddress;
}

function dissectIcmpv6(buf: Buf, pkt: Packet, parent: Node, data?: unknown): void {
  const node = pkt.addLayer(icmpv6, parent, buf, 0, buf.length);
  const type = buf.u8(0);
  const code = buf.u8(1);
  node.add(hf.type, buf, 0, 1, type);
  const codeName = codeNames[type]?.[code];
  const codeNode = node.add(hf.code, buf, 1, 1, code);
  if (codeName !== undefined && codeNode.real) codeNode.suffix = ` (${codeName})`;
  // The message's name goes into Info before anything else is read, so a cut message still says what it was.
  const typeName = typeNames[type];
  let info = typeName ?? `Unknown (${type})`;
  if (codeName !== undefined) info += ` (${codeName})`;
  else if (type === 1) info += ' (Unknown)';
  pkt.setInfo(info);
  const checksum = buf.u16(2);
  const checksumNode = node.add(hf.checksum, buf, 2, 2, checksum);
  const status = checksumStatusField('icmpv6');
  const inError = pkt.inErrorPacket;
  if (inError) {
    checksumNode.suffix = ' [unverified] [in ICMP error packet]';
    node.addGenerated(status, ChecksumStatus.Unverified);
  } else if (buf.length < buf.reportedLength || !pkt.netSrcBytes || pkt.netSrcBytes.length !== 16) {
    // Not all of the message is here (cut by the capture, or one fragment of it): tshark's words.
    checksumNode.suffix = ' [unverified] [fragmented datagram]';
    node.addGenerated(status, ChecksumStatus.Unverified);
  } else {
    const all = buf.bytesAt(0, buf.length);
    const pseudo = pseudoHeaderSum(pkt, 58, all.length);
    if (internetChecksum(all, pseudo) === 0xffff) {
      checksumNode.suffix = ' [correct]';
      node.addGenerated(status, ChecksumStatus.Good);
    } else {
      const should = hex(expectedChecksum(all, 2, pseudo), 4);
      checksumNode.suffix = ` incorrect, should be ${should}`;
      pkt.addExpert(checksumNode, Severity.Warning, 'Checksum', `Bad checksum [should be ${should}]`, 'icmpv6');
      node.addGenerated(status, ChecksumStatus.Bad);
    }
  }

  const hopLimit = (data as IpPayloadInfo | undefined)?.ttl;

  switch (type) {
    case 1:
    case 3:
    case 4:
    case 2:
      pkt.setInfo(info);
      if (type === 2) node.add(hf.mtu, buf, 4, 4, buf.u32(4));
      else if (type === 4) node.add(hf.pointer, buf, 4, 4, buf.u32(4));
      else node.add(hf.reserved, buf, 4, 4, buf.bytesAt(4, 4));
      if (inError) return;
      // Only a quote that starts like an IPv6 header is dissected as one; anything else is data.
      if (buf.has(8, 1) && buf.u8(8) >>> 4 === 6) dissectQuoted('ipv6', buf.sub(8), pkt, node);
      else if (buf.reportedRemaining(8) > 0) dissectData(buf.sub(8), pkt, node);
      return;
    case 128:
    case 129: {
      const id = buf.u16(4);
      const seq = buf.u16(6);
      node.add(hf.echoId, buf, 4, 2, id);
      node.add(hf.echoSeq, buf, 6, 2, seq);
      info += ` id=${hex(id, 4)}, seq=${seq}`;
      if (hopLimit !== undefined) info += `, hop limit=${hopLimit}`;
      pkt.setInfo(info);
      if (!inError) {
        const requestFrame = trackEcho(pkt, node, echoTracker(pkt, 'icmpv6.echo'), type === 128, id, seq, hf.respTo, hf.respTime);
        if (requestFrame) pkt.appendInfo(` (request in ${requestFrame})`);
      }
      if (buf.remaining(8) > 0) dissectData(buf.sub(8), pkt, node);
      return;
    }
    case 130:
    case 131:
    case 132: {
      pkt.setInfo(info);
      if (type === 130 && buf.reportedLength >= 28) {
        // MLDv2 query (RFC 3810 §5.1): longer than the 24-byte MLDv1 message.
        node.add(hf.mldMaxCode, buf, 4, 2, buf.u16(4));
        node.add(hf.reserved, buf, 6, 2, buf.bytesAt(6, 2));
        node.add(hf.mldMulticast, buf, 8, 16, buf.bytesAt(8, 16));
        node.add(hf.mldFlag, buf, 24, 1, buf.u8(24));
        node.add(hf.mldQqi, buf, 25, 1, buf.u8(25));
        const sources = buf.u16(26);
        node.add(hf.mldNbSources, buf, 26, 2, sources);
        for (let i = 0, off = 28; i < sources; i++, off += 16) node.add(hf.mldSource, buf, off, 16, buf.bytesAt(off, 16));
        return;
      }
      node.add(hf.mldMaxDelay, buf, 4, 2, buf.u16(4));
      node.add(hf.reserved, buf, 6, 2, buf.bytesAt(6, 2));
      node.add(hf.mldMulticast, buf, 8, 16, buf.bytesAt(8, 16));
      return;
    }
    case 143: {
      pkt.setInfo(info);
      node.add(hf.reserved, buf, 4, 2, buf.bytesAt(4, 2));
      const records = buf.u16(6);
      node.add(hf.mldrNbRecords, buf, 6, 2, records);
      let off = 8;
      for (let i = 0; i < records; i++) {
        const recordType = buf.u8(off);
        const auxWords = buf.u8(off + 1);
        const sources = buf.u16(off + 2);
        const length = 20 + sources * 16 + auxWords * 4;
        buf.check(off, length);
        const group = buf.bytesAt(off + 4, 16);
        const r = node.add(hf.mldrRecord, buf, off, length);
        if (r.real) r.text = `Multicast Address Record ${mldRecordTypes[recordType as keyof typeof mldRecordTypes] ?? 'Unknown'}: ${ipv6ToString(group)}`;
        r.add(hf.mldrRecordType, buf, off, 1, recordType);
        r.add(hf.mldrAuxLen, buf, off + 1, 1, auxWords);
        r.add(hf.mldrNbSources, buf, off + 2, 2, sources);
        r.add(hf.mldrMulticast, buf, off + 4, 16, group);
        for (let s = 0; s < sources; s++) r.add(hf.mldrSource, buf, off + 20 + s * 16, 16, buf.bytesAt(off + 20 + s * 16, 16));
        if (auxWords > 0) r.add(hf.mldrAux, buf, off + 20 + sources * 16, auxWords * 4, buf.bytesAt(off + 20 + sources * 16, auxWords * 4));
        off += length;
      }
      return;
    }
    case 133: {
      node.add(hf.reserved, buf, 4, 4, buf.bytesAt(4, 4));
      const lla = dissectOptions(buf, pkt, node, 8);
      pkt.setInfo(lla ? `${info} from ${etherToString(lla)}` : info);
      return;
    }
    case 134: {
      node.add(hf.raHopLimit, buf, 4, 1, buf.u8(4));
      const flags = buf.u8(5);
      const fn = node.add(hf.raFlag, buf, 5, 1, flags);
      if (fn.real) {
        const names: string[] = [];
        if (flags & 0x80) names.push('Managed address configuration');
        if (flags & 0x40) names.push('Other configuration');
        if (flags & 0x20) names.push('Home Agent');
        names.push(`Prf (Default Router Preference): ${['Medium', 'High', 'Reserved', 'Low'][(flags >>> 3) & 3]}`);
        if (flags & 0x04) names.push('Proxy');
        fn.suffix = `, ${names.join(', ')}`;
        fn.add(hf.raM, buf, 5, 1, (flags & 0x80) !== 0);
        fn.add(hf.raO, buf, 5, 1, (flags & 0x40) !== 0);
        fn.add(hf.raH, buf, 5, 1, (flags & 0x20) !== 0);
        fn.add(hf.raPrf, buf, 5, 1, (flags >>> 3) & 3);
        fn.add(hf.raP, buf, 5, 1, (flags & 0x04) !== 0);
        fn.add(hf.raRsv, buf, 5, 1, flags & 0x03);
      }
      node.add(hf.raLifetime, buf, 6, 2, buf.u16(6));
      node.add(hf.raReachable, buf, 8, 4, buf.u32(8));
      node.add(hf.raRetrans, buf, 12, 4, buf.u32(12));
      const lla = dissectOptions(buf, pkt, node, 16);
      pkt.setInfo(lla ? `${info} from ${etherToString(lla)}` : info);
      return;
    }
    case 135: {
      node.add(hf.reserved, buf, 4, 4, buf.bytesAt(4, 4));
      const target = buf.bytesAt(8, 16);
      node.add(hf.nsTarget, buf, 8, 16, target);
      const lla = dissectOptions(buf, pkt, node, 24);
      pkt.setInfo(`${info} for ${ipv6ToString(target)}${lla ? ` from ${etherToString(lla)}` : ''}`);
      return;
    }
    case 136: {
      const flags = buf.u32(4);
      const fn = node.add(hf.naFlag, buf, 4, 4, flags);
      const flagText: string[] = [];
      if (flags & 0x80000000) flagText.push('rtr');
      if (flags & 0x40000000) flagText.push('sol');
      if (flags & 0x20000000) flagText.push('ovr');
      if (fn.real) {
        const names: string[] = [];
        if (flags & 0x80000000) names.push('Router');
        if (flags & 0x40000000) names.push('Solicited');
        if (flags & 0x20000000) names.push('Override');
        if (names.length) fn.suffix = `, ${names.join(', ')}`;
        fn.add(hf.naR, buf, 4, 4, (flags & 0x80000000) !== 0);
        fn.add(hf.naS, buf, 4, 4, (flags & 0x40000000) !== 0);
        fn.add(hf.naO, buf, 4, 4, (flags & 0x20000000) !== 0);
        fn.add(hf.naRsv, buf, 4, 4, flags & 0x1fffffff);
      }
      const target = buf.bytesAt(8, 16);
      node.add(hf.naTarget, buf, 8, 16, target);
      const lla = dissectOptions(buf, pkt, node, 24);
      let text = `${info} ${ipv6ToString(target)}`;
      if (flagText.length) text += ` (${flagText.join(', ')})`;
      if (lla) text += ` is at ${etherToString(lla)}`;
      pkt.setInfo(text);
      return;
    }
    case 137: {
      pkt.setInfo(info);
      node.add(hf.reserved, buf, 4, 4, buf.bytesAt(4, 4));
      node.add(hf.rdTarget, buf, 8, 16, buf.bytesAt(8, 16));
      node.add(hf.rdDestination, buf, 24, 16, buf.bytesAt(24, 16));
      dissectOptions(buf, pkt, node, 40);
      return;
    }
    case 160:
    case 161:
      // Extended echo (RFC 8335): an identifier as in echo, then an 8-bit sequence number.
      pkt.setInfo(info);
      node.add(hf.echoId, buf, 4, 2, buf.u16(4));
      return;
    default:
      pkt.setInfo(info);
  }
}

export const icmpv6 = protocol('icmpv6', 'Internet Control Message Protocol v6', 'ICMPv6',
  'IPv6\'s control messages: errors and ping as in ICMPv4, plus neighbor discovery (which replaces ARP) and multicast listener discovery.',
  dissectIcmpv6);

export function register(): void {
  table('ip.proto').add(58, icmpv6);
}
