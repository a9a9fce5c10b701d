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
import { makeFrame, samplesDir } from './util.js';

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
    const rand = rng(0x5eed);
    const files = sampleFiles();
    expect(files.length).toBeGreaterThan(5);
    let mutations = 0;
    const target = 12_000;
    const pools = (await Promise.all(files.map(readFrames))).filter((p) => p.length > 0);
    const perFile = Math.ceil(target / pools.length);
    for (const frames of pools) {
      const session = new Session({ buildTree: true });
      for (let k = 0; k < perFile; k++) {
        const base = frames[k % frames.length]!;
        const bytes = k % 5 === 0 ? base.bytes : mutate(base.bytes, rand);
        const pkt = session.dissect(makeFrame(bytes, base.linkType, k + 1));
        const lines = [summaryLine(pkt, { timeDecimals: 6 })];
        treeLines(pkt, { explain: false }, lines);
        packetNdjson(pkt, lines);
        expect(lines.length).toBeGreaterThan(1);
        mutations++;
      }
    }
    expect(mutations).toBeGreaterThanOrEqual(10_000);
  }, 300_000);
});
