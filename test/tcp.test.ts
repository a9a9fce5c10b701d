/**
 * TCP: the header and its options on single segments (hex dumps), Wireshark's sequence analysis on
 * hand-made conversations, the byte stream handed to a protocol above (a toy length-prefixed one
 * registered on 'tcp.port' 5555 here), and two real captures made by samples/make-tcp-loopback.sh.
 *
 * Expected values are tshark 4.0's, run on the same bytes. tshark was run with
 * `-o tcp.reassemble_out_of_order:TRUE`, which is what vpnscope does by default: segments that
 * arrive ahead of a gap are held until it fills ("[TCP segment of a reassembled PDU]").
 * Hand-made segments go out 1 ms apart from 1700000000.000 (the same times tshark saw).
 */
import { describe, expect, it } from 'vitest';
import fs from 'node:fs';
import path from 'node:path';
import { Session, type SessionOptions } from '../src/engine/session.js';
import type { Packet } from '../src/engine/packet.js';
import { protocol, table } from '../src/engine/dispatch.js';
import { FT, field } from '../src/engine/fields.js';
import { dissectPdus, NEED_MORE } from '../src/engine/stream.js';
import { findAll } from '../src/engine/query.js';
import { nodeLabel, valueToJson } from '../src/engine/format.js';
import { openCapture } from '../src/capture/open.js';
import { corpusDir, dissectBytes, dissectFile, fieldValue, fieldValues, hexBytes, isMalformed, samplesDir } from './util.js';

/** LINKTYPE_IPV4: frames are bare IPv4 packets. */
const RAW_IPV4 = 228;

// ---------------------------------------------------------------------------------------------
// Building segments: IPv4 (id 1, DF, TTL 64) + TCP, both checksums correct, options padded with
// zeros to a multiple of 4 — byte for byte what the script that made the tshark references wrote.

const FIN = 0x01, SYN = 0x02, RST = 0x04, PSH = 0x08, ACK = 0x10;

interface SegmentSpec {
  src: string;
  dst: string;
  sport: number;
  dport: number;
  seq: number;
  ack: number;
  flags: number;
  win: number;
  payload?: Uint8Array | string;
  opts?: number[];
}

function fold(sum: number): number {
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return sum;
}

function sum16(b: Uint8Array, start: number, end: number, initial = 0): number {
  let sum = initial;
  for (let i = start; i < end; i += 2) sum += (b[i]! << 8) | (i + 1 < end ? b[i + 1]! : 0);
  return fold(sum);
}

function segment(s: SegmentSpec): Uint8Array {
  const opts = [...(s.opts ?? [])];
  while (opts.length % 4) opts.push(0);
  const payload = typeof s.payload === 'string' ? new TextEncoder().encode(s.payload) : (s.payload ?? new Uint8Array(0));
  const hdrLen = 20 + opts.length;
  const tcpLen = hdrLen + payload.length;
  const b = new Uint8Array(20 + tcpLen);
  const v = new DataView(b.buffer);
  const src = s.src.split('.').map(Number);
  const dst = s.dst.split('.').map(Number);
  b.set([0x45, 0, (20 + tcpLen) >> 8, (20 + tcpLen) & 255, 0, 1, 0x40, 0, 64, 6, 0, 0, ...src, ...dst]);
  v.setUint16(10, ~sum16(b, 0, 20) & 0xffff);
  v.setUint16(20, s.sport);
  v.setUint16(22, s.dport);
  v.setUint32(24, s.seq >>> 0);
  v.setUint32(28, s.ack >>> 0);
  v.setUint16(32, ((hdrLen / 4) << 12) | s.flags);
  v.setUint16(34, s.win);
  b.set(opts, 40);
  b.set(payload, 20 + hdrLen);
  const pseudo = src[0]! * 256 + src[1]! + src[2]! * 256 + src[3]! + dst[0]! * 256 + dst[1]! + dst[2]! * 256 + dst[3]! + 6 + tcpLen;
  v.setUint16(36, ~sum16(b, 20, b.length, pseudo) & 0xffff);
  return b;
}

const MSS = (v: number) => [2, 4, v >> 8, v & 255];
const WS = (shift: number) => [3, 3, shift];
const NOP = [1];

/** A client 10.0.0.1:`cport` talking to 10.0.0.2:`sport`, ISNs 1000 and 5000; numbers are relative. */
function talk(cport: number, sport: number) {
  const c = (seq: number, ack: number, flags: number, win: number, payload?: Uint8Array | string, opts?: number[]) =>
    segment({ src: '10.0.0.1', dst: '10.0.0.2', sport: cport, dport: sport, seq: 1000 + seq, ack: 5000 + ack, flags, win, payload, opts });
  const s = (seq: number, ack: number, flags: number, win: number, payload?: Uint8Array | string, opts?: number[]) =>
    segment({ src: '10.0.0.2', dst: '10.0.0.1', sport, dport: cport, seq: 5000 + seq, ack: 1000 + ack, flags, win, payload, opts });
  return { c, s };
}

/** Dissects frames in one session, 1 ms apart (or at the given microsecond offsets). */
function run(frames: Uint8Array[], opts: SessionOptions = {}, micros?: number[]): Packet[] {
  const session = new Session(opts);
  return frames.map((bytes, i) => {
    const us = micros ? micros[i]! : i * 1000;
    return session.dissect({
      number: i + 1, seconds: 1_700_000_000 + Math.floor(us / 1e6), nanos: (us % 1e6) * 1000,
      capturedLength: bytes.length, originalLength: bytes.length, linkType: RAW_IPV4, bytes, interfaceId: 0,
    });
  });
}

const ANALYSIS_FLAGS = ['retransmission', 'fast_retransmission', 'spurious_retransmission', 'out_of_order', 'lost_segment',
  'ack_lost_segment', 'window_update', 'window_full', 'keep_alive', 'keep_alive_ack', 'duplicate_ack', 'zero_window_probe',
  'zero_window', 'zero_window_probe_ack', 'reused_ports'];

/**
 * One line per packet in the form the references were written in: the frame number, the fields as
 * `tshark -T fields` prints them ("1" for each occurrence of a text-only field), the names of the
 * tcp.analysis.* flags present, optionally the Info column; '|' between columns, trailing empties cut.
 */
function rows(packets: Packet[], fieldsWanted: string[], withInfo: boolean): string[] {
  return packets.map((p) => {
    const cols = [String(p.number)];
    for (const f of fieldsWanted) {
      cols.push(findAll(p.root, f).map((n) => (n.field.type === FT.None ? '1' : valueToJson(n.field, n.value))).join(','));
    }
    cols.push(ANALYSIS_FLAGS.filter((a) => findAll(p.root, `tcp.analysis.${a}`).length > 0).join(','));
    if (withInfo) cols.push(p.info);
    return cols.join('|').replace(/\|+$/, '');
  });
}

function lines(text: string): string[] {
  return text.trim().split('\n').map((l) => l.trim());
}

function experts(p: Packet): string[] {
  return p.experts.map((e) => e.message);
}

function labels(p: Packet, abbrev: string): string[] {
  return findAll(p.root, abbrev).map(nodeLabel);
}

// ---------------------------------------------------------------------------------------------

