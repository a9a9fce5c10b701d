/**
 * What every part of the OpenVPN dissector shares while it works on one packet: the packet context,
 * capture-wide state, and the lines every packet gets (first byte, wrapping, Info, statistics tap).
 */
import type { Buf } from '../../engine/buf.js';
import type { Packet } from '../../engine/packet.js';
import type { Node } from '../../engine/tree.js';
import type { Conversation } from '../../engine/session.js';
import { hf } from './fields.js';
import { wrapName } from './wire.js';
import type { ConvState, OpenvpnTap, OvpnSession } from './session.js';

/** Capture-wide state: session numbering and session ids seen (so a floating client is recognised). */
export interface GlobalState {
  count: number;
  sids: Map<bigint, true>;
  /** Whole seconds of the first OpenVPN packet: times are kept relative to it for precision. */
  base: number;
}
const MAX_GLOBAL_SIDS = 4096;

export function globalState(pkt: Packet): GlobalState {
  return pkt.session.global<GlobalState>('openvpn', () => ({ count: 0, sids: new Map(), base: pkt.frame.seconds }));
}

/** Seconds since the first OpenVPN packet's whole second (differences keep nanosecond precision). */
export function seconds(pkt: Packet): number {
  return pkt.frame.seconds - globalState(pkt).base + pkt.frame.nanos / 1e9;
}

export function sidHex(sid: bigint): string {
  return sid.toString(16).padStart(16, '0');
}

export interface PacketContext {
  pkt: Packet;
  node: Node;
  parent: Node;
  /** First OpenVPN packet in this frame (TCP may carry several). */
  first: boolean;
  /** Bytes of this OpenVPN packet on the wire, with the TCP length prefix. */
  bytes: number;
  conv: Conversation;
  st: ConvState;
  session: OvpnSession;
  dir: 0 | 1;
}

export function say(pkt: Packet, first: boolean, text: string): void {
  if (first) pkt.setInfo(text);
  else pkt.appendInfo(`, ${text}`);
}

// ---------------------------------------------------------------------------------- first byte

export function addTypeByte(pb: Buf, node: Node, b0: number): void {
  const t = node.add(hf.type, pb, 0, 1, b0);
  t.add(hf.opcode, pb, 0, 1, b0 >> 3);
  t.add(hf.keyid, pb, 0, 1, b0 & 7);
}

export function tap(ctx: PacketContext, opcode: number, keyId: number, retransmission: boolean): void {
  const t: OpenvpnTap = {
    session: ctx.session.record, dir: ctx.dir, opcode, keyId, bytes: ctx.bytes,
    frame: ctx.pkt.number, time: seconds(ctx.pkt), retransmission,
  };
  ctx.pkt.tap('openvpn', t);
}

/** openvpn.wrap on every packet; with `explain`, the reason, deciding frame and confirmations too. */
export function addWrap(ctx: PacketContext, node: Node, explain = false): void {
  const s = ctx.session;
  const d = s.detector.decision;
  s.record.wrap = d ? wrapName(d.wrap) : 'undetermined';
  s.record.wrapReason = d?.reason ?? '';
  if (!node.real) return;
  const w = node.addGenerated(hf.wrap, s.record.wrap);
  if (!explain) return;
  if (d) {
    w.addGenerated(hf.wrapReason, d.reason);
    w.addGenerated(hf.wrapFrame, d.frame);
    if (s.detector.confirmations) w.addGenerated(hf.wrapConfirmed, s.detector.confirmations);
  } else {
    w.addGenerated(hf.wrapReason, 'not enough evidence yet: no layout explains the packets clearly');
  }
}

/** Remembers a sender session id: in the session, the conversation and capture-wide (floating clients). */
export function noteSid(ctx: PacketContext, sid: bigint): void {
  const { st, session: s, dir } = ctx;
  if (s.sids[dir] === null) s.sids[dir] = sid;
  if (!st.bySid.has(sid) && s.sids[dir] === sid) {
    st.bySid.set(sid, s);
    if (st.bySid.size > 64) st.bySid.delete(st.bySid.keys().next().value!);
  }
  st.knownSids.add(sid);
  if (st.knownSids.size > 64) st.knownSids.delete(st.knownSids.values().next().value!);
  const g = globalState(ctx.pkt);
  if (!g.sids.has(sid)) {
    if (g.sids.size >= MAX_GLOBAL_SIDS) g.sids.delete(g.sids.keys().next().value!);
    g.sids.set(sid, true);
  }
}
