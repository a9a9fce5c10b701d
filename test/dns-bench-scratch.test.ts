import { it } from 'vitest';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import { Session } from '../src/engine/session.js';
import { Packet } from '../src/engine/packet.js';
import { Buf } from '../src/engine/buf.js';
import { makeFrame } from './util.js';
import { dns } from '../src/protocols/dns.js';

const dp = createRequire(import.meta.url)('dns-packet');
it('bench', () => {
  const msgs = fs.readFileSync('/tmp/dnswork/msgs.txt', 'utf8').trim().split('\n').map((l) => Buffer.from(l.split(' ')[1]!, 'hex'));
  const N = 200000;
  const frame = makeFrame(new Uint8Array(64));
  for (const tree of [false, true]) {
    const s = new Session({ buildTree: tree });
    for (let rep = 0; rep < 3; rep++) {
      const t = process.hrtime.bigint();
      for (let i = 0; i < N; i++) {
        const m = msgs[i % msgs.length]!;
        const p = new Packet(frame, s, tree);
        dns.dissect(Buf.of(m), p, p.root);
      }
      console.log(`vpnscope dns tree=${tree}: ${(Number(process.hrtime.bigint() - t) / N).toFixed(0)} ns/msg`);
    }
  }
  for (let rep = 0; rep < 3; rep++) {
    let t = process.hrtime.bigint();
    for (let i = 0; i < N; i++) {
      const buf = msgs[i % msgs.length]!;
      let off = 12;
      const qd = buf.readUInt16BE(4), rr = buf.readUInt16BE(6) + buf.readUInt16BE(8) + buf.readUInt16BE(10);
      for (let j = 0; j < qd; j++) { dp.question.decode(buf, off); off += dp.question.decode.bytes; }
      for (let j = 0; j < rr; j++) { dp.answer.decode(buf, off); off += dp.answer.decode.bytes; }
    }
    console.log(`dns-packet walk: ${(Number(process.hrtime.bigint() - t) / N).toFixed(0)} ns/msg`);
    t = process.hrtime.bigint();
    for (let i = 0; i < N; i++) dp.decode(msgs[i % msgs.length]!);
    console.log(`dns-packet decode: ${(Number(process.hrtime.bigint() - t) / N).toFixed(0)} ns/msg`);
  }
});
