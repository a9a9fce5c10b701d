/**
 * TLS: a real ClientHello as a hex dump (called directly, the way OpenVPN calls TLS, with and without
 * stream data), alerts, records cut short, bad lengths, handshake messages split over records, the
 * port-less heuristic, then real captures compared with tshark 4.0's values:
 * test/fixtures/tls12.pcap and tls13.pcap (made by test/fixtures/make-tls.sh) and samples/tls1[23].pcap.
 */
import { describe, expect, it } from 'vitest';
import fs from 'node:fs';
import path from 'node:path';
import { Session } from '../src/engine/session.js';
import { Packet } from '../src/engine/packet.js';
import { Buf } from '../src/engine/buf.js';
import { callDissector, findProtocol } from '../src/engine/dispatch.js';
import { StreamDirection } from '../src/engine/stream.js';
import { openCapture } from '../src/capture/open.js';
import { findAll } from '../src/engine/query.js';
import { nodeLabel } from '../src/engine/format.js';
import { corpusDir, dissectAll, fieldValue, fieldValues, hexBytes, isMalformed, makeFrame, repoRoot, samplesDir } from './util.js';

/**
 * The ClientHello of the second connection in test/fixtures/tls13.pcap (frame 24): openssl s_client
 * -tls1_3 -ciphersuites TLS_CHACHA20_POLY1305_SHA256 -servername www.vpnscope.test -alpn h2,http/1.1.
 */
const clientHello = hexBytes(`
  16 03 01 01 04                                   # record: handshake, TLS 1.0, 260 bytes
  01 00 01 00                                      # ClientHello, 256 bytes
  03 03                                            # client version TLS 1.2
  d6 f5 97 8a 35 e8 50 22 e8 86 b3 f3 34 7e 92 ca  # random
  d3 b0 87 c3 61 90 4c cd e3 e0 4a 6c 9b 8e 66 08
  20                                               # session id: 32 bytes
  65 8a f9 03 1e 49 ea 01 bc fe f4 cd ab 8b 7a 13
  d1 4e cb b8 36 ae 5e a7 6b 51 bc 7a 30 66 51 67
  00 04 13 03 00 ff                                # cipher suites: CHACHA20_POLY1305, EMPTY_RENEGOTIATION_INFO_SCSV
  01 00                                            # compression: null
  00 b3                                            # extensions: 179 bytes
  00 00 00 16 00 14 00 00 11 77 77 77 2e 76 70 6e  # server_name www.vpnscope.test
  73 63 6f 70 65 2e 74 65 73 74
  00 0b 00 04 03 00 01 02                          # ec_point_formats
  00 0a 00 16 00 14 00 1d 00 17 00 1e 00 19 00 18  # supported_groups
  01 00 01 01 01 02 01 03 01 04
  00 23 00 00                                      # session_ticket
  00 10 00 0e 00 0c 02 68 32 08 68 74 74 70 2f 31  # ALPN h2, http/1.1
  2e 31
  00 16 00 00                                      # encrypt_then_mac
  00 17 00 00                                      # extended_master_secret
  00 0d 00 1e 00 1c 04 03 05 03 06 03 08 07 08 08  # signature_algorithms
  08 09 08 0a 08 0b 08 04 08 05 08 06 04 01 05 01
  06 01
  00 2b 00 03 02 03 04                             # supported_versions: TLS 1.3
  00 2d 00 02 01 01                                # psk_key_exchange_modes: psk_dhe_ke
  00 33 00 26 00 24 00 1d 00 20 0e 13 a3 3c 5e 0b  # key_share: x25519, 32 bytes
  a7 b4 51 9f 15 f7 46 c4 45 d4 fd d8 ec 8c 67 2c
  a6 c7 03 6d 10 f3 71 ab 4a 0e
`);

const tls = findProtocol('tls')!;

/** Runs TLS on `bytes` as the only layer of a fresh packet, optionally with a stream direction. */
function callTls(bytes: Uint8Array, session = new Session(), data?: unknown, number = 1): Packet {
  const pkt = new Packet(makeFrame(bytes, 147, number), session, true);
  callDissector(tls, pkt.buf, pkt, pkt.root, data);
  return pkt;
}

function labels(pkt: Packet, abbrev: string): string[] {
  return findAll(pkt.root, abbrev).map(nodeLabel);
}

