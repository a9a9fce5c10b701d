/**
 * The dynamic tls-crypt key of OpenVPN 2.6 renegotiations, from a TLS key log.
 *
 * When both peers support "dyn-tls-crypt", key ids above 0 are wrapped with tls-crypt under a key
 * the first TLS session exports (RFC 5705 / RFC 8446 §7.5): 256 bytes with the label
 * "EXPORTER-OpenVPN-dynamic-tls-crypt" and no context, XORed with the configured tls-crypt key when
 * there is one. The capture cannot give that key; an NSS key log (SSLKEYLOGFILE format, the
 * tls.keylog_file preference as in Wireshark) written by either peer can:
 *
 *   TLS 1.3: EXPORTER_SECRET <client random> <exporter_master_secret>
 *            key = HKDF-Expand-Label(HKDF-Expand-Label(secret, label, H(""), Hash.length), "exporter", H(""), 256)
 *   TLS 1.2: CLIENT_RANDOM <client random> <master secret>
 *            key = PRF(master secret, label, client random || server random), 256 bytes
 *
 * The client and server randoms and the cipher suite (which picks the hash) are read from the
 * hellos of the first handshake, which the dissector saw in clear.
 */
import { crypto } from '../../engine/builtins.js';
import { hkdfExpandLabel, type KeyLog, sessionKeyLogs, tls10Prf, tls12Prf } from '../tlskeys.js';
import type { Session } from '../../engine/session.js';
import type { KeySource } from './control.js';

export { keyLog } from '../tlskeys.js';

export const DYNAMIC_TLS_CRYPT_LABEL = 'EXPORTER-OpenVPN-dynamic-tls-crypt';

/** What the hellos of one TLS handshake say, as far as the exporter needs. */
export interface HelloFacts {
  clientRandom?: Uint8Array;
  serverRandom?: Uint8Array;
  cipherSuite?: number;
}

/** Reads the random and cipher suite from the start of a TLS stream (the first handshake record). */
export function sniffHello(facts: HelloFacts, bytes: Uint8Array): void {
  // record: type 22, version 3.x, length; handshake: type, length (3); version (2), random (32)
  if (bytes.length < 43 || bytes[0] !== 22 || bytes[1] !== 3) return;
  const type = bytes[5];
  if (type === 1 && !facts.clientRandom) facts.clientRandom = bytes.slice(11, 43);
  if (type === 2 && !facts.serverRandom) {
    facts.serverRandom = bytes.slice(11, 43);
    const sidLen = bytes[43]!;
    if (bytes.length >= 46 + sidLen) facts.cipherSuite = (bytes[44 + sidLen]! << 8) | bytes[45 + sidLen]!;
  }
}

/** TLS 1.3 suites with SHA-384, and TLS 1.2 suites whose PRF uses SHA-384. */
const sha384Suites = new Set([0x1302, 0x009d, 0x009f, 0x00a3, 0x00a5, 0x00a7, 0x00ab, 0x00ad, 0x00af, 0x00b1, 0x00b3, 0x00b5, 0x00b7, 0x00b9,
  0xc024, 0xc026, 0xc028, 0xc02a, 0xc02c, 0xc02e, 0xc030, 0xc032]);

/** The 256 exported bytes for `label`, or null when the key log lacks this session's secret. */
export function exportKeyingMaterial(log: KeyLog, hello: HelloFacts, label: string, length = 256): Uint8Array | null {
  if (!hello.clientRandom) return null;
  const hash = hello.cipherSuite !== undefined && sha384Suites.has(hello.cipherSuite) ? 'sha384' : 'sha256';
  const exporter = log.get('EXPORTER_SECRET', hello.clientRandom);
  if (exporter) {
    const empty = crypto().createHash(hash).digest();
    const derived = hkdfExpandLabel(hash, exporter, label, empty, empty.length);
    return new Uint8Array(hkdfExpandLabel(hash, derived, 'exporter', empty, length));
  }
  const master = log.get('CLIENT_RANDOM', hello.clientRandom);
  if (master && hello.serverRandom) {
    const seed = Buffer.concat([hello.clientRandom, hello.serverRandom]);
    return new Uint8Array(tls12Prf(hash, master, label, seed, length));
  }
  return null;
}

/**
 * The 256-byte key2 of OpenVPN's own key derivation (ssl.c generate_key_expansion_openvpn_prf), used
 * when the peers did not negotiate TLS-EKM: a master secret from the client's pre-master secret and
 * both sides' random1, then the key expansion from both random2 and both session ids (client's
 * first), each with the TLS 1.0 PRF.
 */
export function openvpnPrfKeys(client: Required<KeySource>['client'], server: Required<KeySource>['server'], clientSid: bigint, serverSid: bigint): Uint8Array {
  const master = tls10Prf(client.preMaster, 'OpenVPN master secret', Buffer.concat([client.random1, server.random1]), 48);
  const sids = Buffer.alloc(16);
  sids.writeBigUInt64BE(clientSid, 0);
  sids.writeBigUInt64BE(serverSid, 8);
  return new Uint8Array(tls10Prf(master, 'OpenVPN key expansion', Buffer.concat([client.random2, server.random2, sids]), 256));
}

/**
 * Keying material exported from a TLS session with any key log the session has (the preference's
 * file, or one the capture carries); the file is read again once when it lacks the secret.
 */
export function exportFromSession(session: Session, hello: HelloFacts, label: string, length = 256): Uint8Array | null {
  for (const reread of [false, true]) {
    for (const log of sessionKeyLogs(session, reread)) {
      const ekm = exportKeyingMaterial(log, hello, label, length);
      if (ekm) return ekm;
    }
  }
  return null;
}
