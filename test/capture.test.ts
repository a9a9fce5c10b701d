import { afterAll, describe, expect, it } from 'vitest';
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import zlib from 'node:zlib';
import { CaptureFormatError, type Frame, type FrameSource } from '../src/capture/frame.js';
import { CaptureParser, openCapture, openStream } from '../src/capture/open.js';
import { PcapWriter } from '../src/capture/writer.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const tcpdumpCorpus = path.resolve(here, '../../shared/corpus/tcpdump');
const openvpnCorpus = path.resolve(here, '../../shared/corpus/zeek-openvpn');
const tcpdumpFile = (name: string) => path.join(tcpdumpCorpus, name);
const openvpnFile = (name: string) => path.join(openvpnCorpus, name);

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'vpnscope-capture-'));
const tmpFile = (name: string) => path.join(tmp, name);
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

const hasTshark = spawnSync('tshark', ['--version'], { stdio: 'ignore' }).status === 0;

/** A frame as tshark prints `-e frame.number -e frame.len -e frame.cap_len -e frame.time_epoch`. */
function row(frame: Frame): string {
  return `${frame.number}\t${frame.originalLength}\t${frame.capturedLength}\t${epoch(frame)}`;
}

function epoch(frame: Pick<Frame, 'seconds' | 'nanos'>): string {
  return `${frame.seconds}.${String(frame.nanos).padStart(9, '0')}`;
}

interface Read {
  frames: Frame[];
  rows: string[];
  source: FrameSource;
  chunks: number;
}

/** Runs a source to the end, keeping copies of every frame (bytes included). */
async function readAll(source: FrameSource): Promise<Read> {
  const frames: Frame[] = [];
  let chunks = 0;
  await source.run(
    (frame) => {
      frames.push({ ...frame, bytes: Uint8Array.from(frame.bytes) });
    },
    () => {
      chunks++;
    },
  );
  return { frames, rows: frames.map(row), source, chunks };
}

/** Feeds the parser the given pieces of `bytes` and returns every frame, copied. */
function feedInPieces(bytes: Uint8Array, cuts: number[]): { frames: Frame[]; parser: CaptureParser } {
  const parser = new CaptureParser();
  const frames: Frame[] = [];
  const collect = (frame: Frame) => {
    frames.push({ ...frame, bytes: Uint8Array.from(frame.bytes) });
  };
  let start = 0;
  for (const cut of [...cuts, bytes.length]) {
    // Each piece is a fresh copy, and is scribbled over afterwards: the parser must not keep it.
    const piece = Uint8Array.from(bytes.subarray(start, cut));
    parser.feed(piece, collect);
    piece.fill(0xee);
    start = cut;
  }
  parser.end();
  return { frames, parser };
}

function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Offsets where classic pcap records end, walking the file's own lengths. */
function pcapRecordEnds(bytes: Uint8Array): number[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const littleEndian = view.getUint32(0, true) === 0xa1b2c3d4 || view.getUint32(0, true) === 0xa1b23c4d;
  const ends: number[] = [];
  for (let at = 24; at + 16 <= bytes.length; ) {
    at += 16 + view.getUint32(at + 8, littleEndian);
    ends.push(at);
  }
  return ends;
}

// ---------------------------------------------------------------------------------------------
// A pcapng builder, for the block kinds and option forms no corpus file has.

class Bytes {
  private parts: Uint8Array[] = [];
  constructor(private readonly littleEndian: boolean) {}
  u16(value: number): this {
    return this.put(2, (view) => view.setUint16(0, value, this.littleEndian));
  }
  u32(value: number): this {
    return this.put(4, (view) => view.setUint32(0, value, this.littleEndian));
  }
  i64(value: bigint): this {
    return this.put(8, (view) => view.setBigInt64(0, value, this.littleEndian));
  }
  raw(bytes: Uint8Array): this {
    this.parts.push(bytes);
    return this;
  }
  pad(): this {
    const over = this.length % 4;
    if (over !== 0) this.parts.push(new Uint8Array(4 - over));
    return this;
  }
  get length(): number {
    return this.parts.reduce((sum, part) => sum + part.length, 0);
  }
  done(): Uint8Array {
    return concat(this.parts);
  }
  private put(size: number, write: (view: DataView) => void): this {
    const bytes = new Uint8Array(size);
    write(new DataView(bytes.buffer));
    this.parts.push(bytes);
    return this;
  }
}

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((sum, part) => sum + part.length, 0));
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}

const text = (value: string) => new TextEncoder().encode(value);
const payload = (length: number, seed: number) => Uint8Array.from({ length }, (_, i) => (i * seed + 7) & 255);
type Option = [code: number, value: Uint8Array];

