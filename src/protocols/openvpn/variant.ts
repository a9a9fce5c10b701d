/**
 * Telling OpenVPN's wire variants apart from the bytes alone.
 *
 * Nothing on the wire names the control-channel wrapping (plain, tls-auth with an N-byte HMAC,
 * tls-crypt, tls-crypt-v2) or static-key mode. Each wrapping puts recognisable values at different
 * offsets, so every candidate layout is tried on the same packet and scored on evidence that random
 * bytes almost never give:
 *
 *  - tls-auth / tls-crypt carry a replay packet id (small, counting up from 1; tls-crypt-v2 resets
 *    start at 0x0f000000) and a net time in seconds that is the sender's clock, so it lies within
 *    seconds of the capture time. A random 4-byte value falls within a day of it with p ≈ 4·10⁻⁵.
 *  - plain and tls-auth show the reliability header in clear: an ack count of at most 8, a remote
 *    session id equal to the other side's session id, a message packet id counting from 0, and a
 *    reset or ack that ends exactly where its fields end.
 *  - tls-crypt's ciphertext length reveals the header it hides (5 bytes for a client reset).
 *  - opcodes 10 and 11 exist only with tls-crypt-v2, and end with a wrapped key whose length field
 *    matches.
 *  - static-key packets have no opcode: the first byte is ciphertext, so opcodes outside 1…11 show up
 *    and lengths fit HMAC + IV + whole cipher blocks.
 *
 * The choice is made once per session when one candidate leads clearly; later packets confirm it
 * (replay ids that count up, net time near the capture time, layouts that fit) or contradict it.
 */
import type { Buf } from '../../engine/buf.js';
import {
  type ControlLayout, type Wrap, HMAC_SIZES, Op, PLAIN, TLS_CRYPT, TLS_CRYPT_V2, EARLY_NEG_MASK, EARLY_NEG_START,
  carriesWkc, isClientResetOpcode, isControlOpcode, isKnownOpcode, isResetOpcode, layoutControl, parseTlvs, tlsAuth,
  wrapLabel, wrapName, SID_SIZE,
} from './wire.js';

const DAY = 86400;
/** Net times before 2000 or after 2100 are not a clock. */
const MIN_CLOCK = 946684800;
const MAX_CLOCK = 4102444800;

/** What the judge knows about the conversation while scoring a packet. */
export interface JudgeContext {
  /** Capture time of the packet (seconds since the epoch). */
  seconds: number;
  /** Session ids seen as senders in this conversation, by either side. */
  knownSids: ReadonlySet<bigint>;
  /** Session id of the other side, when known. */
  peerSid: bigint | null;
}

export interface Judgement {
  wrap: Wrap;
  layout: ControlLayout;
  score: number;
  /** Short phrases a student can follow: "replay id 1, net time 0 s from the capture clock". */
  reasons: string[];
}

const allCandidates: readonly Wrap[] = [PLAIN, ...HMAC_SIZES.map(tlsAuth), TLS_CRYPT];

/** Scores every wrapping on one control packet; best first. Never throws. */
export function judgeControl(buf: Buf, ctx: JudgeContext, length = buf.length): Judgement[] {
  if (length < 1 + SID_SIZE || buf.length < 1 + SID_SIZE) return [];
  const op = buf.u8(0) >> 3;
  if (!isControlOpcode(op)) return [];
  const candidates = carriesWkc(op) ? [TLS_CRYPT_V2] : allCandidates;
  const out: Judgement[] = [];
  for (const wrap of candidates) {
    const layout = layoutControl(buf, wrap, length);
    if (layout.problem) continue;
    const j: Judgement = { wrap, layout, score: 0, reasons: [] };
    if (wrap.kind !== 'plain') scoreReplay(j, ctx);
    if (wrap.kind === 'plain' || wrap.kind === 'tls-auth') scoreClear(buf, j, ctx);
    if (wrap.kind === 'tls-crypt' || wrap.kind === 'tls-crypt-v2') scoreCipherLength(j);
    if (wrap.kind === 'tls-crypt-v2') {
      j.score += 3;
      j.reasons.push(`opcode ${op} exists only with tls-crypt-v2 and its ${layout.wkcLength}-byte wrapped key length fits`);
    }
    if (j.score > -5) out.push(j);
  }
  out.sort((a, b) => b.score - a.score);
  return out;
}

