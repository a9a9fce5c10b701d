/**
 * HTTP/1.x: unit cases on hand-made TCP segments (request, response, chunked, cut headers, bogus
 * Content-Length, continuation), then real captures compared with what tshark 4.0 shows for them:
 * test/fixtures/http-cases.pcap (made by test/fixtures/make-http.sh) and samples/http.pcap.
 */
import { describe, expect, it } from 'vitest';
import fs from 'node:fs';
import path from 'node:path';
import { Session } from '../src/engine/session.js';
import type { Packet } from '../src/engine/packet.js';
import { openCapture } from '../src/capture/open.js';
import { findAll } from '../src/engine/query.js';
import { nodeLabel } from '../src/engine/format.js';
import { treeLines } from '../src/render/text.js';
import { packetJson } from '../src/render/json.js';
import { fieldsLine, parseFieldsOptions } from '../src/render/fields.js';
import { corpusDir, dissectAll, fieldValue, fieldValues, hexBytes, isMalformed, makeFrame, repoRoot, samplesDir } from './util.js';

// ---------------------------------------------------------------------------------------------
// A TCP conversation built by hand: Ethernet + IPv4 + TCP (PSH, ACK) around each payload, with
// sequence numbers kept per direction so the TCP layer sees one in-order byte stream.

interface Endpoint {
  ip: number[];
  port: number;
  seq: number;
}

function conversation(serverPort = 80) {
  const client: Endpoint = { ip: [10, 0, 0, 2], port: 40000, seq: 1000 };
  const server: Endpoint = { ip: [10, 0, 0, 1], port: serverPort, seq: 5000 };
  const frames: Uint8Array[] = [];
  function send(from: Endpoint, to: Endpoint, payload: Uint8Array): void {
    const total = 20 + 20 + payload.length;
    const b = new Uint8Array(14 + total);
    b.set([2, 0, 0, 0, 0, 1, 2, 0, 0, 0, 0, 2, 0x08, 0x00], 0);
    b.set([0x45, 0, total >> 8, total & 255, 0, 1, 0x40, 0, 64, 6, 0, 0, ...from.ip, ...to.ip], 14);
    const t = 34;
    b.set([from.port >> 8, from.port & 255, to.port >> 8, to.port & 255], t);
    new DataView(b.buffer).setUint32(t + 4, from.seq);
    new DataView(b.buffer).setUint32(t + 8, to.seq);
    b.set([0x50, 0x18, 0xff, 0xff, 0, 0, 0, 0], t + 12);
    b.set(payload, t + 20);
    from.seq += payload.length;
    frames.push(b);
  }
  return {
    frames,
    request: (p: Uint8Array | string) => send(client, server, typeof p === 'string' ? ascii(p) : p),
    response: (p: Uint8Array | string) => send(server, client, typeof p === 'string' ? ascii(p) : p),
  };
}

function ascii(s: string): Uint8Array {
  return Uint8Array.from(s, (c) => c.charCodeAt(0));
}

function layerLabel(pkt: Packet, abbrev: string): string[] {
  return findAll(pkt.root, abbrev).map(nodeLabel);
}

/** Every frame of a capture, dissected in one session (bytes copied: the reader reuses its buffer). */
async function dissectFile(file: string): Promise<Packet[]> {
  const session = new Session({ buildTree: true });
  const out: Packet[] = [];
  await openCapture(file).run((frame) => {
    out.push(session.dissect({ ...frame, bytes: Uint8Array.from(frame.bytes) }));
  });
  return out;
}

// ---------------------------------------------------------------------------------------------

