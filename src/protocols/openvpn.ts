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
 */
import { protocol, table, callDissector, findProtocol } from '../engine/dispatch.js';
import { type Buf, ReportedBoundsError } from '../engine/buf.js';
import type { Packet } from '../engine/packet.js';
import { type Node, Severity } from '../engine/tree.js';
import { dissectPdus, NEED_MORE, isStreamData, StreamDirection } from '../engine/stream.js';
import type { Conversation } from '../engine/session.js';
import { hf } from './openvpn/fields.js';
import {
  type ControlLayout, type Wrap, Op, SID_SIZE, REPLAY_ID_SIZE, WKC_MIN, WKC_MAX, EARLY_NEG_MASK, EARLY_NEG_START, TLV_EARLY_NEG_FLAGS, TLS_CRYPT_TAG_SIZE,
  carriesWkc, isClientResetOpcode, isControlOpcode, isDataOpcode, isKnownOpcode, isResetOpcode, isServerResetOpcode,
  TLS_CRYPT, digestName, layoutControl, layoutPlaintext, opcodeName, parseTlvs, parseWrapPref, wrapLabel, wrapName,
} from './openvpn/wire.js';
import { type JudgeContext, describeCipherLength, judgeControl, staticKeyHmacFor } from './openvpn/variant.js';
import { AEAD_TAG, CBC_IV, shapeLabel } from './openvpn/data.js';
import { type ConvState, type OpenvpnTap, OvpnSession } from './openvpn/session.js';
import type { KeyChannel } from './openvpn/control.js';
import { keysFromPref, unwrapClientKey, unwrapControl } from './openvpn/tlscrypt.js';
import { DYNAMIC_TLS_CRYPT_LABEL, exportKeyingMaterial, keyLog, sniffHello } from './openvpn/keylog.js';

export type { OpenvpnTap, SessionRecord } from './openvpn/session.js';

/** Capture-wide state: session numbering and session ids seen (so a floating client is recognised). */
interface GlobalState {
  count: number;
  sids: Map<bigint, true>;
  /** Whole seconds of the first OpenVPN packet: times are kept relative to it for precision. */
  base: number;
}
const MAX_GLOBAL_SIDS = 4096;

function globalState(pkt: Packet): GlobalState {
  return pkt.session.global<GlobalState>('openvpn', () => ({ count: 0, sids: new Map(), base: pkt.frame.seconds }));
}

/** Seconds since the first OpenVPN packet's whole second (differences keep nanosecond precision). */
function seconds(pkt: Packet): number {
  return pkt.frame.seconds - globalState(pkt).base + pkt.frame.nanos / 1e9;
}

function sidHex(sid: bigint): string {
  return sid.toString(16).padStart(16, '0');
}

// ------------------------------------------------------------------------------------ entry point

