/**
 * Ethernet — IEEE 802.3 (Ethernet II framing, RFC 894), VLAN tags — IEEE 802.1Q (C-tag) and
 * 802.1ad (S-tag, "Q-in-Q"), and 802.1ah provider backbone bridging (I-tag).
 *
 *   0                   6                  12      14
 *  +-------------------+-------------------+-------+---------------------------+---------+
 *  | destination MAC   | source MAC        | type  | payload (46..1500 bytes)  | [FCS 4] |
 *  +-------------------+-------------------+-------+---------------------------+---------+
 *
 * The two bytes after the addresses are a type (≥ 0x0600, an EtherType: 0x0800 IPv4, 0x86dd IPv6,
 * 0x0806 ARP…) or, in original 802.3 framing, a payload length (≤ 1500) followed by an 802.2 LLC
 * header. Values in between are invalid. The first address byte carries two flag bits: I/G (bit 0,
 * group = multicast/broadcast) and U/L (bit 1, locally administered).
 *
 * A VLAN tag inserts four bytes before the type: TPID (0x8100 C-tag, 0x88a8 S-tag) then
 *
 *    15 14 13  12  11                     0
 *   +--------+---+------------------------+
 *   |  PCP   |DEI|        VLAN ID         |   followed by the next type
 *   +--------+---+------------------------+
 *
 * A frame shorter than 60 bytes (64 with the FCS) must be padded; the payload protocol (IPv4's total
 * length, ARP's sizes) says where its data ends, and the rest is padding, a trailer, or the FCS. The
 * "ethertype" step below is shared by every layer that carries a type (Ethernet, VLAN, Linux cooked
 * capture), as in Wireshark.
 */
import { FT, field, type FieldDef } from '../engine/fields.js';
import { protocol, table, callDissector, dissectData, findProtocol } from '../engine/dispatch.js';
import type { Buf } from '../engine/buf.js';
import type { Packet } from '../engine/packet.js';
import { type Node, Severity } from '../engine/tree.js';
import { etherToString, hex } from '../engine/format.js';
import { etherText } from '../engine/addrtext.js';

/** EtherType names (IEEE registry); the table is shared by every field that holds a type. */
export const etherTypeNames: Record<number, string> = {
  0x0800: 'IPv4',
  0x0806: 'ARP',
  0x0842: 'Wake on LAN',
  0x22f0: 'IEEE 1722 Audio Video Transport Protocol',
  0x6558: 'Transparent Ethernet bridging',
  0x8035: 'RARP',
  0x809b: 'AppleTalk',
  0x80f3: 'AARP',
  0x8100: '802.1Q Virtual LAN',
  0x8137: 'Netware IPX/SPX',
  0x86dd: 'IPv6',
  0x8808: 'MAC Control',
  0x8809: 'Slow Protocols',
  0x8847: 'MPLS label switched packet',
  0x8848: 'MPLS multicast label switched packet',
  0x8863: 'PPPoE Discovery',
  0x8864: 'PPPoE Session',
  0x888e: '802.1X Authentication',
  0x8892: 'PROFINET',
  0x88a4: 'EtherCAT frame',
  0x88a8: '802.1ad Provider Bridge (Q-in-Q)',
  0x88b5: 'Local Experimental Ethertype 1',
  0x88b6: 'Local Experimental Ethertype 2',
  0x88cc: '802.1 Link Layer Discovery Protocol (LLDP)',
  0x88e5: '802.1AE (MACsec)',
  0x88e7: '802.1ah Provider Backbone Bridge (mac-in-mac)',
  0x88f7: 'PTPv2 over Ethernet (IEEE1588)',
  0x8902: 'IEEE 802.1ag Connectivity Fault Management (CFM) protocol',
  0x8906: 'Fibre Channel over Ethernet',
  0x894f: 'Network Service Header',
  0x9000: 'Loopback',
  0x9100: 'QinQ: old non-standard 802.1ad',
};

