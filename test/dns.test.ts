/**
 * DNS, mDNS and LLMNR: hand-made messages with their hex dumps, records built with the dns-packet
 * encoder, a real capture (test/fixtures/dns-sample.pcap, a copy of samples/dns.pcap made by
 * samples/make-dns.sh: dig against dnsmasq in two network namespaces) compared packet by packet with
 * tshark 4.0's values, and the hostile DNS captures of tcpdump's test suite.
 *
 * Expected values come from `tshark -r <file> -T json` / `-T fields` on the same bytes.
 */
import { describe, expect, it } from 'vitest';
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { corpusDir, fieldValue, fieldValues, hexBytes, isMalformed, repoRoot } from './util.js';
import { Session } from '../src/engine/session.js';
import type { Packet } from '../src/engine/packet.js';
import type { Frame } from '../src/capture/frame.js';
import { findAll } from '../src/engine/query.js';
import { nodeLabel } from '../src/engine/format.js';
import type { Node } from '../src/engine/tree.js';
import { openCapture } from '../src/capture/open.js';
import { Buf } from '../src/engine/buf.js';
import { base32hex, keyTag, looksLikeDns, readName, secondsText } from '../src/protocols/dns.js';

const dnsPacket = createRequire(import.meta.url)('dns-packet') as typeof import('dns-packet');

// ---------------------------------------------------------------------------------------------
// Frame builders: Ethernet + IPv4 + UDP/TCP around a DNS payload, client 10.53.0.2, server 10.53.0.1.

const CLIENT = [10, 53, 0, 2];
const SERVER = [10, 53, 0, 1];

function ipv4Frame(protocol: number, fromClient: boolean, l4: Uint8Array): Uint8Array {
  const out = new Uint8Array(14 + 20 + l4.length);
  out.set([2, 0x53, 0, 0, 0, fromClient ? 1 : 2, 2, 0x53, 0, 0, 0, fromClient ? 2 : 1, 0x08, 0x00]);
  const total = 20 + l4.length;
  out.set([0x45, 0, total >> 8, total & 255, 0, 1, 0x40, 0, 64, protocol, 0, 0], 14);
  out.set(fromClient ? CLIENT : SERVER, 26);
  out.set(fromClient ? SERVER : CLIENT, 30);
  let sum = 0;
  for (let i = 14; i < 34; i += 2) sum += (out[i]! << 8) | out[i + 1]!;
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  out.set([~sum >> 8 & 255, ~sum & 255], 24);
  out.set(l4, 34);
  return out;
}

function udpFrame(payload: Uint8Array, fromClient = true, clientPort = 40000, serverPort = 53): Uint8Array {
  const u = new Uint8Array(8 + payload.length);
  const [s, d] = fromClient ? [clientPort, serverPort] : [serverPort, clientPort];
  u.set([s >> 8, s & 255, d >> 8, d & 255, u.length >> 8, u.length & 255, 0, 0]);
  u.set(payload, 8);
  return ipv4Frame(17, fromClient, u);
}

/** A TCP conversation 10.53.0.2:40000 → 10.53.0.1:53 with running sequence numbers. */
function tcpConversation() {
  const seq = { client: 1000, server: 5000 };
  return (fromClient: boolean, payload: Uint8Array, flags = 0x18): Uint8Array => {
    const [me, other] = fromClient ? (['client', 'server'] as const) : (['server', 'client'] as const);
    const [s, d] = fromClient ? [40000, 53] : [53, 40000];
    const t = new Uint8Array(20 + payload.length);
    const v = new DataView(t.buffer);
    v.setUint16(0, s);
    v.setUint16(2, d);
    v.setUint32(4, seq[me]);
    v.setUint32(8, flags & 0x10 ? seq[other] : 0);
    t[12] = 0x50;
    t[13] = flags;
    v.setUint16(14, 65535);
    t.set(payload, 20);
    seq[me] += payload.length + (flags & 0x03 ? 1 : 0);
    return ipv4Frame(6, fromClient, t);
  };
}

function frameAt(bytes: Uint8Array, number: number, seconds: number, nanos = 0, originalLength = bytes.length): Frame {
  return { number, seconds, nanos, capturedLength: bytes.length, originalLength, linkType: 1, bytes, interfaceId: 0 };
}

/** Dissects frames in one session, one second apart unless times are given. */
function run(frames: Uint8Array[], times?: number[]): Packet[] {
  const s = new Session();
  return frames.map((b, i) => {
    const t = times ? times[i]! : i;
    return s.dissect(frameAt(b, i + 1, 1_700_000_000 + Math.floor(t), Math.round((t - Math.floor(t)) * 1e9)));
  });
}

function one(payload: Uint8Array, fromClient = false, serverPort = 53): Packet {
  return run([udpFrame(payload, fromClient, 40000, serverPort)])[0]!;
}

/** Every expert message a packet raised. */
function experts(p: Packet): string[] {
  return p.experts.map((e) => `${['', 'Comment', 'Chat', 'Note', 'Warning', 'Error'][e.severity]}/${e.group}: ${e.message}`);
}

function labels(p: Packet, abbrev = 'dns'): string[] {
  const out: string[] = [];
  const walk = (n: Node, depth: number) => {
    for (const k of n.children ?? []) {
      if (k.flags & 2) continue;
      out.push('  '.repeat(depth) + nodeLabel(k));
      walk(k, depth + 1);
    }
  };
  const layer = findAll(p.root, abbrev)[0]!;
  out.push(nodeLabel(layer));
  walk(layer, 1);
  return out;
}

const response = (id: number, questions: import('dns-packet').Question[], answers: import('dns-packet').Answer[], authorities: import('dns-packet').Answer[] = []) =>
  new Uint8Array(dnsPacket.encode({ id, type: 'response', flags: dnsPacket.RECURSION_DESIRED | dnsPacket.RECURSION_AVAILABLE, questions, answers, authorities }));

// ---------------------------------------------------------------------------------------------

