/**
 * IPv4 and IPv6: header fields, options and extension headers, checksum verification, bogus lengths,
 * and fragment reassembly (engine/fragments.ts). Frames are raw IP (LINKTYPE_RAW, 101). Every
 * expected value is what tshark 4.0.17 prints for the same bytes (`tshark -o ip.check_checksum:TRUE
 * -T fields`), except where a comment says vpnscope differs on purpose.
 */
import { describe, expect, it } from 'vitest';
import { findAll } from '../src/engine/query.js';
import { nodeLabel } from '../src/engine/format.js';
import fs from 'node:fs';
import path from 'node:path';
import { dissectAll, dissectBytes, fieldValue, fieldValues, hexBytes, isMalformed, samplesDir } from './util.js';
import { Session } from '../src/engine/session.js';
import { openCapture } from '../src/capture/open.js';
import { Reassembler, FragmentProblem } from '../src/engine/fragments.js';
import type { Packet } from '../src/engine/packet.js';

const RAW = 101;

function protocols(pkt: Packet): string {
  return pkt.layers.slice(1).join(':');
}

function experts(pkt: Packet): string[] {
  return pkt.experts.map((e) => e.message);
}

function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/** IPv4, DSCP 46 (EF) + ECN 1, DF set, carrying an ICMP echo request. */
const ipv4Echo = hexBytes(`
  45 b9 00 24 1c 46 40 00 40 01 09 d8 0a 00 00 01 # ipv4: tos 0xb9, len 36, id 0x1c46, DF, ttl 64, proto 1
  0a 00 00 02
  08 00 54 35 12 34 00 01 61 62 63 64 65 66 67 68 # icmp echo request
`);

/** The same header with a corrupted checksum. */
const ipv4BadChecksum = hexBytes(`
  45 00 00 24 1c 46 00 00 40 01 b5 91 0a 00 00 01 # ipv4: checksum byte 10 flipped (0xb591, should be 0x4a91)
  0a 00 00 02
  08 00 54 35 12 34 00 01 61 62 63 64 65 66 67 68 # icmp
`);

/** Options: NOP, then Record Route (length 11, pointer 8: one address recorded, one slot empty). */
const ipv4RecordRoute = hexBytes(`
  48 00 00 30 1c 46 00 00 40 01 37 70 0a 00 00 01 # ipv4 header
  0a 00 00 02
  01 07 0b 08 01 02 03 04 00 00 00 00             # options
  08 00 54 35 12 34 00 01 61 62 63 64 65 66 67 68 # icmp echo request
`);

/** Options: Router Alert (0), then Time Stamp (flag 0: time stamps only). */
const ipv4RouterAlertTimestamp = hexBytes(`
  49 00 00 2c 1c 46 00 00 40 02 39 3e 0a 00 00 01 # ipv4 header
  0a 00 00 02
  94 04 00 00 44 0c 05 00 00 00 30 39 00 00 00 00 # options
  11 64 ee 9b 00 00 00 00                         # igmp query
`);

/** An option whose length byte says 1: too short. */
const ipv4ShortOption = hexBytes(`
  46 00 00 28 1c 46 00 00 40 01 42 8c 0a 00 00 01 # ipv4 header
  0a 00 00 02
  07 01 00 00                                     # options
  08 00 54 35 12 34 00 01 61 62 63 64 65 66 67 68 # icmp echo request
`);

/** An option whose length (40) runs past the 4 bytes of options. */
const ipv4LongOption = hexBytes(`
  46 00 00 28 1c 46 00 00 40 01 c2 64 0a 00 00 01 # ipv4 header
  0a 00 00 02
  83 28 04 00                                     # options
  08 00 54 35 12 34 00 01 61 62 63 64 65 66 67 68 # icmp echo request
`);

/** Four NOPs then End of Options List. */
const ipv4FourNops = hexBytes(`
  47 00 00 2c 1c 46 00 00 40 01 46 87 0a 00 00 01 # ipv4 header
  0a 00 00 02
  01 01 01 01 00 00 00 00                         # options
  08 00 54 35 12 34 00 01 61 62 63 64 65 66 67 68 # icmp echo request
`);

/** Loose Source Route with a hop to go: the datagram is really for 2.2.2.2, via 10.0.0.2. */
const ipv4LooseSourceRoute = hexBytes(`
  48 00 00 30 1c 46 00 00 40 01 b6 72 0a 00 00 01 # ipv4 header
  0a 00 00 02
  83 0b 08 01 01 01 01 02 02 02 02 01             # options
  08 00 54 35 12 34 00 01 61 62 63 64 65 66 67 68 # icmp echo request
`);

/** Total length 12, smaller than the 20-byte header. */
const ipv4LengthBelowHeader = hexBytes(`
  45 00 00 0c 1c 46 00 00 40 01 4a a9 0a 00 00 01 # ipv4: total length 12
  0a 00 00 02
  08 00 54 35 12 34 00 01 61 62 63 64 65 66 67 68 # icmp echo request
`);

/** Total length 200, but only 36 bytes are there. */
const ipv4LengthBeyondFrame = hexBytes(`
  45 00 00 c8 1c 46 00 00 40 01 49 ed 0a 00 00 01 # ipv4: total length 200
  0a 00 00 02
  08 00 54 35 12 34 00 01 61 62 63 64 65 66 67 68 # icmp echo request
`);

/** Total length 0, as captured before TCP segmentation offload. */
const ipv4LengthZero = hexBytes(`
  45 00 00 00 1c 46 00 00 40 01 4a b5 0a 00 00 01 # ipv4: total length 0
  0a 00 00 02
  08 00 54 35 12 34 00 01 61 62 63 64 65 66 67 68 # icmp echo request
`);

