/**
 * Real OpenVPN captures: the samples made by samples/openvpn/make.sh (OpenVPN 2.6 client and server in
 * two network namespaces, one capture per wire variant) and the four Zeek OpenVPN traces in
 * ../shared/corpus/zeek-openvpn.
 *
 * For each capture, every OpenVPN packet's opcode, key id, session ids, ack list, replay and message
 * packet ids, peer id and data packet id must equal test/fixtures/openvpn/NAME.json. Those files were
 * generated from vpnscope and checked value by value against tshark 4.0.17 told the right variant
 * (test/fixtures/openvpn/check-tshark.py; tshark cannot find it on its own). A fixture records the
 * SHA-256 of its capture: a re-made capture fails here until its fixture is re-checked and
 * regenerated (UPDATE_OPENVPN_FIXTURES=1 npx vitest run test/openvpn-captures.test.ts).
 *
 * Also: the variant identified per session, no packet flagged malformed, every packet on the OpenVPN
 * port decoded as OpenVPN, the data-channel shape, the renegotiations, and TLS inside the control
 * channel wherever it is in clear.
 */
import { describe, expect, it } from 'vitest';
import fs from 'node:fs';
import path from 'node:path';
import { createHash } from 'node:crypto';
import { corpusDir, isMalformed, repoRoot, samplesDir } from './util.js';
import { dissectCapture } from './openvpn-capture.js';
import { formatFixture, ovpnRecords, type OvpnRecord } from './openvpn-fixture.js';
import { SessionCollector, type SessionSummary } from '../src/stats/openvpn.js';
import type { OpenvpnTap } from '../src/protocols/openvpn/session.js';
import type { Packet } from '../src/engine/packet.js';
import { findProtocol } from '../src/engine/dispatch.js';
import { findAll } from '../src/engine/query.js';
import { DYNAMIC_TLS_CRYPT_LABEL, exportKeyingMaterial, keyLog } from '../src/protocols/openvpn/keylog.js';

const fixtureDir = path.join(repoRoot, 'test', 'fixtures', 'openvpn');
const update = process.env.UPDATE_OPENVPN_FIXTURES === '1';

const wrapOf: Record<string, string> = {
  plain: 'plain', hmac16: 'tls-auth-md5', hmac20: 'tls-auth-sha1', hmac32: 'tls-auth-sha256', hmac64: 'tls-auth-sha512',
  'tls-crypt': 'tls-crypt', 'tls-crypt-v2': 'tls-crypt-v2', static: 'static-key',
};

interface Capture {
  name: string;
  file: string;
  transport: 'udp' | 'tcp';
  port: number;
  /** Expected openvpn.wrap of each session, in order. */
  wraps: string[];
}

function sampleCaptures(): Capture[] {
  const tsv = path.join(samplesDir, 'openvpn', 'variants.tsv');
  if (!fs.existsSync(tsv)) return [];
  return fs.readFileSync(tsv, 'utf8').split('\n').filter((l) => l && !l.startsWith('#')).map((l) => {
    const [name, transport, port, wrap] = l.split('\t');
    return { name: name!, file: path.join(samplesDir, 'openvpn', `${name}.pcap`), transport: transport as 'udp' | 'tcp', port: Number(port), wraps: [wrapOf[wrap!]!] };
  });
}

const zeekDir = path.join(corpusDir, 'zeek-openvpn');
const zeekCaptures: Capture[] = [
  { name: 'zeek-openvpn', file: path.join(zeekDir, 'openvpn.pcap'), transport: 'udp', port: 1198, wraps: ['plain'] },
  { name: 'zeek-udp-tls-auth', file: path.join(zeekDir, 'openvpn_udp_tls-auth.pcapng'), transport: 'udp', port: 1194, wraps: ['tls-auth-sha1', 'tls-auth-sha1'] },
  { name: 'zeek-tcp-nontlsauth', file: path.join(zeekDir, 'openvpn_tcp_nontlsauth.pcap'), transport: 'tcp', port: 1194, wraps: ['plain'] },
  { name: 'zeek-tcp-tls-auth', file: path.join(zeekDir, 'openvpn-tcp-tls-auth.pcapng'), transport: 'tcp', port: 1194, wraps: ['tls-auth-sha1', 'tls-auth-sha1'] },
];

