/**
 * -z openvpn,sessions: one table per OpenVPN session — who is client and server, transport, the
 * control-channel wrapping and data-channel shape vpnscope found, packets and bytes per direction
 * and opcode, handshake time, key-id changes (renegotiations), data packet-id gaps and replays.
 *
 * Reads the 'openvpn' tap: the dissector passes, per OpenVPN packet, its session record (updated in
 * place as the capture goes on) and the packet's direction, opcode and size.
 */
import Table from 'cli-table3';
import type { Packet } from '../engine/packet.js';
import type { OpenvpnTap, SessionRecord } from '../protocols/openvpn/session.js';
import { opcodeName } from '../protocols/openvpn/wire.js';
import { type Stat, StatError } from './index.js';

/** Packets and bytes of one opcode, [A→B, B→A]. */
export interface OpcodeCount {
  opcode: number;
  packets: [number, number];
  bytes: [number, number];
}

/** A session record plus what the tap counted for it. */
export interface SessionSummary {
  record: SessionRecord;
  /** By opcode (-1: static-key packets, which have none), in order of first appearance. */
  opcodes: Map<number, OpcodeCount>;
  retransmitted: [number, number];
}

/** Collects tap data into summaries, one per session, in order of first appearance. */
export class SessionCollector {
  private readonly sessions = new Map<SessionRecord, SessionSummary>();

  add(t: OpenvpnTap): void {
    let s = this.sessions.get(t.session);
    if (!s) this.sessions.set(t.session, (s = { record: t.session, opcodes: new Map(), retransmitted: [0, 0] }));
    let c = s.opcodes.get(t.opcode);
    if (!c) s.opcodes.set(t.opcode, (c = { opcode: t.opcode, packets: [0, 0], bytes: [0, 0] }));
    c.packets[t.dir]++;
    c.bytes[t.dir] += t.bytes;
    if (t.retransmission) s.retransmitted[t.dir]++;
  }

  summaries(): SessionSummary[] {
    return [...this.sessions.values()].sort((a, b) => a.record.index - b.record.index);
  }
}

function opLabel(op: number): string {
  return op < 0 ? 'static-key data (no opcode)' : opcodeName(op);
}

function secondsText(s: number): string {
  return `${s.toFixed(3)} s`;
}

