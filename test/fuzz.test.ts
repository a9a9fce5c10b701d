/**
 * Mutation fuzzing over real frames: every frame of the sample captures is mutated many ways (bit
 * flips, overwritten bytes, length fields set to extremes, truncation, inserted and deleted bytes) and
 * dissected in a running session, then rendered. Dissection must never throw and always terminate.
 * Deterministic: a fixed seed, so a failure is reproducible.
 */
import { describe, expect, it } from 'vitest';
import fs from 'node:fs';
import path from 'node:path';
import { Session } from '../src/engine/session.js';
import { openCapture } from '../src/capture/open.js';
import { summaryLine, treeLines } from '../src/render/text.js';
import { packetNdjson } from '../src/render/json.js';
import { corpusDir, makeFrame, samplesDir } from './util.js';
import type { Packet } from '../src/engine/packet.js';
import { findAll } from '../src/engine/query.js';

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function mutate(src: Uint8Array, rand: () => number): Uint8Array {
  const pick = (n: number) => Math.floor(rand() * n);
  let b = Uint8Array.from(src);
  const rounds = 1 + pick(4);
  for (let r = 0; r < rounds && b.length > 0; r++) {
    switch (pick(7)) {
      case 0: // flip a bit
        b[pick(b.length)]! ^= 1 << pick(8);
        break;
      case 1: // random byte
        b[pick(b.length)] = pick(256);
        break;
      case 2: // a 16-bit field to an extreme (lengths, counts, offsets)
        if (b.length >= 2) {
          const i = pick(b.length - 1);
          const v = [0, 1, 0xff, 0x7fff, 0xffff][pick(5)]!;
          b[i] = v >> 8;
          b[i + 1] = v & 255;
        }
        break;
      case 3: // truncate
        b = b.subarray(0, pick(b.length));
        break;
      case 4: { // insert random bytes
        const at = pick(b.length + 1);
        const ins = Uint8Array.from({ length: 1 + pick(8) }, () => pick(256));
        const n = new Uint8Array(b.length + ins.length);
        n.set(b.subarray(0, at));
        n.set(ins, at);
        n.set(b.subarray(at), at + ins.length);
        b = n;
        break;
      }
      case 5: { // delete a run
        const at = pick(b.length);
        const len = Math.min(1 + pick(8), b.length - at);
        const n = new Uint8Array(b.length - len);
        n.set(b.subarray(0, at));
        n.set(b.subarray(Math.min(b.length, at + len)), at);
        b = n;
        break;
      }
      case 6: // duplicate a slice over another place (confuses pointers and TLVs)
        if (b.length > 8) {
          const from = pick(b.length - 4);
          const to = pick(b.length - 4);
          b.copyWithin(to, from, from + 4);
        }
        break;
    }
  }
  return b;
}

function sampleFiles(): string[] {
  const out: string[] = [];
  const walk = (dir: string) => {
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (/\.(pcap|pcapng)$/.test(e.name)) out.push(p);
    }
  };
  if (fs.existsSync(samplesDir)) walk(samplesDir);
  return out.sort();
}

async function readFrames(file: string): Promise<{ bytes: Uint8Array; linkType: number }[]> {
  const frames: { bytes: Uint8Array; linkType: number }[] = [];
  const src = openCapture(file);
  try {
    await src.run((f) => {
      frames.push({ bytes: Uint8Array.from(f.bytes), linkType: f.linkType });
    });
  } catch {
    // A sample that is deliberately not a capture contributes nothing.
  }
  return frames;
}

describe('mutation fuzzing of real frames', () => {
  it('never throws and always terminates (≥ 10,000 mutations)', async () => {
    const files = sampleFiles();
    expect(files.length).toBeGreaterThan(5);
    const pools = (await Promise.all(files.map(readFrames))).filter((p) => p.length > 0);
    expect(await fuzzPools(pools, 12_000, 0x5eed)).toBeGreaterThanOrEqual(10_000);
  }, 300_000);
});

/** Runs `count` frames (by default one in five unchanged, the rest mutated) through one session per pool. */
async function fuzzPools(pools: { bytes: Uint8Array; linkType: number }[][], count: number, seed: number, prefs: Record<string, string> = {},
  onPacket: (pkt: Packet) => void = () => {}, mutated: (k: number) => boolean = (k) => k % 5 !== 0): Promise<number> {
  const rand = rng(seed);
  let mutations = 0;
  const perPool = Math.ceil(count / pools.length);
  for (const frames of pools) {
    const session = new Session({ buildTree: true, prefs });
    for (let k = 0; k < perPool; k++) {
      const base = frames[k % frames.length]!;
      const bytes = mutated(k) ? mutate(base.bytes, rand) : base.bytes;
      const pkt = session.dissect(makeFrame(bytes, base.linkType, k + 1));
      const lines = [summaryLine(pkt, { timeDecimals: 6 })];
      treeLines(pkt, { explain: false }, lines);
      packetNdjson(pkt, lines);
      expect(lines.length).toBeGreaterThan(1);
      onPacket(pkt);
      mutations++;
    }
  }
  return mutations;
}

