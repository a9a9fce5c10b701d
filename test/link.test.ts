/**
 * Link layers: Ethernet II / 802.3 with padding, trailer and FCS, 802.1Q and 802.1ad tags, ARP,
 * Linux cooked captures (SLL, SLL2), Linux netfilter logs (NFLOG), Cisco HDLC, Solaris IPNET, ARCNET, BSD NULL/LOOP and raw
 * IP. Every expected value below is what tshark 4.0.17 prints for the same bytes (written to a pcap
 * and read with `tshark -T fields`); byte fields are in tshark's JSON form (colon-separated).
 */
import { describe, expect, it } from 'vitest';
import path from 'node:path';
import fs from 'node:fs';
import { corpusDir, dissectBytes, dissectFile, makeFrame, fieldValue, fieldValues, hexBytes, isMalformed, samplesDir } from './util.js';
import { findAll } from '../src/engine/query.js';
import { nodeLabel } from '../src/engine/format.js';
import { Session } from '../src/engine/session.js';
import { Severity } from '../src/engine/tree.js';
import { openCapture } from '../src/capture/open.js';
import type { Packet } from '../src/engine/packet.js';

/** What tshark calls frame.protocols: the layer path without the frame itself. */
function protocols(pkt: Packet): string {
  return pkt.layers.slice(1).join(':');
}

function experts(pkt: Packet): string[] {
  return pkt.experts.map((e) => e.message);
}

/** Ethernet II + ARP request, 42 bytes, unpadded (as captured on the sending host). */
const arpRequest = hexBytes(`
  ff ff ff ff ff ff 02 00 00 00 00 01             # eth: dst broadcast, src 02:00:00:00:00:01
  08 06                                           # eth.type 0x0806 ARP
  00 01 08 00 06 04 00 01                         # arp: hw 1, proto 0x0800, sizes 6/4, opcode 1
  02 00 00 00 00 01 0a 00 00 01                   # sender MAC, sender IP 10.0.0.1
  00 00 00 00 00 00 0a 00 00 02                   # target MAC 0, target IP 10.0.0.2
`);

/** ARP reply: 10.0.0.2 is at 02:00:00:00:00:02. */
const arpReply = hexBytes(`
  02 00 00 00 00 01 02 00 00 00 00 02 08 06       # eth
  00 01 08 00 06 04 00 02 02 00 00 00 00 02 0a 00 # arp reply
  00 02 02 00 00 00 00 01 0a 00 00 01
`);

/** Gratuitous ARP request (announcement). */
const arpAnnouncement = hexBytes(`
  ff ff ff ff ff ff 02 00 00 00 00 01 08 06       # eth
  00 01 08 00 06 04 00 01 02 00 00 00 00 01 0a 00 # arp request, sender IP = target IP
  00 01 00 00 00 00 00 00 0a 00 00 01
`);

/** ARP probe (RFC 5227). */
const arpProbe = hexBytes(`
  ff ff ff ff ff ff 02 00 00 00 00 01 08 06       # eth
  00 01 08 00 06 04 00 01 02 00 00 00 00 01 00 00 # arp request from 0.0.0.0
  00 00 00 00 00 00 00 00 0a 00 00 07
`);

/** Gratuitous ARP reply. */
const arpGratuitousReply = hexBytes(`
  ff ff ff ff ff ff 02 00 00 00 00 01 08 06       # eth
  00 01 08 00 06 04 00 02 02 00 00 00 00 01 0a 00 # arp reply, sender IP = target IP
  00 01 02 00 00 00 00 01 0a 00 00 01
`);

/** ARP with an opcode nobody defined. */
const arpUnknownOpcode = hexBytes(`
  ff ff ff ff ff ff 02 00 00 00 00 01 08 06       # eth
  00 01 08 00 06 04 00 4d 02 00 00 00 00 01 0a 00 # arp opcode 77
  00 01 00 00 00 00 00 00 0a 00 00 02
`);

/** ARP whose frame ends inside the addresses (the frame itself is that short: malformed). */
const arpCut = hexBytes(`
  ff ff ff ff ff ff 02 00 00 00 00 01 08 06       # eth
  00 01 08 00 06 04 00 01 02 00 00 00 00 01 0a 00 # arp: header and 12 bytes of addresses; the rest is missing
  00 01 00 00
`);

/** ARP padded to the 60-byte minimum. */
const arpPadded = hexBytes(`
  ff ff ff ff ff ff 02 00 00 00 00 01 08 06       # eth
  00 01 08 00 06 04 00 01 02 00 00 00 00 01 0a 00 # arp request
  00 01 00 00 00 00 00 00 0a 00 00 02
  00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 # padding to 60 bytes
  00 00
`);

/** 64-byte frame: padding then a 4-byte FCS. */
const arpPaddedFcs = hexBytes(`
  ff ff ff ff ff ff 02 00 00 00 00 01 08 06       # eth
  00 01 08 00 06 04 00 01 02 00 00 00 00 01 0a 00 # arp request
  00 01 00 00 00 00 00 00 0a 00 00 02
  00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 # padding
  00 00
  de ad be ef                                     # FCS
`);

/** Bytes after the ARP that are not zeros: a trailer, not padding. */
const arpNonZeroPad = hexBytes(`
  ff ff ff ff ff ff 02 00 00 00 00 01 08 06       # eth
  00 01 08 00 06 04 00 01 02 00 00 00 00 01 0a 00 # arp request
  00 01 00 00 00 00 00 00 0a 00 00 02
  01 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 # 18 bytes after ARP, first one non-zero
  00 00
`);

/** 52-byte frame: too short to be padded, so the extra bytes are a trailer. */
const arpShortTrailer = hexBytes(`
  ff ff ff ff ff ff 02 00 00 00 00 01 08 06       # eth
  00 01 08 00 06 04 00 01 02 00 00 00 00 01 0a 00 # arp request
  00 01 00 00 00 00 00 00 0a 00 00 02
  00 00 00 00 00 00 00 00 00 00                   # 10 zero bytes: frame still under 60
`);

/** 72-byte frame: padding, trailer and FCS. */
const arpLongTrailer = hexBytes(`
  ff ff ff ff ff ff 02 00 00 00 00 01 08 06       # eth
  00 01 08 00 06 04 00 01 02 00 00 00 00 01 0a 00 # arp request
  00 01 00 00 00 00 00 00 0a 00 00 02
  00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 # padding 18, trailer 8, FCS 4 (all zero)
  00 00 00 00 00 00 00 00 00 00 00 00 00 00
`);

/** IPv4 + ICMP (28 bytes) padded to 60: the IPv4 total length bounds the payload. */
const ipv4Padded = hexBytes(`
  ff ff ff ff ff ff 02 00 00 00 00 01 08 00       # eth
  45 00 00 1c 1c 46 00 00 40 01 4a 99 0a 00 00 01 # ipv4: total length 28
  0a 00 00 02
  08 00 f7 fd 00 01 00 01                         # icmp echo request, no data
  00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 # padding
  00 00
`);