const lgNames = ['Globally unique address (factory default)', 'Locally administered address (this is NOT the factory default)'] as const;
const igNames = ['Individual address (unicast)', 'Group address (multicast/broadcast)'] as const;

const hf = {
  dst: field('eth.dst', 'Destination', FT.Ether, 'The hardware (MAC) address of the station the frame is for; all ones (ff:ff:ff:ff:ff:ff) is broadcast.'),
  src: field('eth.src', 'Source', FT.Ether, 'The hardware (MAC) address of the station that sent the frame.'),
  addr: field('eth.addr', 'Address', FT.Ether, 'Either address of the frame: a filter on eth.addr matches frames to or from that station.'),
  dstResolved: field('eth.dst_resolved', 'Destination (resolved)', FT.String, 'The destination address as a name would replace it; vpnscope resolves no names, so the address itself.'),
  srcResolved: field('eth.src_resolved', 'Source (resolved)', FT.String, 'The source address as a name would replace it; vpnscope resolves no names, so the address itself.'),
  addrResolved: field('eth.addr_resolved', 'Address (resolved)', FT.String, 'Either address as a name would replace it (the address itself: no names are resolved).'),
  dstOui: field('eth.dst.oui', 'Destination OUI', FT.UInt24, 'The first three bytes of the destination address: the manufacturer\'s Organizationally Unique Identifier.'),
  srcOui: field('eth.src.oui', 'Source OUI', FT.UInt24, 'The first three bytes of the source address: the manufacturer\'s Organizationally Unique Identifier.'),
  addrOui: field('eth.addr.oui', 'Address OUI', FT.UInt24, 'The manufacturer part (first three bytes) of either address, for filters that match both directions.'),
  dstLg: field('eth.dst.lg', 'LG bit', FT.Bool, 'Whether the destination address was assigned locally (1) or is the globally unique address the manufacturer burned in (0).', { bitmask: 0x020000, bitWidth: 24, trueFalse: [lgNames[1], lgNames[0]] }),
  dstIg: field('eth.dst.ig', 'IG bit', FT.Bool, 'Whether the destination is a group (multicast or broadcast, 1) or a single station (0).', { bitmask: 0x010000, bitWidth: 24, trueFalse: [igNames[1], igNames[0]] }),
  srcLg: field('eth.src.lg', 'LG bit', FT.Bool, 'Whether the source address was assigned locally (1) or is the globally unique address the manufacturer burned in (0).', { bitmask: 0x020000, bitWidth: 24, trueFalse: [lgNames[1], lgNames[0]] }),
  srcIg: field('eth.src.ig', 'IG bit', FT.Bool, 'Whether the source address has the group bit set, which a real sender never should (1), or not (0).', { bitmask: 0x010000, bitWidth: 24, trueFalse: [igNames[1], igNames[0]] }),
  lg: field('eth.lg', 'LG bit', FT.Bool, 'The locally-administered bit of either address, for filters that match both directions.', { bitmask: 0x020000, bitWidth: 24, trueFalse: [lgNames[1], lgNames[0]] }),
  ig: field('eth.ig', 'IG bit', FT.Bool, 'The group (multicast/broadcast) bit of either address, for filters that match both directions.', { bitmask: 0x010000, bitWidth: 24, trueFalse: [igNames[1], igNames[0]] }),
  type: field('eth.type', 'Type', FT.UInt16, 'The EtherType: which protocol the payload carries (0x0800 IPv4, 0x86dd IPv6, 0x0806 ARP, 0x8100 a VLAN tag).', { base: 'hex', values: etherTypeNames }),
  len: field('eth.len', 'Length', FT.UInt16, 'In original IEEE 802.3 framing the two bytes after the addresses give the payload length (at most 1500) instead of a type; an 802.2 LLC header follows.'),
  invalidLentype: field('eth.invalid_lentype', 'Invalid length/type', FT.UInt16, 'A length/type value between 1501 and 1535, which is neither a valid 802.3 length nor an EtherType.', { base: 'hex_dec' }),
  padding: field('eth.padding', 'Padding', FT.Bytes, 'Zero bytes the sender added to reach the 60-byte minimum Ethernet frame size; they belong to no protocol.'),
  trailer: field('eth.trailer', 'Trailer', FT.Bytes, 'Bytes after the end of the payload that are not padding: a checksum, or data added by capture or monitoring equipment.'),
  srcNotGroup: field('eth.src_not_group', 'Source MAC must not be a group address: IEEE 802.3-2002, Section 3.2.3(b)', FT.None,
    'The source address has the group (multicast) bit set, which no station may send from: a corrupt or forged frame.'),
  paddingBad: field('eth.padding_bad', 'Padding identification may be inaccurate and impact trailer dissector', FT.None, 'A short frame ends in bytes that are not zeros: they may be padding from a sender that does not zero it, or a trailer.'),
  fcs: field('eth.fcs', 'Frame check sequence', FT.UInt32, 'The CRC-32 the sending interface computed over the frame so the receiver can detect corruption; most captures do not include it.', { base: 'hex' }),
  fcsStatus: field('eth.fcs.status', 'FCS Status', FT.UInt8, 'Whether vpnscope checked the frame check sequence; it is not verified (captures rarely keep a trustworthy FCS).', { values: { 0: 'Bad', 1: 'Good', 2: 'Unverified' } }),
};

