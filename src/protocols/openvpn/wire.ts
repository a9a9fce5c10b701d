/**
 * OpenVPN 2.x wire layouts: opcodes, the control-channel wrappings and where each field sits.
 *
 * Sources: OpenVPN's src/openvpn/ssl_pkt.h (opcodes, key id, EARLY_NEG_*), ssl_pkt.c (how tls-auth
 * and tls-crypt wrap a control packet), reliable.c (the ack array), tls_crypt.h and
 * doc/tls-crypt-v2.txt (tls-crypt and the wrapped client key), crypto.h (data-channel layouts) and
 * the OpenVPN wire-protocol draft (OpenVPN/openvpn-rfc).
 *
 * First byte of every TLS-mode packet: opcode in the high 5 bits, key id in the low 3.
 *
 * Control packet, by wrapping (after opcode|key id and the sender's 8-byte session id):
 *
 *   plain         ack_count(1) acks(4·n) [remote_sid(8) if n>0] [msg_pid(4)] payload
 *   tls-auth      hmac(N) replay_pid(4) net_time(4) ack_count … (as plain)
 *   tls-crypt     replay_pid(4) net_time(4) tag(32) ciphertext(ack_count … payload)
 *   tls-crypt-v2  as tls-crypt; opcodes 10 and 11 append WKc, whose last 2 bytes give its length
 *
 * P_ACK_V1 has no message packet id; every other control opcode has one. N is the size of the
 * --auth digest: 16 (MD5), 20 (SHA1, the default), 28, 32 (SHA256), 48, 64 (SHA512).
 *
 * Everything here reads captured bytes only and never throws: detection tries several layouts on
 * the same bytes, and a layout that does not fit is an answer ("problem"), not an error.
 */
import type { Buf } from '../../engine/buf.js';

export const SID_SIZE = 8;
/** The most acks one packet may carry (RELIABLE_ACK_SIZE in reliable.h). */
export const MAX_ACKS = 8;
/** tls-crypt's HMAC-SHA256 tag, also the tag inside WKc. */
export const TLS_CRYPT_TAG_SIZE = 32;
/** Replay packet id (4) + net time (4) used by tls-auth and tls-crypt. */
export const REPLAY_ID_SIZE = 8;
/** WKc = tag(32) || encrypted(Kc(256) || metadata) || len(2); TLS_CRYPT_V2_MAX_WKC_LEN is 1024. */
export const WKC_MIN = TLS_CRYPT_TAG_SIZE + 256 + 2;
export const WKC_MAX = 1024;
/** The replay packet id of a tls-crypt-v2 reset that announces early negotiation (EARLY_NEG_START). */
export const EARLY_NEG_START = 0x0f000000;
export const EARLY_NEG_MASK = 0xff000000;
export const TLV_EARLY_NEG_FLAGS = 0x0001;
export const EARLY_NEG_FLAG_RESEND_WKC = 0x0001;

export const enum Op {
  HardResetClientV1 = 1,
  HardResetServerV1 = 2,
  SoftResetV1 = 3,
  ControlV1 = 4,
  AckV1 = 5,
  DataV1 = 6,
  HardResetClientV2 = 7,
  HardResetServerV2 = 8,
  DataV2 = 9,
  HardResetClientV3 = 10,
  ControlWkcV1 = 11,
}

export const opcodeNames: Record<number, string> = {
  1: 'P_CONTROL_HARD_RESET_CLIENT_V1',
  2: 'P_CONTROL_HARD_RESET_SERVER_V1',
  3: 'P_CONTROL_SOFT_RESET_V1',
  4: 'P_CONTROL_V1',
  5: 'P_ACK_V1',
  6: 'P_DATA_V1',
  7: 'P_CONTROL_HARD_RESET_CLIENT_V2',
  8: 'P_CONTROL_HARD_RESET_SERVER_V2',
  9: 'P_DATA_V2',
  10: 'P_CONTROL_HARD_RESET_CLIENT_V3',
  11: 'P_CONTROL_WKC_V1',
};

