/**
 * Opening tls-crypt with the pre-shared key, when the user gives it (tls_crypt.h, doc/tls-crypt-v2.txt,
 * the wire-protocol draft's "Encrypting control channel packets"):
 *
 *   header = opcode|key id (1) || session id (8) || replay id (4) || net time (4)
 *   tag    = HMAC-SHA256(Ka, header || plaintext)       IV = first 16 bytes of tag
 *   wire   = header || tag || AES-256-CTR(Ke, IV, plaintext)
 *
 * The key is OpenVPN's 256-byte static key: two halves of { cipher key (64), HMAC key (64) }; of each
 * only the first 32 bytes are used. The server sends with half 0 and the client with half 1, so both
 * halves are tried and the tag tells which one is right — nothing about direction has to be known.
 *
 * tls-crypt-v2: the client's key Kc has the same 256-byte form. It comes from the client key file
 * (Kc || WKc, base64 in PEM armour), or is unwrapped from the WKc a client sends, with the server key
 * (one { cipher, HMAC } half): T = WKc[0..32), Kc || metadata = AES-256-CTR(Ke, T[0..16), ...), and
 * T must equal HMAC-SHA256(Ka, len || Kc || metadata).
 */
import { crypto } from '../../engine/builtins.js';
import { readFileSync } from 'node:fs';
import { preference } from '../../engine/prefs.js';

export const staticKeyPref = preference('openvpn.static_key', 'file', 'An OpenVPN static key file (--secret): static-key sessions are decrypted with it.');
export const tlsCryptKeyPref = preference('openvpn.tls_crypt_key', 'file', 'A tls-crypt key, or a tls-crypt-v2 client or server key: control packets wrapped with it are decrypted.');

export interface KeyMaterial {
  /** The 256-byte tls-crypt key (or tls-crypt-v2 client key Kc). */
  tlsCrypt?: Uint8Array;
  /** The 128-byte tls-crypt-v2 server key. */
  v2Server?: Uint8Array;
}

/** Reads "-----BEGIN OpenVPN Static key V1-----" hex, or a PEM-armoured tls-crypt-v2 key. */
export function parseKeyText(text: string): KeyMaterial | null {
  const hex = /-----BEGIN OpenVPN Static key V1-----([\s\S]*?)-----END OpenVPN Static key V1-----/.exec(text);
  if (hex) {
    const digits = hex[1]!.replace(/[^0-9a-fA-F]/g, '');
    if (digits.length !== 512) return null;
    return { tlsCrypt: Uint8Array.from(Buffer.from(digits, 'hex')) };
  }
  const pem = /-----BEGIN OpenVPN tls-crypt-v2 (client|server) key-----([\s\S]*?)-----END OpenVPN tls-crypt-v2 \1 key-----/.exec(text);
  if (!pem) return null;
  const bytes = Uint8Array.from(Buffer.from(pem[2]!.replace(/\s/g, ''), 'base64'));
  if (pem[1] === 'client') return bytes.length >= 256 ? { tlsCrypt: bytes.subarray(0, 256) } : null;
  return bytes.length >= 128 ? { v2Server: bytes.subarray(0, 128) } : null;
}

const loaded = new Map<string, KeyMaterial | null>();

/**
 * The keys named by a preference value: key text itself, or the path of a key file (read once).
 * Several may be given separated by commas (a tls-crypt key and a tls-crypt-v2 server key).
 */
export function keysFromPref(value: string | undefined): KeyMaterial | null {
  if (!value) return null;
  let k = loaded.get(value);
  if (k !== undefined) return k;
  const out: KeyMaterial = {};
  const parts = value.includes('-----BEGIN') ? [value] : value.split(',');
  for (const part of parts) {
    let text = part;
    if (!part.includes('-----BEGIN')) {
      try {
        text = readFileSync(part.trim(), 'utf8');
      } catch {
        continue;
      }
    }
    const m = parseKeyText(text);
    if (m?.tlsCrypt) out.tlsCrypt = m.tlsCrypt;
    if (m?.v2Server) out.v2Server = m.v2Server;
  }
  k = out.tlsCrypt || out.v2Server ? out : null;
  loaded.set(value, k);
  return k;
}

function hmacSha256(key: Uint8Array, ...parts: Uint8Array[]): Buffer {
  const h = crypto().createHmac('sha256', key);
  for (const p of parts) h.update(p);
  return h.digest();
}

function aes256ctr(key: Uint8Array, iv: Uint8Array, data: Uint8Array): Uint8Array {
  const d = crypto().createDecipheriv('aes-256-ctr', key, iv);
  return new Uint8Array(Buffer.concat([d.update(data), d.final()]));
}

export interface Unwrapped {
  plaintext: Uint8Array;
  /** Which half of the key opened it: 0 = the server's sending key, 1 = the client's. */
  half: 0 | 1;
}

/**
 * Decrypts and authenticates one tls-crypt packet: `header` is opcode..net time (17 bytes), `tag` the
 * 32-byte tag, `ciphertext` what follows it (without any WKc). Null when neither half verifies.
 */
export function unwrapControl(key: Uint8Array, header: Uint8Array, tag: Uint8Array, ciphertext: Uint8Array): Unwrapped | null {
  for (const half of [0, 1] as const) {
    const base = half * 128;
    const ke = key.subarray(base, base + 32);
    const ka = key.subarray(base + 64, base + 96);
    const plaintext = aes256ctr(ke, tag.subarray(0, 16), ciphertext);
    if (crypto().timingSafeEqual(hmacSha256(ka, header, plaintext), tag)) return { plaintext, half };
  }
  return null;
}

export interface UnwrappedClientKey {
  /** Kc: the client's 256-byte tls-crypt key. */
  key: Uint8Array;
  metadata: Uint8Array;
}

/** Unwraps a WKc (tag || ciphertext || len) with the tls-crypt-v2 server key; null if the tag fails. */
export function unwrapClientKey(serverKey: Uint8Array, wkc: Uint8Array): UnwrappedClientKey | null {
  if (wkc.length < 32 + 256 + 2) return null;
  const ke = serverKey.subarray(0, 32);
  const ka = serverKey.subarray(64, 96);
  const tag = wkc.subarray(0, 32);
  const plain = aes256ctr(ke, tag.subarray(0, 16), wkc.subarray(32, wkc.length - 2));
  if (!crypto().timingSafeEqual(hmacSha256(ka, wkc.subarray(wkc.length - 2), plain), tag)) return null;
  return { key: plain.subarray(0, 256), metadata: plain.subarray(256) };
}