function where(j: Judgement): string {
  return j.wrap.kind === 'tls-auth' ? `after a ${j.wrap.hmacSize}-byte HMAC` : 'right after the session id';
}

/** Replay packet id + net time (tls-auth, tls-crypt). */
function scoreReplay(j: Judgement, ctx: JudgeContext): void {
  const { replayPid: pid, netTime: t } = j.layout;
  const early = (pid & EARLY_NEG_MASK) >>> 0 === EARLY_NEG_START;
  const drift = Math.abs(t - ctx.seconds);
  if (pid === 0 || (pid > 0x00ffffff && !early)) {
    j.score -= 6;
    return;
  }
  if (drift <= DAY) {
    j.score += 5;
    j.reasons.push(`replay id ${early ? `0x${pid.toString(16).padStart(8, '0')}` : pid} and net time ${Math.round(t - ctx.seconds)} s from the capture clock ${where(j)}`);
  } else if (t >= MIN_CLOCK && t < MAX_CLOCK) {
    j.score += 1;
    j.reasons.push(`replay id ${pid} and a net time ${Math.round(drift / DAY)} days from the capture clock ${where(j)}`);
  } else {
    j.score -= 6;
  }
}

/** Reliability header read in clear (plain, tls-auth). */
function scoreClear(buf: Buf, j: Judgement, ctx: JudgeContext): void {
  const l = j.layout;
  if (l.remoteSessionId !== null) {
    if (ctx.peerSid !== null && l.remoteSessionId === ctx.peerSid) {
      j.score += 4;
      j.reasons.push('remote session id equals the peer\'s session id');
    } else if (ctx.knownSids.has(l.remoteSessionId)) {
      j.score += 3;
      j.reasons.push('remote session id is a session id seen in this conversation');
    } else if (ctx.peerSid !== null) {
      j.score -= 3;
    }
  }
  if (l.acks.some((a) => a > 0xffff)) j.score -= 2;
  if (l.mpid > 0xffff) j.score -= 2;
  const op = l.opcode;
  if (op === Op.AckV1) {
    if (l.payloadLength === 0 && l.acks.length > 0) {
      j.score += 2;
      j.reasons.push(`an ack of ${l.acks.length} packet id${l.acks.length > 1 ? 's' : ''} that ends exactly at the end of the packet`);
    } else j.score -= 3;
    return;
  }
  if (isResetOpcode(op) || op === Op.SoftResetV1) {
    const tlvs = l.payloadLength > 0 ? parseTlvs(buf, l.payloadOffset, l.payloadLength) : [];
    const acksFit = isClientResetOpcode(op) || op === Op.SoftResetV1 ? true : l.acks.length === 1 && l.acks[0] === 0;
    if (l.mpid === 0 && l.payloadLength === 0 && acksFit && (l.acks.length === 0 || !isClientResetOpcode(op))) {
      j.score += j.wrap.kind === 'plain' ? 4 : 2;
      const head = j.wrap.kind === 'plain' ? 'right after the session id (no room for an HMAC or replay id),' : 'then';
      j.reasons.push(l.acks.length
        ? `${head} an ack of packet 0 with the remote session id, message packet id 0, and the packet ends there`
        : `${head} an empty ack array and message packet id 0, and the packet ends there`);
    } else if (l.mpid === 0 && tlvs) {
      j.score += 2;
      j.reasons.push('a reset with message packet id 0 and early-negotiation TLVs');
    } else if (l.mpid <= 16) {
      j.score += 1;
    } else j.score -= 2;
    return;
  }
  // P_CONTROL_V1 / P_CONTROL_WKC_V1: TLS bytes follow; a record header is good evidence.
  if (l.mpid <= 0xffff) j.score += 1;
  if (l.payloadLength >= 5) {
    const ct = buf.u8(l.payloadOffset);
    const major = buf.u8(l.payloadOffset + 1);
    if (ct >= 20 && ct <= 23 && major === 3) {
      j.score += 2;
      j.reasons.push('the payload starts with a TLS record header');
    }
  } else if (l.payloadLength === 0 && op !== Op.ControlWkcV1) j.score -= 1;
}