export function opcodeName(op: number): string {
  return opcodeNames[op] ?? `Unknown opcode ${op}`;
}

export function isKnownOpcode(op: number): boolean {
  return op >= 1 && op <= 11;
}
export function isDataOpcode(op: number): boolean {
  return op === Op.DataV1 || op === Op.DataV2;
}
export function isControlOpcode(op: number): boolean {
  return isKnownOpcode(op) && !isDataOpcode(op);
}
export function isResetOpcode(op: number): boolean {
  return op === 1 || op === 2 || op === 7 || op === 8 || op === 10;
}
export function isClientResetOpcode(op: number): boolean {
  return op === 1 || op === 7 || op === 10;
}
export function isServerResetOpcode(op: number): boolean {
  return op === 2 || op === 8;
}
/** Opcodes that end with a tls-crypt-v2 wrapped client key. */
export function carriesWkc(op: number): boolean {
  return op === Op.HardResetClientV3 || op === Op.ControlWkcV1;
}

// ------------------------------------------------------------------------------------------ wraps

export type WrapKind = 'plain' | 'tls-auth' | 'tls-crypt' | 'tls-crypt-v2' | 'static-key';

export interface Wrap {
  readonly kind: WrapKind;
  /** tls-auth: HMAC size of the control channel; static-key: HMAC size of the data packets. */
  readonly hmacSize: number;
}

/** HMAC sizes --auth can give, with the digest usually behind each. */
export const HMAC_SIZES: readonly number[] = [16, 20, 28, 32, 48, 64];
const digestBySize: Record<number, string> = { 16: 'MD5', 20: 'SHA1', 28: 'SHA224', 32: 'SHA256', 48: 'SHA384', 64: 'SHA512' };

export function digestName(size: number): string {
  return digestBySize[size] ?? `${size * 8}-bit`;
}

/** The machine name shown as openvpn.wrap: plain, tls-auth-sha256, tls-crypt, tls-crypt-v2, static-key. */
export function wrapName(w: Wrap): string {
  return w.kind === 'tls-auth' ? `tls-auth-${digestName(w.hmacSize).toLowerCase()}` : w.kind;
}

/** The short form used in the Info column: "plain", "tls-auth SHA256", "tls-crypt", "static key". */
export function wrapLabel(w: Wrap): string {
  if (w.kind === 'tls-auth') return `tls-auth ${digestName(w.hmacSize)}`;
  if (w.kind === 'static-key') return 'static key';
  return w.kind;
}

export const PLAIN: Wrap = { kind: 'plain', hmacSize: 0 };
export const TLS_CRYPT: Wrap = { kind: 'tls-crypt', hmacSize: 0 };
export const TLS_CRYPT_V2: Wrap = { kind: 'tls-crypt-v2', hmacSize: 0 };
export function tlsAuth(size: number): Wrap {
  return { kind: 'tls-auth', hmacSize: size };
}

/**
 * Parses the user's override (-o openvpn.wrap:VALUE): plain, none, tls-auth (SHA1), tls-auth-sha256,
 * tls-auth-32, tls-crypt, tls-crypt-v2, static-key, static-key-sha256 … Undefined when not understood.
 */
export function parseWrapPref(value: string | undefined): Wrap | undefined {
  if (!value) return undefined;
  const v = value.trim().toLowerCase();
  if (v === 'plain' || v === 'none' || v === 'tls') return PLAIN;
  if (v === 'tls-crypt') return TLS_CRYPT;
  if (v === 'tls-crypt-v2') return TLS_CRYPT_V2;
  const m = /^(tls-auth|static-key|static)(?:-(\w+))?$/.exec(v);
  if (!m) return undefined;
  let size = 20;
  if (m[2] !== undefined) {
    const n = Number(m[2]);
    if (Number.isInteger(n)) size = n;
    else {
      const entry = Object.entries(digestBySize).find(([, name]) => name.toLowerCase() === m[2]);
      if (!entry) return undefined;
      size = Number(entry[0]);
    }
  }
  if (size < 1 || size > 64) return undefined;
  return { kind: m[1] === 'tls-auth' ? 'tls-auth' : 'static-key', hmacSize: size };
}

