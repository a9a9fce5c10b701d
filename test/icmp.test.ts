/**
 * ICMP and ICMPv6: message fields, checksums, echo request/response matching, and error messages whose
 * quoted packet is dissected again in error context (columns unchanged, cut-short quotes not
 * malformed), multi-part extensions (MPLS label stacks) on tcpdump's captures. Hand-made frames are
 * raw IP (LINKTYPE_RAW, 101), 1 ms apart; expected values are what tshark
 * 4.0.17 prints for the same bytes.
 */
import { describe, expect, it } from 'vitest';
import fs from 'node:fs';
import path from 'node:path';
import { corpusDir, dissectFile, fieldValue, fieldValues, isMalformed, hexBytes, makeFrame } from './util.js';
import { findAll } from '../src/engine/query.js';
import { nodeLabel } from '../src/engine/format.js';
import { Session } from '../src/engine/session.js';
import type { Packet } from '../src/engine/packet.js';

const RAW = 101;

/** Dissects frames in one session, 1 ms apart from 1700000000.000 (as the tshark reference pcap). */
function run(...frames: Uint8Array[]): Packet[] {
  const s = new Session();
  return frames.map((b, i) => s.dissect({ ...makeFrame(b, RAW, i + 1), nanos: i * 1_000_000 }));
}

function protocols(pkt: Packet): string {
  return pkt.layers.slice(1).join(':');
}

function experts(pkt: Packet): string[] {
  return pkt.experts.map((e) => e.message);
}

/** Linux ping: echo request id 0x1234 seq 1, a struct timeval then 40 pattern bytes. */
const echoRequest = hexBytes(`
  45 00 00 54 1c 46 40 00 40 01 0a 61 0a 00 00 01 # ipv4 10.0.0.1 -> 10.0.0.2, proto 1, ttl 64
  0a 00 00 02
  08 00 4a 8e 12 34 00 01 00 f1 53 65 00 00 00 00 # icmp: type 8, code 0, checksum, id 0x1234, seq 1, timeval, data
  88 13 00 00 00 00 00 00 10 11 12 13 14 15 16 17
  18 19 1a 1b 1c 1d 1e 1f 20 21 22 23 24 25 26 27
  28 29 2a 2b 2c 2d 2e 2f 30 31 32 33 34 35 36 37
`);

/** The matching echo reply. */
const echoReply = hexBytes(`
  45 00 00 54 1c 46 00 00 40 01 4a 61 0a 00 00 02 # ipv4 10.0.0.2 -> 10.0.0.1, proto 1, ttl 64
  0a 00 00 01
  00 00 52 8e 12 34 00 01 00 f1 53 65 00 00 00 00 # icmp: type 0, same id, seq and data
  88 13 00 00 00 00 00 00 10 11 12 13 14 15 16 17
  18 19 1a 1b 1c 1d 1e 1f 20 21 22 23 24 25 26 27
  28 29 2a 2b 2c 2d 2e 2f 30 31 32 33 34 35 36 37
`);

/** An echo request whose last data byte was flipped. */
const echoBadChecksum = hexBytes(`
  45 00 00 20 1c 46 00 00 40 01 4a 95 0a 00 00 01 # ipv4 10.0.0.1 -> 10.0.0.2, proto 1, ttl 64
  0a 00 00 02
  08 00 21 02 12 34 00 03 61 62 63 65             # icmp echo, corrupted
`);

/** Timestamp request (type 13): originate 1000 ms after midnight. */
const timestampRequest = hexBytes(`
  45 00 00 28 1c 46 00 00 40 01 4a 8d 0a 00 00 01 # ipv4 10.0.0.1 -> 10.0.0.2, proto 1, ttl 64
  0a 00 00 02
  0d 00 ef 08 00 07 00 08 00 00 03 e8 00 00 00 00 # icmp: type 13, id 7, seq 8, three timestamps
  00 00 00 00
`);

/** Address mask request (type 17). */
const addressMaskRequest = hexBytes(`
  45 00 00 20 1c 46 00 00 40 01 4a 95 0a 00 00 01 # ipv4 10.0.0.1 -> 10.0.0.2, proto 1, ttl 64
  0a 00 00 02
  11 00 ef ef 00 07 00 08 ff ff ff 00             # icmp: type 17, id 7, seq 8, mask
`);

/** Redirect for host to gateway 10.0.0.254, quoting an echo request. */
const redirect = hexBytes(`
  45 00 00 38 1c 46 00 00 40 01 4a 76 0a 00 00 09 # ipv4 10.0.0.9 -> 10.0.0.1, proto 1, ttl 64
  0a 00 00 01
  05 01 f0 00 0a 00 00 fe 45 00 00 1c 1c 46 00 00 # icmp: type 5 code 1, gateway; quoted IPv4 + ICMP echo
  40 01 4a 99 0a 00 00 01 0a 00 00 02 08 00 f7 fd
  00 01 00 01
`);

