/**
 * TLS secrets from a key log, and the record protection they open (RFC 5246 §6.2.3, RFC 8446 §5.2).
 *
 * A key log (the tls.keylog_file preference, as in Wireshark) is the NSS format browsers, curl and
 * OpenSSL's keylog callback write when SSLKEYLOGFILE is set: one secret per line, named by a label and
 * the client random of its session:
 *
 *   CLIENT_RANDOM <client random> <master secret>                        TLS 1.2 and older
 *   CLIENT_HANDSHAKE_TRAFFIC_SECRET / SERVER_HANDSHAKE_TRAFFIC_SECRET    TLS 1.3, handshake records
 *   CLIENT_TRAFFIC_SECRET_0 / SERVER_TRAFFIC_SECRET_0                    TLS 1.3, application records
 *   EXPORTER_SECRET                                                      TLS 1.3 exporter (RFC 8446 §7.5)
 *
 * TLS 1.2 turns the master secret into keys with its PRF ("key expansion", server random first);
 * TLS 1.3 turns each traffic secret into a key and an IV with HKDF-Expand-Label. What a record is
 * protected with comes from the negotiated cipher suite, read off its name (…_AES_128_GCM_SHA256,
 * …_AES_256_CBC_SHA, …_CHACHA20_POLY1305_SHA256), so every suite of those families is covered
 * without a table of its own.
 */
import { crypto } from '../engine/builtins.js';
import { preference } from '../engine/prefs.js';
import type { Session } from '../engine/session.js';
import { readFileSync } from 'node:fs';

/** The key log (NSS format, SSLKEYLOGFILE) TLS is decrypted with; OpenVPN reads it too. */
export const keyLogPref = preference('tls.keylog_file', 'file', 'A TLS key log (NSS format, as SSLKEYLOGFILE writes): TLS sessions whose secrets it holds are decrypted, OpenVPN data keys derived.');

/** The secrets of a key log, by label and then by client random (lower-case hex). */
export class KeyLog {
  private readonly secrets = new Map<string, Map<string, Uint8Array>>();

  add(label: string, random: string, secret: Uint8Array): void {
    let byRandom = this.secrets.get(label);
    if (!byRandom) this.secrets.set(label, (byRandom = new Map()));
    byRandom.set(random.toLowerCase(), secret);
  }

  /** The secret `label` of the session whose ClientHello carried `clientRandom`. */
  get(label: string, clientRandom: Uint8Array): Uint8Array | undefined {
    return this.secrets.get(label)?.get(Buffer.from(clientRandom.buffer, clientRandom.byteOffset, clientRandom.length).toString('hex'));
  }

  /** Adds the secrets of NSS key log text (one "LABEL <client random> <secret>" per line). */
  addText(text: string): this {
    for (const line of text.split('\n')) {
      const [label, random, secret] = line.trim().split(/\s+/);
      if (!label || !random || !secret || !/^[0-9a-f]{64}$/i.test(random) || !/^([0-9a-f]{2})+$/i.test(secret)) continue;
      this.add(label, random, Uint8Array.from(Buffer.from(secret, 'hex')));
    }
    return this;
  }
}

/** Key logs parsed from the secrets a capture carries, per session (re-parsed when more arrive). */
const embedded = new WeakMap<Session, { count: number; log: KeyLog }>();

/**
 * The key logs a session decrypts with: the tls.keylog_file preference's file, and the key logs the
 * capture itself carries (pcapng Decryption Secrets Blocks). `reread` reads the file again.
 */
export function sessionKeyLogs(session: Session, reread = false): KeyLog[] {
  const logs: KeyLog[] = [];
  const file = keyLog(session.prefs[keyLogPref], reread);
  if (file) logs.push(file);
  const texts = session.embeddedKeyLogs;
  if (texts.length) {
    let e = embedded.get(session);
    if (!e || e.count !== texts.length) {
      e = { count: texts.length, log: new KeyLog() };
      for (const t of texts) e.log.addText(t);
      embedded.set(session, e);
    }
    logs.push(e.log);
  }
  return logs;
}

/** Whether a session has any key log to decrypt with. */
export function hasKeyLog(session: Session): boolean {
  return !!session.prefs[keyLogPref] || session.embeddedKeyLogs.length > 0;
}

/** A secret from any of the session's key logs; the file is read again once when it lacks it (a live capture's log grows). */
export function findSecret(session: Session, label: string, clientRandom: Uint8Array): Uint8Array | undefined {
  for (const reread of [false, true]) {
    for (const log of sessionKeyLogs(session, reread)) {
      const s = log.get(label, clientRandom);
      if (s) return s;
    }
  }
  return undefined;
}

