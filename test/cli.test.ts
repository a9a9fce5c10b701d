/**
 * The command line as a user meets it: exit codes, one-line errors, output formats and flags.
 * Runs the built program (npm test compiles first).
 */
import { describe, expect, it, vi } from 'vitest';
import { runFile, type RunOptions } from '../src/cli/run.js';
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { corpusDir, repoRoot, samplesDir } from './util.js';

const bin = path.join(repoRoot, 'bin', 'vpnscope.js');

function run(args: string[], input?: Buffer) {
  const r = spawnSync(process.execPath, [bin, ...args], { input, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

const dns = path.join(samplesDir, 'dns.pcap');

describe('vpnscope command line', () => {
  it('prints one summary line per packet', () => {
    const r = run([dns]);
    expect(r.code).toBe(0);
    expect(r.err).toBe('');
    const lines = r.out.trimEnd().split('\n');
    expect(lines).toHaveLength(34);
    expect(lines[0]).toMatch(/^ {4}1 {3}0\.000000 /);
  });

  it('stops after -c packets', () => {
    const r = run(['-c', '3', dns]);
    expect(r.out.trimEnd().split('\n')).toHaveLength(3);
  });

  it('reads a gzip-compressed capture and standard input alike', () => {
    const plain = run([dns]).out;
    expect(run([path.join(samplesDir, 'dns.pcap.gz')]).out).toBe(plain);
    expect(run(['-r', '-'], fs.readFileSync(dns)).out).toBe(plain);
  });

  it('reports a missing file in one line with exit status 3', () => {
    const r = run(['/nonexistent/capture.pcap']);
    expect(r.code).toBe(3);
    expect(r.err).toBe('vpnscope: /nonexistent/capture.pcap: no such file\n');
    expect(r.out).toBe('');
  });

  it('names a file that is not a capture and says what is wrong', () => {
    const r = run([path.join(repoRoot, 'package.json')]);
    expect(r.code).toBe(3);
    expect(r.err.trimEnd().split('\n')).toHaveLength(1);
    expect(r.err).toMatch(/^vpnscope: .*package\.json: not a capture file/);
  });

  it('checks -o preferences before reading: unknown names and bad values are one line and exit 1, an unreadable key file a warning', () => {
    const unknown = run(['-o', 'tcp.analyse_everything:TRUE', dns]);
    expect([unknown.code, unknown.out, unknown.err]).toEqual([1, '', 'vpnscope: -o tcp.analyse_everything: no such preference (vpnscope -G prefs lists them)\n']);
    const bad = run(['-o', 'tcp.check_checksum:sometimes', dns]);
    expect([bad.code, bad.err]).toEqual([1, "vpnscope: -o tcp.check_checksum takes TRUE or FALSE, not 'sometimes'\n"]);
    const missing = run(['-o', 'tls.keylog_file:/nonexistent/keys.log', '-c', '1', dns]);
    expect(missing.code).toBe(0);
    expect(missing.out.trimEnd().split('\n')).toHaveLength(1);
    expect(missing.err).toBe('vpnscope: warning: -o tls.keylog_file: cannot read /nonexistent/keys.log; nothing is decrypted with it\n');
    // Booleans as Wireshark writes them, in any case.
    expect(run(['-o', 'tcp.relative_sequence_numbers:false', '-c', '1', dns]).code).toBe(0);
    const prefs = run(['-G', 'prefs']).out.split('\n').map((l) => l.split('\t')[0]);
    expect(prefs).toEqual(expect.arrayContaining(['tls.keylog_file', 'openvpn.static_key', 'openvpn.tls_crypt_key', 'openvpn.wrap', 'tcp.desegment_tcp_streams']));
  });

  it('rejects an unknown flag in one line with exit status 1', () => {
    const r = run(['--bogus', dns]);
    expect(r.code).toBe(1);
    expect(r.err.trimEnd().split('\n')).toHaveLength(1);
    expect(r.err).toContain("unknown option '--bogus'");
    expect(r.err).not.toMatch(/\bat .*\.js:\d+/);
  });

  it('shows every whole packet of a truncated file, then warns and exits 2', () => {
    const r = run([path.join(samplesDir, 'truncated.pcap')]);
    expect(r.code).toBe(2);
    expect(r.out.trimEnd().split('\n')).toHaveLength(33);
    expect(r.err).toMatch(/^vpnscope: .*truncated\.pcap: file ends in the middle of packet 34 \(\d+ bytes of it present\)\n$/);
  });

  it('rejects a bad display filter before reading, with a caret under the problem (exit 4)', () => {
    const r = run(['-Y', 'dns.qyr.name == "x"', dns]);
    expect(r.code).toBe(4);
    expect(r.out).toBe('');
    const [first, filter, caret] = r.err.split('\n');
    expect(first).toBe("vpnscope: invalid display filter: unknown field 'dns.qyr.name' — did you mean dns.qry.name?");
    expect(filter).toBe('    dns.qyr.name == "x"');
    expect(caret).toBe('    ^^^^^^^^^^^^');
  });

  it('writes tshark-shaped JSON that parses, with one element per packet', () => {
    const r = run(['-T', 'json', '-c', '5', dns]);
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.out);
    expect(doc).toHaveLength(5);
    expect(doc[0]._index).toMatch(/^packets-\d{4}-\d\d-\d\d$/);
    expect(doc[0]._source.layers.frame['frame.number']).toBe('1');
    expect(Object.keys(doc[2]._source.layers)).toEqual(['frame', 'eth', 'ip', 'udp', 'dns']);
    // Repeated keys become arrays instead of silently losing values.
    expect(doc[2]._source.layers.udp['udp.port']).toEqual(['40001', '53']);
  });

  it('streams one JSON document per line with -T ndjson', () => {
    const r = run(['-T', 'ndjson', dns]);
    const lines = r.out.trimEnd().split('\n');
    expect(lines).toHaveLength(34);
    for (const l of lines) expect(JSON.parse(l)._source.layers.frame).toBeDefined();
  });

  it('prints tab-separated fields like tshark -T fields', () => {
    const r = run(['-T', 'fields', '-e', 'frame.number', '-e', 'ip.src', '-e', 'udp.port', '-E', 'header=y', '-c', '3', dns]);
    expect(r.out.split('\n').slice(0, 4)).toEqual(['frame.number\tip.src\tudp.port', '1\t\t', '2\t\t', '3\t10.53.0.2\t40001,53']);
  });

  it.skipIf(!fs.existsSync(corpusDir))('-T fields writes fields without a value, protocols and expert infos as tshark does', () => {
    // tshark 4.0.17 on frame 86 of tcpdump's of13_ericsson.pcapng: "1" for a field without a value,
    // a protocol's summary line, expert infos by their label, message and Wireshark's numeric codes.
    const file = path.join(corpusDir, 'tcpdump', 'of13_ericsson.pcapng');
    const fields = ['tcp.analysis', 'tcp.analysis.ack_lost_segment', 'tcp', 'ip', '_ws.expert', '_ws.expert.message', '_ws.expert.severity', '_ws.expert.group'];
    const r = run(['-T', 'fields', ...fields.flatMap((f) => ['-e', f]), '-Y', 'frame.number == 86', file]);
    expect(r.out.trimEnd().split('\t')).toEqual([
      '1',
      '1',
      'Transmission Control Protocol, Src Port: 6633, Dst Port: 34887, Seq: 1073, Ack: 2705, Len: 16',
      'Internet Protocol Version 4, Src: 127.0.0.1, Dst: 127.0.0.1',
      'Expert Info (Warning/Sequence): Previous segment(s) not captured (common at capture start),Expert Info (Warning/Sequence): ACKed segment that wasn\'t captured (common at capture start)',
      'Previous segment(s) not captured (common at capture start),ACKed segment that wasn\'t captured (common at capture start)',
      '6291456,6291456',
      '33554432,33554432',
    ]);
  });

  it('leaves a piped standard output in blocking mode, so a slow reader is waited for, not polled', async () => {
    // The pipe's write end is shared with the child, so a flag the child sets on it shows in
    // /proc/self/fdinfo while the child runs (Node restores the flags at exit). The reader waits a
    // second before draining: the child fills the pipe and must block in write, not spin on EAGAIN.
    const fifo = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'vpnscope-')), 'out');
    expect(spawnSync('mkfifo', [fifo]).status).toBe(0);
    const reader = fs.openSync(fifo, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK);
    const writer = fs.openSync(fifo, 'w');
    const O_NONBLOCK = 0o4000;
    const flags = () => parseInt(/flags:\s+(\d+)/.exec(fs.readFileSync(`/proc/self/fdinfo/${writer}`, 'utf8'))![1], 8);
    const child = spawn(process.execPath, [bin, '-V', dns], { stdio: ['ignore', writer, 'ignore'], env: { ...process.env, NO_COLOR: '1' } });
    const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
    const seen: number[] = [];
    for (let i = 0; i < 20; i++) {
      seen.push(flags() & O_NONBLOCK);
      await new Promise((r) => setTimeout(r, 50));
    }
    let text = '';
    const chunk = Buffer.alloc(65536);
    let done = false;
    void exited.then(() => (done = true));
    for (;;) {
      let n = 0;
      try {
        n = fs.readSync(reader, chunk);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EAGAIN') throw e;
      }
      text += chunk.toString('latin1', 0, n);
      if (n === 0 && done) break;
      if (n === 0) await new Promise((r) => setTimeout(r, 5));
    }
    fs.closeSync(writer);
    fs.closeSync(reader);
    expect(await exited).toBe(0);
    expect(seen).toEqual(new Array(20).fill(0));
    expect(text.length).toBeGreaterThan(65536); // more than a pipe holds: the child did wait for the reader
    expect(text.match(/^Frame \d+:/gm)).toHaveLength(run([dns]).out.trimEnd().split('\n').length);
  });

  it('writes -w output that reads back with the same packets', () => {
    const out = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'vpnscope-')), 'out.pcap');
    const r = run(['-w', out, '-Y', 'udp', dns]);
    expect(r.code).toBe(0);
    const back = run([out]).out.trimEnd().split('\n');
    expect(back).toHaveLength(r.out.trimEnd().split('\n').length);
  });

  it('starts from the bundle whether its code cache belongs to it, is stale, damaged or missing', () => {
    // A copy of bin/ and dist/, so the cache can be tampered with.
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vpnscope-'));
    fs.cpSync(path.join(repoRoot, 'bin'), path.join(dir, 'bin'), { recursive: true });
    fs.cpSync(path.join(repoRoot, 'dist'), path.join(dir, 'dist'), { recursive: true });
    const copyBin = path.join(dir, 'bin', 'vpnscope.js');
    const cache = path.join(dir, 'dist', 'vpnscope.cjs.cache');
    const bundle = path.join(dir, 'dist', 'vpnscope.cjs');
    const expected = run([dns]).out;
    const runCopy = () => spawnSync(process.execPath, [copyBin, dns], { encoding: 'utf8' });
    const good = fs.readFileSync(cache);
    expect(good.subarray(0, 8).toString('latin1')).toBe('vpnscope');
    // The header names the bundle by size and modification time; a touched bundle is another one.
    fs.utimesSync(bundle, new Date(), new Date(Date.now() - 60_000));
    // Cache data that is not V8's at all, under a header that matches the bundle as it is now.
    const damaged = Buffer.concat([good.subarray(0, 24), Buffer.alloc(good.length - 24, 0x5a)]);
    damaged.writeDoubleLE(fs.statSync(bundle).mtimeMs, 16);
    for (const state of ['stale', 'damaged', 'missing']) {
      if (state === 'damaged') fs.writeFileSync(cache, damaged);
      if (state === 'missing') fs.rmSync(cache);
      const r = runCopy();
      expect([state, r.status, r.stderr, r.stdout]).toEqual([state, 0, '', expected]);
    }
  });

  it('writes the Time column in every tshark -t format (values as tshark shows them)', () => {
    const time = (args: string[], env: Record<string, string> = {}) =>
      spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', env: { ...process.env, NO_COLOR: '1', TZ: 'UTC', ...env } })
        .stdout.split('\n').filter(Boolean).map((l) => l.slice(6, l.indexOf(' ', l.search(/\d\.\d/))).trim());
    const dns3 = (t: string) => time(['-n', '-t', t, '-c', '3', dns]);
    expect(dns3('r')).toEqual(['0.000000', '0.000015', '0.000019']);
    expect(dns3('d')).toEqual(['0.000000', '0.000015', '0.000004']);
    expect(dns3('e')).toEqual(['1795627336.033659', '1795627336.033674', '1795627336.033678']);
    expect(dns3('a')).toEqual(['17:22:16.033659', '17:22:16.033674', '17:22:16.033678']);
    expect(dns3('u')[0]).toBe('17:22:16.033659');
    expect(time(['-t', 'ad', '-c', '1', dns])).toEqual(['2026-11-25 17:22:16.033659']);
    expect(time(['-t', 'udoy', '-c', '1', dns])).toEqual(['2026/329 17:22:16.033659']);
    // Local time follows TZ (as tshark's does); UTC forms do not.
    expect(time(['-t', 'a', '-c', '1', dns], { TZ: 'America/New_York' })).toEqual(['12:22:16.033659']);
    expect(time(['-t', 'ud', '-c', '1', dns], { TZ: 'America/New_York' })).toEqual(['2026-11-25 17:22:16.033659']);
    // dd: since the previous packet shown, which a filter decides.
    expect(time(['-t', 'dd', '-Y', 'dns', '-c', '4', dns])).toEqual(['0.000000', '0.000427', '0.122352', '0.000639']);
    // A nanosecond file keeps nine digits in every form.
    expect(time(['-t', 'e', '-c', '2', path.join(samplesDir, 'nanosecond.pcap')])).toEqual(['1795627389.908361341', '1795627389.908419321']);
    const bad = run(['-t', 'x', dns]);
    expect([bad.code, bad.err.split('\n').length]).toEqual([1, 2]);
  });

  it('writes each packet out by itself with -l; otherwise in batches after the first', async () => {
    // In-process, counting the writes to standard output (a pipe read chunk by chunk is flushed after
    // each chunk anyway; -l also splits a chunk's packets).
    const writes = vi.spyOn(fs, 'writeSync').mockImplementation((fd: number, b: unknown, off?: unknown, len?: unknown) => (fd === 1 && typeof len === 'number' ? len : (b as Uint8Array).length));
    try {
      const options: RunOptions = {
        file: dns, format: 'text', verbose: false, hex: false, fields: [], fieldOptions: [], stats: [], quiet: false,
        prefs: {}, decodeAs: [], explain: false, color: false, count: 5,
      };
      const toStdout = () => writes.mock.calls.filter((c) => c[0] === 1).length;
      expect(await runFile({ ...options, flushEachPacket: true })).toBe(0);
      expect(toStdout()).toBe(5);
      writes.mockClear();
      expect(await runFile(options)).toBe(0);
      expect(toStdout()).toBe(2);
    } finally {
      writes.mockRestore();
    }
  });

  it('shows only the protocols named with -O in full, the other layers as their top line (as tshark -O)', () => {
    const r = run(['-O', 'dns', '-c', '3', dns]);
    expect(r.code).toBe(0);
    expect(r.out.split('\n').slice(0, 14)).toEqual([
      'Frame 1: 42 bytes on wire (336 bits), 42 bytes captured (336 bits)',
      'Ethernet II, Src: 02:53:00:00:00:02, Dst: ff:ff:ff:ff:ff:ff',
      'Address Resolution Protocol (request)',
      '',
      'Frame 2: 42 bytes on wire (336 bits), 42 bytes captured (336 bits)',
      'Ethernet II, Src: 02:53:00:00:00:01, Dst: 02:53:00:00:00:02',
      'Address Resolution Protocol (reply)',
      '',
      'Frame 3: 78 bytes on wire (624 bits), 78 bytes captured (624 bits)',
      'Ethernet II, Src: 02:53:00:00:00:02, Dst: 02:53:00:00:00:01',
      'Internet Protocol Version 4, Src: 10.53.0.2, Dst: 10.53.0.1',
      'User Datagram Protocol, Src Port: 40001, Dst Port: 53',
      'Domain Name System (query)',
      '    Transaction ID: 0x492e',
    ]);
    const two = run(['-O', 'ip udp', '-c', '3', dns]).out.split('\n');
    expect(two.filter((l) => !l.startsWith(' ')).slice(8, 13)).toEqual([
      'Frame 3: 78 bytes on wire (624 bits), 78 bytes captured (624 bits)',
      'Ethernet II, Src: 02:53:00:00:00:02, Dst: 02:53:00:00:00:01',
      'Internet Protocol Version 4, Src: 10.53.0.2, Dst: 10.53.0.1',
      'User Datagram Protocol, Src Port: 40001, Dst Port: 53',
      'Domain Name System (query)',
    ]);
    expect(two).toContain('    Source Port: 40001');
    expect(two).not.toContain('    Transaction ID: 0x492e');
    const bad = run(['-O', 'dnsx', dns]);
    expect([bad.code, bad.err]).toEqual([1, "vpnscope: -O: unknown protocol 'dnsx' (vpnscope -G protocols lists them)\n"]);
  });

  it('measures frame.time_delta_displayed from the previous packet the filter let through (as tshark)', () => {
    const r = run(['-Y', 'dns', '-T', 'fields', '-e', 'frame.number', '-e', 'frame.time_delta', '-e', 'frame.time_delta_displayed', '-e', 'frame.encap_type', '-c', '4', dns]);
    expect(r.out.trimEnd().split('\n')).toEqual([
      '3\t0.000004000\t0.000000000\t1',
      '4\t0.000427000\t0.000427000\t1',
      '5\t0.122352000\t0.122352000\t1',
      '6\t0.000639000\t0.000639000\t1',
    ]);
    const responses = run(['-Y', 'dns.flags.response == 1', '-T', 'fields', '-e', 'frame.number', '-e', 'frame.time_delta_displayed', '-c', '3', dns]);
    expect(responses.out.trimEnd().split('\n')).toEqual(['4\t0.000000000', '6\t0.122991000', '8\t0.071900000']);
  });

  it('writes the JSON keys and values tshark 4.0 writes for these layers (checked against it)', () => {
    const packet = (file: string, filter: string) => JSON.parse(run(['-T', 'json', '-Y', filter, file]).out)[0]._source.layers;
    const dns4 = packet(dns, 'frame.number == 4');
    expect(dns4.udp.Timestamps).toEqual({ 'udp.time_relative': '0.000427000', 'udp.time_delta': '0.000427000' });
    expect(dns4.udp['udp.payload'].slice(0, 20)).toBe('49:2e:85:80:00:01:00');
    expect(dns4.eth['eth.src_tree']).toEqual({
      'eth.src_resolved': '02:53:00:00:00:01', 'eth.src.oui': '152320', 'eth.addr': '02:53:00:00:00:01', 'eth.addr_resolved': '02:53:00:00:00:01',
      'eth.addr.oui': '152320', 'eth.src.lg': '1', 'eth.lg': '1', 'eth.src.ig': '0', 'eth.ig': '0',
    });
    expect(dns4.ip['ip.hdr_len']).toBe('20');
    const raw1 = packet(path.join(samplesDir, 'raw.pcap'), 'frame.number == 1');
    expect([raw1.raw, raw1.icmp['icmp.type']]).toEqual(['Raw packet data', '8']);
    const frag = packet(path.join(samplesDir, 'frag.pcap'), 'frame.number == 19').ipv6['ipv6.fragments'];
    expect([frag['ipv6.fragment'], frag['ipv6.fragment.count'], frag['ipv6.reassembled.length']]).toEqual([['17', '18', '19'], '3', '4008']);
    // The same layers in the tree, line for line as tshark -V shows them.
    const tree = run(['-V', '-Y', 'frame.number == 4', dns]).out.split('\n');
    expect(tree).toContain('    .... 0101 = Header Length: 20 bytes (5)');
    expect(tree.slice(tree.indexOf('    [Timestamps]'), tree.indexOf('    [Timestamps]') + 4)).toEqual([
      '    [Timestamps]', '        [Time since first frame: 0.000427000 seconds]', '        [Time since previous frame: 0.000427000 seconds]', '    UDP payload (52 bytes)',
    ]);
    expect(run(['-V', '-c', '1', path.join(samplesDir, 'raw.pcap')]).out).toContain('\n    Type: 8 (Echo (ping) request)\n');
    // An expert info names its kind first, and a filter on that name finds it.
    const http = path.join(samplesDir, 'http.pcap');
    expect(packet(http, 'frame.number == 6').http['GET /index.html HTTP/1.1\\r\\n']['_ws.expert']).toEqual({
      'http.chat': '', '_ws.expert.message': 'GET /index.html HTTP/1.1\\r\\n', '_ws.expert.severity': '2097152', '_ws.expert.group': '33554432',
    });
    const frames = (filter: string) => run(['-Y', filter, '-T', 'fields', '-e', 'frame.number', '-c', '4', http]).out.trimEnd().split('\n');
    expect(frames('http.chat')).toEqual(['6', '8', '16', '18']);
    expect(frames('tcp.connection.syn').slice(0, 3)).toEqual(['3', '13', '23']);
  });

  it.skipIf(!fs.existsSync(corpusDir))('names a bad UDP length and a short ARP in Info as tshark does (tcpdump corpus)', () => {
    const info = (file: string, frame: number) =>
      run(['-T', 'fields', '-e', '_ws.col.Info', '-Y', `frame.number == ${frame}`, path.join(corpusDir, 'tcpdump', file)]).out.trimEnd();
    expect(info('bigtcp-ipv4-geneve-ipv4.pcap', 1)).toBe('29804 → 6081 [BAD UDP LENGTH 0 < 8]');
    expect(info('babel_update_oobr.pcap', 27)).toBe('8280 → 24073 [BAD UDP LENGTH 60660 > IP PAYLOAD LENGTH] Len=60652');
    expect(info('arp-oobr.pcap', 104)).toBe('[Malformed Packet]');
    // The first fragment of a datagram carries the whole datagram's UDP length: not a bad length.
    expect(info('radius_attr_asan.pcap', 1)).toBe('258 → 3799 Len=65275');
  });

  it('lists the field registry with -G fields', () => {
    const r = run(['-G', 'fields']);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^F\tTime to Live\tip\.ttl\tFT_UINT8\tip\t.+\.$/m);
  });
});