function dissectOpenvpn(buf: Buf, pkt: Packet, parent: Node, data?: unknown): void {
  if (pkt.transport === 'tcp') {
    dissectPdus(buf, pkt, parent, data,
      (b, offset) => (b.has(offset, 2) ? b.u16(offset) + 2 : NEED_MORE),
      (pdu, p, par) => dissectPacket(pdu, p, par, true));
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
  const conv = pkt.session.conversation(pkt.transport || 'udp', pkt.netSrc, pkt.srcPort, pkt.netDst, pkt.dstPort, pkt.frame);
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

interface PacketContext {
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

function say(pkt: Packet, first: boolean, text: string): void {
  if (first) pkt.setInfo(text);
  else pkt.appendInfo(`, ${text}`);
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
  const pref = parseWrapPref(pkt.session.prefs['openvpn.wrap']);
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
    parseWrapPref(pkt.session.prefs['openvpn.wrap']), pkt.number, seconds(pkt), g.base);
  st.current = s;
  return s;
}

function noteSid(ctx: PacketContext, sid: bigint): void {
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

// ---------------------------------------------------------------------------------- first byte

function addTypeByte(pb: Buf, node: Node, b0: number): void {
  const t = node.add(hf.type, pb, 0, 1, b0);
  t.add(hf.opcode, pb, 0, 1, b0 >> 3);
  t.add(hf.keyid, pb, 0, 1, b0 & 7);
}

function tap(ctx: PacketContext, opcode: number, keyId: number, retransmission: boolean): void {
  const t: OpenvpnTap = {
    session: ctx.session.record, dir: ctx.dir, opcode, keyId, bytes: ctx.bytes,
    frame: ctx.pkt.number, time: seconds(ctx.pkt), retransmission,
  };
  ctx.pkt.tap('openvpn', t);
}

/** openvpn.wrap on every packet; with `explain`, the reason, deciding frame and confirmations too. */
function addWrap(ctx: PacketContext, node: Node, explain = false): void {
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

// -------------------------------------------------------------------------------- control packets

function dissectControl(pb: Buf, ctx: PacketContext): void {
  const { pkt, node } = ctx;
  const s = ctx.session;
  const b0 = pb.u8(0);
  const op = b0 >> 3;
  const keyId = b0 & 7;
  // Too short for opcode and session id is malformed whatever the wrapping.
  const sid = pb.u64(1);

  const judgeCtx: JudgeContext = { seconds: pkt.frame.seconds, knownSids: ctx.st.knownSids, peerSid: s.sids[ctx.dir === 0 ? 1 : 0] };
  let layout: ControlLayout | null = null;
  let wrap: Wrap | null = s.detector.wrap;
  let guess: Wrap | null = null;
  let decidedHere = false;
  if (!wrap) {
    const j = s.detector.observeControl(pb, judgeCtx, pkt.number);
    s.detector.considerStatic(pkt.number);
    wrap = s.detector.wrap;
    if (wrap?.kind === 'static-key') {
      // The evidence turned: this first byte was static-key ciphertext, not an opcode.
      dissectStatic(pb, ctx, wrap);
      return;
    }
    decidedHere = wrap !== null;
    if (wrap) layout = layoutControl(pb, wrap);
    else if (j && j.score >= 2) {
      layout = j.layout;
      guess = j.wrap;
    }
  } else {
    if (keyId > 0) wrap = renegWrap(s, pb, judgeCtx, pkt.number, wrap);
    layout = layoutControl(pb, wrap);
    confirmWrap(s, layout, ctx.dir, pkt.frame.seconds, keyId > 0);
  }

  addTypeByte(pb, node, b0);
  node.add(hf.sessionid, pb, 1, SID_SIZE, sid).suffix = ` (0x${sidHex(sid)})`;
  if (carriesWkc(op)) checkWkcLength(pb, node);
  noteSid(ctx, sid);
  addWrap(ctx, node, true);
  const dynamic = keyId > 0 && s.renegWrap?.dynamic === true;
  if (dynamic && node.real) {
    const r = node.addGenerated(hf.renegWrap, 'dynamic-tls-crypt');
    r.addGenerated(hf.wrapReason, s.renegWrap!.reason);
    r.addGenerated(hf.wrapFrame, s.renegWrap!.frame);
  }
  if (decidedHere && wrap) {
    pkt.addExpert(node, Severity.Chat, 'Protocol', `OpenVPN session ${s.record.index}: control channel is ${wrapLabel(wrap)} (${s.detector.decision!.reason})`, 'openvpn');
  }
  if (dynamic && s.renegWrap!.frame === pkt.number) {
    pkt.addExpert(node, Severity.Chat, 'Protocol', `Renegotiation wrapped with dynamic tls-crypt: ${s.renegWrap!.reason}`, 'openvpn');
  }
  const label = dynamic ? 'dynamic tls-crypt' : wrap ? wrapLabel(wrap) : guess ? `${wrapLabel(guess)}?` : 'wrapping?';

  const key = keyFor(s, op, keyId, ctx, layout);
  if (!layout || layout.problem) {
    // A wrong guess or a damaged packet: show the bytes; never call a packet malformed on a guess.
    const rest = pb.length - (1 + SID_SIZE);
    if (rest > 0) node.add(hf.data, pb, 1 + SID_SIZE, rest, pb.bytesAt(1 + SID_SIZE, rest));
    if (layout?.problem && wrap && pb.length === pb.reportedLength) {
      pkt.addExpert(node, Severity.Warning, 'Protocol', `Does not fit the ${wrapLabel(wrap)} layout chosen for this session: ${layout.problem}`, 'openvpn');
    }
    say(pkt, ctx.first, `${opcodeName(op)} kid=${keyId} [${label}]`);
    tap(ctx, op, keyId, false);
    return;
  }

  let info = `${opcodeName(op)} kid=${keyId}`;
  if (isResetOpcode(op) || op === Op.SoftResetV1) info += ` sid=${sidHex(sid).slice(0, 8)}`;
  if (layout.hmacLength) {
    const h = node.add(hf.hmac, pb, layout.hmacOffset, layout.hmacLength, pb.bytesAt(layout.hmacOffset, layout.hmacLength));
    h.suffix = ` (${layout.hmacLength} bytes, ${digestName(layout.hmacLength)}-sized)`;
  }
  if (layout.replayOffset >= 0) addReplay(pb, node, layout, pkt);

  let retransmission = false;
  if (layout.cipherOffset >= 0) {
    addCiphertext(pb, node, layout);
    if (layout.wkcOffset >= 0) addWkc(pb, ctx, layout);
    const plain = openTlsCrypt(pb, ctx, layout, dynamic);
    if (plain) {
      retransmission = addReliable(plain.buf, ctx, plain.layout, key, label, info);
    } else {
      if ((op === Op.ControlV1 || op === Op.ControlWkcV1) && key.firstTlsFrame === 0) noteTlsStart(s, key, pkt);
      say(pkt, ctx.first, `${info} [${label}] ${layout.cipherLength} bytes encrypted`);
    }
  } else {
    if (layout.wkcOffset >= 0) addWkc(pb, ctx, layout);
    retransmission = addReliable(pb, ctx, layout, key, label, info);
  }
  tap(ctx, op, keyId, retransmission);
}

/**
 * Opcodes 10 and 11 exist only with tls-crypt-v2 and end with the wrapped key's length: a length that
 * cannot fit is the packet contradicting itself, whatever else is guessed.
 */
function checkWkcLength(pb: Buf, node: Node): void {
  const room = pb.length - (1 + SID_SIZE + REPLAY_ID_SIZE + TLS_CRYPT_TAG_SIZE);
  if (room < 2) throw new ReportedBoundsError(`${pb.length} bytes cannot hold a tls-crypt-v2 header and wrapped key`);
  const wkcLen = pb.u16(pb.length - 2);
  if (wkcLen >= WKC_MIN && wkcLen <= WKC_MAX && wkcLen <= room) return;
  node.add(hf.wkcLen, pb, pb.length - 2, 2, wkcLen);
  throw new ReportedBoundsError(`wrapped client key length ${wkcLen} does not fit (${WKC_MIN}…${Math.min(WKC_MAX, room)} possible)`);
}

function noteTlsStart(s: OvpnSession, key: KeyChannel, pkt: Packet): void {
  key.firstTlsFrame = pkt.number;
  key.firstTlsTime = seconds(pkt);
  if (key.keyId === 0 && s.record.timeline.tlsFrame === 0) {
    s.record.timeline.tlsFrame = pkt.number;
    s.record.timeline.tlsTime = key.firstTlsTime;
  }
}

/**
 * The wrapping of a renegotiation (key id > 0), settled on its first packet: OpenVPN 2.6's dynamic
 * tls-crypt puts a replay id and net time right after the session id, where plain has its ack
 * array and tls-auth its HMAC.
 */
function renegWrap(s: OvpnSession, pb: Buf, jc: JudgeContext, frame: number, wrap: Wrap): Wrap {
  if (s.renegWrap) return s.renegWrap.wrap;
  if (wrap.kind === 'tls-crypt' || wrap.kind === 'tls-crypt-v2') {
    s.renegWrap = { wrap, dynamic: false, reason: 'same layout as key id 0', frame };
    return wrap;
  }
  const js = judgeControl(pb, jc);
  const crypt = js.find((j) => j.wrap.kind === 'tls-crypt');
  const same = js.find((j) => wrapName(j.wrap) === wrapName(wrap));
  if (crypt && crypt.score >= 5 && crypt.score > (same?.score ?? -Infinity)) {
    s.renegWrap = {
      wrap: TLS_CRYPT, dynamic: true, frame,
      reason: `key id ${pb.u8(0) & 7} packets carry ${crypt.reasons.join(', ')} right after the session id, where key id 0 had ${wrapLabel(wrap)}: both peers negotiated "dyn-tls-crypt" (OpenVPN 2.6), which wraps renegotiations with tls-crypt under a key exported from the first TLS session`,
    };
    s.record.renegWrap = 'dynamic-tls-crypt';
    return TLS_CRYPT;
  }
  s.renegWrap = { wrap, dynamic: false, reason: 'same layout as key id 0', frame };
  return wrap;
}

/** A later packet of a decided session: does it fit, and does its replay id count up? */
function confirmWrap(s: OvpnSession, layout: ControlLayout, dir: 0 | 1, now: number, reneg: boolean): void {
  if (s.detector.decision?.source !== 'detected') return;
  if (layout.problem) {
    s.detector.contradictions++;
    return;
  }
  if (layout.replayOffset >= 0) {
    const counters = reneg ? s.lastReplayReneg : s.lastReplay;
    const last = counters[dir];
    const ok = layout.replayPid > last && Math.abs(layout.netTime - now) <= 86400;
    counters[dir] = Math.max(last, layout.replayPid);
    if (ok) s.detector.confirmations++;
    else s.detector.contradictions++;
    return;
  }
  s.detector.confirmations++;
}

/** The key id's control channel; a reset starts the timeline, a soft reset may restart a reused key id. */
function keyFor(s: OvpnSession, op: number, keyId: number, ctx: PacketContext, layout: ControlLayout | null): KeyChannel {
  const { pkt } = ctx;
  const now = seconds(pkt);
  let k = s.keys.get(keyId);
  if (k && op === Op.SoftResetV1 && layout && layout.mpid === 0 && k.dirs[ctx.dir].next > 1) {
    k = s.restartKey(keyId, pkt.number, now);
  }
  if (!k) {
    k = s.key(keyId, pkt.number, now);
    if (op === Op.SoftResetV1) {
      pkt.addExpert(ctx.node, Severity.Chat, 'Sequence', `Key renegotiation: key id ${keyId} starts a new TLS handshake`, 'openvpn');
    }
  }
  if (isClientResetOpcode(op) && s.record.timeline.resetFrame === 0) {
    s.record.timeline.resetFrame = pkt.number;
    s.record.timeline.resetTime = now;
  }
  return k;
}

function addReplay(pb: Buf, node: Node, l: ControlLayout, pkt: Packet): void {
  const pidNode = node.add(hf.pid, pb, l.replayOffset, 4, l.replayPid);
  node.add(hf.netTime, pb, l.replayOffset + 4, 4, [l.netTime, 0]);
  if (!node.real) return;
  if ((l.replayPid & EARLY_NEG_MASK) >>> 0 === EARLY_NEG_START && isClientResetOpcode(l.opcode)) {
    pidNode.suffix = ` (0x${l.replayPid.toString(16).padStart(8, '0')}: early-negotiation marker)`;
    node.addGenerated(hf.earlyNegAnnounced, true, pb, l.replayOffset, 4);
  }
  const drift = l.netTime - pkt.frame.seconds;
  if (Math.abs(drift) > 60) node.addText(`[Net time is ${Math.round(drift)} s from the capture clock]`, pb, l.replayOffset + 4, 4);
}

function addCiphertext(pb: Buf, node: Node, l: ControlLayout): void {
  node.add(hf.tag, pb, l.tagOffset, TLS_CRYPT_TAG_SIZE, pb.bytesAt(l.tagOffset, TLS_CRYPT_TAG_SIZE));
  const c = node.add(hf.ciphertext, pb, l.cipherOffset, l.cipherLength, pb.bytesAt(l.cipherOffset, l.cipherLength));
  if (!node.real) return;
  c.addGenerated(hf.ciphertextLen, l.cipherLength);
  const fits = describeCipherLength(l.opcode, l.cipherLength);
  if (fits) c.addGenerated(hf.ciphertextFits, fits);
}

function addWkc(pb: Buf, ctx: PacketContext, l: ControlLayout): void {
  const { node, pkt } = ctx;
  const s = ctx.session;
  const w = node.add(hf.wkc, pb, l.wkcOffset, l.wkcLength, pb.bytesAt(l.wkcOffset, l.wkcLength));
  const end = l.wkcOffset + l.wkcLength;
  // With the server key, the client key inside can be unwrapped: then the session can be decrypted.
  const serverKey = keysFromPref(pkt.session.prefs['openvpn.tls_crypt_key'])?.v2Server;
  const opened = serverKey ? unwrapClientKey(serverKey, pb.bytesAt(l.wkcOffset, l.wkcLength)) : null;
  if (opened && !s.v2ClientKey) s.v2ClientKey = opened.key.slice();
  if (!node.real) return;
  w.add(hf.wkcTag, pb, l.wkcOffset, 32, pb.bytesAt(l.wkcOffset, 32));
  const encLen = l.wkcLength - 32 - 2;
  w.add(hf.wkcCiphertext, pb, l.wkcOffset + 32, encLen, pb.bytesAt(l.wkcOffset + 32, encLen));
  w.addGenerated(hf.wkcMetadataLen, l.wkcLength - 32 - 256 - 2);
  w.add(hf.wkcLen, pb, end - 2, 2, l.wkcLength);
  if (serverKey && !opened) w.addGenerated(hf.notDecrypted, 'the tag does not verify with the tls-crypt-v2 server key given');
  if (!opened) return;
  w.addGenerated(hf.wkcUnwrapped, 'tag verified with the tls-crypt-v2 server key; 256-byte client key recovered');
  const meta = opened.metadata;
  if (meta.length >= 1) {
    const mb = pkt.newSource(meta.slice(), `Unwrapped WKc metadata (${meta.length} bytes)`);
    w.add(hf.wkcMetadataType, mb, 0, 1, meta[0]);
    if (meta[0] === 1 && meta.length === 9) w.add(hf.wkcMetadataTime, mb, 1, 8, [Number(mb.u64(1)), 0]);
    else if (meta.length > 1) w.add(hf.wkcMetadataUser, mb, 1, meta.length - 1, mb.bytesAt(1, meta.length - 1));
  }
}

/**
 * Decrypts a tls-crypt packet when the key is known: the openvpn.tls_crypt_key preference (tls-crypt,
 * tls-crypt-v2 client or server key) or, for a dynamic tls-crypt renegotiation, the key exported from
 * the first TLS session with the tls.keylog_file preference. The plaintext becomes a new source laid
 * out like a plain packet's reliability header and payload.
 */
function openTlsCrypt(pb: Buf, ctx: PacketContext, l: ControlLayout, dynamic: boolean): { buf: Buf; layout: ControlLayout } | null {
  const { pkt, node } = ctx;
  const s = ctx.session;
  const keys = keysFromPref(pkt.session.prefs['openvpn.tls_crypt_key']);
  const configured = s.detector.wrap?.kind === 'tls-crypt-v2' ? (s.v2ClientKey ?? keys?.tlsCrypt) : keys?.tlsCrypt;
  const candidates = dynamic ? dynamicKeys(s, pkt, configured) : configured ? [configured] : [];
  if (candidates.length === 0) return null;
  const header = pb.bytesAt(0, l.tagOffset);
  const tag = pb.bytesAt(l.tagOffset, TLS_CRYPT_TAG_SIZE);
  const ciphertext = pb.bytesAt(l.cipherOffset, l.cipherLength);
  let opened = null;
  for (const key of candidates) if ((opened = unwrapControl(key, header, tag, ciphertext))) break;
  if (!opened) {
    if (node.real) node.addGenerated(hf.notDecrypted, dynamic ? 'the tag does not verify with the key exported from the key log' : 'the tag does not verify with the key given');
    return null;
  }
  const buf = pkt.newSource(opened.plaintext, `Decrypted tls-crypt (${opened.plaintext.length} bytes)`);
  const layout = layoutPlaintext(buf, l.opcode, l.keyId, l.sessionId);
  if (node.real) {
    const half = opened.half === 0 ? 'server' : 'client';
    node.addGenerated(hf.decrypted, dynamic
      ? `tag verified with the ${half} half of the dynamic tls-crypt key, exported from the first TLS session with the key log`
      : `tag verified with the ${half} half of the key`);
  }
  return layout.problem ? null : { buf, layout };
}

/** Dynamic tls-crypt key candidates: the exported key, and the same XORed with the configured tls-crypt key. */
function dynamicKeys(s: OvpnSession, pkt: Packet, configured: Uint8Array | undefined): Uint8Array[] {
  if (s.dynamicKeys !== undefined) return s.dynamicKeys ?? [];
  const log = keyLog(pkt.session.prefs['tls.keylog_file']);
  if (!log) return [];
  const hello = s.keys.get(0)?.hello;
  const ekm = hello ? exportKeyingMaterial(log, hello, DYNAMIC_TLS_CRYPT_LABEL) : null;
  if (!ekm) {
    s.dynamicKeys = null;
    return [];
  }
  const out = [ekm];
  if (configured && configured.length === ekm.length) out.unshift(ekm.map((b, i) => b ^ configured[i]!));
  s.dynamicKeys = out;
  return out;
}

/**
 * Ack array, message packet id, reordering and the hand-off to TLS (plain and tls-auth). Sets the
 * Info column; returns true for a retransmission.
 */
function addReliable(pb: Buf, ctx: PacketContext, l: ControlLayout, key: KeyChannel, label: string, head: string): boolean {
  const { pkt, node, dir } = ctx;
  const s = ctx.session;
  const op = l.opcode;
  const peer = dir === 0 ? 1 : 0;
  node.add(hf.ackLen, pb, l.ackOffset, 1, l.acks.length);
  if (l.acks.length) {
    const arr = node.addText('Packet-ID Array', pb, l.ackOffset + 1, 4 * l.acks.length);
    const other = key.dirs[peer];
    const decided = s.detector.wrap !== null;
    for (let i = 0; i < l.acks.length; i++) {
      const a = l.acks[i]!;
      const e = arr.add(hf.ackElem, pb, l.ackOffset + 1 + 4 * i, 4, a);
      if (!decided) continue;
      const r = other.ack(a, pkt.number);
      if (r.carriedIn && node.real) {
        const f = e.addGenerated(hf.ackFrame, r.carriedIn);
        if (!r.first && r.firstAck !== pkt.number) f.suffix = ` (repeat; first acked in frame ${r.firstAck})`;
      }
      if (r.waiting) for (const n of r.waiting) n.addGenerated(hf.ackedIn, pkt.number);
    }
    const rsidOffset = l.ackOffset + 1 + 4 * l.acks.length;
    const rs = node.add(hf.rsid, pb, rsidOffset, SID_SIZE, l.remoteSessionId!);
    rs.suffix = ` (0x${sidHex(l.remoteSessionId!)})`;
    if (s.sids[peer] !== null && l.remoteSessionId !== s.sids[peer]) {
      pkt.addExpert(rs, Severity.Warning, 'Protocol', 'Remote session id is not the peer\'s session id: OpenVPN ignores these acks', 'openvpn');
    }
  }
  let info = head;
  if (l.mpidOffset < 0) {
    // P_ACK_V1: acks only.
    say(pkt, ctx.first, `${info} ack [${l.acks.join(',')}] [${label}]`);
    return false;
  }
  const mpidNode = node.add(hf.mpid, pb, l.mpidOffset, 4, l.mpid);
  info += ` pid=${l.mpid}`;
  if (l.acks.length) info += ` ack [${l.acks.join(',')}]`;
  info += ` [${label}]`;

  const isTls = op === Op.ControlV1 || op === Op.ControlWkcV1;
  const payload = l.payloadLength > 0 ? pb.sub(l.payloadOffset, l.payloadLength) : null;
  if (s.detector.wrap === null) {
    // A guess is shown, but nothing is reordered or fed to TLS until the wrapping is settled.
    if (payload) node.add(hf.data, pb, l.payloadOffset, payload.length, payload.bytesAt(0, payload.length));
    say(pkt, ctx.first, info);
    return false;
  }
  const cd = key.dirs[dir];
  const receipt = cd.receive(l.mpid, isTls && payload ? payload.bytesAt(0, payload.length) : null, pkt.number);
  if (node.real) {
    const acked = cd.ackedIn(l.mpid);
    if (acked) mpidNode.addGenerated(hf.ackedIn, acked);
    else cd.awaitAck(l.mpid, mpidNode);
  }

  if (receipt.kind === 'retransmission') {
    markRetransmission(ctx, mpidNode, l.mpid, receipt.firstFrame);
    if (payload) {
      if (isTls) node.add(hf.data, pb, l.payloadOffset, payload.length, payload.bytesAt(0, payload.length));
      else addResetPayload(pb, node, l);
    }
    say(pkt, ctx.first, `${info} ${receipt.firstFrame ? `[retransmission of #${receipt.firstFrame}]` : '[retransmission]'}`);
    return true;
  }
  if (!isTls) {
    if (payload) addResetPayload(pb, node, l);
    say(pkt, ctx.first, info);
    return false;
  }
  if (receipt.kind === 'buffered') {
    if (payload) node.add(hf.data, pb, l.payloadOffset, payload.length, payload.bytesAt(0, payload.length));
    const w = node.addGenerated(hf.waitingFor, receipt.waitingFor);
    pkt.addExpert(w, Severity.Note, 'Sequence', `Arrived before message packet id ${receipt.waitingFor}: payload held back for TLS`, 'openvpn');
    say(pkt, ctx.first, `${info} [out of order, waiting for pid=${receipt.waitingFor}]`);
    return false;
  }
  if (receipt.skipped) {
    const n = node.addText(`[Message packet ids ${receipt.skipped[0]}…${receipt.skipped[1]} never arrived; TLS continues after the gap]`);
    pkt.addExpert(n, Severity.Warning, 'Sequence', `Control packets ${receipt.skipped[0]}…${receipt.skipped[1]} missing from the capture`, 'openvpn');
    cd.tls = new StreamDirection('OpenVPN control');
  }
  if (receipt.midStream && node.real) node.addText('[Capture starts inside this control stream: earlier message packet ids not seen]');
  say(pkt, ctx.first, info);
  if (receipt.chunks.length === 0) return false;
  if (key.firstTlsFrame === 0) noteTlsStart(s, key, pkt);
  if (!key.hello.serverRandom || !key.hello.clientRandom) for (const c of receipt.chunks) sniffHello(key.hello, c.bytes);
  handToTls(pb, ctx, l, receipt.chunks, cd.tls);
  return false;
}

function markRetransmission(ctx: PacketContext, mpidNode: Node, mpid: number, firstFrame: number): void {
  ctx.session.record.facts[ctx.dir].retransmissions++;
  if (firstFrame) mpidNode.addGenerated(hf.retransmissionOf, firstFrame);
  ctx.pkt.addExpert(mpidNode, Severity.Note, 'Sequence',
    `Retransmission of message packet id ${mpid}${firstFrame ? ` (first sent in frame ${firstFrame})` : ''}`, 'openvpn');
}

/** Passes in-order control payloads to TLS as one stream per key id and direction. */
function handToTls(pb: Buf, ctx: PacketContext, l: ControlLayout, chunks: { mpid: number; frame: number; bytes: Uint8Array }[], dir: StreamDirection): void {
  const { pkt, node, parent } = ctx;
  let tlsBuf: Buf;
  if (chunks.length === 1 && chunks[0]!.frame === pkt.number && chunks[0]!.mpid === l.mpid) {
    tlsBuf = pb.sub(l.payloadOffset, l.payloadLength);
  } else {
    let total = 0;
    for (const c of chunks) total += c.bytes.length;
    const joined = new Uint8Array(total);
    let off = 0;
    for (const c of chunks) {
      joined.set(c.bytes, off);
      off += c.bytes.length;
      if (c.frame !== pkt.number && node.real) node.addGenerated(hf.delivered, c.frame).suffix = ` (message packet id ${c.mpid}, ${c.bytes.length} bytes)`;
    }
    tlsBuf = pkt.newSource(joined, `Reordered OpenVPN control (${total} bytes)`);
  }
  const tls = findProtocol('tls');
  if (!tls) {
    node.add(hf.data, tlsBuf, 0, tlsBuf.length, tlsBuf.bytesAt(0, tlsBuf.length));
    return;
  }
  pkt.fenceInfo();
  callDissector(tls, tlsBuf, pkt, parent, { direction: dir });
}

/** A reset's payload: early-negotiation TLVs from a server, or bytes. */
function addResetPayload(pb: Buf, node: Node, l: ControlLayout): void {
  const tlvs = isServerResetOpcode(l.opcode) ? parseTlvs(pb, l.payloadOffset, l.payloadLength) : null;
  if (!tlvs) {
    node.add(hf.data, pb, l.payloadOffset, l.payloadLength, pb.bytesAt(l.payloadOffset, l.payloadLength));
    return;
  }
  for (const t of tlvs) {
    const n = node.add(hf.earlyNeg, pb, t.offset, 4 + t.length);
    n.add(hf.earlyNegType, pb, t.offset, 2, t.type);
    n.add(hf.earlyNegLength, pb, t.offset + 2, 2, t.length);
    if (t.type === TLV_EARLY_NEG_FLAGS && t.length === 2) {
      const flags = pb.u16(t.offset + 4);
      const f = n.add(hf.earlyNegFlags, pb, t.offset + 4, 2, flags);
      f.add(hf.earlyNegResendWkc, pb, t.offset + 4, 2, flags & 1);
    } else if (t.length) {
      n.add(hf.earlyNegValue, pb, t.offset + 4, t.length, pb.bytesAt(t.offset + 4, t.length));
    }
  }
}

// ----------------------------------------------------------------------------------- data packets

function dissectDataPacket(pb: Buf, ctx: PacketContext, op: number): void {
  const { pkt, node, dir } = ctx;
  const s = ctx.session;
  const b0 = pb.u8(0);
  const keyId = b0 & 7;
  const hdr = op === Op.DataV2 ? 4 : 1;
  if (node.real) addTypeByte(pb, node, b0);
  let info = `${opcodeName(op)} kid=${keyId}`;
  if (op === Op.DataV2) {
    const peer = pb.u24(1);
    const p = node.add(hf.peerid, pb, 1, 3, peer);
    if (peer === 0xffffff) p.suffix = ' (not assigned)';
    info += ` peer=${peer}`;
  }
  const now = seconds(pkt);
  const key = s.keys.get(keyId) ?? s.key(keyId, pkt.number, now);
  const firstData = key.firstDataFrame === 0;
  if (firstData) {
    key.firstDataFrame = pkt.number;
    key.firstDataTime = now;
    const t = s.record.timeline;
    if (keyId === 0 && t.dataFrame === 0) {
      t.dataFrame = pkt.number;
      t.dataTime = now;
      if (t.resetFrame) s.record.handshakeSeconds = now - t.resetTime;
    }
  }
  const firstOfKey = key.startFrame < pkt.number && key.dirs[0].next > 0 && s.pids[dir].get(keyId) === undefined;
  const shape = s.shape.observe(pb, hdr, dir, pkt.number, s.detector.wrap?.kind === 'tls-auth' ? s.detector.wrap.hmacSize : 0, firstOfKey);
  s.record.dataShape = shapeLabel(shape);
  addWrap(ctx, node);
  if (node.real) {
    const sh = node.addGenerated(hf.dataShape, s.record.dataShape);
    sh.addGenerated(hf.dataShapeReason, shape.reason);
  }
  const rest = pb.length - hdr;
  switch (shape.kind) {
    case 'aead':
      if (rest >= 4 + AEAD_TAG) {
        const pid = pb.u32(hdr);
        const pidNode = node.add(hf.dataPid, pb, hdr, 4, pid);
        trackPid(ctx, keyId, pid, pidNode);
        if (node.real) node.add(hf.dataTag, pb, hdr + 4, AEAD_TAG, pb.bytesAt(hdr + 4, AEAD_TAG));
        addCipher(pb, node, hdr + 4 + AEAD_TAG, rest - 4 - AEAD_TAG);
        info += ` pid=${pid} len=${rest - 4 - AEAD_TAG}`;
        break;
      }
      addCipher(pb, node, hdr, rest);
      info += ` len=${rest}`;
      break;
    case 'aead-epoch':
      if (rest >= 8 + AEAD_TAG) {
        const epoch = pb.u16(hdr);
        const counter = (BigInt(pb.u16(hdr + 2)) << 32n) | BigInt(pb.u32(hdr + 4));
        node.add(hf.dataEpoch, pb, hdr, 2, epoch);
        const c = node.add(hf.dataCounter, pb, hdr + 2, 6, counter);
        if (counter <= 0xffffffffn) trackPid(ctx, keyId + 8 * epoch, Number(counter), c);
        addCipher(pb, node, hdr + 8, rest - 8 - AEAD_TAG);
        if (node.real) node.add(hf.dataTag, pb, pb.length - AEAD_TAG, AEAD_TAG, pb.bytesAt(pb.length - AEAD_TAG, AEAD_TAG));
        info += ` epoch=${epoch} pid=${counter} len=${rest - 8 - AEAD_TAG}`;
        break;
      }
      addCipher(pb, node, hdr, rest);
      info += ` len=${rest}`;
      break;
    case 'cbc':
      if (rest >= shape.hmacSize + CBC_IV) {
        if (node.real) {
          node.add(hf.dataHmac, pb, hdr, shape.hmacSize, pb.bytesAt(hdr, shape.hmacSize)).suffix = ` (${shape.hmacSize} bytes)`;
          node.add(hf.dataIv, pb, hdr + shape.hmacSize, CBC_IV, pb.bytesAt(hdr + shape.hmacSize, CBC_IV));
        }
        const len = rest - shape.hmacSize - CBC_IV;
        addCipher(pb, node, hdr + shape.hmacSize + CBC_IV, len);
        info += ` len=${len} [CBC]`;
        break;
      }
      addCipher(pb, node, hdr, rest);
      info += ` len=${rest}`;
      break;
    default:
      addCipher(pb, node, hdr, rest);
      info += ` len=${rest}`;
  }
  if (firstData && node.real) addTimeline(ctx, key);
  say(pkt, ctx.first, info);
  tap(ctx, op, keyId, false);
}

function addCipher(pb: Buf, node: Node, offset: number, length: number): void {
  if (length <= 0) return;
  if (node.real) {
    const d = node.add(hf.data, pb, offset, length, pb.bytesAt(offset, length));
    d.addGenerated(hf.dataCiphertextLen, length);
  } else pb.check(offset, length);
}

function trackPid(ctx: PacketContext, keyId: number, pid: number, pidNode: Node): void {
  const { pkt, dir } = ctx;
  const s = ctx.session;
  const t = s.pidTracker(dir, keyId);
  const r = t.observe(pid);
  const facts = s.record.facts[dir];
  facts.lost = 0;
  facts.replays = 0;
  for (const tr of s.pids[dir].values()) {
    facts.lost += tr.lost;
    facts.replays += tr.replays;
  }
  if (r.kind === 'gap') {
    const n = pidNode.addGenerated(hf.dataLost, r.gap);
    pkt.addExpert(n, Severity.Note, 'Sequence', `${r.gap} data packet id${r.gap > 1 ? 's' : ''} missing before ${pid}`, 'openvpn');
  } else if (r.kind === 'replay') {
    const n = pidNode.addGenerated(hf.dataReplay, true);
    pkt.addExpert(n, Severity.Warning, 'Sequence', `Data packet id ${pid} seen before in this direction: duplicate or replay`, 'openvpn');
  }
}

function addTimeline(ctx: PacketContext, key: KeyChannel): void {
  const { node, pkt } = ctx;
  const start = key.keyId === 0 && ctx.session.record.timeline.resetFrame ? ctx.session.record.timeline.resetFrame : key.startFrame;
  const startTime = key.keyId === 0 && ctx.session.record.timeline.resetFrame ? ctx.session.record.timeline.resetTime : key.startTime;
  if (!start || start === pkt.number) return;
  const now = seconds(pkt);
  const t = node.addGenerated(hf.timeline, undefined);
  t.text = `Handshake timeline, key id ${key.keyId}: reset #${start}${key.firstTlsFrame ? ` → TLS #${key.firstTlsFrame} (+${(key.firstTlsTime - startTime).toFixed(3)} s)` : ''} → first data #${pkt.number} (+${(now - startTime).toFixed(3)} s)`;
  t.addGenerated(hf.resetFrame, start);
  if (key.firstTlsFrame) {
    t.addGenerated(hf.tlsFrame, key.firstTlsFrame);
    t.addGenerated(hf.tlsDelay, key.firstTlsTime - startTime);
  }
  t.addGenerated(hf.dataFrame, pkt.number);
  t.addGenerated(hf.handshakeTime, now - startTime);
}

// ---------------------------------------------------------------------------- static key, unknown

function dissectStatic(pb: Buf, ctx: PacketContext, wrap: Wrap): void {
  const { pkt, node } = ctx;
  const s = ctx.session;
  addWrap(ctx, node, true);
  s.record.dataShape = 'CBC+HMAC (static key)';
  const h = wrap.hmacSize || staticKeyHmacFor(pb.length) || 20;
  const len = pb.length - h - CBC_IV;
  if (len >= 0) {
    if (node.real) {
      node.add(hf.dataHmac, pb, 0, h, pb.bytesAt(0, h)).suffix = ` (${h} bytes)`;
      node.add(hf.dataIv, pb, h, CBC_IV, pb.bytesAt(h, CBC_IV));
    }
    addCipher(pb, node, h + CBC_IV, len);
    if (len % 16 !== 0 && s.detector.decision?.source === 'detected') s.detector.contradictions++;
    else if (s.detector.decision?.source === 'detected') s.detector.confirmations++;
  } else addCipher(pb, node, 0, pb.length);
  if (node.real) node.addText('[Static-key mode: no opcode, packet id and time are inside the encryption]');
  say(pkt, ctx.first, `Static-key data len=${Math.max(len, 0)} [static key]`);
  tap(ctx, -1, 0, false);
}

function dissectUnknown(pb: Buf, ctx: PacketContext, op: number): void {
  const { pkt, node } = ctx;
  const b0 = pb.u8(0);
  addTypeByte(pb, node, b0);
  addWrap(ctx, node);
  if (pb.length > 1) node.add(hf.data, pb, 1, pb.length - 1, pb.bytesAt(1, pb.length - 1));
  pkt.addExpert(node, Severity.Note, 'Undecoded', `Unknown opcode ${op} (0x${op.toString(16).padStart(2, '0')})`, 'openvpn');
  say(pkt, ctx.first, `Unknown opcode ${op} kid=${b0 & 7}`);
  tap(ctx, op, b0 & 7, false);
}

/**
 * A packet quoted inside an ICMP error: a copy of one already sent, usually cut short. Shown with the
 * session's wrapping but without touching any state (no reordering, acks, TLS or statistics).
 */
function dissectQuoted(pb: Buf, node: Node, st: ConvState): void {
  const s = st.current;
  const b0 = pb.u8(0);
  const op = b0 >> 3;
  const wrap = s?.detector.wrap ?? null;
  if (wrap?.kind === 'static-key' || !isKnownOpcode(op)) {
    node.add(hf.data, pb, 0, pb.length, pb.bytesAt(0, pb.length));
    return;
  }
  addTypeByte(pb, node, b0);
  if (s) node.addGenerated(hf.session, s.record.index);
  if (isDataOpcode(op)) {
    if (op === Op.DataV2) node.add(hf.peerid, pb, 1, 3, pb.u24(1));
    const hdr = op === Op.DataV2 ? 4 : 1;
    if (pb.length > hdr) node.add(hf.data, pb, hdr, pb.length - hdr, pb.bytesAt(hdr, pb.length - hdr));
    return;
  }
  const sid = pb.u64(1);
  node.add(hf.sessionid, pb, 1, SID_SIZE, sid).suffix = ` (0x${sidHex(sid)})`;
  const layout = wrap ? layoutControl(pb, wrap) : null;
  if (!layout || layout.problem) {
    if (pb.length > 1 + SID_SIZE) node.add(hf.data, pb, 1 + SID_SIZE, pb.length - 1 - SID_SIZE, pb.bytesAt(1 + SID_SIZE, pb.length - 1 - SID_SIZE));
    return;
  }
  if (layout.hmacLength) node.add(hf.hmac, pb, layout.hmacOffset, layout.hmacLength, pb.bytesAt(layout.hmacOffset, layout.hmacLength));
  if (layout.replayOffset >= 0) {
    node.add(hf.pid, pb, layout.replayOffset, 4, layout.replayPid);
    node.add(hf.netTime, pb, layout.replayOffset + 4, 4, [layout.netTime, 0]);
  }
  if (layout.cipherOffset >= 0) {
    addCiphertext(pb, node, layout);
    return;
  }
  node.add(hf.ackLen, pb, layout.ackOffset, 1, layout.acks.length);
  layout.acks.forEach((a, i) => node.add(hf.ackElem, pb, layout.ackOffset + 1 + 4 * i, 4, a));
  if (layout.remoteSessionId !== null) node.add(hf.rsid, pb, layout.ackOffset + 1 + 4 * layout.acks.length, SID_SIZE, layout.remoteSessionId);
  if (layout.mpidOffset >= 0) node.add(hf.mpid, pb, layout.mpidOffset, 4, layout.mpid);
  if (layout.payloadLength > 0) node.add(hf.data, pb, layout.payloadOffset, layout.payloadLength, pb.bytesAt(layout.payloadOffset, layout.payloadLength));
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