/** 802.1Q tag, priority 5, DEI set, VLAN 100, carrying an ICMP echo. */
const vlanIcmp = hexBytes(`
  02 00 00 00 00 02 02 00 00 00 00 01 81 00       # eth type 0x8100
  b0 64 08 00                                     # vlan: PCP 5, DEI 1, VID 100, type 0x0800
  45 00 00 24 1c 46 00 00 40 01 4a 91 0a 00 00 01 # ipv4
  0a 00 00 02
  08 00 54 35 12 34 00 01 61 62 63 64 65 66 67 68 # icmp
`);

/** 802.1ad Q-in-Q: S-VLAN 200 outside C-VLAN 100, carrying ICMPv6. */
const qinqIcmpv6 = hexBytes(`
  02 00 00 00 00 02 02 00 00 00 00 01 88 a8       # eth type 0x88a8
  60 c8 81 00                                     # S-tag: PCP 3, VID 200, type 0x8100
  00 64 86 dd                                     # C-tag: VID 100, type 0x86dd
  60 00 00 00 00 0a 3a 40 fe 80 00 00 00 00 00 00 # ipv6
  00 00 00 00 00 00 00 01 fe 80 00 00 00 00 00 00
  00 00 00 00 00 00 00 02
  80 00 10 3b 0a 0b 00 07 68 69                   # icmpv6 echo
`);

/** IEEE 802.3 frame with a length field (an STP BPDU). */
const ieee8023 = hexBytes(`
  01 80 c2 00 00 00 02 00 00 00 00 01 00 26       # eth: dst STP group address, length 38
  42 42 03 00 00 00 00 00 00 00 00 00 00 00 00 00 # LLC + 35 bytes
  00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00
  00 00 00 00 00 00
`);

/** 802.3 length field larger than the frame. */
const ieee8023TooLong = hexBytes(`
  02 00 00 00 00 02 02 00 00 00 00 01 03 e8       # eth: length 1000
  aa aa 03 00 00 00 08 00 45 00 00 24 1c 46 00 00 # only 44 bytes follow
  40 01 4a 91 0a 00 00 01 0a 00 00 02 08 00 54 35
  12 34 00 01 61 62 63 64 65 66 67 68
`);

/** A length/type value between 1501 and 1535. */
const invalidLengthType = hexBytes(`
  02 00 00 00 00 02 02 00 00 00 00 01 05 dd       # eth: length/type 0x05dd
  61 62 63                                        # 3 bytes
`);

/** An EtherType no dissector knows. */
const unknownEthertype = hexBytes(`
  02 00 00 00 00 02 02 00 00 00 00 01 12 34       # eth: type 0x1234
  75 6e 6b 6e 6f 77 6e                            # payload
`);

/** An Ethernet frame shorter than its header. */
const ethCut = hexBytes(`
  02 00 00 00 00 02 02 00 00 00 00 01 08          # 13 bytes: the type is incomplete
`);

/** Linux cooked capture v1, Ethernet interface, to us. */
const sllIpv4 = hexBytes(`
  00 00 00 01 00 06                               # sll: pkttype 0, hatype 1, halen 6
  02 00 00 00 00 01 00 00                         # address (6 + 2 unused)
  08 00                                           # protocol 0x0800
  45 00 00 24 1c 46 00 00 40 01 4a 91 0a 00 00 01 # ipv4
  0a 00 00 02
  08 00 54 35 12 34 00 01 61 62 63 64 65 66 67 68 # icmp
`);

/** SLL v1 on loopback: no link address. */
const sllLoopbackIpv6 = hexBytes(`
  00 04 03 04 00 00                               # sll: sent by us, hatype 772 loopback, halen 0
  00 00 00 00 00 00 00 00                         # unused address field
  86 dd                                           # protocol 0x86dd
  60 00 00 00 00 0a 3a 40 fe 80 00 00 00 00 00 00 # ipv6
  00 00 00 00 00 00 00 01 fe 80 00 00 00 00 00 00
  00 00 00 00 00 00 00 02
  80 00 10 3b 0a 0b 00 07 68 69                   # icmpv6
`);

/** Linux cooked capture v2 on interface 3. */
const sll2Ipv4 = hexBytes(`
  08 00 00 00 00 00 00 03                         # sll2: protocol 0x0800, reserved, ifindex 3
  00 01 00 06                                     # hatype 1, pkttype 0, halen 6
  02 00 00 00 00 01 00 00                         # address
  45 00 00 24 1c 46 00 00 40 01 4a 91 0a 00 00 01 # ipv4
  0a 00 00 02
  08 00 54 35 12 34 00 01 61 62 63 64 65 66 67 68 # icmp
`);

/** SLL2 on a tun device (ARPHRD_NONE). */
const sll2TunIpv6 = hexBytes(`
  86 dd 00 00 00 00 00 07                         # sll2: protocol 0x86dd, ifindex 7
  ff fe 04 00                                     # hatype 65534 (no header), sent by us, halen 0
  00 00 00 00 00 00 00 00                         # address field unused
  60 00 00 00 00 0a 3a 40 fe 80 00 00 00 00 00 00 # ipv6
  00 00 00 00 00 00 00 01 fe 80 00 00 00 00 00 00
  00 00 00 00 00 00 00 02
  80 00 10 3b 0a 0b 00 07 68 69                   # icmpv6
`);

/** BSD NULL header written by a little-endian host. */
const nullLe = hexBytes(`
  02 00 00 00                                     # AF_INET 2, little-endian
  45 00 00 24 1c 46 00 00 40 01 4a 91 0a 00 00 01 # ipv4
  0a 00 00 02
  08 00 54 35 12 34 00 01 61 62 63 64 65 66 67 68 # icmp
`);

/** BSD NULL header written by a big-endian host. */
const nullBe = hexBytes(`
  00 00 00 02                                     # AF_INET 2, big-endian
  45 00 00 24 1c 46 00 00 40 01 4a 91 0a 00 00 01 # ipv4
  0a 00 00 02
  08 00 54 35 12 34 00 01 61 62 63 64 65 66 67 68 # icmp
`);

/** macOS utun/loopback IPv6 (AF 30). */
const nullDarwinIpv6 = hexBytes(`
  1e 00 00 00                                     # AF_INET6 30 (macOS), little-endian
  60 00 00 00 00 0a 3a 40 fe 80 00 00 00 00 00 00 # ipv6
  00 00 00 00 00 00 00 01 fe 80 00 00 00 00 00 00
  00 00 00 00 00 00 00 02
  80 00 10 3b 0a 0b 00 07 68 69                   # icmpv6
`);

