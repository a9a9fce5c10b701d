/**
 * Opening data-channel packets when the keys are known (crypto.c, ssl.c, and the wire-protocol
 * draft's data channel sections).
 *
 * Both modes use OpenVPN's 256-byte "key2": two halves of { cipher key (64 bytes), HMAC key (64) }.
 * One peer sends with half 0 and the other with half 1 (with a static key used without a direction,
 * both send with half 0), so both halves are tried and the tag or HMAC tells which one is right —
 * no direction has to be known. Where the key2 comes from:
 *
 *   TLS mode (OpenVPN 2.6, TLS-EKM key derivation): the TLS exporter of the key id's own TLS session,
 *     label "EXPORTER-OpenVPN-datakeys", no context, 256 bytes — computed from the TLS key log
 *     (tls.keylog_file preference) and the hellos the dissector saw.
 *   static-key mode (--secret): the key file itself (openvpn.static_key preference).
 *
 * Packet layouts, after the opcode byte (P_DATA_V1) or opcode and peer id (P_DATA_V2):
 *
 *   AEAD   packet id (4) | tag (16) | ciphertext
 *          nonce = packet id || first 8 bytes of the half's HMAC key; associated data = the packet
 *          from its first byte (P_DATA_V2) or from the packet id (P_DATA_V1) up to the tag;
 *          plaintext = the tunnelled packet.
 *   CBC    HMAC (digest size) | IV (16) | ciphertext;   HMAC key = the half's HMAC key cut to the
 *          digest size, over IV || ciphertext; AES-CBC with PKCS#7 padding; plaintext = packet id (4)
 *          [ + net time (4) in static-key mode ] | the tunnelled packet.
 *
 * The cipher itself (AES-128/192/256-GCM, ChaCha20-Poly1305, AES-CBC of each key size) is pushed or
 * configured inside the encrypted control channel, so it is found the same way: an AEAD tag verifies
 * under one cipher only; a CBC packet whose HMAC verifies is decrypted with each AES key size until
 * the padding is valid. What opened a direction's last packet is tried first for its next one.
 */
import { crypto } from '../../engine/builtins.js';

/** OpenVPN's key2: two halves of { cipher key (64), HMAC key (64) }. */
export const KEY2_SIZE = 256;
const HALF = 128;
const HMAC_OFFSET = 64;
const AEAD_IMPLICIT_IV = 8;

export const DATA_KEYS_LABEL = 'EXPORTER-OpenVPN-datakeys';

export interface DataKeys {
  /** The 256-byte key2. */
  readonly material: Uint8Array;
  /** Where the keys came from, as the tree says it: "exported from key id 0's TLS session with the key log". */
  readonly origin: string;
  /** Per direction: the cipher and half that opened the last packet, tried first for the next. */
  readonly chosen: [Choice | null, Choice | null];
}

interface Choice {
  cipher: string;
  half: 0 | 1;
}

export interface Opened {
  plaintext: Uint8Array;
  /** The cipher's OpenVPN name: "AES-256-GCM", "CHACHA20-POLY1305", "AES-256-CBC". */
  cipher: string;
  half: 0 | 1;
  /** Where the keys that opened it came from (DataKeys.origin). */
  origin: string;
}

export function dataKeys(material: Uint8Array, origin: string): DataKeys {
  return { material, origin, chosen: [null, null] };
}

/** AEAD ciphers by OpenVPN name: Node's name and key length. */
const AEAD_CIPHERS: [string, string, number][] = [
  ['AES-256-GCM', 'aes-256-gcm', 32],
  ['AES-128-GCM', 'aes-128-gcm', 16],
  ['CHACHA20-POLY1305', 'chacha20-poly1305', 32],
  ['AES-192-GCM', 'aes-192-gcm', 24],
];

const CBC_CIPHERS: [string, string, number][] = [
  ['AES-256-CBC', 'aes-256-cbc', 32],
  ['AES-128-CBC', 'aes-128-cbc', 16],
  ['AES-192-CBC', 'aes-192-cbc', 24],
];

/** HMAC digests by output size (--auth): the size on the wire names the digest. */
const DIGESTS: Record<number, string> = { 16: 'md5', 20: 'sha1', 28: 'sha224', 32: 'sha256', 48: 'sha384', 64: 'sha512' };

/** The candidates in trial order: the direction's last choice first, then every cipher with both halves. */
function* trials(keys: DataKeys, dir: 0 | 1, table: [string, string, number][]): Generator<[string, string, number, 0 | 1]> {
  const last = keys.chosen[dir];
  const first = last ? table.find((c) => c[0] === last.cipher) : undefined;
  if (first && last) yield [...first, last.half];
  for (const c of table) for (const half of [0, 1] as const) if (!(first === c && last?.half === half)) yield [...c, half];
}

