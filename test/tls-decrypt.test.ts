/**
 * TLS decryption with a key log (-o tls.keylog_file:…), and what it opens: HTTPS, and OpenVPN's
 * control channel (its key method 2 exchange and pushed options).
 *
 * samples/https.pcap holds eight HTTPS connections, one cipher suite each (TLS 1.3 AES-256-GCM,
 * ChaCha20-Poly1305 and AES-128-GCM; TLS 1.2 AES-GCM, ChaCha20, CBC with and without
 * encrypt-then-MAC, RSA key exchange), made by curl, which wrote samples/https.keylog.
 * test/fixtures/tls/https.tshark.txt is tshark's summary of it with the same key log; where tshark
 * is installed the test also checks that fixture and the -V tree against tshark itself.
 */
import { describe, expect, it } from 'vitest';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { repoRoot, samplesDir, fieldValue, fieldValues } from './util.js';
import { dissectCapture } from './openvpn-capture.js';

const bin = path.join(repoRoot, 'bin', 'vpnscope.js');
const https = path.join(samplesDir, 'https.pcap');
const httpsKeys = path.join(samplesDir, 'https.keylog');
const hasTshark = spawnSync('tshark', ['--version'], { stdio: 'ignore' }).status === 0;

function vpnscope(args: string[]): string {
  const r = spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' }, maxBuffer: 64 << 20 });
  expect(r.stderr).toBe('');
  expect(r.status).toBe(0);
  return r.stdout;
}

function tshark(args: string[]): string {
  return spawnSync('tshark', args, { encoding: 'utf8', maxBuffer: 64 << 20 }).stdout;
}

const squeeze = (text: string): string => text.split('\n').map((l) => l.replace(/ +/g, ' ').trim()).join('\n');

