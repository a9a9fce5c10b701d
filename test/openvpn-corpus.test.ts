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
import { corpusDir } from './util.js';
import { openCapture } from '../src/capture/open.js';
import { Session } from '../src/engine/session.js';
import { table } from '../src/engine/dispatch.js';
import { Buf } from '../src/engine/buf.js';
import { NULL_NODE } from '../src/engine/tree.js';
import { findAll } from '../src/engine/query.js';
import { CaptureFormatError } from '../src/capture/frame.js';

const dir = path.join(corpusDir, 'tcpdump');
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