// --------------------------------------------------------------------------------- control layout

/** Where each field of one control packet sits under one wrapping (offsets relative to the packet). */
export interface ControlLayout {
  opcode: number;
  keyId: number;
  sessionId: bigint;
  /** tls-auth HMAC (length 0 when none). */
  hmacOffset: number;
  hmacLength: number;
  /** tls-auth / tls-crypt replay protection (-1 when the wrapping has none). */
  replayOffset: number;
  replayPid: number;
  netTime: number;
  /** tls-crypt tag and ciphertext (-1 when in clear). */
  tagOffset: number;
  cipherOffset: number;
  cipherLength: number;
  /** The reliability header, when readable (-1 under tls-crypt). */
  ackOffset: number;
  acks: number[];
  remoteSessionId: bigint | null;
  mpidOffset: number;
  mpid: number;
  /** What the control packet carries (TLS bytes, reset TLVs). */
  payloadOffset: number;
  payloadLength: number;
  /** tls-crypt-v2 wrapped client key at the end (-1 when none). */
  wkcOffset: number;
  wkcLength: number;
  /** Why the bytes do not fit this wrapping; null when they do. */
  problem: string | null;
}

function emptyLayout(opcode: number, keyId: number): ControlLayout {
  return {
    opcode, keyId, sessionId: 0n,
    hmacOffset: -1, hmacLength: 0,
    replayOffset: -1, replayPid: 0, netTime: 0,
    tagOffset: -1, cipherOffset: -1, cipherLength: 0,
    ackOffset: -1, acks: [], remoteSessionId: null,
    mpidOffset: -1, mpid: -1,
    payloadOffset: -1, payloadLength: 0,
    wkcOffset: -1, wkcLength: 0,
    problem: null,
  };
}

function readU64(buf: Buf, offset: number): bigint {
  return buf.u64(offset);
}

/**
 * Lays out a control packet of `length` bytes (the whole packet, captured) under `wrap`.
 * Reads only within the captured bytes; never throws.
 */