/** Header length 16, below the minimum of 20. */
const ipv4HeaderLength16 = hexBytes(`
  44 00 00 24 1c 46 00 00 40 01 4a 91 0a 00 00 01 # ipv4: IHL 4 (16 bytes)
  0a 00 00 02
  08 00 54 35 12 34 00 01 61 62 63 64 65 66 67 68 # icmp
`);

/** Version 5 in an IPv4 header. */
const ipv4Version5 = hexBytes(`
  55 00 00 24 1c 46 00 00 40 01 4a 91 0a 00 00 01 # version 5
  0a 00 00 02
  08 00 54 35 12 34 00 01 61 62 63 64 65 66 67 68 # icmp
`);

/** TTL 1 to a unicast address (an expert note), carrying UDP. */
const ipv4Ttl1 = hexBytes(`
  45 00 00 1c 1c 46 00 00 01 11 89 89 0a 00 00 01 # ipv4 header
  0a 00 00 02
  00 01 00 02 00 08 00 00                         # udp 1 -> 2
`);

/** TTL 1 to the mDNS group 224.0.0.251, whose senders must use 255 (RFC 6762): a note. */
const ipv4Mdns = hexBytes(`
  45 00 00 1c 1c 46 00 00 01 11 b2 8f 0a 00 00 01 # ipv4 header
  e0 00 00 fb
  14 e9 14 e9 00 08 00 00                         # udp 5353
`);

/** TTL 1 to an ordinary multicast group: normal, no note. */
const ipv4SiteMulticast = hexBytes(`
  45 00 00 1c 1c 46 00 00 01 11 a2 86 0a 00 00 01 # ipv4 header
  ef 01 02 03
  13 88 13 88 00 08 00 00                         # udp 5000
`);

/** Protocol 253 (experimentation), which nothing dissects. */
const ipv4Proto253 = hexBytes(`
  45 00 00 18 1c 46 00 00 40 fd 49 a1 0a 00 00 01 # ipv4 header
  0a 00 00 02
  78 79 7a 77                                     # payload
`);

/** IPv6, traffic class 0xb9 (DSCP 46, ECN 1), flow label 0x12345, ICMPv6 echo request. */
const ipv6Echo = hexBytes(`
  6b 91 23 45 00 0d 3a 40                         # ipv6: tc 0xb9, flow 0x12345, plen 13, nxt 58, hlim 64
  fe 80 00 00 00 00 00 00 00 00 00 00 00 00 00 01 # src fe80::1
  fe 80 00 00 00 00 00 00 00 00 00 00 00 00 00 02 # dst fe80::2
  80 00 34 cf 0a 0b 00 07 68 65 6c 6c 6f          # icmpv6 echo request
`);

/** Hop-by-hop options (Router Alert: MLD, PadN) before an MLD report. */
const ipv6HopByHop = hexBytes(`
  60 00 00 00 00 20 00 01                         # ipv6: plen 32, nxt 0, hlim 1
  fe 80 00 00 00 00 00 00 00 00 00 00 00 00 00 01 # src
  ff 02 00 00 00 00 00 00 00 00 00 00 00 00 00 fb # dst ff02::fb
  3a 00 05 02 00 00 01 00                         # hop-by-hop: nxt 58, len 0; router alert 0; PadN 0
  83 00 7e 2f 00 00 00 00 ff 02 00 00 00 00 00 00 # icmpv6 MLD report
  00 00 00 00 00 00 00 fb
`);

/** Type 0 routing header (one hop left, to 2001:db8::99), destination options (PadN), ICMPv6 echo; the checksum uses the final destination. */
const ipv6RoutingDstopts = hexBytes(`
  60 00 00 00 00 28 2b 40                         # ipv6: plen 40, nxt 43
  fe 80 00 00 00 00 00 00 00 00 00 00 00 00 00 01 # src
  fe 80 00 00 00 00 00 00 00 00 00 00 00 00 00 02 # dst (next hop) fe80::2
  3c 02 00 01 00 00 00 00                         # routing: nxt 60, len 2, type 0, segments left 1, reserved
  20 01 0d b8 00 00 00 00 00 00 00 00 00 00 00 99 # address[1] 2001:db8::99
  3a 00 01 04 00 00 00 00                         # destination options: nxt 58, len 0, PadN 4
  80 00 52 e7 00 01 00 01                         # icmpv6 echo request
`);

/** Next header 59 with 4 stray bytes after the header. */
const ipv6NoNextHeader = hexBytes(`
  60 00 00 00 00 04 3b 40                         # ipv6: plen 4, nxt 59
  fe 80 00 00 00 00 00 00 00 00 00 00 00 00 00 01 # src
  fe 80 00 00 00 00 00 00 00 00 00 00 00 00 00 02 # dst
  6a 75 6e 6b                                     # bytes after "no next header"
`);

/** Payload length 100, but only 8 bytes follow. */
const ipv6LengthBeyondFrame = hexBytes(`
  60 00 00 00 00 64 3a 40                         # ipv6: plen 100
  fe 80 00 00 00 00 00 00 00 00 00 00 00 00 00 01 # src
  fe 80 00 00 00 00 00 00 00 00 00 00 00 00 00 02 # dst
  80 00 82 b6 00 01 00 01                         # icmpv6 echo request
`);

/** ICMPv6 echo with its last byte flipped. */
const ipv6BadChecksum = hexBytes(`
  60 00 00 00 00 08 3a 40                         # ipv6
  fe 80 00 00 00 00 00 00 00 00 00 00 00 00 00 01 # src
  fe 80 00 00 00 00 00 00 00 00 00 00 00 00 00 02 # dst
  80 00 82 b6 00 01 00 00                         # icmpv6 echo, corrupted
`);