describe('HTTP requests and responses in one segment', () => {
  // curl's request from samples/http.pcap (frame 6)
  const request = hexBytes(`
    47 45 54 20 2f 69 6e 64 65 78 2e 68 74 6d 6c 20  # GET /index.html
    48 54 54 50 2f 31 2e 31 0d 0a 48 6f 73 74 3a 20  # HTTP/1.1..Host:
    31 30 2e 35 33 2e 30 2e 31 0d 0a 55 73 65 72 2d  # 10.53.0.1..User-
    41 67 65 6e 74 3a 20 63 75 72 6c 2f 37 2e 38 38  # Agent: curl/7.88
    2e 31 0d 0a 41 63 63 65 70 74 3a 20 2a 2f 2a 0d  # .1..Accept: */*.
    0a 0d 0a                                         # ...
  `);
  // node's answer (frame 8) with its 237-byte body cut to the first two lines (23 bytes)
  const response = hexBytes(`
    48 54 54 50 2f 31 2e 31 20 32 30 30 20 4f 4b 0d  # HTTP/1.1 200 OK.
    0a 53 65 72 76 65 72 3a 20 76 70 6e 73 63 6f 70  # .Server: vpnscop
    65 2d 73 61 6d 70 6c 65 2f 31 2e 30 0d 0a 43 6f  # e-sample/1.0..Co
    6e 74 65 6e 74 2d 54 79 70 65 3a 20 74 65 78 74  # ntent-Type: text
    2f 68 74 6d 6c 3b 20 63 68 61 72 73 65 74 3d 75  # /html; charset=u
    74 66 2d 38 0d 0a 43 6f 6e 74 65 6e 74 2d 4c 65  # tf-8..Content-Le
    6e 67 74 68 3a 20 32 33 0d 0a 43 6f 6e 6e 65 63  # ngth: 23..Connec
    74 69 6f 6e 3a 20 6b 65 65 70 2d 61 6c 69 76 65  # tion: keep-alive
    0d 0a 0d 0a 3c 21 44 4f 43 54 59 50 45 20 68 74  # ....<!DOCTYPE ht
    6d 6c 3e 0a 3c 68 74 6d 6c 3e 0a                 # ml>.<html>.
  `);

  it('reads the request line and headers like tshark', () => {
    const c = conversation();
    c.request(request);
    const [pkt] = dissectAll(c.frames);
    expect(pkt!.protocolColumn).toBe('HTTP');
    expect(pkt!.info).toBe('GET /index.html HTTP/1.1 ');
    expect(fieldValue(pkt!, 'http.request.method')).toBe('GET');
    expect(fieldValue(pkt!, 'http.request.uri')).toBe('/index.html');
    expect(fieldValue(pkt!, 'http.request.version')).toBe('HTTP/1.1');
    expect(fieldValue(pkt!, 'http.host')).toBe('10.53.0.1');
    expect(fieldValue(pkt!, 'http.user_agent')).toBe('curl/7.88.1');
    expect(fieldValue(pkt!, 'http.accept')).toBe('*/*');
    expect(fieldValue(pkt!, 'http.request.full_uri')).toBe('http://10.53.0.1/index.html');
    expect(fieldValue(pkt!, 'http.request')).toBe('1');
    expect(fieldValues(pkt!, 'http.request.line')).toEqual(['Host: 10.53.0.1\r\n', 'User-Agent: curl/7.88.1\r\n', 'Accept: */*\r\n']);
    expect(layerLabel(pkt!, 'http.host')).toEqual(['Host: 10.53.0.1\\r\\n']);
    expect(pkt!.layers.slice(-1)).toEqual(['http']);
    expect(pkt!.taps?.find((t) => t.tap === 'http')?.data).toMatchObject({ kind: 'request', method: 'GET', uri: '/index.html', host: '10.53.0.1' });
  });

  it('pairs the response with its request and shows a text body line by line', () => {
    const c = conversation();
    c.request(request);
    c.response(response);
    const [, pkt] = dissectAll(c.frames);
    expect(pkt!.info).toBe('HTTP/1.1 200 OK  (text/html)');
    expect(pkt!.layers.slice(-2)).toEqual(['http', 'data-text-lines']);
    expect(fieldValue(pkt!, 'http.response.code')).toBe('200');
    expect(fieldValue(pkt!, 'http.response.phrase')).toBe('OK');
    expect(fieldValue(pkt!, 'http.response.code.desc')).toBe('OK');
    expect(fieldValue(pkt!, 'http.content_type')).toBe('text/html; charset=utf-8');
    expect(fieldValue(pkt!, 'http.content_length_header')).toBe('23');
    expect(fieldValue(pkt!, 'http.content_length')).toBe('23');
    expect(fieldValue(pkt!, 'http.request_in')).toBe('1');
    expect(fieldValue(pkt!, 'http.time')).toBe('0.000001000');
    expect(fieldValue(pkt!, 'http.response_for.uri')).toBe('http://10.53.0.1/index.html');
    expect(fieldValue(pkt!, 'http.file_data')).toBe('<!DOCTYPE html>\n<html>\n');
    expect(layerLabel(pkt!, 'data-text-lines')).toEqual(['Line-based text data: text/html (2 lines)']);
    const lines = findAll(pkt!.root, 'data-text-lines')[0]!.children!.map(nodeLabel);
    expect(lines).toEqual(['<!DOCTYPE html>\\n', '<html>\\n']);
  });

  it('shows each body line as tshark escapes it, in the tree and in JSON alike', () => {
    // Plain ASCII lines (written straight from their bytes), a line with UTF-8, a tab and a stray
    // CR (decoded and escaped), quotes and a backslash (escaped again by JSON), and no final LF.
    const body = 'plain <b>"x"</b>\r\nna\u00efve\ttab\n\\path\rcr\n\x01\n\nlast';
    const bytes = Buffer.from(body, 'utf8');
    const c = conversation();
    c.request(request);
    c.response(Buffer.concat([Buffer.from(`HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: ${bytes.length}\r\n\r\n`), bytes]));
    const [, pkt] = dissectAll(c.frames);
    const expected = ['plain <b>"x"</b>\\r\\n', 'na\u00efve\\ttab\\n', '\\path\\rcr\\n', '\\x01\\n', '\\n', 'last'];
    expect(findAll(pkt!.root, 'data-text-lines')[0]!.children!.map(nodeLabel)).toEqual(expected);
    const tree: string[] = [];
    treeLines(pkt!, { explain: true }, tree);
    const at = tree.indexOf('Line-based text data: text/plain (6 lines)');
    // With --explain too: a line of the body has no description line under it.
    expect(tree.slice(at + 1)).toEqual(expected.map((l) => `    ${l}`));
    const json: string[] = [];
    packetJson(pkt!, json);
    // tshark's JSON keys a text item by its words, with "" as the value.
    expect(JSON.parse(json.join(''))._source.layers['data-text-lines']).toEqual(Object.fromEntries(expected.map((l) => [l, ''])));
  });

  it('joins a chunked body and shows each chunk', () => {
    const c = conversation();
    c.request('GET /chunked HTTP/1.1\r\nHost: h\r\n\r\n');
    c.response('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Type: text/plain\r\n\r\n' +
      'c\r\nfirst chunk\n\r\n' + '5;name=x\r\nsecon\r\n' + '0\r\nX-Done: yes\r\n\r\n');
    const [, pkt] = dissectAll(c.frames);
    expect(pkt!.info).toBe('HTTP/1.1 200 OK  (text/plain)');
    expect(fieldValues(pkt!, 'http.chunk_size')).toEqual(['12', '5', '0']);
    expect(fieldValues(pkt!, 'http.chunk_data')).toEqual(['66:69:72:73:74:20:63:68:75:6e:6b:0a', '73:65:63:6f:6e']);
    expect(fieldValue(pkt!, 'http.chunked_trailer_part')).toBe('X-Done: yes\r\n');
    expect(fieldValue(pkt!, 'http.file_data')).toBe('first chunk\nsecon');
    expect(pkt!.extraSources?.map((s) => s.name)).toContain('De-chunked entity body (17 bytes)');
  });

  it('gives HEAD, 204 and 304 responses no body, and keeps 100 Continue from answering the request', () => {
    const c = conversation();
    c.request('HEAD /f HTTP/1.1\r\nHost: h\r\n\r\n');
    c.response('HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n');
    c.request('GET /x HTTP/1.1\r\nHost: h\r\n\r\n');
    c.response('HTTP/1.1 304 Not Modified\r\n\r\n');
    c.request('PUT /y HTTP/1.1\r\nHost: h\r\nContent-Length: 2\r\nExpect: 100-continue\r\n\r\n');
    c.response('HTTP/1.1 100 Continue\r\n\r\n');
    c.request('hi');
    c.response('HTTP/1.1 204 No Content\r\n\r\n');
    const p = dissectAll(c.frames);
    // The HEAD response's Content-Length describes a body that is not sent: the next request is whole.
    expect(p.map((x) => x.info)).toEqual([
      'HEAD /f HTTP/1.1 ', 'HTTP/1.1 200 OK ', 'GET /x HTTP/1.1 ', 'HTTP/1.1 304 Not Modified ',
      expect.stringMatching(/^PUT \/y HTTP\/1\.1  \[TCP segment of a reassembled PDU\]$/), 'HTTP/1.1 100 Continue ',
      'PUT /y HTTP/1.1 ', 'HTTP/1.1 204 No Content ',
    ]);
    expect(fieldValue(p[1]!, 'http.file_data')).toBeUndefined();
    expect(fieldValue(p[5]!, 'http.request_in')).toBeUndefined();
    expect(fieldValue(p[7]!, 'http.request_in')).toBe('7');
    expect(fieldValue(p[7]!, 'http.response_number')).toBe('4');
  });

  it('names status codes as tshark does, whatever phrase the server sent', () => {
    const c = conversation();
    for (const code of [203, 413, 504, 599]) c.response(`HTTP/1.1 ${code} Whatever\r\nContent-Length: 0\r\n\r\n`);
    const p = dissectAll(c.frames);
    expect(p.map((x) => fieldValue(x, 'http.response.code.desc'))).toEqual(['Non-authoritative Information', 'Request Entity Too Large', 'Gateway Time-out', undefined]);
    expect(p.map((x) => fieldValue(x, 'http.response.phrase'))).toEqual(['Whatever', 'Whatever', 'Whatever', 'Whatever']);
  });

  it('reads pipelined messages out of one segment, in order', () => {
    const c = conversation();
    c.request('GET /a HTTP/1.1\r\nHost: h\r\n\r\nGET /b HTTP/1.1\r\nHost: h\r\n\r\n');
    c.response('HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\naHTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n');
    const [req, resp] = dissectAll(c.frames);
    expect(req!.info).toBe('GET /a HTTP/1.1 GET /b HTTP/1.1 ');
    expect(fieldValues(req!, 'http.request.uri')).toEqual(['/a', '/b']);
    expect(fieldValues(req!, 'http.prev_request_in')).toEqual(['1']);
    expect(resp!.info).toBe('HTTP/1.1 200 OK HTTP/1.1 404 Not Found ');
    expect(fieldValues(resp!, 'http.response.code')).toEqual(['200', '404']);
    // First in, first out: each response names its own request (tshark 4.0 gives both /b).
    expect(fieldValues(resp!, 'http.response_for.uri')).toEqual(['http://h/a', 'http://h/b']);
  });
});

