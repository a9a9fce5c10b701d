/**
 * Linux cooked capture — LINKTYPE_LINUX_SLL (113) and LINKTYPE_LINUX_SLL2 (276),
 * https://www.tcpdump.org/linktypes/LINKTYPE_LINUX_SLL.html and …_SLL2.html.
 *
 * What libpcap writes instead of the real link header when capturing on "any" interface (or on
 * interfaces without one, such as tun devices): who the packet was for, the link type and address of
 * the sender, and the protocol.
 *
 *   SLL (16 bytes)                            SLL2 (20 bytes)
 *   0        2        4        6              0        2        4                 8
 *  +--------+--------+--------+              +--------+--------+-----------------+
 *  |pkt type|ARPHRD  |addr len|              |protocol|reserved| interface index |
 *  +--------+--------+--------+---------+    +--------+--+-----+--+--------------+
 *  | link-layer address (8, padded)     |    |ARPHRD  |pt|alen| link-layer address (8)
 *  +--------+---------------------------+    +--------+--+----+---------------------+
 *  |protocol|
 *  +--------+
 *
 * The protocol is an EtherType, except for values below 0x0600, which are Linux's own codes (4 = an
 * 802.2 LLC frame follows, 1 = Novell 802.3, 0x0c = CAN…).
 */
import { FT, field } from '../engine/fields.js';
import { protocol, table, callDissector, dissectData, findProtocol } from '../engine/dispatch.js';
import type { Buf } from '../engine/buf.js';
import type { Packet } from '../engine/packet.js';
import type { Node } from '../engine/tree.js';
import { etherText } from '../engine/addrtext.js';
import { dissectByEtherType, etherTypeNames, type EthertypeData } from './eth.js';

const pktTypeNames = {
  0: 'Unicast to us',
  1: 'Broadcast',
  2: 'Multicast',
  3: 'Unicast to another host',
  4: 'Sent by us',
};

/** Linux ARPHRD_* values (include/uapi/linux/if_arp.h). */
const haTypeNames: Record<number, string> = {
  1: 'Ethernet',
  6: 'IEEE 802',
  24: 'IEEE 1394.1995',
  32: 'InfiniBand',
  512: 'PPP',
  513: 'Cisco HDLC',
  519: 'Raw IP',
  768: 'IPIP tunnel',
  769: 'IP6IP6 tunnel',
  772: 'Loopback',
  776: 'sit0 device - IPv6-in-IPv4',
  778: 'GRE over IP',
  801: 'IEEE 802.11',
  803: 'IEEE 802.11 + radiotap header',
  823: 'GRE over IPv6',
  824: 'Netlink',
  65534: 'zero header length',
  65535: 'Void type, nothing is known',
};

/** Linux protocol codes below 0x0600 (include/uapi/linux/if_ether.h, ETH_P_802_3 …). */
const linuxProtoNames: Record<number, string> = {
  0x0001: 'Novell 802.3 (no 802.2 header)',
  0x0002: 'AX.25',
  0x0003: 'All',
  0x0004: '802.2 LLC',
  0x0005: 'SNAP',
  0x000c: 'CAN',
  0x000d: 'CAN FD',
  0x0010: 'LocalTalk',
  0x0016: 'PPP',
  0x00f5: 'IEEE 802.15.4',
  0x00f6: 'CAN XL',
};

const hf = {
  pkttype: field('sll.pkttype', 'Packet type', FT.UInt16, 'Who the packet was for, as the Linux kernel saw it: this host, broadcast, multicast, another host, or sent by this host.', { values: pktTypeNames }),
  hatype: field('sll.hatype', 'Link-layer address type', FT.UInt16, 'The Linux ARPHRD_ type of the interface the packet crossed: 1 Ethernet, 772 loopback, 65534 a tunnel with no link header.', { values: haTypeNames }),
  halen: field('sll.halen', 'Link-layer address length', FT.UInt16, 'How many bytes of the 8-byte address field hold the sender\'s link-layer address.'),
  srcEth: field('sll.src.eth', 'Source', FT.Ether, 'The MAC address of the sender, when the interface is Ethernet-like.'),
  srcIpv4: field('sll.src.ipv4', 'Source', FT.IPv4, 'The sender\'s link-layer address when the interface is an IPv4 tunnel, which uses IPv4 addresses as link addresses.'),
  srcOther: field('sll.src.other', 'Source', FT.Bytes, 'The sender\'s link-layer address, for interface types whose addresses are not MAC or IPv4 addresses.'),
  unused: field('sll.unused', 'Unused', FT.Bytes, 'The rest of the fixed 8-byte address field, beyond the address length.'),
  ltype: field('sll.ltype', 'Protocol', FT.UInt16, 'A Linux protocol code (below 0x0600) in place of an EtherType: 4 means an 802.2 LLC frame follows.', { base: 'hex', values: linuxProtoNames }),
  etype: field('sll.etype', 'Protocol', FT.UInt16, 'The EtherType of the payload (0x0800 IPv4, 0x86dd IPv6…).', { base: 'hex', values: etherTypeNames }),
  gretype: field('sll.gretype', 'Protocol', FT.UInt16, 'On a GRE tunnel interface: the GRE protocol type of the payload, an EtherType.', { base: 'hex', values: etherTypeNames }),
  ifindex: field('sll.ifindex', 'Interface index', FT.UInt32, 'The Linux interface number the packet was captured on (SLL2 only); `ip link` lists them.'),
  trailer: field('sll.trailer', 'Trailer', FT.Bytes, 'Bytes after the end of the payload that no protocol claimed.'),
};