/** The DNS query that the next errors quote. */
const dnsQuery = hexBytes(`
  45 00 00 39 42 42 00 00 40 11 24 70 0a 00 00 01 # ipv4 10.0.0.1 -> 10.0.0.2, udp
  0a 00 00 02
  9c 40 00 35 00 25 00 00                         # udp 40000 -> 53
  12 34 01 00 00 01 00 00 00 00 00 00 07 65 78 61 # dns query example.com A
  6d 70 6c 65 03 63 6f 6d 00 00 01 00 01
`);

/** Port unreachable quoting the whole DNS query. */
const portUnreachable = hexBytes(`
  45 00 00 55 1c 46 00 00 40 01 4a 60 0a 00 00 02 # ipv4 10.0.0.2 -> 10.0.0.1, proto 1, ttl 64
  0a 00 00 01
  03 03 7e c0 00 00 00 00 45 00 00 39 42 42 00 00 # icmp: type 3 code 3, unused; quoted datagram
  40 11 24 70 0a 00 00 01 0a 00 00 02 9c 40 00 35
  00 25 00 00 12 34 01 00 00 01 00 00 00 00 00 00
  07 65 78 61 6d 70 6c 65 03 63 6f 6d 00 00 01 00
  01
`);

/** Time exceeded quoting only the IP header and 8 bytes (RFC 792): UDP header, no DNS. */
const ttlExceededShort = hexBytes(`
  45 00 00 38 1c 46 00 00 ff 01 8b 75 0a 00 00 09 # ipv4 10.0.0.9 -> 10.0.0.1, proto 1, ttl 255
  0a 00 00 01
  0b 00 58 65 00 00 00 00 45 00 00 39 42 42 00 00 # icmp: type 11; quoted header + 8 bytes
  40 11 24 70 0a 00 00 01 0a 00 00 02 9c 40 00 35
  00 25 00 00
`);

/** Time exceeded quoting 34 bytes: the DNS header starts and is cut off. */
const ttlExceeded34 = hexBytes(`
  45 00 00 3e 1c 46 00 00 ff 01 8b 6f 0a 00 00 09 # ipv4 10.0.0.9 -> 10.0.0.1, proto 1, ttl 255
  0a 00 00 01
  0b 00 45 30 00 00 00 00 45 00 00 39 42 42 00 00 # icmp: type 11; quoted 34 bytes
  40 11 24 70 0a 00 00 01 0a 00 00 02 9c 40 00 35
  00 25 00 00 12 34 01 00 00 01
`);

/** Time exceeded quoting 10 bytes: not even a whole IP header. */
const ttlExceeded10 = hexBytes(`
  45 00 00 26 1c 46 00 00 ff 01 8b 87 0a 00 00 09 # ipv4 10.0.0.9 -> 10.0.0.1, proto 1, ttl 255
  0a 00 00 01
  0b 00 2d 73 00 00 00 00 45 00 00 39 42 42 00 00 # icmp: type 11; quoted 10 bytes
  40 11
`);

/** Fragmentation needed, next-hop MTU 1400, quoting a TCP header start. */
const fragNeeded = hexBytes(`
  45 00 00 38 1c 46 00 00 40 01 4a 7d 0a 00 00 02 # ipv4 10.0.0.2 -> 10.0.0.1, proto 1, ttl 64
  0a 00 00 01
  03 04 f7 83 00 00 05 78 45 00 00 28 1c 46 40 00 # icmp: type 3 code 4, MTU 1400; quoted
  40 06 0a 88 0a 00 00 01 0a 00 00 02 00 00 00 00
  00 00 00 00
`);

/** Parameter problem, pointer 20. */
const parameterProblem = hexBytes(`
  45 00 00 38 1c 46 00 00 40 01 4a 7d 0a 00 00 02 # ipv4 10.0.0.2 -> 10.0.0.1, proto 1, ttl 64
  0a 00 00 01
  0c 00 df ff 14 00 00 00 45 00 00 1c 1c 46 00 00 # icmp: type 12, pointer 20; quoted
  40 11 4a 89 0a 00 00 01 0a 00 00 02 00 00 00 00
  00 00 00 00
`);

/** Type 99: not an ICMP type. */
const unknownType = hexBytes(`
  45 00 00 1e 1c 46 00 00 40 01 4a 97 0a 00 00 01 # ipv4 10.0.0.1 -> 10.0.0.2, proto 1, ttl 64
  0a 00 00 02
  63 03 22 82 00 00 00 00 7a 7a                   # icmp: type 99 code 3
`);

/** An ICMP message of 2 bytes: shorter than its header. */
const icmpCut = hexBytes(`
  45 00 00 16 1c 46 00 00 40 01 4a 9f 0a 00 00 01 # ipv4, total length 22
  0a 00 00 02
  08 00                                           # icmp: 2 bytes only
`);

