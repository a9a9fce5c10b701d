import { it } from 'vitest';
import { Session } from '../src/engine/session.js';
import { makeFrame } from './util.js';
import { readFrames } from './openvpn-capture.js';
it('perf', async () => {
  const frames = await readFrames(process.env.CAP!);
  for (const tree of [false, true]) {
    const N = 200;
    const t0 = performance.now();
    let n = 0;
    for (let i = 0; i < N; i++) { const s = new Session({ buildTree: tree }); for (const f of frames) { s.dissect(f); n++; } }
    const dt = performance.now() - t0;
    console.log(`tree=${tree} ${n} packets ${(n / dt * 1000).toFixed(0)} pkt/s`);
  }
  // without openvpn: disable by decode-as? measure UDP only baseline
  const N = 200; const t0 = performance.now(); let n = 0;
  for (let i = 0; i < N; i++) { const s = new Session({ buildTree: false, decodeAs: [{ table: 'udp.port', key: 1194, protocol: 'data' }], disabledHeuristics: ['openvpn'] }); for (const f of frames) { s.dissect(f); n++; } }
  console.log(`baseline (no openvpn) ${(n / (performance.now() - t0) * 1000).toFixed(0)} pkt/s`);
  void makeFrame;
}, 120000);