describe('HTTP over several segments', () => {
  it('holds a cut header section and dissects it when it completes', () => {
    const c = conversation();
    c.request('GET /split HTTP/1.1\r\nHost: 127.0.');
    c.request('0.1:8000\r\n\r\n');
    const [first, second] = dissectAll(c.frames);
    expect(first!.protocolColumn).toBe('TCP');
    expect(first!.info).toBe('GET /split HTTP/1.1  [TCP segment of a reassembled PDU]');
    expect(first!.layers).not.toContain('http');
    expect(second!.info).toBe('GET /split HTTP/1.1 ');
    expect(fieldValue(second!, 'http.host')).toBe('127.0.0.1:8000');
    expect(fieldValue(second!, 'tcp.reassembled.length')).toBe('45');
  });

  it('names the message in Info only while its length is unknown (Content-Length known after the first segment)', () => {
    const c = conversation();
    c.response('HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 12\r\n\r\nhel');
    c.response('lo ');
    c.response('world\n');
    const [a, b, d] = dissectAll(c.frames);
    expect(a!.info).toBe('HTTP/1.1 200 OK  [TCP segment of a reassembled PDU]');
    expect(b!.info).toMatch(/^80 → 40000 .*\[TCP segment of a reassembled PDU\]$/);
    expect(d!.info).toBe('HTTP/1.1 200 OK  (text/plain)');
    expect(fieldValue(d!, 'http.file_data')).toBe('hello world\n');
  });

  it('takes a response without a length as it comes, segment by segment', () => {
    const c = conversation();
    c.request('GET /stream HTTP/1.0\r\n\r\n');
    c.response('HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n\r\npart one\n');
    c.response('part two\n');
    const [, head, more] = dissectAll(c.frames);
    expect(head!.info).toBe('HTTP/1.0 200 OK  (text/plain)');
    expect(fieldValue(head!, 'http.file_data')).toBe('part one\n');
    expect(more!.protocolColumn).toBe('HTTP');
    expect(more!.info).toBe('Continuation (text/plain)');
    expect(fieldValue(more!, 'http.file_data')).toBe('part two\n');
  });

  it('treats a non-numeric Content-Length as unknown and says so', () => {
    const c = conversation();
    c.response('HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: abc\r\n\r\nhello\n');
    const [pkt] = dissectAll(c.frames);
    expect(pkt!.info).toBe('HTTP/1.1 200 OK  (text/plain)');
    expect(fieldValue(pkt!, 'http.content_length_header')).toBe('abc');
    expect(fieldValue(pkt!, 'http.content_length')).toBeUndefined();
    expect(pkt!.experts.map((e) => e.message)).toContain('Bogus Content-Length: "abc"');
    expect(fieldValue(pkt!, 'http.file_data')).toBe('hello\n');
  });

  it('shows the bytes after 101 Switching Protocols as the protocol the Upgrade header names, else as data', () => {
    const c = conversation();
    c.request('GET /chat HTTP/1.1\r\nHost: h\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n');
    c.response('HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n');
    c.request(hexBytes('81 85 37 fa 21 3d 7f 9f 4d 51 58')); // "Hello", masked, as in http-cases.pcap frame 130
    const p = dissectAll(c.frames);
    expect(fieldValue(p[1]!, 'http.request_in')).toBe('1');
    expect(p[2]!.layers.slice(-2)).toEqual(['websocket', 'data-text-lines']);
    expect([p[2]!.protocolColumn, p[2]!.info, fieldValue(p[2]!, 'websocket.payload.text')]).toEqual(['WebSocket', 'WebSocket Text [FIN] [MASKED]', 'Hello']);
    const h2c = conversation();
    h2c.request('GET / HTTP/1.1\r\nHost: h\r\nUpgrade: h2c\r\nConnection: Upgrade\r\n\r\n');
    h2c.response('HTTP/1.1 101 Switching Protocols\r\nUpgrade: h2c\r\nConnection: Upgrade\r\n\r\n');
    h2c.request(hexBytes('50 52 49 20 2a 20 48 54 54 50 2f 32 2e 30'));
    const q = dissectAll(h2c.frames);
    expect(q[2]!.layers).not.toContain('http');
    expect(q[2]!.layers).toContain('data');
  });

  it('finds HTTP on an unknown port by its request line, and leaves other bytes alone', () => {
    const c = conversation(8888);
    c.request('GET /x HTTP/1.1\r\nHost: h\r\n\r\n');
    const [pkt] = dissectAll(c.frames);
    expect(pkt!.info).toBe('GET /x HTTP/1.1 ');
    const other = conversation(8889);
    other.request('HELLO THERE, not http at all\r\n');
    const [plain] = dissectAll(other.frames);
    expect(plain!.layers).not.toContain('http');
  });

  it('shows what is there when a datagram-style buffer ends inside the header section', () => {
    const c = conversation();
    c.request('GET /cut HTTP/1.1\r\nHost: h\r\n');
    // Without TCP reassembly (the preference off) the segment is all there is.
    const [pkt] = dissectAll(c.frames, 1, { prefs: { 'tcp.desegment_tcp_streams': 'FALSE' } });
    expect(pkt!.info).toBe('GET /cut HTTP/1.1 ');
    expect(fieldValue(pkt!, 'http.host')).toBe('h');
    expect(pkt!.experts.map((e) => e.message)).toContain('The header section ends before its empty line');
    expect(isMalformed(pkt!)).toBe(false);
  });
});