/** ICMPv6 echo request id 0x0a0b seq 7. */
const echo6Request = hexBytes(`
  60 00 00 00 00 0d 3a 40                         # ipv6 fe80::1 -> fe80::2, hop limit 64
  fe 80 00 00 00 00 00 00 00 00 00 00 00 00 00 01 # src
  fe 80 00 00 00 00 00 00 00 00 00 00 00 00 00 02 # dst
  80 00 34 cf 0a 0b 00 07 68 65 6c 6c 6f          # icmpv6: type 128, id, seq, "hello"
`);

/** The matching reply. */
const echo6Reply = hexBytes(`
  60 00 00 00 00 0d 3a 40                         # ipv6 fe80::2 -> fe80::1, hop limit 64
  fe 80 00 00 00 00 00 00 00 00 00 00 00 00 00 02 # src
  fe 80 00 00 00 00 00 00 00 00 00 00 00 00 00 01 # dst
  81 00 33 cf 0a 0b 00 07 68 65 6c 6c 6f          # icmpv6: type 129
`);

/** Router solicitation with a source link-layer address option. */
const routerSolicitation = hexBytes(`
  60 00 00 00 00 10 3a ff                         # ipv6 fe80::1 -> ff02::2, hop limit 255
  fe 80 00 00 00 00 00 00 00 00 00 00 00 00 00 01 # src
  ff 02 00 00 00 00 00 00 00 00 00 00 00 00 00 02 # dst
  85 00 7a 2c 00 00 00 00 01 01 02 00 00 00 00 01 # icmpv6: type 133, reserved; option 1 (SLLA)
`);

/** Router advertisement: M and O flags, high preference, lifetime 1800; SLLA, MTU 1500 and prefix 2001:db8:1::/64 options. */
const routerAdvertisement = hexBytes(`
  60 00 00 00 00 40 3a ff                         # ipv6 fe80::9 -> ff02::1, hop limit 255
  fe 80 00 00 00 00 00 00 00 00 00 00 00 00 00 09 # src
  ff 02 00 00 00 00 00 00 00 00 00 00 00 00 00 01 # dst
  86 00 2b 00 40 c8 07 08 00 00 00 00 00 00 00 00 # icmpv6: type 134; hop limit 64, flags 0xc8, lifetime, timers; options 1, 5, 3
  01 01 02 00 00 00 00 09 05 01 00 00 00 00 05 dc
  03 04 40 c0 00 01 51 80 00 00 38 40 00 00 00 00
  20 01 0d b8 00 01 00 00 00 00 00 00 00 00 00 00
`);

/** Neighbor solicitation for fe80::2. */
const neighborSolicitation = hexBytes(`
  60 00 00 00 00 20 3a ff                         # ipv6 fe80::1 -> ff02::1:ff00:2, hop limit 255
  fe 80 00 00 00 00 00 00 00 00 00 00 00 00 00 01 # src
  ff 02 00 00 00 00 00 00 00 00 00 01 ff 00 00 02 # dst
  87 00 7a 97 00 00 00 00 fe 80 00 00 00 00 00 00 # icmpv6: type 135, target fe80::2, SLLA
  00 00 00 00 00 00 00 02 01 01 02 00 00 00 00 01
`);

/** Neighbor advertisement, solicited and override, with the target link-layer address. */
const neighborAdvertisement = hexBytes(`
  60 00 00 00 00 20 3a ff                         # ipv6 fe80::2 -> fe80::1, hop limit 255
  fe 80 00 00 00 00 00 00 00 00 00 00 00 00 00 02 # src
  fe 80 00 00 00 00 00 00 00 00 00 00 00 00 00 01 # dst
  88 00 18 1a 60 00 00 00 fe 80 00 00 00 00 00 00 # icmpv6: type 136, flags S|O, target, TLLA
  00 00 00 00 00 00 00 02 02 01 02 00 00 00 00 02
`);

/** Redirect: use fe80::7 to reach 2001:db8::5. */
const redirect6 = hexBytes(`
  60 00 00 00 00 28 3a ff                         # ipv6 fe80::9 -> fe80::1, hop limit 255
  fe 80 00 00 00 00 00 00 00 00 00 00 00 00 00 09 # src
  fe 80 00 00 00 00 00 00 00 00 00 00 00 00 00 01 # dst
  89 00 4d 4b 00 00 00 00 fe 80 00 00 00 00 00 00 # icmpv6: type 137, target, destination
  00 00 00 00 00 00 00 07 20 01 0d b8 00 00 00 00
  00 00 00 00 00 00 00 05
`);