describe('TLS decryption with a key log', () => {
  it('summary lines equal tshark\'s with the same key log: HTTP inside all eight connections', () => {
    const ours = squeeze(vpnscope(['-o', `tls.keylog_file:${httpsKeys}`, https]));
    const fixture = fs.readFileSync(path.join(repoRoot, 'test/fixtures/tls/https.tshark.txt'), 'utf8');
    expect(ours).toBe(fixture);
    if (hasTshark) expect(squeeze(tshark(['-r', https, '-o', `tls.keylog_file:${httpsKeys}`]))).toBe(fixture);
    // Every request and response of the script is there.
    expect(ours.split('\n').filter((l) => / HTTP(\/JSON)? /.test(l)).map((l) => l.replace(/^.* HTTP(\/JSON)? \d+ /, ''))).toEqual([
      'GET / HTTP/1.1', 'HTTP/1.1 200 OK (text/html)', 'GET /style.css HTTP/1.1', 'HTTP/1.1 200 OK (text/css)',
      'GET /medium.txt HTTP/1.1', 'HTTP/1.1 200 OK (text/plain)',
      'POST /api/echo HTTP/1.1 , JavaScript Object Notation (application/json)', 'HTTP/1.1 201 Created , JavaScript Object Notation (application/json)',
      'GET /hello.txt HTTP/1.1', 'HTTP/1.1 200 OK (text/plain)', 'GET /chunked HTTP/1.1', 'HTTP/1.1 200 OK (text/plain)',
      'GET /hello.txt HTTP/1.1', 'HTTP/1.1 200 OK (text/plain)', 'GET /hello.txt HTTP/1.1', 'HTTP/1.1 200 OK (text/plain)',
      'GET /nothing HTTP/1.1', 'HTTP/1.1 404 Not Found (text/html)',
    ]);
  });

  it.skipIf(!hasTshark)('the -V tree equals tshark\'s (apart from the wording of addresses and of the IPv4 checksum status)', () => {
    const normalise = (text: string): string =>
      text.split('\n')
        .filter((l) => !/Checksum Status|checksum status/.test(l))
        .map((l) => l.replace(/ \((\d+\.\d+\.\d+\.\d+)\)/g, ''))
        .join('\n');
    const ours = normalise(vpnscope(['-V', '-o', `tls.keylog_file:${httpsKeys}`, https]));
    const theirs = normalise(tshark(['-V', '-N', 'n', '-o', 'ip.check_checksum:TRUE', '-r', https, '-o', `tls.keylog_file:${httpsKeys}`]));
    expect(ours).toBe(theirs);
  });

  it('plaintexts are data sources of their own, and application data spanning records is reassembled', () => {
    const sources = (frame: number) =>
      vpnscope(['-V', '-x', '-Y', `frame.number == ${frame}`, '-o', `tls.keylog_file:${httpsKeys}`, https]).split('\n').filter((l) => /^\S.*\(\d+ bytes\):$/.test(l));
    // Values as tshark -x prints them for these frames.
    expect(sources(6)).toEqual(['Frame (1452 bytes):', 'Decrypted TLS (21 bytes):', 'Decrypted TLS (828 bytes):', 'Decrypted TLS (264 bytes):', 'Decrypted TLS (52 bytes):']);
    expect(sources(60)).toEqual(['Frame (692 bytes):', 'Reassembled TCP (8358 bytes):', 'Decrypted TLS (8336 bytes):', 'Reassembled TLS (41104 bytes):']);
    expect(sources(111)).toEqual(['Frame (92 bytes):', 'Decrypted TLS (5 bytes):', 'Reassembled TLS (234 bytes):', 'De-chunked entity body (63 bytes):']);
  });

  it('fields of the decrypted layers: hidden content types, TLS 1.3 certificates, HTTPS URIs, reassembly', async () => {
    const pkts = await dissectCapture(https, { prefs: { 'tls.keylog_file': httpsKeys } });
    const at = (n: number) => pkts[n - 1]!;
    // TLS 1.3 server flight: the encrypted handshake messages and their real content type.
    expect(fieldValues(at(6), 'tls.handshake.type')).toEqual(['2', '8', '11', '15', '20']);
    expect(fieldValues(at(6), 'tls.record.content_type')).toEqual(['22', '20', '22', '22', '22', '22']);
    expect(fieldValues(at(6), 'x509sat.uTF8String')).toEqual(['vpnscope.test', 'vpnscope.test']);
    expect(fieldValues(at(6), 'tls.handshake.extensions_alpn_str')).toEqual(['http/1.1']);
    expect(fieldValue(at(74), 'http.request.method')).toBe('POST');
    expect(fieldValue(at(74), 'http.request.full_uri')).toBe('https://vpnscope.test/api/echo');
    // TLS 1.2 CBC with encrypt-then-MAC (frame 126) and MAC-then-encrypt (frame 141, port 8443 by ALPN).
    expect(fieldValue(at(126), 'http.request.uri')).toBe('/hello.txt');
    expect(fieldValue(at(141), 'http.request.full_uri')).toBe('https://vpnscope.test:8443/hello.txt');
    expect(fieldValue(at(142), 'http.file_data')).toBe('hello from vpnscope\n');
    // The 40 KiB body over three records.
    expect(fieldValues(at(60), 'tls.segment')).toEqual(['41', '53', '60']);
    expect(fieldValue(at(60), 'tls.reassembled.length')).toBe('41104');
    expect(fieldValue(at(60), 'http.content_length_header')).toBe('40960');
  });

  it('-z io,phs counts the protocols inside the decrypted records as tshark does (certificate parts are no level of their own)', () => {
    const rows = vpnscope(['-q', '-z', 'io,phs', '-o', `tls.keylog_file:${httpsKeys}`, https]).split('\n')
      .map((l) => /│ ( *)(\S+) *│ *(\d+) │ *(\d+) │/.exec(l)).filter((m) => m !== null).map((m) => `${m![1]!.length / 2} ${m![2]} ${m![3]} ${m![4]}`);
    // tshark -q -z io,phs with the same key log: the same rows, apart from where it puts the two
    // frames whose TLS record was reassembled from TCP segments without completing an HTTP message.
    expect(rows.slice(0, 8)).toEqual([
      '0 eth 161 70304', '1 ip 161 70304', '2 tcp 161 70304', '3 tls 71 28132', '4 http 18 5330',
      '5 data-text-lines 8 3303', '6 tls.segments 2 784', '7 tcp.segments 1 692',
    ]);
    expect(rows).toContain('5 json 2 552');
    expect(rows.some((r) => r.includes('x509'))).toBe(false);
  });

  it.skipIf(spawnSync('editcap', ['--version'], { stdio: 'ignore' }).status !== 0)('a pcapng that carries its key log (editcap --inject-secrets) is decrypted without -o, like tshark', () => {
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'vpnscope-dsb-'));
    const file = path.join(tmp, 'https-with-secrets.pcapng');
    expect(spawnSync('editcap', ['--inject-secrets', `tls,${httpsKeys}`, https, file]).status).toBe(0);
    const fixture = fs.readFileSync(path.join(repoRoot, 'test/fixtures/tls/https.tshark.txt'), 'utf8');
    expect(squeeze(vpnscope([file]))).toBe(fixture);
    // OpenVPN too: the control channel and the data keys exported with the embedded secrets.
    const ovpn = path.join(tmp, 'udp-tls-with-secrets.pcapng');
    expect(spawnSync('editcap', ['--inject-secrets', `tls,${path.join(samplesDir, 'openvpn', 'keys', 'udp-tls.keylog')}`, path.join(samplesDir, 'openvpn', 'udp-tls.pcap'), ovpn]).status).toBe(0);
    const out = vpnscope([ovpn]);
    expect(out).toContain('Key Method 2 (client, OpenVPN 2.6.14)');
    expect(out).toContain('Echo (ping) request');
    fs.rmSync(tmp, { recursive: true });
  });

  it('without the key log nothing changes; a session missing from it stays encrypted; wrong secrets open nothing', async () => {
    const plain = await dissectCapture(https);
    expect(plain.filter((p) => fieldValue(p, 'http.request.method')).length).toBe(0);
    expect(fieldValues(plain[8]!, 'tls.app_data_proto')).toEqual(['Hypertext Transfer Protocol']);

    const log = fs.readFileSync(httpsKeys, 'utf8').split('\n').filter(Boolean);
    const firstRandom = log[0]!.split(' ')[1]!;
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'vpnscope-keylog-'));
    const partial = path.join(tmp, 'partial.keylog');
    fs.writeFileSync(partial, log.filter((l) => !l.includes(firstRandom)).join('\n') + '\n');
    const wrong = path.join(tmp, 'wrong.keylog');
    fs.writeFileSync(wrong, log.map((l) => l.replace(/ ([0-9a-f])([0-9a-f]*)$/, (_, c: string, rest: string) => ` ${c === '0' ? '1' : '0'}${rest}`)).join('\n') + '\n');
    const methods = async (keys: string) =>
      (await dissectCapture(https, { prefs: { 'tls.keylog_file': keys } })).flatMap((p) => fieldValues(p, 'http.request.method'));
    // The first connection (two GETs) is the one whose secrets were left out.
    expect(await methods(partial)).toEqual(['GET', 'POST', 'GET', 'GET', 'GET', 'GET', 'GET']);
    expect(await methods(wrong)).toEqual([]);
    fs.rmSync(tmp, { recursive: true });
  });
});