/** Ethernet + IPv4 + TCP around each payload, client 10.0.0.2:40000 → server 10.0.0.1:`port`. */
function tcpFrames(port: number, payloads: ['c' | 's', Uint8Array][]): Uint8Array[] {
  const seq = { c: 1000, s: 9000 };
  return payloads.map(([side, payload]) => {
    const total = 40 + payload.length;
    const b = new Uint8Array(14 + total);
    const [src, dst, sport, dport] = side === 'c' ? [[10, 0, 0, 2], [10, 0, 0, 1], 40000, port] : [[10, 0, 0, 1], [10, 0, 0, 2], port, 40000];
    b.set([2, 0, 0, 0, 0, 1, 2, 0, 0, 0, 0, 2, 0x08, 0x00], 0);
    b.set([0x45, 0, total >> 8, total & 255, 0, 1, 0x40, 0, 64, 6, 0, 0, ...(src as number[]), ...(dst as number[])], 14);
    b.set([(sport as number) >> 8, (sport as number) & 255, (dport as number) >> 8, (dport as number) & 255], 34);
    const v = new DataView(b.buffer);
    v.setUint32(38, seq[side]);
    v.setUint32(42, seq[side === 'c' ? 's' : 'c']);
    b.set([0x50, 0x18, 0xff, 0xff, 0, 0, 0, 0], 46);
    b.set(payload, 54);
    seq[side] += payload.length;
    return b;
  });
}

async function dissectFile(file: string): Promise<Packet[]> {
  const session = new Session({ buildTree: true });
  const out: Packet[] = [];
  await openCapture(file).run((frame) => {
    out.push(session.dissect({ ...frame, bytes: Uint8Array.from(frame.bytes) }));
  });
  return out;
}

// ---------------------------------------------------------------------------------------------