/** MLDv1 report for ff02::fb, after a hop-by-hop router alert. */
const mldReport = hexBytes(`
  60 00 00 00 00 20 00 01                         # ipv6 fe80::1 -> ff02::fb, hop limit 1
  fe 80 00 00 00 00 00 00 00 00 00 00 00 00 00 01 # src
  ff 02 00 00 00 00 00 00 00 00 00 00 00 00 00 fb # dst
  3a 00 05 02 00 00 01 00                         # hop-by-hop: router alert
  83 00 7e 2f 00 00 00 00 ff 02 00 00 00 00 00 00 # icmpv6: type 131, group ff02::fb
  00 00 00 00 00 00 00 fb
`);

/** MLDv2 report with one record: change to exclude for ff02::1:3. */
const mldv2Report = hexBytes(`
  60 00 00 00 00 24 00 01                         # ipv6 fe80::1 -> ff02::16, hop limit 1
  fe 80 00 00 00 00 00 00 00 00 00 00 00 00 00 01 # src
  ff 02 00 00 00 00 00 00 00 00 00 00 00 00 00 16 # dst
  3a 00 05 02 00 00 01 00                         # hop-by-hop: router alert
  8f 00 70 06 00 00 00 01 04 00 00 00 ff 02 00 00 # icmpv6: type 143, 1 record: type 4, group
  00 00 00 00 00 00 00 00 00 01 00 03
`);

/** Destination unreachable (port) quoting an IPv6/UDP packet. */
const unreachable6 = hexBytes(`
  60 00 00 00 00 3c 3a 40                         # ipv6 fe80::2 -> fe80::1, hop limit 64
  fe 80 00 00 00 00 00 00 00 00 00 00 00 00 00 02 # src
  fe 80 00 00 00 00 00 00 00 00 00 00 00 00 00 01 # dst
  01 04 ba 9f 00 00 00 00 60 00 00 00 00 0c 11 40 # icmpv6: type 1 code 4; quoted packet
  fe 80 00 00 00 00 00 00 00 00 00 00 00 00 00 01
  fe 80 00 00 00 00 00 00 00 00 00 00 00 00 00 02
  13 88 00 35 00 0c 00 00 61 62 63 64
`);

/** Packet too big, MTU 1280. */
const packetTooBig = hexBytes(`
  60 00 00 00 00 3c 3a 40                         # ipv6 fe80::2 -> fe80::1, hop limit 64
  fe 80 00 00 00 00 00 00 00 00 00 00 00 00 00 02 # src
  fe 80 00 00 00 00 00 00 00 00 00 00 00 00 00 01 # dst
  02 00 b4 a3 00 00 05 00 60 00 00 00 00 0c 11 40 # icmpv6: type 2, MTU 1280; quoted packet
  fe 80 00 00 00 00 00 00 00 00 00 00 00 00 00 01
  fe 80 00 00 00 00 00 00 00 00 00 00 00 00 00 02
  13 88 00 35 00 0c 00 00 61 62 63 64
`);

/** Time exceeded quoting 44 bytes (header and half the UDP header). */
const timeExceeded6 = hexBytes(`
  60 00 00 00 00 34 3a 40                         # ipv6 fe80::2 -> fe80::1, hop limit 64
  fe 80 00 00 00 00 00 00 00 00 00 00 00 00 00 02 # src
  fe 80 00 00 00 00 00 00 00 00 00 00 00 00 00 01 # dst
  03 00 7d 7e 00 00 00 00 60 00 00 00 00 0c 11 40 # icmpv6: type 3; quoted 44 bytes
  fe 80 00 00 00 00 00 00 00 00 00 00 00 00 00 01
  fe 80 00 00 00 00 00 00 00 00 00 00 00 00 00 02
  13 88 00 35
`);

/** Parameter problem, pointer 40. */
const paramProblem6 = hexBytes(`
  60 00 00 00 00 3c 3a 40                         # ipv6 fe80::2 -> fe80::1, hop limit 64
  fe 80 00 00 00 00 00 00 00 00 00 00 00 00 00 02 # src
  fe 80 00 00 00 00 00 00 00 00 00 00 00 00 00 01 # dst
  04 01 b7 7a 00 00 00 28 60 00 00 00 00 0c 11 40 # icmpv6: type 4 code 1, pointer 40; quoted
  fe 80 00 00 00 00 00 00 00 00 00 00 00 00 00 01
  fe 80 00 00 00 00 00 00 00 00 00 00 00 00 00 02
  13 88 00 35 00 0c 00 00 61 62 63 64
`);

/** Neighbor solicitation with an option of length 0 (invalid). */
const zeroLengthOption = hexBytes(`
  60 00 00 00 00 20 3a ff                         # ipv6 fe80::1 -> ff02::1:ff00:2, hop limit 255
  fe 80 00 00 00 00 00 00 00 00 00 00 00 00 00 01 # src
  ff 02 00 00 00 00 00 00 00 00 00 01 ff 00 00 02 # dst
  87 00 7c 99 00 00 00 00 fe 80 00 00 00 00 00 00 # icmpv6: type 135; option length 0
  00 00 00 00 00 00 00 02 01 00 00 00 00 00 00 00
`);