const vlanPriorityNames = {
  0: 'Best Effort (default)',
  1: 'Background',
  2: 'Excellent Effort',
  3: 'Critical Applications',
  4: 'Video, < 100ms latency and jitter',
  5: 'Voice, < 10ms latency and jitter',
  6: 'Internetwork Control',
  7: 'Network Control',
};

const hfVlan = {
  priority: field('vlan.priority', 'Priority', FT.UInt16, 'The 3-bit priority code point (PCP) that switches use to pick a queue: 0 is ordinary traffic, higher values are served first.', { bitmask: 0xe000, values: vlanPriorityNames }),
  dei: field('vlan.dei', 'DEI', FT.Bool, 'Drop eligible indicator: when set, a congested switch may drop this frame before others.', { bitmask: 0x1000, bitWidth: 16, trueFalse: ['Eligible', 'Ineligible'] }),
  id: field('vlan.id', 'ID', FT.UInt16, 'The VLAN identifier (1 to 4094): which virtual LAN the frame belongs to on a trunk link.', { bitmask: 0x0fff }),
  etype: field('vlan.etype', 'Type', FT.UInt16, 'The EtherType of what follows the tag (0x0800 IPv4, 0x86dd IPv6, another tag…).', { base: 'hex', values: etherTypeNames }),
  len: field('vlan.len', 'Length', FT.UInt16, 'An 802.3 payload length instead of a type after the tag: an 802.2 LLC header follows.'),
  trailer: field('vlan.trailer', 'Trailer', FT.Bytes, 'Bytes after the end of the tagged payload that are not padding.'),
  tooMany: field('vlan.too_many_tags', 'Too many nested VLAN tags', FT.None, 'More VLAN tags are stacked than any real network uses; dissection stopped here.'),
};

const hfQinq = {
  priority: field('ieee8021ad.priority', 'Priority', FT.UInt16, 'The priority code point of the service (outer) tag, used by the provider network to queue the frame.', { bitmask: 0xe000 }),
  dei: field('ieee8021ad.dei', 'DEI', FT.UInt16, 'Drop eligible indicator of the service tag: 1 means the provider may drop this frame first when congested.', { bitmask: 0x1000 }),
  id: field('ieee8021ad.id', 'ID', FT.UInt16, 'The service VLAN identifier (S-VID) a provider uses to keep one customer\'s VLANs apart from another\'s.', { bitmask: 0x0fff }),
};