describe('TCP header and options, one segment at a time', () => {
  it('decodes a SYN with MSS, SACK permitted, timestamps and window scale (tcp-loopback.pcap frame 1)', () => {
    const p = dissectBytes(hexBytes(`
      45 00 00 3c 34 8d 40 00 40 06 08 2d 7f 00 00 01   # IPv4 127.0.0.1 → 127.0.0.1, 60 bytes
      7f 00 00 01 a4 11 1f 40 1b 92 c2 d3 00 00 00 00   # ports 42001 → 8000, seq 462602963, ack 0
      a0 02 fa f0 fe 30 00 00 02 04 05 b4 04 02 08 0a   # offset 10, SYN, win 64240, csum, urg | MSS 1460, SACK_PERM, TS…
      29 ca 2a ac 00 00 00 00 01 03 03 0a               # …TSval 701115052 TSecr 0, NOP, WS 10
    `), RAW_IPV4);
    const want: Record<string, string> = {
      'tcp.srcport': '42001', 'tcp.dstport': '8000', 'tcp.stream': '0', 'tcp.len': '0', 'tcp.seq': '0', 'tcp.seq_raw': '462602963',
      'tcp.nxtseq': '1', 'tcp.ack': '0', 'tcp.ack_raw': '0', 'tcp.hdr_len': '40', 'tcp.flags': '0x0002', 'tcp.flags.syn': '1',
      'tcp.flags.ack': '0', 'tcp.flags.str': '··········S·', 'tcp.window_size_value': '64240', 'tcp.window_size': '64240',
      'tcp.checksum': '0xfe30', 'tcp.checksum.status': '2', 'tcp.urgent_pointer': '0', 'tcp.options.mss_val': '1460',
      'tcp.options.wscale.shift': '10', 'tcp.options.wscale.multiplier': '1024', 'tcp.options.sack_perm': '04:02',
      'tcp.options.timestamp.tsval': '701115052', 'tcp.options.timestamp.tsecr': '0',
    };
    for (const [k, v] of Object.entries(want)) expect(fieldValue(p, k), k).toBe(v);
    expect(fieldValues(p, 'tcp.port')).toEqual(['42001', '8000']);
    expect(fieldValues(p, 'tcp.option_kind')).toEqual(['2', '4', '8', '1', '3']);
    expect(fieldValues(p, 'tcp.option_len')).toEqual(['4', '2', '10', '3']);
    // A SYN's window is never scaled, so no scaling factor is shown.
    expect(fieldValue(p, 'tcp.window_size_scalefactor')).toBeUndefined();
    expect(p.info).toBe('42001 → 8000 [SYN] Seq=0 Win=64240 Len=0 MSS=1460 SACK_PERM TSval=701115052 TSecr=0 WS=1024');
    expect(experts(p)).toEqual(['Connection establish request (SYN): server port 8000']);
    expect(labels(p, 'tcp')).toEqual(['Transmission Control Protocol, Src Port: 42001, Dst Port: 8000, Seq: 0, Len: 0']);
    expect(labels(p, 'tcp.options')).toEqual(['Options: (20 bytes), Maximum segment size, SACK permitted, Timestamps, No-Operation (NOP), Window scale']);
    expect(labels(p, 'tcp.options.mss')).toEqual(['TCP Option - Maximum segment size: 1460 bytes']);
    expect(labels(p, 'tcp.options.wscale')).toEqual(['TCP Option - Window scale: 10 (multiply by 1024)']);
    expect(labels(p, 'tcp.options.timestamp')).toEqual(['TCP Option - Timestamps: TSval 701115052, TSecr 0']);
    expect(labels(p, 'tcp.hdr_len')).toEqual(['1010 .... = Header Length: 40 bytes (10)']);
    expect(labels(p, 'tcp.flags')).toEqual(['Flags: 0x002 (SYN)']);
    expect(labels(p, 'tcp.flags.syn')).toEqual(['.... .... ..1. = Syn: Set']);
    expect(labels(p, 'tcp.flags.ack')).toEqual(['.... ...0 .... = Acknowledgment: Not set']);
    expect(labels(p, 'tcp.seq')).toEqual(['Sequence Number: 0    (relative sequence number)']);
    expect(p.layers.slice(-2)).toEqual(['ip', 'tcp']);
    expect(isMalformed(p)).toBe(false);
  });

  // 10.0.0.1:1 → 10.0.0.2:2, PSH ACK, seq 5, ack 6, win 100, "hello"; the second copy has a wrong checksum.
  const hello = hexBytes(`
    45 00 00 2d 00 01 40 00 40 06 26 c8 0a 00 00 01
    0a 00 00 02 00 01 00 02 00 00 00 05 00 00 00 06
    50 18 00 64 57 81 00 00 68 65 6c 6c 6f            # checksum 0x5781, payload "hello"
  `);
  const helloBadSum = hexBytes(`
    45 00 00 2d 00 01 40 00 40 06 26 c8 0a 00 00 01
    0a 00 00 02 00 01 00 02 00 00 00 05 00 00 00 06
    50 18 00 64 45 b5 00 00 68 65 6c 6c 6f            # checksum 0x45b5 (should be 0x5781)
  `);

  it('shows data with PSH/ACK mid-stream: numbers relative from 1, payload, unverified checksum', () => {
    const p = dissectBytes(hello, RAW_IPV4);
    expect(p.info).toBe('1 → 2 [PSH, ACK] Seq=1 Ack=1 Win=100 Len=5');
    expect([fieldValue(p, 'tcp.seq'), fieldValue(p, 'tcp.seq_raw'), fieldValue(p, 'tcp.nxtseq'), fieldValue(p, 'tcp.ack'), fieldValue(p, 'tcp.ack_raw')])
      .toEqual(['1', '5', '6', '1', '6']);
    expect([fieldValue(p, 'tcp.len'), fieldValue(p, 'tcp.hdr_len'), fieldValue(p, 'tcp.flags'), fieldValue(p, 'tcp.flags.str')])
      .toEqual(['5', '20', '0x0018', '·······AP···']);
    // The handshake was not seen: the window scale is unknown.
    expect([fieldValue(p, 'tcp.window_size'), fieldValue(p, 'tcp.window_size_scalefactor')]).toEqual(['100', '-1']);
    expect(labels(p, 'tcp.window_size_scalefactor')).toEqual(['[Window size scaling factor: -1 (unknown)]']);
    expect([fieldValue(p, 'tcp.checksum'), fieldValue(p, 'tcp.checksum.status')]).toEqual(['0x5781', '2']);
    expect(fieldValue(p, 'tcp.payload')).toBe('68:65:6c:6c:6f');
    expect(labels(p, 'tcp.payload')).toEqual(['TCP payload (5 bytes)']);
    expect(p.layers.slice(-2)).toEqual(['tcp', 'data']);
    expect(labels(p, 'tcp')).toEqual(['Transmission Control Protocol, Src Port: 1, Dst Port: 2, Seq: 1, Ack: 1, Len: 5']);
  });

  it('verifies the checksum only when asked (tcp.check_checksum)', () => {
    const prefs = { prefs: { 'tcp.check_checksum': 'TRUE' } };
    const good = dissectBytes(hello, RAW_IPV4, prefs);
    expect([fieldValue(good, 'tcp.checksum.status'), fieldValue(good, 'tcp.checksum_calculated')]).toEqual(['1', '0x5781']);
    expect(labels(good, 'tcp.checksum')).toEqual(['Checksum: 0x5781 [correct]']);
    const bad = dissectBytes(helloBadSum, RAW_IPV4, prefs);
    expect([fieldValue(bad, 'tcp.checksum.status'), fieldValue(bad, 'tcp.checksum_calculated')]).toEqual(['0', '0x5781']);
    expect(bad.info).toBe('1 → 2 [PSH, ACK] Seq=1 Ack=1 Win=100 [TCP CHECKSUM INCORRECT] Len=5');
    expect(experts(bad)).toEqual(['Bad checksum [should be 0x5781]']);
    expect(bad.experts[0]!.severity).toBe(5);
    expect(fieldValues(bad, 'tcp.checksum_bad.expert')).toEqual(['']);
    // Without the preference the same bytes are left unverified.
    expect(fieldValue(dissectBytes(helloBadSum, RAW_IPV4), 'tcp.checksum.status')).toBe('2');
  });

  it('names every flag, in Wireshark order', () => {
    const all = dissectBytes(hexBytes(`
      45 00 00 28 00 01 40 00 40 06 26 cd 0a 00 00 01
      0a 00 00 02 05 e7 00 50 00 00 00 64 00 00 00 c8
      51 ff 03 e8 8e 93 00 05                           # AE and all eight flags, urgent pointer 5
    `), RAW_IPV4);
    expect(all.info).toBe('1511 → 80 [FIN, SYN, RST, PSH, ACK, URG, ECE, CWR, AE] Seq=0 Ack=1 Win=1000 Urg=5 Len=0');
    expect([fieldValue(all, 'tcp.flags'), fieldValue(all, 'tcp.flags.str'), fieldValue(all, 'tcp.flags.ae'), fieldValue(all, 'tcp.flags.res')])
      .toEqual(['0x01ff', '···ACEUAPRSF', '1', '0']);
    expect(experts(all)).toEqual(['Connection reset (RST)', 'Connection establish acknowledge (SYN+ACK): server port 1511',
      'Connection finish (FIN)', 'This frame initiates the connection closing']);
    const reserved = dissectBytes(hexBytes(`
      45 00 00 28 00 01 40 00 40 06 26 cd 0a 00 00 01
      0a 00 00 02 05 f8 00 50 00 00 00 64 00 00 00 c8
      52 10 03 e8 8e 76 00 00                           # a reserved bit and ACK
    `), RAW_IPV4);
    expect(reserved.info).toBe('1528 → 80 [ACK, Reserved] Seq=1 Ack=1 Win=1000 Len=0');
    expect([fieldValue(reserved, 'tcp.flags'), fieldValue(reserved, 'tcp.flags.str'), fieldValue(reserved, 'tcp.flags.res')])
      .toEqual(['0x0210', '··R····A····', '1']);
    expect(labels(reserved, 'tcp.flags.res')).toEqual(['001. .... .... = Reserved: Set']);
    const none = dissectBytes(hexBytes(`
      45 00 00 28 00 01 40 00 40 06 26 cd 0a 00 00 01
      0a 00 00 02 03 e8 00 50 00 00 00 64 00 00 00 c8
      50 00 03 e8 92 96 00 00                           # no flags at all, but an acknowledgment number
    `), RAW_IPV4);
    expect(none.info).toBe('1000 → 80 [<None>] Seq=1 Win=1000 Len=0');
    expect([fieldValue(none, 'tcp.ack'), fieldValue(none, 'tcp.flags.str')]).toEqual(['200', '············']);
    expect(experts(none)).toEqual(['The acknowledgment number field is nonzero while the ACK flag is not set']);
  });

  // An ACK 10.0.0.1:50000 → 10.0.0.2:80 with a 24-byte header; only the 4 option bytes change.
  const withOptions = (options: string) => hexBytes(`
    45 00 00 2c 00 01 40 00 40 06 26 c9 0a 00 00 01
    0a 00 00 02 c3 50 00 50 00 00 03 e9 00 00 13 89
    60 10 01 f6 00 00 00 00 ${options}
  `);

  it.each([
    ['01 00 00 00', 'NOP then EOL and zero padding', ['1', '0', '0', '0'], [], 'No-Operation (NOP), End of Option List (EOL), End of Option List (EOL), End of Option List (EOL)'],
    ['01 00 05 00', 'non-zero bytes after EOL', ['1', '0'], ['Non-zero header padding'], 'No-Operation (NOP), End of Option List (EOL)'],
    ['63 04 ab cd', 'an unknown kind with a sane length', ['99'], [], 'Unknown (0x63)'],
    ['02 01 00 00', 'a length of 1', [], ['Maximum segment size (with too-short option length = 1 byte)'], ''],
    ['63 00 00 00', 'a length of 0', [], ['Unknown (0x63) (with too-short option length = 0 bytes)'], ''],
    ['08 0a 00 00', 'a length past the header', [], ['Timestamps (option length = 10 bytes says option goes past end of options)'], ''],
    ['01 01 01 63', 'a kind in the last byte', ['1', '1', '1'], ['Unknown (0x63) (length byte past end of options)'], 'No-Operation (NOP), No-Operation (NOP), No-Operation (NOP)'],
    ['02 03 05 01', 'an MSS of the wrong size, outside a SYN', ['2', '1'], ['The non-SYN packet does contain a MSS option', 'option length should be 4'], 'Maximum segment size, No-Operation (NOP)'],
    ['01 01 01 01', 'four NOPs', ['1', '1', '1', '1'], ['4 NOP in a row - a router may have removed some options'], 'No-Operation (NOP), No-Operation (NOP), No-Operation (NOP), No-Operation (NOP)'],
  ])('survives options %s (%s)', (options, _what, kinds, messages, summary) => {
    const p = dissectBytes(withOptions(options), RAW_IPV4);
    expect(p.info).toBe('50000 → 80 [ACK] Seq=1 Ack=1 Win=502 Len=0');
    expect(fieldValues(p, 'tcp.option_kind')).toEqual(kinds);
    expect(experts(p)).toEqual(messages);
    expect(labels(p, 'tcp.options')).toEqual([`Options: (4 bytes)${summary ? ', ' + summary : ''}`]);
    expect(fieldValue(p, 'tcp.hdr_len')).toBe('24');
    expect(isMalformed(p)).toBe(false);
  });

  it('clamps a window scale shift above 14 and notes a SYN without MSS', () => {
    const p = dissectBytes(hexBytes(`
      45 00 00 2c 00 01 40 00 40 06 26 c9 0a 00 00 01
      0a 00 00 02 c3 51 00 50 00 00 00 01 00 00 00 00
      60 02 00 64 b5 d1 00 00 03 03 0f 01               # SYN; WS shift 15, NOP
    `), RAW_IPV4);
    expect(p.info).toBe('50001 → 80 [SYN] Seq=0 Win=100 Len=0 WS=16384');
    expect([fieldValue(p, 'tcp.options.wscale.shift'), fieldValue(p, 'tcp.options.wscale.multiplier')]).toEqual(['15', '16384']);
    expect(experts(p)).toEqual(['Connection establish request (SYN): server port 80', 'Window scale shift exceeds 14',
      'The SYN packet does not contain a MSS option']);
  });

  it('stops at a data offset below 5 words, as Wireshark does', () => {
    const p = dissectBytes(hexBytes(`
      45 00 00 28 00 01 40 00 40 06 26 cd 0a 00 00 01
      0a 00 00 02 c3 52 00 50 00 00 00 01 00 00 00 00
      40 10 00 64 e7 ca 00 00                           # data offset 4 (16 bytes)
    `), RAW_IPV4);
    expect(p.info).toBe('50002 → 80 [ACK] Seq=1 Ack=1 Win=100, bogus TCP header length (16, must be at least 20)');
    expect([fieldValue(p, 'tcp.hdr_len'), fieldValue(p, 'tcp.len'), fieldValue(p, 'tcp.seq')]).toEqual(['16', '4', '1']);
    expect(experts(p)).toEqual(['Bogus TCP header length (16, must be at least 20)']);
    expect(p.experts[0]!.severity).toBe(5);
    expect(fieldValue(p, 'tcp.flags')).toBeUndefined();
  });

  it('marks a header longer than the segment as malformed', () => {
    const p = dissectBytes(hexBytes(`
      45 00 00 28 00 01 40 00 40 06 26 cd 0a 00 00 01
      0a 00 00 02 00 01 00 02 00 00 00 05 00 00 00 06
      f0 10 00 64 fb 5f 00 00                           # data offset 15 (60 bytes) in a 20-byte segment
    `), RAW_IPV4);
    expect(p.info).toBe('1 → 2 [ACK] Seq=5 Ack=6 Win=100[Malformed Packet]');
    expect([fieldValue(p, 'tcp.seq'), fieldValue(p, 'tcp.ack'), fieldValue(p, 'tcp.hdr_len'), fieldValue(p, 'tcp.window_size_scalefactor')])
      .toEqual(['5', '6', '60', '-1']);
    expect(experts(p)).toEqual(['Short segment. Segment/fragment does not contain a full TCP header (might be NMAP or someone else deliberately sending unusual packets)',
      'Malformed Packet (Exception occurred)']);
    expect(isMalformed(p)).toBe(true);
  });

  it('says "packet size limited" when the capture cuts the header or its options', () => {
    const syn = hexBytes(`
      45 00 00 3c 34 8d 40 00 40 06 08 2d 7f 00 00 01
      7f 00 00 01 a4 11 1f 40 1b 92 c2 d3 00 00 00 00
      a0 02 fa f0 fe 30 00 00 02 04 05 b4 04 02 08 0a
      29 ca 2a ac 00 00 00 00 01 03 03 0a
    `);
    // Cut after 10 option bytes: MSS and SACK_PERM are complete, the timestamps are not. (The
    // engine appends the marker without a space, as tshark does.)
    const cut = dissectBytes(syn.subarray(0, 50), RAW_IPV4, {}, 60);
    expect(cut.info).toBe('42001 → 8000 [SYN] Seq=0 Win=64240 Len=0 MSS=1460 SACK_PERM[Packet size limited during capture]');
    expect(fieldValue(cut, '_ws.short')).toBe('');
    expect(isMalformed(cut)).toBe(false);
    expect(fieldValue(cut, 'tcp.time_relative')).toBe('0.000000000');
    // Cut inside the fixed header: nothing after the ports can be read.
    const short = dissectBytes(syn.subarray(0, 30), RAW_IPV4, {}, 60);
    expect(short.info).toBe('42001 → 8000[Packet size limited during capture]');
    expect(fieldValue(short, 'tcp.srcport')).toBe('42001');
    expect(fieldValue(short, 'tcp.seq')).toBeUndefined();
    expect(short.truncated).toBe(true);
    expect(isMalformed(short)).toBe(false);
  });
});