describe('ICMP echo', () => {
  const [request, reply] = run(echoRequest, echoReply);

  it('shows type, code, checksum, both byte orders of id and sequence, and the ping timestamp', () => {
    const p = request!;
    expect(protocols(p)).toBe('raw:ip:icmp:data');
    expect(fieldValue(p, 'icmp.type')).toBe('8');
    expect(fieldValue(p, 'icmp.code')).toBe('0');
    expect(fieldValue(p, 'icmp.checksum')).toBe('0x4a8e');
    expect(fieldValue(p, 'icmp.checksum.status')).toBe('1');
    expect(fieldValue(p, 'icmp.ident')).toBe('4660');
    expect(fieldValue(p, 'icmp.ident_le')).toBe('13330');
    expect(fieldValue(p, 'icmp.seq')).toBe('1');
    expect(fieldValue(p, 'icmp.seq_le')).toBe('256');
    expect(fieldValue(p, 'icmp.data_time')).toBe('Nov 14, 2023 22:13:20.000000000 UTC');
    expect(fieldValue(p, 'icmp.data_time_relative')).toBe('0.000000000');
    expect(fieldValue(p, 'data.len')).toBe('48');
    expect(p.protocolColumn).toBe('ICMP');
    expect(p.info).toBe('Echo (ping) request  id=0x1234, seq=1/256, ttl=64');
  });

  it('links the reply to its request with the response time (single pass: only the reply knows)', () => {
    expect(fieldValue(request!, 'icmp.resp_in')).toBeUndefined();
    expect(fieldValue(reply!, 'icmp.resp_to')).toBe('1');
    expect(fieldValue(reply!, 'icmp.resptime')).toBe('1');
    expect(fieldValue(reply!, 'icmp.data_time_relative')).toBe('0.001000000');
    expect(reply!.info).toBe('Echo (ping) reply    id=0x1234, seq=1/256, ttl=64 (request in 1)');
  });

  it('does not link a reply whose request was never seen', () => {
    const [lonely] = run(echoReply);
    expect(fieldValue(lonely!, 'icmp.resp_to')).toBeUndefined();
    expect(lonely!.info).toBe('Echo (ping) reply    id=0x1234, seq=1/256, ttl=64');
  });

  it('verifies the checksum and says what it should be', () => {
    const [p] = run(echoBadChecksum);
    expect(fieldValue(p!, 'icmp.checksum')).toBe('0x2102');
    expect(fieldValue(p!, 'icmp.checksum.status')).toBe('0');
    expect(experts(p!)).toEqual(['Bad checksum [should be 0x2101]']);
    expect(fieldValue(p!, 'data.len')).toBe('4');
  });
});

describe('other ICMP messages', () => {
  it('timestamp and address mask requests', () => {
    const [ts, mask] = run(timestampRequest, addressMaskRequest);
    expect([fieldValue(ts!, 'icmp.originate_timestamp'), fieldValue(ts!, 'icmp.receive_timestamp'), fieldValue(ts!, 'icmp.transmit_timestamp')]).toEqual(['1000', '0', '0']);
    expect(ts!.info).toBe('Timestamp request    id=0x0007, seq=8/2048, ttl=64');
    expect(fieldValue(mask!, 'icmp.address_mask')).toBe('255.255.255.0');
    expect(mask!.info).toBe('Address mask request id=0x0007, seq=8/2048, ttl=64');
  });

  it('an unknown type keeps type, code and checksum', () => {
    const [p] = run(unknownType);
    expect([fieldValue(p!, 'icmp.type'), fieldValue(p!, 'icmp.code'), fieldValue(p!, 'icmp.checksum.status')]).toEqual(['99', '3', '1']);
    expect(p!.info).toBe('Unknown ICMP (obsolete or malformed?)');
  });

  it('a message shorter than its 4-byte header is malformed and shows no field', () => {
    const [p] = run(icmpCut);
    expect(isMalformed(p!)).toBe(true);
    expect(fieldValue(p!, 'icmp.type')).toBeUndefined();
    expect(p!.protocolColumn).toBe('ICMP');
  });
});