/** Payload length 0 with a Jumbo Payload option (70000) that the frame cannot hold. */
const ipv6Jumbo = hexBytes(`
  60 00 00 00 00 00 00 40                         # ipv6: plen 0, nxt 0
  fe 80 00 00 00 00 00 00 00 00 00 00 00 00 00 01 # src
  fe 80 00 00 00 00 00 00 00 00 00 00 00 00 00 02 # dst
  3b 00 c2 04 00 01 11 70                         # hop-by-hop: nxt 59, jumbo 70000
`);


describe('IPv4 header', () => {
  it('dissects every header field, the DS field parts and the hidden address fields', () => {
    const p = dissectBytes(ipv4Echo, RAW);
    expect(protocols(p)).toBe('raw:ip:icmp:data');
    expect(fieldValue(p, 'ip.version')).toBe('4');
    expect(fieldValue(p, 'ip.hdr_len')).toBe('20');
    expect(fieldValue(p, 'ip.dsfield')).toBe('0xb9');
    expect(fieldValue(p, 'ip.dsfield.dscp')).toBe('46');
    expect(fieldValue(p, 'ip.dsfield.ecn')).toBe('1');
    expect(fieldValue(p, 'ip.len')).toBe('36');
    expect(fieldValue(p, 'ip.id')).toBe('0x1c46');
    // tshark prints ip.flags as "0x02" (the type's width); the value is the 3 flag bits.
    expect(fieldValues(p, 'ip.flags').map(Number)).toEqual([2]);
    expect([fieldValue(p, 'ip.flags.rb'), fieldValue(p, 'ip.flags.df'), fieldValue(p, 'ip.flags.mf')]).toEqual(['0', '1', '0']);
    expect(fieldValue(p, 'ip.frag_offset')).toBe('0');
    expect(fieldValue(p, 'ip.ttl')).toBe('64');
    expect(fieldValue(p, 'ip.proto')).toBe('1');
    expect(fieldValue(p, 'ip.checksum')).toBe('0x09d8');
    expect(fieldValue(p, 'ip.checksum.status')).toBe('1');
    expect(fieldValue(p, 'ip.checksum_calculated')).toBe('0x09d8');
    expect(fieldValue(p, 'ip.src')).toBe('10.0.0.1');
    expect(fieldValue(p, 'ip.dst')).toBe('10.0.0.2');
    expect(fieldValues(p, 'ip.addr')).toEqual(['10.0.0.1', '10.0.0.2']);
    expect(fieldValues(p, 'ip.host')).toEqual(['10.0.0.1', '10.0.0.2']);
    expect([fieldValue(p, 'ip.src_host'), fieldValue(p, 'ip.dst_host')]).toEqual(['10.0.0.1', '10.0.0.2']);
    expect([p.src, p.dst, p.netSrc, p.netDst]).toEqual(['10.0.0.1', '10.0.0.2', '10.0.0.1', '10.0.0.2']);
    expect(Array.from(p.netDstBytes!)).toEqual([10, 0, 0, 2]);
    expect(p.experts).toEqual([]);
  });

  it('verifies the header checksum (unlike tshark\'s default) and flags a bad one', () => {
    const p = dissectBytes(ipv4BadChecksum, RAW);
    expect(fieldValue(p, 'ip.checksum')).toBe('0xb591');
    expect(fieldValue(p, 'ip.checksum.status')).toBe('0');
    expect(fieldValue(p, 'ip.checksum_calculated')).toBe('0x4a91');
    expect(experts(p)).toEqual(['Bad checksum [should be 0x4a91]']);
    // Dissection goes on: the payload is still shown.
    expect(fieldValue(p, 'icmp.type')).toBe('8');
    const off = dissectBytes(ipv4BadChecksum, RAW, { prefs: { 'ip.check_checksum': 'FALSE' } });
    expect(fieldValue(off, 'ip.checksum.status')).toBe('2');
    expect(off.experts).toEqual([]);
  });

  it('flags a low TTL to a unicast address, and a wrong TTL to the local control block, but not others', () => {
    const p = dissectBytes(ipv4Ttl1, RAW);
    expect(experts(p)).toEqual(['"Time To Live" only 1']);
    expect(p.experts[0]!.severity).toBe(3);
    expect(experts(dissectBytes(ipv4Mdns, RAW))).toEqual(['"Time To Live" != 255 for a packet sent to the Local Network Control Block (see RFC 3171)']);
    // The notes' own names, tshark's JSON keys and filter fields.
    expect(findAll(p.root, 'ip.ttl.too_small')).toHaveLength(1);
    expect(findAll(dissectBytes(ipv4Mdns, RAW).root, 'ip.ttl.lncb')).toHaveLength(1);
    expect(dissectBytes(ipv4SiteMulticast, RAW).experts).toEqual([]);
  });

  it('names a protocol nobody dissects in the Info column and shows its bytes as data', () => {
    const p = dissectBytes(ipv4Proto253, RAW);
    expect(protocols(p)).toBe('raw:ip:data');
    expect(p.protocolColumn).toBe('IPv4');
    expect(p.info).toBe('Unknown (253)');
    expect(fieldValue(p, 'data.len')).toBe('4');
  });
});