describe('Accurate ECN in tcpdump\'s accecn_handshake.pcap, against tshark', () => {
  const file = path.join(corpusDir, 'tcpdump', 'accecn_handshake.pcap');
  it.runIf(fs.existsSync(file))('once both SYNs agree, AE, CWR and ECE are one counter (ACE); the option\'s byte counters in Info', async () => {
    const pkts = await dissectFile(file);
    expect([0, 1, 2, 4].map((i) => pkts[i]!.info)).toEqual([
      '16433 → 80 [SYN, ECE, CWR, AE] Seq=0 Win=65535 Len=0 MSS=1460 WS=64 SACK_PERM TSval=112147477 TSecr=0',
      '80 → 16433 [SYN, ACK, CWR] Seq=0 Ack=1 Win=65160 Len=0 MSS=1460 SACK_PERM TSval=2783239876 TSecr=112147477 EE0B=1 ECEB=0 EE1B=0 WS=128',
      '16433 → 80 [ACK, ACE=2] Seq=1 Ack=1 Win=65728 Len=0 TSval=112147698 TSecr=2783239876 EE0B=0 ECEB=16777215 EE1B=16777215',
      '80 → 16433 [ACK, ACE=5] Seq=1 Ack=79 Win=65152 Len=0 TSval=2783239918 TSecr=112147698',
    ]);
    const flags = findAll(pkts[2]!.root, 'tcp.flags')[0]!;
    expect(flags.children!.slice(0, 3).map(nodeLabel)).toEqual([
      '000. .... .... = Reserved: Not set',
      '...0 10.. .... = ACE: 2',
      '.... ..0. .... = Urgent: Not set',
    ]);
    expect(nodeLabel(flags)).toBe('Flags: 0x090 (ACK, ACE=2)');
    expect(fieldValue(pkts[2]!, 'tcp.flags.str')).toBe('···-2-·A····');
    const option = findAll(pkts[1]!.root, 'tcp.options.experimental')[0]!;
    expect(nodeLabel(option)).toBe('TCP Option - Experimental: Accurate ECN - Order 0: Accurate ECN (Order 0): EE0B 1, ECEB 0, EE1B 0');
    expect(['ee0b', 'eceb', 'ee1b'].map((c) => fieldValue(pkts[2]!, `tcp.options.acc_ecn.${c}`))).toEqual(['0', '16777215', '16777215']);
  });

  it('the AccECN option kinds 172 and 174 (counter orders 0 and 1; an option may carry fewer counters), checked with text2pcap and tshark', () => {
    const p = dissectBytes(hexBytes(`
      4500 003c 0000 4000 4006 0000 0a000001 0a000002   # IPv4
      0050 4031 00000001 00000002 a012 ffff 0000 0000    # TCP SYN-ACK, 40-byte header
      ac0b 000001 000000 000000                         # kind 172: EE0B 1, ECEB 0, EE1B 0
      ae08 000005 000006                                # kind 174: EE1B 5, ECEB 6
      00                                                # end of options`), RAW_IPV4);
    expect(p.info).toBe('80 → 16433 [SYN, ACK] Seq=0 Ack=1 Win=65535 Len=0 EE0B=1 ECEB=0 EE1B=0 EE1B=5 ECEB=6');
    expect(findAll(p.root, 'tcp.options.acc_ecn').map(nodeLabel)).toEqual([
      'TCP Option - Accurate ECN (Order 0): EE0B 1, ECEB 0, EE1B 0',
      'TCP Option - Accurate ECN (Order 1): EE1B 5, ECEB 6',
    ]);
  });
});

describe('TCP close notes in tcpdump\'s pptp.pcap, against tshark', () => {
  const file = path.join(corpusDir, 'tcpdump', 'pptp.pcap');
  it.runIf(fs.existsSync(file))('every FIN before the other side\'s own, a retransmitted one too, initiates the close', async () => {
    const pkts = await dissectFile(file);
    const closing = (i: number) => pkts[i - 1]!.experts.map((e) => e.message).filter((m) => m.includes('connection closing'));
    // tshark 4.0.17: frame 20 resends frame 19's FIN; frame 21 is the other side's FIN.
    expect([19, 20, 21].map(closing)).toEqual([
      ['This frame initiates the connection closing'],
      ['This frame initiates the connection closing'],
      ['This frame undergoes the connection closing'],
    ]);
  });
});

describe('TCP Fast Open (RFC 7413), in tcpdump\'s tfo-5c1fa7f9ae91.pcap, against tshark', () => {
  const file = path.join(corpusDir, 'tcpdump', 'tfo-5c1fa7f9ae91.pcap');
  it.runIf(fs.existsSync(file))('the experimental option 0xf989 is Fast Open: cookie request, cookie, and a SYN that presents one', async () => {
    const pkts = await dissectFile(file);
    // tshark 4.0.17 -r tfo-5c1fa7f9ae91.pcap, frames 1-4 and 13.
    expect([0, 1, 2, 3, 12].map((i) => pkts[i]!.info)).toEqual([
      '13047 → 13054 [SYN] Seq=0 Win=1400 Len=0 TFO=R',
      '13047 → 13054 [SYN] Seq=0 Win=1400 Len=0 MSS=1460 TFO=R',
      '13054 → 13047 [SYN, ACK] Seq=0 Ack=1 Win=1400 Len=0 TFO=C',
      '13054 → 13047 [SYN, ACK] Seq=0 Ack=1 Win=1400 Len=0 MSS=1500 TFO=C',
      '13048 → 13054 [SYN] Seq=0 Win=1400 Len=4 TFO=C',
    ]);
    const opt = findAll(pkts[0]!.root, 'tcp.options.experimental')[0]!;
    expect(nodeLabel(opt)).toBe('TCP Option - Experimental: Fast Open');
    expect(nodeLabel(findAll(opt, 'tcp.options.experimental.exid')[0]!)).toBe('Experiment Identifier: Fast Open (0xf989)');
    expect(nodeLabel(findAll(opt, 'tcp.options.tfo.request')[0]!)).toBe('Fast Open Cookie Request');
    expect(fieldValue(pkts[2]!, 'tcp.options.tfo.cookie')).toBe('09:09:09:09:00:00');
    // Only a SYN that presents a cookie gets the note, not the SYN-ACK that hands one out.
    expect(pkts[2]!.experts.map((e) => e.message)).not.toContain('TCP SYN with TFO Cookie');
    expect(pkts[12]!.experts.map((e) => `${e.group}/${e.message}`)).toContain('Sequence/TCP SYN with TFO Cookie');
  });
});

// ---------------------------------------------------------------------------------------------

const ANALYSIS_COLUMNS = ['tcp.seq', 'tcp.ack', 'tcp.len', 'tcp.analysis.acks_frame', 'tcp.analysis.ack_rtt', 'tcp.analysis.initial_rtt',
  'tcp.analysis.bytes_in_flight', 'tcp.analysis.push_bytes_sent', 'tcp.analysis.duplicate_ack_num', 'tcp.analysis.duplicate_ack_frame',
  'tcp.analysis.rto', 'tcp.analysis.rto_frame'];