// ---------------------------------------------------------------------------------------------
// Real captures. Expected values are what tshark 4.0.17 prints for the same files.

const fixtures = path.join(repoRoot, 'test', 'fixtures');

describe('test/fixtures/http-cases.pcap against tshark', async () => {
  const file = path.join(fixtures, 'http-cases.pcap');
  const packets = fs.existsSync(file) ? await dissectFile(file) : [];
  const byNumber = (n: number) => packets[n - 1]!;

  it.skipIf(!packets.length)('has the Protocol and Info columns tshark shows', () => {
    // frame, protocol, info — tshark's, except the deliberate differences noted below.
    const expected: [number, string, string][] = [
      [4, 'HTTP', 'HEAD /file.bin HTTP/1.1 '],
      [6, 'HTTP', 'HTTP/1.1 200 OK '],
      [15, 'HTTP', 'DELETE /item/7 HTTP/1.1 '],
      [17, 'HTTP', 'HTTP/1.1 204 No Content '],
      [19, 'HTTP', 'GET /cached.css HTTP/1.1 '],
      [21, 'HTTP', 'HTTP/1.1 304 Not Modified '],
      [23, 'HTTP', 'GET /login HTTP/1.1 '],
      [25, 'HTTP', 'HTTP/1.1 302 Found '],
      [34, 'TCP', 'PUT /config HTTP/1.1  [TCP segment of a reassembled PDU]'],
      [36, 'HTTP', 'HTTP/1.1 100 Continue '],
      [38, 'HTTP', 'PUT /config HTTP/1.1  (text/plain)'],
      [40, 'HTTP', 'HTTP/1.1 201 Created  (text/plain)'],
      [49, 'HTTP', 'GET /a.txt HTTP/1.1 GET /b.txt HTTP/1.1 '],
      [51, 'HTTP', 'HTTP/1.1 200 OK  (text/plain)HTTP/1.1 200 OK  (text/plain)'],
      [60, 'HTTP', 'GET /stream HTTP/1.0 '],
      // tshark waits for the FIN (frame 68) to end a body without length; vpnscope shows each segment.
      [62, 'HTTP', 'HTTP/1.0 200 OK  (text/plain)'],
      [64, 'HTTP', 'Continuation (text/plain)'],
      [66, 'HTTP', 'Continuation (text/plain)'],
      [75, 'TCP', 'GET /split HTTP/1.1  [TCP segment of a reassembled PDU]'],
      [77, 'HTTP', 'GET /split HTTP/1.1 '],
      [79, 'TCP', 'HTTP/1.1 200 OK  [TCP segment of a reassembled PDU]'],
      [81, 'TCP', 'HTTP/1.1 200 OK  [TCP segment of a reassembled PDU]'],
      [83, 'HTTP', 'HTTP/1.1 200 OK  (text/plain)'],
      [85, 'HTTP', 'GET /chunks HTTP/1.1 '],
      [87, 'TCP', 'HTTP/1.1 200 OK  [TCP segment of a reassembled PDU]'],
      [89, 'TCP', 'HTTP/1.1 200 OK  [TCP segment of a reassembled PDU]'],
      [91, 'HTTP', 'HTTP/1.1 200 OK  (text/plain)'],
      [100, 'HTTP', 'GET /blob HTTP/1.1 '],
      [102, 'HTTP', 'HTTP/1.1 200 OK '],
      [104, 'HTTP', 'POST /raw HTTP/1.1 '],
      [106, 'HTTP', 'HTTP/1.1 404 Not Found '],
      [115, 'HTTP', 'GET http://example.com/proxy HTTP/1.1 '],
      [117, 'HTTP', 'HTTP/1.1 200 OK  (text/plain)'],
      [126, 'HTTP', 'GET /chat HTTP/1.1 '],
      [128, 'HTTP', 'HTTP/1.1 101 Switching Protocols '],
    ];
    for (const [n, proto, info] of expected) {
      expect([n, byNumber(n).protocolColumn, byNumber(n).info]).toEqual([n, proto, info]);
    }
    const httpFrames = packets.filter((p) => p.layers.includes('http')).map((p) => p.number);
    expect(httpFrames).toEqual(expected.filter(([, proto]) => proto === 'HTTP').map(([n]) => n));
  });

  it.skipIf(!packets.length)('has tshark\'s field values', () => {
    const f = (n: number, abbrev: string) => fieldValues(byNumber(n), abbrev).join(',');
    expect(f(4, 'http.request.method')).toBe('HEAD');
    expect([f(6, 'http.response.code'), f(6, 'http.content_length'), f(6, 'http.content_type'), f(6, 'http.request_in'), f(6, 'http.time')])
      .toEqual(['200', '1000', 'application/octet-stream', '4', '0.051301000']);
    expect(f(15, 'http.authbasic')).toBe('vpnscope:secret');
    expect(f(17, 'http.response.code')).toBe('204');
    expect(f(19, 'http.referer')).toBe('http://127.0.0.1:8000/');
    expect(f(23, 'http.cookie_pair')).toBe('session=old,theme=dark');
    expect([f(25, 'http.location'), f(25, 'http.set_cookie'), f(25, 'http.content_length'), f(25, 'http.prev_request_in'), f(25, 'http.prev_response_in')])
      .toEqual(['/home', 'session=new; Path=/', '0', '19', '21']);
    expect([f(38, 'http.request.method'), f(38, 'http.content_length'), f(38, 'http.file_data')]).toEqual(['PUT', '29', '{"vpn":"openvpn","port":1194}']);
    expect([f(40, 'http.request_in'), f(40, 'http.time'), f(40, 'http.file_data')]).toEqual(['38', '0.055672000', 'ok\n']);
    expect([f(83, 'http.request_in'), f(83, 'http.time'), f(83, 'http.file_data')]).toEqual(['77', '0.151285000', 'hello world\n']);
    expect([f(91, 'http.chunk_size'), f(91, 'http.chunked_trailer_part'), f(91, 'http.file_data')]).toEqual(['5,6,0', 'X-Trailer: done\r\n', 'hello world']);
    expect(f(104, 'http.file_data')).toBe('12345');
    expect(byNumber(104).layers.slice(-2)).toEqual(['http', 'data']);
    expect(byNumber(102).layers.slice(-2)).toEqual(['http', 'data']);
    expect([f(115, 'http.request.uri'), f(115, 'http.request.full_uri')]).toEqual(['http://example.com/proxy', 'http://example.com/proxy']);
    expect([f(128, 'http.response.code'), f(128, 'http.request_in'), f(128, 'http.time')]).toEqual(['101', '126', '0.050363000']);
  });
});