const logs = new Map<string, KeyLog | null>();

/**
 * The key log at `path`, or null when it cannot be read. Read once; `reread` reads it again (a live
 * capture's key log grows while packets arrive).
 */
export function keyLog(path: string | undefined, reread = false): KeyLog | null {
  if (!path) return null;
  let log = logs.get(path);
  if (log !== undefined && !reread) return log;
  try {
    log = new KeyLog().addText(readFileSync(path, 'utf8'));
  } catch {
    log = null;
  }
  logs.set(path, log);
  return log;
}

export function hmac(hash: string, key: Uint8Array, ...parts: Uint8Array[]): Buffer {
  const h = crypto().createHmac(hash, key);
  for (const p of parts) h.update(p);
  return h.digest();
}

/** HKDF-Expand-Label (RFC 8446 §7.1). */
export function hkdfExpandLabel(hash: string, secret: Uint8Array, label: string, context: Uint8Array, length: number): Buffer {
  const full = Buffer.from(`tls13 ${label}`, 'latin1');
  const info = Buffer.concat([Buffer.from([length >> 8, length & 255, full.length]), full, Buffer.from([context.length]), context]);
  const out: Buffer[] = [];
  let t: Buffer = Buffer.alloc(0);
  let total = 0;
  for (let i = 1; total < length; i++) {
    t = hmac(hash, secret, t, info, Buffer.from([i]));
    out.push(t);
    total += t.length;
  }
  return Buffer.concat(out).subarray(0, length);
}

/** The TLS 1.2 PRF, P_hash (RFC 5246 §5). */
export function tls12Prf(hash: string, secret: Uint8Array, label: string, seed: Uint8Array, length: number): Buffer {
  return pHash(hash, secret, Buffer.concat([Buffer.from(label, 'latin1'), seed]), length);
}

/** The TLS 1.0/1.1 PRF (RFC 2246 §5): P_MD5 over the secret's first half XOR P_SHA1 over its second. */
export function tls10Prf(secret: Uint8Array, label: string, seed: Uint8Array, length: number): Buffer {
  const half = Math.ceil(secret.length / 2);
  const md5 = pHash('md5', secret.subarray(0, half), Buffer.concat([Buffer.from(label, 'latin1'), seed]), length);
  const sha1 = pHash('sha1', secret.subarray(secret.length - half), Buffer.concat([Buffer.from(label, 'latin1'), seed]), length);
  for (let i = 0; i < length; i++) md5[i]! ^= sha1[i]!;
  return md5;
}

function pHash(hash: string, secret: Uint8Array, seed: Uint8Array, length: number): Buffer {
  const out: Buffer[] = [];
  let a: Buffer = Buffer.from(seed);
  let total = 0;
  while (total < length) {
    a = hmac(hash, secret, a);
    const block = hmac(hash, secret, a, seed);
    out.push(block);
    total += block.length;
  }
  return Buffer.concat(out).subarray(0, length);
}

// ---------------------------------------------------------------------------------------------
// Cipher suites.

/** How a cipher suite protects records. */
export interface SuiteParams {
  /** Node's cipher name: aes-128-gcm, aes-256-cbc, chacha20-poly1305, aes-128-ccm … */
  cipher: string;
  mode: 'gcm' | 'ccm' | 'chacha' | 'cbc';
  keyLength: number;
  /** AEAD tag bytes (16, or 8 for the CCM_8 suites). */
  tagLength: number;
  /** The MAC's hash for CBC suites (sha1 for "_SHA"). */
  macHash: string | null;
  /** The PRF's (TLS 1.2) or HKDF's (TLS 1.3) hash. */
  hash: 'sha256' | 'sha384';
}

const suiteCache = new Map<number, SuiteParams | null>();

