/**
 * Linux netfilter log — LINKTYPE_NFLOG (239), https://www.tcpdump.org/linktypes/LINKTYPE_NFLOG.html.
 *
 * What `tcpdump -i nflog:N` records: each packet a firewall rule sent to log group N (iptables'
 * NFLOG target, nftables' `log group N`), as the kernel's nfnetlink_log hands it over — a 4-byte
 * header, then type-length-value attributes saying where and why the packet was logged, one of
 * which carries the packet itself from its network header on.
 *
 *   0        1        2                 4
 *  +--------+--------+-----------------+
 *  | family |version |   resource id   |   resource id = the log group, big-endian
 *  +--------+--------+-----------------+
 *  | length (host order) | type (host order) |  value … padded to 4 bytes  |  … more TLVs
 *  +---------------------+-------------------+-----------------------------+
 *
 * A TLV's length and type are in the byte order of the machine that captured (little-endian on
 * x86 and most ARM); the values inside are in network byte order. The length counts the 4-byte TLV
 * header, not the padding. The packet (NFULA_PAYLOAD) is dissected by the EtherType in
 * NFULA_PACKET_HDR, or by the address family when that is missing.
 */
import { FT, field, type FieldDef } from '../engine/fields.js';
import { protocol, table } from '../engine/dispatch.js';
import type { Buf } from '../engine/buf.js';
import type { Packet } from '../engine/packet.js';
import { Severity, type Node } from '../engine/tree.js';
import { dissectByEtherType, etherTypeNames } from './eth.js';

/** Netfilter protocol families (NFPROTO_*, include/uapi/linux/netfilter.h). */
const familyNames: Record<number, string> = {
  0: 'Unspecified',
  1: 'IPv4/IPv6',
  2: 'IPv4',
  3: 'ARP',
  5: 'Netdev',
  7: 'Bridge',
  10: 'IPv6',
  12: 'DECNET',
};

/** Attribute types (enum nfulnl_attr_type, include/uapi/linux/netfilter/nfnetlink_log.h). */
const T = {
  PACKET_HDR: 1,
  MARK: 2,
  TIMESTAMP: 3,
  IFINDEX_INDEV: 4,
  IFINDEX_OUTDEV: 5,
  IFINDEX_PHYSINDEV: 6,
  IFINDEX_PHYSOUTDEV: 7,
  HWADDR: 8,
  PAYLOAD: 9,
  PREFIX: 10,
  UID: 11,
  SEQ: 12,
  SEQ_GLOBAL: 13,
  GID: 14,
  HWTYPE: 15,
  HWHEADER: 16,
  HWLEN: 17,
} as const;

const typeNames: Record<number, string> = {
  0: 'NFULA_UNSPEC',
  ...Object.fromEntries(Object.entries(T).map(([name, v]) => [v, `NFULA_${name}`])),
};

/** Netfilter hooks (NF_INET_*): where in the kernel's path the rule that logged the packet sits. */
const hookNames: Record<number, string> = {
  0: 'Pre-routing',
  1: 'Local in',
  2: 'Forward',
  3: 'Local out',
  4: 'Post-routing',
  5: 'Number of hooks',
};

const hf = {
  family: field('nflog.family', 'Family', FT.UInt8, 'The netfilter protocol family of the rule set that logged the packet: 2 IPv4, 10 IPv6, 7 bridge.', { values: familyNames }),
  version: field('nflog.version', 'Version', FT.UInt8, 'The nfnetlink version, 0.'),
  resId: field('nflog.res_id', 'Resource id', FT.UInt16, 'The log group the rule sent the packet to (NFLOG --nflog-group, nftables log group): the N in tcpdump -i nflog:N.'),
  tlv: field('nflog.tlv', 'TLV', FT.Bytes, 'One attribute of the logged packet: its length, its type, then its value.'),
  tlvLength: field('nflog.tlv_length', 'Length', FT.UInt16, 'The attribute\'s length in bytes, its 4-byte length and type included but not the padding to a multiple of 4.'),
  tlvType: field('nflog.tlv_type', 'Type', FT.UInt16, 'What the attribute holds (NFULA_PREFIX, NFULA_PAYLOAD …); the top bit is a netlink flag.', { bitmask: 0x7fff, bitWidth: 16, values: typeNames }),
  protocol: field('nflog.protocol', 'HW protocol', FT.UInt16, 'The EtherType of the logged packet (0x0800 IPv4, 0x86dd IPv6).', { base: 'hex', values: etherTypeNames }),
  hook: field('nflog.hook', 'Netfilter hook', FT.UInt8, 'Where in the kernel the logging rule sits: pre-routing, local in (to this host), forward, local out (from this host) or post-routing.', { values: hookNames }),
  indev: field('nflog.ifindex_indev', 'IFINDEX_INDEV', FT.UInt32, 'The number of the interface the packet came in on (`ip link` lists them).'),
  outdev: field('nflog.ifindex_outdev', 'IFINDEX_OUTDEV', FT.UInt32, 'The number of the interface the packet is going out on.'),
  physindev: field('nflog.ifindex_physindev', 'IFINDEX_PHYSINDEV', FT.UInt32, 'For a bridge: the number of the bridge port the packet came in on.'),
  physoutdev: field('nflog.ifindex_physoutdev', 'IFINDEX_PHYSOUTDEV', FT.UInt32, 'For a bridge: the number of the bridge port the packet is going out on.'),
  prefix: field('nflog.prefix', 'Prefix', FT.String, 'The text the rule attaches to what it logs (--nflog-prefix, nftables log prefix), naming the rule.'),
  uid: field('nflog.uid', 'UID', FT.Int32, 'The user id owning the local socket that sent or receives the packet.'),
  gid: field('nflog.gid', 'GID', FT.Int32, 'The group id owning the local socket that sent or receives the packet.'),
  timestamp: field('nflog.timestamp', 'Timestamp', FT.AbsTime, 'When the kernel received the packet, from the packet itself (the frame\'s time is when the log message was read).'),
  value: field('nflog.tlv_value', 'Value', FT.Bytes, 'The attribute\'s value, for attributes shown as bytes (hardware address and header, mark, sequence numbers).'),
};