describe('TCP sequence analysis, against tshark', () => {
  it('follows a connection through loss, retransmissions, dup ACKs, zero window, keep-alive and close', () => {
    const { c, s } = talk(40000, 7777);
    const frames = [
      c(0, -5000, SYN, 1000), s(0, 1, SYN | ACK, 1000), c(1, 1, ACK, 1000),
      c(1, 1, PSH | ACK, 1000, 'A'.repeat(10)), c(11, 1, PSH | ACK, 1000, 'B'.repeat(10)), s(1, 11, ACK, 1000),
      c(1, 1, PSH | ACK, 1000, 'A'.repeat(10)), // already acknowledged: spurious
      c(11, 1, PSH | ACK, 1000, 'B'.repeat(10)), // not yet acknowledged: retransmission
      c(31, 1, PSH | ACK, 1000, 'D'.repeat(10)), // 21–31 missing
      s(1, 21, ACK, 1000), s(1, 21, ACK, 1000), s(1, 21, ACK, 1000),
      c(21, 1, PSH | ACK, 1000, 'C'.repeat(10)), // fills the gap after two dup ACKs
      s(1, 41, ACK, 0), c(41, 1, ACK, 1000, 'E'), s(1, 41, ACK, 0), s(1, 41, ACK, 1000),
      c(40, 1, ACK, 1000), s(1, 41, ACK, 1000), // keep-alive and its answer
      c(41, 1, PSH | ACK, 1000, 'F'.repeat(10)), c(61, 1, PSH | ACK, 1000, 'H'.repeat(10)), c(51, 1, PSH | ACK, 1000, 'G'.repeat(10)),
      s(1, 71, FIN | ACK, 1000), c(71, 2, FIN | ACK, 1000), s(2, 72, ACK, 1000),
    ];
    expect(rows(run(frames), ANALYSIS_COLUMNS, true)).toEqual(lines(`
      1|0|0|0|||||||||||40000 → 7777 [SYN] Seq=0 Win=1000 Len=0
      2|0|1|0|1|0.001000000|||||||||7777 → 40000 [SYN, ACK] Seq=0 Ack=1 Win=1000 Len=0
      3|1|1|0|2|0.001000000|0.002000000||||||||40000 → 7777 [ACK] Seq=1 Ack=1 Win=1000 Len=0
      4|1|1|10|||0.002000000|10|10||||||40000 → 7777 [PSH, ACK] Seq=1 Ack=1 Win=1000 Len=10
      5|11|1|10|||0.002000000|20|10||||||40000 → 7777 [PSH, ACK] Seq=11 Ack=1 Win=1000 Len=10
      6|1|11|0|4|0.002000000|0.002000000||||||||7777 → 40000 [ACK] Seq=1 Ack=11 Win=1000 Len=0
      7|1|1|10|||0.002000000|20|10|||||retransmission,spurious_retransmission|[TCP Spurious Retransmission] 40000 → 7777 [PSH, ACK] Seq=1 Ack=1 Win=1000 Len=10
      8|11|1|10|||0.002000000|20|10|||0.003000000|5|retransmission|[TCP Retransmission] 40000 → 7777 [PSH, ACK] Seq=11 Ack=1 Win=1000 Len=10
      9|31|1|10|||0.002000000|||||||lost_segment|[TCP Previous segment not captured] 40000 → 7777 [PSH, ACK] Seq=31 Ack=1 Win=1000 Len=10 [TCP segment of a reassembled PDU]
      10|1|21|0|5|0.005000000|0.002000000||||||||7777 → 40000 [ACK] Seq=1 Ack=21 Win=1000 Len=0
      11|1|21|0|||0.002000000|||1|10|||duplicate_ack|[TCP Dup ACK 10#1] 7777 → 40000 [ACK] Seq=1 Ack=21 Win=1000 Len=0
      12|1|21|0|||0.002000000|||2|10|||duplicate_ack|[TCP Dup ACK 10#2] 7777 → 40000 [ACK] Seq=1 Ack=21 Win=1000 Len=0
      13|21|1|10|||0.002000000|20|10|||||retransmission,fast_retransmission|[TCP Fast Retransmission] 40000 → 7777 [PSH, ACK] Seq=21 Ack=1 Win=1000 Len=10
      14|1|41|0|9|0.005000000|0.002000000|||||||zero_window|[TCP ZeroWindow] 7777 → 40000 [ACK] Seq=1 Ack=41 Win=0 Len=0
      15|41|1|1|||0.002000000|1|1|||||zero_window_probe|[TCP ZeroWindowProbe] 40000 → 7777 [ACK] Seq=41 Ack=1 Win=1000 Len=1
      16|1|41|0|||0.002000000|||||||zero_window,zero_window_probe_ack|[TCP ZeroWindowProbeAck] [TCP ZeroWindow] 7777 → 40000 [ACK] Seq=1 Ack=41 Win=0 Len=0
      17|1|41|0|||0.002000000|||||||window_update|[TCP Window Update] 7777 → 40000 [ACK] Seq=1 Ack=41 Win=1000 Len=0
      18|40|1|0|||0.002000000|||||||keep_alive|[TCP Keep-Alive] 40000 → 7777 [ACK] Seq=40 Ack=1 Win=1000 Len=0
      19|1|41|0|||0.002000000|||||||keep_alive_ack|[TCP Keep-Alive ACK] 7777 → 40000 [ACK] Seq=1 Ack=41 Win=1000 Len=0
      20|41|1|10|||0.002000000|10|11||||||40000 → 7777 [PSH, ACK] Seq=41 Ack=1 Win=1000 Len=10
      21|61|1|10|||0.002000000|||||||lost_segment|[TCP Previous segment not captured] 40000 → 7777 [PSH, ACK] Seq=61 Ack=1 Win=1000 Len=10 [TCP segment of a reassembled PDU]
      22|51|1|10|||0.002000000|||||||out_of_order|[TCP Out-Of-Order] 40000 → 7777 [PSH, ACK] Seq=51 Ack=1 Win=1000 Len=10
      23|1|71|0|21|0.002000000|0.002000000||||||||7777 → 40000 [FIN, ACK] Seq=1 Ack=71 Win=1000 Len=0
      24|71|2|0|23|0.001000000|0.002000000||||||||40000 → 7777 [FIN, ACK] Seq=71 Ack=2 Win=1000 Len=0
      25|2|72|0|24|0.001000000|0.002000000||||||||7777 → 40000 [ACK] Seq=2 Ack=72 Win=1000 Len=0
    `));
  });

  it('flags a full window, ACKed unseen data, and a new connection on reused ports', () => {
    const { c, s } = talk(40000, 7777);
    const frames = [
      c(0, -5000, SYN, 1000, undefined, WS(0)), s(0, 1, SYN | ACK, 30, undefined, WS(0)), c(1, 1, ACK, 1000),
      c(1, 1, PSH | ACK, 1000, 'a'.repeat(10)), c(11, 1, PSH | ACK, 1000, 'b'.repeat(20)), s(1, 41, ACK, 30),
      c(51, 1, PSH | ACK, 1000, 'c'.repeat(10)), c(61, 1, PSH | ACK, 1000, 'c'.repeat(10)), c(71, 1, FIN | ACK, 1000),
      s(1, 72, FIN | ACK, 30), c(72, 2, ACK, 1000),
      segment({ src: '10.0.0.1', dst: '10.0.0.2', sport: 40000, dport: 7777, seq: 777, ack: 0, flags: SYN, win: 1000 }),
      segment({ src: '10.0.0.2', dst: '10.0.0.1', sport: 7777, dport: 40000, seq: 888, ack: 778, flags: SYN | ACK, win: 1000 }),
      segment({ src: '10.0.0.1', dst: '10.0.0.2', sport: 40000, dport: 7777, seq: 778, ack: 889, flags: RST | ACK, win: 1000 }),
      segment({ src: '10.0.0.1', dst: '10.0.0.2', sport: 40000, dport: 7777, seq: 999, ack: 0, flags: SYN, win: 1000 }),
    ];
    expect(rows(run(frames), ['tcp.stream', 'tcp.seq', 'tcp.ack', 'tcp.len'], true)).toEqual(lines(`
      1|0|0|0|0||40000 → 7777 [SYN] Seq=0 Win=1000 Len=0 WS=1
      2|0|0|1|0||7777 → 40000 [SYN, ACK] Seq=0 Ack=1 Win=30 Len=0 WS=1
      3|0|1|1|0||40000 → 7777 [ACK] Seq=1 Ack=1 Win=1000 Len=0
      4|0|1|1|10||40000 → 7777 [PSH, ACK] Seq=1 Ack=1 Win=1000 Len=10
      5|0|11|1|20|window_full|[TCP Window Full] 40000 → 7777 [PSH, ACK] Seq=11 Ack=1 Win=1000 Len=20
      6|0|1|41|0|ack_lost_segment|[TCP ACKed unseen segment] 7777 → 40000 [ACK] Seq=1 Ack=41 Win=30 Len=0
      7|0|51|1|10|lost_segment|[TCP Previous segment not captured] 40000 → 7777 [PSH, ACK] Seq=51 Ack=1 Win=1000 Len=10 [TCP segment of a reassembled PDU]
      8|0|61|1|10|window_full|[TCP Window Full] 40000 → 7777 [PSH, ACK] Seq=61 Ack=1 Win=1000 Len=10 [TCP segment of a reassembled PDU]
      9|0|71|1|0||40000 → 7777 [FIN, ACK] Seq=71 Ack=1 Win=1000 Len=0
      10|0|1|72|0|ack_lost_segment|[TCP ACKed unseen segment] 7777 → 40000 [FIN, ACK] Seq=1 Ack=72 Win=30 Len=0
      11|0|72|2|0||40000 → 7777 [ACK] Seq=72 Ack=2 Win=1000 Len=0
      12|1|0|0|0|reused_ports|[TCP Port numbers reused] 40000 → 7777 [SYN] Seq=0 Win=1000 Len=0
      13|1|0|1|0||7777 → 40000 [SYN, ACK] Seq=0 Ack=1 Win=1000 Len=0
      14|1|1|1|0||40000 → 7777 [RST, ACK] Seq=1 Ack=1 Win=1000 Len=0
      15|2|0|0|0|reused_ports|[TCP Port numbers reused] 40000 → 7777 [SYN] Seq=0 Win=1000 Len=0
    `));
  });

  it('says how complete each connection is so far, counting segments as tshark does', () => {
    const a = talk(40001, 7777);
    const b = talk(40002, 7777);
    const c = talk(40003, 7777);
    const d = talk(40004, 7777);
    const frames = [
      // A whole connection: handshake, data, FINs.
      a.c(0, -5000, SYN, 1000), a.s(0, 1, SYN | ACK, 1000), a.c(1, 1, ACK, 1000), a.c(1, 1, PSH | ACK, 1000, 'hello'),
      a.s(1, 6, FIN | ACK, 1000), a.c(6, 2, FIN | ACK, 1000), a.s(2, 7, ACK, 1000),
      // Joined mid-way: the first segment, not a SYN, does not count.
      b.c(1, 1, ACK, 1000), b.s(0, 1, SYN | ACK, 1000), b.c(1, 1, ACK, 1000), b.c(1, 1, PSH | ACK, 1000, 'hi'), b.s(1, 3, ACK, 1000),
      // Reset, then a new connection on the same ports: its SYN counts at once.
      c.c(0, -5000, SYN, 1000), c.s(0, 1, SYN | ACK, 1000), c.s(1, 0, RST, 1000), c.c(500, -5000, SYN, 1000), c.s(9000, 501, SYN | ACK, 1000),
      // Data and FIN without ACK count for nothing; a RST with data counts as data and reset.
      d.c(0, -5000, SYN, 1000), d.s(0, 1, SYN | ACK, 1000), d.c(1, 1, ACK, 1000), d.c(1, 0, PSH, 1000, 'xx'), d.c(3, 0, FIN, 1000),
      d.s(1, 1, RST | ACK, 1000, 'bye'), d.c(3, 4, ACK, 1000),
    ];
    const packets = run(frames);
    expect(rows(packets, ['tcp.stream', 'tcp.completeness'], false)).toEqual(lines(`
      1|0|0
      2|0|1
      3|0|3
      4|0|7
      5|0|15
      6|0|31
      7|0|31
      8|1|0
      9|1|0
      10|1|2|duplicate_ack
      11|1|6
      12|1|14
      13|2|0
      14|2|1
      15|2|3
      16|3|1|reused_ports
      17|3|1
      18|4|0
      19|4|1
      20|4|3
      21|4|7
      22|4|7
      23|4|7
      24|4|47|keep_alive
    `));
    expect([1, 2, 3, 4, 5, 6, 8, 10, 11, 24].map((n) => labels(packets[n - 1]!, 'tcp.completeness')[0])).toEqual([
      '[Conversation completeness: Incomplete (0)]',
      '[Conversation completeness: Incomplete, SYN_SENT (1)]',
      '[Conversation completeness: Incomplete, CLIENT_ESTABLISHED (3)]',
      '[Conversation completeness: Incomplete, ESTABLISHED (7)]',
      '[Conversation completeness: Incomplete, DATA (15)]',
      '[Conversation completeness: Complete, WITH_DATA (31)]',
      '[Conversation completeness: Incomplete (0)]',
      '[Conversation completeness: Incomplete (2)]',
      '[Conversation completeness: Incomplete (6)]',
      '[Conversation completeness: Complete, WITH_DATA (47)]',
    ]);
  });

  it('stacks several flags on one segment in Wireshark\'s order', () => {
    const { c, s } = talk(40000, 7777);
    const frames = [
      c(0, -5000, SYN, 1000, undefined, WS(0)), s(0, 1, SYN | ACK, 30, undefined, WS(0)), c(1, 1, ACK, 1000),
      c(11, 1, PSH | ACK, 0, 'b'.repeat(20)), c(11, 1, PSH | ACK, 0, 'b'.repeat(20)), c(30, 1, ACK, 0),
      s(1, 41, ACK, 50), s(1, 41, ACK, 60), s(1, 41, ACK, 60),
    ];
    expect(rows(run(frames), ['tcp.stream', 'tcp.seq', 'tcp.ack', 'tcp.len'], true)).toEqual(lines(`
      1|0|0|0|0||40000 → 7777 [SYN] Seq=0 Win=1000 Len=0 WS=1
      2|0|0|1|0||7777 → 40000 [SYN, ACK] Seq=0 Ack=1 Win=30 Len=0 WS=1
      3|0|1|1|0||40000 → 7777 [ACK] Seq=1 Ack=1 Win=1000 Len=0
      4|0|11|1|20|lost_segment,window_full,zero_window|[TCP ZeroWindow] [TCP Window Full] [TCP Previous segment not captured] 40000 → 7777 [PSH, ACK] Seq=11 Ack=1 Win=0 Len=20 [TCP segment of a reassembled PDU]
      5|0|11|1|20|retransmission,window_full,zero_window|[TCP ZeroWindow] [TCP Window Full] [TCP Retransmission] 40000 → 7777 [PSH, ACK] Seq=11 Ack=1 Win=0 Len=20 [TCP segment of a reassembled PDU]
      6|0|30|1|0|keep_alive,zero_window|[TCP ZeroWindow] [TCP Keep-Alive] 40000 → 7777 [ACK] Seq=30 Ack=1 Win=0 Len=0
      7|0|1|41|0|ack_lost_segment|[TCP ACKed unseen segment] 7777 → 40000 [ACK] Seq=1 Ack=41 Win=50 Len=0
      8|0|1|41|0|ack_lost_segment,window_update|[TCP Window Update] [TCP ACKed unseen segment] 7777 → 40000 [ACK] Seq=1 Ack=41 Win=60 Len=0
      9|0|1|41|0|keep_alive_ack|[TCP Keep-Alive ACK] 7777 → 40000 [ACK] Seq=1 Ack=41 Win=60 Len=0
    `));
  });

  it('scales windows by the shift both SYNs agreed, and only then', () => {
    const frames: Uint8Array[] = [];
    for (const [port, wsc, wss] of [[1, 3, -1], [2, -1, 3], [3, 2, 0]] as const) {
      const { c, s } = talk(port, 80);
      const cOpts = wsc >= 0 ? [...WS(wsc), ...NOP] : undefined;
      const sOpts = wss >= 0 ? [...WS(wss), ...NOP] : undefined;
      frames.push(c(0, -5000, SYN, 1000, undefined, cOpts), c(0, -5000, SYN, 1000, undefined, cOpts),
        s(0, 1, SYN | ACK, 900, undefined, sOpts), c(1, 1, ACK, 100), s(1, 1, ACK, 100));
    }
    expect(rows(run(frames), ['tcp.stream', 'tcp.window_size_value', 'tcp.window_size', 'tcp.window_size_scalefactor'], true)).toEqual(lines(`
      1|0|1000|1000|||1 → 80 [SYN] Seq=0 Win=1000 Len=0 WS=8
      2|0|1000|1000||retransmission|[TCP Retransmission] 1 → 80 [SYN] Seq=0 Win=1000 Len=0 WS=8
      3|0|900|900|||80 → 1 [SYN, ACK] Seq=0 Ack=1 Win=900 Len=0
      4|0|100|100|-2||1 → 80 [ACK] Seq=1 Ack=1 Win=100 Len=0
      5|0|100|100|-2|window_update|[TCP Window Update] 80 → 1 [ACK] Seq=1 Ack=1 Win=100 Len=0
      6|1|1000|1000|||2 → 80 [SYN] Seq=0 Win=1000 Len=0
      7|1|1000|1000||retransmission|[TCP Retransmission] 2 → 80 [SYN] Seq=0 Win=1000 Len=0
      8|1|900|900|||80 → 2 [SYN, ACK] Seq=0 Ack=1 Win=900 Len=0 WS=8
      9|1|100|100|-2||2 → 80 [ACK] Seq=1 Ack=1 Win=100 Len=0
      10|1|100|100|-2|window_update|[TCP Window Update] 80 → 2 [ACK] Seq=1 Ack=1 Win=100 Len=0
      11|2|1000|1000|||3 → 80 [SYN] Seq=0 Win=1000 Len=0 WS=4
      12|2|1000|1000||retransmission|[TCP Retransmission] 3 → 80 [SYN] Seq=0 Win=1000 Len=0 WS=4
      13|2|900|900|||80 → 3 [SYN, ACK] Seq=0 Ack=1 Win=900 Len=0 WS=1
      14|2|100|400|4||3 → 80 [ACK] Seq=1 Ack=1 Win=400 Len=0
      15|2|100|100|1|window_update|[TCP Window Update] 80 → 3 [ACK] Seq=1 Ack=1 Win=100 Len=0
    `));
  });

  it('measures a full window after scaling, and counts duplicate ACKs', () => {
    const { c, s } = talk(40000, 7777);
    const frames = [
      c(0, -5000, SYN, 1000, undefined, WS(1)), s(0, 1, SYN | ACK, 30, undefined, WS(1)), c(1, 1, ACK, 500), s(1, 1, ACK, 15),
      c(1, 1, PSH | ACK, 500, 'b'.repeat(30)), c(31, 1, PSH | ACK, 500, 'b'.repeat(30)),
      s(1, 61, ACK, 15), s(1, 61, ACK, 15), s(1, 61, ACK, 16),
    ];
    expect(rows(run(frames), ['tcp.stream', 'tcp.seq', 'tcp.ack', 'tcp.len'], true)).toEqual(lines(`
      1|0|0|0|0||40000 → 7777 [SYN] Seq=0 Win=1000 Len=0 WS=2
      2|0|0|1|0||7777 → 40000 [SYN, ACK] Seq=0 Ack=1 Win=30 Len=0 WS=2
      3|0|1|1|0||40000 → 7777 [ACK] Seq=1 Ack=1 Win=1000 Len=0
      4|0|1|1|0|window_update|[TCP Window Update] 7777 → 40000 [ACK] Seq=1 Ack=1 Win=30 Len=0
      5|0|1|1|30|window_full|[TCP Window Full] 40000 → 7777 [PSH, ACK] Seq=1 Ack=1 Win=1000 Len=30
      6|0|31|1|30||40000 → 7777 [PSH, ACK] Seq=31 Ack=1 Win=1000 Len=30
      7|0|1|61|0||7777 → 40000 [ACK] Seq=1 Ack=61 Win=30 Len=0
      8|0|1|61|0|duplicate_ack|[TCP Dup ACK 7#1] 7777 → 40000 [ACK] Seq=1 Ack=61 Win=30 Len=0
      9|0|1|61|0|window_update|[TCP Window Update] 7777 → 40000 [ACK] Seq=1 Ack=61 Win=32 Len=0
    `));
  });

  it('reports ACKed unseen data at most twice per loss', () => {
    const { c, s } = talk(40000, 7777);
    const frames = [
      c(0, -5000, SYN, 1000), s(0, 1, SYN | ACK, 30), c(1, 1, ACK, 1000), c(11, 1, PSH | ACK, 1000, 'b'.repeat(20)),
      s(1, 41, ACK, 50), s(1, 41, ACK, 50), s(1, 41, ACK, 50), c(31, 1, PSH | ACK, 1000, 'b'.repeat(20)),
      s(1, 61, ACK, 50), s(1, 61, ACK, 50), c(40, 1, ACK, 1000), s(1, 61, ACK, 50), s(1, 71, ACK, 50), s(1, 71, ACK, 50),
    ];
    // tshark keeps frame 8 waiting for bytes 1–11 forever ("[TCP segment of a reassembled PDU]"); the
    // other side acknowledged them in frame 5, so vpnscope knows they are lost and passes frame 8 on.
    const want = lines(`
      1|0|0|0|0||40000 → 7777 [SYN] Seq=0 Win=1000 Len=0
      2|0|0|1|0||7777 → 40000 [SYN, ACK] Seq=0 Ack=1 Win=30 Len=0
      3|0|1|1|0||40000 → 7777 [ACK] Seq=1 Ack=1 Win=1000 Len=0
      4|0|11|1|20|lost_segment,window_full|[TCP Window Full] [TCP Previous segment not captured] 40000 → 7777 [PSH, ACK] Seq=11 Ack=1 Win=1000 Len=20 [TCP segment of a reassembled PDU]
      5|0|1|41|0|ack_lost_segment|[TCP ACKed unseen segment] 7777 → 40000 [ACK] Seq=1 Ack=41 Win=50 Len=0
      6|0|1|41|0|ack_lost_segment,duplicate_ack|[TCP Dup ACK 5#1] [TCP ACKed unseen segment] 7777 → 40000 [ACK] Seq=1 Ack=41 Win=50 Len=0
      7|0|1|41|0|duplicate_ack|[TCP Dup ACK 5#2] 7777 → 40000 [ACK] Seq=1 Ack=41 Win=50 Len=0
      8|0|31|1|20||40000 → 7777 [PSH, ACK] Seq=31 Ack=1 Win=1000 Len=20 [TCP segment of a reassembled PDU]
      9|0|1|61|0||7777 → 40000 [ACK] Seq=1 Ack=61 Win=50 Len=0
      10|0|1|61|0|duplicate_ack|[TCP Dup ACK 9#1] 7777 → 40000 [ACK] Seq=1 Ack=61 Win=50 Len=0
      11|0|40|1|0||40000 → 7777 [ACK] Seq=40 Ack=1 Win=1000 Len=0
      12|0|1|61|0|duplicate_ack|[TCP Dup ACK 9#2] 7777 → 40000 [ACK] Seq=1 Ack=61 Win=50 Len=0
      13|0|1|71|0||7777 → 40000 [ACK] Seq=1 Ack=71 Win=50 Len=0
      14|0|1|71|0|duplicate_ack|[TCP Dup ACK 13#1] 7777 → 40000 [ACK] Seq=1 Ack=71 Win=50 Len=0
    `).map((l) => (l.startsWith('8|') ? l.replace(' [TCP segment of a reassembled PDU]', '') : l));
    expect(rows(run(frames), ['tcp.stream', 'tcp.seq', 'tcp.ack', 'tcp.len'], true)).toEqual(want);
  });

  it('calls a resend of acknowledged data spurious before it looks at timing', () => {
    const { c, s } = talk(40000, 7777);
    const frames = [c(0, -5000, SYN, 1000), s(0, 1, SYN | ACK, 1000), c(1, 1, ACK, 1000), c(1, 1, PSH | ACK, 1000, 'a'.repeat(10)),
      c(11, 1, PSH | ACK, 1000, 'b'.repeat(10)), s(1, 11, ACK, 1000), c(1, 1, PSH | ACK, 1000, 'a'.repeat(10))];
    const packets = run(frames, {}, [0, 10000, 20000, 30000, 30100, 30200, 30300]);
    expect(rows(packets, ['tcp.stream', 'tcp.seq', 'tcp.ack', 'tcp.len'], true)).toEqual(lines(`
      1|0|0|0|0||40000 → 7777 [SYN] Seq=0 Win=1000 Len=0
      2|0|0|1|0||7777 → 40000 [SYN, ACK] Seq=0 Ack=1 Win=1000 Len=0
      3|0|1|1|0||40000 → 7777 [ACK] Seq=1 Ack=1 Win=1000 Len=0
      4|0|1|1|10||40000 → 7777 [PSH, ACK] Seq=1 Ack=1 Win=1000 Len=10
      5|0|11|1|10||40000 → 7777 [PSH, ACK] Seq=11 Ack=1 Win=1000 Len=10
      6|0|1|11|0||7777 → 40000 [ACK] Seq=1 Ack=11 Win=1000 Len=0
      7|0|1|1|10|retransmission,spurious_retransmission|[TCP Spurious Retransmission] 40000 → 7777 [PSH, ACK] Seq=1 Ack=1 Win=1000 Len=10
    `));
  });

  it('uses the SYN\'s own window scale until the other SYN is seen, and counts a FIN out of bytes in flight', () => {
    const { c } = talk(40000, 7777);
    const frames = [c(0, -5000, SYN, 1000, undefined, WS(5)), c(1, 1, ACK, 100), c(1, 1, FIN | PSH | ACK, 100, 'hello')];
    // The SYN is never acknowledged, so it stays in flight: 0–7 less the FIN is 6 bytes.
    expect(rows(run(frames), ['tcp.stream', 'tcp.seq', 'tcp.ack', 'tcp.len', 'tcp.window_size', 'tcp.window_size_scalefactor',
      'tcp.analysis.bytes_in_flight', 'tcp.analysis.push_bytes_sent'], true)).toEqual(lines(`
      1|0|0|0|0|1000|||||40000 → 7777 [SYN] Seq=0 Win=1000 Len=0 WS=32
      2|0|1|1|0|3200|32||||40000 → 7777 [ACK] Seq=1 Ack=1 Win=3200 Len=0
      3|0|1|1|5|3200|32|6|5||40000 → 7777 [FIN, PSH, ACK] Seq=1 Ack=1 Win=3200 Len=5
    `));
  });

  it('leaves the connection alone when an ICMP error quotes one of its segments', () => {
    const { c, s } = talk(40000, 7777);
    const syn = c(0, -5000, SYN, 1000);
    // 10.0.0.2 → 10.0.0.1 ICMP port unreachable quoting the SYN's IP header and first 8 TCP bytes.
    const icmp = hexBytes(`
      45 00 00 38 00 02 00 00 40 01 66 c1 0a 00 00 02
      0a 00 00 01 03 03 3e 73 00 00 00 00 45 00 00 28
      00 01 40 00 40 06 26 cd 0a 00 00 01 0a 00 00 02
      9c 40 1e 61 00 00 03 e8                           # quoted TCP: ports 40000 → 7777, seq 1000
    `);
    const packets = run([syn, icmp, s(0, 1, SYN | ACK, 1000)]);
    expect(rows(packets, ['tcp.stream', 'tcp.srcport', 'tcp.dstport', 'tcp.seq', 'tcp.ack', 'tcp.analysis.acks_frame'], true)).toEqual(lines(`
      1|0|40000|7777|0|0|||40000 → 7777 [SYN] Seq=0 Win=1000 Len=0
      2||40000|7777|1000||||Destination unreachable (Port unreachable)
      3|0|7777|40000|0|1|1||7777 → 40000 [SYN, ACK] Seq=0 Ack=1 Win=1000 Len=0
    `));
    expect(labels(packets[1]!, 'tcp')).toEqual(['Transmission Control Protocol, Src Port: 40000, Dst Port: 7777']);
    expect(isMalformed(packets[1]!)).toBe(false);
    expect(packets[1]!.truncated).toBe(false);
  });

  it('shows analysis as expert infos with Wireshark\'s severities', () => {
    const { c, s } = talk(40000, 7777);
    const p = run([c(0, -5000, SYN, 1000), s(0, 1, SYN | ACK, 1000), c(1, 1, ACK, 1000), c(11, 1, PSH | ACK, 1000, 'x'),
      s(1, 1, ACK, 1000), s(1, 1, ACK, 1000)]);
    expect(p[3]!.experts.map((e) => [e.severity, e.group, e.message])).toEqual([[4, 'Sequence', 'Previous segment(s) not captured (common at capture start)']]);
    // The server repeats the acknowledgment of its SYN/ACK: duplicate ACKs #1 and #2 of frame 2.
    expect(p[4]!.experts.map((e) => [e.severity, e.group, e.message])).toEqual([[3, 'Sequence', 'Duplicate ACK (#1)']]);
    expect(p[5]!.info).toBe('[TCP Dup ACK 2#2] 7777 → 40000 [ACK] Seq=1 Ack=1 Win=1000 Len=0');
    expect(labels(p[4]!, 'tcp.analysis.duplicate_ack')).toEqual(['[This is a TCP duplicate ack]', '[Expert Info (Note/Sequence): Duplicate ACK (#1)]']);
    expect(labels(p[2]!, 'tcp.analysis.initial_rtt')).toEqual(['[iRTT: 0.002000000 seconds]']);
    expect(labels(p[2]!, 'tcp.analysis.acks_frame')).toEqual(['[This is an ACK to the segment in frame: 2]']);
  });

  it('shows sequence numbers as sent when relative numbers are turned off', () => {
    const { c, s } = talk(40000, 7777);
    const p = run([c(0, -5000, SYN, 1000), s(0, 1, SYN | ACK, 1000), c(1, 1, PSH | ACK, 1000, 'hi')], { prefs: { 'tcp.relative_sequence_numbers': 'FALSE' } });
    expect(p.map((x) => x.info)).toEqual(['40000 → 7777 [SYN] Seq=1000 Win=1000 Len=0', '7777 → 40000 [SYN, ACK] Seq=5000 Ack=1001 Win=1000 Len=0',
      '40000 → 7777 [PSH, ACK] Seq=1001 Ack=5001 Win=1000 Len=2']);
  });
});