/** IPv6 with AF 24. */
const nullBsdIpv6 = hexBytes(`
  18 00 00 00                                     # AF_INET6 24 (NetBSD/OpenBSD)
  60 00 00 00 00 0a 3a 40 fe 80 00 00 00 00 00 00 # ipv6
  00 00 00 00 00 00 00 01 fe 80 00 00 00 00 00 00
  00 00 00 00 00 00 00 02
  80 00 10 3b 0a 0b 00 07 68 69                   # icmpv6
`);

/** IPv6 with AF 28. */
const nullFreebsdIpv6 = hexBytes(`
  1c 00 00 00                                     # AF_INET6 28 (FreeBSD)
  60 00 00 00 00 0a 3a 40 fe 80 00 00 00 00 00 00 # ipv6
  00 00 00 00 00 00 00 01 fe 80 00 00 00 00 00 00
  00 00 00 00 00 00 00 02
  80 00 10 3b 0a 0b 00 07 68 69                   # icmpv6
`);

/** An address family nobody registered. */
const nullUnknown = hexBytes(`
  63 00 00 00                                     # family 99
  7a 7a                                           # payload
`);

/** A NULL header cut short. */
const nullCut = hexBytes(`
  02 00 00                                        # 3 bytes of the 4-byte header
`);

/** OpenBSD LOOP header (always big-endian). */
const loopIpv4 = hexBytes(`
  00 00 00 02                                     # AF_INET 2, network byte order
  45 00 00 24 1c 46 00 00 40 01 4a 91 0a 00 00 01 # ipv4
  0a 00 00 02
  08 00 54 35 12 34 00 01 61 62 63 64 65 66 67 68 # icmp
`);

/** LOOP with IPv6. */
const loopIpv6 = hexBytes(`
  00 00 00 18                                     # AF_INET6 24, network byte order
  60 00 00 00 00 0a 3a 40 fe 80 00 00 00 00 00 00 # ipv6
  00 00 00 00 00 00 00 01 fe 80 00 00 00 00 00 00
  00 00 00 00 00 00 00 02
  80 00 10 3b 0a 0b 00 07 68 69                   # icmpv6
`);

/** LINKTYPE_RAW: an IPv4 packet. */
const rawIpv4 = hexBytes(`
  45 00 00 24 1c 46 00 00 40 01 4a 91 0a 00 00 01 # ipv4 (version nibble 4)
  0a 00 00 02
  08 00 54 35 12 34 00 01 61 62 63 64 65 66 67 68 # icmp
`);

/** LINKTYPE_RAW: an IPv6 packet. */
const rawIpv6 = hexBytes(`
  60 00 00 00 00 0a 3a 40 fe 80 00 00 00 00 00 00 # ipv6 (version nibble 6)
  00 00 00 00 00 00 00 01 fe 80 00 00 00 00 00 00
  00 00 00 00 00 00 00 02
  80 00 10 3b 0a 0b 00 07 68 69                   # icmpv6
`);

/** LINKTYPE_RAW with neither version. */
const rawVersion5 = hexBytes(`
  50 61 62 63                                     # version nibble 5
`);


describe('Ethernet II and ARP', () => {
  it('dissects an ARP request: addresses, address bits, opcode and the summary line', () => {
    const p = dissectBytes(arpRequest);
    expect(protocols(p)).toBe('eth:ethertype:arp');
    expect(fieldValue(p, 'eth.dst')).toBe('ff:ff:ff:ff:ff:ff');
    expect(fieldValue(p, 'eth.src')).toBe('02:00:00:00:00:01');
    expect(fieldValue(p, 'eth.type')).toBe('0x0806');
    expect(fieldValues(p, 'eth.addr')).toEqual(['ff:ff:ff:ff:ff:ff', '02:00:00:00:00:01']);
    expect(fieldValue(p, 'eth.dst.ig')).toBe('1');
    expect(fieldValue(p, 'eth.dst.lg')).toBe('1');
    expect(fieldValue(p, 'eth.src.ig')).toBe('0');
    expect(fieldValue(p, 'eth.src.lg')).toBe('1');
    expect(fieldValues(p, 'eth.ig')).toEqual(['1', '0']);
    expect(fieldValue(p, 'arp.hw.type')).toBe('1');
    expect(fieldValue(p, 'arp.proto.type')).toBe('0x0800');
    expect(fieldValue(p, 'arp.hw.size')).toBe('6');
    expect(fieldValue(p, 'arp.proto.size')).toBe('4');
    expect(fieldValue(p, 'arp.opcode')).toBe('1');
    expect(fieldValue(p, 'arp.src.hw_mac')).toBe('02:00:00:00:00:01');
    expect(fieldValue(p, 'arp.src.proto_ipv4')).toBe('10.0.0.1');
    expect(fieldValue(p, 'arp.dst.hw_mac')).toBe('00:00:00:00:00:00');
    expect(fieldValue(p, 'arp.dst.proto_ipv4')).toBe('10.0.0.2');
    expect(fieldValue(p, 'arp.isgratuitous')).toBeUndefined();
    expect(fieldValue(p, 'eth.padding')).toBeUndefined();
    expect(p.protocolColumn).toBe('ARP');
    expect(p.info).toBe('Who has 10.0.0.2? Tell 10.0.0.1');
    // Non-IP frames are summarised by their MAC addresses.
    expect([p.src, p.dst]).toEqual(['02:00:00:00:00:01', 'ff:ff:ff:ff:ff:ff']);
    expect([p.dlSrc, p.dlDst]).toEqual(['02:00:00:00:00:01', 'ff:ff:ff:ff:ff:ff']);
  });

  it('names replies, announcements, probes, gratuitous replies and unknown opcodes as tshark does', () => {
    expect(dissectBytes(arpReply).info).toBe('10.0.0.2 is at 02:00:00:00:00:02');
    const ann = dissectBytes(arpAnnouncement);
    expect(ann.info).toBe('ARP Announcement for 10.0.0.1');
    expect([fieldValue(ann, 'arp.isgratuitous'), fieldValue(ann, 'arp.isannouncement')]).toEqual(['1', '1']);
    const probe = dissectBytes(arpProbe);
    expect(probe.info).toBe('Who has 10.0.0.7? (ARP Probe)');
    expect(fieldValue(probe, 'arp.isprobe')).toBe('1');
    expect(dissectBytes(arpGratuitousReply).info).toBe('Gratuitous ARP for 10.0.0.1 (Reply)');
    expect(dissectBytes(arpUnknownOpcode).info).toBe('Unknown ARP opcode 0x004d');
  });

  it('reports a second MAC address claiming an IPv4 address, keeping the first binding (tshark\'s values)', () => {
    // 10.0.0.2 is at :02 (t=0); requests from 10.0.0.2 by :99 (t=5, t=7); again by :02 (t=9); a reply
    // from :02 to 10.0.0.1 at :77 (t=12), though the first reply bound 10.0.0.1 to :01.
    const frames = [
      [0, '020000000001 020000000002 0806 0001080006040002 020000000002 0a000002 020000000001 0a000001'],
      [5, 'ffffffffffff 020000000099 0806 0001080006040001 020000000099 0a000002 000000000000 0a000001'],
      [7, 'ffffffffffff 020000000099 0806 0001080006040001 020000000099 0a000002 000000000000 0a000001'],
      [9, 'ffffffffffff 020000000002 0806 0001080006040001 020000000002 0a000002 000000000000 0a000001'],
      [12, '020000000077 020000000002 0806 0001080006040002 020000000002 0a000002 020000000077 0a000001'],
    ] as const;
    const s = new Session();
    const ps = frames.map(([t, hex], i) => s.dissect({ ...makeFrame(hexBytes(hex), 1, i + 1), seconds: 1_700_000_000 + t }));
    // tshark 4.0.17 -T fields -e arp.duplicate-address-frame -e arp.seconds-since-duplicate-address-frame -e _ws.col.Info
    expect(ps.map((p) => [fieldValue(p, 'arp.duplicate-address-frame') ?? '', fieldValue(p, 'arp.seconds-since-duplicate-address-frame') ?? '', p.info].join('|'))).toEqual([
      '||10.0.0.2 is at 02:00:00:00:00:02',
      '1|5|Who has 10.0.0.1? Tell 10.0.0.2 (duplicate use of 10.0.0.2 detected!)',
      '1|7|Who has 10.0.0.1? Tell 10.0.0.2 (duplicate use of 10.0.0.2 detected!)',
      '||Who has 10.0.0.1? Tell 10.0.0.2',
      '1|12|10.0.0.2 is at 02:00:00:00:00:02 (duplicate use of 10.0.0.1 detected!)',
    ]);
    const item = ps[1]!.root.children!.at(-1)!;
    expect(nodeLabel(item)).toBe('[Duplicate IP address detected for 10.0.0.2 (02:00:00:00:00:99) - also in use by 02:00:00:00:00:02 (frame 1)]');
    expect(item.children!.map(nodeLabel)).toEqual(['[Frame showing earlier use of IP address: 1]', '[Seconds since earlier frame seen: 5]']);
    expect(ps[1]!.experts.map((e) => [e.severity, e.group, e.message])).toEqual([[Severity.Warning, 'Sequence', 'Duplicate IP address configured (10.0.0.2)']]);
  });

  it('marks an ARP cut short inside its addresses malformed, before adding any address', () => {
    const p = dissectBytes(arpCut);
    expect(isMalformed(p)).toBe(true);
    expect(fieldValue(p, 'arp.opcode')).toBe('1');
    expect(fieldValue(p, 'arp.src.hw_mac')).toBeUndefined();
    expect(p.info).toContain('[Malformed Packet]');
  });
});