describe('WebSocket frames after an upgrade', () => {
  function upgraded() {
    const c = conversation();
    c.request('GET /chat HTTP/1.1\r\nHost: h\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n');
    c.response('HTTP/1.1 101 Switching Protocols\r\nUpgrade: WebSocket\r\nConnection: Upgrade\r\n\r\n');
    return c;
  }

  it('reads every kind of frame: text, binary, ping, pong, close with status and reason, continuation', () => {
    const c = upgraded();
    c.response(hexBytes('81 02 68 69')); // text "hi", unmasked (server to client)
    c.response(hexBytes('82 03 01 02 03')); // binary
    c.response(hexBytes('89 01 70 8a 01 70')); // a ping and a pong in one segment
    c.response(hexBytes('01 03 61 62 63 80 03 64 65 66')); // "abc" without FIN, then its continuation
    c.response(hexBytes('88 05 03 e8 62 79 65')); // close 1000 "bye"
    const [, , text, binary, pingPong, fragmented, close] = dissectAll(c.frames);
    expect([text!.info, fieldValue(text!, 'websocket.payload.text'), fieldValue(text!, 'websocket.mask')]).toEqual(['WebSocket Text [FIN]', 'hi', '0']);
    expect([binary!.info, fieldValue(binary!, 'websocket.payload.binary')]).toEqual(['WebSocket Binary [FIN]', '01:02:03']);
    expect([pingPong!.info, fieldValue(pingPong!, 'websocket.payload.ping'), fieldValue(pingPong!, 'websocket.payload.pong')]).toEqual(['WebSocket Ping [FIN] WebSocket Pong [FIN]', '70', '70']);
    expect([fragmented!.info, fieldValues(fragmented!, 'websocket.fin'), fieldValue(fragmented!, 'websocket.payload.continue')]).toEqual(['WebSocket Text WebSocket Continuation [FIN]', ['0', '1'], '64:65:66']);
    expect([close!.info, fieldValue(close!, 'websocket.payload.close.status_code'), fieldValue(close!, 'websocket.payload.close.reason')]).toEqual(['WebSocket Connection Close [FIN]', '1000', 'bye']);
    expect(layerLabel(close!, 'websocket.payload.close.status_code')).toEqual(['Status code: Normal Closure (1000)']);
  });

  it('joins a frame cut across segments and reads a 16-bit extended length', () => {
    const c = upgraded();
    c.response(hexBytes('81 7e 00 c8 61 61'));
    c.response(new Uint8Array(198).fill(0x61));
    const [, , head, rest] = dissectAll(c.frames);
    expect(head!.layers).not.toContain('websocket');
    expect([rest!.info, fieldValue(rest!, 'websocket.payload_length'), fieldValue(rest!, 'websocket.payload_length_ext_16')]).toEqual(['WebSocket Text [FIN]', '126', '200']);
    expect(fieldValue(rest!, 'websocket.payload.text')).toBe('a'.repeat(200));
  });

  it('unmasks a client frame into a data source of its own', () => {
    const c = upgraded();
    c.request(hexBytes('81 85 37 fa 21 3d 7f 9f 4d 51 58'));
    const [, , pkt] = dissectAll(c.frames);
    expect(pkt!.extraSources?.map((x) => [x.name, Buffer.from(x.bytes).toString()])).toEqual([['Unmasked data', 'Hello']]);
    expect(fieldValue(pkt!, 'websocket.masking_key')).toBe('37:fa:21:3d');
  });
});