describe('a ClientHello', () => {
  it('is read field by field, as tshark reads it', () => {
    const pkt = callTls(clientHello);
    expect(pkt.protocolColumn).toBe('TLSv1');
    expect(pkt.info).toBe('Client Hello');
    expect(labels(pkt, 'tls.record')).toEqual(['TLSv1 Record Layer: Handshake Protocol: Client Hello']);
    expect(fieldValue(pkt, 'tls.record.content_type')).toBe('22');
    expect(fieldValue(pkt, 'tls.record.version')).toBe('0x0301');
    expect(fieldValue(pkt, 'tls.record.length')).toBe('260');
    expect(fieldValue(pkt, 'tls.handshake.type')).toBe('1');
    expect(fieldValue(pkt, 'tls.handshake.length')).toBe('256');
    expect(fieldValue(pkt, 'tls.handshake.version')).toBe('0x0303');
    expect(fieldValue(pkt, 'tls.handshake.session_id_length')).toBe('32');
    expect(fieldValues(pkt, 'tls.handshake.ciphersuite')).toEqual(['0x1303', '0x00ff']);
    expect(labels(pkt, 'tls.handshake.ciphersuite')).toEqual([
      'Cipher Suite: TLS_CHACHA20_POLY1305_SHA256 (0x1303)', 'Cipher Suite: TLS_EMPTY_RENEGOTIATION_INFO_SCSV (0x00ff)',
    ]);
    expect(fieldValue(pkt, 'tls.handshake.extensions_server_name')).toBe('www.vpnscope.test');
    expect(fieldValues(pkt, 'tls.handshake.extensions_alpn_str')).toEqual(['h2', 'http/1.1']);
    expect(fieldValues(pkt, 'tls.handshake.extensions.supported_version')).toEqual(['0x0304']);
    expect(fieldValues(pkt, 'tls.handshake.extensions_supported_group')).toEqual(
      ['0x001d', '0x0017', '0x001e', '0x0019', '0x0018', '0x0100', '0x0101', '0x0102', '0x0103', '0x0104']);
    expect(fieldValues(pkt, 'tls.handshake.sig_hash_alg')).toEqual(
      ['0x0403', '0x0503', '0x0603', '0x0807', '0x0808', '0x0809', '0x080a', '0x080b', '0x0804', '0x0805', '0x0806', '0x0401', '0x0501', '0x0601']);
    expect(fieldValues(pkt, 'tls.handshake.extensions_key_share_group')).toEqual(['29']);
    expect(fieldValues(pkt, 'tls.extension.psk_ke_mode')).toEqual(['1']);
    expect(labels(pkt, 'tls.handshake.extension.type').slice(0, 3)).toEqual(['Type: server_name (0)', 'Type: ec_point_formats (11)', 'Type: supported_groups (10)']);
    expect(fieldValue(pkt, 'tls.handshake.ja3_full')).toBe('771,4867-255,0-11-10-35-16-22-23-13-43-45-51,29-23-30-25-24-256-257-258-259-260,0-1-2');
    expect(fieldValue(pkt, 'tls.handshake.ja3')).toBe('fcc126ac95292f06165b96480f1c373f');
    expect(pkt.taps?.find((t) => t.tap === 'tls')?.data).toMatchObject({ sni: 'www.vpnscope.test', alpn: ['h2', 'http/1.1'], records: ['Client Hello'] });
  });

  it('is put together from two pieces of a stream (the way OpenVPN hands over its control channel)', () => {
    const session = new Session();
    const direction = new StreamDirection('OpenVPN control');
    const first = callTls(clientHello.subarray(0, 100), session, { direction }, 1);
    expect(first.layers).toEqual(['tls']);
    expect(first.info).toBe('[OpenVPN control segment of a reassembled PDU]');
    expect(fieldValue(first, 'tls.handshake.type')).toBeUndefined();
    const second = callTls(clientHello.subarray(100), session, { direction }, 2);
    expect(second.info).toBe('Client Hello');
    expect(fieldValue(second, 'tls.handshake.extensions_server_name')).toBe('www.vpnscope.test');
    expect(second.extraSources?.map((s) => s.name)).toEqual(['Reassembled OpenVPN control (265 bytes)']);
  });

  it('is reassembled when split over two handshake records', () => {
    const hs = clientHello.subarray(5);
    const record = (part: Uint8Array) => Uint8Array.from([0x16, 3, 1, part.length >> 8, part.length & 255, ...part]);
    const session = new Session();
    const direction = new StreamDirection('TCP');
    const a = callTls(record(hs.subarray(0, 40)), session, { direction }, 1);
    expect(a.info).toBe('[Client Hello Fragment]');
    expect(labels(a, 'tls.record')).toEqual(['TLSv1 Record Layer: Handshake Protocol: Client Hello (fragment)']);
    const b = callTls(record(hs.subarray(40)), session, { direction }, 2);
    expect(b.info).toBe('Client Hello');
    expect(labels(b, 'tls.handshake')).toEqual(['Handshake Protocol: Client Hello (last fragment)', 'Handshake Protocol: Client Hello']);
    expect(labels(b, 'tls.handshake.fragments')).toEqual(['[2 Reassembled Handshake Fragments (260 bytes): #1(40), #2(220)]']);
    expect(fieldValue(b, 'tls.handshake.extensions_server_name')).toBe('www.vpnscope.test');
  });

  it('is found on a port no table names, by the heuristic', () => {
    const frames = tcpFrames(8443, [['c', clientHello]]);
    const [pkt] = dissectAll(frames);
    expect(pkt!.layers.slice(-1)).toEqual(['tls']);
    expect(pkt!.info).toBe('Client Hello');
    const [other] = dissectAll(tcpFrames(8443, [['c', hexBytes('16 03 01 00 05 63 6f 6f 6b 69 65 20 6e 6f 74 20 74 6c 73')]]));
    expect(other!.layers).not.toContain('tls');
  });
});