describe('DNS header, question and answers', () => {
  // dig host.vpnscope.test A (frame 3 of the sample capture)
  const query = hexBytes(`
    2e 6c           # transaction ID
    01 20           # flags: standard query, RD, AD
    00 01 00 00 00 00 00 00   # 1 question, no records
    04 68 6f 73 74 08 76 70 6e 73 63 6f 70 65 04 74 65 73 74 00   # host.vpnscope.test
    00 01 00 01     # type A, class IN`);
  // its answer (frame 4): the question again, then host.vpnscope.test A 10.53.0.10 via a pointer to offset 12
  const answer = hexBytes(`
    2e 6c 85 80 00 01 00 01 00 00 00 00
    04 68 6f 73 74 08 76 70 6e 73 63 6f 70 65 04 74 65 73 74 00 00 01 00 01
    c0 0c           # name: pointer to offset 12
    00 01 00 01     # type A, class IN
    00 00 00 00     # TTL 0
    00 04 0a 35 00 0a   # rdlength 4, 10.53.0.10`);

  it('decodes a query as tshark does', () => {
    const p = one(query, true);
    expect(p.protocolColumn).toBe('DNS');
    expect(p.info).toBe('Standard query 0x2e6c A host.vpnscope.test');
    expect(fieldValue(p, 'dns.id')).toBe('0x2e6c');
    expect(fieldValue(p, 'dns.flags')).toBe('0x0120');
    expect(fieldValues(p, 'dns.flags.recdesired')).toEqual(['1']);
    expect(fieldValues(p, 'dns.flags.authenticated')).toEqual(['1']);
    expect(fieldValues(p, 'dns.flags.rcode')).toEqual([]); // queries have no reply code line
    expect(fieldValue(p, 'dns.qry.name')).toBe('host.vpnscope.test');
    expect(fieldValue(p, 'dns.qry.name.len')).toBe('18');
    expect(fieldValue(p, 'dns.count.labels')).toBe('3');
    expect(fieldValue(p, 'dns.qry.type')).toBe('1');
    expect(fieldValue(p, 'dns.qry.class')).toBe('0x0001');
    expect(labels(p)).toEqual([
      'Domain Name System (query)',
      '  Transaction ID: 0x2e6c',
      '  Flags: 0x0120 Standard query',
      '    0... .... .... .... = Response: Message is a query',
      '    .000 0... .... .... = Opcode: Standard query (0)',
      '    .... ..0. .... .... = Truncated: Message is not truncated',
      '    .... ...1 .... .... = Recursion desired: Do query recursively',
      '    .... .... .0.. .... = Z: reserved (0)',
      '    .... .... ..1. .... = AD bit: Set',
      '    .... .... ...0 .... = Non-authenticated data: Unacceptable',
      '  Questions: 1',
      '  Answer RRs: 0',
      '  Authority RRs: 0',
      '  Additional RRs: 0',
      '  Queries',
      '    host.vpnscope.test: type A, class IN',
      '      Name: host.vpnscope.test',
      '      [Name Length: 18]',
      '      [Label Count: 3]',
      '      Type: A (Host Address) (1)',
      '      Class: IN (0x0001)',
    ]);
  });

  it('keeps byte ranges for every field (hex highlighting)', () => {
    const p = one(answer);
    const at = (abbrev: string, i = 0) => {
      const n = findAll(p.root, abbrev)[i]!;
      return [n.offset - 42, n.length]; // 42 = Ethernet + IPv4 + UDP headers
    };
    expect(at('dns')).toEqual([0, 52]);
    expect(at('dns.qry.name')).toEqual([12, 20]);
    expect(at('dns.qry.type')).toEqual([32, 2]);
    expect(at('dns.resp.name')).toEqual([36, 2]);
    expect(at('dns.resp.ttl')).toEqual([42, 4]);
    expect(at('dns.resp.len')).toEqual([46, 2]);
    expect(at('dns.a')).toEqual([48, 4]);
    const answerNode = findAll(p.root, '_ws.text').find((n) => n.text?.startsWith('host.vpnscope.test: type A, class IN, addr'))!;
    expect([answerNode.offset - 42, answerNode.length]).toEqual([36, 16]);
  });

  it('decodes a response and links it to its query', () => {
    const [q, r] = run([udpFrame(query, true), udpFrame(answer, false)], [0, 0.00054]);
    expect(r!.info).toBe('Standard query response 0x2e6c A host.vpnscope.test A 10.53.0.10');
    expect(fieldValue(r!, 'dns.flags')).toBe('0x8580');
    expect(fieldValue(r!, 'dns.flags.authoritative')).toBe('1');
    expect(fieldValue(r!, 'dns.flags.rcode')).toBe('0');
    expect(fieldValue(r!, 'dns.resp.name')).toBe('host.vpnscope.test');
    expect(fieldValue(r!, 'dns.resp.ttl')).toBe('0');
    expect(fieldValue(r!, 'dns.a')).toBe('10.53.0.10');
    expect(fieldValue(r!, 'dns.response_to')).toBe('1');
    expect(fieldValue(r!, 'dns.time')).toBe('0.000540000');
    expect(labels(r!).slice(-10)).toEqual([
      '  Answers',
      '    host.vpnscope.test: type A, class IN, addr 10.53.0.10',
      '      Name: host.vpnscope.test',
      '      Type: A (Host Address) (1)',
      '      Class: IN (0x0001)',
      '      Time to live: 0 (0 seconds)',
      '      Data length: 4',
      '      Address: 10.53.0.10',
      '  [Request In: 1]',
      '  [Time: 0.000540000 seconds]',
    ]);
    // Single pass, like tshark without -2: the query does not know its response yet.
    expect(fieldValues(q!, 'dns.response_in')).toEqual([]);
  });

  it('shows a CNAME chain, TTLs in words and NXDOMAIN like tshark', () => {
    const chain = hexBytes(`
      00 04 81 80 00 01 00 02 00 00 00 00
      03 61 62 63 00 00 01 00 01                      # abc A IN
      03 61 62 63 00 00 05 00 01 00 00 0e 10 00 06    # abc CNAME, TTL 3600, rdlength 6
      03 64 65 66 c0 11                               #   def + pointer to the root byte of "abc"
      03 64 65 66 00 00 01 00 01 00 01 51 80 00 04 01 02 03 04   # def A 1.2.3.4, TTL 86400`);
    const p = one(chain);
    expect(p.info).toBe('Standard query response 0x0004 A abc CNAME def A 1.2.3.4');
    expect(fieldValues(p, 'dns.cname')).toEqual(['def']);
    expect(fieldValues(p, 'dns.resp.ttl')).toEqual(['3600', '86400']);
    expect(labels(p)).toContain('      Time to live: 3600 (1 hour)');
    expect(labels(p)).toContain('      Time to live: 86400 (1 day)');
    expect(labels(p)).toContain('  [Unsolicited: True]');

    const nx = hexBytes('ca 64 81 83 00 01 00 00 00 00 00 00 0a 6e 6f 73 75 63 68 6e 61 6d 65 08 76 70 6e 73 63 6f 70 65 04 74 65 73 74 00 00 01 00 01');
    const n = one(nx);
    expect(n.info).toBe('Standard query response 0xca64 No such name A nosuchname.vpnscope.test');
    expect(fieldValue(n, 'dns.flags.rcode')).toBe('3');
    expect(labels(n)[2]).toBe('  Flags: 0x8183 Standard query response, No such name');
  });

  it('names unknown opcodes and reply codes the way tshark does', () => {
    const p = one(hexBytes('00 01 ff 5f 00 01 00 00 00 00 00 00 00 00 01 00 01'));
    expect(p.info).toBe('Unknown operation (15) response 0x0001 Unknown error (15) A <Root>');
    expect(labels(p)).toContain('  Flags: 0xff5f Unknown operation response, Unknown error');
    expect(labels(p)).toContain('    .111 1... .... .... = Opcode: Unknown (15)');
    expect(labels(p)).toContain('    .... .... .1.. .... = Z: reserved - incorrect!');
    expect(fieldValue(p, 'dns.qry.name.len')).toBe('6'); // "<Root>"
  });

  it('labels the sections of a dynamic update and shows bytes after the last record', () => {
    const p = one(hexBytes('00 01 28 00 00 01 00 00 00 00 00 00 00 00 01 00 00 01'), true);
    expect(p.info).toBe('Dynamic update 0x0001 A <Root>');
    const l = labels(p);
    expect(l).toContain('  Zones: 1');
    expect(l).toContain('  Prerequisites: 0');
    expect(l).toContain('  Updates: 0');
    expect(l).toContain('  Zone');
    expect(l).toContain('    <Root>: type A, class Unknown');
    expect(l).toContain('      Class: Unknown (0x0000)');
    expect(l).toContain('  Extraneous Data (1 bytes)');
    expect(fieldValue(p, 'dns.extraneous.data')).toBe('01');
    expect(fieldValue(p, 'dns.extraneous.length')).toBe('1');
  });

  it('escapes label bytes like tshark: control characters, invalid UTF-8', () => {
    // label "a\\\n\x7f\t" + "é" + invalid 0xc3 + space
    const p = one(hexBytes('00 01 01 00 00 01 00 00 00 00 00 00 09 61 5c 0a 7f 09 c3 a9 c3 20 00 00 01 00 01'), true);
    expect(fieldValue(p, 'dns.qry.name')).toBe('a\\\\n\\177\\té\uFFFD ');
    expect(fieldValue(p, 'dns.qry.name.len')).toBe('9');
    const q = one(hexBytes('00 01 01 00 00 01 00 00 00 00 00 00 03 61 2e 62 05 61 20 62 ff 01 03 41 42 43 00 00 01 00 01'), true);
    expect(fieldValue(q, 'dns.qry.name')).toBe('a.b.a b\uFFFD\\001.ABC');
    expect(fieldValue(q, 'dns.qry.name.len')).toBe('13');
    expect(fieldValue(q, 'dns.count.labels')).toBe('4');
  });
});