describe('IPv4 options', () => {
  it('NOP and Record Route: pointer, recorded and empty slots', () => {
    const p = dissectBytes(ipv4RecordRoute, RAW);
    expect(fieldValue(p, 'ip.hdr_len')).toBe('32');
    expect(fieldValues(p, 'ip.opt.type')).toEqual(['1', '7']);
    expect(fieldValues(p, 'ip.opt.type.copy')).toEqual(['0', '0']);
    expect(fieldValues(p, 'ip.opt.type.number')).toEqual(['1', '7']);
    expect(fieldValue(p, 'ip.opt.len')).toBe('11');
    expect(fieldValue(p, 'ip.opt.ptr')).toBe('8');
    expect(fieldValue(p, 'ip.rec_rt')).toBe('1.2.3.4');
    expect(fieldValue(p, 'ip.empty_rt')).toBe('0.0.0.0');
    expect(fieldValue(p, 'ip.checksum.status')).toBe('1');
    expect(fieldValue(p, 'icmp.checksum.status')).toBe('1');
    // Each option is its own field holding its bytes (tshark's JSON keys), labelled as tshark does.
    expect(fieldValue(p, 'ip.options.nop')).toBe('01');
    expect(fieldValue(p, 'ip.options.record_route')).toBe('07:0b:08:01:02:03:04:00:00:00:00');
    expect(nodeLabel(findAll(p.root, 'ip.options.record_route')[0]!)).toBe('IP Option - Record Route (11 bytes)');
  });

  it('Router Alert and Time Stamp', () => {
    const p = dissectBytes(ipv4RouterAlertTimestamp, RAW);
    expect(fieldValues(p, 'ip.opt.type')).toEqual(['148', '68']);
    expect(fieldValues(p, 'ip.opt.len')).toEqual(['4', '12']);
    expect(fieldValues(p, 'ip.opt.type.copy')).toEqual(['1', '0']);
    expect(fieldValues(p, 'ip.opt.type.class')).toEqual(['0', '2']);
    expect(fieldValue(p, 'ip.opt.ra')).toBe('0');
    expect(fieldValue(p, 'ip.opt.ptr')).toBe('5');
    expect(fieldValue(p, 'ip.opt.flag')).toBe('0x00');
    expect(fieldValues(p, 'ip.opt.time_stamp')).toEqual(['12345', '0']);
  });

  it('stops at an option whose length is too short or runs past the header, with tshark\'s warnings', () => {
    const short = dissectBytes(ipv4ShortOption, RAW);
    expect(experts(short)).toEqual(['Record Route (with too-short option length = 1 byte)']);
    expect(fieldValue(short, 'ip.opt.type')).toBeUndefined();
    expect(fieldValue(short, 'icmp.type')).toBe('8');
    const long = dissectBytes(ipv4LongOption, RAW);
    expect(experts(long)).toEqual(['Loose Source Route (option length = 40 bytes says option goes past end of options)']);
    expect(isMalformed(long)).toBe(false);
  });

  it('warns about four NOPs in a row and stops at End of Options List', () => {
    const p = dissectBytes(ipv4FourNops, RAW);
    expect(fieldValues(p, 'ip.opt.type')).toEqual(['1', '1', '1', '1', '0']);
    expect(experts(p)).toEqual(['4 NOP in a row - a router may have removed some options']);
  });

  it('takes the last hop of a pending source route as the destination', () => {
    const p = dissectBytes(ipv4LooseSourceRoute, RAW);
    expect(fieldValue(p, 'ip.dst')).toBe('2.2.2.2');
    expect(fieldValue(p, 'ip.cur_rt')).toBe('10.0.0.2');
    expect(fieldValues(p, 'ip.addr')).toEqual(['10.0.0.1', '2.2.2.2']);
    expect(fieldValue(p, 'ip.rec_rt')).toBe('1.1.1.1');
    expect(fieldValues(p, 'ip.opt.type')).toEqual(['131', '1']);
    expect([p.src, p.dst]).toEqual(['10.0.0.1', '2.2.2.2']);
  });
});

describe('IPv4 lengths that do not add up', () => {
  it('total length below the header: stops, says so in Info, leaves the addresses alone', () => {
    const p = dissectBytes(ipv4LengthBelowHeader, RAW);
    expect(protocols(p)).toBe('raw:ip');
    expect(fieldValue(p, 'ip.len')).toBe('12');
    expect(fieldValue(p, 'ip.src')).toBeUndefined();
    expect(p.info).toBe('Bogus IP length (12, less than header length 20)');
    expect(experts(p)).toEqual(['Bogus IP length']);
    expect([p.src, p.dst]).toEqual(['N/A', 'N/A']);
  });

  it('total length beyond the frame: flagged, and the payload that is there is still dissected', () => {
    const p = dissectBytes(ipv4LengthBeyondFrame, RAW);
    expect(fieldValue(p, 'ip.len')).toBe('200');
    expect(experts(p)).toEqual(['IPv4 total length exceeds packet length (36 bytes)']);
    expect(p.experts[0]!.severity).toBe(5);
    expect(protocols(p)).toBe('raw:ip:icmp:data');
    expect(p.info).toBe('Echo (ping) request  id=0x1234, seq=1/256, ttl=64');
  });

  it('total length 0 (segmentation offload): uses the frame length', () => {
    const p = dissectBytes(ipv4LengthZero, RAW);
    expect(fieldValue(p, 'ip.len')).toBe('36');
    expect(fieldValue(p, 'ip.checksum.status')).toBe('1');
    expect(p.experts).toEqual([]);
    expect(fieldValue(p, 'icmp.type')).toBe('8');
  });

  it('header length below 20 and a version other than 4 stop dissection', () => {
    const hl = dissectBytes(ipv4HeaderLength16, RAW);
    expect(fieldValue(hl, 'ip.hdr_len')).toBe('16');
    expect(hl.info).toBe('Bogus IP header length (16, must be at least 20)');
    expect(protocols(hl)).toBe('raw:ip');
    // tshark's raw-IP dissector never reaches IPv4 for version 5; IPv4 itself (link type 228) says:
    const v = dissectBytes(ipv4Version5, 228);
    expect(fieldValue(v, 'ip.version')).toBe('5');
    expect(v.info).toBe('Bogus IPv4 version (5, must be 4)');
    expect(experts(v)).toEqual(['Bogus IPv4 version']);
  });

  it('a header cut by the snapshot length is truncated, not malformed, and shows what it has', () => {
    const p = dissectBytes(ipv4Echo.subarray(0, 16), RAW, {}, ipv4Echo.length);
    expect(p.truncated).toBe(true);
    expect(isMalformed(p)).toBe(false);
    expect(fieldValue(p, 'ip.src')).toBe('10.0.0.1');
    expect(fieldValue(p, 'ip.dst')).toBeUndefined();
    expect(p.src).toBe('10.0.0.1');
  });

  it('a header that the packet itself cuts short is malformed', () => {
    const p = dissectBytes(ipv4Echo.subarray(0, 16), RAW);
    expect(isMalformed(p)).toBe(true);
  });
});

