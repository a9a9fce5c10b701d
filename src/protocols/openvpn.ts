/**
 * OpenVPN 2.x — every wire variant, recognised from the bytes.
 *
 * Sources: OpenVPN's src/openvpn/ssl_pkt.h, ssl_pkt.c, reliable.c, tls_crypt.h, crypto.h,
 * doc/tls-crypt-v2.txt, and the wire-protocol draft (github.com/OpenVPN/openvpn-rfc).
 *
 *   UDP: one OpenVPN packet per datagram.   TCP: [length(2)] packet, repeated in the byte stream.
 *
 *    7       3 2   0
 *   +---------+-----+---------------------------------------------------------------
 *   | opcode  | key |  control: session_id(8) [wrapping] ack_count(1) acks(4·n)
 *   +---------+-----+           [remote_session_id(8)] [message_packet_id(4)] payload
 *                      data:    [peer_id(3), P_DATA_V2 only] packet_id(4) tag(16) ciphertext (AEAD)
 *                                                           or hmac(N) iv(16) ciphertext (CBC)
 *
 *   wrapping   plain: nothing · tls-auth: hmac(N) replay_id(4) net_time(4) before the ack array
 *              tls-crypt(-v2): replay_id(4) net_time(4) tag(32), then everything else encrypted;
 *              tls-crypt-v2's opcodes 10 and 11 end with the wrapped client key (length in last 2 bytes)
 *   static-key mode has no opcode at all: hmac(N) iv(16) ciphertext.
 *
 * The wrapping cannot be read from any field; openvpn/variant.ts works it out per session (or the user
 * sets it with the openvpn.wrap preference) and the tree says what it chose and why. Control payloads
 * are put back in message-packet-id order (openvpn/control.ts) and fed to TLS as a stream, one per
 * key id and direction, so TLS records split across control packets are reassembled.
 *
 * Preferences (-o name:value):
 *   openvpn.wrap          plain | tls-auth[-md5|-sha1|-sha256|-sha512|-N] | tls-crypt | tls-crypt-v2 | static-key[-N]
 *   openvpn.tls_crypt_key a tls-crypt key, tls-crypt-v2 client key or tls-crypt-v2 server key (file or text):
 *                         tls-crypt packets are opened and shown like plain ones
 *   tls.keylog_file       an NSS key log of either peer: opens dynamic tls-crypt renegotiations
 *
 * This file finds the session a packet belongs to and holds the heuristics; openvpn/wire.ts has the
 * layouts, openvpn/controltree.ts and openvpn/datatree.ts build the tree, openvpn/fields.ts lists
 * the fields, and openvpn/session.ts the state statistics read through the 'openvpn' tap.
 */
import { protocol, table } from '../engine/dispatch.js';
import type { Buf } from '../engine/buf.js';
import type { Packet } from '../engine/packet.js';
import type { Node } from '../engine/tree.js';
import { dissectPdus, NEED_MORE, isStreamData, TCP_PDUS } from '../engine/stream.js';
import type { Conversation } from '../engine/session.js';
import { hf } from './openvpn/fields.js';
import {
  type Wrap, Op, SID_SIZE, carriesWkc, isClientResetOpcode, isControlOpcode, isDataOpcode, isKnownOpcode, isServerResetOpcode,
  layoutControl, opcodeName, parseWrapPref,
} from './openvpn/wire.js';
import { judgeControl } from './openvpn/variant.js';
import { type ConvState, OvpnSession } from './openvpn/session.js';
import { type PacketContext, globalState, say, seconds } from './openvpn/context.js';
import { dissectControl, dissectQuoted } from './openvpn/controltree.js';
import { dissectDataPacket, dissectStatic, dissectUnknown } from './openvpn/datatree.js';
import { preference } from '../engine/prefs.js';

const wrapPref = preference('openvpn.wrap', 'text', 'Forces the control channel wrapping (plain, tls-auth, tls-auth-sha256 …, tls-crypt, tls-crypt-v2, static-key) instead of detecting it.');

export type { OpenvpnTap, SessionRecord } from './openvpn/session.js';

// ------------------------------------------------------------------------------------ entry point