describe('DNS malformed and truncated messages', () => {
  // A response whose second answer is cut: abc A 1.2.3.4, then abc A 5.6.7.8 missing its last 2 bytes.
  const twoAnswers = hexBytes(`
    00 09 81 80 00 01 00 02 00 00 00 00
    03 61 62 63 00 00 01 00 01
    c0 0c 00 01 00 01 00 00 00 3c 00 04 01 02 03 04
    c0 0c 00 01 00 01 00 00 00 3c 00 04 05 06 07 08`);

  it('keeps every whole field when the capture was cut (snaplen)', () => {
    const frame = udpFrame(twoAnswers, false);
    const cut = frame.subarray(0, frame.length - 2);
    const p = new Session().dissect(frameAt(cut, 1, 1_700_000_000, 0, frame.length));
    expect(fieldValues(p, 'dns.a')).toEqual(['1.2.3.4']);
    expect(fieldValues(p, 'dns.resp.len')).toEqual(['4', '4']); // the cut record's header is whole
    expect(p.info).toBe('Standard query response 0x0009 A abc A 1.2.3.4[Packet size limited during capture]');
    expect(p.truncated).toBe(true);
    expect(isMalformed(p)).toBe(false);
  });

  it('marks a message shorter than its counts as malformed, keeping what was whole', () => {
    const short = hexBytes('00 08 81 80 00 01 00 01 00 00 00 00 03 61 62 63 00 00 01'); // question cut in its class
    const p = one(short);
    expect(fieldValue(p, 'dns.qry.name')).toBe('abc');
    expect(fieldValue(p, 'dns.qry.type')).toBe('1');
    expect(fieldValues(p, 'dns.qry.class')).toEqual([]);
    expect(isMalformed(p)).toBe(true);
    expect(p.info).toBe('Standard query response 0x0008[Malformed Packet]');
  });

  it('ends a compression loop with tshark\'s placeholder and an error', () => {
    // question name "abc" followed by a pointer back to its own start (offset 12): abc.abc.abc...
    const loop = hexBytes('00 04 81 80 00 01 00 00 00 00 00 00 03 61 62 63 c0 0c 00 01 00 01');
    const p = one(loop);
    expect(fieldValue(p, 'dns.qry.name')).toBe('<Name contains a pointer that loops>');
    expect(fieldValue(p, 'dns.qry.name.len')).toBe('36');
    expect(fieldValue(p, 'dns.qry.type')).toBe('1'); // the name's length on the wire is known: dissection goes on
    expect(p.info).toBe('Standard query response 0x0004 A <Name contains a pointer that loops>');
    expect(experts(p)).toContain('Error/Malformed: Compression pointers loop; the name cannot be decoded');
    // A pointer to itself is a loop too.
    const self = one(hexBytes('00 03 81 80 00 01 00 00 00 00 00 00 c0 0c 00 01 00 01'));
    expect(fieldValue(self, 'dns.qry.name')).toBe('<Name contains a pointer that loops>');
  });

  it('follows a forward pointer (as tshark does) but flags it', () => {
    // question: "abc" then a pointer to offset 18, which is the 00 of the type field: the name is "abc"
    const fwd = hexBytes('00 05 81 80 00 01 00 00 00 00 00 00 03 61 62 63 c0 12 00 01 00 01');
    const p = one(fwd);
    expect(fieldValue(p, 'dns.qry.name')).toBe('abc');
    expect(p.info).toBe('Standard query response 0x0005 A abc');
    expect(experts(p)).toEqual(['Warning/Malformed: Compression pointer points forward; RFC 1035 allows pointers to earlier names only']);
    expect(isMalformed(p)).toBe(false);
  });

  it('flags a record whose length does not fit its type and goes on with the next record', () => {
    const bad = hexBytes(`
      00 01 81 80 00 01 00 02 00 00 00 00
      03 61 62 63 00 00 01 00 01
      c0 0c 00 01 00 01 00 00 00 00 00 02 01 02               # A with rdlength 2
      c0 0c 00 05 00 01 00 00 00 00 00 03 01 78 00            # CNAME "x", fine`);
    const p = one(bad);
    expect(fieldValues(p, 'dns.a')).toEqual([]);
    expect(fieldValues(p, 'dns.data')).toEqual(['01:02']);
    expect(fieldValues(p, 'dns.cname')).toEqual(['x']);
    expect(p.info).toBe('Standard query response 0x0001 A abc A CNAME x');
    expect(experts(p)).toContain('Error/Malformed: Data length 2 is wrong for type A (must be 4)');

    // An MX whose rdlength ends inside the exchange name.
    const mx = hexBytes('00 02 81 80 00 00 00 01 00 00 00 00 00 00 0f 00 01 00 00 00 00 00 04 00 0a 01 6d 00');
    const m = one(mx);
    expect(fieldValue(m, 'dns.mx.preference')).toBe('10');
    expect(experts(m)).toContain('Error/Malformed: Data length 4 does not fit the layout of type MX');
    expect(fieldValue(m, 'dns.extraneous.length')).toBe('1');
  });

  it('marks a record running past the end of the message as malformed', () => {
    const past = hexBytes('00 01 81 80 00 01 00 01 00 00 00 00 03 61 62 63 00 00 01 00 01 c0 0c 00 01 00 01 00 00 00 00 00 10 01 02 03 04 05 06');
    const p = one(past);
    expect(fieldValue(p, 'dns.resp.len')).toBe('16');
    expect(experts(p)).toContain('Error/Malformed: Data length 16 runs 10 bytes past the end of the message');
    expect(isMalformed(p)).toBe(true);
  });

  it('reads every name in bounded time, whatever the pointers do', () => {
    // 64 labels "abc" (255 characters: too long), then 200 pointers, the first to the labels, each
    // later one to the pointer before it: a chain no real name needs.
    const bytes = new Uint8Array(12 + 64 * 4 + 1 + 400);
    let at = 12;
    for (let i = 0; i < 64; i++) {
      bytes.set([3, 0x61, 0x62, 0x63], at);
      at += 4;
    }
    bytes[at++] = 0;
    for (let i = 0; i < 200; i++, at += 2) {
      const target = i === 0 ? 12 : at - 2;
      bytes.set([0xc0 | (target >> 8), target & 0xff], at);
    }
    const name = readName(Buf.of(bytes), at - 2);
    expect(name.text).toBe('<Name contains a pointer that loops>');
    expect(name.used).toBe(2);
    const long = readName(Buf.of(bytes), 12);
    expect(long.text).toBe('<Name too long>');
    expect(long.used).toBe(64 * 4 + 1);
  });
});

