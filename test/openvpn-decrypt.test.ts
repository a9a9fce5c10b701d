/**
 * Opening the OpenVPN data channel with keys the user gives: the TLS key log (-o tls.keylog_file:…,
 * keys exported from each key id's TLS session) or the static key (-o openvpn.static_key:…).
 *
 * The samples in samples/openvpn were made with the key logs and keys kept in samples/openvpn/keys,
 * and the client logged the data-channel keys it derived (keys/VARIANT.session-keys.txt): those logs
 * are the reference for the derivation. What the opened packets carry is checked against tshark
 * dissecting the same plaintext bytes written to a capture of their own.
 */
import { describe, expect, it } from 'vitest';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { samplesDir, fieldValue, fieldValues } from './util.js';
import { dissectCapture } from './openvpn-capture.js';
import type { Packet } from '../src/engine/packet.js';
import { findAll } from '../src/engine/query.js';
import { exportKeyingMaterial, keyLog, openvpnPrfKeys } from '../src/protocols/openvpn/keylog.js';
import { DATA_KEYS_LABEL } from '../src/protocols/openvpn/datacrypt.js';
import { PcapWriter } from '../src/capture/writer.js';
import { SessionCollector, sessionFactRows } from '../src/stats/openvpn.js';
import type { OpenvpnTap } from '../src/protocols/openvpn/session.js';

const dir = path.join(samplesDir, 'openvpn');
const keyFile = (name: string) => path.join(dir, 'keys', name);
const sample = (name: string) => path.join(dir, `${name}.pcap`);
const hasTshark = spawnSync('tshark', ['--version'], { stdio: 'ignore' }).status === 0;

/**
 * The preferences that open a variant's data channel: the static key, or the key log (with the
 * tls-crypt key where the TLS handshake, whose randoms the keys are exported with, is wrapped in it).
 */
function keysFor(variant: string): Record<string, string> {
  if (variant === 'static-key') return { 'openvpn.static_key': keyFile('static.key') };
  const prefs: Record<string, string> = { 'tls.keylog_file': keyFile(`${variant}.keylog`) };
  if (variant === 'tls-crypt') prefs['openvpn.tls_crypt_key'] = keyFile('tc.key');
  if (variant === 'tls-crypt-v2') prefs['openvpn.tls_crypt_key'] = keyFile('tc2-server.key');
  return prefs;
}

/** Data packets of a capture: those with a data-channel layout (TLS modes) or in static-key mode. */
function dataPackets(pkts: Packet[]): Packet[] {
  return pkts.filter((p) => findAll(p.root, 'openvpn.data.shape').length > 0 || fieldValue(p, 'openvpn.wrap') === 'static-key');
}

/** The tunnelled IP packets the opened data packets carried: outer frame and the inner packet's bytes. */
function innerPackets(pkts: Packet[]): { pkt: Packet; bytes: Uint8Array }[] {
  const out: { pkt: Packet; bytes: Uint8Array }[] = [];
  for (const p of pkts) {
    for (const layer of p.root.children ?? []) {
      const tunnelled = (layer.field.abbrev === 'ip' || layer.field.abbrev === 'ipv6') && layer.source?.name.startsWith('Decrypted OpenVPN data');
      if (tunnelled) out.push({ pkt: p, bytes: layer.source!.bytes.subarray(layer.offset) });
    }
  }
  return out;
}

/** Writes packets as a RAW (link type 101) pcap with their outer frames' timestamps, with the project's own writer. */
async function writeRawPcap(file: string, packets: { pkt: Packet; bytes: Uint8Array }[]): Promise<void> {
  const writer = new PcapWriter(file, { linkType: 101, nanosecond: true });
  for (const { pkt, bytes } of packets) writer.write({ seconds: pkt.frame.seconds, nanos: pkt.frame.nanos, bytes });
  await writer.close();
}

const variants = fs.existsSync(path.join(dir, 'variants.tsv'))
  ? fs.readFileSync(path.join(dir, 'variants.tsv'), 'utf8').split('\n').filter((l) => l && !l.startsWith('#')).map((l) => l.split('\t')[0]!)
  : [];