describe('ICMP errors and the packets they quote', () => {
  it('redirect: gateway, then the quoted IPv4 + ICMP with an unverified checksum; columns stay the redirect\'s', () => {
    const [p] = run(redirect);
    expect(protocols(p!)).toBe('raw:ip:icmp:ip:icmp');
    expect(fieldValues(p!, 'icmp.type')).toEqual(['5', '8']);
    expect(fieldValue(p!, 'icmp.redir_gw')).toBe('10.0.0.254');
    expect(fieldValues(p!, 'icmp.checksum.status')).toEqual(['1', '2']);
    expect(fieldValues(p!, 'ip.src')).toEqual(['10.0.0.9', '10.0.0.1']);
    expect([p!.protocolColumn, p!.src, p!.dst]).toEqual(['ICMP', '10.0.0.9', '10.0.0.1']);
    expect(p!.info).toBe('Redirect             (Redirect for host)');
    // The quoted echo request is not an echo to match.
    expect(fieldValue(p!, 'icmp.resp_to')).toBeUndefined();
  });

  it('port unreachable: the quoted UDP joins the original conversation; the packet keeps its own addresses', () => {
    const [query, err] = run(dnsQuery, portUnreachable);
    expect(fieldValue(query!, 'udp.stream')).toBe('0');
    expect(protocols(err!)).toBe('raw:ip:icmp:ip:udp:dns');
    expect(fieldValues(err!, 'ip.src')).toEqual(['10.0.0.2', '10.0.0.1']);
    expect(fieldValue(err!, 'icmp.unused')).toBe('00:00:00:00');
    expect(fieldValue(err!, 'udp.stream')).toBe('0');
    expect(fieldValue(err!, 'dns.id')).toBe('0x1234');
    expect([err!.protocolColumn, err!.info]).toEqual(['ICMP', 'Destination unreachable (Port unreachable)']);
    expect([err!.netSrc, err!.netDst, err!.srcPort, err!.dstPort]).toEqual(['10.0.0.2', '10.0.0.1', 0, 0]);
    expect(err!.inErrorPacket).toBe(false);
  });

  it('quotes cut short (header + 8 bytes, 34 bytes, 10 bytes) are not malformed or truncated', () => {
    const [a, b, c] = run(ttlExceededShort, ttlExceeded34, ttlExceeded10);
    for (const p of [a!, b!, c!]) {
      expect(isMalformed(p)).toBe(false);
      expect(p.truncated).toBe(false);
      expect(p.experts).toEqual([]);
      expect(p.info).toBe('Time-to-live exceeded (Time to live exceeded in transit)');
    }
    expect(fieldValue(a!, 'udp.srcport')).toBe('40000');
    expect(fieldValues(a!, 'ip.len')).toEqual(['56', '57']);
    expect(fieldValue(b!, 'dns.id')).toBe('0x1234');
    expect(protocols(c!)).toBe('raw:ip:icmp:ip');
    expect(fieldValues(c!, 'ip.src')).toEqual(['10.0.0.9']);
  });

  it('fragmentation needed carries the next-hop MTU; parameter problem a pointer', () => {
    const [frag, param] = run(fragNeeded, parameterProblem);
    expect(fieldValue(frag!, 'icmp.mtu')).toBe('1400');
    expect(fieldValue(frag!, 'icmp.unused')).toBe('00:00');
    expect(protocols(frag!)).toBe('raw:ip:icmp:ip:tcp');
    expect(frag!.info).toBe('Destination unreachable (Fragmentation needed)');
    expect(fieldValue(param!, 'icmp.pointer')).toBe('20');
    expect(fieldValue(param!, 'icmp.unused')).toBe('00:00:00');
    expect(param!.info).toBe('Parameter problem    (Pointer indicates the error)');
  });
});

