/**
 * Control packets in the tree: the wrapping's fields (HMAC, replay id, tls-crypt tag and ciphertext,
 * wrapped client key), the reliability layer (acks, message packet ids, retransmissions, reordering)
 * and the hand-off of in-order payloads to TLS, one stream per key id and direction. tls-crypt is
 * opened when its key is known (openvpn.tls_crypt_key, or tls.keylog_file for the dynamic key of
 * renegotiations).
 */
import { callDissector, findProtocol } from '../../engine/dispatch.js';
import { openvpnCtrl } from './ctrlmsg.js';
import { type Buf, ReportedBoundsError } from '../../engine/buf.js';
import type { Packet } from '../../engine/packet.js';
import { type Node, Severity } from '../../engine/tree.js';
import { StreamDirection } from '../../engine/stream.js';
import { hf } from './fields.js';
import {
  type ControlLayout, type Wrap, Op, SID_SIZE, REPLAY_ID_SIZE, WKC_MIN, WKC_MAX, EARLY_NEG_MASK, EARLY_NEG_START, TLV_EARLY_NEG_FLAGS,
  TLS_CRYPT_TAG_SIZE, TLS_CRYPT, carriesWkc, isClientResetOpcode, isDataOpcode, isKnownOpcode, isResetOpcode, isServerResetOpcode,
  digestName, layoutControl, layoutPlaintext, opcodeName, parseTlvs, wrapLabel, wrapName,
} from './wire.js';
import { type JudgeContext, describeCipherLength, judgeControl } from './variant.js';
import type { ConvState, OvpnSession } from './session.js';
import type { KeyChannel } from './control.js';
import { keysFromPref, unwrapClientKey, unwrapControl } from './tlscrypt.js';
import { DYNAMIC_TLS_CRYPT_LABEL, exportFromSession, sniffHello } from './keylog.js';
import { type PacketContext, addTypeByte, addWrap, noteSid, say, seconds, sidHex, tap } from './context.js';
import { dissectStatic } from './datatree.js';
import { hasKeyLog } from '../tlskeys.js';
import { tlsCryptKeyPref } from './tlscrypt.js';
// -------------------------------------------------------------------------------- control packets

export function dissectControl(pb: Buf, ctx: PacketContext): void {
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

export function addCiphertext(pb: Buf, node: Node, l: ControlLayout): void {
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
  const serverKey = keysFromPref(pkt.session.prefs[tlsCryptKeyPref])?.v2Server;
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
  const keys = keysFromPref(pkt.session.prefs[tlsCryptKeyPref]);
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
  if (!hasKeyLog(pkt.session)) return [];
  const hello = s.keys.get(0)?.hello;
  if (!hello) return [];
  const ekm = exportFromSession(pkt.session, hello, DYNAMIC_TLS_CRYPT_LABEL);
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
        else e.addGenerated(hf.ackDelay, seconds(pkt) - r.sentAt);
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
  const receipt = cd.receive(l.mpid, isTls && payload ? payload.bytesAt(0, payload.length) : null, pkt.number, seconds(pkt));
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
  handToTls(pb, ctx, l, receipt.chunks, cd.tls, key);
  return false;
}

function markRetransmission(ctx: PacketContext, mpidNode: Node, mpid: number, firstFrame: number): void {
  ctx.session.record.facts[ctx.dir].retransmissions++;
  if (firstFrame) mpidNode.addGenerated(hf.retransmissionOf, firstFrame);
  ctx.pkt.addExpert(mpidNode, Severity.Note, 'Sequence',
    `Retransmission of message packet id ${mpid}${firstFrame ? ` (first sent in frame ${firstFrame})` : ''}`, 'openvpn');
}

/** Passes in-order control payloads to TLS as one stream per key id and direction. */
function handToTls(
  pb: Buf,
  ctx: PacketContext,
  l: ControlLayout,
  chunks: { mpid: number; frame: number; bytes: Uint8Array }[],
  dir: StreamDirection,
  channel: KeyChannel,
): void {
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
  // Each key id is its own TLS session (a renegotiation starts a fresh handshake).
  callDissector(tls, tlsBuf, pkt, parent, { direction: dir, channel, inner: openvpnCtrl });
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

/**
 * A packet quoted inside an ICMP error: a copy of one already sent, usually cut short. Shown with the
 * session's wrapping but without touching any state (no reordering, acks, TLS or statistics).
 */
export function dissectQuoted(pb: Buf, node: Node, st: ConvState): void {
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