describe('DNS record types (bytes from the dns-packet encoder, values from tshark)', () => {
  it('SOA and NS', () => {
    const soa = one(response(0x1001, [{ type: 'SOA', name: 'example.org' }], [{ type: 'SOA', name: 'example.org', ttl: 3600, data: {
      mname: 'ns1.example.org', rname: 'hostmaster.example.org', serial: 2024010101, refresh: 7200, retry: 900, expire: 1209600, minimum: 300 } }]));
    expect(soa.info).toBe('Standard query response 0x1001 SOA example.org SOA ns1.example.org');
    expect(fieldValue(soa, 'dns.soa.mname')).toBe('ns1.example.org');
    expect(fieldValue(soa, 'dns.soa.rname')).toBe('hostmaster.example.org');
    expect(fieldValue(soa, 'dns.soa.serial_number')).toBe('2024010101');
    expect(fieldValue(soa, 'dns.soa.refresh_interval')).toBe('7200');
    expect(fieldValue(soa, 'dns.soa.minimum_ttl')).toBe('300');
    expect(labels(soa)).toContain('      Expire limit: 1209600 (14 days)');
    expect(labels(soa)).toContain('    example.org: type SOA, class IN, mname ns1.example.org');
    const ns = one(response(0x1002, [{ type: 'NS', name: 'example.org' }], [
      { type: 'NS', name: 'example.org', ttl: 172800, data: 'ns1.example.org' }, { type: 'NS', name: 'example.org', ttl: 172800, data: 'ns2.example.net' }]));
    expect(ns.info).toBe('Standard query response 0x1002 NS example.org NS ns1.example.org NS ns2.example.net');
    expect(fieldValues(ns, 'dns.ns')).toEqual(['ns1.example.org', 'ns2.example.net']);
  });

  it('MX, TXT, SRV, PTR from the real capture', () => {
    const mx = one(hexBytes(`f2 50 85 80 00 01 00 01 00 00 00 01 08 76 70 6e 73 63 6f 70 65 04 74 65 73 74 00 00 0f 00 01
      c0 0c 00 0f 00 01 00 00 00 00 00 16 00 0a 04 6d 61 69 6c 08 76 70 6e 73 63 6f 70 65 04 74 65 73 74 00
      c0 2b 00 01 00 01 00 00 00 00 00 04 0a 35 00 19`));
    expect(mx.info).toBe('Standard query response 0xf250 MX vpnscope.test MX 10 mail.vpnscope.test A 10.53.0.25');
    expect(fieldValue(mx, 'dns.mx.preference')).toBe('10');
    expect(fieldValue(mx, 'dns.mx.mail_exchange')).toBe('mail.vpnscope.test');
    expect(labels(mx)).toContain('    vpnscope.test: type MX, class IN, preference 10, mx mail.vpnscope.test');
    expect(labels(mx)).toContain('  Additional records');
    const srv = one(hexBytes(`74 db 85 80 00 01 00 01 00 00 00 00 04 5f 73 69 70 04 5f 75 64 70 08 76 70 6e 73 63 6f 70 65 04 74 65 73 74 00 00 21 00 01
      c0 0c 00 21 00 01 00 00 00 00 00 19 00 0a 00 14 13 c4 03 73 69 70 08 76 70 6e 73 63 6f 70 65 04 74 65 73 74 00`));
    expect(srv.info).toBe('Standard query response 0x74db SRV _sip._udp.vpnscope.test SRV 10 20 5060 sip.vpnscope.test');
    expect(fieldValue(srv, 'dns.srv.service')).toBe('_sip');
    expect(fieldValue(srv, 'dns.srv.proto')).toBe('_udp');
    expect(fieldValue(srv, 'dns.srv.name')).toBe('vpnscope.test');
    expect(fieldValues(srv, 'dns.resp.name')).toEqual([]); // tshark shows the owner in three parts instead
    expect(fieldValue(srv, 'dns.srv.port')).toBe('5060');
    expect(fieldValue(srv, 'dns.srv.target')).toBe('sip.vpnscope.test');
    const txt = one(response(0x09a6, [{ type: 'TXT', name: 'vpnscope.test' }], [{ type: 'TXT', name: 'vpnscope.test', ttl: 0, data: ['v=spf1 ip4:10.53.0.0/24 -all', 'vpnscope sample zone'] }]));
    expect(txt.info).toBe('Standard query response 0x09a6 TXT vpnscope.test TXT');
    expect(fieldValues(txt, 'dns.txt')).toEqual(['v=spf1 ip4:10.53.0.0/24 -all', 'vpnscope sample zone']);
    expect(fieldValues(txt, 'dns.txt.length')).toEqual(['28', '20']);
  });

  it('CAA, NAPTR, HINFO, SSHFP, TLSA, DNAME, RP, NULL', () => {
    const caa = one(response(0x1003, [{ type: 'CAA', name: 'example.org' }], [
      { type: 'CAA', name: 'example.org', ttl: 60, data: { flags: 128, tag: 'issue', value: 'letsencrypt.org' } },
      { type: 'CAA', name: 'example.org', ttl: 60, data: { flags: 0, tag: 'iodef', value: 'mailto:sec@example.org' } },
      { type: 'CAA', name: 'example.org', ttl: 60, data: { flags: 0, tag: 'issuewild', value: ';' } }]));
    expect(caa.info).toBe('Standard query response 0x1003 CAA example.org CAA CAA CAA');
    expect(fieldValue(caa, 'dns.caa.issue')).toBe('letsencrypt.org');
    expect(fieldValue(caa, 'dns.caa.iodef')).toBe('mailto:sec@example.org');
    expect(fieldValue(caa, 'dns.caa.issuewild')).toBe(';');
    expect(fieldValues(caa, 'dns.caa.flags')).toEqual(['0x80', '0x00', '0x00']);
    expect(fieldValues(caa, 'dns.caa.flags.issuer_critical')).toEqual(['1', '0', '0']);
    expect(fieldValues(caa, 'dns.caa.tag')).toEqual(['issue', 'iodef', 'issuewild']);

    const naptr = one(response(0x1004, [{ type: 'NAPTR', name: 'example.org' }], [
      { type: 'NAPTR', name: 'example.org', ttl: 60, data: { order: 100, preference: 10, flags: 'S', services: 'SIP+D2U', regexp: '', replacement: '_sip._udp.example.org' } },
      { type: 'NAPTR', name: 'example.org', ttl: 60, data: { order: 100, preference: 20, flags: 'U', services: 'E2U+sip', regexp: '!^.*$!sip:info@example.org!', replacement: '.' } }]));
    expect(naptr.info).toBe('Standard query response 0x1004 NAPTR example.org NAPTR 100 10 S NAPTR 100 20 U');
    expect(fieldValues(naptr, 'dns.naptr.replacement')).toEqual(['_sip._udp.example.org', '<Root>']);
    expect(fieldValues(naptr, 'dns.naptr.replacement_length')).toEqual(['21', '6']);
    expect(fieldValues(naptr, 'dns.naptr.regex')).toEqual(['', '!^.*$!sip:info@example.org!']);

    const misc = one(response(0x1009, [{ type: 'HINFO', name: 'h.example.org' }], [
      { type: 'HINFO', name: 'h.example.org', ttl: 60, data: { cpu: 'x86_64', os: 'Linux' } },
      { type: 'SSHFP', name: 'h.example.org', ttl: 60, data: { algorithm: 4, hash: 2, fingerprint: '00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff' } },
      { type: 'TLSA', name: 'h.example.org', ttl: 60, data: { usage: 3, selector: 1, matchingType: 1, certificate: Buffer.from('00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff', 'hex') } }]));
    expect(misc.info).toBe('Standard query response 0x1009 HINFO h.example.org HINFO x86_64 Linux SSHFP TLSA h.example.org');
    expect(fieldValue(misc, 'dns.hinfo.cpu')).toBe('x86_64');
    expect(fieldValue(misc, 'dns.hinfo.os')).toBe('Linux');
    expect(fieldValue(misc, 'dns.sshfp.algorithm')).toBe('4');
    expect(fieldValue(misc, 'dns.sshfp.fingerprint')).toBe('00:11:22:33:44:55:66:77:88:99:aa:bb:cc:dd:ee:ff:00:11:22:33:44:55:66:77:88:99:aa:bb:cc:dd:ee:ff');
    expect(fieldValue(misc, 'dns.tlsa.certificate_usage')).toBe('3');
    expect(labels(misc)).toContain('      Matching Type: 256 bit hash by SHA2 (SHA2-256) (1)');

    const names = one(response(0x100a, [{ type: 'DNAME', name: 'd.example.org' }], [
      { type: 'DNAME', name: 'd.example.org', ttl: 60, data: 'e.example.net' },
      { type: 'RP', name: 'd.example.org', ttl: 60, data: { mbox: 'admin.example.org', txt: 'info.example.org' } },
      { type: 'NULL', name: 'd.example.org', ttl: 60, data: Buffer.from('cafe', 'hex') }]));
    expect(names.info).toBe('Standard query response 0x100a DNAME d.example.org DNAME e.example.net RP d.example.org NULL d.example.org');
    expect(fieldValue(names, 'dns.dname')).toBe('e.example.net');
    expect(fieldValue(names, 'dns.rp.mailbox')).toBe('admin.example.org');
    expect(fieldValue(names, 'dns.rp.txt_rr')).toBe('info.example.org');
    expect(fieldValue(names, 'dns.null')).toBe('ca:fe');
  });

  it('DNSSEC: DS, DNSKEY (with its key tag), RRSIG, NSEC, NSEC3', () => {
    const ds = one(response(0x1005, [{ type: 'DS', name: 'example.org' }], [{ type: 'DS', name: 'example.org', ttl: 86400, data: {
      keyTag: 31589, algorithm: 8, digestType: 2, digest: Buffer.from('cde0d742d6998aa554a92d890f8184c698cfac8a26fa59875a990c03e576343c', 'hex') } }]));
    expect(ds.info).toBe('Standard query response 0x1005 DS example.org DS');
    expect(fieldValue(ds, 'dns.ds.key_id')).toBe('0x7b65');
    expect(fieldValue(ds, 'dns.ds.algorithm')).toBe('8');
    expect(fieldValue(ds, 'dns.ds.digest_type')).toBe('2');
    expect(labels(ds)).toContain('      Digest Type: SHA-256 (2)');

    const key = Buffer.from('99db2cc14cabdc33d6d77da63a2f15f71112584f234e8d1dc428e39e8a4a97e1aa271a555dc90701e17e2a4c4b6f120b7c32d44f4ac02bd894cf2d4be7778a19', 'hex');
    const dnskey = one(response(0x1006, [{ type: 'DNSKEY', name: 'example.org' }], [{ type: 'DNSKEY', name: 'example.org', ttl: 3600, data: { flags: 257, algorithm: 13, key } }]));
    expect(fieldValue(dnskey, 'dns.dnskey.flags')).toBe('0x0101');
    expect(fieldValue(dnskey, 'dns.dnskey.flags.zone_key')).toBe('1');
    expect(fieldValue(dnskey, 'dns.dnskey.flags.secure_entry_point')).toBe('1');
    expect(fieldValue(dnskey, 'dns.dnskey.flags.reserved')).toBe('0x0000');
    expect(fieldValue(dnskey, 'dns.dnskey.key_id')).toBe('2371');
    expect(labels(dnskey)).toContain('      Algorithm: ECDSA Curve P-256 with SHA-256 (13)');
    expect(labels(dnskey)).toContain('        0000 000. .000 000. = Key Signing Key: 0x0000');

    const rrsig = one(response(0x1007, [{ type: 'A', name: 'www.example.org' }], [
      { type: 'A', name: 'www.example.org', ttl: 300, data: '192.0.2.7' },
      { type: 'RRSIG', name: 'www.example.org', ttl: 300, data: { typeCovered: 'A', algorithm: 13, labels: 3, originalTTL: 300, expiration: 1735689600,
        inception: 1704067200, keyTag: 12345, signersName: 'example.org', signature: Buffer.alloc(64, 0x11) } }]));
    expect(rrsig.info).toBe('Standard query response 0x1007 A www.example.org A 192.0.2.7 RRSIG');
    expect(fieldValue(rrsig, 'dns.rrsig.type_covered')).toBe('1');
    expect(fieldValue(rrsig, 'dns.rrsig.signers_name')).toBe('example.org');
    expect(fieldValue(rrsig, 'dns.rrsig.key_tag')).toBe('12345');
    expect(findAll(rrsig.root, 'dns.rrsig.signature_expiration')[0]!.value).toEqual([1735689600, 0]);
    expect(labels(rrsig)).toContain('      Original TTL: 300 (5 minutes)');

    const denial = one(response(0x1008, [{ type: 'A', name: 'nx.example.org' }], [], [
      { type: 'NSEC', name: 'mx.example.org', ttl: 300, data: { nextDomain: 'www.example.org', rrtypes: ['A', 'AAAA', 'RRSIG', 'NSEC', 'CAA'] } },
      { type: 'NSEC3', name: 'abcdefgh.example.org', ttl: 300, data: { algorithm: 1, flags: 1, iterations: 10, salt: Buffer.from('aabbccdd', 'hex'),
        nextDomain: Buffer.from('0123456789abcdef0123456789abcdef01234567', 'hex'), rrtypes: ['A', 'RRSIG'] } }]));
    expect(denial.info).toBe('Standard query response 0x1008 A nx.example.org NSEC www.example.org NSEC3');
    expect(fieldValue(denial, 'dns.nsec.next_domain_name')).toBe('www.example.org');
    expect(fieldValue(denial, 'dns.nsec3.hash_value')).toBe('04hkaps9lf6uu0938ljojaudts0i6hb7');
    expect(fieldValue(denial, 'dns.nsec3.salt_value')).toBe('aa:bb:cc:dd');
    expect(fieldValue(denial, 'dns.nsec3.flags.opt_out')).toBe('1');
    const bitmap = labels(denial).filter((l) => l.includes('RR type in bit map'));
    expect(bitmap.map((l) => l.trim())).toEqual([
      'RR type in bit map: A (Host Address)', 'RR type in bit map: AAAA (IPv6 Address)', 'RR type in bit map: RRSIG (Resource Record Signature)',
      'RR type in bit map: NSEC (Next Secure)', 'RR type in bit map: CAA (Certification Authority Restriction)',
      'RR type in bit map: A (Host Address)', 'RR type in bit map: RRSIG (Resource Record Signature)',
    ]);
  });

  it('SVCB/HTTPS parameters, and unknown types as data', () => {
    const https = one(hexBytes(`00 01 81 80 00 01 00 01 00 00 00 00 03 61 62 63 00 00 41 00 01
      c0 0c 00 41 00 01 00 00 00 00 00 33 00 01 00
      00 01 00 06 02 68 32 02 68 33      # alpn=h2,h3
      00 03 00 02 01 bb                  # port=443
      00 04 00 08 01 02 03 04 05 06 07 08   # ipv4hint
      00 06 00 10 20 01 0d b8 00 00 00 00 00 00 00 00 00 00 00 01   # ipv6hint`));
    expect(https.info).toBe('Standard query response 0x0001 HTTPS abc HTTPS');
    expect(fieldValue(https, 'dns.svcb.svcpriority')).toBe('1');
    expect(fieldValue(https, 'dns.svcb.targetname')).toBe('<Root>');
    expect(fieldValues(https, 'dns.svcb.svcparam.alpn')).toEqual(['h2', 'h3']);
    expect(fieldValue(https, 'dns.svcb.svcparam.port')).toBe('443');
    expect(fieldValues(https, 'dns.svcb.svcparam.ipv4hint.ip')).toEqual(['1.2.3.4', '5.6.7.8']);
    expect(fieldValue(https, 'dns.svcb.svcparam.ipv6hint.ip')).toBe('2001:db8::1');
    expect(labels(https).filter((l) => l.includes('SvcParam:')).map((l) => l.trim())).toEqual([
      'SvcParam: alpn=h2,h3', 'SvcParam: port=443', 'SvcParam: ipv4hint=1.2.3.4,5.6.7.8', 'SvcParam: ipv6hint=2001:db8::1']);

    const unknown = one(hexBytes('00 01 81 80 00 01 00 01 00 00 00 00 00 12 34 00 01 00 12 34 00 01 00 00 00 3c 00 02 01 02'));
    expect(unknown.info).toBe('Standard query response 0x0001 Unknown (4660) <Root> Unknown (4660)');
    expect(fieldValue(unknown, 'dns.data')).toBe('01:02');
    expect(experts(unknown)).toEqual(['Note/Undecoded: Data of DNS type Unknown (4660) is not decoded field by field']);
  });

  it('EDNS: OPT fields, client subnet and cookie (frame 19 of the real capture)', () => {
    const q = one(hexBytes(`a6 8d 01 20 00 01 00 00 00 00 00 01 01 61 08 76 70 6e 73 63 6f 70 65 04 74 65 73 74 00 00 01 00 01
      00 00 29 04 d0 00 00 80 00 00 1b      # OPT: payload 1232, DO, rdlength 27
      00 03 00 00                           # NSID, empty
      00 08 00 07 00 01 18 00 0a 35 00      # client subnet 10.53.0.0/24
      00 0a 00 08 01 02 03 04 05 06 07 08   # client cookie`), true);
    expect(q.info).toBe('Standard query 0xa68d A a.vpnscope.test OPT');
    expect(fieldValue(q, 'dns.resp.name')).toBe('<Root>');
    expect(fieldValue(q, 'dns.rr.udp_payload_size')).toBe('1232');
    expect(fieldValue(q, 'dns.resp.ext_rcode')).toBe('0x00');
    expect(fieldValue(q, 'dns.resp.edns0_version')).toBe('0');
    expect(fieldValue(q, 'dns.resp.z')).toBe('0x8000');
    expect(fieldValue(q, 'dns.resp.z.do')).toBe('1');
    expect(fieldValues(q, 'dns.opt.code')).toEqual(['3', '8', '10']);
    expect(fieldValues(q, 'dns.opt.len')).toEqual(['0', '7', '8']);
    expect(fieldValue(q, 'dns.opt.client.family')).toBe('1');
    expect(fieldValue(q, 'dns.opt.client.netmask')).toBe('24');
    expect(fieldValue(q, 'dns.opt.client.addr4')).toBe('10.53.0.0');
    expect(fieldValue(q, 'dns.opt.cookie.client')).toBe('01:02:03:04:05:06:07:08');
    const l = labels(q);
    expect(l.slice(l.indexOf('  Additional records'))).toEqual([
      '  Additional records',
      '    <Root>: type OPT',
      '      Name: <Root>',
      '      Type: OPT (41)',
      '      UDP payload size: 1232',
      '      Higher bits in extended RCODE: 0x00',
      '      EDNS0 version: 0',
      '      Z: 0x8000',
      '        1... .... .... .... = DO bit: Accepts DNSSEC security RRs',
      '        .000 0000 0000 0000 = Reserved: 0x0000',
      '      Data length: 27',
      '      Option: NSID - Name Server Identifier',
      '        Option Code: NSID - Name Server Identifier (3)',
      '        Option Length: 0',
      '        Option Data: <MISSING>',
      '      Option: CSUBNET - Client subnet',
      '        Option Code: CSUBNET - Client subnet (8)',
      '        Option Length: 7',
      '        Option Data: 000118000a3500',
      '        Family: IPv4 (1)',
      '        Source Netmask: 24',
      '        Scope Netmask: 0',
      '        Client Subnet: 10.53.0.0',
      '      Option: COOKIE',
      '        Option Code: COOKIE (10)',
      '        Option Length: 8',
      '        Option Data: 0102030405060708',
      '        Client Cookie: 0102030405060708',
      '        Server Cookie: <MISSING>',
    ]);
  });
});