const hfPbb = {
  priority: field('ieee8021ah.priority', 'Priority', FT.UInt32, 'The priority code point of the backbone service instance tag.', { bitmask: 0xe0000000 }),
  drop: field('ieee8021ah.drop', 'DROP', FT.UInt32, 'Drop eligible indicator of the backbone service instance tag.', { bitmask: 0x10000000 }),
  nca: field('ieee8021ah.nca', 'NCA', FT.UInt32, 'No customer addresses: set when the customer MAC addresses that follow carry no meaning.', { bitmask: 0x08000000 }),
  res1: field('ieee8021ah.res1', 'RES1', FT.UInt32, 'A reserved bit of the backbone service instance tag, zero when sent.', { bitmask: 0x04000000 }),
  res2: field('ieee8021ah.res2', 'RES2', FT.UInt32, 'Two reserved bits of the backbone service instance tag, zero when sent.', { bitmask: 0x03000000 }),
  isid: field('ieee8021ah.isid', 'I-SID', FT.UInt32, 'The 24-bit backbone service instance identifier that tells which customer service the frame belongs to.', { bitmask: 0x00ffffff }),
  cdst: field('ieee8021ah.cdst', 'C-Destination', FT.Ether, 'The customer frame\'s destination MAC address, carried inside the provider backbone frame.'),
  csrc: field('ieee8021ah.csrc', 'C-Source', FT.Ether, 'The customer frame\'s source MAC address, carried inside the provider backbone frame.'),
  etype: field('ieee8021ah.etype', 'Type', FT.UInt16, 'The EtherType of what follows a service tag or the encapsulated customer frame.', { base: 'hex', values: etherTypeNames }),
  trailer: field('ieee8021ah.trailer', 'Trailer', FT.Bytes, 'Bytes after the end of the payload of a provider-tagged frame that are not padding.'),
};

/** What a layer that carries a type hands to the shared ethertype step (Wireshark's ethertype_data_t). */
export interface EthertypeData {
  etype: number;
  /** Offset within the buffer where the payload starts. */
  payloadOffset: number;
  /** The node of the layer that carried the type: padding, trailer and FCS are shown there. */
  layerNode: Node;
  /** That layer's trailer field (eth.trailer, vlan.trailer, sll.trailer). */
  trailerField: FieldDef;
  /** 4: the frame ends with an FCS; 0: it has none; -1: guess from the size, as Wireshark does. */
  fcsLength: number;
}

/**
 * Passed as `data` to a protocol found in the ethertype table. A payload that knows its own length
 * (IPv4's total length, IPv6's payload length, ARP's sizes) stores it in `actualLength`; the bytes
 * after that are padding or trailer (Wireshark's set_actual_length). Untouched (-1): it used it all.
 */
export interface EthertypePayload {
  actualLength: number;
}

/** The minimum Ethernet frame without its FCS: shorter frames are padded up to this. */
const MIN_FRAME = 60;
/** Deeper stacks of VLAN tags than this are treated as hostile input. */
const MAX_VLAN_TAGS = 20;

function addAddress(pkt: Packet, node: Node, buf: Buf, offset: number, value: Uint8Array, text: string, lg: FieldDef, ig: FieldDef): void {
  const dst = lg === hf.dstLg;
  const n = node.add(dst ? hf.dst : hf.src, buf, offset, 6, value);
  // A frame is sent by one station: a source with the group bit set is a broken or forged frame.
  if (!dst && value[0]! & 1) {
    pkt.addExpert(n, Severity.Warning, 'Protocol', 'Source MAC must not be a group address: IEEE 802.3-2002, Section 3.2.3(b)', 'eth', hf.srcNotGroup);
  }
  if (!n.real) return;
  // The resolved and OUI forms are in JSON and filters, not in the tree, as tshark has them.
  const oui = buf.u24(offset);
  n.addHidden(dst ? hf.dstResolved : hf.srcResolved, buf, offset, 6, text);
  n.addHidden(dst ? hf.dstOui : hf.srcOui, buf, offset, 3, oui);
  n.add(hf.addr, buf, offset, 6, value);
  n.addHidden(hf.addrResolved, buf, offset, 6, text);
  n.addHidden(hf.addrOui, buf, offset, 3, oui);
  const lgBit = (value[0]! & 2) !== 0;
  const igBit = (value[0]! & 1) !== 0;
  n.add(lg, buf, offset, 3, lgBit);
  n.addHidden(hf.lg, buf, offset, 3, lgBit);
  n.add(ig, buf, offset, 3, igBit);
  n.addHidden(hf.ig, buf, offset, 3, igBit);
}

