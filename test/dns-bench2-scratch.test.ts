import { it } from 'vitest';
import fs from 'node:fs';
import { Session } from '../src/engine/session.js';
import { Packet } from '../src/engine/packet.js';
import { Buf } from '../src/engine/buf.js';
import { makeFrame } from './util.js';
import { dns, readName } from '../src/protocols/dns.js';

it('bench2', () => {
  const msgs = fs.readFileSync('/tmp/dnswork/msgs.txt', 'utf8').trim().split('\n').map((l) => Buffer.from(l.split(' ')[1]!, 'hex'));
  const frame = makeFrame(new Uint8Array(64));
  const s = new Session({ buildTree: false });
  const N = 20000;
  msgs.forEach((m, idx) => {
    const t = process.hrtime.bigint();
    let p!: Packet;
    for (let i = 0; i < N; i++) { p = new Packet(frame, s, false); dns.dissect(Buf.of(m), p, p.root); }
    console.log(idx, m.length, (Number(process.hrtime.bigint() - t) / N).toFixed(0), p.info, p.experts.length);
  });
  const b = Buf.of(msgs[0]!);
  let t = process.hrtime.bigint();
  for (let i = 0; i < 200000; i++) readName(b, 12);
  console.log('readName', Number(process.hrtime.bigint() - t) / 200000);
  t = process.hrtime.bigint();
  for (let i = 0; i < 200000; i++) new Packet(frame, s, false);
  console.log('new Packet', Number(process.hrtime.bigint() - t) / 200000);
});