describe('ICMPv6', () => {
  it('echo request and reply: identifier, sequence, hop limit, response linking', () => {
    const [req, rep] = run(echo6Request, echo6Reply);
    expect(fieldValue(req!, 'icmpv6.type')).toBe('128');
    expect(fieldValue(req!, 'icmpv6.checksum')).toBe('0x34cf');
    expect(fieldValue(req!, 'icmpv6.checksum.status')).toBe('1');
    expect(fieldValue(req!, 'icmpv6.echo.identifier')).toBe('0x0a0b');
    expect(fieldValue(req!, 'icmpv6.echo.sequence_number')).toBe('7');
    expect(fieldValue(req!, 'data.len')).toBe('5');
    expect(req!.info).toBe('Echo (ping) request id=0x0a0b, seq=7, hop limit=64');
    expect(fieldValue(rep!, 'icmpv6.resp_to')).toBe('1');
    expect(fieldValue(rep!, 'icmpv6.resptime')).toBe('1');
    expect(rep!.info).toBe('Echo (ping) reply id=0x0a0b, seq=7, hop limit=64 (request in 1)');
  });

  it('router solicitation and advertisement with their options', () => {
    const [rs, ra] = run(routerSolicitation, routerAdvertisement);
    expect(fieldValue(rs!, 'icmpv6.opt.type')).toBe('1');
    expect(fieldValue(rs!, 'icmpv6.opt.src_linkaddr')).toBe('02:00:00:00:00:01');
    expect(rs!.info).toBe('Router Solicitation from 02:00:00:00:00:01');
    expect(fieldValue(ra!, 'icmpv6.nd.ra.cur_hop_limit')).toBe('64');
    expect(fieldValue(ra!, 'icmpv6.nd.ra.flag')).toBe('0xc8');
    expect([fieldValue(ra!, 'icmpv6.nd.ra.flag.m'), fieldValue(ra!, 'icmpv6.nd.ra.flag.o'), fieldValue(ra!, 'icmpv6.nd.ra.flag.prf')]).toEqual(['1', '1', '1']);
    expect(fieldValue(ra!, 'icmpv6.nd.ra.router_lifetime')).toBe('1800');
    expect(fieldValues(ra!, 'icmpv6.opt.type')).toEqual(['1', '5', '3']);
    expect(fieldValues(ra!, 'icmpv6.opt.length')).toEqual(['1', '1', '4']);
    expect(fieldValue(ra!, 'icmpv6.opt.linkaddr')).toBe('02:00:00:00:00:09');
    expect(fieldValue(ra!, 'icmpv6.opt.mtu')).toBe('1500');
    expect(fieldValue(ra!, 'icmpv6.opt.prefix.length')).toBe('64');
    expect([fieldValue(ra!, 'icmpv6.opt.prefix.flag.l'), fieldValue(ra!, 'icmpv6.opt.prefix.flag.a')]).toEqual(['1', '1']);
    expect([fieldValue(ra!, 'icmpv6.opt.prefix.valid_lifetime'), fieldValue(ra!, 'icmpv6.opt.prefix.preferred_lifetime')]).toEqual(['86400', '14400']);
    expect(fieldValue(ra!, 'icmpv6.opt.prefix')).toBe('2001:db8:1::');
    expect(ra!.info).toBe('Router Advertisement from 02:00:00:00:00:09');
  });

  it('neighbor solicitation, advertisement and redirect', () => {
    const [ns, na, rd] = run(neighborSolicitation, neighborAdvertisement, redirect6);
    expect(fieldValue(ns!, 'icmpv6.nd.ns.target_address')).toBe('fe80::2');
    expect(ns!.info).toBe('Neighbor Solicitation for fe80::2 from 02:00:00:00:00:01');
    expect(fieldValue(na!, 'icmpv6.nd.na.flag')).toBe('0x60000000');
    expect([fieldValue(na!, 'icmpv6.nd.na.flag.r'), fieldValue(na!, 'icmpv6.nd.na.flag.s'), fieldValue(na!, 'icmpv6.nd.na.flag.o')]).toEqual(['0', '1', '1']);
    expect(fieldValue(na!, 'icmpv6.opt.target_linkaddr')).toBe('02:00:00:00:00:02');
    expect(na!.info).toBe('Neighbor Advertisement fe80::2 (sol, ovr) is at 02:00:00:00:00:02');
    expect(fieldValue(rd!, 'icmpv6.nd.rd.target_address')).toBe('fe80::7');
    expect(fieldValue(rd!, 'icmpv6.rd.na.destination_address')).toBe('2001:db8::5');
    expect(rd!.info).toBe('Redirect');
  });

  it('MLD v1 and v2 reports behind a hop-by-hop header', () => {
    const [v1, v2] = run(mldReport, mldv2Report);
    expect(protocols(v1!)).toBe('raw:ipv6:ipv6.hopopts:icmpv6');
    expect(fieldValue(v1!, 'icmpv6.mld.maximum_response_delay')).toBe('0');
    expect(fieldValue(v1!, 'icmpv6.mld.multicast_address')).toBe('ff02::fb');
    expect(fieldValue(v1!, 'icmpv6.checksum.status')).toBe('1');
    expect(v1!.info).toBe('Multicast Listener Report');
    expect(fieldValue(v2!, 'icmpv6.mldr.nb_mcast_records')).toBe('1');
    expect(fieldValue(v2!, 'icmpv6.mldr.mar.record_type')).toBe('4');
    expect(fieldValue(v2!, 'icmpv6.mldr.mar.nb_sources')).toBe('0');
    expect(fieldValue(v2!, 'icmpv6.mldr.mar.multicast_address')).toBe('ff02::1:3');
    expect(v2!.info).toBe('Multicast Listener Report Message v2');
  });

  it('errors quote the offending IPv6 packet; columns stay the error\'s', () => {
    const [unreach, big, exceeded, param] = run(unreachable6, packetTooBig, timeExceeded6, paramProblem6);
    expect(protocols(unreach!)).toBe('raw:ipv6:icmpv6:ipv6:udp:dns');
    expect(fieldValues(unreach!, 'ipv6.src')).toEqual(['fe80::2', 'fe80::1']);
    expect(fieldValue(unreach!, 'udp.srcport')).toBe('5000');
    expect([unreach!.protocolColumn, unreach!.src, unreach!.info]).toEqual(['ICMPv6', 'fe80::2', 'Destination Unreachable (Port unreachable)']);
    expect(fieldValue(big!, 'icmpv6.mtu')).toBe('1280');
    expect(big!.info).toBe('Packet Too Big');
    expect(protocols(exceeded!)).toBe('raw:ipv6:icmpv6:ipv6:udp');
    expect(isMalformed(exceeded!)).toBe(false);
    expect(exceeded!.info).toBe('Time Exceeded (hop limit exceeded in transit)');
    expect(fieldValue(param!, 'icmpv6.pointer')).toBe('40');
    expect(param!.info).toBe('Parameter Problem (unrecognized Next Header type encountered)');
  });

  it('an option of length zero is flagged and ends the option list', () => {
    const [p] = run(zeroLengthOption);
    expect(experts(p!)).toEqual(['Invalid option length (Zero)']);
    expect(fieldValue(p!, 'icmpv6.opt.type')).toBe('1');
    expect(fieldValue(p!, 'icmpv6.opt.length')).toBe('0');
    expect(p!.info).toBe('Neighbor Solicitation for fe80::2');
  });

  it('a quote that is not an IPv6 packet is shown as data', () => {
    // Destination unreachable quoting 20 zero bytes (version 0).
    const [p] = run(hexBytes(`
      60 00 00 00 00 1c 3a 40 fe 80 00 00 00 00 00 00  # ipv6: plen 28, icmpv6
      00 00 00 00 00 00 00 01 fe 80 00 00 00 00 00 00
      00 00 00 00 00 00 00 02
      01 00 01 a5 00 00 00 00                          # type 1 code 0, checksum, unused
      00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00  # 20 zero bytes
      00 00 00 00`));
    expect(protocols(p!)).toBe('raw:ipv6:icmpv6:data');
    expect(fieldValue(p!, 'icmpv6.checksum.status')).toBe('1');
    expect(fieldValue(p!, 'data.len')).toBe('20');
  });
});

