import { it } from 'vitest';
import { Session } from '../src/engine/session.js';
import { openCapture } from '../src/capture/open.js';
import { fieldValues } from './util.js';
import * as eth from '../src/protocols/eth.js';
import * as ip from '../src/protocols/ip.js';
import * as ipv6 from '../src/protocols/ipv6.js';
import * as nul from '../src/protocols/null.js';
import * as rawip from '../src/protocols/rawip.js';
import * as sll from '../src/protocols/sll.js';
for (const m of [eth, ip, ipv6, nul, rawip, sll]) m.register();
import { findAll } from '../src/engine/query.js';
import { nodeLabel } from '../src/engine/format.js';
import type { Node } from '../src/engine/tree.js';

function dump(n: Node, depth: number, out: string[]) {
  for (const k of n.children ?? []) {
    if (k.flags & 2) continue;
    out.push('    '.repeat(depth) + nodeLabel(k));
    dump(k, depth + 1, out);
  }
}
it('scratch', async () => {
  const file = process.env.PCAP!;
  const s = new Session({});
  const lines: string[] = [];
  await openCapture(file).run((f) => {
    const p = s.dissect(f);
    const fields = ['dns.qry.name', 'dns.qry.type', 'dns.flags.rcode', 'dns.a', 'dns.aaaa', 'dns.cname', 'dns.mx.mail_exchange', 'dns.txt', 'dns.srv.port', 'dns.response_to', 'dns.time'];
    if (!p.layers.some((l) => l === 'dns' || l === 'mdns' || l === 'llmnr')) return;
    lines.push([f.number, ...fields.map((a) => fieldValues(p, a).join(',')), p.info].join('|'));
    if (process.env.TREE) {
      const dnsNode = [...findAll(p.root, 'dns'), ...findAll(p.root, 'mdns'), ...findAll(p.root, 'llmnr')][0];
      const out: string[] = [nodeLabel(dnsNode!)];
      dump(dnsNode!, 1, out);
      lines.push(out.join('\n'), '');
    }
  });
  console.log(lines.join('\n'));
});