describe('records', () => {
  it('shows a plaintext alert with its level and description', () => {
    const pkt = callTls(hexBytes('15 03 03 00 02  02 28  # alert: fatal, handshake_failure'));
    expect(pkt.info).toBe('Alert (Level: Fatal, Description: Handshake Failure)');
    expect(labels(pkt, 'tls.record')).toEqual(['TLSv1.2 Record Layer: Alert (Level: Fatal, Description: Handshake Failure)']);
    expect(fieldValue(pkt, 'tls.alert_message.level')).toBe('2');
    expect(fieldValue(pkt, 'tls.alert_message.desc')).toBe('40');
  });

  it('reads several records in one buffer and flags bytes that are not a record', () => {
    const pkt = callTls(hexBytes(`
      17 03 03 00 01 61                                # application data, 1 byte
      14 03 03 00 01 01                                # change cipher spec
      ff ff ff 01 02                                   # not a record
    `));
    expect(pkt.protocolColumn).toBe('TLSv1.2');
    expect(pkt.info).toBe('Application Data, Change Cipher Spec, Ignored Unknown Record');
    expect(fieldValues(pkt, 'tls.record.content_type')).toEqual(['23', '20']);
    expect(fieldValue(pkt, 'tls.app_data')).toBe('61');
    expect(pkt.experts.map((e) => `${e.group}: ${e.message}`)).toEqual(['Protocol: Ignored Unknown Record']);
  });

  it('marks a record cut short (no stream to wait on) as malformed after showing its header', () => {
    const pkt = callTls(clientHello.subarray(0, 60));
    expect(fieldValue(pkt, 'tls.record.length')).toBe('260');
    expect(labels(pkt, 'tls.record')).toEqual(['TLSv1 Record Layer: Handshake Protocol: Client Hello (fragment)']);
    expect(isMalformed(pkt)).toBe(true);
  });

  it('waits for the rest of a record on a stream, then shows it whole', () => {
    const session = new Session();
    const direction = new StreamDirection('TCP');
    const a = callTls(hexBytes('17 03 03 00 08 01 02 03'), session, { direction }, 1);
    expect(a.info).toBe('[TCP segment of a reassembled PDU]');
    expect(isMalformed(a)).toBe(false);
    const b = callTls(hexBytes('04 05 06 07 08  17 03 03 00 01 ff'), session, { direction }, 2);
    expect(b.info).toBe('Application Data, Application Data');
    expect(fieldValues(b, 'tls.app_data')).toEqual(['01:02:03:04:05:06:07:08', 'ff']);
  });

  it('flags a record longer than TLS allows', () => {
    const body = new Uint8Array(0x4801);
    const pkt = callTls(Uint8Array.from([0x17, 3, 3, 0x48, 0x01, ...body]));
    expect(fieldValue(pkt, 'tls.record.length')).toBe('18433');
    expect(pkt.experts.map((e) => e.message)).toContain('Record length 18433 is larger than the 18432 bytes allowed');
  });

  it('shows handshake records after ChangeCipherSpec as encrypted', () => {
    const session = new Session();
    callTls(hexBytes('14 03 03 00 01 01'), session, undefined, 1);
    const pkt = callTls(hexBytes('16 03 03 00 08 14 00 00 0c de ad be ef  15 03 03 00 02 9a 9b'), session, undefined, 2);
    expect(pkt.info).toBe('Encrypted Handshake Message, Encrypted Alert');
    expect(labels(pkt, 'tls.record')).toEqual(['TLSv1.2 Record Layer: Handshake Protocol: Encrypted Handshake Message', 'TLSv1.2 Record Layer: Encrypted Alert']);
  });
});

// ---------------------------------------------------------------------------------------------
// Real captures. Expected values are what tshark 4.0.17 prints for the same files.

const fixtures = path.join(repoRoot, 'test', 'fixtures');

/** frame, Protocol, Info, tls.handshake.type, SNI, cipher suites, ALPN, JA3, JA3S, certificate lengths, record lengths */
type Row = [number, string, string, string, string, string, string, string, string, string, string];

function row(p: Packet): Row {
  const f = (a: string) => fieldValues(p, a).join(',');
  return [p.number, p.protocolColumn, p.info, f('tls.handshake.type'), f('tls.handshake.extensions_server_name'), f('tls.handshake.ciphersuite'),
    f('tls.handshake.extensions_alpn_str'), f('tls.handshake.ja3'), f('tls.handshake.ja3s'), f('tls.handshake.certificate_length'), f('tls.record.length')];
}