/** Decrypts an AEAD data packet; null when no cipher and half verify the tag. */
export function openAead(keys: DataKeys, dir: 0 | 1, ad: Uint8Array, packetId: Uint8Array, tag: Uint8Array, ciphertext: Uint8Array): Opened | null {
  const k = keys.material;
  for (const [name, nodeName, keyLength, half] of trials(keys, dir, AEAD_CIPHERS)) {
    const base = half * HALF;
    const nonce = new Uint8Array(12);
    nonce.set(packetId, 0);
    nonce.set(k.subarray(base + HMAC_OFFSET, base + HMAC_OFFSET + AEAD_IMPLICIT_IV), 4);
    try {
      const d = crypto().createDecipheriv(nodeName as 'aes-256-gcm', k.subarray(base, base + keyLength), nonce, { authTagLength: 16 });
      d.setAAD(ad);
      d.setAuthTag(tag);
      const plaintext = Buffer.concat([d.update(ciphertext), d.final()]);
      keys.chosen[dir] = { cipher: name, half };
      return { plaintext: new Uint8Array(plaintext.buffer, plaintext.byteOffset, plaintext.length), cipher: name, half, origin: keys.origin };
    } catch {
      // Tag mismatch: not this cipher or half.
    }
  }
  return null;
}

/**
 * Checks a CBC packet's HMAC and decrypts it. Null when the HMAC verifies with neither half (wrong
 * keys, or an --auth digest of another size) or no AES key size gives valid padding.
 */
export function openCbc(keys: DataKeys, dir: 0 | 1, hmac: Uint8Array, iv: Uint8Array, ciphertext: Uint8Array): Opened | null {
  const digest = DIGESTS[hmac.length];
  if (!digest) return null;
  const k = keys.material;
  const last = keys.chosen[dir];
  const halves: (0 | 1)[] = last?.half === 1 ? [1, 0] : [0, 1];
  for (const half of halves) {
    const base = half * HALF;
    const h = crypto().createHmac(digest, k.subarray(base + HMAC_OFFSET, base + HMAC_OFFSET + hmac.length));
    h.update(iv);
    h.update(ciphertext);
    if (!crypto().timingSafeEqual(h.digest(), hmac)) continue;
    for (const [name, nodeName, keyLength] of trials(keys, dir, CBC_CIPHERS)) {
      try {
        const d = crypto().createDecipheriv(nodeName, k.subarray(base, base + keyLength), iv);
        const plaintext = Buffer.concat([d.update(ciphertext), d.final()]);
        keys.chosen[dir] = { cipher: name, half };
        return { plaintext: new Uint8Array(plaintext.buffer, plaintext.byteOffset, plaintext.length), cipher: name, half, origin: keys.origin };
      } catch {
        // Bad padding: another key size.
      }
    }
    return null;
  }
  return null;
}

// ---------------------------------------------------------------------------- what the plaintext is

/** ping.c: the payload of an OpenVPN keepalive (--ping), sent inside the data channel. */
export const PING_MAGIC = Uint8Array.from([0x2a, 0x18, 0x7b, 0xf3, 0x64, 0x1e, 0xb4, 0xcb, 0x07, 0xed, 0x2d, 0x0a, 0x98, 0x1f, 0xc7, 0x48]);
/** occ.c: the start of an options-consistency (OCC) message, followed by its opcode. */
export const OCC_MAGIC = Uint8Array.from([0x28, 0x7f, 0x34, 0x6b, 0xd4, 0xef, 0x7a, 0x81, 0x2d, 0x56, 0xb8, 0xd3, 0xaf, 0xc5, 0x45, 0x9c]);

export const OCC_REQUEST = 0;
export const OCC_REPLY = 1;
export const OCC_MTU_LOAD_REQUEST = 2;
export const OCC_MTU_LOAD = 3;
export const OCC_MTU_REQUEST = 4;
export const OCC_MTU_REPLY = 5;
export const OCC_EXIT = 6;

export const occNames: Record<number, string> = {
  [OCC_REQUEST]: 'OCC_REQUEST', [OCC_REPLY]: 'OCC_REPLY', [OCC_MTU_LOAD_REQUEST]: 'OCC_MTU_LOAD_REQUEST', [OCC_MTU_LOAD]: 'OCC_MTU_LOAD',
  [OCC_MTU_REQUEST]: 'OCC_MTU_REQUEST', [OCC_MTU_REPLY]: 'OCC_MTU_REPLY', [OCC_EXIT]: 'OCC_EXIT',
};