describe('Ethernet padding, trailer and FCS (Wireshark 4.0 rules)', () => {
  it('shows zero bytes up to 60 as padding', () => {
    const p = dissectBytes(arpPadded);
    expect(fieldValue(p, 'eth.padding')).toBe(Array(18).fill('00').join(':'));
    expect(fieldValue(p, 'eth.trailer')).toBeUndefined();
    expect(fieldValue(p, 'eth.fcs')).toBeUndefined();
  });

  it('takes the last 4 bytes of a 64-byte frame as the FCS', () => {
    const p = dissectBytes(arpPaddedFcs);
    expect(fieldValue(p, 'eth.padding')).toBe(Array(18).fill('00').join(':'));
    expect(fieldValue(p, 'eth.fcs')).toBe('0xdeadbeef');
    expect(fieldValue(p, 'eth.fcs.status')).toBe('2');
    expect(fieldValue(p, 'eth.trailer')).toBeUndefined();
  });

  it('warns of a source address with the group bit set, under the source, before its address (as tshark)', () => {
    const p = dissectBytes(hexBytes(`
      ffffffffffff 55215a219efd 0806          # broadcast, from a group address
      0001 0800 0604 0001 55215a219efd c0a80168 000000000000 c0a80101`));
    expect(experts(p)).toEqual(['Source MAC must not be a group address: IEEE 802.3-2002, Section 3.2.3(b)']);
    const kids = findAll(p.root, 'eth.src')[0]!.children!.map((c) => c.field.abbrev);
    expect(kids[0]).toBe('eth.src_not_group');
    expect(kids.indexOf('eth.addr')).toBeGreaterThan(0);
  });

  it('calls non-zero bytes a trailer and says why', () => {
    const p = dissectBytes(arpNonZeroPad);
    expect(fieldValue(p, 'eth.padding')).toBeUndefined();
    expect(fieldValue(p, 'eth.trailer')).toBe('01:' + Array(17).fill('00').join(':'));
    expect(experts(p)).toEqual(["Didn't find padding of zeros, and an undecoded trailer exists. There may be padding of non-zeros."]);
    // tshark's name for this note (its JSON key, and a filter): eth.padding_bad.
    expect(findAll(p.root, 'eth.padding_bad')).toHaveLength(1);
  });

  it('does not call bytes padding when the frame is still under 60 bytes', () => {
    const p = dissectBytes(arpShortTrailer);
    expect(fieldValue(p, 'eth.padding')).toBeUndefined();
    expect(fieldValue(p, 'eth.trailer')).toBe(Array(10).fill('00').join(':'));
  });

  it('splits a long tail into padding, trailer and FCS', () => {
    const p = dissectBytes(arpLongTrailer);
    expect(fieldValue(p, 'eth.padding')).toBe(Array(18).fill('00').join(':'));
    expect(fieldValue(p, 'eth.trailer')).toBe(Array(8).fill('00').join(':'));
    expect(fieldValue(p, 'eth.fcs')).toBe('0x00000000');
  });

  it('lets the IPv4 total length bound the payload, so padding is not ICMP data', () => {
    const p = dissectBytes(ipv4Padded);
    expect(protocols(p)).toBe('eth:ethertype:ip:icmp');
    expect(fieldValue(p, 'eth.padding')).toBe(Array(18).fill('00').join(':'));
    expect(fieldValue(p, 'icmp.checksum.status')).toBe('1');
    expect(fieldValue(p, 'data.len')).toBeUndefined();
    expect(p.info).toBe('Echo (ping) request  id=0x0001, seq=1/256, ttl=64');
  });
});