export function layoutControl(buf: Buf, wrap: Wrap, length = buf.length): ControlLayout {
  const end = Math.min(length, buf.length);
  if (end < 1) {
    const l = emptyLayout(0, 0);
    l.problem = 'empty packet';
    return l;
  }
  const first = buf.u8(0);
  const l = emptyLayout(first >> 3, first & 7);
  if (end < 1 + SID_SIZE) {
    l.problem = `${end} bytes cannot hold the opcode and 8-byte session id`;
    return l;
  }
  l.sessionId = readU64(buf, 1);
  let off = 1 + SID_SIZE;
  let stop = end;

  if (carriesWkc(l.opcode)) {
    if (wrap.kind !== 'tls-crypt-v2') {
      l.problem = `opcode ${l.opcode} exists only with tls-crypt-v2`;
      return l;
    }
    if (end < off + 2) {
      l.problem = 'too short for a wrapped client key length';
      return l;
    }
    const wkcLen = buf.u16(end - 2);
    if (wkcLen < WKC_MIN || wkcLen > WKC_MAX) {
      l.problem = `wrapped client key length ${wkcLen} outside ${WKC_MIN}…${WKC_MAX}`;
      return l;
    }
    if (wkcLen > end - off - REPLAY_ID_SIZE - TLS_CRYPT_TAG_SIZE) {
      l.problem = `wrapped client key length ${wkcLen} longer than the packet allows`;
      return l;
    }
    l.wkcOffset = end - wkcLen;
    l.wkcLength = wkcLen;
    stop = l.wkcOffset;
  }

  switch (wrap.kind) {
    case 'tls-auth':
      if (stop < off + wrap.hmacSize + REPLAY_ID_SIZE) {
        l.problem = `too short for a ${wrap.hmacSize}-byte HMAC and replay id`;
        return l;
      }
      l.hmacOffset = off;
      l.hmacLength = wrap.hmacSize;
      off += wrap.hmacSize;
      l.replayOffset = off;
      l.replayPid = buf.u32(off);
      l.netTime = buf.u32(off + 4);
      off += REPLAY_ID_SIZE;
      break;
    case 'tls-crypt':
    case 'tls-crypt-v2':
      if (stop < off + REPLAY_ID_SIZE + TLS_CRYPT_TAG_SIZE) {
        l.problem = 'too short for a replay id and 32-byte tag';
        return l;
      }
      l.replayOffset = off;
      l.replayPid = buf.u32(off);
      l.netTime = buf.u32(off + 4);
      off += REPLAY_ID_SIZE;
      l.tagOffset = off;
      off += TLS_CRYPT_TAG_SIZE;
      l.cipherOffset = off;
      l.cipherLength = stop - off;
      if (l.cipherLength < 1) l.problem = 'no encrypted bytes after the tag';
      return l;
    case 'static-key':
      l.problem = 'static-key mode has no control channel';
      return l;
    case 'plain':
      break;
  }
  readReliable(buf, l, off, stop);
  return l;
}

/** The reliability header of decrypted tls-crypt plaintext, laid out like a plain packet's. */
export function layoutPlaintext(buf: Buf, opcode: number, keyId: number, sessionId: bigint): ControlLayout {
  const l = emptyLayout(opcode, keyId);
  l.sessionId = sessionId;
  readReliable(buf, l, 0, buf.length);
  return l;
}

/** Reads ack array, remote session id and message packet id from `off` to `stop`. */
export function readReliable(buf: Buf, l: ControlLayout, off: number, stop: number): void {
  if (off + 1 > stop) {
    l.problem = 'no room for the ack count';
    return;
  }
  l.ackOffset = off;
  const count = buf.u8(off);
  off += 1;
  if (count > MAX_ACKS) {
    l.problem = `ack count ${count} exceeds the ${MAX_ACKS} OpenVPN sends`;
    return;
  }
  if (off + 4 * count + (count ? SID_SIZE : 0) > stop) {
    l.problem = `${count} acks and the remote session id run past the end`;
    return;
  }
  for (let i = 0; i < count; i++) l.acks.push(buf.u32(off + 4 * i));
  off += 4 * count;
  if (count) {
    l.remoteSessionId = readU64(buf, off);
    off += SID_SIZE;
  }
  if (l.opcode !== Op.AckV1) {
    if (off + 4 > stop) {
      l.problem = 'no room for the message packet id';
      return;
    }
    l.mpidOffset = off;
    l.mpid = buf.u32(off);
    off += 4;
  }
  l.payloadOffset = off;
  l.payloadLength = stop - off;
}

/** Early-negotiation TLVs (type, length, value) as a server's reset carries them. */
export interface Tlv {
  offset: number;
  type: number;
  length: number;
}

/** Splits `length` bytes at `offset` into TLVs; null unless they tile the bytes exactly. */
export function parseTlvs(buf: Buf, offset: number, length: number): Tlv[] | null {
  const out: Tlv[] = [];
  let off = offset;
  const end = offset + length;
  if (end > buf.length) return null;
  while (off < end) {
    if (off + 4 > end || out.length >= 64) return null;
    const t = buf.u16(off);
    const len = buf.u16(off + 2);
    if (off + 4 + len > end) return null;
    out.push({ offset: off, type: t, length: len });
    off += 4 + len;
  }
  return out;
}