function options(le: boolean, list: Option[]): Uint8Array {
  const bytes = new Bytes(le);
  for (const [code, value] of list) bytes.u16(code).u16(value.length).raw(value).pad();
  if (list.length > 0) bytes.u16(0).u16(0);
  return bytes.done();
}
function block(le: boolean, type: number, body: Uint8Array): Uint8Array {
  const length = 12 + body.length;
  return new Bytes(le).u32(type).u32(length).raw(body).u32(length).done();
}
const sectionHeader = (le: boolean) =>
  block(le, 0x0a0d0d0a, new Bytes(le).u32(0x1a2b3c4d).u16(1).u16(0).i64(-1n).done());
const interfaceDescription = (le: boolean, linkType: number, snapLength: number, list: Option[] = []) =>
  block(le, 1, new Bytes(le).u16(linkType).u16(0).u32(snapLength).raw(options(le, list)).done());
const timestampWords = (bytes: Bytes, units: bigint) => bytes.u32(Number(units >> 32n)).u32(Number(units & 0xffffffffn));
const enhancedPacket = (le: boolean, iface: number, units: bigint, data: Uint8Array, originalLength: number, list: Option[] = []) =>
  block(le, 6, timestampWords(new Bytes(le).u32(iface), units).u32(data.length).u32(originalLength).raw(data).pad().raw(options(le, list)).done());
const simplePacket = (le: boolean, originalLength: number, data: Uint8Array) =>
  block(le, 3, new Bytes(le).u32(originalLength).raw(data).pad().done());
const obsoletePacket = (le: boolean, iface: number, units: bigint, data: Uint8Array, originalLength: number) =>
  block(le, 2, timestampWords(new Bytes(le).u16(iface).u16(0), units).u32(data.length).u32(originalLength).raw(data).pad().done());
const int64 = (le: boolean, value: bigint) => new Bytes(le).i64(value).done();

const LE = true;
const BE = false;

/**
 * Two sections, little- then big-endian, with every packet block kind and both if_tsresol forms.
 * Block ends: 28,68,120,152,184,308,368,448,468,520,584,648,676,724,840,920.
 */
const syntheticBlocks: Uint8Array[] = [
  sectionHeader(LE),
  interfaceDescription(LE, 1, 64, [[2, text('eth0')], [9, Uint8Array.of(9)]]), // ns
  interfaceDescription(LE, 101, 0, [[2, text('tun0')], [9, Uint8Array.of(0x94)], [14, int64(LE, 3600n)]]), // 2^-20 s, +1 h
  interfaceDescription(LE, 1, 0, [[9, Uint8Array.of(12)]]), // ps
  interfaceDescription(LE, 1, 0, [[9, Uint8Array.of(0x9e)]]), // 2^-30 s
  enhancedPacket(LE, 0, 1700000000123456789n, payload(42, 3), 42, [[1, text('first comment')], [1, text('zweiter Kommentar ü')]]),
  enhancedPacket(LE, 1, 1700000000n * (1n << 20n) + 524288n, payload(28, 5), 28),
  simplePacket(LE, 100, payload(64, 7)), // snapped to interface 0's 64 bytes
  block(LE, 0xbad, payload(8, 9)), // unknown type: skipped
  obsoletePacket(LE, 1, 1700000001n * (1n << 20n) + 1n, payload(20, 11), 40),
  enhancedPacket(LE, 2, 10000000123456789912n, payload(30, 13), 30),
  enhancedPacket(LE, 3, 1700000000n * (1n << 30n) + (1n << 29n) + 1n, payload(30, 17), 30),
  sectionHeader(BE),
  interfaceDescription(BE, 101, 0, [[2, text('wlan0')], [14, int64(BE, -100n)]]), // µs, −100 s
  enhancedPacket(BE, 0, 1700000001000002n, payload(61, 0x45), 61, [[1, text('big-endian')]]),
  simplePacket(BE, 61, payload(61, 23)), // 61 bytes plus 3 of padding: captured is 61
];
const synthetic = concat(syntheticBlocks);
const syntheticBlockEnds = syntheticBlocks.reduce<number[]>((ends, b) => [...ends, (ends.at(-1) ?? 0) + b.length], []);
/** Which blocks hold packets, in order. */
const syntheticPacketBlocks = [5, 6, 7, 9, 10, 11, 14, 15];

/**
 * tshark 4.0.17's view of the synthetic file (frame.number renumbered: tshark lists the unknown block
 * as a record of its own), with two deliberate differences, both places where tshark 4.0 is wrong:
 * - packet 5 (picosecond interface): tshark prints a wrong fraction; its 64-bit remainder × 10^9
 *   overflows. 10000000123456789912 ps is 10000000.123456789912 s.
 * - packets 7 and 8 belong to the second section's interface 0, "wlan0"; tshark names it after the
 *   first section's interface 0 ("eth0"), though it takes the link type from the right one.
 * tshark shows no time for simple packet blocks, which have none; we give 0.
 */
