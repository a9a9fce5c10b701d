/**
 * HTTP/2 inside decrypted TLS, and HPACK. samples/http2.pcap: curl --http2 against a node HTTP/2
 * server, two requests on one connection, with curl's key log. Expected output was checked against
 * tshark 4.0.17 with the same key log (test/fixtures/tls/http2.tshark.txt), and is compared with
 * tshark itself when it is installed. The HPACK vectors are RFC 7541's Appendix C examples.
 */
import { describe, expect, it } from 'vitest';
import fs from 'node:fs';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { repoRoot, samplesDir, fieldValue, fieldValues } from './util.js';
import { dissectCapture } from './openvpn-capture.js';
import { HpackDecoder, huffmanCodeLengths, huffmanDecode } from '../src/protocols/hpack.js';
import { Session } from '../src/engine/session.js';
import { Packet } from '../src/engine/packet.js';
import { callDissector, findProtocol } from '../src/engine/dispatch.js';
import { StreamDirection } from '../src/engine/stream.js';
import { hexBytes, makeFrame } from './util.js';

const bin = path.join(repoRoot, 'bin', 'vpnscope.js');
const h2 = path.join(samplesDir, 'http2.pcap');
const keys = path.join(samplesDir, 'http2.keylog');
const hasTshark = spawnSync('tshark', ['--version'], { stdio: 'ignore' }).status === 0;
const run = (args: string[]) => spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8' }).stdout;
const squeeze = (t: string) => t.split('\n').map((l) => l.replace(/ +/g, ' ').trim()).join('\n');
const hex = (h: string) => Uint8Array.from(Buffer.from(h.replace(/ /g, ''), 'hex'));

describe('HPACK', () => {
  it('decodes RFC 7541 Appendix C\'s Huffman strings', () => {
    expect(huffmanDecode(hex('f1e3 c2e5 f23a 6ba0 ab90 f4ff'))).toBe('www.example.com');
    expect(huffmanDecode(hex('a8eb 1064 9cbf'))).toBe('no-cache');
    expect(huffmanDecode(hex('d07a be94 1054 d444 a820 0595 040b 8166 e082 a62d 1bff'))).toBe('Mon, 21 Oct 2013 20:13:21 GMT');
    expect(huffmanDecode(hex('9d29 ad17 1863 c78f 0b97 c8e9 ae82 ae43 d3'))).toBe('https://www.example.com');
    // Padding longer than 7 bits, or not all ones, is an error (RFC 7541 §5.2).
    expect(huffmanDecode(hex('f1e3 c2e5 f23a 6ba0 ab90 f4ff ff'))).toBeNull();
  });

  it('has a complete Huffman code: each of the 256 bytes and EOS once, code lengths with a Kraft sum of exactly 1', () => {
    const symbols = huffmanCodeLengths.flatMap(([, syms]) => syms).sort((a, b) => a - b);
    expect(symbols).toEqual(Array.from({ length: 257 }, (_, i) => i));
    const kraft = huffmanCodeLengths.reduce((sum, [length, syms]) => sum + syms.length * 2 ** (30 - length), 0);
    expect(kraft).toBe(2 ** 30);
  });

  it('keeps the dynamic table in step across header blocks (C.4.1–C.4.3)', () => {
    const d = new HpackDecoder();
    const first = d.decode(hex('8286 8441 8cf1 e3c2 e5f2 3a6b a0ab 90f4 ff'));
    expect(first.map((h) => `${h.name}: ${h.value}`)).toEqual([':method: GET', ':scheme: http', ':path: /', ':authority: www.example.com']);
    const second = d.decode(hex('8286 84be 5886 a8eb 1064 9cbf'));
    expect(second.map((h) => `${h.name}: ${h.value}`)).toEqual([':method: GET', ':scheme: http', ':path: /', ':authority: www.example.com', 'cache-control: no-cache']);
    expect(second[3]!.index).toBe(62);
    const third = d.decode(hex('8287 85bf 4088 25a8 49e9 5ba9 7d7f 8925 a849 e95b b8e8 b4bf'));
    expect(third.map((h) => `${h.name}: ${h.value}`)).toEqual([':method: GET', ':scheme: https', ':path: /index.html', ':authority: www.example.com', 'custom-key: custom-value']);
    expect(third[4]!.representation).toBe('Literal Header Field with Incremental Indexing - New Name');
    expect(() => d.decode(hex('ff80 80 80 80 80'))).toThrow();
  });
});