/** The facts of one session as label/value rows. */
export function sessionFactRows(s: SessionSummary): [string, string][] {
  const r = s.record;
  const known = r.rolesKnown;
  const t = r.timeline;
  const rows: [string, string][] = [
    [known ? 'Client' : 'Peer A', r.endpointA],
    [known ? 'Server' : 'Peer B', r.endpointB],
    ['Transport', `${r.transport.toUpperCase()} (${r.transport}.stream ${r.stream})`],
    ['Variant', r.wrap],
    ['Data channel', r.dataCiphers.length ? `${r.dataShape}: ${r.dataCiphers.join(', ')}` : r.dataShape],
  ];
  if (r.decrypted + r.notDecrypted > 0) rows.push(['Decrypted', `${r.decrypted} of ${r.decrypted + r.notDecrypted} data packets`]);
  if (r.dataKeyOrigin) rows.push(['Data keys', r.dataKeyOrigin]);
  const inside = r.inside;
  if (inside.version) rows.push(['Client software', `OpenVPN ${inside.version}${inside.platform ? ` on ${inside.platform}` : ''} (peer info)`]);
  if (inside.ifconfig || inside.cipher) {
    rows.push(['Pushed', [inside.ifconfig && `ifconfig ${inside.ifconfig}`, inside.cipher && `cipher ${inside.cipher}`].filter(Boolean).join(', ')]);
  }
  if (r.handshakeSeconds >= 0) {
    rows.push(['Handshake', `${secondsText(r.handshakeSeconds)} (reset #${t.resetFrame}${t.tlsFrame ? ` → TLS #${t.tlsFrame} +${secondsText(t.tlsTime - t.resetTime)}` : ''} → data #${t.dataFrame})`]);
  } else if (t.resetFrame) {
    rows.push(['Handshake', `reset #${t.resetFrame}, no data packet seen`]);
  } else {
    rows.push(['Handshake', 'not in the capture']);
  }
  const renegs = Math.max(0, r.keyIds.length - 1);
  rows.push(['Key ids', r.keyIds.length ? `${r.keyIds.join(' → ')} (${renegs} renegotiation${renegs === 1 ? '' : 's'})` : 'none']);
  const [ab, ba] = r.facts;
  const arrows = known ? ['C→S', 'S→C'] : ['A→B', 'B→A'];
  rows.push(['Data packet-id gaps', `${ab.lost} missing ${arrows[0]}, ${ba.lost} missing ${arrows[1]}`]);
  rows.push(['Data replays', `${ab.replays} ${arrows[0]}, ${ba.replays} ${arrows[1]}`]);
  rows.push(['Control retransmissions', `${ab.retransmissions} ${arrows[0]}, ${ba.retransmissions} ${arrows[1]}`]);
  rows.push(['Duration', secondsText(r.lastTime - r.firstTime)]);
  return rows;
}

/** Per-opcode rows: opcode, packets and bytes each way; a total row last. */
export function opcodeRows(s: SessionSummary): (string | number)[][] {
  const rows: (string | number)[][] = [];
  const total = [0, 0, 0, 0];
  for (const c of s.opcodes.values()) {
    rows.push([opLabel(c.opcode), c.packets[0], c.bytes[0], c.packets[1], c.bytes[1]]);
    total[0]! += c.packets[0];
    total[1]! += c.bytes[0];
    total[2]! += c.packets[1];
    total[3]! += c.bytes[1];
  }
  rows.push(['Total', ...total]);
  return rows;
}

/** Both tables of every session, as text. */
export function renderSessions(sessions: SessionSummary[]): string {
  if (sessions.length === 0) return 'OpenVPN sessions\nNo OpenVPN packets.\n';
  const out: string[] = [];
  for (const s of sessions) {
    const r = s.record;
    const facts = new Table({ style: { head: [], border: [], compact: true } });
    for (const [k, v] of sessionFactRows(s)) facts.push([k, v]);
    const arrows = r.rolesKnown ? ['C→S', 'S→C'] : ['A→B', 'B→A'];
    const ops = new Table({
      head: ['Opcode', `Packets ${arrows[0]}`, `Bytes ${arrows[0]}`, `Packets ${arrows[1]}`, `Bytes ${arrows[1]}`],
      style: { head: [], border: [], compact: true },
      colAligns: ['left', 'right', 'right', 'right', 'right'],
    });
    for (const row of opcodeRows(s)) ops.push(row.map(String));
    out.push(`OpenVPN session ${r.index}\n${facts.toString()}\n${ops.toString()}\n`);
  }
  return out.join('\n');
}

/** The same numbers for -T json. */
export function sessionsJson(sessions: SessionSummary[]): unknown {
  return sessions.map((s) => {
    const r = s.record;
    return {
      session: r.index,
      client: r.rolesKnown ? r.endpointA : null,
      server: r.rolesKnown ? r.endpointB : null,
      endpointA: r.endpointA,
      endpointB: r.endpointB,
      transport: r.transport,
      stream: r.stream,
      variant: r.wrap,
      variantReason: r.wrapReason,
      dataChannel: r.dataShape,
      dataCiphers: r.dataCiphers,
      decrypted: r.decrypted + r.notDecrypted > 0 ? { packets: r.decrypted, of: r.decrypted + r.notDecrypted } : null,
      handshakeSeconds: r.handshakeSeconds >= 0 ? r.handshakeSeconds : null,
      timeline: r.timeline,
      keyIds: r.keyIds,
      renegotiations: Math.max(0, r.keyIds.length - 1),
      dataLost: [r.facts[0].lost, r.facts[1].lost],
      dataReplays: [r.facts[0].replays, r.facts[1].replays],
      retransmissions: [r.facts[0].retransmissions, r.facts[1].retransmissions],
      opcodes: [...s.opcodes.values()].map((c) => ({ opcode: c.opcode, name: opLabel(c.opcode), packets: c.packets, bytes: c.bytes })),
    };
  });
}

/** The statistic behind -z openvpn,sessions. */
export class OpenvpnSessions implements Stat {
  readonly needsTree = false;
  private readonly collector = new SessionCollector();

  constructor(readonly spec: string) {
    const what = spec.split(',')[1] ?? 'sessions';
    if (what !== 'sessions') throw new StatError(`-z openvpn knows 'sessions' (-z openvpn,sessions), not '${spec}'`);
  }

  onPacket(pkt: Packet): void {
    const taps = pkt.taps;
    if (!taps) return;
    for (const t of taps) if (t.tap === 'openvpn') this.collector.add(t.data as OpenvpnTap);
  }

  text(): string {
    return renderSessions(this.collector.summaries());
  }

  json(): unknown {
    return sessionsJson(this.collector.summaries());
  }
}