describe('ICMP multi-part extensions (RFC 4884), against tshark on tcpdump\'s captures', () => {
  const corpusFile = (name: string) => path.join(corpusDir, 'tcpdump', name);

  it.skipIf(!fs.existsSync(corpusFile('mpls-traceroute.pcap')))('a traceroute through an MPLS network: each time-exceeded names the label the probe carried', async () => {
    const errors = (await dissectFile(corpusFile('mpls-traceroute.pcap'))).filter((p) => fieldValue(p, 'icmp.type') === '11');
    // tshark -T fields -e icmp.mpls.label -e icmp.mpls.ttl -e icmp.ext.checksum.status -e udp.dstport
    expect(errors.map((p) => ['icmp.mpls.label', 'icmp.mpls.ttl', 'icmp.ext.checksum.status', 'udp.dstport'].map((f) => fieldValues(p, f).join(',')).join('|'))).toEqual([
      '100704|1|1|33435', '100704|1|1|33436', '100704|1|1|33437', '102672|1|1|33438', '102672|1|1|33439', '102672|1|1|33440',
    ]);
    const ext = findAll(errors[0]!.root, 'icmp.ext')[0]!;
    expect(nodeLabel(ext)).toBe('ICMP Multi-Part Extensions');
    const entry = ext.children!.at(-1)!;
    expect(nodeLabel(entry)).toBe('MPLS Stack Entry');
    expect(entry.children!.map(nodeLabel)).toEqual(['Length: 8', 'Class: MPLS Label Stack Class (1)', 'C-Type: 1', 'Label: 100704, Exp: 0, S: 1, TTL: 1']);
    expect(entry.children![3]!.children!.map(nodeLabel)).toEqual([
      '0001 1000 1001 0110 0000 .... = Label: 100704',
      '.... .... .... .... .... 000. = Experimental: 0',
      '.... .... .... .... .... ...1 = Stack bit: Set',
      'Time to live: 1',
    ]);
  });

  it.skipIf(!fs.existsSync(corpusFile('icmp-cksum-oobr-2.pcap')))('a damaged extension checksum is reported with the value it should have', async () => {
    const p = (await dissectFile(corpusFile('icmp-cksum-oobr-2.pcap')))[0]!;
    expect(['icmp.ext.checksum', 'icmp.ext.checksum.status', 'icmp.ext.class'].map((f) => fieldValue(p, f))).toEqual(['0xc4e4', '0', '2']);
    expect(nodeLabel(findAll(p.root, 'icmp.ext.checksum')[0]!)).toBe('Checksum: 0xc4e4 incorrect, should be 0x256c');
    expect(p.experts.map((e) => e.message)).toContain('Bad checksum [should be 0x256c]');
  });
});

describe('a UDP datagram quoted in an ICMP error (tcpdump\'s afs.pcap), against tshark', () => {
  const file = path.join(corpusDir, 'tcpdump', 'afs.pcap');
  it.skipIf(!fs.existsSync(file))('keeps its conversation (stream index) but has no time of its own in it', async () => {
    const p = (await dissectFile(file))[28]!;
    // tshark 4.0.17 -T fields -e udp.time_delta -e udp.stream -e icmp.type: "", 4, 3.
    expect([fieldValue(p, 'udp.time_delta'), fieldValue(p, 'udp.stream'), fieldValue(p, 'icmp.type')]).toEqual([undefined, '4', '3']);
  });
});