function sessionsOf(pkts: Packet[]): SessionSummary[] {
  const c = new SessionCollector();
  for (const p of pkts) for (const t of p.taps ?? []) if (t.tap === 'openvpn') c.add(t.data as OpenvpnTap);
  return c.summaries();
}

/** Frames whose UDP/TCP payload travels to or from the OpenVPN port (outside ICMP errors). */
function onPort(pkts: Packet[], c: Capture): Packet[] {
  return pkts.filter((p) => {
    if (p.transport !== c.transport || (p.srcPort !== c.port && p.dstPort !== c.port)) return false;
    const payload = findAll(p.root, `${c.transport}.payload`).length > 0 || findAll(p.root, `${c.transport}.len`).some((n) => Number(n.value) > 0);
    return payload;
  });
}

/** What tshark must be told to read the capture right (it cannot tell the wrapping itself). */
function tsharkOptions(c: Capture): string[] {
  const o = ['-o', 'openvpn.tls_auth_detection_override:TRUE'];
  const w = c.wraps[0]!;
  const sizes: Record<string, number> = { md5: 16, sha1: 20, sha256: 32, sha512: 64 };
  if (w.startsWith('tls-auth-')) o.push('-o', 'openvpn.tls_auth:TRUE', '-o', `openvpn.tls_auth_hmac_size:${sizes[w.slice(9)]}`);
  else if (w.startsWith('tls-crypt')) o.push('-o', 'openvpn.tls_crypt:TRUE');
  else o.push('-o', 'openvpn.tls_auth:FALSE');
  if (c.port !== 1194) o.push('-d', `${c.transport}.port==${c.port},openvpn`);
  return o;
}

function checkFixture(c: Capture, records: OvpnRecord[]): void {
  const file = path.join(fixtureDir, `${c.name}.json`);
  const sha256 = createHash('sha256').update(fs.readFileSync(c.file)).digest('hex');
  if (update) {
    fs.mkdirSync(fixtureDir, { recursive: true });
    fs.writeFileSync(file, formatFixture({ capture: path.relative(repoRoot, c.file), sha256, wraps: c.wraps, tshark_options: tsharkOptions(c) }, records));
  }
  const fixture = JSON.parse(fs.readFileSync(file, 'utf8')) as { sha256: string; packets: OvpnRecord[] };
  expect(sha256, `${c.file} changed: check it against tshark and regenerate its fixture`).toBe(fixture.sha256);
  expect(records.length).toBe(fixture.packets.length);
  for (let i = 0; i < records.length; i++) expect(records[i], `record ${i} (frame ${records[i]!.frame})`).toEqual(fixture.packets[i]);
}

const tls = findProtocol('tls');

function handshakeTypes(pkts: Packet[]): Set<string> {
  const out = new Set<string>();
  for (const p of pkts) for (const n of findAll(p.root, 'tls.handshake.type')) out.add(String(n.value));
  return out;
}