/** 4000 bytes of ICMP echo data (i & 0xff) behind an 8-byte echo header: 4008 bytes in three fragments. */
const echoHeader = hexBytes('08 00 d8 f5 12 34 00 01'); // type 8, checksum 0xd8f5, id 0x1234, seq 1
const bigEcho = concat(echoHeader, Uint8Array.from({ length: 4000 }, (_, i) => i & 0xff));
/** IPv4 headers (20 bytes) of the fragments: id, flags/offset and checksum differ. */
const fragHeaders = {
  a0: hexBytes('45 00 05 dc 1c 46 20 00 40 01 24 d9 0a 00 00 01 0a 00 00 02'), // id 1c46, MF, offset 0
  a1: hexBytes('45 00 05 dc 1c 46 20 b9 40 01 24 20 0a 00 00 01 0a 00 00 02'), // MF, offset 185 (1480)
  a2: hexBytes('45 00 04 2c 1c 46 01 72 40 01 45 17 0a 00 00 01 0a 00 00 02'), // last, offset 370 (2960)
  b0: hexBytes('45 00 05 dc 22 22 20 00 40 01 1e fd 0a 00 00 01 0a 00 00 02'), // id 2222: never completed
  c2: hexBytes('45 00 04 2c 33 33 01 72 40 01 2e 2a 0a 00 00 01 0a 00 00 02'), // id 3333, arriving last-first
  c1: hexBytes('45 00 05 dc 33 33 20 b9 40 01 0d 33 0a 00 00 01 0a 00 00 02'),
  c0: hexBytes('45 00 05 dc 33 33 20 00 40 01 0d ec 0a 00 00 01 0a 00 00 02'),
};
const part = (from: number, to: number) => bigEcho.subarray(from, to);
const fragmentFrames = [
  concat(fragHeaders.a0, part(0, 1480)),
  concat(fragHeaders.a1, part(1480, 2960)),
  concat(fragHeaders.a2, part(2960, 4008)),
  concat(fragHeaders.b0, part(0, 1480)),
  concat(fragHeaders.c2, part(2960, 4008)),
  concat(fragHeaders.c1, part(1480, 2960)),
  concat(fragHeaders.c0, part(0, 1480)),
];

