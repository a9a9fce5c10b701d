import { it } from 'vitest';
import { writeFileSync } from 'node:fs';
import { dissectCapture } from './openvpn-capture.js';
import { ovpnRecords } from './openvpn-fixture.js';
it('dump', async () => {
  const pkts = await dissectCapture(process.env.CAP!, { prefs: process.env.WRAP ? { 'openvpn.wrap': process.env.WRAP } : {} });
  writeFileSync(process.env.OUT!, JSON.stringify(pkts.flatMap((p) => ovpnRecords(p))));
});