describe('mDNS and LLMNR', () => {
  it('mDNS: QU question and cache-flush answers on port 5353', () => {
    const [q, r] = run([
      udpFrame(hexBytes('00 00 00 00 00 01 00 00 00 00 00 00 05 68 65 72 6d 65 05 6c 6f 63 61 6c 00 00 01 80 01'), true, 5353, 5353),
      udpFrame(hexBytes('00 00 84 00 00 00 00 01 00 00 00 00 05 68 65 72 6d 65 05 6c 6f 63 61 6c 00 00 01 80 01 00 00 00 78 00 04 c0 a8 01 05'), false, 5353, 5353),
    ]);
    expect(q!.protocolColumn).toBe('MDNS');
    expect(q!.info).toBe('Standard query 0x0000 A herme.local, "QU" question');
    expect(fieldValue(q!, 'dns.qry.class')).toBe('0x0001');
    expect(fieldValue(q!, 'dns.qry.qu')).toBe('1');
    expect(labels(q!, 'mdns').slice(-3)).toEqual([
      '      Type: A (Host Address) (1)',
      '      .000 0000 0000 0001 = Class: IN (0x0001)',
      '      1... .... .... .... = "QU" question: True',
    ]);
    expect(r!.info).toBe('Standard query response 0x0000 A, cache flush 192.168.1.5');
    expect(fieldValue(r!, 'dns.resp.cache_flush')).toBe('1');
    expect(labels(r!, 'mdns')).toContain('    herme.local: type A, class IN, cache flush, addr 192.168.1.5');
    expect(fieldValue(r!, 'dns.response_to')).toBe('1');
  });

  it('LLMNR: conflict and tentative flags on port 5355', () => {
    const [q, r] = run([
      udpFrame(hexBytes('12 34 00 00 00 01 00 00 00 00 00 00 05 68 65 6c 6c 6f 00 00 01 00 01'), true, 40001, 5355),
      udpFrame(hexBytes('12 34 80 00 00 01 00 01 00 00 00 00 05 68 65 6c 6c 6f 00 00 01 00 01 c0 0c 00 01 00 01 00 00 00 1e 00 04 c0 a8 01 06'), false, 40001, 5355),
    ]);
    expect(q!.protocolColumn).toBe('LLMNR');
    expect(labels(q!, 'llmnr').slice(0, 8)).toEqual([
      'Link-local Multicast Name Resolution (query)',
      '  Transaction ID: 0x1234',
      '  Flags: 0x0000 Standard query',
      '    0... .... .... .... = Response: Message is a query',
      '    .000 0... .... .... = Opcode: Standard query (0)',
      '    .... .0.. .... .... = Conflict: None',
      '    .... ..0. .... .... = Truncated: Message is not truncated',
      '    .... ...0 .... .... = Tentative: Not tentative',
    ]);
    expect(r!.info).toBe('Standard query response 0x1234 A hello A 192.168.1.6');
    expect(labels(r!, 'llmnr')[5]).toBe('    .... .0.. .... .... = Conflict: The name is considered unique');
  });
});