function dissectEth(buf: Buf, pkt: Packet, parent: Node): void {
  const node = pkt.addLayer(eth, parent, buf, 0, 14);
  // Columns and conversation keys for frames without a network layer; IP replaces them.
  const dstText = etherText(buf.u24(0), buf.u24(3));
  if (node.real) addAddress(pkt, node, buf, 0, buf.bytesAt(0, 6), dstText, hf.dstLg, hf.dstIg);
  const srcText = etherText(buf.u24(6), buf.u24(9));
  // Without a tree the source is only needed for its expert note (a group address as source).
  if (node.real || buf.u8(6) & 1) addAddress(pkt, node, buf, 6, buf.bytesAt(6, 6), srcText, hf.srcLg, hf.srcIg);
  if (!pkt.dlSrc) {
    pkt.dlSrc = srcText;
    pkt.dlDst = dstText;
  }
  pkt.src = pkt.netSrc = srcText;
  pkt.dst = pkt.netDst = dstText;

  const type = buf.u16(12);
  pkt.setInfo(type <= 1500 ? 'IEEE 802.3 Ethernet' : 'Ethernet II');
  if (type >= 0x0600) {
    node.add(hf.type, buf, 12, 2, type);
    callDissector(ethertype, buf, pkt, parent, { etype: type, payloadOffset: 14, layerNode: node, trailerField: hf.trailer, fcsLength: -1 } satisfies EthertypeData);
  } else if (type <= 1500) {
    dissect8023Payload(buf, pkt, parent, node, type, node.add(hf.len, buf, 12, 2, type), hf.trailer);
  } else {
    const n = node.add(hf.invalidLentype, buf, 12, 2, type);
    const text = `Invalid length/type: ${hex(type, 4)} (${type})`;
    pkt.addExpert(n, Severity.Warning, 'Protocol', text, 'eth');
    pkt.setInfo(`Ethernet Unknown: ${text}`);
    dissectData(buf.sub(14), pkt, parent);
  }
}

/** An 802.3 length field: the payload (an 802.2 LLC PDU) is that long; what follows is padding or trailer. */
function dissect8023Payload(buf: Buf, pkt: Packet, parent: Node, layerNode: Node, length: number, lengthNode: Node, trailerField: FieldDef): void {
  const available = buf.reportedRemaining(14);
  if (length > available) {
    pkt.addExpert(lengthNode, Severity.Error, 'Malformed', 'Length field value goes past the end of the payload', 'eth');
  }
  const payload = buf.sub(14, Math.min(length, available));
  const llc = findProtocol('llc');
  if (llc) callDissector(llc, payload, pkt, parent);
  else dissectData(payload, pkt, parent);
  if (length < available) addTrailer(buf, pkt, layerNode, 14 + length, trailerField, -1);
}

/**
 * The shared ethertype step: finds the payload protocol by type, then shows what the payload left
 * unused as padding, trailer and FCS on the layer that carried the type. Recorded as the "ethertype"
 * layer in frame.protocols (as Wireshark does) but adds no tree node of its own.
 */