describe.each([...sampleCaptures(), ...zeekCaptures])('$name', (c) => {
  let pkts: Packet[] = [];
  it('dissects every OpenVPN packet to the values in its fixture', async () => {
    expect(fs.existsSync(c.file), `${c.file} is missing`).toBe(true);
    pkts = await dissectCapture(c.file);
    checkFixture(c, pkts.flatMap(ovpnRecords));
  });

  it('finds OpenVPN in every packet on its port, flags nothing malformed', () => {
    const port = onPort(pkts, c);
    expect(port.length).toBeGreaterThan(10);
    expect(port.filter((p) => !p.layers.includes('openvpn')).map((p) => p.number)).toEqual([]);
    expect(pkts.filter(isMalformed).map((p) => p.number)).toEqual([]);
    expect(pkts.flatMap((p) => p.experts.filter((e) => e.protocol === 'openvpn' && e.severity >= 4).map((e) => `${p.number}: ${e.message}`))).toEqual([]);
  });

  it('identifies the variant of each session', () => {
    const sessions = sessionsOf(pkts);
    expect(sessions.map((s) => s.record.wrap)).toEqual(c.wraps);
    for (const s of sessions) {
      expect(s.record.transport).toBe(c.transport);
      expect(s.record.wrapReason).not.toBe('');
    }
  });

  it('gives the same Info column and session statistics without a tree (summary-only runs)', async () => {
    const lean = await dissectCapture(c.file, { buildTree: false });
    expect(lean.map((p) => p.info)).toEqual(pkts.map((p) => p.info));
    const a = sessionsOf(lean).map((x) => ({ ...x.record, opcodes: [...x.opcodes.values()] }));
    const b = sessionsOf(pkts).map((x) => ({ ...x.record, opcodes: [...x.opcodes.values()] }));
    expect(a).toEqual(b);
  });

  it('shows TLS handshake messages where the control channel is in clear', () => {
    const clear = c.wraps.every((w) => w === 'plain' || w.startsWith('tls-auth'));
    if (!tls || !clear) {
      // Without TLS in clear, control payloads must not be passed to TLS at all.
      if (!clear) expect(pkts.filter((p) => p.layers.includes('tls')).map((p) => p.number)).toEqual([]);
      return;
    }
    const types = handshakeTypes(pkts);
    expect(types.has('1')).toBe(true); // Client Hello
    expect(types.has('2')).toBe(true); // Server Hello
    expect(pkts.filter((p) => /Continuation Data/i.test(p.info)).map((p) => p.number)).toEqual([]);
  });
});