const syntheticExpected = [
  { row: '1\t42\t42\t1700000000.123456789', iface: 0, name: 'eth0', linkType: 1, comments: ['first comment', 'zweiter Kommentar ü'] },
  { row: '2\t28\t28\t1700003600.500000000', iface: 1, name: 'tun0', linkType: 101 },
  { row: '3\t100\t64\t0.000000000', iface: 0, name: 'eth0', linkType: 1 },
  { row: '4\t40\t20\t1700003601.000000953', iface: 1, name: 'tun0', linkType: 101 },
  { row: '5\t30\t30\t10000000.123456789', iface: 2, name: undefined, linkType: 1 },
  { row: '6\t30\t30\t1700000000.500000000', iface: 3, name: undefined, linkType: 1 },
  { row: '7\t61\t61\t1699999901.000002000', iface: 0, name: 'wlan0', linkType: 101, comments: ['big-endian'] },
  { row: '8\t61\t61\t0.000000000', iface: 0, name: 'wlan0', linkType: 101 },
];

// ---------------------------------------------------------------------------------------------

describe('classic pcap', () => {
  it('reads a little-endian microsecond capture as tshark does', async () => {
    const { rows, source } = await readAll(openCapture(openvpnFile('openvpn.pcap')));
    expect(rows).toHaveLength(105);
    expect(rows.slice(0, 3)).toEqual([
      '1\t60\t60\t1613755368.960989000',
      '2\t68\t68\t1613755369.066911000',
      '3\t64\t64\t1613755369.067505000',
    ]);
    expect(rows[104]).toBe('105\t83\t83\t1613755413.232561000');
    expect(source.info).toEqual({ format: 'pcap', linkType: 1, snapLength: 262144, gzip: false, fcsLength: undefined, timeDecimals: 6 });
    expect(source.truncatedAt).toBeUndefined();
  });

  it('reads a big-endian capture', async () => {
    const { rows, frames, source } = await readAll(openCapture(tcpdumpFile('isup.pcap')));
    expect(rows).toEqual([
      '1\t146\t146\t1089032999.862196000',
      '2\t90\t90\t1089032999.868817000',
      '3\t86\t86\t1089032999.986040000',
      '4\t86\t86\t1089032999.986353000',
      '5\t90\t90\t1089033016.931117000',
      '6\t86\t86\t1089033016.952114000',
    ]);
    expect(source.info?.format).toBe('pcap');
    expect(source.info?.linkType).toBe(1);
    expect(source.info?.snapLength).toBe(65535);
    expect(frames.every((frame) => frame.interfaceId === 0 && frame.bytes.length === frame.capturedLength)).toBe(true);
  });

  it('keeps nanosecond timestamps exact', async () => {
    const { rows, source } = await readAll(openCapture(tcpdumpFile('tcp-handshake-nano.pcap')));
    expect(rows).toEqual([
      '1\t76\t76\t1418145369.924505488',
      '2\t76\t76\t1418145370.052027262',
      '3\t68\t68\t1418145370.052115157',
    ]);
    expect(source.info?.format).toBe('pcap-nsec');
    expect(source.info?.linkType).toBe(113);
  });

  it('passes snaplen-cut frames through with both lengths', async () => {
    const { frames, source } = await readAll(openCapture(tcpdumpFile('wb-oobr.pcap')));
    expect(frames).toHaveLength(6);
    for (const frame of frames) {
      expect(frame.capturedLength).toBe(46);
      expect(frame.originalLength).toBe(262144);
      expect(frame.bytes.length).toBe(46);
    }
    expect(source.info?.snapLength).toBe(46);
  });

  it('carries an out-of-range sub-second field into the seconds', async () => {
    // The file stores 999999999, 1000000000 and 2147483648 ns. tcpdump prints the last two as
    // overflows and tshark prints the digits as they are (1418145370.1000000000); read as what
    // they encode, they are these instants.
    const { rows } = await readAll(openCapture(tcpdumpFile('timestamp_invalid_nano.pcap')));
    expect(rows).toEqual([
      '1\t76\t76\t1418145369.999999999',
      '2\t76\t76\t1418145371.000000000',
      '3\t68\t68\t1418145372.147483648',
    ]);
  });

  it('masks the upper bits of the link-type field', async () => {
    // The field is 0x30000084: FCS-length bits set over LINKTYPE_JUNIPER_ES (132). tcpdump reads 132;
    // tshark 4.0 reports network type 805306500.
    const { source, frames } = await readAll(openCapture(tcpdumpFile('hoobr_juniper3.pcap')));
    expect(source.info?.linkType).toBe(132);
    expect(source.info?.fcsLength).toBeUndefined(); // F bit clear: the length bits mean nothing
    expect(frames[0]?.linkType).toBe(132);
  });

  it('stops at an absurd captured length without buffering the rest of the file', async () => {
    const original = fs.readFileSync(tcpdumpFile('isup.pcap'));
    const ends = pcapRecordEnds(original);
    const damaged = Buffer.concat([original, Buffer.alloc(8 * 1024 * 1024)]);
    damaged.writeUInt32BE(0x7fffffff, ends[1]! + 8); // record 3's captured length
    fs.writeFileSync(tmpFile('absurd.pcap'), damaged);
    const { rows, source, chunks } = await readAll(openCapture(tmpFile('absurd.pcap')));
    expect(rows).toHaveLength(2);
    expect(source.truncatedAt).toBe(3);
    expect(source.stopReason).toMatch(/packet 3 claims 2147483647 captured bytes/);
    expect(chunks).toBe(1); // gave up after the first 1 MiB read
  });
});