describe('test/fixtures/tls12.pcap against tshark', async () => {
  const file = path.join(fixtures, 'tls12.pcap');
  const packets = fs.existsSync(file) ? await dissectFile(file) : [];

  it.skipIf(!packets.length)('has tshark\'s columns and handshake fields in every frame with TCP data', () => {
    const tls12: Row[] = [
      [4, 'TLSv1', 'Client Hello', '1', 'vpnscope.test', '0xc02f,0x00ff', 'http/1.1', '8b108d7a0ee2968b8206f743685cfb9f', '', '', '168'],
      [6, 'TLSv1.2', 'Server Hello, Certificate, Server Key Exchange, Server Hello Done', '2,11,12,14', '', '0xc02f', 'http/1.1', '', '4ef1b297bb817d8212165a86308bac5f', '853', '80,863,300,4'],
      [8, 'TLSv1.2', 'Client Key Exchange, Change Cipher Spec, Encrypted Handshake Message', '16', '', '', '', '', '', '', '37,1,40'],
      [9, 'TLSv1.2', 'New Session Ticket, Change Cipher Spec, Encrypted Handshake Message', '4', '', '', '', '', '', '', '186,1,40'],
      [10, 'TLSv1.2', 'Application Data', '', '', '', '', '', '', '', '57'],
      [11, 'TLSv1.2', 'Application Data', '', '', '', '', '', '', '', '57'],
      [13, 'TLSv1.2', 'Encrypted Alert', '', '', '', '', '', '', '', '26'],
      [14, 'TLSv1.2', 'Encrypted Alert', '', '', '', '', '', '', '', '26'],
      [22, 'TLSv1', 'Client Hello', '1', '', '0x003c,0x00ff', '', '3132fcb2b889d006c788833d3eb4684b', '', '', '107'],
      [24, 'TLSv1.2', 'Server Hello, Certificate, Server Hello Done', '2,11,14', '', '0x003c', '', '', '9fab333bee8e4f1e571c9e98ecad33bc', '853', '61,863,4'],
      [26, 'TLSv1.2', 'Client Key Exchange, Change Cipher Spec, Encrypted Handshake Message', '16', '', '', '', '', '', '', '262,1,80'],
      [27, 'TLSv1.2', 'New Session Ticket, Change Cipher Spec, Encrypted Handshake Message', '4', '', '', '', '', '', '', '186,1,80'],
      [28, 'TLSv1.2', 'Application Data', '', '', '', '', '', '', '', '96'],
      [29, 'TLSv1.2', 'Application Data', '', '', '', '', '', '', '', '96'],
      [31, 'TLSv1.2', 'Encrypted Alert', '', '', '', '', '', '', '', '64'],
      [33, 'TLSv1.2', 'Encrypted Alert', '', '', '', '', '', '', '', '64'],
      [40, 'TLSv1', 'Client Hello', '1', 'vpnscope.test', '0xc030,0x00ff', '', '6f8cab1083dd7ae38ecec51d730a9424', '', '', '153'],
      [42, 'TLSv1.2', 'Server Hello', '2', '', '0xc030', '', '', 'ec74a5c51106f0419184d0dd08fb05bc', '', '65'],
      [43, 'TLSv1.2', 'Certificate', '11', '', '', '', '', '', '853', '863'],
      [44, 'TLSv1.2', 'Server Key Exchange, Certificate Request, Server Hello Done', '12,13,14', '', '', '', '', '', '', '300,106,4'],
      [48, 'TCP', '[TCP segment of a reassembled PDU]', '', '', '', '', '', '', '', ''],
      [49, 'TLSv1.2', 'Certificate, Client Key Exchange', '11,16', '', '', '', '', '', '841', '851,37'],
      [50, 'TLSv1.2', 'Certificate Verify, Change Cipher Spec, Encrypted Handshake Message', '15', '', '', '', '', '', '', '264,1,40'],
      [52, 'TCP', '[TCP segment of a reassembled PDU]', '', '', '', '', '', '', '', ''],
      [53, 'TLSv1.2', 'New Session Ticket, Change Cipher Spec', '4', '', '', '', '', '', '', '1034,1'],
      [54, 'TLSv1.2', 'Encrypted Handshake Message', '', '', '', '', '', '', '', '40'],
      [56, 'TLSv1.2', 'Application Data', '', '', '', '', '', '', '', '57'],
      [57, 'TLSv1.2', 'Application Data', '', '', '', '', '', '', '', '57'],
      [59, 'TLSv1.2', 'Encrypted Alert', '', '', '', '', '', '', '', '26'],
      [63, 'TLSv1.2', 'Encrypted Alert', '', '', '', '', '', '', '', '26'],
    ];
    const withData = packets.filter((p) => Number(fieldValue(p, 'tcp.len')) > 0 && !fieldValue(p, 'tcp.analysis.retransmission'));
    expect(withData.map(row)).toEqual(tls12);
  });

  it.skipIf(!packets.length)('reads the certificates and key exchanges', () => {
    const p = (n: number) => packets[n - 1]!;
    expect(labels(p(6), 'tls.handshake.certificate')[0]).toMatch(/^Certificate: 30820351.*… \(id-at-commonName=vpnscope\.test,id-at-organizationName=vpnscope,id-at-countryName=DE\)$/);
    expect(fieldValues(p(6), 'x509sat.CountryName')).toEqual(['DE', 'DE']);
    expect(fieldValues(p(6), 'x509sat.uTF8String')).toEqual(['vpnscope', 'vpnscope.test', 'vpnscope', 'vpnscope.test']);
    expect(fieldValues(p(6), 'x509af.algorithm.id')).toEqual(['1.2.840.113549.1.1.11', '1.2.840.113549.1.1.1', '1.2.840.113549.1.1.11']);
    expect(fieldValues(p(6), 'x509af.extension.id')).toEqual(['2.5.29.14', '2.5.29.35', '2.5.29.19']);
    expect(fieldValues(p(6), 'x509ce.cA')).toEqual(['1']);
    expect(fieldValues(p(6), 'x509af.utcTime')).toHaveLength(2);
    expect(fieldValues(p(6), 'tls.handshake.server_named_curve')).toEqual(['0x001d']);
    expect(fieldValues(p(6), 'tls.handshake.sig_hash_alg')).toEqual(['0x0804']);
    expect(fieldValues(p(6), 'tls.handshake.sig_len')).toEqual(['256']);
    expect(fieldValues(p(8), 'tls.handshake.client_point_len')).toEqual(['32']);
    expect(fieldValues(p(26), 'tls.handshake.epms_len')).toEqual(['256']);
    expect(fieldValues(p(9), 'tls.handshake.session_ticket_lifetime_hint')).toEqual(['7200']);
    expect(labels(p(9), 'tls.handshake.session_ticket_lifetime_hint')).toEqual(['Session Ticket Lifetime Hint: 7200 seconds (2 hours)']);
    expect(fieldValues(p(10), 'tls.app_data_proto')).toEqual(['Hypertext Transfer Protocol']);
    expect(labels(p(10), 'tls.record')).toEqual(['TLSv1.2 Record Layer: Application Data Protocol: Hypertext Transfer Protocol']);
    expect(fieldValues(p(44), 'tls.handshake.cert_type')).toEqual(['1', '2', '64']);
    expect(labels(p(44), 'tls.handshake.dname')).toEqual(['Distinguished Name: (id-at-commonName=client.vpnscope.test,id-at-organizationName=vpnscope)']);
    expect(fieldValues(p(50), 'tls.handshake.client_cert_vrfy.sig_len')).toEqual(['256']);
    // Frame 49 completes the client's Certificate record from frames 48 and 49.
    expect(fieldValue(p(49), 'tcp.reassembled.length')).toBe('856');
    expect(p(49).layers.filter((l) => l === 'tls')).toHaveLength(2);
    expect(p(48).layers.slice(-1)).toEqual(['tls']);
  });
});