function dissectOpenvpn(buf: Buf, pkt: Packet, parent: Node, data?: unknown): void {
  if (pkt.transport === 'tcp') {
    dissectPdus(buf, pkt, parent, data,
      (b, offset) => (b.has(offset, 2) ? b.u16(offset) + 2 : NEED_MORE),
      (pdu, p, par) => dissectPacket(pdu, p, par, true), undefined, TCP_PDUS);
    return;
  }
  dissectPacket(buf, pkt, parent, false);
}

/** One OpenVPN packet; `framed` when it starts with TCP's 2-byte length. */
function dissectPacket(buf: Buf, pkt: Packet, parent: Node, framed: boolean): void {
  const first = pkt.layers.indexOf('openvpn') < 0;
  const node = pkt.addLayer(openvpn, parent, buf, 0, buf.length);
  let pb = buf;
  if (framed) {
    const plen = buf.u16(0);
    node.add(hf.plen, buf, 0, 2, plen);
    pb = buf.sub(2, plen);
    if (plen === 0) {
      say(pkt, first, 'Empty OpenVPN packet');
      return;
    }
  }
  const conv = pkt.conversation('udp');
  const st = convState(conv);
  if (pkt.inErrorPacket) {
    dissectQuoted(pb, node, st);
    return;
  }
  const ctx: PacketContext = { pkt, node, parent, first, bytes: buf.reportedLength, conv, st, session: null as unknown as OvpnSession, dir: 0 };
  const s = sessionFor(pb, ctx);
  ctx.session = s;
  ctx.dir = s.dirOf(pkt.netSrc, pkt.srcPort);
  s.record.lastTime = seconds(pkt);
  if (node.real) {
    node.addGenerated(hf.session, s.record.index);
    node.addGenerated(hf.direction, directionText(s, ctx.dir));
  }

  dissectInSession(pb, ctx);
  // A packet cut by the capture's snapshot length: say so once everything present is shown.
  if (pb.length < pb.reportedLength) pb.check(0, pb.reportedLength);
}

function dissectInSession(pb: Buf, ctx: PacketContext): void {
  const { pkt } = ctx;
  const s = ctx.session;
  const wrap = s.detector.wrap;
  if (wrap?.kind === 'static-key') {
    dissectStatic(pb, ctx, wrap);
    return;
  }
  const b0 = pb.u8(0);
  const op = b0 >> 3;
  if (isControlOpcode(op)) dissectControl(pb, ctx);
  else {
    if (!wrap) {
      s.detector.noteStaticEvidence(pb, pb.length);
      const now: Wrap | null = s.detector.considerStatic(pkt.number);
      if (now?.kind === 'static-key') {
        dissectStatic(pb, ctx, now);
        return;
      }
    }
    if (isDataOpcode(op)) dissectDataPacket(pb, ctx, op);
    else dissectUnknown(pb, ctx, op);
  }
}


function convState(conv: Conversation): ConvState {
  return conv.get<ConvState>('openvpn') ?? conv.set<ConvState>('openvpn', { current: null, bySid: new Map(), knownSids: new Set() });
}

function directionText(s: OvpnSession, dir: 0 | 1): string {
  if (!s.record.rolesKnown) return dir === 0 ? 'A → B' : 'B → A';
  return dir === 0 ? 'client → server' : 'server → client';
}

/** Finds (or starts) the session this packet belongs to. */
function sessionFor(pb: Buf, ctx: PacketContext): OvpnSession {
  const { pkt, st } = ctx;
  const cur = st.current;
  if (pb.length >= 1 + SID_SIZE && !(cur && cur.detector.wrap?.kind === 'static-key')) {
    const b0 = pb.u8(0);
    const op = b0 >> 3;
    if (isControlOpcode(op)) {
      const sid = pb.u64(1);
      const known = st.bySid.get(sid);
      if (known) return known;
      if ((isClientResetOpcode(op) || isServerResetOpcode(op)) && (b0 & 7) === 0 && looksLikeReset(pb, pkt)) {
        const client = isClientResetOpcode(op);
        // A server reset answering the current session's client belongs to it.
        if (!client && cur && cur.sids[1] === null && cur.record.rolesKnown) return cur;
        return startSession(ctx, client ? 'sender' : 'receiver');
      }
    }
  }
  return cur ?? startSession(ctx, null);
}