describe('samples/http.pcap against tshark', async () => {
  const file = path.join(samplesDir, 'http.pcap');
  const packets = fs.existsSync(file) ? await dissectFile(file) : [];
  const http = packets.filter((p) => p.layers.includes('http'));

  it.skipIf(!packets.length)('shows every message as tshark does', () => {
    expect(http.map((p) => `${p.protocolColumn} ${p.info}`)).toEqual([
      'HTTP GET /index.html HTTP/1.1 ', 'HTTP HTTP/1.1 200 OK  (text/html)',
      'HTTP POST /form HTTP/1.1  (application/x-www-form-urlencoded)',
      'HTTP/JSON HTTP/1.1 200 OK , JavaScript Object Notation (application/json)',
      'HTTP/JSON POST /api/echo HTTP/1.1 , JavaScript Object Notation (application/json)',
      'HTTP/JSON HTTP/1.1 201 Created , JavaScript Object Notation (application/json)',
      'HTTP GET /index.html HTTP/1.1 ', 'HTTP HTTP/1.1 200 OK  (text/html)',
      'HTTP GET /style.css HTTP/1.1 ', 'HTTP HTTP/1.1 200 OK  (text/css)',
      'HTTP GET /hello.txt HTTP/1.1 ', 'HTTP HTTP/1.1 200 OK  (text/plain)',
      'HTTP GET /chunked HTTP/1.1 ', 'HTTP HTTP/1.1 200 OK  (text/plain)',
      'HTTP GET /big.txt HTTP/1.1 ', 'HTTP HTTP/1.1 200 OK  (text/plain)',
      'HTTP GET /missing.html HTTP/1.1 ', 'HTTP HTTP/1.1 404 Not Found  (text/html)',
      'HTTP GET /hello.txt HTTP/1.1 ', 'HTTP HTTP/1.1 200 OK  (text/plain)',
      'HTTP GET /index.html HTTP/1.1 ', 'HTTP HTTP/1.1 200 OK  (text/html)',
    ]);
  });

  it.skipIf(!packets.length)('has tshark\'s field values', () => {
    const f = (p: Packet, abbrev: string) => fieldValues(p, abbrev).join(',');
    expect(http.map((p) => f(p, 'http.request.uri')).filter(Boolean)).toEqual([
      '/index.html', '/form', '/api/echo', '/index.html', '/style.css', '/hello.txt', '/chunked', '/big.txt', '/missing.html', '/hello.txt', '/index.html',
    ]);
    expect(http.map((p) => f(p, 'http.response.code')).filter(Boolean)).toEqual(['200', '200', '201', '200', '200', '200', '200', '200', '404', '200', '200']);
    expect(http.map((p) => f(p, 'http.content_length')).filter(Boolean)).toEqual(['237', '46', '74', '59', '81', '237', '54', '20', '262144', '85', '20', '237']);
    expect(http.map((p) => f(p, 'http.request.full_uri')).filter(Boolean).slice(-2)).toEqual(['http://[fd53::1]/hello.txt', 'http://10.53.0.1:8080/index.html']);
    const form = http[2]!;
    expect(form.layers.slice(-1)).toEqual(['urlencoded-form']);
    expect(fieldValues(form, 'urlencoded-form.key')).toEqual(['name', 'lang', 'note']);
    expect(fieldValues(form, 'urlencoded-form.value')).toEqual(['vpnscope', 'typescript', 'hello world']);
    const keepAlive = http.slice(6, 12);
    expect(keepAlive.map((p) => f(p, 'http.request_number') || f(p, 'http.response_number'))).toEqual(['1', '1', '2', '2', '3', '3']);
    expect(f(keepAlive[3]!, 'http.prev_request_in')).toBe(String(keepAlive[0]!.number));
    expect(f(keepAlive[3]!, 'http.prev_response_in')).toBe(String(keepAlive[1]!.number));
    const chunked = http[13]!;
    expect(f(chunked, 'http.chunk_size')).toBe('12,30,21,0');
    expect(f(chunked, 'http.file_data')).toBe('first chunk\nsecond chunk, a little longer\nthird and last chunk\n');
    expect(layerLabel(chunked, 'data-text-lines')).toEqual(['Line-based text data: text/plain (3 lines)']);
    const big = http[15]!;
    expect(fieldValue(big, 'tcp.reassembled.length')).toBe('262289');
    expect(layerLabel(big, 'data-text-lines')).toEqual(['Line-based text data: text/plain (4096 lines)']);
  });
});