/** True when `bytes` starts with `magic`. */
export function startsWith(bytes: Uint8Array, offset: number, magic: Uint8Array): boolean {
  if (bytes.length - offset < magic.length) return false;
  for (let i = 0; i < magic.length; i++) if (bytes[offset + i] !== magic[i]) return false;
  return true;
}

// ------------------------------------------------------------------------- compression framing (comp.h)

/** V1 framing: the byte in front of every payload when --compress or --comp-lzo is configured. */
export const LZO_COMPRESS_BYTE = 0x66;
export const LZ4_COMPRESS_BYTE = 0x69;
export const NO_COMPRESS_BYTE = 0xfa;
/** "Not compressed", with the payload's first byte moved to its end (keeps the payload aligned). */
export const NO_COMPRESS_BYTE_SWAP = 0xfb;
/** V2 framing (--compress … v2): this byte, then the algorithm; used only when needed. */
export const COMP_V2_INDICATOR = 0x50;

export const compressionNames: Record<number, string> = {
  [NO_COMPRESS_BYTE]: 'not compressed', [NO_COMPRESS_BYTE_SWAP]: 'not compressed, first byte swapped to the end',
  [LZO_COMPRESS_BYTE]: 'LZO compressed', [LZ4_COMPRESS_BYTE]: 'LZ4 compressed', [COMP_V2_INDICATOR]: 'compression framing v2',
};
export const compressionV2Names: Record<number, string> = { 0: 'not compressed', 1: 'LZ4', 2: 'LZO', 3: 'Snappy' };

/** The payload of a decrypted packet, past any compression framing. */
export interface Payload {
  /** The bytes holding it: the plaintext itself, or a copy with a swapped first byte put back. */
  bytes: Uint8Array;
  at: number;
  /** Bytes of framing in front of the payload in the plaintext (0: none). */
  framing: number;
  /** The compression of a compressed payload (which is shown, not opened), else ''. */
  compressed: string;
  /** What the payload is: compressed, a keepalive ping, an OCC message, or a packet (IP or not). */
  kind: 'compressed' | 'ping' | 'occ' | 'packet';
}

/** A whole IPv6 packet at `at`: its payload length accounts for every byte after the header. */
function isIpv6Packet(p: Uint8Array, at: number): boolean {
  return p.length - at >= 40 && p[at]! >> 4 === 6 && ((p[at + 4]! << 8) | p[at + 5]!) + 40 === p.length - at;
}

/** The payload of a decrypted packet after its compression framing, and what kind of payload it is. */
export function unframe(p: Uint8Array, at: number): Payload {
  const payload = framed(p, at);
  const { bytes, at: start } = payload;
  payload.kind = payload.compressed ? 'compressed'
    : startsWith(bytes, start, PING_MAGIC) ? 'ping'
    : startsWith(bytes, start, OCC_MAGIC) && bytes.length > start + 16 ? 'occ'
    : 'packet';
  return payload;
}

/**
 * Finds the payload after the framing byte(s) compression adds. Which framing a session uses is
 * configuration the capture does not show, but the first byte tells: the framing bytes are never the
 * first byte of an IP packet, except LZO's and LZ4's, which an IPv6 packet can start with — so those
 * count only when the bytes are not a whole IPv6 packet.
 */
function framed(p: Uint8Array, at: number): Payload {
  const b0 = p[at];
  const rest = p.length - at;
  if (b0 === NO_COMPRESS_BYTE && rest >= 2) return { bytes: p, at: at + 1, framing: 1, compressed: '', kind: 'packet' };
  if (b0 === NO_COMPRESS_BYTE_SWAP && rest >= 2) {
    const u = new Uint8Array(rest - 1);
    u[0] = p[p.length - 1]!;
    u.set(p.subarray(at + 1, p.length - 1), 1);
    return { bytes: u, at: 0, framing: 1, compressed: '', kind: 'packet' };
  }
  if (b0 === COMP_V2_INDICATOR && rest >= 2) {
    const alg = p[at + 1]!;
    return { bytes: p, at: at + 2, framing: 2, compressed: alg === 0 ? '' : (compressionV2Names[alg] ?? `algorithm ${alg}`), kind: 'packet' };
  }
  if ((b0 === LZO_COMPRESS_BYTE || b0 === LZ4_COMPRESS_BYTE) && rest >= 2 && !isIpv6Packet(p, at)) {
    return { bytes: p, at: at + 1, framing: 1, compressed: b0 === LZO_COMPRESS_BYTE ? 'LZO' : 'LZ4', kind: 'packet' };
  }
  return { bytes: p, at, framing: 0, compressed: '', kind: 'packet' };
}