describe.skipIf(!fs.existsSync(h2))('HTTP/2 in decrypted TLS', () => {
  it('summary lines equal tshark\'s with the same key log', () => {
    const fixture = fs.readFileSync(path.join(repoRoot, 'test/fixtures/tls/http2.tshark.txt'), 'utf8');
    expect(squeeze(run(['-o', `tls.keylog_file:${keys}`, h2]))).toBe(fixture);
  });

  it.skipIf(!hasTshark)('the -V tree equals tshark\'s (apart from address and checksum-status wording, and its cut JA3 line)', () => {
    const normalise = (t: string) => t.split('\n').filter((l) => !/Checksum Status|checksum status|JA3 Fullstring/.test(l)).map((l) => l.replace(/ \((\d+\.\d+\.\d+\.\d+)\)/g, '')).join('\n');
    const theirs = spawnSync('tshark', ['-V', '-N', 'n', '-o', 'ip.check_checksum:TRUE', '-o', `tls.keylog_file:${keys}`, '-r', h2], { encoding: 'utf8', maxBuffer: 64 << 20 }).stdout;
    expect(normalise(run(['-V', '-o', `tls.keylog_file:${keys}`, h2]))).toBe(normalise(theirs));
  });

  it('frames, decoded headers, bodies and the full URI', async () => {
    const pkts = await dissectCapture(h2, { prefs: { 'tls.keylog_file': keys } });
    const at = (n: number) => pkts[n - 1]!;
    expect(fieldValues(at(9), 'http2.type')).toEqual(['4', '8']);
    expect(fieldValue(at(9), 'http2.magic')).toBe('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n');
    expect(fieldValue(at(9), 'http2.settings.initial_window_size')).toBe('33554432');
    expect(fieldValue(at(10), 'http2.headers.user_agent')).toBe('curl/7.88.1');
    expect(fieldValue(at(10), 'http2.request.full_uri')).toBe('https://vpnscope.test/');
    expect(fieldValue(at(10), 'http2.header.length')).toBe('129');
    expect(fieldValues(at(15), 'http2.header.name')).toEqual([':status', 'content-type', 'server']);
    expect(fieldValue(at(15), 'data-text-lines')).toBeDefined();
    // The second request's headers come from the dynamic table the first filled (index 62 and up).
    expect(fieldValues(at(16), 'http2.header.index')).toContain('62');
    expect(fieldValue(at(16), 'http2.rst_stream.error')).toBe('5');
    expect(at(17).info).toBe('HEADERS[3]: 404 Not Found, DATA[3] (text/plain)');
    // frame.protocols names HTTP2 once per frame, however many HTTP/2 frames it holds.
    expect(fieldValue(at(9), 'frame.protocols')).toBe('eth:ethertype:ip:tcp:tls:http2');
  });
});