describe('test/fixtures/tls13.pcap against tshark', async () => {
  const file = path.join(fixtures, 'tls13.pcap');
  const packets = fs.existsSync(file) ? await dissectFile(file) : [];

  it.skipIf(!packets.length)('has tshark\'s columns and handshake fields in every frame with TCP data', () => {
    const six = 'Server Hello, Change Cipher Spec, Application Data, Application Data, Application Data, Application Data';
    const tls13: Row[] = [
      [4, 'TLSv1', 'Client Hello', '1', 'vpnscope.test', '0x1302,0x00ff', '', '05d8ec6829db6c11c694f0132fc18421', '', '', '238'],
      [6, 'TLSv1.3', six, '2', '', '0x1302', '', '', '15af977ce25de452b96affa2addb1036', '', '122,1,23,883,281,69'],
      [8, 'TLSv1.3', 'Change Cipher Spec, Application Data', '', '', '', '', '', '', '', '1,69'],
      [9, 'TLSv1.3', 'Application Data', '', '', '', '', '', '', '', '50'],
      [10, 'TLSv1.3', 'Application Data', '', '', '', '', '', '', '', '250'],
      [11, 'TLSv1.3', 'Application Data', '', '', '', '', '', '', '', '250'],
      [13, 'TLSv1.3', 'Application Data', '', '', '', '', '', '', '', '50'],
      [15, 'TLSv1.3', 'Application Data', '', '', '', '', '', '', '', '19'],
      [17, 'TLSv1.3', 'Application Data', '', '', '', '', '', '', '', '19'],
      [24, 'TLSv1', 'Client Hello', '1', 'www.vpnscope.test', '0x1303,0x00ff', 'h2,http/1.1', 'fcc126ac95292f06165b96480f1c373f', '', '', '260'],
      [26, 'TLSv1.3', 'Server Hello, Change Cipher Spec, Application Data', '2', '', '0x1303', '', '', '475c9302dc42b2751db9edcac3b74891', '', '122,1,23'],
      [27, 'TCP', '443 → 59188 [ACK] Seq=525 Ack=266 Win=65536 Len=524 TSval=1410815435 TSecr=3939685245 [TCP segment of a reassembled PDU]', '', '', '', '', '', '', '', ''],
      [28, 'TLSv1.3', 'Application Data, Application Data, Application Data', '', '', '', '', '', '', '', '883,281,53'],
      [32, 'TLSv1.3', 'Change Cipher Spec, Application Data', '', '', '', '', '', '', '', '1,53'],
      [33, 'TLSv1.3', 'Application Data', '', '', '', '', '', '', '', '234'],
      [34, 'TLSv1.3', 'Application Data', '', '', '', '', '', '', '', '234'],
      [36, 'TLSv1.3', 'Application Data', '', '', '', '', '', '', '', '50'],
      [37, 'TLSv1.3', 'Application Data', '', '', '', '', '', '', '', '50'],
      [39, 'TLSv1.3', 'Application Data', '', '', '', '', '', '', '', '19'],
      [40, 'TLSv1.3', 'Application Data', '', '', '', '', '', '', '', '19'],
    ];
    const withData = packets.filter((p) => Number(fieldValue(p, 'tcp.len')) > 0 && !fieldValue(p, 'tcp.analysis.retransmission'));
    expect(withData.map(row)).toEqual(tls13);
  });

  it.skipIf(!packets.length)('labels records with the negotiated version and TLS 1.3\'s opaque type', () => {
    const p6 = packets[5]!;
    expect(labels(p6, 'tls.record')).toEqual([
      'TLSv1.2 Record Layer: Handshake Protocol: Server Hello',
      'TLSv1.3 Record Layer: Change Cipher Spec Protocol: Change Cipher Spec',
      ...Array(4).fill('TLSv1.3 Record Layer: Application Data Protocol: Hypertext Transfer Protocol'),
    ]);
    expect(fieldValues(p6, 'tls.record.opaque_type')).toEqual(['23', '23', '23', '23']);
    expect(fieldValues(p6, 'tls.handshake.extensions.supported_version')).toEqual(['0x0304']);
    expect(fieldValues(p6, 'tls.handshake.extensions_key_share_group')).toEqual(['29']);
    // A TLS 1.3 server random carries no time.
    expect(fieldValue(p6, 'tls.handshake.random_time')).toBeUndefined();
    expect(fieldValue(packets[3]!, 'tls.handshake.random_time')).toBeDefined();
  });
});