describe('sample specifics', () => {
  const sample = (n: string) => path.join(samplesDir, 'openvpn', `${n}.pcap`);
  const have = (n: string) => fs.existsSync(sample(n));

  it.runIf(have('cbc'))('AES-256-CBC data channel: CBC + HMAC(20), HMAC and IV shown', async () => {
    const pkts = await dissectCapture(sample('cbc'));
    expect(sessionsOf(pkts)[0]!.record.dataShape).toBe('CBC+HMAC(20)');
    const data = pkts.filter((p) => findAll(p.root, 'openvpn.data.iv').length > 0);
    expect(data.length).toBeGreaterThan(10);
  });

  it.runIf(have('chacha'))('CHACHA20-POLY1305 data channel: AEAD packet ids count up from 1 each way', async () => {
    const pkts = await dissectCapture(sample('chacha'));
    const s = sessionsOf(pkts)[0]!;
    expect(s.record.dataShape).toBe('AEAD');
    const pids = pkts.flatMap(ovpnRecords).filter((r) => r.dataPid !== undefined);
    expect(pids.find((r) => r.dataPid === 1)).toBeDefined();
    expect(s.record.facts.map((f) => f.lost)).toEqual([0, 0]);
  });

  it.runIf(have('tls-crypt-v2'))('tls-crypt-v2: wrapped client key, early negotiation, P_CONTROL_WKC_V1', async () => {
    const pkts = await dissectCapture(sample('tls-crypt-v2'));
    const recs = pkts.flatMap(ovpnRecords);
    expect(recs[0]!.opcode).toBe('P_CONTROL_HARD_RESET_CLIENT_V3');
    expect(recs[0]!.wkcLen).toBeGreaterThanOrEqual(290);
    expect(recs.some((r) => r.opcode === 'P_CONTROL_WKC_V1' && r.wkcLen === recs[0]!.wkcLen)).toBe(true);
    expect(findAll(pkts[0]!.root, 'openvpn.early_neg.announced').length).toBe(1);
    // The server's reset hides 17 bytes of header plus a 6-byte EARLY_NEG_FLAGS TLV.
    const fits = pkts.flatMap((p) => findAll(p.root, 'openvpn.tls_crypt.fits').map((n) => String(n.value)));
    expect(fits).toContain('fits one ack, the remote session id, the message packet id and a 6-byte early-negotiation TLV');
  });

  const keyFile = (k: string) => path.join(samplesDir, 'openvpn', 'keys', k);

  it.runIf(have('tls-crypt'))('tls-crypt with its key (-o openvpn.tls_crypt_key:keys/tc.key): every control packet opened, TLS inside', async () => {
    const pkts = await dissectCapture(sample('tls-crypt'), { prefs: { 'openvpn.tls_crypt_key': keyFile('tc.key') } });
    const wrapped = pkts.filter((p) => findAll(p.root, 'openvpn.tls_crypt.ciphertext').length > 0);
    expect(wrapped.length).toBeGreaterThan(10);
    expect(wrapped.filter((p) => findAll(p.root, 'openvpn.tls_crypt.decrypted').length === 0).map((p) => p.number)).toEqual([]);
    const recs = pkts.flatMap(ovpnRecords);
    expect(recs[0]).toMatchObject({ opcode: 'P_CONTROL_HARD_RESET_CLIENT_V2', acks: [], mpid: 0 });
    expect(recs[1]).toMatchObject({ opcode: 'P_CONTROL_HARD_RESET_SERVER_V2', acks: [0], remoteSid: recs[0]!.sid, mpid: 0 });
    if (tls) {
      const types = handshakeTypes(pkts);
      expect(types.has('1') && types.has('2')).toBe(true);
    }
    expect(pkts.filter(isMalformed)).toEqual([]);
  });

  it.runIf(have('tls-crypt-v2'))('tls-crypt-v2 with the server key: client key unwrapped from WKc, early-negotiation TLV, TLS inside', async () => {
    const pkts = await dissectCapture(sample('tls-crypt-v2'), { prefs: { 'openvpn.tls_crypt_key': keyFile('tc2-server.key') } });
    const first = pkts[0]!;
    expect(findAll(first.root, 'openvpn.wkc.unwrapped').length).toBe(1);
    expect(findAll(first.root, 'openvpn.wkc.metadata.type').map((n) => n.value)).toEqual([1]);
    const created = findAll(first.root, 'openvpn.wkc.metadata.timestamp')[0]!.value as [number, number];
    expect(created[0]).toBeGreaterThan(1_700_000_000);
    expect(created[0]).toBeLessThanOrEqual(first.frame.seconds);
    // The server asks the client to resend its wrapped key (P_CONTROL_WKC_V1 follows).
    const flags = pkts.flatMap((p) => findAll(p.root, 'openvpn.early_neg.flags.resend_wkc').map((n) => Number(n.value)));
    expect(flags).toEqual([1]);
    const wrapped = pkts.filter((p) => findAll(p.root, 'openvpn.tls_crypt.ciphertext').length > 0);
    expect(wrapped.filter((p) => findAll(p.root, 'openvpn.tls_crypt.decrypted').length === 0).map((p) => p.number)).toEqual([]);
    if (tls) expect(handshakeTypes(pkts).has('1')).toBe(true);
  });

  it.runIf(have('static-key'))('static key: no opcodes, one session of HMAC | IV | ciphertext packets', async () => {
    const pkts = await dissectCapture(sample('static-key'));
    const recs = pkts.flatMap(ovpnRecords);
    expect(recs.length).toBeGreaterThan(10);
    expect(recs.every((r) => r.opcode === 'static-key')).toBe(true);
    expect(sessionsOf(pkts).map((s) => s.record.dataShape)).toEqual(['CBC+HMAC (static key)']);
  });

  it.runIf(have('reneg'))('renegotiation: key ids 0 → 1 → 2, each with its own handshake timeline', async () => {
    const pkts = await dissectCapture(sample('reneg'));
    const s = sessionsOf(pkts)[0]!;
    expect(s.record.keyIds).toEqual([0, 1, 2]);
    const soft = pkts.flatMap(ovpnRecords).filter((r) => r.opcode === 'P_CONTROL_SOFT_RESET_V1');
    expect(soft.map((r) => r.keyId)).toEqual([1, 1, 2, 2]);
    const timelines = pkts.flatMap((p) => findAll(p.root, 'openvpn.session.timeline').map((n) => n.text ?? ''));
    expect(timelines.map((t) => /key id (\d)/.exec(t)?.[1])).toEqual(['0', '1', '2']);
    // OpenVPN 2.6 peers wrap renegotiations with dynamic tls-crypt: said so, not misread as plain.
    expect(s.record.renegWrap).toBe('dynamic-tls-crypt');
    expect(pkts.flatMap((p) => findAll(p.root, 'openvpn.control.waiting_for')).length).toBe(0);
  });

  const keylog = keyFile('reneg.keylog');
  it.runIf(have('reneg') && fs.existsSync(keylog))('renegotiation with the client\'s TLS key log (-o tls.keylog_file:…): dynamic tls-crypt opened', async () => {
    const pkts = await dissectCapture(sample('reneg'), { prefs: { 'tls.keylog_file': keylog } });
    const reneg = pkts.filter((p) => ovpnRecords(p).some((r) => r.keyId > 0 && r.opcode !== 'P_DATA_V2'));
    expect(reneg.length).toBeGreaterThan(10);
    expect(reneg.filter((p) => findAll(p.root, 'openvpn.tls_crypt.decrypted').length === 0).map((p) => p.number)).toEqual([]);
    const recs = reneg.flatMap(ovpnRecords);
    // Each renegotiation starts with a soft reset per side (message packet id 0), and every side's
    // control packets then count up from 1 within their key id.
    const soft = recs.filter((r) => r.opcode === 'P_CONTROL_SOFT_RESET_V1');
    expect(soft.map((r) => [r.keyId, r.mpid])).toEqual([[1, 0], [1, 0], [2, 0], [2, 0]]);
    expect(recs.filter((r) => r.opcode === 'P_CONTROL_V1' && r.keyId === 1).every((r) => r.mpid! >= 1)).toBe(true);
    // The second handshake's TLS records reach the TLS dissector, on a stream of their own.
    if (tls) expect(reneg.filter((p) => p.layers.includes('tls')).length).toBeGreaterThan(5);
    expect(pkts.flatMap((p) => findAll(p.root, 'openvpn.control.waiting_for')).length).toBe(0);
  });

  it.runIf(fs.existsSync(keylog) && fs.existsSync(keyFile('reneg.session-keys.txt')))('the exported dynamic tls-crypt key equals the one OpenVPN logged', async () => {
    // OpenVPN's own log (--verb 7) of the client's keys is the reference for the derivation.
    const logged = fs.readFileSync(keyFile('reneg.session-keys.txt'), 'utf8');
    const key = (dir: string, what: string) => new RegExp(`${dir} dynamic tls-crypt: ${what} KEY: ([0-9a-f ]+)`).exec(logged)![1]!.replace(/ /g, '');
    const pkts = await dissectCapture(sample('reneg'));
    // The first handshake's hellos, in clear: client random and cipher suite.
    const random = findAll(pkts[2]!.root, 'tls.handshake.random')[0];
    const suite = findAll(pkts[3]!.root, 'tls.handshake.ciphersuite')[0];
    expect(random && suite).toBeTruthy();
    const ekm = exportKeyingMaterial(keyLog(keylog)!, { clientRandom: random!.value as Uint8Array, cipherSuite: Number(suite!.value) }, DYNAMIC_TLS_CRYPT_LABEL)!;
    const hex = (a: number, b: number) => Buffer.from(ekm.subarray(a, b)).toString('hex');
    // The client sends with the second half of the key and receives with the first.
    expect(hex(128, 160)).toBe(key('Outgoing', 'CIPHER'));
    expect(hex(192, 224)).toBe(key('Outgoing', 'HMAC'));
    expect(hex(0, 32)).toBe(key('Incoming', 'CIPHER'));
    expect(hex(64, 96)).toBe(key('Incoming', 'HMAC'));
  });

  it.runIf(have('port-5000'))('OpenVPN on UDP 5000 is found by the heuristic', async () => {
    const pkts = await dissectCapture(sample('port-5000'));
    expect(pkts[0]!.layers).toContain('openvpn');
    expect(sessionsOf(pkts)[0]!.record.wrap).toBe('plain');
  });
});