function dissectEthertype(buf: Buf, pkt: Packet, parent: Node, data?: unknown): void {
  const d = data as EthertypeData;
  pkt.layers.push('ethertype');
  const payload = buf.sub(d.payloadOffset);
  const proto = pkt.session.lookup(ethertypes, d.etype);
  if (!proto) {
    pkt.protocolColumn = hex(d.etype, 4);
    dissectData(payload, pkt, parent);
    return;
  }
  const bound: EthertypePayload = { actualLength: -1 };
  callDissector(proto, payload, pkt, parent, bound);
  if (bound.actualLength >= 0 && bound.actualLength < payload.reportedLength) {
    addTrailer(buf, pkt, d.layerNode, d.payloadOffset + bound.actualLength, d.trailerField, d.fcsLength);
  }
}

/**
 * Splits the bytes after the payload the way Wireshark 4.0 does: up to the 60-byte minimum they are
 * padding (only if all zero); then, when the frame is 64 bytes or more and at least 4 bytes remain, the
 * last 4 are taken as the FCS; anything else is a trailer.
 */
function addTrailer(buf: Buf, pkt: Packet, layerNode: Node, start: number, trailerField: FieldDef, fcsLength: number): void {
  const reported = buf.reportedLength - start;
  if (reported <= 0) return;
  const captured = buf.remaining(start);
  const frameLength = pkt.frame.originalLength;
  const maybePadded = frameLength >= MIN_FRAME && frameLength - reported < MIN_FRAME;
  let padding = 0;
  if (maybePadded) {
    padding = Math.min(MIN_FRAME - (frameLength - reported), captured);
    for (let i = 0; i < padding; i++) {
      if (buf.u8(start + i) !== 0) {
        padding = 0;
        break;
      }
    }
    if (padding > 0) layerNode.add(hf.padding, buf, start, padding, buf.bytesAt(start, padding));
  }
  let rest = reported - padding;
  let restCaptured = captured - padding;
  const hasFcs = fcsLength === 4 || (fcsLength < 0 && buf.reportedLength >= 64 && rest >= 4);
  if (hasFcs) {
    rest -= 4;
    if (restCaptured > rest) restCaptured = rest;
  }
  if (restCaptured > 0) {
    const n = layerNode.add(trailerField, buf, start + padding, restCaptured, buf.bytesAt(start + padding, restCaptured));
    if (maybePadded && padding === 0) {
      pkt.addExpert(n, Severity.Note, 'Protocol', "Didn't find padding of zeros, and an undecoded trailer exists. There may be padding of non-zeros.", 'eth', hf.paddingBad);
    }
  }
  const fcsAt = start + padding + rest;
  if (hasFcs && buf.has(fcsAt, 4)) {
    const n = layerNode.add(hf.fcs, buf, fcsAt, 4, buf.u32(fcsAt));
    n.suffix = ' [unverified]';
    layerNode.addGenerated(hf.fcsStatus, 2);
  }
}

function countLayers(pkt: Packet, abbrev: string): number {
  let n = 0;
  for (const l of pkt.layers) if (l === abbrev) n++;
  return n;
}

/** 802.1Q C-tag (and the old 0x9100 Q-in-Q type, which carries the same tag). */
function dissectVlan(buf: Buf, pkt: Packet, parent: Node): void {
  const node = pkt.addLayer(vlan, parent, buf, 0, 4);
  if (countLayers(pkt, 'vlan') + countLayers(pkt, 'ieee8021ad') > MAX_VLAN_TAGS) {
    const n = node.addText('Too many nested VLAN tags');
    pkt.addExpert(n, Severity.Warning, 'Malformed', 'Too many nested VLAN tags', 'vlan');
    return;
  }
  const tci = buf.u16(0);
  node.add(hfVlan.priority, buf, 0, 2, tci >>> 13);
  node.add(hfVlan.dei, buf, 0, 2, (tci & 0x1000) !== 0);
  node.add(hfVlan.id, buf, 0, 2, tci & 0x0fff);
  // tshark's Info for the tag, which the payload's replaces (seen alone when the capture ends here).
  pkt.setInfo(`PRI: ${tci >>> 13}  DEI: ${(tci >> 12) & 1}  ID: ${tci & 0x0fff}`);
  const type = buf.u16(2);
  if (type <= 1500) {
    dissectTagged8023(buf, pkt, parent, node, type, node.add(hfVlan.len, buf, 2, 2, type), hfVlan.trailer);
    return;
  }
  node.add(hfVlan.etype, buf, 2, 2, type);
  callDissector(ethertype, buf, pkt, parent, { etype: type, payloadOffset: 4, layerNode: node, trailerField: hfVlan.trailer, fcsLength: -1 } satisfies EthertypeData);
}