describe('VLAN tags', () => {
  it('dissects an 802.1Q tag: priority, DEI, ID and type', () => {
    const p = dissectBytes(vlanIcmp);
    expect(protocols(p)).toBe('eth:ethertype:vlan:ethertype:ip:icmp:data');
    expect(fieldValue(p, 'eth.type')).toBe('0x8100');
    expect(fieldValue(p, 'vlan.priority')).toBe('5');
    expect(fieldValue(p, 'vlan.dei')).toBe('1');
    expect(fieldValue(p, 'vlan.id')).toBe('100');
    expect(fieldValue(p, 'vlan.etype')).toBe('0x0800');
    expect(p.protocolColumn).toBe('ICMP');
    expect([p.src, p.dst]).toEqual(['10.0.0.1', '10.0.0.2']);
    expect(p.info).toBe('Echo (ping) request  id=0x1234, seq=1/256, ttl=64');
  });

  it('dissects 802.1ad Q-in-Q as an S-tag (ieee8021ad) around a C-tag (vlan)', () => {
    const p = dissectBytes(qinqIcmpv6);
    expect(protocols(p)).toBe('eth:ethertype:ieee8021ad:ethertype:vlan:ethertype:ipv6:icmpv6:data');
    expect(fieldValue(p, 'ieee8021ad.priority')).toBe('3');
    expect(fieldValue(p, 'ieee8021ad.id')).toBe('200');
    expect(fieldValue(p, 'ieee8021ah.etype')).toBe('0x8100');
    expect(fieldValue(p, 'vlan.id')).toBe('100');
    expect(fieldValue(p, 'vlan.etype')).toBe('0x86dd');
    expect(fieldValue(p, 'icmpv6.checksum.status')).toBe('1');
    expect(p.info).toBe('Echo (ping) request id=0x0a0b, seq=7, hop limit=64');
  });

  it('stops at a runaway stack of tags instead of recursing', () => {
    const tag = '00 64 81 00 ';
    const bytes = hexBytes('02 00 00 00 00 02 02 00 00 00 00 01 81 00 ' + tag.repeat(40) + '00 64 08 00');
    const p = dissectBytes(bytes);
    expect(fieldValues(p, 'vlan.id').length).toBeLessThanOrEqual(21);
    expect(experts(p)).toContain('Too many nested VLAN tags');
  });
});

describe('802.3 length frames and odd type values', () => {
  it('shows a length instead of a type, and the LLC payload as data', () => {
    const p = dissectBytes(ieee8023);
    expect(fieldValue(p, 'eth.len')).toBe('38');
    expect(fieldValue(p, 'eth.type')).toBeUndefined();
    expect(fieldValue(p, 'eth.dst.ig')).toBe('1');
    expect(fieldValue(p, 'eth.dst.lg')).toBe('0');
    expect(protocols(p)).toMatch(/^eth:(llc|data)/);
    expect(isMalformed(p)).toBe(false);
  });

  it('flags a length that goes past the end of the frame', () => {
    const p = dissectBytes(ieee8023TooLong);
    expect(fieldValue(p, 'eth.len')).toBe('1000');
    expect(experts(p)).toContain('Length field value goes past the end of the payload');
    expect(p.experts[0]!.severity).toBe(5);
  });

  it('reports a length/type between 1501 and 1535 as invalid', () => {
    const p = dissectBytes(invalidLengthType);
    expect(fieldValue(p, 'eth.invalid_lentype')).toBe('0x05dd');
    expect(p.info).toBe('Ethernet Unknown: Invalid length/type: 0x05dd (1501)');
    expect(experts(p)).toEqual(['Invalid length/type: 0x05dd (1501)']);
    expect(protocols(p)).toBe('eth:data');
  });

  it('shows an unknown EtherType in the Protocol column and its payload as data', () => {
    const p = dissectBytes(unknownEthertype);
    expect(protocols(p)).toBe('eth:ethertype:data');
    expect(p.protocolColumn).toBe('0x1234');
    expect(p.info).toBe('Ethernet II');
    expect(fieldValue(p, 'data.len')).toBe('7');
  });

  it('marks a frame shorter than the Ethernet header malformed', () => {
    const p = dissectBytes(ethCut);
    expect(isMalformed(p)).toBe(true);
    expect(protocols(p)).toBe('eth');
    expect(p.protocolColumn).toBe('Ethernet');
    expect(p.info).toContain('[Malformed Packet]');
    expect(p.info).not.toContain('Ethernet II');
  });

  it('marks a frame cut by the snapshot length as truncated, not malformed', () => {
    const p = dissectBytes(arpRequest.subarray(0, 30), 1, {}, 42);
    expect(p.truncated).toBe(true);
    expect(isMalformed(p)).toBe(false);
  });
});

describe('Linux cooked capture', () => {
  it('SLL v1: packet type, address type and length, source, unused bytes, protocol', () => {
    const p = dissectBytes(sllIpv4, 113);
    expect(protocols(p)).toBe('sll:ethertype:ip:icmp:data');
    expect(fieldValue(p, 'sll.pkttype')).toBe('0');
    expect(fieldValue(p, 'sll.hatype')).toBe('1');
    expect(fieldValue(p, 'sll.halen')).toBe('6');
    expect(fieldValue(p, 'sll.src.eth')).toBe('02:00:00:00:00:01');
    expect(fieldValue(p, 'sll.unused')).toBe('00:00');
    expect(fieldValue(p, 'sll.etype')).toBe('0x0800');
    expect(fieldValue(p, 'sll.ifindex')).toBeUndefined();
    expect(p.info).toBe('Echo (ping) request  id=0x1234, seq=1/256, ttl=64');
  });

  it('SLL v1 on loopback has no address: the whole field is unused', () => {
    const p = dissectBytes(sllLoopbackIpv6, 113);
    expect(protocols(p)).toBe('sll:ethertype:ipv6:icmpv6:data');
    expect([fieldValue(p, 'sll.pkttype'), fieldValue(p, 'sll.hatype'), fieldValue(p, 'sll.halen')]).toEqual(['4', '772', '0']);
    expect(fieldValue(p, 'sll.src.eth')).toBeUndefined();
    expect(fieldValue(p, 'sll.unused')).toBe('00:00:00:00:00:00:00:00');
    expect(fieldValue(p, 'sll.etype')).toBe('0x86dd');
  });

  it('SLL2 adds the interface index', () => {
    const p = dissectBytes(sll2Ipv4, 276);
    expect(protocols(p)).toBe('sll:ethertype:ip:icmp:data');
    expect(fieldValue(p, 'sll.etype')).toBe('0x0800');
    expect(fieldValue(p, 'sll.ifindex')).toBe('3');
    expect(fieldValue(p, 'sll.src.eth')).toBe('02:00:00:00:00:01');
    const tun = dissectBytes(sll2TunIpv6, 276);
    expect([fieldValue(tun, 'sll.ifindex'), fieldValue(tun, 'sll.hatype'), fieldValue(tun, 'sll.pkttype')]).toEqual(['7', '65534', '4']);
    expect(fieldValue(tun, 'icmpv6.checksum.status')).toBe('1');
  });

  it('a cooked header cut short is malformed', () => {
    expect(isMalformed(dissectBytes(sllIpv4.subarray(0, 10), 113))).toBe(true);
    expect(isMalformed(dissectBytes(sll2Ipv4.subarray(0, 15), 276))).toBe(true);
  });
});

