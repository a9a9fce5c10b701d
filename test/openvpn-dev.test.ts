import { createRequire } from "node:module"; const require = createRequire(import.meta.url);
import { it } from 'vitest';
import { dissectCapture } from './openvpn-capture.js';
import { OpenvpnSessions } from '../src/stats/openvpn.js';
import { findAll } from '../src/engine/query.js';
import { nodeLabel } from '../src/engine/format.js';
import type { Node } from '../src/engine/tree.js';

function dump(n: Node, depth: number, out: string[]) {
  for (const k of n.children ?? []) { out.push('  '.repeat(depth) + nodeLabel(k)); dump(k, depth + 1, out); }
}
it('dev', async () => {
  const file = process.env.CAP!;
  const pkts = await dissectCapture(file, { prefs: process.env.WRAP ? { 'openvpn.wrap': process.env.WRAP } : {} });
  const lines: string[] = [];
  for (const p of pkts) {
    lines.push(`${p.number} ${p.protocolColumn} ${p.info}`);
    if (process.env.TREE && String(p.number).match(new RegExp(`^(${process.env.TREE})$`))) { const o: string[] = []; dump(p.root, 1, o); lines.push(...o); }
  }
  const st = new OpenvpnSessions('openvpn,sessions'); for (const p of pkts) st.onPacket(p); lines.push(st.text());
  require("fs").writeFileSync(process.env.OUT ?? "/tmp/ovdev/out.txt", lines.join("\n") + "\n");
});