/** An 802.3 length after a tag: LLC follows, bounded by the length. */
function dissectTagged8023(buf: Buf, pkt: Packet, parent: Node, layerNode: Node, length: number, lengthNode: Node, trailerField: FieldDef): void {
  const available = buf.reportedRemaining(4);
  if (length > available) pkt.addExpert(lengthNode, Severity.Error, 'Malformed', 'Length field value goes past the end of the payload', 'vlan');
  const payload = buf.sub(4, Math.min(length, available));
  const llc = findProtocol('llc');
  if (llc) callDissector(llc, payload, pkt, parent);
  else dissectData(payload, pkt, parent);
  if (length < available) addTrailer(buf, pkt, layerNode, 4 + length, trailerField, -1);
}

/** 802.1ad S-tag: the same bit layout as a C-tag, under its own protocol as Wireshark shows it. */
function dissectQinq(buf: Buf, pkt: Packet, parent: Node): void {
  const node = pkt.addLayer(ieee8021ad, parent, buf, 0, 4);
  if (countLayers(pkt, 'vlan') + countLayers(pkt, 'ieee8021ad') > MAX_VLAN_TAGS) {
    const n = node.addText('Too many nested VLAN tags');
    pkt.addExpert(n, Severity.Warning, 'Malformed', 'Too many nested VLAN tags', 'ieee8021ad');
    return;
  }
  const tci = buf.u16(0);
  node.add(hfQinq.priority, buf, 0, 2, tci >>> 13);
  node.add(hfQinq.dei, buf, 0, 2, (tci >>> 12) & 1);
  node.add(hfQinq.id, buf, 0, 2, tci & 0x0fff);
  // tshark's Info for the service tag (its spacing too), which the payload's replaces.
  pkt.setInfo(`PRI: ${tci >>> 13}  DROP: ${(tci >>> 12) & 1} ID: ${tci & 0x0fff}`);
  const type = buf.u16(2);
  node.add(hfPbb.etype, buf, 2, 2, type);
  callDissector(ethertype, buf, pkt, parent, { etype: type, payloadOffset: 4, layerNode: node, trailerField: hfPbb.trailer, fcsLength: -1 } satisfies EthertypeData);
}

/** 802.1ah I-tag: priority/flags and a 24-bit service id, then the customer's own Ethernet header. */
function dissectPbb(buf: Buf, pkt: Packet, parent: Node): void {
  const node = pkt.addLayer(ieee8021ah, parent, buf, 0, 18);
  const tag = buf.u32(0);
  node.add(hfPbb.priority, buf, 0, 4, tag >>> 29);
  node.add(hfPbb.drop, buf, 0, 4, (tag >>> 28) & 1);
  node.add(hfPbb.nca, buf, 0, 4, (tag >>> 27) & 1);
  node.add(hfPbb.res1, buf, 0, 4, (tag >>> 26) & 1);
  node.add(hfPbb.res2, buf, 0, 4, (tag >>> 24) & 3);
  node.add(hfPbb.isid, buf, 0, 4, tag & 0xffffff);
  node.add(hfPbb.cdst, buf, 4, 6, buf.bytesAt(4, 6));
  node.add(hfPbb.csrc, buf, 10, 6, buf.bytesAt(10, 6));
  const type = buf.u16(16);
  node.add(hfPbb.etype, buf, 16, 2, type);
  callDissector(ethertype, buf, pkt, parent, { etype: type, payloadOffset: 18, layerNode: node, trailerField: hfPbb.trailer, fcsLength: 0 } satisfies EthertypeData);
}

