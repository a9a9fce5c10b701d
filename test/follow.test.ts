/**
 * -z follow,tcp|udp|tls,ascii|hex|raw,STREAM[,RANGE]: a conversation's payload printed as tshark
 * prints it. Outputs were compared with tshark 4.0.17 on the samples when written, and are compared
 * again here when tshark is installed.
 */
import { describe, expect, it } from 'vitest';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { repoRoot, samplesDir } from './util.js';

const bin = path.join(repoRoot, 'bin', 'vpnscope.js');
const hasTshark = spawnSync('tshark', ['--version'], { stdio: 'ignore' }).status === 0;
const sample = (name: string) => path.join(samplesDir, name);

function vpnscope(args: string[]): string {
  const r = spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', maxBuffer: 64 << 20 });
  expect(r.stderr).toBe('');
  expect(r.status).toBe(0);
  return r.stdout;
}

const tshark = (args: string[]): string => spawnSync('tshark', args, { encoding: 'utf8', maxBuffer: 64 << 20 }).stdout;

describe('-z follow', () => {
  it('tcp,ascii: the header, then each in-order segment\'s bytes with its length, the server\'s indented', () => {
    const out = vpnscope(['-q', '-z', 'follow,tcp,ascii,0', sample('http.pcap')]);
    expect(out.split('\n').slice(0, 7)).toEqual(['', '='.repeat(67), 'Follow: tcp,ascii', 'Filter: tcp.stream eq 0', 'Node 0: 10.53.0.2:41001', 'Node 1: 10.53.0.1:80', '83']);
    expect(out).toContain('83\nGET /index.html HTTP/1.1\r\nHost: 10.53.0.1\r\n');
    expect(out).toContain('\n\t393\nHTTP/1.1 200 OK\r\n');
    expect(out.endsWith(`${'='.repeat(67)}\n`)).toBe(true);
  });

  it.skipIf(!hasTshark)('equals tshark: TCP streams in every mode (the 256 KiB body over 180 segments, a chunked reply), a DNS UDP stream, two endpoints, a chunk range', () => {
    const cases: [string, string][] = [
      ['http.pcap', 'follow,tcp,ascii,0'], ['http.pcap', 'follow,tcp,hex,0'], ['http.pcap', 'follow,tcp,raw,0'],
      ['http.pcap', 'follow,tcp,ascii,5'], ['http.pcap', 'follow,tcp,hex,5'], ['http.pcap', 'follow,tcp,raw,3'], ['http.pcap', 'follow,tcp,ascii,8'],
      ['dns.pcap', 'follow,udp,ascii,2'], ['dns.pcap', 'follow,udp,hex,2'],
      ['http.pcap', 'follow,tcp,ascii,10.53.0.2:41001,10.53.0.1:80'], ['http.pcap', 'follow,tcp,ascii,0,2'],
    ];
    for (const [file, spec] of cases) expect(vpnscope(['-q', '-z', spec, sample(file)]), spec).toBe(tshark(['-q', '-z', spec, '-r', sample(file)]));
  });

  it('tls: the decrypted application data of each record, client first', () => {
    const keys = ['-o', `tls.keylog_file:${sample('https.keylog')}`];
    const out = vpnscope(['-q', '-z', 'follow,tls,ascii,3', ...keys, sample('https.pcap')]);
    expect(out).toContain('Node 0: 10.54.0.2:41004\nNode 1: 10.54.0.1:443\n');
    expect(out).toContain('GET /hello.txt HTTP/1.1\r\nHost: vpnscope.test\r\n');
    expect(out).toContain('\r\n\r\nhello from vpnscope\n');
    // Without the key log there is nothing to follow.
    expect(vpnscope(['-q', '-z', 'follow,tls,ascii,3', sample('https.pcap')])).not.toContain('GET');
  });

  it.skipIf(!hasTshark)('tls: the same bytes in the same order as tshark (whose 4.0 follow names the nodes differently)', () => {
    const keys = ['-o', `tls.keylog_file:${sample('https.keylog')}`];
    const bytes = (text: string) => text.split('\n').slice(6).filter((l) => !l.startsWith('=')).join('').replace(/\t/g, '');
    for (let s = 0; s < 8; s++) {
      const spec = `follow,tls,raw,${s}`;
      expect(bytes(vpnscope(['-q', '-z', spec, ...keys, sample('https.pcap')])), spec).toBe(bytes(tshark(['-q', '-z', spec, ...keys, '-r', sample('https.pcap')])));
    }
  });

  it('bad arguments are one clear error', () => {
    for (const [spec, message] of [['follow,sctp,ascii,0', 'tcp, udp or tls'], ['follow,tcp,ebcdic,0', 'ascii, hex or raw'], ['follow,tcp,ascii,x', 'stream index']]) {
      const r = spawnSync(process.execPath, [bin, '-q', '-z', spec!, sample('http.pcap')], { encoding: 'utf8' });
      expect(r.status).not.toBe(0);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stderr).toContain(message);
    }
  });
});