describe('pcapng', () => {
  it('reads a two-interface capture as tshark does', async () => {
    const { frames, rows, source } = await readAll(openCapture(openvpnFile('openvpn_udp_tls-auth.pcapng')));
    expect(rows).toHaveLength(440);
    expect(rows.slice(0, 3)).toEqual([
      '1\t84\t84\t1358898732.330568000',
      '2\t96\t96\t1358898732.333757000',
      '3\t92\t92\t1358898732.335383000',
    ]);
    expect(rows[439]).toBe('440\t123\t123\t1358898799.639028000');
    expect(frames.reduce((sum, frame) => sum + frame.originalLength, 0)).toBe(61544);
    // Every packet was captured on the second interface.
    expect(new Set(frames.map((frame) => frame.interfaceId))).toEqual(new Set([1]));
    expect(frames[0]!.interfaceName).toBe('\\Device\\NPF_{81A5C9C1-2E04-47CE-A2AA-084E58DED666}');
    expect(source.info).toEqual({ format: 'pcapng', linkType: 1, snapLength: 65535, gzip: false, timeDecimals: 6 });
  });

  it('goes by the magic, not the file name', async () => {
    // A pcapng file named .pcap.
    const { rows, frames, source } = await readAll(openCapture(openvpnFile('openvpn_tcp_nontlsauth.pcap')));
    expect(source.info?.format).toBe('pcapng');
    expect(rows).toHaveLength(195);
    expect(rows[0]).toBe('1\t74\t74\t1358197736.781122000');
    expect(rows[194]).toBe('195\t66\t66\t1358197768.802378000');
    expect(frames.reduce((sum, frame) => sum + frame.originalLength, 0)).toBe(27581);
  });

  it('reads if_tsresol 10^-9, skips statistics blocks', async () => {
    const vsock = await readAll(openCapture(tcpdumpFile('vsock-1.pcapng')));
    expect(vsock.rows).toHaveLength(10);
    expect(vsock.rows.slice(0, 4)).toEqual([
      '1\t76\t76\t1499949071.261679299',
      '2\t76\t76\t1499949071.261740149',
      '3\t82\t82\t1499949072.552718608',
      '4\t76\t76\t1499949072.552854593',
    ]);
    expect(vsock.frames[0]!.linkType).toBe(271);
    expect(vsock.frames[0]!.interfaceName).toBe('vsockmon0');

    const dhcp = await readAll(openCapture(tcpdumpFile('dhcp-option-108.pcapng')));
    expect(dhcp.rows).toEqual(['1\t342\t342\t1742291025.393317000', '2\t365\t365\t1742291025.399056000']);
    expect(dhcp.frames[0]!.interfaceName).toBe('en0');
    expect(dhcp.source.info?.snapLength).toBe(524288);
  });

  it('handles timestamps past 2106', async () => {
    const overflow = await readAll(openCapture(tcpdumpFile('time_2106_overflow.pcapng')));
    expect(overflow.rows).toEqual(['1\t98\t98\t4294967296.000000000']);
    const later = await readAll(openCapture(tcpdumpFile('time_2107.pcapng')));
    expect(later.rows).toEqual(['1\t98\t98\t4323283200.000000000']);
  });

  it('reads a file with an interface and no packets', async () => {
    const { frames, source } = await readAll(openCapture(tcpdumpFile('empty.pcapng')));
    expect(frames).toHaveLength(0);
    expect(source.info).toEqual({ format: 'pcapng', linkType: 1, snapLength: 262144, gzip: false, timeDecimals: 6 });
    expect(source.truncatedAt).toBeUndefined();
  });

  it('hands the secrets of Decryption Secrets Blocks on with the next frame (both byte orders)', async () => {
    const keyLogText = 'CLIENT_RANDOM ' + '11'.repeat(32) + ' ' + '22'.repeat(48) + '\n';
    const secrets = (le: boolean, type: number, data: Uint8Array) => block(le, 10, new Bytes(le).u32(type).u32(data.length).raw(data).pad().done());
    const file = concat([
      sectionHeader(LE), interfaceDescription(LE, 1, 0),
      secrets(LE, 0x544c534b, text(keyLogText)), secrets(LE, 0x57474b4c, text('wireguard keys')),
      enhancedPacket(LE, 0, 1n, payload(20, 3), 20), enhancedPacket(LE, 0, 2n, payload(20, 5), 20),
      sectionHeader(BE), interfaceDescription(BE, 1, 0), secrets(BE, 0x544c534b, text('more')), enhancedPacket(BE, 0, 3n, payload(20, 7), 20),
    ]);
    fs.writeFileSync(tmpFile('secrets.pcapng'), file);
    const { frames } = await readAll(openCapture(tmpFile('secrets.pcapng')));
    expect(frames).toHaveLength(3);
    expect(frames[0]!.secrets!.map((x) => [x.type.toString(16), new TextDecoder().decode(x.data)])).toEqual([['544c534b', keyLogText], ['57474b4c', 'wireguard keys']]);
    expect(frames[1]!.secrets).toBeUndefined();
    expect(frames[2]!.secrets!.map((x) => new TextDecoder().decode(x.data))).toEqual(['more']);
  });

  it('reads SPB, obsolete PB, comments, both if_tsresol forms, if_tsoffset and a big-endian second section', async () => {
    fs.writeFileSync(tmpFile('synthetic.pcapng'), synthetic);
    const { frames, rows, source } = await readAll(openCapture(tmpFile('synthetic.pcapng')));
    expect(rows).toEqual(syntheticExpected.map((expected) => expected.row));
    frames.forEach((frame, index) => {
      const expected = syntheticExpected[index]!;
      expect(frame.interfaceId).toBe(expected.iface);
      expect(frame.interfaceName).toBe(expected.name);
      expect(frame.linkType).toBe(expected.linkType);
      expect(frame.comments).toEqual(expected.comments);
    });
    expect(Array.from(frames[0]!.bytes)).toEqual(Array.from(payload(42, 3)));
    expect(Array.from(frames[2]!.bytes)).toEqual(Array.from(payload(64, 7)));
    expect(Array.from(frames[6]!.bytes)).toEqual(Array.from(payload(61, 0x45)));
    expect(Array.from(frames[7]!.bytes)).toEqual(Array.from(payload(61, 23)));
    expect(source.info).toEqual({ format: 'pcapng', linkType: 1, snapLength: 64, gzip: false, timeDecimals: 9 });
    expect(source.truncatedAt).toBeUndefined();
  });

  describe('corrupt blocks stop reading cleanly', () => {
    const secondPacket = syntheticBlockEnds[5]!; // start of the block holding packet 2

    async function readDamaged(damage: (view: DataView) => void) {
      const copy = Uint8Array.from(synthetic);
      damage(new DataView(copy.buffer));
      return readAll(openStream(Readable.from([copy]), 'damaged'));
    }

    it('a block length that is not a multiple of 4', async () => {
      const { rows, source } = await readDamaged((view) => view.setUint32(secondPacket + 4, 62, true));
      expect(rows).toHaveLength(1);
      expect(source.truncatedAt).toBe(2);
      expect(source.stopReason).toMatch(/impossible length of 62 bytes/);
    });

    it('a block length that would swallow the file', async () => {
      const { rows, source } = await readDamaged((view) => view.setUint32(secondPacket + 4, 0xfffffff0, true));
      expect(rows).toHaveLength(1);
      expect(source.truncatedAt).toBe(2);
      expect(source.stopReason).toMatch(/claims 4294967280 bytes/);
    });

    it('trailing length differs from the leading one', async () => {
      const { rows, source } = await readDamaged((view) => view.setUint32(syntheticBlockEnds[6]! - 4, 64, true));
      expect(rows).toHaveLength(1);
      expect(source.truncatedAt).toBe(2);
      expect(source.stopReason).toMatch(/at the start but 64 at the end/);
    });

    it('a packet naming an interface that was never described', async () => {
      const { rows, source } = await readDamaged((view) => view.setUint32(secondPacket + 8, 7, true));
      expect(rows).toHaveLength(1);
      expect(source.truncatedAt).toBe(2);
      expect(source.stopReason).toMatch(/names interface 7, but its section describes 4/);
    });

    it('a captured length larger than its block', async () => {
      const { rows, source } = await readDamaged((view) => view.setUint32(secondPacket + 20, 200, true));
      expect(rows).toHaveLength(1);
      expect(source.truncatedAt).toBe(2);
      expect(source.stopReason).toMatch(/claims 200 captured bytes in a 60-byte block/);
    });

    it('a first section header without byte-order magic is not a capture', async () => {
      await expect(readDamaged((view) => view.setUint32(8, 0x12345678, true))).rejects.toThrow(
        new CaptureFormatError('not a valid pcapng file: section header has no byte-order magic (found 0x12345678)'),
      );
    });
  });
});

