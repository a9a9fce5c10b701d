/**
 * The OpenVPN heuristics against hostile input: every capture of tcpdump's test suite
 * (../shared/corpus/tcpdump, many deliberately malformed). Two passes:
 *  - the whole pipeline, counting the packets OpenVPN ends up decoding (by port or heuristic);
 *  - the UDP and TCP heuristics called directly on every UDP and TCP payload of the corpus, including
 *    those a port table claimed first, so every payload is tried.
 * Neither may throw. None of these captures holds OpenVPN (no packet uses port 1194 and no payload
 * is an OpenVPN reset), so the heuristics must claim nothing.
 */
import { describe, expect, it } from 'vitest';
import fs from 'node:fs';
import path from 'node:path';
import { corpusDir, samplesDir } from './util.js';
import { readFrames } from './openvpn-capture.js';
import { openCapture } from '../src/capture/open.js';
import { Session } from '../src/engine/session.js';
import { table } from '../src/engine/dispatch.js';
import { Buf } from '../src/engine/buf.js';
import { NULL_NODE } from '../src/engine/tree.js';
import { findAll } from '../src/engine/query.js';
import { CaptureFormatError } from '../src/capture/frame.js';

const dir = path.join(corpusDir, 'tcpdump');
const sampleDir = path.join(samplesDir, 'openvpn');
const files = fs.existsSync(dir) ? fs.readdirSync(dir).filter((f) => /\.(pcap|pcapng|cap)$/i.test(f)).sort() : [];

describe('OpenVPN heuristics on the tcpdump corpus', () => {
  it('never throw and claim no packet', async () => {
    expect(files.length).toBeGreaterThan(800);
    const udpH = table('udp.port').heuristics.find((h) => h.protocol.abbrev === 'openvpn')!;
    const tcpH = table('tcp.port').heuristics.find((h) => h.protocol.abbrev === 'openvpn')!;
    expect(udpH && tcpH).toBeTruthy();
    let frames = 0;
    let tried = 0;
    const decoded: string[] = [];
    const claimed: string[] = [];
    for (const f of files) {
      const s = new Session({ buildTree: true });
      try {
        await openCapture(path.join(dir, f)).run((fr) => {
          frames++;
          const p = s.dissect(fr);
          if (p.layers.includes('openvpn')) decoded.push(`${f}#${p.number}`);
          for (const [proto, h] of [['udp', udpH], ['tcp', tcpH]] as const) {
            for (const n of findAll(p.root, `${proto}.payload`)) {
              tried++;
              // Direct calls: any exception fails the test.
              if (h.test(Buf.of(n.value as Uint8Array), p, NULL_NODE)) claimed.push(`${f}#${p.number}`);
            }
          }
        });
      } catch (e) {
        if (!(e instanceof CaptureFormatError)) throw e;
      }
    }
    if (process.env.OPENVPN_CORPUS_REPORT) console.log(`frames ${frames}, UDP/TCP payloads tried ${tried}, decoded ${decoded.length}, claimed ${claimed.length}`);
    expect(frames).toBeGreaterThan(5000);
    expect(tried).toBeGreaterThan(1000);
    expect(decoded).toEqual([]);
    expect(claimed).toEqual([]);
  }, 300_000);
});

/** A small deterministic generator, so a failure can be replayed. */
function rng(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 0x100000000;
  };
}

describe('OpenVPN dissector state under mutated sessions', () => {
  it('never throws, never reports a dissector bug, on sessions with flipped, cut and shuffled packets', async () => {
    const caps = fs.existsSync(sampleDir) ? fs.readdirSync(sampleDir).filter((f) => f.endsWith('.pcap')).sort() : [];
    expect(caps.length).toBeGreaterThan(10);
    const rand = rng(20240611);
    let packets = 0;
    const bugs: string[] = [];
    for (const cap of caps) {
      const frames = await readFrames(path.join(sampleDir, cap));
      for (let round = 0; round < 12; round++) {
        const s = new Session({ buildTree: round % 2 === 0 });
        // Shuffle a little (reordering, duplicates), then damage bytes after the IP/UDP headers.
        const order = frames.map((_, i) => i);
        for (let k = 0; k < 4; k++) {
          const i = Math.floor(rand() * order.length);
          const j = Math.floor(rand() * order.length);
          [order[i], order[j]] = [order[j]!, order[i]!];
        }
        if (round % 3 === 0) order.push(order[Math.floor(rand() * order.length)]!);
        for (const i of order) {
          const f = frames[i]!;
          const bytes = f.bytes.slice();
          const from = Math.min(bytes.length, 42);
          const flips = Math.floor(rand() * 4);
          for (let k = 0; k < flips && bytes.length > from; k++) bytes[from + Math.floor(rand() * (bytes.length - from))] ^= 1 << Math.floor(rand() * 8);
          const cut = rand() < 0.1 ? Math.max(from, Math.floor(rand() * bytes.length)) : bytes.length;
          const p = s.dissect({ ...f, bytes: bytes.subarray(0, cut), capturedLength: cut });
          packets++;
          for (const e of p.experts) if (/Dissector bug/.test(e.message)) bugs.push(`${cap} round ${round} frame ${f.number}: ${e.message}`);
        }
      }
    }
    expect(packets).toBeGreaterThan(3000);
    expect(bugs).toEqual([]);
  }, 300_000);
});