/** tls-crypt: the ciphertext length betrays the reliability header it hides. */
function scoreCipherLength(j: Judgement): void {
  const l = j.layout;
  const n = l.cipherLength;
  const op = l.opcode;
  if (isClientResetOpcode(op) && n === 5) {
    j.score += 1;
    j.reasons.push('5 encrypted bytes: exactly an empty ack array and message packet id 0');
  } else if (op === Op.HardResetServerV2 && (n === 17 || n === 23)) {
    j.score += 1;
    j.reasons.push(`${n} encrypted bytes: one ack, the remote session id and a message packet id${n === 23 ? ', plus a 6-byte TLV' : ''}`);
  } else if (op === Op.AckV1 && n >= 13 && (n - 9) % 4 === 0 && (n - 9) / 4 <= 8) {
    j.score += 1;
    j.reasons.push(`${n} encrypted bytes: exactly an ack of ${(n - 9) / 4} packet id(s) and the remote session id`);
  }
}

/** What the ciphertext length of a tls-crypt control packet says about the hidden header. */
export function describeCipherLength(op: number, n: number): string | null {
  if (op === Op.AckV1) {
    if (n >= 13 && (n - 9) % 4 === 0 && (n - 9) / 4 <= 8) return `fits an ack of ${(n - 9) / 4} packet id(s) plus the remote session id`;
    return null;
  }
  if (isClientResetOpcode(op)) return n === 5 ? 'fits an empty ack array and the message packet id' : null;
  if (op === Op.HardResetServerV2 || op === Op.HardResetServerV1) {
    if (n === 17) return 'fits one ack, the remote session id and the message packet id';
    if (n === 23) return 'fits one ack, the remote session id, the message packet id and a 6-byte early-negotiation TLV';
  }
  return null;
}

// ------------------------------------------------------------------------------- session detector

export type WrapSource = 'preference' | 'detected';

export interface WrapDecision {
  wrap: Wrap;
  source: WrapSource;
  reason: string;
  frame: number;
}

/** Static-key packets fit HMAC + 16-byte IV + whole AES blocks; returns the HMAC size that fits. */
export function staticKeyHmacFor(length: number): number {
  // Residue of (length − IV) modulo the block size picks the HMAC size: 4 → 20 (SHA1, the default),
  // 12 → 28, 0 → 16/32/48/64 (32 assumed).
  const r = (length - 16) % 16;
  if (r === 4) return 20;
  if (r === 12) return 28;
  if (r === 0) return 32;
  return 0;
}

/**
 * Accumulates evidence for one session until one wrapping leads; then keeps counting how many later
 * packets confirm or contradict it.
 */
export class WrapDetector {
  decision: WrapDecision | null = null;
  confirmations = 0;
  contradictions = 0;
  /** Summed scores per candidate name while undecided. */
  private readonly totals = new Map<string, { wrap: Wrap; score: number; reasons: string[] }>();
  private staticScore = 0;
  private staticPackets = 0;
  private staticHmac = 0;
  private tlsEvidence = 0;
  private readonly staticReasons: string[] = [];
  private readonly firstBytes: number[] = [];

  constructor(pref: Wrap | undefined, frame: number) {
    if (pref) this.decision = { wrap: pref, source: 'preference', reason: `set by the user (openvpn.wrap preference: ${wrapName(pref)})`, frame };
  }

  get wrap(): Wrap | null {
    return this.decision?.wrap ?? null;
  }