describe('IPv4 reassembly', () => {
  const pkts = dissectAll(fragmentFrames, RAW);

  it('shows fragments that do not complete a datagram as data, with tshark\'s Info', () => {
    expect(protocols(pkts[0]!)).toBe('raw:ip:data');
    expect(pkts[0]!.info).toBe('Fragmented IP protocol (proto=ICMP 1, off=0, ID=1c46)');
    expect(pkts[1]!.info).toBe('Fragmented IP protocol (proto=ICMP 1, off=1480, ID=1c46)');
    expect(fieldValue(pkts[1]!, 'ip.frag_offset')).toBe('185');
    expect(fieldValue(pkts[1]!, 'data.len')).toBe('1480');
    expect(pkts[3]!.info).toBe('Fragmented IP protocol (proto=ICMP 1, off=0, ID=2222)');
    expect(pkts[4]!.info).toBe('Fragmented IP protocol (proto=ICMP 1, off=2960, ID=3333)');
  });

  it('lists the fragments in the completing frame and dissects the datagram from a new source', () => {
    const p = pkts[2]!;
    expect(protocols(p)).toBe('raw:ip:icmp:data');
    expect(fieldValues(p, 'ip.fragment')).toEqual(['1', '2', '3']);
    expect(fieldValue(p, 'ip.fragment.count')).toBe('3');
    expect(fieldValue(p, 'ip.reassembled.length')).toBe('4008');
    const list = p.root.children!.find((n) => n.field.abbrev === 'ip')!.children!.find((n) => n.field.abbrev === 'ip.fragments')!;
    expect(list.text).toBe('3 IPv4 Fragments (4008 bytes): #1(1480), #2(1480), #3(1048)');
    expect(p.extraSources!.map((s) => s.name)).toEqual(['Reassembled IPv4 (4008 bytes)']);
    expect(fieldValue(p, 'icmp.type')).toBe('8');
    expect(fieldValue(p, 'icmp.checksum.status')).toBe('1');
    expect(fieldValue(p, 'data.len')).toBe('4000');
    expect(p.info).toBe('Echo (ping) request  id=0x1234, seq=1/256, ttl=64');
  });

  it('matches tshark single-pass: ip.reassembled_in appears in no frame', () => {
    // tshark without -2 prints nothing for ip.reassembled_in, not even in the completing frame;
    // the completing frame lists the fragments instead (ip.fragment).
    for (const p of pkts) expect(fieldValue(p, 'ip.reassembled_in')).toBeUndefined();
  });

  it('reassembles fragments that arrive out of order, listing them by offset', () => {
    const p = pkts[6]!;
    expect(fieldValues(p, 'ip.fragment')).toEqual(['7', '6', '5']);
    expect(fieldValue(p, 'icmp.checksum.status')).toBe('1');
    expect(fieldValue(pkts[5]!, 'ip.fragment')).toBeUndefined();
  });

  it('with ip.defragment off, dissects the first fragment\'s payload and shows later ones as data', () => {
    const off = dissectAll(fragmentFrames.slice(0, 3), RAW, { prefs: { 'ip.defragment': 'FALSE' } });
    expect(protocols(off[0]!)).toBe('raw:ip:icmp:data');
    expect(protocols(off[2]!)).toBe('raw:ip:data');
    expect(fieldValue(off[2]!, 'ip.fragment')).toBeUndefined();
  });

  it('flags duplicate, overlapping, conflicting, multiple-tail and overlong fragments and never throws', () => {
    const small = hexBytes('08 00 73 61 00 07 00 07 00 01 02 03 04 05 06 07 08 09 0a 0b 0c 0d 0e 0f 10 11 12 13 14 15 16 17');
    const frames = [
      concat(hexBytes('45 00 00 24 44 44 20 00 40 01 02 93 0a 00 00 01 0a 00 00 02'), small.subarray(0, 16)), // 0..16, MF
      concat(hexBytes('45 00 00 24 44 44 20 00 40 01 02 93 0a 00 00 01 0a 00 00 02'), small.subarray(0, 16)), // duplicate
      concat(hexBytes('45 00 00 24 44 44 20 01 40 01 02 92 0a 00 00 01 0a 00 00 02'), small.subarray(8, 24)), // 8..24: overlap, same bytes
      concat(hexBytes('45 00 00 24 44 44 20 02 40 01 02 91 0a 00 00 01 0a 00 00 02'), new Uint8Array(16).fill(0x58)), // 16..32 'X'
      concat(hexBytes('45 00 00 24 44 44 00 02 40 01 22 91 0a 00 00 01 0a 00 00 02'), small.subarray(16)), // 16..32 last: conflicts
      concat(hexBytes('45 00 00 3c 55 56 1f fe 40 01 f1 6a 0a 00 00 01 0a 00 00 02'), new Uint8Array(40).fill(0x5a)), // 65520 + 40 > 65535
    ];
    const p = dissectAll(frames, RAW);
    expect(experts(p[0]!)).toEqual([]);
    expect(experts(p[1]!)).toEqual(['Fragment overlaps with other fragments (duplicate or overlapping data)']);
    expect(experts(p[2]!)).toEqual(['Fragment overlaps with other fragments (duplicate or overlapping data)']);
    expect(experts(p[3]!)).toEqual(['Overlapping fragments contained conflicting data']);
    expect(experts(p[4]!)).toContain('Overlapping fragments contained conflicting data');
    // The datagram completes; the earliest copy of each byte wins, so the 'X' bytes are in it and
    // the ICMP checksum fails — as in tshark, which also reports Bad checksum here.
    expect(fieldValues(p[4]!, 'ip.fragment')).toEqual(['1', '2', '3', '4', '5']);
    expect(fieldValue(p[4]!, 'ip.fragment.overlap')).toBe('1');
    expect(fieldValue(p[4]!, 'ip.fragment.overlap.conflict')).toBe('1');
    expect(fieldValue(p[4]!, 'icmp.checksum.status')).toBe('0');
    expect(experts(p[5]!)).toContain('Fragment contained data past end of packet');
    expect(protocols(p[5]!)).toBe('raw:ip:data');
  });
});

describe('fragment reassembler limits', () => {
  const piece = (n: number, fill = 1) => new Uint8Array(n).fill(fill);

  it('reports two different last fragments', () => {
    const r = new Reassembler();
    expect(r.add('k', 0, piece(8), true, 1, 0).datagram).toBeNull();
    r.add('k', 16, piece(8), false, 2, 0); // ends at 24
    const res = r.add('k', 8, piece(8), false, 3, 0); // also "last", but ends at 16
    expect(res.problems & FragmentProblem.MultipleTails).toBeTruthy();
    expect(res.datagramProblems & FragmentProblem.MultipleTails).toBeTruthy();
    expect(res.datagram?.length).toBe(24);
  });

  it('keeps at most maxPending datagrams, dropping the least recently touched', () => {
    const r = new Reassembler({ maxPending: 3 });
    for (let i = 0; i < 10; i++) r.add(`k${i}`, 0, piece(8), true, i + 1, 0);
    expect(r.pendingCount).toBe(3);
    expect(r.pendingBytes).toBe(24);
    // k9 is still waiting: its tail completes it.
    expect(r.add('k9', 8, piece(8), false, 11, 0).datagram?.length).toBe(16);
    // k0 was dropped: its tail alone does not complete anything.
    expect(r.add('k0', 8, piece(8), false, 12, 0).datagram).toBeNull();
  });

  it('drops datagrams idle longer than idleSeconds', () => {
    const r = new Reassembler({ idleSeconds: 30 });
    r.add('old', 0, piece(8), true, 1, 100);
    r.add('new', 0, piece(8), true, 2, 125);
    r.add('x', 0, piece(8), true, 3, 140);
    expect(r.pendingCount).toBe(2);
    expect(r.add('old', 8, piece(8), false, 4, 140).datagram).toBeNull();
  });

  it('bounds the bytes held and the pieces per datagram', () => {
    const bytes = new Reassembler({ maxBytes: 100 });
    for (let i = 0; i < 10; i++) bytes.add(`k${i}`, 0, piece(40), true, i + 1, 0);
    expect(bytes.pendingBytes).toBeLessThanOrEqual(100);
    const pieces = new Reassembler({ maxPieces: 16 });
    const problems: number[] = [];
    for (let i = 0; i < 20; i++) problems.push(pieces.add('k', i * 8, piece(8), true, i + 1, 0).problems);
    // The 17th piece gives the datagram up; later pieces start a new one.
    expect(problems.findIndex((x) => (x & FragmentProblem.Error) !== 0)).toBe(16);
    expect(pieces.pendingBytes).toBe(3 * 8);
  });

  it('rejects a piece past the largest datagram', () => {
    const r = new Reassembler({ maxDatagram: 65535 });
    const res = r.add('k', 65528, piece(16), false, 1, 0);
    expect(res.problems & FragmentProblem.TooLong).toBeTruthy();
    expect(r.pendingCount).toBe(0);
  });

  it('copies the data it keeps (frame buffers are reused)', () => {
    const r = new Reassembler();
    const buf = piece(8, 7);
    r.add('k', 0, buf, true, 1, 0);
    buf.fill(0);
    expect(Array.from(r.add('k', 8, piece(8, 9), false, 2, 0).datagram!.subarray(0, 8))).toEqual(Array(8).fill(7));
  });
});