describe('HTTP/2 from bytes', () => {
  const http2 = findProtocol('http2')!;
  const run = (bytes: Uint8Array, session: Session, direction: StreamDirection, number: number): Packet => {
    const pkt = new Packet(makeFrame(bytes, 147, number), session, true);
    callDissector(http2, pkt.buf, pkt, pkt.root, { direction });
    return pkt;
  };

  it('a header block cut into HEADERS and CONTINUATION is decoded when its last piece arrives; a frame over two segments is joined', () => {
    const session = new Session({ buildTree: true });
    const dir = new StreamDirection('TLS');
    // HEADERS stream 1 without END_HEADERS: ":method GET" (82), ":path /" (84); then CONTINUATION with END_HEADERS: ":scheme https" (87), ":authority" literal "a.b".
    const headers = hexBytes('00 00 02 01 01 00 00 00 01  82 84');
    const cont = hexBytes('00 00 06 09 04 00 00 00 01  87 41 03 61 2e 62');
    const p1 = run(headers, session, dir, 1);
    expect(p1.info).toBe('HEADERS[1]');
    expect(fieldValues(p1, 'http2.header.name')).toEqual([]);
    // The CONTINUATION frame arrives in two pieces: 5 bytes, then the rest.
    const p2 = run(cont.subarray(0, 5), session, dir, 2);
    expect(p2.info).toContain('[TLS segment of a reassembled PDU]');
    const p3 = run(cont.subarray(5), session, dir, 3);
    expect(p3.info).toBe('CONTINUATION[1]: GET /');
    expect(fieldValues(p3, 'http2.header.name')).toEqual([':method', ':path', ':scheme', ':authority']);
    expect(fieldValue(p3, 'http2.request.full_uri')).toBe('https://a.b/');
  });

  it('a header block HPACK cannot decode is flagged, and the next frame is dissected', () => {
    const session = new Session({ buildTree: true });
    const dir = new StreamDirection('TLS');
    const bad = run(hexBytes('00 00 01 01 04 00 00 00 01  ff'), session, dir, 1);
    expect(bad.experts.map((e) => e.message)).toContain('HPACK: HPACK integer runs past the block');
    const ping = run(hexBytes('00 00 08 06 00 00 00 00 00  01 02 03 04 05 06 07 08'), session, dir, 2);
    expect(ping.info).toBe('PING[0]');
    expect(fieldValue(ping, 'http2.ping')).toBe('01:02:03:04:05:06:07:08');
  });
});

describe.skipIf(!fs.existsSync(path.join(samplesDir, 'doh.pcap')))('DNS over HTTPS (RFC 8484) in decrypted HTTP/2', () => {
  const doh = path.join(samplesDir, 'doh.pcap');
  const dohKeys = path.join(samplesDir, 'doh.keylog');

  it('summary lines equal tshark\'s: the DNS messages take the Info column, the Protocol column says DoH', () => {
    const fixture = fs.readFileSync(path.join(repoRoot, 'test/fixtures/tls/doh.tshark.txt'), 'utf8');
    const ours = squeeze(run(['-o', `tls.keylog_file:${dohKeys}`, doh]));
    expect(ours).toBe(fixture);
    expect(ours.split('\n').filter((l) => / DoH /.test(l)).map((l) => l.replace(/^.* DoH \d+ /, ''))).toEqual([
      'Standard query 0x0000 A www.vpnscope.test', 'Standard query 0x0000 AAAA www.vpnscope.test',
      'Standard query response 0x0000 A www.vpnscope.test A 10.55.0.1', 'Standard query response 0x0000 AAAA www.vpnscope.test',
    ]);
  });

  it.skipIf(!hasTshark)('the -V tree equals tshark\'s', () => {
    const normalise = (t: string) => t.split('\n').filter((l) => !/Checksum Status|checksum status|JA3 Fullstring/.test(l)).map((l) => l.replace(/ \((\d+\.\d+\.\d+\.\d+)\)/g, '')).join('\n');
    const theirs = spawnSync('tshark', ['-V', '-N', 'n', '-o', 'ip.check_checksum:TRUE', '-o', `tls.keylog_file:${dohKeys}`, '-r', doh], { encoding: 'utf8', maxBuffer: 64 << 20 }).stdout;
    expect(normalise(run(['-V', '-o', `tls.keylog_file:${dohKeys}`, doh]))).toBe(normalise(theirs));
  });

  it('the DNS fields are there to filter on', () => {
    const rows = run(['-o', `tls.keylog_file:${dohKeys}`, '-Y', 'dns.a', '-T', 'fields', '-e', 'frame.number', '-e', 'dns.qry.name', '-e', 'dns.a', doh]);
    expect(rows).toBe('30\twww.vpnscope.test\t10.55.0.1\n');
  });
});