/** ARPHRD types whose link addresses are 6-byte MAC addresses. */
function isEtherLike(hatype: number): boolean {
  return hatype === 1 || hatype === 6 || hatype === 772 || hatype === 801 || hatype === 803 || hatype === 824;
}

function addAddress(node: Node, pkt: Packet, buf: Buf, offset: number, hatype: number, halen: number): void {
  const len = Math.min(halen, 8);
  if (len === 6 && isEtherLike(hatype)) {
    node.add(hf.srcEth, buf, offset, 6, buf.bytesAt(offset, 6));
    const text = etherText(buf.u24(offset), buf.u24(offset + 3));
    if (!pkt.dlSrc) pkt.dlSrc = text;
    pkt.src = pkt.netSrc = text;
  } else if (len === 4 && (hatype === 768 || hatype === 778 || hatype === 776)) {
    node.add(hf.srcIpv4, buf, offset, 4, buf.u32(offset));
  } else if (len > 0) {
    node.add(hf.srcOther, buf, offset, len, buf.bytesAt(offset, len));
  }
  if (len < 8) node.add(hf.unused, buf, offset + len, 8 - len, buf.bytesAt(offset + len, 8 - len));
}

/** Linux's hardware type of a GRE tunnel interface: its packets are named by GRE protocol type. */
const ARPHRD_IPGRE = 778;

/** The protocol field: a GRE protocol type on a GRE interface, an EtherType, or one of Linux's own codes below 0x0600. */
function addProtocol(node: Node, buf: Buf, offset: number, proto: number, hatype: number): void {
  node.add(hatype === ARPHRD_IPGRE ? hf.gretype : proto >= 0x0600 ? hf.etype : hf.ltype, buf, offset, 2, proto);
}

function dispatch(buf: Buf, pkt: Packet, parent: Node, node: Node, headerLength: number, proto: number, hatype: number): void {
  if (hatype === ARPHRD_IPGRE) {
    // As GRE hands on its payload: by type, without the Ethernet type step.
    dissectByEtherType(proto, buf.sub(headerLength), pkt, parent);
    return;
  }
  if (proto >= 0x0600) {
    const ethertype = findProtocol('ethertype');
    if (ethertype) {
      callDissector(ethertype, buf, pkt, parent, { etype: proto, payloadOffset: headerLength, layerNode: node, trailerField: hf.trailer, fcsLength: 0 } satisfies EthertypeData);
      return;
    }
  } else {
    const llc = proto === 0x0004 ? findProtocol('llc') : undefined;
    if (llc) {
      callDissector(llc, buf.sub(headerLength), pkt, parent);
      return;
    }
  }
  dissectData(buf.sub(headerLength), pkt, parent);
}

function dissectSll(buf: Buf, pkt: Packet, parent: Node): void {
  const node = pkt.addLayer(sll, parent, buf, 0, 16);
  const hatype = buf.u16(2);
  const halen = buf.u16(4);
  node.add(hf.pkttype, buf, 0, 2, buf.u16(0));
  node.add(hf.hatype, buf, 2, 2, hatype);
  node.add(hf.halen, buf, 4, 2, halen);
  addAddress(node, pkt, buf, 6, hatype, halen);
  const proto = buf.u16(14);
  addProtocol(node, buf, 14, proto, hatype);
  dispatch(buf, pkt, parent, node, 16, proto, hatype);
}

function dissectSll2(buf: Buf, pkt: Packet, parent: Node): void {
  const node = pkt.addLayer(sll, parent, buf, 0, 20);
  const proto = buf.u16(0);
  const hatype = buf.u16(8);
  addProtocol(node, buf, 0, proto, hatype);
  node.add(hf.ifindex, buf, 4, 4, buf.u32(4));
  const halen = buf.u8(11);
  node.add(hf.hatype, buf, 8, 2, hatype);
  node.add(hf.pkttype, buf, 10, 1, buf.u8(10));
  node.add(hf.halen, buf, 11, 1, halen);
  addAddress(node, pkt, buf, 12, hatype, halen);
  dispatch(buf, pkt, parent, node, 20, proto, hatype);
}

export const sll = protocol('sll', 'Linux cooked-mode capture', 'SLL',
  'The pseudo link header Linux captures use on the "any" device and on interfaces without a link header: direction, interface type, sender address and protocol.',
  dissectSll, (n) => (n.childValue(hf.ifindex) !== undefined ? 'Linux cooked capture v2' : 'Linux cooked capture v1'));

/** LINKTYPE_LINUX_SLL2 shares the protocol (and its fields) with version 1; only the layout differs. */
const sll2 = { ...sll, dissect: dissectSll2 };

export function register(): void {
  table('link_type').add(113, sll);
  table('link_type').add(276, sll2);
}