export const eth = protocol('eth', 'Ethernet', 'Ethernet',
  'The link layer of wired LANs: two hardware addresses and the type of the payload, one frame per packet on the wire.',
  dissectEth, (n) => {
    const src = n.childValue(hf.src) as Uint8Array | undefined;
    const dst = n.childValue(hf.dst) as Uint8Array | undefined;
    const name = n.childValue(hf.len) !== undefined ? 'IEEE 802.3 Ethernet' : 'Ethernet II';
    // A frame cut inside the addresses has no (or one) address node to name.
    if (!src || !dst) return name;
    return `${name}, Src: ${etherToString(src)}, Dst: ${etherToString(dst)}`;
  });

export const ethertype = protocol('ethertype', 'Ethertype', 'Ethertype',
  'The step that hands a frame\'s payload to the protocol its EtherType names and sorts out padding and trailer bytes after it.',
  dissectEthertype);

export const vlan = protocol('vlan', '802.1Q Virtual LAN', 'VLAN',
  'A 4-byte tag that puts a frame on one of up to 4094 virtual LANs sharing a link, with a priority for queueing.',
  dissectVlan, (n) => {
    const id = n.childValue(hfVlan.id);
    return id === undefined ? '802.1Q Virtual LAN' : `802.1Q Virtual LAN, PRI: ${n.childValue(hfVlan.priority)}, DEI: ${n.childValue(hfVlan.dei) ? 1 : 0}, ID: ${id}`;
  });

export const ieee8021ad = protocol('ieee8021ad', 'IEEE 802.1ad', '802.1ad',
  'The service (outer) VLAN tag of Q-in-Q: a provider wraps a customer\'s tagged frames in a tag of its own.',
  dissectQinq, (n) => {
    const id = n.childValue(hfQinq.id);
    return id === undefined ? 'IEEE 802.1ad' : `IEEE 802.1ad, ID: ${id}`;
  });

export const ieee8021ah = protocol('ieee8021ah', 'IEEE 802.1ah', '802.1ah',
  'Provider backbone bridging (MAC-in-MAC): a service instance tag followed by the customer\'s complete Ethernet header.',
  dissectPbb, (n) => {
    const src = n.childValue(hfPbb.csrc) as Uint8Array | undefined;
    const dst = n.childValue(hfPbb.cdst) as Uint8Array | undefined;
    if (!src || !dst) return 'IEEE 802.1ah';
    return `IEEE 802.1ah, I-SID: ${n.childValue(hfPbb.isid)}, C-Src: ${etherToString(src)}, C-Dst: ${etherToString(dst)}`;
  });

/** Network protocols attach here by EtherType (IPv4 0x0800, ARP 0x0806, IPv6 0x86dd…). */
export const ethertypes = table('ethertype', 'EtherType');

/**
 * Hands `buf` to the protocol its EtherType names, or shows it as data: for headers that name their
 * payload by EtherType without being Ethernet (GRE, Geneve, BSD loopback).
 */
export function dissectByEtherType(type: number, buf: Buf, pkt: Packet, parent: Node, data?: unknown): void {
  const proto = pkt.session.lookup(ethertypes, type);
  if (proto) callDissector(proto, buf, pkt, parent, data);
  else dissectData(buf, pkt, parent);
}

export function register(): void {
  table('link_type').add(1, eth);
  // Transparent Ethernet bridging: a whole Ethernet frame (GRE, Geneve and NVGRE tunnels carry them).
  ethertypes.add(0x6558, eth);
  ethertypes.add(0x8100, vlan);
  ethertypes.add(0x9100, vlan);
  ethertypes.add(0x88a8, ieee8021ad);
  ethertypes.add(0x88e7, ieee8021ah);
}