/** A reset worth starting a session for: some wrapping explains it well, or the user chose one. */
function looksLikeReset(pb: Buf, pkt: Packet): boolean {
  const pref = parseWrapPref(pkt.session.prefs[wrapPref]);
  if (pref) return !layoutControl(pb, pref).problem;
  const best = judgeControl(pb, { seconds: pkt.frame.seconds, knownSids: new Set(), peerSid: null })[0];
  return best !== undefined && best.score >= 4;
}

function startSession(ctx: PacketContext, clientIs: 'sender' | 'receiver' | null): OvpnSession {
  const { pkt, st, conv } = ctx;
  const g = globalState(pkt);
  const sender: [string, number] = [pkt.netSrc, pkt.srcPort];
  const receiver: [string, number] = [pkt.netDst, pkt.dstPort];
  const a = clientIs === 'receiver' ? receiver : sender;
  const b = clientIs === 'receiver' ? sender : receiver;
  const s = new OvpnSession(g.count++, pkt.transport === 'tcp' ? 'tcp' : 'udp', conv.index, a, b, clientIs !== null,
    parseWrapPref(pkt.session.prefs[wrapPref]), pkt.number, seconds(pkt), g.base);
  st.current = s;
  return s;
}


// --------------------------------------------------------------------------------- heuristics

/**
 * UDP on any port: claims a datagram only on strong evidence — a client or server hard reset (key
 * id 0) that one wrapping explains with a high score, or a control packet whose session id was
 * already seen in another OpenVPN conversation (a client that changed address or port).
 */
function heuristicUdp(buf: Buf, pkt: Packet, parent: Node): boolean {
  if (!looksLikeOpenvpn(buf, pkt)) return false;
  dissectOpenvpn(buf, pkt, parent);
  return true;
}

/** TCP on any port: the 2-byte length must frame exactly such a reset. */
function heuristicTcp(buf: Buf, pkt: Packet, parent: Node, data?: unknown): boolean {
  if (buf.length < 2 + 1 + SID_SIZE) return false;
  const plen = buf.u16(0);
  if (plen < 1 + SID_SIZE + 5 || plen + 2 > buf.length) return false;
  if (!looksLikeOpenvpn(buf.sub(2, plen), pkt)) return false;
  dissectOpenvpn(buf, pkt, parent, isStreamData(data) ? data : undefined);
  return true;
}

function looksLikeOpenvpn(pb: Buf, pkt: Packet): boolean {
  if (pb.length < 1 + SID_SIZE + 5) return false;
  const b0 = pb.u8(0);
  const op = b0 >> 3;
  if (!isKnownOpcode(op) || isDataOpcode(op)) return false;
  const sid = pb.u64(1);
  if (globalState(pkt).sids.has(sid)) return true;
  if ((b0 & 7) !== 0 || !(isClientResetOpcode(op) || isServerResetOpcode(op))) return false;
  if (op === Op.HardResetClientV1 || op === Op.HardResetServerV1) return false;
  const best = judgeControl(pb, { seconds: pkt.frame.seconds, knownSids: new Set(), peerSid: null })[0];
  if (!best || best.score < 4) return false;
  // Plain resets have no clock or HMAC to check: demand the exact sizes OpenVPN sends.
  if (best.wrap.kind === 'plain') return pb.length === (isClientResetOpcode(op) ? 14 : 26) || best.score >= 6;
  return !carriesWkc(op) || best.layout.wkcLength > 0;
}

// ------------------------------------------------------------------------------------- protocol

export const openvpn = protocol('openvpn', 'OpenVPN Protocol', 'OpenVPN',
  'OpenVPN 2.x: a VPN that runs TLS over its own reliable control channel and carries encrypted IP packets in data packets, over UDP or TCP.',
  dissectOpenvpn, (n) => {
    const op = n.find(hf.opcode)?.value;
    const wrap = n.childValue(hf.wrap);
    const name = op === undefined ? (wrap === 'static-key' ? 'Static-key data' : 'OpenVPN') : opcodeName(op as number);
    return `OpenVPN Protocol, ${name}${wrap !== undefined && wrap !== 'undetermined' ? `, ${wrap}` : ''}`;
  });

export function register(): void {
  table('udp.port').add(1194, openvpn);
  table('tcp.port').add(1194, openvpn);
  table('udp.port').addHeuristic(openvpn, heuristicUdp);
  table('tcp.port').addHeuristic(openvpn, heuristicTcp);
}