describe('BSD NULL / LOOP and raw IP', () => {
  it('reads the NULL address family in either byte order', () => {
    for (const bytes of [nullLe, nullBe]) {
      const p = dissectBytes(bytes, 0);
      expect(protocols(p)).toBe('null:ip:icmp:data');
      expect(fieldValue(p, 'null.family')).toBe('2');
      expect(p.info).toBe('Echo (ping) request  id=0x1234, seq=1/256, ttl=64');
    }
  });

  it('maps every BSD flavour of AF_INET6 (24, 28, 30) to IPv6', () => {
    for (const [bytes, family] of [[nullDarwinIpv6, '30'], [nullBsdIpv6, '24'], [nullFreebsdIpv6, '28']] as const) {
      const p = dissectBytes(bytes, 0);
      expect(protocols(p)).toBe('null:ipv6:icmpv6:data');
      expect(fieldValue(p, 'null.family')).toBe(family);
      expect([p.src, p.dst]).toEqual(['fe80::1', 'fe80::2']);
    }
  });

  it('shows an unknown family as data, with N/A columns', () => {
    const p = dissectBytes(nullUnknown, 0);
    expect(protocols(p)).toBe('null:data');
    expect(fieldValue(p, 'null.family')).toBe('99');
    expect([p.protocolColumn, p.info, p.src, p.dst]).toEqual(['N/A', 'Null/Loopback', 'N/A', 'N/A']);
  });

  it('marks a NULL header cut short malformed', () => {
    const p = dissectBytes(nullCut, 0);
    expect(isMalformed(p)).toBe(true);
    expect(p.info).toContain('Null/Loopback');
  });

  it('LOOP always uses network byte order', () => {
    expect(protocols(dissectBytes(loopIpv4, 108))).toBe('null:ip:icmp:data');
    const p = dissectBytes(loopIpv6, 108);
    expect(protocols(p)).toBe('null:ipv6:icmpv6:data');
    expect(fieldValue(p, 'null.family')).toBe('24');
  });

  it('raw IP picks IPv4 or IPv6 from the version nibble; 228/229 name the version up front', () => {
    expect(protocols(dissectBytes(rawIpv4, 101))).toBe('raw:ip:icmp:data');
    expect(protocols(dissectBytes(rawIpv6, 101))).toBe('raw:ipv6:icmpv6:data');
    expect(protocols(dissectBytes(rawIpv4, 228))).toBe('ip:icmp:data');
    expect(protocols(dissectBytes(rawIpv6, 229))).toBe('ipv6:icmpv6:data');
    // An IPv6 packet in an IPv4-only link type is handed on, as Wireshark does.
    expect(protocols(dissectBytes(rawIpv6, 228))).toBe('ip:ipv6:icmpv6:data');
    const bogus = dissectBytes(rawIpv4, 229);
    expect(bogus.info).toBe('Bogus IPv6 version (4, must be 6)');
    expect(experts(bogus)).toEqual(['Bogus IPv6 version']);
  });

  it('raw IP with neither version shows data (tshark calls it malformed; nothing here is)', () => {
    const p = dissectBytes(rawVersion5, 101);
    expect(protocols(p)).toBe('raw:data');
    expect([p.protocolColumn, p.info]).toEqual(['N/A', 'Raw packet data']);
  });
});

/** Per frame: the listed fields, occurrences joined by ',' and fields by '|' (tshark -T fields style). */
async function sampleRows(file: string, fields: string[]): Promise<string[]> {
  const s = new Session();
  const rows: string[] = [];
  await openCapture(path.join(samplesDir, file)).run((f) => {
    const p = s.dissect(f);
    rows.push(fields.map((x) => fieldValues(p, x).join(',')).join('|'));
  });
  return rows;
}

const sampleFields = ['vlan.id', 'ip.src', 'ip.dst', 'ip.ttl', 'ip.proto', 'ipv6.nxt', 'icmp.type', 'icmpv6.type'];

/** tshark 4.0.17 -T fields -E separator='|' with sampleFields, one entry per frame. */
const expected: Record<string, string> = {
  'vlan.pcap': '100|||||||;100|||||||;100|10.53.100.2|10.53.100.1|64|1||8|;100|10.53.100.1|10.53.100.2|64|1||0|;100|10.53.100.2|10.53.100.1|64|1||8|;100|10.53.100.1|10.53.100.2|64|1||0|;100|||||58||135;100|||||58||136;100|||||58||128;100|||||58||129;100|||||58||128;100|||||58||129;100|10.53.100.2|10.53.100.1|64|17|||;100|10.53.100.1|10.53.100.2|64|17|||;300|||||||;300|||||||;300|10.53.200.2|10.53.200.1|64|1||8|;300|10.53.200.1|10.53.200.2|64|1||0|;300|10.53.200.2|10.53.200.1|64|1||8|;300|10.53.200.1|10.53.200.2|64|1||0|',
  'sll.pcap': '|||||||;|||||||;|10.53.0.2|10.53.0.1|64|1||8|;|10.53.0.1|10.53.0.2|64|1||0|;|||||||;|||||||;|10.53.2.2|10.53.2.1|64|1||8|;|10.53.2.1|10.53.2.2|64|1||0|;|10.53.0.2|10.53.0.1|64|1||8|;|10.53.0.1|10.53.0.2|64|1||0|;|10.53.0.2|10.53.0.1|64|17|||;|10.53.0.1|10.53.0.2|64|17|||;|10.53.2.2|10.53.2.1|64|1||8|;|10.53.2.1|10.53.2.2|64|1||0|;|||||58||135;|||||58||136;|||||17||;|||||17||',
  'raw.pcap': '|10.53.1.2|10.53.1.1|64|1||8|;|10.53.1.1|10.53.1.2|64|1||0|;|10.53.1.2|10.53.1.1|64|1||8|;|10.53.1.1|10.53.1.2|64|1||0|;|||||58||128;|||||58||129;|||||58||128;|||||58||129;|10.53.1.2|10.53.1.1|64|17|||;|10.53.1.1|10.53.1.2|64|17|||',
};
expected['sll2.pcap'] = expected['sll.pcap']!;