/** Data packets per capture, all of which the keys open (counted from the committed captures). */
const dataCounts: Record<string, number> = {
  'udp-tls': 18, 'tcp-tls': 15, cbc: 18, chacha: 18, 'p2p-tls': 16, 'port-5000': 16, reneg: 74, 'static-key': 19,
  'tcp-tls-auth': 15, 'tls-auth-md5': 16, 'tls-auth-sha1': 16, 'tls-auth-sha256': 19, 'tls-auth-sha512': 16, 'tls-crypt': 16, 'tls-crypt-v2': 16,
  tls12: 16, compress: 16, prf: 16, userpass: 16,
};

describe('OpenVPN data channel decryption', () => {
  it('every sample variant is listed', () => {
    expect([...variants].sort()).toEqual(Object.keys(dataCounts).sort());
  });

  for (const v of variants) {
    it(`${v}: every data packet is opened with the ${v === 'static-key' ? 'static key' : 'key log'}`, async () => {
      const pkts = await dissectCapture(sample(v), { prefs: keysFor(v) });
      const data = dataPackets(pkts);
      expect(data.length).toBe(dataCounts[v]);
      expect(data.filter((p) => !fieldValue(p, 'openvpn.data.decrypted')).map((p) => [p.number, fieldValue(p, 'openvpn.data.not_decrypted')])).toEqual([]);
      // The ping, and the curl download whose body the script checked ("hello from vpnscope\n").
      expect(pkts.filter((p) => fieldValue(p, 'icmp.type') === '8').length).toBeGreaterThanOrEqual(3);
      expect(pkts.flatMap((p) => fieldValues(p, 'http.file_data'))).toContain('hello from vpnscope\n');
    });
  }

  it('the ciphers are found by the tag or HMAC that verifies: GCM, ChaCha20-Poly1305, CBC', async () => {
    const cipherOf = async (v: string) => {
      const pkts = await dissectCapture(sample(v), { prefs: keysFor(v) });
      return [...new Set(pkts.flatMap((p) => fieldValues(p, 'openvpn.data.decrypted')).map((t) => t.split(',')[0]))];
    };
    expect(await cipherOf('udp-tls')).toEqual(['AES-256-GCM']);
    expect(await cipherOf('chacha')).toEqual(['CHACHA20-POLY1305']);
    expect(await cipherOf('cbc')).toEqual(['AES-256-CBC']);
    expect(await cipherOf('static-key')).toEqual(['AES-256-CBC']);
  });

  // tls12 exports with the TLS 1.2 PRF, the others with TLS 1.3's exporter secret.
  for (const v of ['udp-tls', 'cbc', 'chacha', 'reneg', 'tls12']) {
    it(`${v}: the exported data-channel keys equal the ones the OpenVPN client logged`, async () => {
      const logged = fs.readFileSync(keyFile(`${v}.session-keys.txt`), 'utf8');
      const key = (dirName: string, what: string) => [...logged.matchAll(new RegExp(`${dirName} Data Channel: ${what} KEY: ([0-9a-f ]+)`, 'g'))].map((m) => m[1]!.replace(/ /g, ''));
      const pkts = await dissectCapture(sample(v));
      // One exporter per key id: the client random of each handshake and the server's cipher suite.
      const randoms = pkts.flatMap((p) => findAll(p.root, 'tls.handshake.type').some((n) => n.value === 1) ? findAll(p.root, 'tls.handshake.random') : []);
      const serverHellos = pkts.filter((p) => findAll(p.root, 'tls.handshake.type').some((n) => n.value === 2));
      const suites = serverHellos.flatMap((p) => findAll(p.root, 'tls.handshake.ciphersuite'));
      // TLS 1.2 exports from the master secret with both randoms.
      const serverRandoms = serverHellos.flatMap((p) => findAll(p.root, 'tls.handshake.random'));
      const outgoing = key('Outgoing', 'CIPHER');
      expect(outgoing.length).toBeGreaterThanOrEqual(1);
      for (let k = 0; k < outgoing.length && k < randoms.length; k++) {
        const ekm = exportKeyingMaterial(keyLog(keyFile(`${v}.keylog`))!, {
          clientRandom: randoms[k]!.value as Uint8Array, serverRandom: serverRandoms[k]!.value as Uint8Array, cipherSuite: Number(suites[k]!.value),
        }, DATA_KEYS_LABEL)!;
        const hex = (a: number, b: number) => Buffer.from(ekm.subarray(a, b)).toString('hex');
        const width = outgoing[k]!.length / 2;
        // The client sends with the first half (cipher key at 0, HMAC key at 64) and receives with the second.
        expect(hex(0, width)).toBe(outgoing[k]);
        expect(hex(128, 128 + width)).toBe(key('Incoming', 'CIPHER')[k]);
        const hmac = key('Outgoing', 'HMAC');
        if (hmac[k]) expect(hex(64, 64 + hmac[k]!.length / 2)).toBe(hmac[k]);
      }
    });
  }

  it('prf: keys derived with OpenVPN\'s PRF from the decrypted key method 2 randoms equal the ones the client logged', async () => {
    const pkts = await dissectCapture(sample('prf'), { prefs: keysFor('prf') });
    // The server pushed no tls-ekm, so the exported keys are not even tried.
    expect(fieldValues(pkts[12]!, 'openvpn-ctrl.option')).toContain('protocol-flags cc-exit dyn-tls-crypt');
    expect(fieldValues(pkts[7]!, 'openvpn-ctrl.peer_info.item')).toContain('IV_PROTO=982');
    const origins = new Set(pkts.flatMap((p) => fieldValues(p, 'openvpn.data.decrypted')).map((t) => t.split(', ').slice(1).join(', ')));
    expect([...origins].join()).toContain('derived with OpenVPN\'s PRF from key id 0\'s key method 2 randoms');
    // The derivation itself, from the fields shown, against the client's --verb 7 log.
    const bytes = (p: number, f: string) => Uint8Array.from(Buffer.from(fieldValue(pkts[p - 1]!, f)!.replace(/:/g, ''), 'hex'));
    const sid = (p: number) => BigInt(fieldValue(pkts[p - 1]!, 'openvpn.sessionid')!);
    const key2 = openvpnPrfKeys(
      { preMaster: bytes(8, 'openvpn-ctrl.pre_master'), random1: bytes(8, 'openvpn-ctrl.random1'), random2: bytes(8, 'openvpn-ctrl.random2') },
      { random1: bytes(11, 'openvpn-ctrl.random1'), random2: bytes(11, 'openvpn-ctrl.random2') },
      sid(1), sid(2));
    const logged = fs.readFileSync(keyFile('prf.session-keys.txt'), 'utf8');
    const key = (dirName: string) => /Data Channel: CIPHER KEY: ([0-9a-f ]+)/.exec(logged.split('\n').filter((l) => l.startsWith(`${dirName} Data Channel`)).join('\n'))![1]!.replace(/ /g, '');
    expect(Buffer.from(key2.subarray(0, 32)).toString('hex')).toBe(key('Outgoing'));
    expect(Buffer.from(key2.subarray(128, 160)).toString('hex')).toBe(key('Incoming'));
  });

  it('udp-tls: the tunnelled packets become layers — ping, TCP handshake and the HTTP exchange inside', async () => {
    const pkts = await dissectCapture(sample('udp-tls'), { prefs: keysFor('udp-tls') });
    const p15 = pkts[14]!;
    expect(p15.layers).toEqual(['frame', 'eth', 'ethertype', 'ip', 'udp', 'openvpn', 'ip', 'icmp', 'data']);
    expect([p15.src, p15.dst, p15.protocolColumn]).toEqual(['10.8.0.2', '10.8.0.1', 'ICMP']);
    expect(p15.info).toBe('P_DATA_V2 kid=0 peer=0 pid=1 len=84 Echo (ping) request  id=0x3c77, seq=1/256, ttl=64');
    expect(fieldValue(p15, 'openvpn.data.decrypted')).toBe("AES-256-GCM, key half 0, exported from key id 0's TLS session with the key log");
    expect(pkts[15]!.info).toBe('P_DATA_V2 kid=0 peer=0 pid=1 len=84 Echo (ping) reply    id=0x3c77, seq=1/256, ttl=64 (request in 15)');
    expect(fieldValue(pkts[15]!, 'openvpn.data.decrypted')).toMatch(/^AES-256-GCM, key half 1,/);
    const get = pkts.find((p) => fieldValue(p, 'http.request.method') === 'GET')!;
    expect(get.number).toBe(24);
    expect(fieldValue(get, 'http.request.uri')).toBe('/');
    expect(fieldValue(get, 'tcp.dstport')).toBe('8000');
    // Without keys nothing changes: the data packets stay ciphertext.
    const closed = await dissectCapture(sample('udp-tls'));
    expect(closed[14]!.layers).toEqual(['frame', 'eth', 'ethertype', 'ip', 'udp', 'openvpn']);
    expect(closed[14]!.info).toBe('P_DATA_V2 kid=0 peer=0 pid=1 len=84');
  });

  it('static-key: the packet id and net time inside, and the OCC messages (options exchange, exit)', async () => {
    const pkts = await dissectCapture(sample('static-key'), { prefs: keysFor('static-key') });
    const occ = pkts.filter((p) => fieldValue(p, 'openvpn.occ.opcode') !== undefined).map((p) => [p.number, fieldValue(p, 'openvpn.occ.opcode'), fieldValue(p, 'openvpn.data.pid')]);
    expect(occ).toEqual([[1, '0', '1'], [2, '1', '2'], [19, '6', '10']]);
    expect(fieldValue(pkts[1]!, 'openvpn.occ.options')).toBe('V4,dev-type tun,link-mtu 1560,tun-mtu 1500,proto UDPv4,ifconfig 10.8.0.2 10.8.0.1,keydir 0,cipher AES-256-CBC,auth SHA1,keysize 256,secret');
    expect(pkts[18]!.info).toBe('Static-key data len=32 [static key] OCC_EXIT');
    // The net time is the sender's clock: within a minute of the frame's own time.
    const netTime = findAll(pkts[0]!.root, 'openvpn.data.net_time')[0]!.value as [number, number];
    expect(Math.abs(netTime[0] - pkts[0]!.frame.seconds)).toBeLessThan(60);
  });

  it('compress: the "not compressed" framing byte, with the first byte swapped to the end, is undone', async () => {
    const pkts = await dissectCapture(sample('compress'), { prefs: keysFor('compress') });
    const framed = dataPackets(pkts);
    // --compress stub frames every payload with 0xfb: the packet's first byte (0x45) travels last.
    expect(new Set(framed.map((p) => fieldValue(p, 'openvpn.data.compression')))).toEqual(new Set(['0xfb']));
    const p15 = pkts[14]!;
    expect(p15.info).toBe('P_DATA_V2 kid=0 peer=0 pid=1 len=85 Echo (ping) request  id=0x7fe6, seq=1/256, ttl=64');
    const ip = p15.root.children!.filter((n) => n.field.abbrev === 'ip')[1]!;
    expect(ip.source!.name).toBe('Unswapped OpenVPN payload (84 bytes)');
    // Both IPv4 header checksums verify: the outer one, and the inner one over the unswapped bytes.
    expect(fieldValues(p15, 'ip.checksum.status')).toEqual(['1', '1']);
  });

  it('-z openvpn,sessions names the cipher, counts the packets opened and says what the control channel told', async () => {
    const rows = async (variant: string, prefs: Record<string, string>) => {
      const c = new SessionCollector();
      for (const p of await dissectCapture(sample(variant), { prefs })) for (const t of p.taps ?? []) if (t.tap === 'openvpn') c.add(t.data as OpenvpnTap);
      return new Map(sessionFactRows(c.summaries()[0]!));
    };
    const opened = await rows('reneg', keysFor('reneg'));
    expect(opened.get('Data channel')).toBe('AEAD: AES-256-GCM');
    expect(opened.get('Decrypted')).toBe('74 of 74 data packets');
    expect(opened.get('Data keys')).toBe('exported from key id 2\'s TLS session with the key log');
    expect(opened.get('Client software')).toBe('OpenVPN 2.6.14 on linux (peer info)');
    expect(opened.get('Pushed')).toBe('ifconfig 10.8.0.2 255.255.255.0, cipher AES-256-GCM');
    const prf = await rows('prf', keysFor('prf'));
    expect(prf.get('Data keys')).toBe('derived with OpenVPN\'s PRF from key id 0\'s key method 2 randoms (no TLS-EKM)');
    const closed = await rows('reneg', {});
    expect(closed.get('Data channel')).toBe('AEAD');
    for (const row of ['Decrypted', 'Data keys', 'Client software', 'Pushed']) expect(closed.has(row)).toBe(false);
  });

  it('keys that do not fit say why, on each packet they would have opened', async () => {
    const wrongLog = await dissectCapture(sample('udp-tls'), { prefs: { 'tls.keylog_file': keyFile('cbc.keylog') } });
    expect(new Set(dataPackets(wrongLog).map((p) => fieldValue(p, 'openvpn.data.not_decrypted')))).toEqual(new Set(['the key log has no secret for this TLS session']));
    const wrongKey = await dissectCapture(sample('static-key'), { prefs: { 'openvpn.static_key': keyFile('ta.key') } });
    expect(new Set(dataPackets(wrongKey).map((p) => fieldValue(p, 'openvpn.data.not_decrypted')))).toEqual(new Set(['no cipher verified the tag or HMAC with either half of the keys']));
    const noFile = await dissectCapture(sample('static-key'), { prefs: { 'openvpn.static_key': keyFile('missing.key') } });
    expect(fieldValue(noFile[0]!, 'openvpn.data.not_decrypted')).toBe('the openvpn.static_key preference names no readable OpenVPN static key');
    for (const p of [...wrongLog, ...wrongKey]) expect(p.layers.filter((l) => l === 'ip').length).toBeLessThanOrEqual(1);
  });

  for (const v of ['udp-tls', 'tcp-tls', 'cbc', 'static-key', 'reneg']) {
    it.runIf(hasTshark)(`${v}: each tunnelled packet is shown as tshark shows the same bytes`, async () => {
      const pkts = await dissectCapture(sample(v), { prefs: keysFor(v) });
      const inner = innerPackets(pkts);
      expect(inner.length).toBeGreaterThan(10);
      const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'vpnscope-inner-'));
      const file = path.join(tmp, 'inner.pcap');
      await writeRawPcap(file, inner);
      const r = spawnSync('tshark', ['-n', '-r', file, '-T', 'fields', '-e', '_ws.col.Protocol', '-e', '_ws.col.Info'], { encoding: 'utf8' });
      fs.rmSync(tmp, { recursive: true });
      const lines = r.stdout.trimEnd().split('\n');
      expect(lines.length).toBe(inner.length);
      // A frame may carry several tunnelled packets (OpenVPN over TCP): tshark's Info of each must
      // appear in the frame's Info in order, after OpenVPN's words; the Protocol column is the last one's.
      const byFrame = new Map<Packet, { protocol: string; info: string }[]>();
      lines.forEach((line, i) => {
        const [protocol, tsharkInfo] = line.split('\t');
        // tshark numbers the frames of its own file: name the outer frames instead.
        const info = tsharkInfo!.replace(/(in |Dup ACK )(\d+)/g, (_, word: string, n: string) => word + inner[Number(n) - 1]!.pkt.number);
        const list = byFrame.get(inner[i]!.pkt) ?? [];
        list.push({ protocol: protocol!, info });
        byFrame.set(inner[i]!.pkt, list);
      });
      const differing = [...byFrame].flatMap(([ours, shown]) => {
        let at = 0;
        for (const s of shown) {
          const found = ours.info.indexOf(` ${s.info}`, at);
          if (found < 0) return [[ours.number, s.protocol, s.info, ours.protocolColumn, ours.info]];
          at = found + s.info.length;
        }
        return ours.protocolColumn === shown.at(-1)!.protocol && ours.info.endsWith(shown.at(-1)!.info) ? [] : [[ours.number, shown.at(-1)!.protocol, ours.protocolColumn, ours.info]];
      });
      expect(differing).toEqual([]);
    });
  }
});