describe('mutation fuzzing of the link layers, tunnels and VPN control protocols only the tcpdump corpus has', () => {
  const names = ['pptp.pcap', 'pppoe.pcap', 'pppoes.pcap', 'e1000g.pcap', 'arcnet-rfc1201-arp-icmp-http.pcap', 'arcnet-rfc1051-arp-icmp-http.pcap',
    'erspan-type-iii-ft-0.pcap', 'erspan-type-iii-ft-7.pcap', 'various_gre.pcap', 'accecn_handshake.pcap', 'tfo-5c1fa7f9ae91.pcap', 'ssh.pcap'];
  const files = names.map((n) => path.join(corpusDir, 'tcpdump', n)).filter((f) => fs.existsSync(f));
  it.skipIf(files.length === 0)('PPTP, PPP, PPPoE, IPNET, ARCNET, ERSPAN III, Cisco MetaData, AccECN, TFO and SSH never throw (3,000 mutations)', async () => {
    const pools = (await Promise.all(files.map(readFrames))).filter((p) => p.length > 0);
    const bugs: string[] = [];
    const collect = (pkt: Packet) => {
      for (const e of pkt.experts) if (e.message.startsWith('Dissector bug')) bugs.push(`#${pkt.number}: ${e.message}`);
    };
    expect(await fuzzPools(pools, 3000, 0xacce, {}, collect)).toBeGreaterThanOrEqual(3000);
    expect(bugs).toEqual([]);
  }, 300_000);
});

describe('mutation fuzzing of OpenVPN data packets opened with their keys', () => {
  const dir = path.join(samplesDir, 'openvpn');
  const variants: [string, Record<string, string>][] = [
    ['udp-tls', { 'tls.keylog_file': path.join(dir, 'keys', 'udp-tls.keylog') }],
    ['cbc', { 'tls.keylog_file': path.join(dir, 'keys', 'cbc.keylog') }],
    ['compress', { 'tls.keylog_file': path.join(dir, 'keys', 'compress.keylog') }],
    ['static-key', { 'openvpn.static_key': path.join(dir, 'keys', 'static.key') }],
  ];
  it.skipIf(!fs.existsSync(dir))('a mutated packet fails its tag or HMAC, or opens to bytes that are dissected, and never throws (2,000 mutations)', async () => {
    let mutations = 0;
    const outcome = { opened: 0, refused: 0 };
    const count = (pkt: Packet) => {
      if (findAll(pkt.root, 'openvpn.data.decrypted').length) outcome.opened++;
      if (findAll(pkt.root, 'openvpn.data.not_decrypted').length) outcome.refused++;
    };
    for (const [name, prefs] of variants) {
      const frames = await readFrames(path.join(dir, `${name}.pcap`));
      mutations += await fuzzPools([frames], 500, 0x0b0e + mutations, prefs, count);
    }
    expect(mutations).toBe(2000);
    // The unchanged fifth (and mutations outside the authenticated bytes) open; mutated ciphertext is refused.
    expect(outcome.opened).toBeGreaterThan(100);
    expect(outcome.refused).toBeGreaterThan(100);
  }, 300_000);
});

describe('mutation fuzzing of TLS decrypted with a key log: HTTPS, HTTP/2, DoH and OpenVPN control channels', () => {
  const runs: [string, Record<string, string>][] = [
    [path.join(samplesDir, 'https.pcap'), { 'tls.keylog_file': path.join(samplesDir, 'https.keylog') }],
    [path.join(samplesDir, 'openvpn', 'udp-tls.pcap'), { 'tls.keylog_file': path.join(samplesDir, 'openvpn', 'keys', 'udp-tls.keylog') }],
    [path.join(samplesDir, 'openvpn', 'prf.pcap'), { 'tls.keylog_file': path.join(samplesDir, 'openvpn', 'keys', 'prf.keylog') }],
    [path.join(samplesDir, 'http2.pcap'), { 'tls.keylog_file': path.join(samplesDir, 'http2.keylog') }],
    [path.join(samplesDir, 'doh.pcap'), { 'tls.keylog_file': path.join(samplesDir, 'doh.keylog') }],
  ];
  it.skipIf(!runs.every(([f]) => fs.existsSync(f)))('mutated records fail to verify or open to bytes that are dissected, and nothing throws (2,500 mutated of 7,500 frames)', async () => {
    const seen = { decryptedTls: 0, controlMessages: 0, http: 0 };
    const bugs: string[] = [];
    const count = (pkt: Packet) => {
      for (const e of pkt.experts) if (e.message.startsWith('Dissector bug')) bugs.push(`#${pkt.number}: ${e.message}`);
      if (pkt.extraSources?.some((s) => s.name.startsWith('Decrypted TLS'))) seen.decryptedTls++;
      if (findAll(pkt.root, 'openvpn-ctrl').length) seen.controlMessages++;
      if (findAll(pkt.root, 'http').length) seen.http++;
    };
    let mutations = 0;
    // One frame in three mutated, so sessions get far enough to be decrypted between the damage.
    for (const [file, prefs] of runs) mutations += await fuzzPools([await readFrames(file)], 1500, 0x7157 + mutations, prefs, count, (k) => k % 3 === 1);
    expect(mutations).toBe(7500);
    // Decryption happens on the first pass over each capture (later passes repeat its TCP sequence
    // numbers and UDP packet ids, so they are retransmissions and replays): records the mutations
    // spared are opened, the others refused.
    expect(bugs).toEqual([]);
    expect(seen.decryptedTls).toBeGreaterThanOrEqual(20);
    expect(seen.controlMessages).toBeGreaterThanOrEqual(2);
    expect(seen.http).toBeGreaterThanOrEqual(5);
  }, 300_000);
});