/** The TLVs whose value is one 32-bit integer, and the field each is shown as. */
const int32Fields: Record<number, FieldDef> = {
  [T.IFINDEX_INDEV]: hf.indev,
  [T.IFINDEX_OUTDEV]: hf.outdev,
  [T.IFINDEX_PHYSINDEV]: hf.physindev,
  [T.IFINDEX_PHYSOUTDEV]: hf.physoutdev,
  [T.UID]: hf.uid,
  [T.GID]: hf.gid,
};

/** Reads the TLVs' lengths and types in the byte order the capturing machine used. */
interface HostOrder {
  u16(buf: Buf, offset: number): number;
}
const littleEndian: HostOrder = { u16: (b, o) => b.u16le(o) };
const bigEndian: HostOrder = { u16: (b, o) => b.u16(o) };

/**
 * The byte order of the TLV headers: little-endian, unless the first TLV's length only makes sense
 * read big-endian (a capture from a big-endian machine).
 */
function hostOrder(buf: Buf): HostOrder {
  if (!buf.has(4, 2)) return littleEndian;
  const fits = (n: number) => n >= 4 && n <= buf.reportedLength - 4;
  return !fits(buf.u16le(4)) && fits(buf.u16(4)) ? bigEndian : littleEndian;
}

function dissectNflog(buf: Buf, pkt: Packet, parent: Node): void {
  const node = pkt.addLayer(nflog, parent, buf, 0, buf.reportedLength);
  const family = buf.u8(0);
  node.add(hf.family, buf, 0, 1, family);
  node.add(hf.version, buf, 1, 1, buf.u8(1));
  node.add(hf.resId, buf, 2, 2, buf.u16(2));

  const order = hostOrder(buf);
  let etherType = family === 2 ? 0x0800 : family === 10 ? 0x86dd : -1;
  let payload: Buf | null = null;
  for (let off = 4; off + 4 <= buf.reportedLength; ) {
    const length = order.u16(buf, off);
    const rawType = order.u16(buf, off + 2);
    const type = rawType & 0x7fff;
    // A TLV the capture cut stops the dissection there (tshark: NFLOG truncated, the packet not shown).
    const tlv = node.add(hf.tlv, buf, off, Math.max(length, 4), buf.bytesAt(off, Math.min(Math.max(length, 4), buf.reportedRemaining(off))));
    if (tlv.real) tlv.text = `TLV Type: ${typeNames[type] ?? 'Unknown'} (${type}), Length: ${length}`;
    const lengthNode = tlv.add(hf.tlvLength, buf, off, 2, length);
    tlv.add(hf.tlvType, buf, off + 2, 2, rawType);
    if (length < 4) {
      pkt.addExpert(lengthNode, Severity.Error, 'Malformed', `TLV length ${length} is shorter than its own 4-byte header`, 'nflog');
      break;
    }
    const at = off + 4;
    const size = length - 4;
    switch (type) {
      case T.PACKET_HDR:
        etherType = buf.u16(at);
        tlv.add(hf.protocol, buf, at, 2, etherType);
        tlv.add(hf.hook, buf, at + 2, 1, buf.u8(at + 2));
        break;
      case T.IFINDEX_INDEV:
      case T.IFINDEX_OUTDEV:
      case T.IFINDEX_PHYSINDEV:
      case T.IFINDEX_PHYSOUTDEV:
      case T.UID:
      case T.GID: {
        const f = int32Fields[type]!;
        tlv.add(f, buf, at, 4, f.type === FT.Int32 ? buf.i32(at) : buf.u32(at));
        break;
      }
      case T.PREFIX: {
        // NUL-terminated within the value.
        const nul = buf.indexOf(0, at, at + size);
        tlv.add(hf.prefix, buf, at, size, buf.latin1(at, (nul < 0 ? at + size : nul) - at));
        break;
      }
      case T.TIMESTAMP: {
        // struct nfulnl_msg_packet_timestamp: seconds and microseconds, 64 bits each.
        const seconds = Number(buf.u64(at));
        const micros = Number(buf.u64(at + 8));
        tlv.add(hf.timestamp, buf, at, 16, [seconds, micros * 1000]);
        break;
      }
      case T.PAYLOAD:
        payload = buf.sub(at, size);
        break;
      default:
        if (size > 0) tlv.add(hf.value, buf, at, size, buf.bytesAt(at, Math.min(size, buf.remaining(at))));
    }
    off += (length + 3) & ~3;
  }
  if (payload && payload.reportedLength > 0) dissectByEtherType(etherType, payload, pkt, parent);
}

export const nflog = protocol('nflog', 'Linux Netfilter NFLOG', 'NFLOG',
  'A packet as a Linux firewall rule logged it (tcpdump -i nflog:N): the log group, the hook and interfaces, the rule\'s prefix, then the packet itself.',
  dissectNflog);

export function register(): void {
  table('link_type').add(239, nflog);
}