describe('sample captures agree with tshark frame by frame', () => {
  for (const file of Object.keys(expected)) {
    it.skipIf(!fs.existsSync(path.join(samplesDir, file)))(file, async () => {
      const rows = await sampleRows(file, sampleFields);
      expect(rows).toEqual(expected[file]!.split(';'));
    });
  }

  it.skipIf(!fs.existsSync(path.join(samplesDir, 'vlan.pcap')))('vlan.pcap: Q-in-Q frames carry S-VLAN 200 and C-VLAN 300', async () => {
    const rows = await sampleRows('vlan.pcap', ['ieee8021ad.id', 'vlan.id', 'arp.opcode']);
    expect(rows[14]).toBe('200|300|1');
  });
});

describe('NFLOG (samples/nflog.pcap: nftables rules logging to group 5, tcpdump -i nflog:5)', () => {
  const file = path.join(samplesDir, 'nflog.pcap');
  const fields = ['nflog.family', 'nflog.res_id', 'nflog.hook', 'nflog.prefix', 'nflog.ifindex_indev', 'nflog.ifindex_outdev', 'nflog.uid', 'nflog.tlv_type', 'nflog.timestamp', 'ip.src', 'ipv6.src'];
  const row = (p: Packet) => [protocols(p), ...fields.map((f) => fieldValues(p, f).join(','))].join('|');

  it.skipIf(!fs.existsSync(file))('shows where and why each packet was logged, then the packet, as tshark does', async () => {
    const rows = await sampleRows('nflog.pcap', []);
    expect(rows.length).toBe(12);
    const ps = await dissectFile(file);
    // tshark 4.0.17 -T fields on the same file, frames 1, 2, 5, 11 and 12.
    expect([0, 1, 4, 10, 11].map((i) => row(ps[i]!))).toEqual([
      'nflog:ip:icmp:data|2|5|3|fw-out||2|0|1,10,5,11,14,9||10.48.0.1|',
      'nflog:ip:icmp:data|2|5|1|fw-in|2|||1,10,4,8,15,17,16,3,9|Nov 26, 2026 02:45:39.892011000 UTC|10.48.0.2|',
      'nflog:ipv6:icmpv6:data|10|5|3|fw-out||2|0|1,10,5,11,14,9|||fd48::1',
      'nflog:ip:udp:dns|2|5|3|fw-out||2|0|1,10,5,11,14,9||10.48.0.1|',
      'nflog:ip:udp:dns|2|5|1|fw-in|2||0|1,10,4,8,15,17,16,3,11,14,9|Nov 26, 2026 02:45:40.349843000 UTC|10.48.0.2|',
    ]);
    expect([ps[11]!.protocolColumn, ps[11]!.src, ps[11]!.info]).toEqual(['DNS', '10.48.0.2', 'Standard query response 0x455b A web.fw.test A 10.48.0.80']);
    expect(fieldValue(ps[0]!, 'frame.encap_type')).toBe('141');
    const tlvs = findAll(ps[1]!.root, 'nflog.tlv');
    expect(tlvs.slice(0, 2).map(nodeLabel)).toEqual(['TLV Type: NFULA_PACKET_HDR (1), Length: 8', 'TLV Type: NFULA_PREFIX (10), Length: 10']);
    expect(tlvs[0]!.children!.map(nodeLabel)).toEqual([
      'Length: 8',
      '.000 0000 0000 0001 = Type: NFULA_PACKET_HDR (1)',
      'HW protocol: IPv4 (0x0800)',
      'Netfilter hook: Local in (1)',
    ]);
    expect(tlvs[3]!.children!.map(nodeLabel)).toEqual(['Length: 16', '.000 0000 0000 1000 = Type: NFULA_HWADDR (8)', 'Value: 000600000248000000020000']);
  });

  it.skipIf(!fs.existsSync(path.join(corpusDir, 'tcpdump', 'nflog.pcap')))('tcpdump\'s nflog.pcap: a logged DNS answer with its kernel timestamp', async () => {
    const ps = await dissectFile(path.join(corpusDir, 'tcpdump', 'nflog.pcap'));
    expect(row(ps[0]!)).toBe('nflog:ip:udp:dns|2|20|1||2|||1,10,4,8,15,17,16,3,9|Sep  6, 2013 18:31:58.614652000 UTC|74.82.42.42|');
  });

  /** A logged ping: header (IPv4, group 7), PACKET_HDR (local out), PREFIX "x", PAYLOAD (28 bytes). */
  const logged = (order: 'le' | 'be') => {
    const tlv = (len: number, type: number) => (order === 'le' ? [len & 255, len >> 8, type & 255, type >> 8] : [len >> 8, len & 255, type >> 8, type & 255]);
    return Uint8Array.from([
      2, 0, 0, 7,
      ...tlv(8, 1), 0x08, 0x00, 3, 0,
      ...tlv(6, 10), 0x78, 0x00, 0, 0,
      ...tlv(32, 9),
      ...hexBytes('45 00 00 1c 00 01 00 00 40 01 66 de 0a 00 00 01 0a 00 00 02 08 00 f7 fe 00 01 00 00'),
    ]);
  };

  it('reads TLV headers written by a big-endian machine as well as little-endian ones', () => {
    for (const order of ['le', 'be'] as const) {
      const p = dissectBytes(logged(order), 239);
      expect([protocols(p), fieldValue(p, 'nflog.res_id'), fieldValue(p, 'nflog.hook'), fieldValue(p, 'nflog.prefix'), fieldValue(p, 'icmp.type')]).toEqual(['nflog:ip:icmp', '7', '3', 'x', '8']);
      expect(experts(p)).toEqual([]);
    }
  });

  it('stops at a TLV shorter than its own header, with an expert note, and the next frame is whole', () => {
    const bad = logged('le');
    bad[12] = 2; // the PREFIX TLV's length
    const s = new Session();
    const frames = [bad, logged('le')].map((b, i) => s.dissect(makeFrame(b, 239, i + 1)));
    expect(frames[0]!.experts.map((e) => e.message)).toEqual(['TLV length 2 is shorter than its own 4-byte header']);
    expect(protocols(frames[0]!)).toBe('nflog');
    expect(protocols(frames[1]!)).toBe('nflog:ip:icmp');
  });
});

describe('Cisco HDLC (tcpdump\'s HDLC.pcap), against tshark', () => {
  const file = path.join(corpusDir, 'tcpdump', 'HDLC.pcap');
  it.skipIf(!fs.existsSync(file))('serial-line frames: SLARP keepalives with their counters, IP by its EtherType', async () => {
    const ps = await dissectFile(file);
    const fields = ['chdlc.address', 'chdlc.protocol', 'slarp.ptype', 'slarp.mysequence', 'slarp.yoursequence', 'ip.src'];
    const row = (p: Packet) => [protocols(p), ...fields.map((f) => fieldValues(p, f).join(',')), p.info].join('|');
    // tshark 4.0.17 -T fields; frame 17 is CDP, which tshark dissects and vpnscope shows as data.
    expect([row(ps[0]!), row(ps[9]!)]).toEqual([
      'chdlc:slarp|0x8f|0x8035|2|5|2||Line keepalive, outgoing sequence 5, returned sequence 2',
      'chdlc:ip:icmp:data|0x0f|0x0800||||10.0.0.2|Echo (ping) reply    id=0x0000, seq=1/256, ttl=255 (request in 9)',
    ]);
    expect([ps[0]!.src, ps[0]!.dst, ps[0]!.protocolColumn]).toEqual(['N/A', 'N/A', 'SLARP']);
    expect(fieldValue(ps[0]!, 'frame.encap_type')).toBe('28');
  });
});

