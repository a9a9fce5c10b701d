/**
 * End to end: each sample rendered as summary lines, the -V tree (with -x) and JSON, compared with
 * the reviewed output kept in test/golden/. A change in what vpnscope shows appears as a readable diff.
 * After an intended change, regenerate with UPDATE_GOLDEN=1 and review the diff before committing.
 */
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { repoRoot, samplesDir } from './util.js';

const bin = path.join(repoRoot, 'bin', 'vpnscope.js');
const goldenDir = path.join(repoRoot, 'test', 'golden');
const update = process.env.UPDATE_GOLDEN === '1';

/** Sample, and how many packets the (large) tree and JSON renderings cover. */
const samples: [string, number][] = [
  ['dns.pcap', 34],
  ['http.pcap', 12],
  ['tls12.pcap', 20],
  ['tls13.pcap', 20],
  ['https.pcap', 12],
  ['frag.pcap', 28],
  ['vlan.pcap', 20],
  ['vxlan.pcap', 14],
  ['nflog.pcap', 12],
  ['wireguard.pcap', 11],
  ['ipsec.pcap', 12],
  ['sll2.pcap', 18],
  ['raw.pcap', 10],
  ['multi-if.pcapng', 18],
  ['nanosecond.pcap', 8],
  ['openvpn/udp-tls.pcap', 16],
  ['openvpn/tcp-tls.pcap', 20],
  ['openvpn/tls-auth-sha256.pcap', 16],
  ['openvpn/tls-crypt-v2.pcap', 8],
  ['openvpn/static-key.pcap', 6],
];

function render(args: string[]): string {
  const r = spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' }, maxBuffer: 64 << 20 });
  expect(r.stderr).toBe('');
  expect(r.status).toBe(0);
  return r.stdout;
}

function check(name: string, actual: string): void {
  const file = path.join(goldenDir, name);
  if (update || !fs.existsSync(file)) {
    if (!update) throw new Error(`missing golden file ${name}: run with UPDATE_GOLDEN=1 and review it`);
    fs.writeFileSync(file, actual);
    return;
  }
  expect(actual).toBe(fs.readFileSync(file, 'utf8'));
}

describe('golden output of the samples', () => {
  for (const [sample, count] of samples) {
    const base = sample.replace(/[/.]/g, '_');
    const file = path.join(samplesDir, sample);
    it(`${sample}: summary, tree with hex, JSON`, () => {
      check(`${base}.summary.txt`, render([file]));
      check(`${base}.tree.txt`, render(['-V', '-x', '-c', String(count), file]));
      const json = render(['-T', 'json', '-c', String(count), file]);
      expect(JSON.parse(json)).toHaveLength(count);
      check(`${base}.json`, json);
    });
  }
});