/** What the suite named `name` (TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256, TLS_AES_256_GCM_SHA384 …) protects records with; null for suites that cannot be opened here (RC4, 3DES, Camellia, NULL). */
export function suiteParams(suite: number, name: string | undefined): SuiteParams | null {
  let p = suiteCache.get(suite);
  if (p !== undefined) return p;
  p = null;
  const m = name ? /(?:_WITH_|^TLS_)(AES_128|AES_256|CHACHA20)_(GCM|CBC|CCM_8|CCM|POLY1305)(?:_(SHA|SHA256|SHA384))?$/.exec(name) : null;
  if (m) {
    const [, enc, mode, mac] = m as unknown as [string, string, string, string | undefined];
    const hash = mac === 'SHA384' ? 'sha384' : 'sha256';
    if (enc === 'CHACHA20') p = { cipher: 'chacha20-poly1305', mode: 'chacha', keyLength: 32, tagLength: 16, macHash: null, hash };
    else {
      const bits = enc === 'AES_128' ? 128 : 256;
      if (mode === 'CBC') p = { cipher: `aes-${bits}-cbc`, mode: 'cbc', keyLength: bits / 8, tagLength: 0, macHash: mac === 'SHA' ? 'sha1' : hash, hash };
      else if (mode === 'GCM') p = { cipher: `aes-${bits}-gcm`, mode: 'gcm', keyLength: bits / 8, tagLength: 16, macHash: null, hash };
      else p = { cipher: `aes-${bits}-ccm`, mode: 'ccm', keyLength: bits / 8, tagLength: mode === 'CCM_8' ? 8 : 16, macHash: null, hash };
    }
  }
  suiteCache.set(suite, p);
  return p;
}

// ---------------------------------------------------------------------------------------------
// Record protection.

/** A decrypted record: its real content type (TLS 1.3 hides it inside) and its plaintext. */
export interface Opened {
  type: number;
  plain: Uint8Array;
}

/**
 * One direction's record protection under one set of keys: opens records in order, counting the
 * sequence number every nonce or MAC includes.
 */
export class RecordCipher {
  /** Records opened so far under these keys: the next record's sequence number. */
  seq = 0n;

  constructor(
    readonly params: SuiteParams,
    readonly tls13: boolean,
    private readonly key: Uint8Array,
    /** TLS 1.3 and ChaCha20: the 12-byte IV each nonce is XORed from; TLS 1.2 GCM/CCM: the 4-byte salt. */
    private readonly iv: Uint8Array,
    private readonly macKey: Uint8Array | null,
    /** TLS 1.2 CBC with RFC 7366 encrypt-then-MAC. */
    private readonly etm: boolean,
  ) {}

  /**
   * Opens the record with header `header` (5 bytes) and body `body`, or returns null when it does not
   * verify. A record lost from the capture shifts the sequence: the next few numbers are tried too.
   */
  open(header: Uint8Array, body: Uint8Array): Opened | null {
    for (let skip = 0n; skip < 4n; skip++) {
      const out = this.openAt(this.seq + skip, header, body);
      if (out) {
        this.seq += skip + 1n;
        return out;
      }
    }
    return null;
  }

  private openAt(seq: bigint, header: Uint8Array, body: Uint8Array): Opened | null {
    try {
      return this.params.mode === 'cbc' ? this.openCbc(seq, header, body) : this.openAead(seq, header, body);
    } catch {
      return null;
    }
  }

  private openAead(seq: bigint, header: Uint8Array, body: Uint8Array): Opened | null {
    const { params } = this;
    const explicit = !this.tls13 && params.mode !== 'chacha' ? 8 : 0;
    if (body.length < explicit + params.tagLength) return null;
    let nonce: Buffer;
    if (explicit) nonce = Buffer.concat([this.iv, body.subarray(0, 8)]);
    else {
      nonce = Buffer.from(this.iv);
      for (let i = 0; i < 8; i++) nonce[11 - i]! ^= Number((seq >> BigInt(8 * i)) & 0xffn);
    }
    const cipherText = body.subarray(explicit, body.length - params.tagLength);
    const tag = body.subarray(body.length - params.tagLength);
    // TLS 1.3 authenticates the record header; TLS 1.2 the sequence number, type, version and plaintext length.
    const aad = this.tls13 ? header : Buffer.concat([seqBytes(seq), header.subarray(0, 3), Buffer.from([cipherText.length >> 8, cipherText.length & 255])]);
    const options = { authTagLength: params.tagLength } as Parameters<ReturnType<typeof crypto>['createDecipheriv']>[3];
    const d = crypto().createDecipheriv(params.cipher as 'aes-128-gcm', this.key, nonce, options as never);
    if (params.mode === 'ccm') (d as unknown as { setAAD(a: Uint8Array, o: object): void }).setAAD(aad, { plaintextLength: cipherText.length });
    else d.setAAD(aad);
    d.setAuthTag(tag);
    const plain = Buffer.concat([d.update(cipherText), d.final()]);
    if (!this.tls13) return { type: header[0]!, plain: new Uint8Array(plain.buffer, plain.byteOffset, plain.length) };
    // TLSInnerPlaintext: content, the real type, then zero padding.
    let end = plain.length - 1;
    while (end >= 0 && plain[end] === 0) end--;
    if (end < 0) return null;
    return { type: plain[end]!, plain: new Uint8Array(plain.buffer, plain.byteOffset, end) };
  }

