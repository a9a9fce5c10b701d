import { it } from 'vitest';
import fs from 'node:fs';
import path from 'node:path';
import { openCapture } from '../src/capture/open.js';
import { Session } from '../src/engine/session.js';
import { Buf } from '../src/engine/buf.js';
import { findAll } from '../src/engine/query.js';
import { judgeControl } from '../src/protocols/openvpn/variant.js';
import { corpusDir } from './util.js';
it('scan', async () => {
  const dir = path.join(corpusDir, 'tcpdump');
  const stats: Record<string, number> = {};
  const bump = (k: string) => (stats[k] = (stats[k] ?? 0) + 1);
  const near: string[] = [];
  for (const f of fs.readdirSync(dir).filter((x) => /\.(pcap|pcapng|cap)$/i.test(x)).sort()) {
    const s = new Session({ buildTree: true });
    try {
      await openCapture(path.join(dir, f)).run((fr) => {
        const p = s.dissect(fr);
        for (const proto of ['udp', 'tcp']) for (const n of findAll(p.root, `${proto}.payload`)) {
          let b = Buf.of(n.value as Uint8Array);
          if (proto === 'tcp') { if (b.length < 2) { bump('tcp-short'); continue; } const l = b.u16(0); if (l + 2 > b.length || l < 14) { bump('tcp-length-prefix-mismatch'); continue; } b = b.sub(2, l); }
          if (b.length < 14) { bump(`${proto}-short`); continue; }
          const b0 = b.u8(0); const op = b0 >> 3;
          if (![1,2,7,8,10].includes(op) || (b0 & 7) !== 0) { bump(`${proto}-not-reset-opcode`); continue; }
          bump(`${proto}-reset-opcode-key0`);
          const j = judgeControl(b, { seconds: fr.seconds, knownSids: new Set(), peerSid: null })[0];
          bump(`${proto}-judged-best-score-${j ? j.score : 'none'}`);
          near.push(`${f}#${p.number} ${proto} op=${op} len=${b.length} best=${j ? j.score + ' ' + j.wrap.kind + ' ' + j.reasons.join(';') : 'none'}`);
        }
      });
    } catch { /* */ }
  }
  fs.writeFileSync('/tmp/ovdev/scan2.txt', JSON.stringify(stats, null, 1) + '\n' + near.join('\n') + '\n');
}, 600000);