// ---------------------------------------------------------------------------------------------

describe('hostile and mutated input', () => {
  const corpus = path.join(corpusDir, 'tcpdump');
  const hostile = fs.existsSync(corpus) ? fs.readdirSync(corpus).filter((f) => /http|tls|ssl/i.test(f)).map((f) => path.join(corpus, f)) : [];

  it.skipIf(hostile.length === 0)('reads the tcpdump http/tls/ssl captures without dissector exceptions', async () => {
    const started = Date.now();
    let httpLayers = 0;
    for (const file of hostile) {
      for (const pkt of await dissectFile(file)) {
        httpLayers += pkt.layers.filter((l) => l === 'http').length;
        expect(pkt.experts.filter((e) => e.message.startsWith('Dissector bug')).map((e) => `${file} #${pkt.number}: ${e.message}`)).toEqual([]);
      }
    }
    expect(httpLayers).toBeGreaterThan(0);
    expect(Date.now() - started).toBeLessThan(20_000);
  }, 60_000);

  it('survives mutated HTTP segments: no exceptions, bounded time', () => {
    const c = conversation();
    c.request('POST /x HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\nContent-Type: text/plain\r\n\r\n4\r\nabcd\r\n0\r\n\r\n');
    c.response('HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Type: application/x-www-form-urlencoded\r\n\r\na=%zz');
    let seed = 7;
    const rand = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff);
    const started = Date.now();
    const session = new Session({ buildTree: true });
    for (let round = 0; round < 400; round++) {
      c.frames.forEach((f, i) => {
        const b = Uint8Array.from(f);
        for (let k = 0; k < 3; k++) b[54 + Math.floor(rand() * (b.length - 54))] = Math.floor(rand() * 256);
        const pkt = session.dissect(makeFrame(b, 1, round * 2 + i + 1));
        expect(pkt.experts.filter((e) => e.message.startsWith('Dissector bug'))).toEqual([]);
      });
    }
    expect(Date.now() - started).toBeLessThan(10_000);
  });
});

describe('-T fields text, against tshark', () => {
  it('escapes CR, LF and tab once and leaves a backslash alone', () => {
    // IPv4/TCP 40000 → 80: "GET /a\b HTTP/1.1\r\nHost: x\y<TAB>z\r\n\r\n"
    const p = dissectAll([hexBytes('4500004c00010000400666ab0a0000010a0000029c4000500000000100000001501803e800000000474554202f615c6220485454502f312e310d0a486f73743a20785c79097a0d0a0d0a')], 101)[0]!;
    const line = fieldsLine(p, parseFieldsOptions(['http.request.uri', 'http.host', 'http.request.line'], [], 6));
    // tshark -T fields -e http.request.uri -e http.host -e http.request.line on the same bytes
    expect(line).toBe('/a\\b\tx\\y\\tz\tHost: x\\y\\tz\\r\\n');
  });
});