describe('IPv6', () => {
  it('dissects the fixed header: traffic class parts, flow label, lengths, hidden address fields', () => {
    const p = dissectBytes(ipv6Echo, RAW);
    expect(protocols(p)).toBe('raw:ipv6:icmpv6:data');
    expect(fieldValue(p, 'ipv6.version')).toBe('6');
    expect(fieldValue(p, 'ip.version')).toBe('6');
    // tshark prints the traffic class as 0x000000b9 and the flow label as 0x012345 (type width).
    expect(fieldValues(p, 'ipv6.tclass').map(Number)).toEqual([0xb9]);
    expect(fieldValue(p, 'ipv6.tclass.dscp')).toBe('46');
    expect(fieldValue(p, 'ipv6.tclass.ecn')).toBe('1');
    expect(fieldValues(p, 'ipv6.flow').map(Number)).toEqual([0x12345]);
    expect(fieldValue(p, 'ipv6.plen')).toBe('13');
    expect(fieldValue(p, 'ipv6.nxt')).toBe('58');
    expect(fieldValue(p, 'ipv6.hlim')).toBe('64');
    expect(fieldValues(p, 'ipv6.addr')).toEqual(['fe80::1', 'fe80::2']);
    expect(fieldValues(p, 'ipv6.host')).toEqual(['fe80::1', 'fe80::2']);
    expect([p.src, p.dst]).toEqual(['fe80::1', 'fe80::2']);
    expect(fieldValue(p, 'icmpv6.checksum.status')).toBe('1');
    expect(p.info).toBe('Echo (ping) request id=0x0a0b, seq=7, hop limit=64');
  });

  it('walks a hop-by-hop header with Router Alert and PadN', () => {
    const p = dissectBytes(ipv6HopByHop, RAW);
    expect(protocols(p)).toBe('raw:ipv6:ipv6.hopopts:icmpv6');
    expect(fieldValue(p, 'ipv6.hopopts.nxt')).toBe('58');
    expect(fieldValue(p, 'ipv6.hopopts.len')).toBe('0');
    expect(fieldValue(p, 'ipv6.hopopts.len_oct')).toBe('8');
    expect(fieldValues(p, 'ipv6.opt.type')).toEqual(['0x05', '0x01']);
    expect(fieldValue(p, 'ipv6.opt.router_alert')).toBe('0');
    expect(p.info).toBe('Multicast Listener Report');
  });

  it('follows a routing header to the final destination (column and checksum) and dissects destination options', () => {
    const p = dissectBytes(ipv6RoutingDstopts, RAW);
    expect(protocols(p)).toBe('raw:ipv6:ipv6.routing:ipv6.dstopts:icmpv6');
    expect(fieldValue(p, 'ipv6.routing.type')).toBe('0');
    expect(fieldValue(p, 'ipv6.routing.segleft')).toBe('1');
    expect(fieldValue(p, 'ipv6.routing.src.addr')).toBe('2001:db8::99');
    expect(fieldValue(p, 'ipv6.dstopts.nxt')).toBe('58');
    expect(fieldValue(p, 'ipv6.dst')).toBe('fe80::2');
    expect(p.dst).toBe('2001:db8::99');
    expect(fieldValue(p, 'icmpv6.checksum.status')).toBe('1');
    expect(experts(p)).toEqual(['Routing header type is deprecated']);
  });

  it('shows stray bytes after "no next header" as data', () => {
    const p = dissectBytes(ipv6NoNextHeader, RAW);
    expect(protocols(p)).toBe('raw:ipv6:data');
    expect(p.info).toBe('IPv6 no next header');
    expect(fieldValue(p, 'data.len')).toBe('4');
  });

  it('flags a payload length beyond the frame and dissects what is there', () => {
    const p = dissectBytes(ipv6LengthBeyondFrame, RAW);
    expect(experts(p)).toEqual(['IPv6 payload length exceeds framing length (8 bytes)']);
    expect(fieldValue(p, 'icmpv6.checksum.status')).toBe('1');
  });

  it('flags a bad ICMPv6 checksum with the right value', () => {
    const p = dissectBytes(ipv6BadChecksum, RAW);
    expect(fieldValue(p, 'icmpv6.checksum.status')).toBe('0');
    expect(experts(p)).toEqual(['Bad checksum [should be 0x82b7]']);
  });

  it('reads a jumbo payload length and flags that it does not fit', () => {
    const p = dissectBytes(ipv6Jumbo, RAW);
    expect(fieldValue(p, 'ipv6.plen')).toBe('0');
    expect(fieldValue(p, 'ipv6.opt.jumbo')).toBe('70000');
    expect(p.info).toBe('IPv6 no next header');
    expect(experts(p)).toEqual(['IPv6 payload length exceeds framing length (8 bytes)']);
  });

  it('stops walking a chain of more than 32 extension headers', () => {
    const fixed = hexBytes('60 00 00 00 01 90 3c 40') ; // plen 400, next header 60 (destination options)
    const addrs = hexBytes('fe 80 00 00 00 00 00 00 00 00 00 00 00 00 00 01 fe 80 00 00 00 00 00 00 00 00 00 00 00 00 00 02');
    const opts = concat(...Array.from({ length: 50 }, () => hexBytes('3c 00 01 04 00 00 00 00'))); // each says: next is 60 again
    const p = dissectBytes(concat(fixed, addrs, opts), RAW);
    expect(fieldValues(p, 'ipv6.dstopts.nxt').length).toBe(32);
    expect(experts(p)).toEqual(['More than 32 IPv6 extension headers: dissection stopped']);
  });

  it('reassembles fragments and continues with the next header of the fragment header', () => {
    // ICMPv6 echo request (checksum 0xfb35, id 2, seq 2) with 1536 bytes of data 00..ff repeated.
    const message = concat(hexBytes('80 00 fb 35 00 02 00 02'), Uint8Array.from({ length: 1536 }, (_, i) => i & 0xff));
    const addrs = hexBytes('fe 80 00 00 00 00 00 00 00 00 00 00 00 00 00 01 fe 80 00 00 00 00 00 00 00 00 00 00 00 00 00 02');
    const first = concat(hexBytes('60 00 00 00 04 d8 2c 40'), addrs, hexBytes('3a 00 00 01 de ad be ef'), message.subarray(0, 1232));
    const second = concat(hexBytes('60 00 00 00 01 40 2c 40'), addrs, hexBytes('3a 00 04 d0 de ad be ef'), message.subarray(1232));
    const [a, b] = dissectAll([first, second], RAW);
    expect(protocols(a!)).toBe('raw:ipv6:ipv6.fraghdr:data');
    expect(a!.info).toBe('IPv6 fragment (off=0 more=y ident=0xdeadbeef nxt=58)');
    expect([fieldValue(a!, 'ipv6.fraghdr.offset'), fieldValue(a!, 'ipv6.fraghdr.more'), fieldValue(a!, 'ipv6.fraghdr.ident')]).toEqual(['0', '1', '0xdeadbeef']);
    expect(protocols(b!)).toBe('raw:ipv6:ipv6.fraghdr:icmpv6:data');
    expect(fieldValue(b!, 'ipv6.fraghdr.offset')).toBe('154');
    expect(fieldValues(b!, 'ipv6.fragment')).toEqual(['1', '2']);
    expect(fieldValue(b!, 'ipv6.fragment.count')).toBe('2');
    expect(fieldValue(b!, 'ipv6.reassembled.length')).toBe('1544');
    expect(fieldValue(b!, 'icmpv6.checksum.status')).toBe('1');
    expect(fieldValue(b!, 'data.len')).toBe('1536');
    expect(b!.info).toBe('Echo (ping) request id=0x0002, seq=2, hop limit=64');
    expect(b!.extraSources!.map((s) => s.name)).toEqual(['Reassembled IPv6 (1544 bytes)']);
  });
});