describe('Solaris IPNET (tcpdump\'s e1000g.pcap), against tshark', () => {
  const file = path.join(corpusDir, 'tcpdump', 'e1000g.pcap');
  it.skipIf(!fs.existsSync(file))('the 24-byte header (family, hook, interface, zones), then IPv4 by the family', async () => {
    const ps = await dissectFile(file);
    const fields = ['ipnet.family', 'ipnet.htype', 'ipnet.ifindex', 'ipnet.zsrc', 'ipnet.zdst', 'ip.src'];
    const row = (p: Packet) => [protocols(p), ...fields.map((f) => fieldValues(p, f).join(',')), p.info].join('|');
    // tshark 4.0.17 -T fields.
    expect([row(ps[0]!), row(ps[1]!)]).toEqual([
      'ipnet:ip:icmp:data|2|0|2|4294967295|0|129.146.106.55|Echo (ping) request  id=0x1af5, seq=0/0, ttl=249',
      'ipnet:ip:icmp:data|2|256|2|0|4294967295|10.5.233.117|Echo (ping) reply    id=0x1af5, seq=0/0, ttl=255 (request in 1)',
    ]);
    expect(nodeLabel(findAll(ps[0]!.root, 'ipnet.htype')[0]!)).toBe('Hook type: Inbound (0)');
    expect(nodeLabel(findAll(ps[1]!.root, 'ipnet.htype')[0]!)).toBe('Hook type: Unknown (256)');
    expect(fieldValue(ps[0]!, 'frame.encap_type')).toBe('124');
    expect(ps.length).toBe(20);
  });
});

describe('Linux ARCNET (tcpdump\'s arcnet captures), against tshark', () => {
  const rfc1201 = path.join(corpusDir, 'tcpdump', 'arcnet-rfc1201-arp-icmp-http.pcap');
  const rfc1051 = path.join(corpusDir, 'tcpdump', 'arcnet-rfc1051-arp-icmp-http.pcap');
  it.skipIf(!fs.existsSync(rfc1201) || !fs.existsSync(rfc1051))('one-byte addresses, the protocol id, and RFC 1201\'s split flag and sequence', async () => {
    const ps = await dissectFile(rfc1201);
    const fields = ['arcnet.src', 'arcnet.dst', 'arcnet.protID', 'arcnet.split_flag', 'arcnet.sequence', 'arp.src.hw', 'ip.src'];
    const row = (p: Packet) => [protocols(p), ...fields.map((f) => fieldValues(p, f).join(','))].join('|');
    // tshark 4.0.17 -T fields.
    expect(ps.slice(0, 3).map(row)).toEqual([
      'arcnet:arp|0xbe|0x00|0xd5|0|357|be|',
      'arcnet:arp|0x50|0xbe|0xd5|0|357|50|',
      'arcnet:ip:icmp:data|0xbe|0x50|0xd4|0|358||10.80.131.1',
    ]);
    expect([ps[0]!.src, ps[0]!.dst, ps[0]!.info]).toEqual(['0xbe', '0x00', 'Who has 10.80.131.254? Tell 10.80.131.1']);
    expect(ps[1]!.info).toBe('10.80.131.254 is at 50');
    // RFC 1051 framing has no split flag or sequence.
    const old = (await dissectFile(rfc1051))[2]!;
    expect([protocols(old), fieldValue(old, 'arcnet.protID'), fieldValue(old, 'arcnet.sequence'), fieldValue(old, 'frame.encap_type')])
      .toEqual(['arcnet:ip:icmp:data', '0xf0', undefined, '9']);
  });
});

describe('Linux cooked capture on a GRE interface (tcpdump\'s babel.pcap), against tshark', () => {
  const file = path.join(corpusDir, 'tcpdump', 'babel.pcap');
  it.skipIf(!fs.existsSync(file))('hardware type 778 names the payload by GRE protocol type, handed on without the Ethernet type step', async () => {
    const [p] = await dissectFile(file);
    expect([protocols(p!), fieldValue(p!, 'sll.hatype'), fieldValue(p!, 'sll.gretype'), fieldValue(p!, 'sll.etype'), fieldValue(p!, 'ipv6.src')])
      .toEqual(['sll:ipv6:udp:data', '778', '0x86dd', undefined, 'fe80::68d3:1235:d068:1f9e']);
  });
});

describe('link types shown as data still name their encapsulation as tshark does', () => {
  const files: [string, string, string][] = [['OSPFv3_NBMA_adjacencies.pcap', '26', 'Encapsulation type: Frame Relay (26)'], ['ieee802.11_exthdr.pcap', '23', 'Encapsulation type: IEEE 802.11 plus radiotap radio header (23)']];
  for (const [name, encap, line] of files) {
    const file = path.join(corpusDir, 'tcpdump', name);
    it.skipIf(!fs.existsSync(file))(name, async () => {
      const [p] = await dissectFile(file);
      expect(fieldValue(p!, 'frame.encap_type')).toBe(encap);
      expect(nodeLabel(findAll(p!.root, 'frame.encap_type')[0]!)).toBe(line);
    });
  }
});

describe('IPv6 addresses made by stateless autoconfiguration (tcpdump\'s babel_auth.pcap), against tshark', () => {
  const file = path.join(corpusDir, 'tcpdump', 'babel_auth.pcap');
  it.skipIf(!fs.existsSync(file))('an EUI-64 interface identifier names the MAC it was made from', async () => {
    const [p] = await dissectFile(file);
    // tshark 4.0.17 -n -V: [Source SLAAC MAC: b0:99:28:c8:d6:46], after the destination address.
    expect(fieldValue(p!, 'ipv6.src')).toBe('fe80::b299:28ff:fec8:d646');
    expect(fieldValue(p!, 'ipv6.src_slaac_mac')).toBe('b0:99:28:c8:d6:46');
    expect(fieldValues(p!, 'ipv6.slaac_mac')).toEqual(['b0:99:28:c8:d6:46']);
    expect(fieldValue(p!, 'ipv6.dst_slaac_mac')).toBeUndefined();
    expect(nodeLabel(findAll(p!.root, 'ipv6.src_slaac_mac')[0]!)).toBe('[Source SLAAC MAC: b0:99:28:c8:d6:46]');
  });
});