describe('DNS query/response matching', () => {
  const Q = hexBytes('00 aa 01 00 00 01 00 00 00 00 00 00 03 61 62 63 00 00 01 00 01');
  const R = hexBytes('00 aa 81 80 00 01 00 00 00 00 00 00 03 61 62 63 00 00 01 00 01');

  it('finds retransmitted queries and responses and unsolicited responses (tshark\'s single pass)', () => {
    const ps = run([udpFrame(Q), udpFrame(Q), udpFrame(R, false), udpFrame(R, false), udpFrame(Q),
      udpFrame(hexBytes('00 bb 81 80 00 01 00 00 00 00 00 00 03 61 62 63 00 00 01 00 01'), false)]);
    const row = (p: Packet) => ['dns.retransmit_request_in', 'dns.retransmit_response_in', 'dns.retransmission', 'dns.response_to', 'dns.time', 'dns.unsolicited']
      .map((f) => fieldValues(p, f).join(','));
    expect(ps.map(row)).toEqual([
      ['', '', '', '', '', ''],
      ['1', '', '1', '', '', ''],
      ['', '', '', '1', '2.000000000', ''],
      ['', '3', '1', '', '', ''],
      ['', '', '', '', '', ''],
      ['', '', '', '', '', '1'],
    ]);
    expect(experts(ps[1]!)).toEqual(['Warning/Protocol: DNS query retransmission. Original request in frame 1']);
    expect(experts(ps[3]!)).toEqual(['Warning/Protocol: DNS response retransmission. Original response in frame 3']);
  });

  it('treats a repeat after the retransmission timer (5 s) as a new query', () => {
    const ps = run([udpFrame(Q), udpFrame(Q), udpFrame(R, false)], [0, 10, 11]);
    expect(fieldValues(ps[1]!, 'dns.retransmission')).toEqual([]);
    expect(fieldValue(ps[2]!, 'dns.response_to')).toBe('2');
    expect(fieldValue(ps[2]!, 'dns.time')).toBe('1.000000000');
  });

  it('shows Response In when a query is dissected again after its response', () => {
    const s = new Session();
    const q = frameAt(udpFrame(Q), 1, 1_700_000_000);
    s.dissect(q);
    s.dissect(frameAt(udpFrame(R, false), 2, 1_700_000_000, 250_000_000));
    const again = s.dissect(q);
    expect(fieldValue(again, 'dns.response_in')).toBe('2');
    expect(fieldValues(again, 'dns.retransmission')).toEqual([]);
  });

  it('passes what statistics need to the dns tap', () => {
    const [, r] = run([udpFrame(Q), udpFrame(R, false)], [0, 0.5]);
    const tap = r!.taps!.find((t) => t.tap === 'dns')!.data as Record<string, unknown>;
    expect(tap).toMatchObject({ id: 0xaa, isResponse: true, opcode: 0, rcode: 0, qname: 'abc', qtype: 1, qclass: 1, time: 0.5, protocol: 'dns' });
  });
});