describe('OpenVPN control channel inside decrypted TLS', () => {
  const dir = path.join(samplesDir, 'openvpn');
  const keysOf = (v: string): Record<string, string> => {
    const prefs: Record<string, string> = { 'tls.keylog_file': path.join(dir, 'keys', `${v}.keylog`) };
    if (v === 'tls-crypt') prefs['openvpn.tls_crypt_key'] = path.join(dir, 'keys', 'tc.key');
    if (v === 'tls-crypt-v2') prefs['openvpn.tls_crypt_key'] = path.join(dir, 'keys', 'tc2-server.key');
    return prefs;
  };

  it('udp-tls: both key method 2 messages and the PUSH_REPLY, whose cipher is the one the data channel opens with', async () => {
    const pkts = await dissectCapture(path.join(dir, 'udp-tls.pcap'), { prefs: keysOf('udp-tls') });
    const client = pkts[7]!;
    expect(client.info).toContain('Key Method 2 (client, OpenVPN 2.6.14)');
    expect(fieldValue(client, 'openvpn-ctrl.role')).toBe('client');
    expect(fieldValue(client, 'openvpn-ctrl.key_method')).toBe('2');
    expect(fieldValues(client, 'openvpn-ctrl.option')).toEqual(['V4', 'dev-type tun', 'link-mtu 1541', 'tun-mtu 1500', 'proto UDPv4', 'auth SHA1', 'keysize 128', 'key-method 2', 'tls-client']);
    expect(fieldValues(client, 'openvpn-ctrl.peer_info.item')).toContain('IV_CIPHERS=AES-256-GCM:AES-128-GCM:CHACHA20-POLY1305');
    expect(fieldValues(client, 'openvpn-ctrl.pre_master')[0]).toMatch(/^([0-9a-f]{2}:){47}[0-9a-f]{2}$/);
    const server = pkts[9]!;
    expect(fieldValue(server, 'openvpn-ctrl.role')).toBe('server');
    expect(fieldValues(server, 'openvpn-ctrl.pre_master')).toEqual([]);
    expect(fieldValues(server, 'openvpn-ctrl.option')).toContain('tls-server');
    const push = pkts[12]!;
    expect(fieldValue(push, 'openvpn-ctrl.command')).toBe('PUSH_REPLY');
    const pushed = fieldValues(push, 'openvpn-ctrl.option');
    expect(pushed).toContain('ifconfig 10.8.0.2 255.255.255.0');
    expect(pushed).toContain('protocol-flags cc-exit tls-ekm dyn-tls-crypt');
    const cipher = pushed.find((o) => o.startsWith('cipher '))!.slice(7);
    const opened = new Set(pkts.flatMap((p) => fieldValues(p, 'openvpn.data.decrypted')).map((t) => t.split(',')[0]));
    expect([...opened]).toEqual([cipher]);
  });

  it('userpass: the --auth-user-pass credentials are shown, with a warning that they are readable', async () => {
    const pkts = await dissectCapture(path.join(dir, 'userpass.pcap'), { prefs: keysOf('userpass') });
    const client = pkts[7]!;
    expect(client.info).toContain('Key Method 2 (client, user student, OpenVPN 2.6.14)');
    // The login make.sh gave the client (keys/userpass.txt).
    const [user, pass] = fs.readFileSync(path.join(dir, 'keys', 'userpass.txt'), 'utf8').split('\n');
    expect(fieldValue(client, 'openvpn-ctrl.username')).toBe(user);
    expect(fieldValue(client, 'openvpn-ctrl.password')).toBe(pass);
    expect(fieldValue(client, 'openvpn-ctrl.password_length')).toBe(String(pass!.length + 1));
    expect(client.experts.map((e) => [e.severity, e.group, e.message])).toContainEqual([4, 'Security', `Password of user "${user}" readable in the decrypted control channel`]);
    // Without credentials (udp-tls) the strings are empty and nothing is said.
    const plain = (await dissectCapture(path.join(dir, 'udp-tls.pcap'), { prefs: keysOf('udp-tls') }))[7]!;
    expect([fieldValue(plain, 'openvpn-ctrl.username_length'), fieldValue(plain, 'openvpn-ctrl.password')]).toEqual(['0', undefined]);
  });

  it('every keyed variant shows its key method messages, renegotiations and tls-crypt wrapping included', async () => {
    const count = async (v: string) =>
      (await dissectCapture(path.join(dir, `${v}.pcap`), { prefs: keysOf(v) })).flatMap((p) => fieldValues(p, 'openvpn-ctrl.role'));
    expect(await count('reneg')).toEqual(['client', 'server', 'client', 'server', 'client', 'server']);
    expect(await count('tls-crypt')).toEqual(['client', 'server']);
    expect(await count('tls-crypt-v2')).toEqual(['client', 'server']);
    expect(await count('tcp-tls')).toEqual(['client', 'server']);
    expect(await count('tls12')).toEqual(['client', 'server']);
  });
});