/** tshark 4.0.17 on samples/frag.pcap: ip.src|ip.dst|ip.ttl|ip.proto|ipv6.nxt|icmp.type|icmpv6.type|ip.reassembled_in|ip.fragment|ipv6.fragment */
const fragPcap = '|||||||||;|||||||||;10.53.0.2|10.53.0.1|64|1||||||;10.53.0.2|10.53.0.1|64|1||||||;10.53.0.2|10.53.0.1|64|1||8|||3,4,5|;10.53.0.1|10.53.0.2|64|1||||||;10.53.0.1|10.53.0.2|64|1||||||;10.53.0.1|10.53.0.2|64|1||0|||6,7,8|;10.53.0.2|10.53.0.1|64|1||||||;10.53.0.2|10.53.0.1|64|1||||||;10.53.0.2|10.53.0.1|64|1||8|||9,10,11|;10.53.0.1|10.53.0.2|64|1||||||;10.53.0.1|10.53.0.2|64|1||||||;10.53.0.1|10.53.0.2|64|1||0|||12,13,14|;||||58||135|||;||||58||136|||;||||44|||||;||||44|||||;||||44||128|||17,18,19;||||44|||||;||||44|||||;||||44||129|||20,21,22;||||44|||||;||||44|||||;||||44||128|||23,24,25;||||44|||||;||||44|||||;||||44||129|||26,27,28';

describe('samples/frag.pcap agrees with tshark frame by frame', () => {
  const file = path.join(samplesDir, 'frag.pcap');
  it.skipIf(!fs.existsSync(file))('addresses, TTL, protocols, ICMP types and fragment lists', async () => {
    const fields = ['ip.src', 'ip.dst', 'ip.ttl', 'ip.proto', 'ipv6.nxt', 'icmp.type', 'icmpv6.type', 'ip.reassembled_in', 'ip.fragment', 'ipv6.fragment'];
    const s = new Session();
    const rows: string[] = [];
    await openCapture(file).run((f) => {
      const p = s.dissect(f);
      rows.push(fields.map((x) => fieldValues(p, x).join(',')).join('|'));
    });
    expect(rows).toEqual(fragPcap.split(';'));
  });
});
