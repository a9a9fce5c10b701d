/**
 * -z openvpn,sessions: session facts and per-opcode counts from the 'openvpn' tap, on hex packets
 * (every number known in advance) and on real captures.
 */
import { describe, expect, it } from 'vitest';
import fs from 'node:fs';
import path from 'node:path';
import { corpusDir, samplesDir } from './util.js';
import { run, udpBack, udpFrame, filler } from './openvpn-frames.js';
import { dissectCapture } from './openvpn-capture.js';
import { OpenvpnSessions, SessionCollector, opcodeRows, sessionFactRows, type SessionSummary } from '../src/stats/openvpn.js';
import type { OpenvpnTap } from '../src/protocols/openvpn/session.js';
import type { Packet } from '../src/engine/packet.js';

function collect(pkts: Packet[]): SessionSummary[] {
  const c = new SessionCollector();
  for (const p of pkts) for (const t of p.taps ?? []) if (t.tap === 'openvpn') c.add(t.data as OpenvpnTap);
  return c.summaries();
}

const C = '1122334455667788';
const S = '99aabbccddeeff00';

describe('-z openvpn,sessions', () => {
  it('counts packets and bytes per opcode and direction, with the session facts', () => {
    const data = (pid: number) => `48 000007 ${pid.toString(16).padStart(8, '0')} ${filler(0x70, 16)} ${filler(0, 20)}`;
    const pkts = run([
      udpFrame(`38 ${C} 00 00000000`), // 1: 14 bytes
      udpBack(`40 ${S} 01 00000000 ${C} 00000000`), // 2: 26 bytes
      udpFrame(`28 ${C} 01 00000000 ${S}`), // 3: ack, 22 bytes
      udpFrame(data(1)), // 4: 44 bytes each
      udpFrame(data(2)),
      udpFrame(data(4)), // one id missing
      udpBack(data(1)),
      udpBack(data(1)), // replay
    ]);
    const [s] = collect(pkts);
    expect(s).toBeDefined();
    const facts = Object.fromEntries(sessionFactRows(s!));
    expect(facts['Client']).toBe('10.0.0.2:40000');
    expect(facts['Server']).toBe('10.0.0.1:1194');
    expect(facts['Transport']).toBe('UDP (udp.stream 0)');
    expect(facts['Variant']).toBe('plain');
    expect(facts['Data channel']).toBe('AEAD');
    expect(facts['Key ids']).toBe('0 (0 renegotiations)');
    expect(facts['Data packet-id gaps']).toBe('1 missing C→S, 0 missing S→C');
    expect(facts['Data replays']).toBe('0 C→S, 1 S→C');
    expect(facts['Handshake']).toMatch(/^0\.000 s \(reset #1 → data #4\)$/);
    expect(opcodeRows(s!)).toEqual([
      ['P_CONTROL_HARD_RESET_CLIENT_V2', 1, 14, 0, 0],
      ['P_CONTROL_HARD_RESET_SERVER_V2', 0, 0, 1, 26],
      ['P_ACK_V1', 1, 22, 0, 0],
      ['P_DATA_V2', 3, 132, 2, 88],
      ['Total', 5, 168, 3, 114],
    ]);
  });

  it('renders one pair of tables per session and the same numbers as JSON', () => {
    const pkts = run([udpFrame(`38 ${C} 00 00000000`), udpBack(`40 ${S} 01 00000000 ${C} 00000000`)]);
    const st = new OpenvpnSessions('openvpn,sessions');
    for (const p of pkts) st.onPacket(p);
    const text = st.text();
    expect(text).toContain('OpenVPN session 0');
    expect(text).toMatch(/│ Variant\s+│ plain\s+│/);
    expect(text).toMatch(/│ P_CONTROL_HARD_RESET_SERVER_V2 │\s+0 │\s+0 │\s+1 │\s+26 │/);
    const json = st.json() as { variant: string; client: string; opcodes: { name: string; packets: number[] }[] }[];
    expect(json[0]!.variant).toBe('plain');
    expect(json[0]!.client).toBe('10.0.0.2:40000');
    expect(json[0]!.opcodes.map((o) => o.packets)).toEqual([[1, 0], [0, 1]]);
    expect(() => new OpenvpnSessions('openvpn,flows')).toThrow(/sessions/);
  });

  const reneg = path.join(samplesDir, 'openvpn', 'reneg.pcap');
  it.runIf(fs.existsSync(reneg))('a renegotiating capture: three key ids, dynamic tls-crypt, soft resets counted', async () => {
    const [s] = collect(await dissectCapture(reneg));
    const facts = Object.fromEntries(sessionFactRows(s!));
    expect(facts['Key ids']).toBe('0 → 1 → 2 (2 renegotiations)');
    expect(s!.record.renegWrap).toBe('dynamic-tls-crypt');
    const soft = opcodeRows(s!).find((r) => r[0] === 'P_CONTROL_SOFT_RESET_V1')!;
    expect([soft[1], soft[3]]).toEqual([2, 2]);
    expect(s!.record.handshakeSeconds).toBeGreaterThan(0);
  });

  const tcp = path.join(corpusDir, 'zeek-openvpn', 'openvpn_tcp_nontlsauth.pcap');
  it.runIf(fs.existsSync(tcp))('a TCP capture: bytes include the 2-byte length of each packet', async () => {
    const [s] = collect(await dissectCapture(tcp));
    expect(s!.record.transport).toBe('tcp');
    const reset = opcodeRows(s!).find((r) => r[0] === 'P_CONTROL_HARD_RESET_CLIENT_V2')!;
    // 14-byte plain reset + 2-byte length (tshark: tcp.len 16 in frame 4).
    expect(reset.slice(1)).toEqual([1, 16, 0, 0]);
  });
});