describe('DNS over TCP', () => {
  const q1 = hexBytes('00 aa 01 00 00 01 00 00 00 00 00 00 03 61 62 63 00 00 01 00 01');
  const q2 = hexBytes('00 bb 01 00 00 01 00 00 00 00 00 00 03 64 65 66 00 00 01 00 01');
  const r1 = hexBytes('00 aa 81 80 00 01 00 01 00 00 00 00 03 61 62 63 00 00 01 00 01 c0 0c 00 01 00 01 00 00 00 3c 00 04 01 02 03 04');
  const framed = (m: Uint8Array) => new Uint8Array([m.length >> 8, m.length & 255, ...m]);

  it('dissects two messages in one segment and one message split across two', () => {
    const tcp = tcpConversation();
    const r = framed(r1);
    const ps = run([
      tcp(true, new Uint8Array(0), 0x02), tcp(false, new Uint8Array(0), 0x12), tcp(true, new Uint8Array(0), 0x10),
      tcp(true, new Uint8Array([...framed(q1), ...framed(q2)])),
      tcp(false, r.subarray(0, 12)),
      tcp(false, r.subarray(12)),
    ]);
    // tshark shows the last message of a segment in Info.
    expect(ps[3]!.info).toBe('Standard query 0x00bb A def');
    expect(fieldValues(ps[3]!, 'dns.length')).toEqual(['21', '21']);
    expect(fieldValues(ps[3]!, 'dns.qry.name')).toEqual(['abc', 'def']);
    expect(findAll(ps[4]!.root, 'dns')).toEqual([]);
    expect(ps[5]!.info).toBe('Standard query response 0x00aa A abc A 1.2.3.4');
    expect(fieldValue(ps[5]!, 'dns.length')).toBe('37');
    expect(fieldValue(ps[5]!, 'dns.a')).toBe('1.2.3.4');
    expect(fieldValue(ps[5]!, 'dns.response_to')).toBe('4');
    expect(labels(ps[5]!)[1]).toBe('  Length: 37');
  });
});

describe('DNS heuristic on other UDP ports', () => {
  const query = hexBytes('01 43 01 20 00 01 00 00 00 00 00 01 03 77 77 77 07 74 63 70 64 75 6d 70 03 6f 72 67 00 00 01 00 01 00 00 29 10 00 00 00 00 00 00 00');

  it('recognises a real query on port 8053', () => {
    const p = one(query, true, 8053);
    expect(p.protocolColumn).toBe('DNS');
    expect(p.info).toBe('Standard query 0x0143 A www.tcpdump.org OPT');
  });

  it('does not claim random bytes, OpenVPN packets or DNS with trailing garbage', () => {
    let seed = 12345;
    const rand = () => ((seed = (seed * 1103515245 + 12345) >>> 0) >>> 16) & 0xff;
    let claimed = 0;
    for (let i = 0; i < 20000; i++) {
      const b = new Uint8Array(17 + (i % 200));
      for (let j = 0; j < b.length; j++) b[j] = rand();
      if (i % 2) b.set([0, 1], 4); // half with qdcount 1, the first check a payload would have to pass by chance
      if (looksLikeDns(Buf.of(b))) claimed++;
    }
    expect(claimed).toBe(0);
    // The first three OpenVPN packets of ../shared/corpus/zeek-openvpn/openvpn.pcap (reset, reset, ack).
    for (const hex of ['389aa6b1e434889ad30000000000', '40e7a77eba7c1c51b501000000009aa6b1e434889ad300000000', '289aa6b1e434889ad30100000000e7a77eba7c1c51b5']) {
      expect(looksLikeDns(Buf.of(hexBytes(hex)))).toBe(false);
      expect(one(hexBytes(hex), true, 11940).layers).not.toContain('dns');
    }
    // NetBIOS name service shares the format; its encoded names give it away (eapon1.pcap frame 4, port 137).
    const nbns = hexBytes('892101100001000000000000204542464345434546454a4645464445484643464646414641454643414341424c0000200001');
    expect(looksLikeDns(Buf.of(nbns))).toBe(false);
    expect(looksLikeDns(Buf.of(new Uint8Array([...query, 0])))).toBe(false);
    expect(looksLikeDns(Buf.of(query))).toBe(true);
  });
});

describe('helpers', () => {
  it('spells durations, key tags and NSEC3 hashes like the RFCs and tshark', () => {
    expect(secondsText(0)).toBe('0 seconds');
    expect(secondsText(168307)).toBe('1 day, 22 hours, 45 minutes, 7 seconds');
    expect(secondsText(4294967295)).toBe('49710 days, 6 hours, 28 minutes, 15 seconds');
    // RFC 4034 appendix B example key of the ".": not needed, a hand check: all-zero rdata has tag 0.
    expect(keyTag(new Uint8Array(8), 8)).toBe(0);
    expect(base32hex(new Uint8Array([0xff]))).toBe('vs');
  });
});

// ---------------------------------------------------------------------------------------------
// The real capture: every DNS packet against tshark's values.

/** tshark -r dns-sample.pcap -Y dns -T fields -e frame.number -e dns.qry.name -e dns.qry.type -e dns.flags.rcode
 *  -e dns.a -e dns.aaaa -e dns.cname -e dns.mx.mail_exchange -e dns.txt -e dns.srv.port -e dns.response_to -e dns.time -e _ws.col.Info */