  /**
   * Feeds a control-opcode packet while undecided; returns the best judgement so the caller can show
   * the packet with it even before a decision.
   */
  observeControl(buf: Buf, ctx: JudgeContext, frame: number, length = buf.length): Judgement | null {
    const js = judgeControl(buf, ctx, length);
    if (js.length === 0 || js[0]!.score < 2) this.noteStaticEvidence(buf, length);
    if (js.length === 0) return null;
    const best = js[0]!;
    // Opcodes 10/11 settle tls-crypt-v2 on their own.
    if (best.wrap.kind === 'tls-crypt-v2') {
      this.decide(best.wrap, `${best.reasons.join('; ')} (frame ${frame})`, frame);
      return best;
    }
    if (best.score >= 2) this.tlsEvidence += best.score;
    for (const j of js) {
      const key = wrapName(j.wrap);
      let t = this.totals.get(key);
      if (!t) this.totals.set(key, (t = { wrap: j.wrap, score: 0, reasons: [] }));
      t.score += j.score;
      if (j.reasons.length && t.reasons.length < 4) t.reasons.push(`${j.reasons.join(', ')} (frame ${frame})`);
    }
    // A candidate absent from this packet's list did not fit it.
    for (const [key, t] of this.totals) if (!js.some((j) => wrapName(j.wrap) === key)) t.score -= 4;
    this.tryDecide(frame);
    return this.decision ? (js.find((j) => wrapName(j.wrap) === wrapName(this.decision!.wrap)) ?? best) : best;
  }

  /**
   * Feeds a packet that no control layout explains: TLS-mode data, or static-key ciphertext. Static-key
   * packets start with HMAC bytes, so their "opcode" is random (two in three are no opcode at all) and
   * changes from packet to packet, and their lengths fit HMAC + IV + whole blocks; TLS-mode data
   * repeats the same first byte and shows a small packet id when AEAD.
   */
  noteStaticEvidence(buf: Buf, length: number): void {
    if (this.decision || buf.length < 1) return;
    const b0 = buf.u8(0);
    const op = b0 >> 3;
    if (this.firstBytes.length < 8) this.firstBytes.push(b0);
    const hmac = staticKeyHmacFor(length);
    const fitsStatic = hmac > 0 && length >= hmac + 32;
    if (!fitsStatic) {
      // Static-key CBC packets always fit; this one cannot be static-key ciphertext.
      this.staticScore -= 4;
      return;
    }
    this.staticPackets++;
    if (this.staticHmac === 0) this.staticHmac = hmac;
    if (!isKnownOpcode(op)) {
      this.staticScore += 4;
      if (this.staticReasons.length < 2) {
        this.staticReasons.push(`first byte 0x${b0.toString(16).padStart(2, '0')} is no opcode and ${length} bytes fit HMAC + IV + whole cipher blocks`);
      }
    } else if (op === 6 || op === 9) {
      // An AEAD data packet would show a small packet id after its header.
      const hdr = op === 9 ? 4 : 1;
      if (buf.length >= hdr + 4 && buf.u32(hdr) > 0xffff) this.staticScore += 2;
      else this.tlsEvidence += 2;
    } else this.staticScore += 1;
    // TLS-mode data repeats its first byte (opcode and key id); ciphertext does not.
    if (this.firstBytes.length >= 3 && this.firstBytes.every((x) => x === this.firstBytes[0])) this.tlsEvidence += 4;
  }

  private tryDecide(frame: number): void {
    const ranked = [...this.totals.values()].sort((a, b) => b.score - a.score);
    const best = ranked[0];
    if (!best) return;
    const second = ranked[1]?.score ?? -Infinity;
    if (best.score >= 4 && best.score - second >= 3) {
      const rivals = ranked.slice(1).filter((r) => r.score > -Infinity).length;
      this.decide(best.wrap, `${best.reasons.join('; ')}${rivals ? `; ${rivals} other layout${rivals > 1 ? 's' : ''} ruled out` : ''}`, frame);
    }
  }

  /** Called for each packet while undecided: may settle static-key mode. Returns the wrapping now chosen. */
  considerStatic(frame: number): Wrap | null {
    if (!this.decision && this.staticScore >= 4 && this.tlsEvidence < 4 && this.staticPackets >= 1) {
      this.decide({ kind: 'static-key', hmacSize: this.staticHmac || 20 }, `no TLS-mode layout fits: ${this.staticReasons.join('; ')}`, frame);
    }
    return this.wrap;
  }

  private decide(wrap: Wrap, reason: string, frame: number): void {
    this.decision = { wrap, source: 'detected', reason, frame };
    this.totals.clear();
  }

  /** The label of the current guess for the Info column, or null while undecided. */
  label(): string | null {
    return this.decision ? wrapLabel(this.decision.wrap) : null;
  }
}