  private openCbc(seq: bigint, header: Uint8Array, body: Uint8Array): Opened | null {
    const macLength = this.params.macHash === 'sha1' ? 20 : this.params.macHash === 'sha384' ? 48 : 32;
    let encrypted = body;
    if (this.etm) {
      if (body.length < macLength + 32) return null;
      encrypted = body.subarray(0, body.length - macLength);
      const mac = hmac(this.params.macHash!, this.macKey!, seqBytes(seq), header.subarray(0, 3), lengthBytes(encrypted.length), encrypted);
      if (!mac.equals(body.subarray(body.length - macLength))) return null;
    }
    if (encrypted.length < 32 || encrypted.length % 16) return null;
    const d = crypto().createDecipheriv(this.params.cipher, this.key, encrypted.subarray(0, 16));
    d.setAutoPadding(false);
    const padded = Buffer.concat([d.update(encrypted.subarray(16)), d.final()]);
    const pad = padded[padded.length - 1]!;
    const contentEnd = padded.length - pad - 1 - (this.etm ? 0 : macLength);
    if (contentEnd < 0) return null;
    for (let i = padded.length - pad - 1; i < padded.length; i++) if (padded[i] !== pad) return null;
    const plain = padded.subarray(0, contentEnd);
    if (!this.etm) {
      const mac = hmac(this.params.macHash!, this.macKey!, seqBytes(seq), header.subarray(0, 3), lengthBytes(plain.length), plain);
      if (!mac.equals(padded.subarray(contentEnd, contentEnd + macLength))) return null;
    }
    return { type: header[0]!, plain: new Uint8Array(plain.buffer, plain.byteOffset, plain.length) };
  }
}

function seqBytes(seq: bigint): Buffer {
  const b = Buffer.alloc(8);
  b.writeBigUInt64BE(seq);
  return b;
}

function lengthBytes(n: number): Buffer {
  return Buffer.from([n >> 8, n & 255]);
}

/** The record protection a TLS 1.3 traffic secret gives (RFC 8446 §7.3). */
export function tls13Cipher(params: SuiteParams, secret: Uint8Array): RecordCipher {
  const empty = new Uint8Array(0);
  const key = hkdfExpandLabel(params.hash, secret, 'key', empty, params.keyLength);
  const iv = hkdfExpandLabel(params.hash, secret, 'iv', empty, 12);
  return new RecordCipher(params, true, key, iv, null, false);
}

/** The traffic secret after a KeyUpdate (RFC 8446 §7.2). */
export function nextTrafficSecret(params: SuiteParams, secret: Uint8Array): Uint8Array {
  return hkdfExpandLabel(params.hash, secret, 'traffic upd', new Uint8Array(0), secret.length);
}

/**
 * The client's and the server's record protection from a TLS 1.2 master secret (RFC 5246 §6.3): the
 * key block is cut into MAC keys, encryption keys and IVs, client's first.
 */
export function tls12Ciphers(params: SuiteParams, master: Uint8Array, clientRandom: Uint8Array, serverRandom: Uint8Array, etm: boolean): [RecordCipher, RecordCipher] {
  const macLength = params.mode === 'cbc' ? (params.macHash === 'sha1' ? 20 : params.macHash === 'sha384' ? 48 : 32) : 0;
  const ivLength = params.mode === 'chacha' ? 12 : params.mode === 'cbc' ? 16 : 4;
  const block = tls12Prf(params.hash, master, 'key expansion', Buffer.concat([serverRandom, clientRandom]), 2 * (macLength + params.keyLength + ivLength));
  let at = 0;
  const take = (n: number): Buffer => block.subarray(at, (at += n));
  const clientMac = take(macLength);
  const serverMac = take(macLength);
  const clientKey = take(params.keyLength);
  const serverKey = take(params.keyLength);
  const clientIv = take(ivLength);
  const serverIv = take(ivLength);
  const useEtm = params.mode === 'cbc' && etm;
  return [
    new RecordCipher(params, false, clientKey, clientIv, macLength ? clientMac : null, useEtm),
    new RecordCipher(params, false, serverKey, serverIv, macLength ? serverMac : null, useEtm),
  ];
}