describe('opening', () => {
  const isup = fs.readFileSync(tcpdumpFile('isup.pcap'));
  const isupRows = [
    '1\t146\t146\t1089032999.862196000',
    '2\t90\t90\t1089032999.868817000',
    '3\t86\t86\t1089032999.986040000',
    '4\t86\t86\t1089032999.986353000',
    '5\t90\t90\t1089033016.931117000',
    '6\t86\t86\t1089033016.952114000',
  ];

  it('decompresses gzip', async () => {
    fs.writeFileSync(tmpFile('isup.pcap.gz'), zlib.gzipSync(isup));
    const { rows, source } = await readAll(openCapture(tmpFile('isup.pcap.gz')));
    expect(rows).toEqual(isupRows);
    expect(source.info?.gzip).toBe(true);

    fs.writeFileSync(tmpFile('synthetic.pcapng.gz'), zlib.gzipSync(synthetic));
    const ng = await readAll(openCapture(tmpFile('synthetic.pcapng.gz')));
    expect(ng.rows).toEqual(syntheticExpected.map((expected) => expected.row));
  });

  it('reads what gzip data there is before a cut', async () => {
    const original = fs.readFileSync(openvpnFile('openvpn.pcap'));
    const compressed = zlib.gzipSync(original);
    fs.writeFileSync(tmpFile('cut.pcap.gz'), compressed.subarray(0, compressed.length >> 1));
    const { rows, source } = await readAll(openCapture(tmpFile('cut.pcap.gz')));
    const whole = await readAll(openCapture(openvpnFile('openvpn.pcap')));
    expect(rows.length).toBeGreaterThan(10);
    expect(rows.length).toBeLessThan(105);
    expect(rows).toEqual(whole.rows.slice(0, rows.length));
    expect(source.truncatedAt).toBe(rows.length + 1);
    expect(source.stopReason).toMatch(/gzip data ends early/);
  });

  it('rejects gzip that is not', async () => {
    fs.writeFileSync(tmpFile('bad.gz'), Buffer.from([0x1f, 0x8b, 0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07]));
    await expect(readAll(openCapture(tmpFile('bad.gz')))).rejects.toThrow(/gzip data unreadable/);
  });

  it('reads through a pipe from a child process, plain and compressed', async () => {
    const plain = spawn('cat', [tcpdumpFile('isup.pcap')]);
    expect((await readAll(openStream(plain.stdout, 'cat'))).rows).toEqual(isupRows);

    const compressed = spawn('gzip', ['-c', openvpnFile('openvpn_udp_tls-auth.pcapng')]);
    const { rows, source } = await readAll(openStream(compressed.stdout, 'gzip'));
    expect(rows).toHaveLength(440);
    expect(rows[439]).toBe('440\t123\t123\t1358898799.639028000');
    expect(source.info?.gzip).toBe(true);
  });

  it('hands over each frame of a live stream as soon as it is complete', async () => {
    const stream = new PassThrough();
    const source = openStream(stream, 'live');
    const seen: number[] = [];
    const done = source.run((frame) => {
      seen.push(frame.number);
    });
    const ends = pcapRecordEnds(isup);
    stream.write(isup.subarray(0, 30)); // header and the start of packet 1
    await new Promise((resolve) => setImmediate(resolve));
    expect(seen).toEqual([]);
    stream.write(isup.subarray(30, ends[1]! + 5)); // rest of 1, all of 2, start of 3
    await new Promise((resolve) => setImmediate(resolve));
    expect(seen).toEqual([1, 2]);
    stream.end(isup.subarray(ends[1]! + 5));
    await done;
    expect(seen).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it('stops when the consumer says so', async () => {
    const seen: number[] = [];
    const source = openCapture(openvpnFile('openvpn.pcap'));
    await source.run((frame) => {
      seen.push(frame.number);
      return frame.number < 3;
    });
    expect(seen).toEqual([1, 2, 3]);
    expect(source.truncatedAt).toBeUndefined();
  });

  it('awaits between() after every chunk of a large file', async () => {
    const writer = new PcapWriter(tmpFile('big.pcap'), { linkType: 1 });
    for (let i = 0; i < 30000; i++) writer.write({ seconds: 1_700_000_000 + i, nanos: i * 1000, bytes: payload(100, i) });
    await writer.close();
    let between = 0;
    let count = 0;
    let last = 0;
    await openCapture(tmpFile('big.pcap')).run(
      (frame) => {
        count++;
        if (frame.number !== last + 1 || frame.seconds !== 1_700_000_000 + last) throw new Error(`out of order at ${frame.number}`);
        last = frame.number;
      },
      async () => {
        between++;
        await new Promise((resolve) => setImmediate(resolve));
      },
    );
    expect(count).toBe(30000);
    expect(between).toBe(4); // 3,480,024 bytes in 1 MiB reads
  });

  it('says what is wrong with input that is not a capture', async () => {
    fs.writeFileSync(tmpFile('notes.txt'), 'hello, this is text\n');
    await expect(openCapture(tmpFile('notes.txt')).run(() => {})).rejects.toThrow(
      new CaptureFormatError('not a capture file (unknown magic 0x68656c6c)'),
    );
    fs.writeFileSync(tmpFile('empty.pcap'), '');
    await expect(openCapture(tmpFile('empty.pcap')).run(() => {})).rejects.toThrow(new CaptureFormatError('file is empty'));
    fs.writeFileSync(tmpFile('short.pcap'), isup.subarray(0, 20));
    await expect(openCapture(tmpFile('short.pcap')).run(() => {})).rejects.toThrow(
      new CaptureFormatError('file ends inside the pcap header'),
    );
    fs.writeFileSync(tmpFile('tiny.pcap'), isup.subarray(0, 2));
    await expect(openCapture(tmpFile('tiny.pcap')).run(() => {})).rejects.toThrow(
      new CaptureFormatError('file ends inside the pcap header'),
    );
    fs.writeFileSync(tmpFile('short.pcapng'), synthetic.subarray(0, 20));
    await expect(openCapture(tmpFile('short.pcapng')).run(() => {})).rejects.toThrow(
      new CaptureFormatError('file ends inside the pcapng section header'),
    );
  });

  it('lets a missing file surface as the fs error', async () => {
    await expect(openCapture(tmpFile('no-such-file.pcap')).run(() => {})).rejects.toMatchObject({ code: 'ENOENT' });
  });
});

describe('chunk boundaries', () => {
  const inputs: Array<[string, Uint8Array]> = [
    ['pcap', new Uint8Array(fs.readFileSync(tcpdumpFile('isup.pcap')))],
    ['pcap-nsec', new Uint8Array(fs.readFileSync(tcpdumpFile('tcp-handshake-nano.pcap')))],
    ['pcapng', synthetic],
  ];

  for (const [name, bytes] of inputs) {
    it(`${name}: one byte at a time and random splits give the same frames as one piece`, () => {
      const whole = feedInPieces(bytes, []).frames;
      expect(whole.length).toBeGreaterThan(2);
      const byteByByte = feedInPieces(bytes, Array.from({ length: bytes.length - 1 }, (_, i) => i + 1));
      expect(byteByByte.frames).toEqual(whole);
      expect(byteByByte.parser.truncatedAt).toBeUndefined();

      const random = mulberry32(0x5eed);
      for (let trial = 0; trial < 200; trial++) {
        const cuts = new Set<number>();
        const count = 1 + Math.floor(random() * 12);
        for (let i = 0; i < count; i++) cuts.add(1 + Math.floor(random() * (bytes.length - 1)));
        const split = feedInPieces(bytes, [...cuts].sort((a, b) => a - b));
        expect(split.frames).toEqual(whole);
      }
    });
  }
});

describe('truncated input', () => {
  it('pcap: every cut point yields the whole packets before it, then truncatedAt', async () => {
    const bytes = new Uint8Array(fs.readFileSync(tcpdumpFile('isup.pcap')));
    const ends = pcapRecordEnds(bytes);
    for (let cut = 0; cut <= bytes.length; cut++) {
      const source = openStream(Readable.from([bytes.subarray(0, cut)]), 'cut');
      const run = readAll(source);
      if (cut === 0) {
        await expect(run).rejects.toThrow('file is empty');
        continue;
      }
      if (cut < 24) {
        await expect(run).rejects.toThrow('file ends inside the pcap header');
        continue;
      }
      const { rows } = await run;
      const whole = ends.filter((end) => end <= cut).length;
      expect(rows).toHaveLength(whole);
      expect(source.truncatedAt).toBe(cut === 24 || ends.includes(cut) ? undefined : whole + 1);
    }
  });

  it('pcapng: every cut point yields the whole packets before it, then truncatedAt', async () => {
    for (let cut = 1; cut <= synthetic.length; cut++) {
      const source = openStream(Readable.from([synthetic.subarray(0, cut)]), 'cut');
      const run = readAll(source);
      if (cut < syntheticBlockEnds[0]!) {
        await expect(run).rejects.toThrow('file ends inside the pcapng section header');
        continue;
      }
      const { rows } = await run;
      const whole = syntheticPacketBlocks.filter((index) => syntheticBlockEnds[index]! <= cut).length;
      expect(rows).toEqual(syntheticExpected.slice(0, whole).map((expected) => expected.row));
      expect(source.truncatedAt).toBe(syntheticBlockEnds.includes(cut) ? undefined : whole + 1);
    }
  });

  it('a real capture cut short on disk', async () => {
    // The file ends: packet 440's Enhanced Packet Block (156 bytes), two Interface Statistics Blocks
    // (108 bytes each).
    const original = fs.readFileSync(openvpnFile('openvpn_udp_tls-auth.pcapng'));
    fs.writeFileSync(tmpFile('cut.pcapng'), original.subarray(0, original.length - 216 - 50));
    const { rows, source } = await readAll(openCapture(tmpFile('cut.pcapng')));
    expect(rows).toHaveLength(439);
    expect(source.truncatedAt).toBe(440);
    expect(source.stopReason).toBe('file ends in the middle of packet 440 (106 bytes of it present)');

    // Cut inside the statistics: every packet is there, but the input is still reported damaged.
    fs.writeFileSync(tmpFile('cut-stats.pcapng'), original.subarray(0, original.length - 50));
    const stats = await readAll(openCapture(tmpFile('cut-stats.pcapng')));
    expect(stats.rows).toHaveLength(440);
    expect(stats.source.truncatedAt).toBe(441);
  });
});

describe('whole tcpdump corpus', () => {
  it('reads all 830 files to the end: no errors, 10183 frames', async () => {
    const files = fs.readdirSync(tcpdumpCorpus).filter((name) => /\.pcap(ng)?$/.test(name));
    expect(files).toHaveLength(830);
    let frames = 0;
    const problems: string[] = [];
    for (const name of files) {
      const source = openCapture(path.join(tcpdumpCorpus, name));
      try {
        await source.run(() => {
          frames++;
        });
      } catch (error) {
        problems.push(`${name}: ${(error as Error).message}`);
      }
      if (source.truncatedAt !== undefined) problems.push(`${name}: ${source.stopReason}`);
    }
    expect(problems).toEqual([]);
    // tshark prints 10107 frames; the other 76 are in 14 files whose link types it does not support.
    expect(frames).toBe(10183);
  });
});

describe('PcapWriter', () => {
  it('round trip: microseconds, to a file and to a stream, identical bytes', async () => {
    const { frames } = await readAll(openCapture(openvpnFile('openvpn.pcap')));
    const writer = new PcapWriter(tmpFile('copy.pcap'));
    const collected: Buffer[] = [];
    const stream = new PassThrough();
    stream.on('data', (chunk: Buffer) => collected.push(chunk));
    const streamWriter = new PcapWriter(stream, { linkType: 1 });
    for (const frame of frames) {
      writer.write(frame);
      streamWriter.write(frame);
    }
    await writer.close();
    await streamWriter.close();
    const written = fs.readFileSync(tmpFile('copy.pcap'));
    expect(Buffer.concat(collected).equals(written)).toBe(true);
    // Same bytes as the original apart from the header's snapshot length and reserved fields.
    const original = fs.readFileSync(openvpnFile('openvpn.pcap'));
    expect(written.subarray(24).equals(original.subarray(24))).toBe(true);

    const back = await readAll(openCapture(tmpFile('copy.pcap')));
    expect(back.rows).toEqual(frames.map(row));
    expect(back.frames.map((frame) => Buffer.from(frame.bytes).toString('hex'))).toEqual(
      frames.map((frame) => Buffer.from(frame.bytes).toString('hex')),
    );
    expect(back.source.info).toMatchObject({ format: 'pcap', linkType: 1, snapLength: 262144 });
  });

  it('round trip: nanoseconds kept, or cut to microseconds; snaplen applied', async () => {
    const { frames } = await readAll(openCapture(tcpdumpFile('tcp-handshake-nano.pcap')));
    const nano = new PcapWriter(tmpFile('nano.pcap'), { linkType: 113, nanosecond: true });
    const micro = new PcapWriter(tmpFile('micro.pcap'), { linkType: 113, snapLength: 60 });
    for (const frame of frames) {
      nano.write(frame);
      micro.write(frame);
    }
    await nano.close();
    await micro.close();
    expect((await readAll(openCapture(tmpFile('nano.pcap')))).rows).toEqual([
      '1\t76\t76\t1418145369.924505488',
      '2\t76\t76\t1418145370.052027262',
      '3\t68\t68\t1418145370.052115157',
    ]);
    const cut = await readAll(openCapture(tmpFile('micro.pcap')));
    expect(cut.rows).toEqual([
      '1\t76\t60\t1418145369.924505000',
      '2\t76\t60\t1418145370.052027000',
      '3\t68\t60\t1418145370.052115000',
    ]);
    expect(cut.source.info).toMatchObject({ format: 'pcap', linkType: 113, snapLength: 60 });
    expect(Array.from(cut.frames[0]!.bytes)).toEqual(Array.from(frames[0]!.bytes.subarray(0, 60)));
  });

  it('refuses a frame of another link type', () => {
    const writer = new PcapWriter(new PassThrough(), { linkType: 1 });
    expect(() => writer.write({ number: 4, seconds: 0, nanos: 0, bytes: payload(20, 1), linkType: 101 })).toThrow(
      /frame 4 has link type 101 but the file holds link type 1/,
    );
  });

  it.skipIf(!hasTshark)('tshark reads what it writes (skipped when tshark is not installed)', async () => {
    const { frames } = await readAll(openStream(Readable.from([synthetic]), 'synthetic'));
    const ethernet = frames.filter((frame) => frame.linkType === 1);
    const writer = new PcapWriter(tmpFile('for-tshark.pcap'), { nanosecond: true });
    for (const frame of ethernet) writer.write(frame);
    await writer.close();
    const result = spawnSync(
      'tshark',
      ['-r', tmpFile('for-tshark.pcap'), '-T', 'fields', '-e', 'frame.number', '-e', 'frame.len', '-e', 'frame.cap_len', '-e', 'frame.time_epoch'],
      { encoding: 'utf8' },
    );
    expect(result.status).toBe(0);
    const renumbered = ethernet.map((frame, index) => row({ ...frame, number: index + 1 }));
    expect(result.stdout.trim().split('\n')).toEqual(renumbered);
  });
});