// ---------------------------------------------------------------------------------------------
// A toy protocol on port 5555: a 2-byte length, then that many bytes of text. Each whole PDU it
// receives is logged with the frame that dissected it, so the tests can say exactly which frame
// dissects which PDU.

const toyBody = field('toy.body', 'Body', FT.String, 'The text a toy PDU carries after its two-byte length.');
const toyLog: { frame: number; body: string; source: string }[] = [];
const toy = protocol('toy', 'Toy length-prefixed protocol', 'TOY', 'A test protocol: a two-byte length, then that many bytes of text.',
  (buf, pkt, parent, data) => {
    dissectPdus(buf, pkt, parent, data, (b, o) => (b.remaining(o) < 2 ? NEED_MORE : 2 + b.u16(o)), (pdu, p, par) => {
      const node = p.addLayer(toy, par, pdu, 0, pdu.length);
      const body = pdu.latin1(2, pdu.length - 2);
      node.add(toyBody, pdu, 2, pdu.length - 2, body);
      p.setInfo(`TOY ${body}`);
      toyLog.push({ frame: p.number, body, source: pdu.source.name });
    });
  });
table('tcp.port').add(5555, toy);

function pdu(text: string): Uint8Array {
  const b = new Uint8Array(2 + text.length);
  b[0] = text.length >> 8;
  b[1] = text.length & 255;
  for (let i = 0; i < text.length; i++) b[2 + i] = text.charCodeAt(i);
  return b;
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

/** Runs frames and returns the PDUs the toy protocol saw, as "frame:body". */
function toyRun(frames: Uint8Array[], opts: SessionOptions = {}): { packets: Packet[]; pdus: string[] } {
  toyLog.length = 0;
  const packets = run(frames, opts);
  return { packets, pdus: toyLog.map((t) => `${t.frame}:${t.body}`) };
}

describe('TCP byte stream handed to the protocol above', () => {
  const { c, s } = talk(40000, 5555);
  const handshake = [c(0, -5000, SYN, 1000), s(0, 1, SYN | ACK, 1000), c(1, 1, ACK, 1000)];
  const one = pdu('hello'); // 7 bytes
  const two = pdu('world!'); // 8 bytes
  const long = pdu('a PDU that needs three segments'); // 33 bytes

  it('dissects two PDUs that share one segment in that segment', () => {
    const { packets, pdus } = toyRun([...handshake, c(1, 1, PSH | ACK, 1000, concat(one, two))]);
    expect(pdus).toEqual(['4:hello', '4:world!']);
    expect(packets[3]!.layers.slice(-3)).toEqual(['tcp', 'toy', 'toy']);
    expect(packets[3]!.info).toBe('TOY world!');
  });

  it('puts a PDU spread over three segments together in the third', () => {
    const frames = [...handshake, c(1, 1, ACK, 1000, long.subarray(0, 10)), c(11, 1, ACK, 1000, long.subarray(10, 20)),
      c(21, 1, PSH | ACK, 1000, long.subarray(20))];
    const { packets, pdus } = toyRun(frames);
    expect(pdus).toEqual(['6:a PDU that needs three segments']);
    expect(packets[3]!.info).toBe('40000 → 5555 [ACK] Seq=1 Ack=1 Win=1000 Len=10 [TCP segment of a reassembled PDU]');
    expect(packets[4]!.info).toBe('40000 → 5555 [ACK] Seq=11 Ack=1 Win=1000 Len=10 [TCP segment of a reassembled PDU]');
    expect(labels(packets[3]!, 'tcp.segment_data')).toEqual(['TCP segment data (10 bytes)']);
    const last = packets[5]!;
    expect(last.info).toBe('TOY a PDU that needs three segments');
    expect(fieldValues(last, 'tcp.segment')).toEqual(['4', '5', '6']);
    expect([fieldValue(last, 'tcp.segment.count'), fieldValue(last, 'tcp.reassembled.length')]).toEqual(['3', '33']);
    expect(labels(last, 'tcp.segments')).toEqual(['[3 Reassembled TCP Segments (33 bytes): #4(10), #5(10), #6(13)]']);
    expect(labels(last, 'tcp.segment')).toEqual(['[Frame: 4, payload: 0-9 (10 bytes)]', '[Frame: 5, payload: 10-19 (10 bytes)]',
      '[Frame: 6, payload: 20-32 (13 bytes)]']);
    expect(toyLog[0]!.source).toBe('Reassembled TCP (33 bytes)');
    expect(last.extraSources?.map((x) => x.name)).toEqual(['Reassembled TCP (33 bytes)']);
  });

  it('does not pass a retransmission\'s bytes twice', () => {
    const frames = [...handshake, c(1, 1, ACK, 1000, long.subarray(0, 10)), c(1, 1, ACK, 1000, long.subarray(0, 10)),
      c(11, 1, PSH | ACK, 1000, long.subarray(10))];
    const { packets, pdus } = toyRun(frames);
    expect(pdus).toEqual(['6:a PDU that needs three segments']);
    const resent = packets[4]!;
    expect(resent.layers.at(-1)).toBe('tcp');
    expect(labels(resent, 'tcp.segment_data')).toEqual(['Retransmitted TCP segment data (10 bytes)']);
    expect(fieldValues(resent, 'tcp.analysis.retransmission').length).toBe(1);
    expect(fieldValues(packets[5]!, 'tcp.segment')).toEqual(['4', '6']);
  });

  it('passes on only the new part of a segment that overlaps what was delivered', () => {
    const frames = [...handshake, c(1, 1, ACK, 1000, long.subarray(0, 10)), c(1, 1, PSH | ACK, 1000, long)];
    const { packets, pdus } = toyRun(frames);
    expect(pdus).toEqual(['5:a PDU that needs three segments']);
    expect(labels(packets[4]!, 'tcp.segments')).toEqual(['[2 Reassembled TCP Segments (33 bytes): #4(10), #5(23)]']);
  });

  it('holds a segment that arrives ahead of a gap and dissects the PDU when the gap fills', () => {
    const frames = [...handshake, c(11, 1, ACK, 1000, long.subarray(10, 20)), c(21, 1, PSH | ACK, 1000, long.subarray(20)),
      c(1, 1, ACK, 1000, long.subarray(0, 10)), c(34, 1, PSH | ACK, 1000, one)];
    const { packets, pdus } = toyRun(frames);
    expect(pdus).toEqual(['6:a PDU that needs three segments', '7:hello']);
    expect(packets[3]!.info).toBe('[TCP Previous segment not captured] 40000 → 5555 [ACK] Seq=11 Ack=1 Win=1000 Len=10 [TCP segment of a reassembled PDU]');
    expect(packets[4]!.info).toBe('40000 → 5555 [PSH, ACK] Seq=21 Ack=1 Win=1000 Len=13 [TCP segment of a reassembled PDU]');
    const filler = packets[5]!;
    expect(filler.info).toBe('[TCP Out-Of-Order] TOY a PDU that needs three segments');
    expect(fieldValues(filler, 'tcp.segment')).toEqual(['6', '4', '5']);
    expect(labels(filler, '_ws.text').filter((t) => t.includes('held'))).toEqual([
      '[10 bytes held from frame 4 passed on now that the gap before them is filled]',
      '[13 bytes held from frame 5 passed on now that the gap before them is filled]']);
  });

  it('resynchronises after bytes the other side acknowledged but the capture never saw', () => {
    // The first PDU (bytes 1–7) never reaches the capture; the server's ACK of 16 shows it arrived.
    const frames = [...handshake, c(8, 1, PSH | ACK, 1000, two), s(1, 16, ACK, 1000), c(16, 1, PSH | ACK, 1000, one)];
    const { packets, pdus } = toyRun(frames);
    // Frame 4 waits for the gap; frame 6 gives the gap up, hands on the held PDU, then its own.
    expect(pdus).toEqual(['6:world!', '6:hello']);
    expect(packets[3]!.info).toBe('[TCP Previous segment not captured] 40000 → 5555 [PSH, ACK] Seq=8 Ack=1 Win=1000 Len=8 [TCP segment of a reassembled PDU]');
    expect(fieldValues(packets[4]!, 'tcp.analysis.ack_lost_segment').length).toBe(1);
    const next = packets[5]!;
    expect(experts(next)).toEqual(['Stream bytes missing from the capture: reassembly resynchronised']);
    expect(labels(next, '_ws.text').filter((t) => t.includes('never captured'))).toEqual([
      '[7 bytes of this stream never captured (the other side acknowledged them); reassembly restarts after them]']);
    expect(next.info).toBe('TOY hello');
  });

  it('drops a half-received PDU at a loss: the bytes after the hole are not its continuation', () => {
    // Bytes 11–20 of the long PDU are lost: its first 10 bytes must not be joined with its last 13.
    const frames = [...handshake, c(1, 1, ACK, 1000, long.subarray(0, 10)), c(21, 1, PSH | ACK, 1000, long.subarray(20)),
      s(1, 34, ACK, 1000), c(34, 1, PSH | ACK, 1000, one)];
    const { pdus } = toyRun(frames);
    // The 13 bytes start mid-PDU ("ee segments"): taken as a new PDU they announce 0x6565 bytes and
    // wait, so the toy dissects nothing more — what a length-prefixed protocol does after a loss.
    expect(pdus).toEqual([]);
  });

  it('gives up a gap that never fills once too much is held, and carries on', () => {
    // The first PDU is lost; then 300 segments of one 3-byte PDU each, more than the 256 segments
    // held per direction.
    const frames = [...handshake];
    const k = pdu('k');
    for (let i = 0; i < 300; i++) frames.push(c(5 + 3 * i, 1, PSH | ACK, 1000, k));
    const { packets, pdus } = toyRun(frames);
    const gaveUp = packets.findIndex((p) => experts(p).includes('Stream bytes missing from the capture: reassembly resynchronised'));
    expect(gaveUp).toBe(3 + 256);
    expect(labels(packets[gaveUp]!, '_ws.text').filter((t) => t.includes('never captured'))).toEqual([
      '[4 bytes of this stream never captured (the out-of-order buffer limit was reached); reassembly restarts after them]']);
    expect(pdus.length).toBe(300);
    expect(pdus.filter((x) => x.startsWith(`${gaveUp + 1}:`)).length).toBe(257);
    expect(pdus.at(-1)).toBe(`${frames.length}:k`);
  });

  it('forgets a half-received PDU when the connection is reset', () => {
    const frames = [...handshake, c(1, 1, ACK, 1000, long.subarray(0, 10)), s(1, 11, RST | ACK, 0),
      c(11, 1, PSH | ACK, 1000, two)];
    const { packets, pdus } = toyRun(frames);
    // Without the reset the 8 bytes would have been taken as the rest of the 33-byte PDU.
    expect(pdus).toEqual(['6:world!']);
    expect(packets[5]!.info).toBe('TOY world!');
  });

  it('treats each segment alone when stream reassembly is turned off', () => {
    const frames = [...handshake, c(1, 1, ACK, 1000, long.subarray(0, 10)), c(11, 1, PSH | ACK, 1000, long.subarray(10))];
    const { pdus } = toyRun(frames, { prefs: { 'tcp.desegment_tcp_streams': 'FALSE' } });
    expect(pdus).toEqual(['4:a PDU th', '5: needs three segments']);
  });

  it('sends the stream of each direction to its own reassembly', () => {
    const frames = [...handshake, c(1, 1, ACK, 1000, one.subarray(0, 3)), s(1, 4, ACK, 1000, two.subarray(0, 4)),
      c(4, 5, ACK, 1000, one.subarray(3)), s(5, 8, ACK, 1000, two.subarray(4))];
    expect(toyRun(frames).pdus).toEqual(['6:hello', '7:world!']);
  });

  it('keeps the analysis prefix in front of the protocol\'s Info', () => {
    // 8 ms after the first copy: too late for an out-of-order segment, so a retransmission.
    const frames = [...handshake, c(1, 1, PSH | ACK, 1000, one), c(1, 1, PSH | ACK, 1000, concat(one, two))];
    toyLog.length = 0;
    const packets = run(frames, {}, [0, 1000, 2000, 3000, 11000]);
    const pdus = toyLog.map((t) => `${t.frame}:${t.body}`);
    expect(pdus).toEqual(['4:hello', '5:world!']);
    expect(packets[4]!.info).toBe('[TCP Retransmission] TOY world!');
  });
});

// ---------------------------------------------------------------------------------------------

async function dissectFile(file: string): Promise<Packet[]> {
  const session = new Session({ buildTree: true });
  const out: Packet[] = [];
  await openCapture(file).run((frame) => {
    out.push(session.dissect({ ...frame, bytes: Uint8Array.from(frame.bytes) }));
  });
  return out;
}

const CAPTURE_COLUMNS = ['tcp.stream', 'tcp.seq', 'tcp.ack', 'tcp.len', 'tcp.flags.str', 'tcp.window_size', 'tcp.analysis.acks_frame',
  'tcp.analysis.bytes_in_flight'];

describe('TCP in real captures (samples/make-tcp-loopback.sh), against tshark', () => {
  it('tcp-loopback.pcap: two downloads, keep-alives on an idle connection, a refused connection', async () => {
    const packets = await dissectFile(path.join(samplesDir, 'tcp-loopback.pcap'));
    expect(rows(packets, CAPTURE_COLUMNS, false)).toEqual(lines(`
      1|0|0|0|0|··········S·|64240
      2|0|0|1|0|·······A··S·|65160|1
      3|0|1|1|0|·······A····|64512|2
      4|0|1|1|83|·······AP···|64512||83
      5|0|1|84|0|·······A····|65536|4
      6|0|1|84|132|·······AP···|65536||132
      7|0|84|133|0|·······A····|64512|6
      8|0|133|84|13|·······AP···|65536||13
      9|0|84|146|0|·······A····|64512|8
      10|0|84|146|0|·······A···F|64512
      11|0|146|85|0|·······A···F|65536|10
      12|0|85|147|0|·······A····|64512|11
      13|1|0|0|0|··········S·|64240
      14|1|0|1|0|·······A··S·|65160|13
      15|1|1|1|0|·······A····|64512|14
      16|1|1|1|81|·······AP···|64512||81
      17|1|1|82|0|·······A····|65536|16
      18|1|1|82|135|·······AP···|65536||135
      19|1|82|136|0|·······A····|64512|18
      20|1|136|82|1448|·······A····|65536||1448
      21|1|1584|82|1448|·······A····|65536||2896
      22|1|3032|82|1448|·······A····|65536||4344
      23|1|4480|82|1448|·······A····|65536||5792
      24|1|5928|82|1448|·······AP···|65536||7240
      25|1|82|1584|0|·······A····|67584|20
      26|1|82|3032|0|·······A····|70656|21
      27|1|82|4480|0|·······A····|73728|22
      28|1|82|5928|0|·······A····|76800|23
      29|1|82|7376|0|·······A····|78848|24
      30|1|7376|82|1448|·······A····|65536||1448
      31|1|8824|82|1448|·······A····|65536||2896
      32|1|10272|82|1448|·······A····|65536||4344
      33|1|11720|82|1448|·······A····|65536||5792
      34|1|13168|82|1448|·······AP···|65536||7240
      35|1|82|8824|0|·······A····|77824|30
      36|1|82|10272|0|·······A····|76800|31
      37|1|82|11720|0|·······A····|75776|32
      38|1|82|13168|0|·······A····|74752|33
      39|1|82|14616|0|·······A····|73728|34
      40|1|14616|82|1448|·······A····|65536||1448
      41|1|16064|82|1448|·······A····|65536||2896
      42|1|17512|82|1448|·······A····|65536||4344
      43|1|18960|82|1176|·······AP···|65536||5520
      44|1|82|16064|0|·······A····|72704|40
      45|1|82|17512|0|·······A····|71680|41
      46|1|82|18960|0|·······A····|70656|42
      47|1|82|20136|0|·······A····|70656|43
      48|1|82|20136|0|·······A···F|78848
      49|1|20136|83|0|·······A···F|65536|48
      50|1|83|20137|0|·······A····|78848|49
      51|2|0|0|0|··········S·|64240
      52|2|0|1|0|·······A··S·|65160|51
      53|2|1|1|0|·······A····|64512|52
      54|2|0|1|0|·······A····|64512|||keep_alive
      55|2|1|1|0|·······A····|65536|||window_update
      56|2|0|1|0|·······A····|64512|||keep_alive
      57|2|1|1|0|·······A····|65536|||keep_alive_ack
      58|2|1|1|59|·······AP···|64512||59
      59|2|1|60|0|·······A····|65536|58
      60|2|1|60|132|·······AP···|65536||132
      61|2|60|133|0|·······A····|64512|60
      62|2|133|60|13|·······AP···|65536||13
      63|2|60|146|0|·······A····|64512|62
      64|2|146|60|0|·······A···F|65536
      65|2|60|147|0|·······A···F|64512|64
      66|2|147|61|0|·······A····|65536|65
      67|3|0|0|0|··········S·|64240
      68|3|1|1|0|·······A·R··|0|67
    `));
    // The refused connection: SYN answered by RST, ACK.
    expect(packets[67]!.info).toBe('8001 → 42004 [RST, ACK] Seq=1 Ack=1 Win=0 Len=0');
    expect(packets[53]!.info).toMatch(/^\[TCP Keep-Alive\] 42003 → 8000 \[ACK\] Seq=0 Ack=1 Win=64512 Len=0 TSval=\d+ TSecr=\d+$/);
  });

  it('tcp-lossy.pcap: a dropped, a swapped and a doubled segment each way through an impaired link', async () => {
    const packets = await dissectFile(path.join(samplesDir, 'tcp-lossy.pcap'));
    expect(rows(packets, CAPTURE_COLUMNS, false)).toEqual(lines(`
      1|0|0|0|0|··········S·|64240
      2|0|0|1|0|·······A··S·|65160|1
      3|0|1|1|0|·······A····|64512|2
      4|0|1|1|1448|·······A····|64512||1448
      5|0|1|1449|0|·······A····|68608|4
      6|0|1449|1|1448|·······A····|64512||1448
      7|0|1|2897|0|·······A····|71680|6
      8|0|2897|1|1448|·······A····|64512||1448
      9|0|1|4345|0|·······A····|74752|8
      10|0|5793|1|1448|·······AP···|64512|||lost_segment
      11|0|1|4345|0|·······A····|76800|||window_update
      12|0|7241|1|1448|·······A····|64512||1448
      13|0|1|4345|0|·······A····|76800|||duplicate_ack
      14|0|10137|1|1448|·······A····|64512|||lost_segment
      15|0|1|4345|0|·······A····|76800|||duplicate_ack
      16|0|8689|1|1448|·······A····|64512||1448|out_of_order
      17|0|1|4345|0|·······A····|76800|||duplicate_ack
      18|0|11585|1|1448|·······A····|64512||1448
      19|0|1|4345|0|·······A····|76800|||duplicate_ack
      20|0|13033|1|1448|·······AP···|64512||1448
      21|0|1|4345|0|·······A····|76800|||duplicate_ack
      22|0|13033|1|1448|·······AP···|64512|||retransmission
      23|0|1|4345|0|·······A····|76800|||duplicate_ack
      24|0|14481|1|1448|·······A····|64512
      25|0|1|4345|0|·······A····|76800|||duplicate_ack
      26|0|15929|1|1448|·······A····|64512||1448
      27|0|1|4345|0|·······A····|76800|||duplicate_ack
      28|0|17377|1|1448|·······A····|64512||1448
      29|0|1|4345|0|·······A····|76800|||duplicate_ack
      30|0|18825|1|1310|·······AP···|64512||1310
      31|0|1|4345|0|·······A····|76800|||duplicate_ack
      32|0|4345|1|1448|·······A····|64512||1448|retransmission,fast_retransmission
      33|0|1|20135|0|·······A····|62464|30
      34|0|1|20135|132|·······AP···|76800||132
      35|0|20135|133|0|·······A····|64512|34
      36|0|133|20135|21|·······AP···|76800||21
      37|0|20135|154|0|·······A····|64512|36
      38|0|20135|154|0|·······A···F|64512
      39|0|154|20136|0|·······A···F|76800|38
      40|0|20136|155|0|·······A····|64512|39
      41|1|0|0|0|··········S·|64240
      42|1|0|1|0|·······A··S·|65160|41
      43|1|1|1|0|·······A····|64512|42
      44|1|1|1|81|·······AP···|64512||81
      45|1|1|82|0|·······A····|65536|44
      46|1|1|82|135|·······AP···|65536||135
      47|1|82|136|0|·······A····|64512|46
      48|1|136|82|1448|·······A····|65536||1448
      49|1|1584|82|1448|·······A····|65536||2896
      50|1|3032|82|1448|·······A····|65536||4344
      51|1|4480|82|1448|·······A····|65536||5792
      52|1|5928|82|1448|·······AP···|65536||7240
      53|1|7376|82|1448|·······A····|65536||8688
      54|1|8824|82|1448|·······A····|65536||10136
      55|1|10272|82|1448|·······A····|65536||11584
      56|1|11720|82|1448|·······A····|65536||13032
      57|1|13168|82|1448|·······AP···|65536||14480
      58|1|14616|82|1448|·······A····|65536||15928
      59|1|82|1584|0|·······A····|67584|48
      60|1|82|1584|0|·······A····|70656|||window_update
      61|1|82|1584|0|·······A····|73728|||window_update
      62|1|16064|82|1448|·······A····|65536||13032
      63|1|17512|82|1448|·······A····|65536||14480
      64|1|18960|82|1176|·······AP···|65536||15656
      65|1|82|1584|0|·······A····|76800|||window_update
      66|1|1584|82|1448|·······A····|65536||14208|out_of_order
      67|1|82|1584|0|·······A····|76800|||duplicate_ack
      68|1|82|1584|0|·······A····|76800|||duplicate_ack
      69|1|82|1584|0|·······A····|76800|||duplicate_ack
      70|1|82|1584|0|·······A····|76800|||duplicate_ack
      71|1|82|1584|0|·······A····|76800|||duplicate_ack
      72|1|82|1584|0|·······A····|76800|||duplicate_ack
      73|1|82|1584|0|·······A····|76800|||duplicate_ack
      74|1|82|1584|0|·······A····|76800|||duplicate_ack
      75|1|82|1584|0|·······A····|76800|||duplicate_ack
      76|1|82|20136|0|·······A····|62464|64
      77|1|82|20136|0|·······A···F|76800
      78|1|20136|83|0|·······A···F|65536|77
      79|1|83|20137|0|·······A····|76800|78
    `));
    // The 20000-byte POST body arrives with a hole at 4345; the fast retransmission in frame 32
    // fills it and the held segments complete the request there, in stream order.
    const post = packets[31]!;
    expect(fieldValues(post, 'tcp.segment')).toEqual(['4', '6', '8', '32', '10', '12', '16', '14', '18', '20', '24', '26', '28', '30']);
    expect(fieldValue(post, 'tcp.reassembled.length')).toBe('20134');
    // The duplicate copy (frame 22) arrived while the first was still held: kept once, not joined
    // twice (frame 22 is not in the list above), and labelled as tshark labels it.
    expect(labels(packets[21]!, 'tcp.segment_data')).toEqual(['TCP segment data (1448 bytes)']);
    expect(fieldValues(packets[21]!, 'tcp.analysis.retransmission').length).toBe(1);
    // The receiver's duplicate SACK for it (RFC 2883).
    expect([fieldValue(packets[22]!, 'tcp.options.sack.dsack_le'), fieldValue(packets[22]!, 'tcp.options.sack.dsack_re')]).toEqual(['13033', '14481']);
    expect(experts(packets[22]!)).toContain('D-SACK Sequence');
  });
});