describe('samples/tls1[23].pcap against tshark', async () => {
  const tls12File = path.join(samplesDir, 'tls12.pcap');
  const tls13File = path.join(samplesDir, 'tls13.pcap');
  const tls12 = fs.existsSync(tls12File) ? await dissectFile(tls12File) : [];
  const tls13 = fs.existsSync(tls13File) ? await dissectFile(tls13File) : [];
  const summary = (ps: Packet[]) => ps.filter((p) => p.layers.includes('tls')).map((p) => `${p.protocolColumn} ${p.info}`);

  it.skipIf(!tls12.length)('TLS 1.2 with an ECDSA certificate', () => {
    expect(summary(tls12)).toEqual([
      'TLSv1 Client Hello', 'TLSv1.2 Server Hello, Certificate, Server Key Exchange, Server Hello Done',
      'TLSv1.2 Client Key Exchange, Change Cipher Spec, Encrypted Handshake Message',
      'TLSv1.2 New Session Ticket, Change Cipher Spec, Encrypted Handshake Message',
      'TLSv1.2 Application Data', 'TLSv1.2 Application Data', 'TLSv1.2 Encrypted Alert', 'TLSv1.2 Encrypted Alert',
    ]);
    const server = tls12.find((p) => p.info.startsWith('Server Hello'))!;
    expect(fieldValues(server, 'tls.handshake.ciphersuite')).toEqual(['0xc02c']);
    expect(fieldValues(server, 'x509ce.dNSName')).toEqual(['vpnscope.test']);
    expect(fieldValues(server, 'pkcs1.namedCurve')).toEqual(['1.2.840.10045.3.1.7']);
    expect(fieldValues(server, 'x509af.algorithm.id')).toEqual(['1.2.840.10045.4.3.2', '1.2.840.10045.2.1', '1.2.840.10045.4.3.2']);
    const client = tls12.find((p) => p.info === 'Client Hello')!;
    expect(fieldValue(client, 'tls.handshake.extensions_server_name')).toBe('vpnscope.test');
  });

  it.skipIf(!tls13.length)('TLS 1.3', () => {
    expect(summary(tls13)).toEqual([
      'TLSv1 Client Hello',
      'TLSv1.3 Server Hello, Change Cipher Spec, Application Data, Application Data, Application Data, Application Data',
      'TLSv1.3 Change Cipher Spec, Application Data', 'TLSv1.3 Application Data', 'TLSv1.3 Application Data',
      'TLSv1.3 Application Data', 'TLSv1.3 Application Data', 'TLSv1.3 Application Data', 'TLSv1.3 Application Data',
    ]);
    const server = tls13.find((p) => p.info.startsWith('Server Hello'))!;
    expect(fieldValues(server, 'tls.handshake.ciphersuite')).toEqual(['0x1302']);
    expect(fieldValues(server, 'tls.handshake.extensions.supported_version')).toEqual(['0x0304']);
  });
});