const TSHARK_SAMPLE = `
3|host.vpnscope.test|1||||||||||Standard query 0x492e A host.vpnscope.test
4|host.vpnscope.test|1|0|10.53.0.10||||||3|0.000427000|Standard query response 0x492e A host.vpnscope.test A 10.53.0.10
5|host.vpnscope.test|28||||||||||Standard query 0x6bbf AAAA host.vpnscope.test
6|host.vpnscope.test|28|0||fd53::10|||||5|0.000639000|Standard query response 0x6bbf AAAA host.vpnscope.test AAAA fd53::10
7|vpnscope.test|15||||||||||Standard query 0x4eee MX vpnscope.test
8|vpnscope.test|15|0|10.53.0.25|||mail.vpnscope.test|||7|0.000199000|Standard query response 0x4eee MX vpnscope.test MX 10 mail.vpnscope.test A 10.53.0.25
9|vpnscope.test|16||||||||||Standard query 0x4678 TXT vpnscope.test
10|vpnscope.test|16|0|||||v=spf1 ip4:10.53.0.0/24 -all,vpnscope sample zone||9|0.000132000|Standard query response 0x4678 TXT vpnscope.test TXT
11|www.vpnscope.test|5||||||||||Standard query 0xd111 CNAME www.vpnscope.test
12|www.vpnscope.test|5|0|||host.vpnscope.test||||11|0.000124000|Standard query response 0xd111 CNAME www.vpnscope.test CNAME host.vpnscope.test
13|_sip._udp.vpnscope.test|33||||||||||Standard query 0xa8f4 SRV _sip._udp.vpnscope.test
14|_sip._udp.vpnscope.test|33|0||||||5060|13|0.000244000|Standard query response 0xa8f4 SRV _sip._udp.vpnscope.test SRV 10 20 5060 sip.vpnscope.test
15|99.0.53.10.in-addr.arpa|12||||||||||Standard query 0x6063 PTR 99.0.53.10.in-addr.arpa
16|99.0.53.10.in-addr.arpa|12|0|||||||15|0.007452000|Standard query response 0x6063 PTR 99.0.53.10.in-addr.arpa PTR printer.vpnscope.test
17|nosuchname.vpnscope.test|1||||||||||Standard query 0x40c6 A nosuchname.vpnscope.test
18|nosuchname.vpnscope.test|1|3|||||||17|0.000471000|Standard query response 0x40c6 No such name A nosuchname.vpnscope.test
19|a.vpnscope.test|1||||||||||Standard query 0x0f13 A a.vpnscope.test OPT
20|a.vpnscope.test|1|0|10.53.0.80||||||19|0.000482000|Standard query response 0x0f13 A a.vpnscope.test A 10.53.0.80 OPT
24|www.vpnscope.test|1||||||||||Standard query 0x7208 A www.vpnscope.test OPT
26|www.vpnscope.test|1|0|10.53.0.10||host.vpnscope.test||||24|0.000263000|Standard query response 0x7208 A www.vpnscope.test CNAME host.vpnscope.test A 10.53.0.10 OPT
33|v6only.vpnscope.test|28||||||||||Standard query 0x0776 AAAA v6only.vpnscope.test OPT
34|v6only.vpnscope.test|28|0||fd53::66|||||33|0.000180000|Standard query response 0x0776 AAAA v6only.vpnscope.test AAAA fd53::66 OPT`;

const SAMPLE_FIELDS = ['dns.qry.name', 'dns.qry.type', 'dns.flags.rcode', 'dns.a', 'dns.aaaa', 'dns.cname', 'dns.mx.mail_exchange',
  'dns.txt', 'dns.srv.port', 'dns.response_to', 'dns.time'];

async function dissectFile(file: string, session = new Session()): Promise<{ packets: Packet[]; frames: Frame[] }> {
  const packets: Packet[] = [];
  const frames: Frame[] = [];
  await openCapture(file).run((f) => {
    const copy = { ...f, bytes: f.bytes.slice() };
    frames.push(copy);
    packets.push(session.dissect(copy));
  });
  return { packets, frames };
}

describe('real capture (dig against dnsmasq, UDP, TCP and IPv6)', () => {
  const sample = path.join(repoRoot, 'test', 'fixtures', 'dns-sample.pcap');

  it('matches tshark field by field and word for word in Info', async () => {
    const { packets } = await dissectFile(sample);
    const ours = packets
      .filter((p) => p.layers.includes('dns'))
      .map((p) => [p.number, ...SAMPLE_FIELDS.map((f) => fieldValues(p, f).join(',')), p.info].join('|'));
    expect(ours).toEqual(TSHARK_SAMPLE.trim().split('\n'));
  });

  it('agrees with the dns-packet decoder on every record of every message', async () => {
    const { packets, frames } = await dissectFile(sample);
    let records = 0;
    packets.forEach((p, i) => {
      const layer = findAll(p.root, 'dns')[0];
      if (!layer) return;
      const frame = frames[i]!;
      // The message starts after the 2-byte length over TCP; dns-packet gets exactly the message.
      const start = layer.offset + (p.transport === 'tcp' ? 2 : 0);
      const decoded = dnsPacket.decode(Buffer.from(layer.source!.bytes.subarray(start, layer.offset + layer.length)));
      expect(fieldValue(p, 'dns.id')).toBe('0x' + decoded.id!.toString(16).padStart(4, '0'));
      expect(fieldValues(p, 'dns.qry.name')).toEqual(decoded.questions!.map((q) => q.name));
      const rrs = [...decoded.answers!, ...decoded.authorities!, ...decoded.additionals!];
      expect(fieldValues(p, 'dns.resp.type')).toEqual(rrs.map((a) => String(typeNumber(a.type))));
      for (const a of rrs) {
        records++;
        if (a.type === 'A') expect(fieldValues(p, 'dns.a')).toContain(a.data);
        if (a.type === 'AAAA') expect(fieldValues(p, 'dns.aaaa')).toContain(a.data);
        if (a.type === 'CNAME') expect(fieldValues(p, 'dns.cname')).toContain(a.data);
        if (a.type === 'PTR') expect(fieldValues(p, 'dns.ptr.domain_name')).toContain(a.data);
        if (a.type === 'MX') expect(fieldValues(p, 'dns.mx.mail_exchange')).toContain(a.data.exchange);
        if (a.type === 'SRV') expect(fieldValues(p, 'dns.srv.target')).toContain(a.data.target);
        if (a.type === 'TXT') expect(fieldValues(p, 'dns.txt')).toEqual((a.data as Buffer[]).map((b) => b.toString()));
        if (a.type === 'OPT') expect(fieldValue(p, 'dns.rr.udp_payload_size')).toBe(String(a.udpPayloadSize));
      }
    });
    expect(records).toBeGreaterThan(15);
  });
});

function typeNumber(name: string): number {
  return { A: 1, NS: 2, CNAME: 5, SOA: 6, PTR: 12, MX: 15, TXT: 16, AAAA: 28, SRV: 33, OPT: 41 }[name] ?? -1;
}

// ---------------------------------------------------------------------------------------------
// Hostile input

const HOSTILE = /dns|mdns|llmnr|edns|lwres|nbns|someip|zlip|fwdptr/i;

describe('hostile captures and mutated messages', () => {
  const dir = path.join(corpusDir, 'tcpdump');
  const files = fs.existsSync(dir) ? fs.readdirSync(dir).filter((f) => HOSTILE.test(f)).sort() : [];

  it.skipIf(files.length === 0)('dissects tcpdump\'s DNS test captures without escaping exceptions or hangs', async () => {
    const bugs: string[] = [];
    let dnsPackets = 0;
    for (const f of files) {
      const started = Date.now();
      const { packets } = await dissectFile(path.join(dir, f), new Session({ buildTree: true }));
      for (const p of packets) {
        if (p.layers.some((l) => l === 'dns' || l === 'mdns' || l === 'llmnr')) dnsPackets++;
        for (const e of p.experts) if (e.message.startsWith('Dissector bug')) bugs.push(`${f} #${p.number}: ${e.message}`);
      }
      expect(Date.now() - started, f).toBeLessThan(20_000);
    }
    expect(bugs).toEqual([]);
    expect(dnsPackets).toBeGreaterThan(50);
  });

  it('survives 20,000 random mutations of real messages', async () => {
    const { frames } = await dissectFile(path.join(repoRoot, 'test', 'fixtures', 'dns-sample.pcap'));
    const udp = frames.filter((f) => f.bytes.length > 42 && f.bytes[23] === 17);
    let seed = 7;
    const rand = (n: number) => ((seed = (seed * 1103515245 + 12345) >>> 0) >>> 8) % n;
    const s = new Session();
    const bugs: string[] = [];
    for (let i = 0; i < 20000; i++) {
      const base = udp[rand(udp.length)]!.bytes;
      const b = base.slice();
      const flips = 1 + rand(6);
      for (let j = 0; j < flips; j++) {
        const at = 42 + rand(b.length - 42);
        b[at] = rand(4) === 0 ? 0xc0 | rand(64) : rand(256); // pointers are the interesting byte
      }
      const cut = rand(3) === 0 ? b.subarray(0, 42 + rand(b.length - 42)) : b;
      const p = s.dissect(frameAt(cut, i + 1, 1_700_000_000 + i, 0, b.length));
      for (const e of p.experts) if (e.message.startsWith('Dissector bug')) bugs.push(e.message);
    }
    expect([...new Set(bugs)]).toEqual([]);
  });
});