// ---------------------------------------------------------------------------------------------

describe('hostile and mutated input', () => {
  const corpus = path.join(corpusDir, 'tcpdump');
  const hostile = fs.existsSync(corpus) ? fs.readdirSync(corpus).filter((f) => /http|tls|ssl/i.test(f)).map((f) => path.join(corpus, f)) : [];
  const openvpn = path.join(corpusDir, 'zeek-openvpn');
  const withTls = fs.existsSync(openvpn) ? fs.readdirSync(openvpn).filter((f) => /\.pcap(ng)?$/.test(f)).map((f) => path.join(openvpn, f)) : [];

  it.skipIf(hostile.length + withTls.length === 0)('reads the tcpdump http/tls/ssl and OpenVPN captures without dissector exceptions', async () => {
    const started = Date.now();
    let tlsLayers = 0;
    for (const file of [...hostile, ...withTls]) {
      for (const pkt of await dissectFile(file)) {
        tlsLayers += pkt.layers.filter((l) => l === 'tls').length;
        expect(pkt.experts.filter((e) => e.message.startsWith('Dissector bug')).map((e) => `${file} #${pkt.number}: ${e.message}`)).toEqual([]);
      }
    }
    // The OpenVPN captures carry their TLS handshakes in the control channel.
    if (withTls.length) expect(tlsLayers).toBeGreaterThan(20);
    expect(Date.now() - started).toBeLessThan(20_000);
  }, 60_000);

  it('survives mutated TLS records: no exceptions, bounded time', () => {
    const base = [clientHello, hexBytes('15 03 03 00 02 02 28'), hexBytes('16 03 03 00 10 0b 00 00 0c 00 00 09 00 00 06 30 04 02 01 00 00')];
    let seed = 11;
    const rand = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff);
    const started = Date.now();
    const session = new Session();
    const direction = new StreamDirection('TCP');
    for (let round = 0; round < 1500; round++) {
      const src = base[round % base.length]!;
      const b = Uint8Array.from(src.subarray(0, 1 + Math.floor(rand() * src.length)));
      for (let k = 0; k < 3; k++) b[Math.floor(rand() * b.length)] = Math.floor(rand() * 256);
      const pkt = callTls(b, session, round % 2 ? { direction } : undefined, round + 1);
      expect(pkt.experts.filter((e) => e.message.startsWith('Dissector bug')).map((e) => e.message)).toEqual([]);
    }
    expect(Date.now() - started).toBeLessThan(10_000);
  });
});
