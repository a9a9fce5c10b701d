/**
 * TLS 1.0–1.3 (RFC 2246, 4346, 5246, 8446) and SSL 3.0 records as seen on the wire, without keys.
 *
 * Record layer — every TLS byte stream is a run of records:
 *
 *   +--------+--------+--------+--------+--------+------------------------+
 *   |  type  |  version (3,x)  |     length      |  fragment (length)     |
 *   +--------+--------+--------+--------+--------+------------------------+
 *     20 change_cipher_spec · 21 alert · 22 handshake · 23 application_data · 24 heartbeat
 *
 * Handshake messages ride in handshake records (several per record, or one over several records):
 *
 *   +--------+--------------------------+---------------------+
 *   |  type  |  length (24 bits)        |  body (length)      |
 *   +--------+--------------------------+---------------------+
 *
 * What can be read without keys: the hellos (versions, random, session id, cipher suites, extensions
 * such as server_name, ALPN, supported_versions, key_share), certificates (TLS ≤ 1.2), key exchange
 * parameters, and the outline of everything else. Once a side has sent ChangeCipherSpec (TLS ≤ 1.2),
 * or after a TLS 1.3 ServerHello, its handshake records are encrypted: "Encrypted Handshake Message".
 * TLS 1.3 hides its later handshake inside application_data records, so they show as Application Data.
 *
 * With a key log (the tls.keylog_file preference, NSS format: SSLKEYLOGFILE) records are decrypted as
 * Wireshark does (tlskeys.ts): each plaintext becomes a data source "Decrypted TLS (N bytes)"; TLS 1.3
 * shows the hidden content type and the encrypted handshake (EncryptedExtensions, Certificate,
 * CertificateVerify, Finished, NewSessionTicket, KeyUpdate); application data is a byte stream of its
 * own, cut into PDUs by the protocol inside — chosen by ALPN (tls.alpn), the carrier (an OpenVPN
 * control channel) or the port (tls.port) — with "[TLS segment of a reassembled PDU]" and
 * "Reassembled TLS" sources when a message spans records.
 *
 * Records are cut from the stream with dissectPdus (the 5-byte header gives the length), so TLS works
 * over TCP and over any other reliable stream that passes StreamData — OpenVPN's control channel
 * calls it through findProtocol('tls') — and also on a buffer holding whole records.
 *
 * The certificate parser at the end reads just enough X.509 DER (RFC 5280) to show the subject,
 * issuer, validity, key algorithm and extensions.
 */
import { crypto } from '../engine/builtins.js';
import { FT, type FieldDef, field } from '../engine/fields.js';
import { callDissector, dataProtocol, protocol, table, type Protocol } from '../engine/dispatch.js';
import { Buf, keepCopy, type Source } from '../engine/buf.js';
import type { Packet } from '../engine/packet.js';
import { type Node, Severity } from '../engine/tree.js';
import { dissectPdus, isStreamData, NEED_MORE, NOT_THIS, type ReassemblyFields, StreamDirection, type StreamData } from '../engine/stream.js';
import { findSecret, hasKeyLog, nextTrafficSecret, type RecordCipher, suiteParams, tls12Ciphers, tls13Cipher } from './tlskeys.js';
import type { Conversation } from '../engine/session.js';


// ---------------------------------------------------------------------------------------------
// Value names (IANA TLS registries).

const contentTypes: Record<number, string> = {
  20: 'Change Cipher Spec', 21: 'Alert', 22: 'Handshake', 23: 'Application Data', 24: 'Heartbeat',
};

const versionNames: Record<number, string> = {
  0x0300: 'SSL 3.0', 0x0301: 'TLS 1.0', 0x0302: 'TLS 1.1', 0x0303: 'TLS 1.2', 0x0304: 'TLS 1.3',
  0xfeff: 'DTLS 1.0', 0xfefd: 'DTLS 1.2', 0xfefc: 'DTLS 1.3',
};

/** The protocol-column and record-label spelling: "TLSv1.2". */
const versionShort: Record<number, string> = {
  0x0300: 'SSLv3', 0x0301: 'TLSv1', 0x0302: 'TLSv1.1', 0x0303: 'TLSv1.2', 0x0304: 'TLSv1.3',
};

/** GREASE values (RFC 8701): 0x0a0a, 0x1a1a … 0xfafa, sent to keep peers tolerant of unknown values. */
function isGrease(v: number): boolean {
  return (v & 0x0f0f) === 0x0a0a && (v >> 8) === (v & 0xff);
}

function versionName(v: number): string | undefined {
  return versionNames[v] ?? (isGrease(v) ? 'Reserved (GREASE)' : undefined);
}

const handshakeTypes: Record<number, string> = {
  0: 'Hello Request', 1: 'Client Hello', 2: 'Server Hello', 3: 'Hello Verify Request', 4: 'New Session Ticket',
  5: 'End of Early Data', 6: 'Hello Retry Request', 8: 'Encrypted Extensions', 11: 'Certificate',
  12: 'Server Key Exchange', 13: 'Certificate Request', 14: 'Server Hello Done', 15: 'Certificate Verify',
  16: 'Client Key Exchange', 20: 'Finished', 21: 'Certificate URL', 22: 'Certificate Status',
  23: 'Supplemental Data', 24: 'Key Update', 25: 'Compressed Certificate', 254: 'Message Hash',
};

const alertLevels: Record<number, string> = { 1: 'Warning', 2: 'Fatal' };

const alertDescriptions: Record<number, string> = {
  0: 'Close Notify', 10: 'Unexpected Message', 20: 'Bad Record MAC', 21: 'Decryption Failed', 22: 'Record Overflow',
  30: 'Decompression Failure', 40: 'Handshake Failure', 41: 'No Certificate', 42: 'Bad Certificate',
  43: 'Unsupported Certificate', 44: 'Certificate Revoked', 45: 'Certificate Expired', 46: 'Certificate Unknown',
  47: 'Illegal Parameter', 48: 'Unknown CA', 49: 'Access Denied', 50: 'Decode Error', 51: 'Decrypt Error',
  60: 'Export Restriction', 70: 'Protocol Version', 71: 'Insufficient Security', 80: 'Internal Error',
  86: 'Inappropriate Fallback', 90: 'User Canceled', 100: 'No Renegotiation', 109: 'Missing Extension',
  110: 'Unsupported Extension', 111: 'Certificate Unobtainable', 112: 'Unrecognized Name',
  113: 'Bad Certificate Status Response', 114: 'Bad Certificate Hash Value', 115: 'Unknown PSK Identity',
  116: 'Certificate Required', 120: 'No application Protocol',
};

/** Common cipher suites: TLS 1.3, and the ECDHE, DHE, RSA and PSK suites of TLS 1.0–1.2 in use today. */
const cipherSuiteNames: Record<number, string> = {
  0x0000: 'TLS_NULL_WITH_NULL_NULL', 0x0001: 'TLS_RSA_WITH_NULL_MD5', 0x0002: 'TLS_RSA_WITH_NULL_SHA',
  0x0004: 'TLS_RSA_WITH_RC4_128_MD5', 0x0005: 'TLS_RSA_WITH_RC4_128_SHA', 0x000a: 'TLS_RSA_WITH_3DES_EDE_CBC_SHA',
  0x0013: 'TLS_DHE_DSS_WITH_3DES_EDE_CBC_SHA', 0x0016: 'TLS_DHE_RSA_WITH_3DES_EDE_CBC_SHA',
  0x002f: 'TLS_RSA_WITH_AES_128_CBC_SHA', 0x0032: 'TLS_DHE_DSS_WITH_AES_128_CBC_SHA', 0x0033: 'TLS_DHE_RSA_WITH_AES_128_CBC_SHA',
  0x0035: 'TLS_RSA_WITH_AES_256_CBC_SHA', 0x0038: 'TLS_DHE_DSS_WITH_AES_256_CBC_SHA', 0x0039: 'TLS_DHE_RSA_WITH_AES_256_CBC_SHA',
  0x003b: 'TLS_RSA_WITH_NULL_SHA256', 0x003c: 'TLS_RSA_WITH_AES_128_CBC_SHA256', 0x003d: 'TLS_RSA_WITH_AES_256_CBC_SHA256',
  0x0040: 'TLS_DHE_DSS_WITH_AES_128_CBC_SHA256', 0x0041: 'TLS_RSA_WITH_CAMELLIA_128_CBC_SHA',
  0x0045: 'TLS_DHE_RSA_WITH_CAMELLIA_128_CBC_SHA', 0x0067: 'TLS_DHE_RSA_WITH_AES_128_CBC_SHA256',
  0x006a: 'TLS_DHE_DSS_WITH_AES_256_CBC_SHA256', 0x006b: 'TLS_DHE_RSA_WITH_AES_256_CBC_SHA256',
  0x0084: 'TLS_RSA_WITH_CAMELLIA_256_CBC_SHA', 0x0088: 'TLS_DHE_RSA_WITH_CAMELLIA_256_CBC_SHA',
  0x008c: 'TLS_PSK_WITH_AES_128_CBC_SHA', 0x008d: 'TLS_PSK_WITH_AES_256_CBC_SHA',
  0x009c: 'TLS_RSA_WITH_AES_128_GCM_SHA256', 0x009d: 'TLS_RSA_WITH_AES_256_GCM_SHA384',
  0x009e: 'TLS_DHE_RSA_WITH_AES_128_GCM_SHA256', 0x009f: 'TLS_DHE_RSA_WITH_AES_256_GCM_SHA384',
  0x00a2: 'TLS_DHE_DSS_WITH_AES_128_GCM_SHA256', 0x00a3: 'TLS_DHE_DSS_WITH_AES_256_GCM_SHA384',
  0x00a8: 'TLS_PSK_WITH_AES_128_GCM_SHA256', 0x00a9: 'TLS_PSK_WITH_AES_256_GCM_SHA384',
  0x00ae: 'TLS_PSK_WITH_AES_128_CBC_SHA256', 0x00af: 'TLS_PSK_WITH_AES_256_CBC_SHA384',
  0x00ff: 'TLS_EMPTY_RENEGOTIATION_INFO_SCSV',
  0x1301: 'TLS_AES_128_GCM_SHA256', 0x1302: 'TLS_AES_256_GCM_SHA384', 0x1303: 'TLS_CHACHA20_POLY1305_SHA256',
  0x1304: 'TLS_AES_128_CCM_SHA256', 0x1305: 'TLS_AES_128_CCM_8_SHA256',
  0x5600: 'TLS_FALLBACK_SCSV',
  0xc007: 'TLS_ECDHE_ECDSA_WITH_RC4_128_SHA', 0xc008: 'TLS_ECDHE_ECDSA_WITH_3DES_EDE_CBC_SHA',
  0xc009: 'TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA', 0xc00a: 'TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA',
  0xc011: 'TLS_ECDHE_RSA_WITH_RC4_128_SHA', 0xc012: 'TLS_ECDHE_RSA_WITH_3DES_EDE_CBC_SHA',
  0xc013: 'TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA', 0xc014: 'TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA',
  0xc023: 'TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256', 0xc024: 'TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA384',
  0xc027: 'TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256', 0xc028: 'TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384',
  0xc02b: 'TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256', 0xc02c: 'TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384',
  0xc02f: 'TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256', 0xc030: 'TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384',
  0xc035: 'TLS_ECDHE_PSK_WITH_AES_128_CBC_SHA', 0xc036: 'TLS_ECDHE_PSK_WITH_AES_256_CBC_SHA',
  0xc09c: 'TLS_RSA_WITH_AES_128_CCM', 0xc09d: 'TLS_RSA_WITH_AES_256_CCM',
  0xc09e: 'TLS_DHE_RSA_WITH_AES_128_CCM', 0xc09f: 'TLS_DHE_RSA_WITH_AES_256_CCM',
  0xc0ac: 'TLS_ECDHE_ECDSA_WITH_AES_128_CCM', 0xc0ad: 'TLS_ECDHE_ECDSA_WITH_AES_256_CCM',
  0xc0ae: 'TLS_ECDHE_ECDSA_WITH_AES_128_CCM_8', 0xc0af: 'TLS_ECDHE_ECDSA_WITH_AES_256_CCM_8',
  0xcca8: 'TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256', 0xcca9: 'TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256',
  0xccaa: 'TLS_DHE_RSA_WITH_CHACHA20_POLY1305_SHA256', 0xccab: 'TLS_PSK_WITH_CHACHA20_POLY1305_SHA256',
  0xccac: 'TLS_ECDHE_PSK_WITH_CHACHA20_POLY1305_SHA256', 0xccad: 'TLS_DHE_PSK_WITH_CHACHA20_POLY1305_SHA256',
};

function cipherSuiteName(v: number): string | undefined {
  return cipherSuiteNames[v] ?? (isGrease(v) ? 'Reserved (GREASE)' : undefined);
}

/** How the premaster secret is agreed, which decides the layout of the key exchange messages. */
type KeyExchange = 'rsa' | 'dhe' | 'ecdhe' | 'psk' | 'unknown';

function keyExchangeOf(suite: number): KeyExchange {
  const name = cipherSuiteNames[suite];
  if (!name) return 'unknown';
  if (name.startsWith('TLS_ECDHE_PSK') || name.startsWith('TLS_DHE_PSK')) return 'unknown';
  if (name.startsWith('TLS_ECDHE_')) return 'ecdhe';
  if (name.startsWith('TLS_DHE_')) return 'dhe';
  if (name.startsWith('TLS_RSA_')) return 'rsa';
  if (name.startsWith('TLS_PSK_')) return 'psk';
  return 'unknown';
}

const extensionTypes: Record<number, string> = {
  0: 'server_name', 1: 'max_fragment_length', 2: 'client_certificate_url', 3: 'trusted_ca_keys', 4: 'truncated_hmac',
  5: 'status_request', 6: 'user_mapping', 7: 'client_authz', 8: 'server_authz', 9: 'cert_type', 10: 'supported_groups',
  11: 'ec_point_formats', 12: 'srp', 13: 'signature_algorithms', 14: 'use_srtp', 15: 'heartbeat',
  16: 'application_layer_protocol_negotiation', 17: 'status_request_v2', 18: 'signed_certificate_timestamp',
  19: 'client_certificate_type', 20: 'server_certificate_type', 21: 'padding', 22: 'encrypt_then_mac',
  23: 'extended_master_secret', 24: 'token_binding', 25: 'cached_info', 27: 'compress_certificate',
  28: 'record_size_limit', 34: 'delegated_credentials', 35: 'session_ticket', 41: 'pre_shared_key', 42: 'early_data',
  43: 'supported_versions', 44: 'cookie', 45: 'psk_key_exchange_modes', 47: 'certificate_authorities',
  48: 'oid_filters', 49: 'post_handshake_auth', 50: 'signature_algorithms_cert', 51: 'key_share',
  57: 'quic_transport_parameters', 13172: 'next_protocol_negotiation', 17513: 'application_settings',
  65037: 'encrypted_client_hello', 65281: 'renegotiation_info',
};

function extensionName(v: number): string | undefined {
  return extensionTypes[v] ?? (isGrease(v) ? 'Reserved (GREASE)' : undefined);
}

const groupNames: Record<number, string> = {
  0x0015: 'secp224r1', 0x0016: 'secp256k1', 0x0017: 'secp256r1', 0x0018: 'secp384r1', 0x0019: 'secp521r1',
  0x001a: 'brainpoolP256r1', 0x001b: 'brainpoolP384r1', 0x001c: 'brainpoolP512r1', 0x001d: 'x25519', 0x001e: 'x448',
  0x0100: 'ffdhe2048', 0x0101: 'ffdhe3072', 0x0102: 'ffdhe4096', 0x0103: 'ffdhe6144', 0x0104: 'ffdhe8192',
  0x11ec: 'X25519MLKEM768', 0x6399: 'X25519Kyber768Draft00',
};

function groupName(v: number): string | undefined {
  return groupNames[v] ?? (isGrease(v) ? 'Reserved (GREASE)' : undefined);
}

const signatureSchemes: Record<number, string> = {
  0x0201: 'rsa_pkcs1_sha1', 0x0203: 'ecdsa_sha1', 0x0401: 'rsa_pkcs1_sha256', 0x0403: 'ecdsa_secp256r1_sha256',
  0x0501: 'rsa_pkcs1_sha384', 0x0503: 'ecdsa_secp384r1_sha384', 0x0601: 'rsa_pkcs1_sha512', 0x0603: 'ecdsa_secp521r1_sha512',
  0x0804: 'rsa_pss_rsae_sha256', 0x0805: 'rsa_pss_rsae_sha384', 0x0806: 'rsa_pss_rsae_sha512', 0x0807: 'ed25519',
  0x0808: 'ed448', 0x0809: 'rsa_pss_pss_sha256', 0x080a: 'rsa_pss_pss_sha384', 0x080b: 'rsa_pss_pss_sha512',
  0x081a: 'ecdsa_brainpoolP256r1tls13_sha256', 0x081b: 'ecdsa_brainpoolP384r1tls13_sha384',
  0x081c: 'ecdsa_brainpoolP512r1tls13_sha512',
};
/** TLS 1.2's two-byte (hash, signature) pairs, for schemes without a TLS 1.3 name. */
const hashAlgorithms: Record<number, string> = { 0: 'none', 1: 'MD5', 2: 'SHA1', 3: 'SHA224', 4: 'SHA256', 5: 'SHA384', 6: 'SHA512' };
const signatureAlgorithms: Record<number, string> = { 0: 'anonymous', 1: 'RSA', 2: 'DSA', 3: 'ECDSA', 4: 'SM2' };

function signatureSchemeName(v: number): string | undefined {
  const named = signatureSchemes[v];
  if (named) return named;
  if (isGrease(v)) return 'Reserved (GREASE)';
  const hash = hashAlgorithms[v >> 8];
  const sig = signatureAlgorithms[v & 0xff];
  return hash && sig && (v & 0xff) <= 3 ? `${hash} ${sig}` : undefined;
}

const certificateTypes: Record<number, string> = {
  1: 'RSA Sign', 2: 'DSS Sign', 3: 'RSA Fixed DH', 4: 'DSS Fixed DH', 5: 'RSA Ephemeral DH', 6: 'DSS Ephemeral DH',
  20: 'Fortezza', 64: 'ECDSA Sign', 65: 'RSA Fixed ECDH', 66: 'ECDSA Fixed ECDH',
};

/** The random of a ServerHello that is really a HelloRetryRequest (RFC 8446 §4.1.3): SHA-256("HelloRetryRequest"). */
const helloRetryRandom = 'cf21ad74e59a6111be1d8c021e65b891c2a211167abb8c5e079e09e2c8a8339c';

// ---------------------------------------------------------------------------------------------
// Fields.

const hf = {
  record: field('tls.record', 'Record Layer', FT.None, 'One TLS record: a 5-byte header (type, version, length) and up to 16 KiB of content.'),
  contentType: field('tls.record.content_type', 'Content Type', FT.UInt8, 'What the record carries: a handshake message, an alert, the ChangeCipherSpec signal or application data.', { values: contentTypes }),
  opaqueType: field('tls.record.opaque_type', 'Opaque Type', FT.UInt8, 'In TLS 1.3 every encrypted record says "application data" here; its real type is hidden inside the encryption.', { values: contentTypes }),
  recordVersion: field('tls.record.version', 'Version', FT.UInt16, 'The protocol version in the record header; TLS 1.3 keeps writing 1.2 (0x0303) here for compatibility with middleboxes.', { base: 'hex', values: versionName }),
  recordLength: field('tls.record.length', 'Length', FT.UInt16, 'Bytes of content after this 5-byte record header.'),
  recordLengthInvalid: field('tls.record.length.invalid', 'Record fragment length is too small or too large', FT.None, 'A record may hold at most 16384 bytes of plaintext plus 2048 bytes of encryption overhead.'),
  appData: field('tls.app_data', 'Encrypted Application Data', FT.Bytes, 'The encrypted bytes of the application (HTTP, OpenVPN control messages…); without the session keys they cannot be read.'),
  appDataProto: field('tls.app_data_proto', 'Application Data Protocol', FT.String, 'The protocol the application data is believed to carry, from the port it travels on.'),
  changeCipherSpec: field('tls.change_cipher_spec', 'Change Cipher Spec Message', FT.None, 'Says that what this side sends next is protected with the keys just negotiated (TLS 1.3 sends it only for middlebox compatibility).'),
  alertMessage: field('tls.alert_message', 'Alert Message', FT.None, 'A warning or fatal error, or the close_notify that ends a session cleanly.'),
  alertLevel: field('tls.alert_message.level', 'Level', FT.UInt8, 'How serious the alert is: 1 warning, 2 fatal (the connection is closed).', { values: alertLevels }),
  alertDescription: field('tls.alert_message.desc', 'Description', FT.UInt8, 'Which alert this is, e.g. close_notify (0), handshake_failure (40), bad_certificate (42).', { values: alertDescriptions }),
  handshake: field('tls.handshake', 'Handshake Protocol', FT.None, 'One handshake message: the steps in which client and server agree on version, cipher suite and keys.'),
  handshakeType: field('tls.handshake.type', 'Handshake Type', FT.UInt8, 'Which handshake message this is (1 ClientHello, 2 ServerHello, 11 Certificate …).', { values: handshakeTypes }),
  handshakeLength: field('tls.handshake.length', 'Length', FT.UInt24, 'Bytes of this handshake message after its 4-byte header.'),
  handshakeVersion: field('tls.handshake.version', 'Version', FT.UInt16, 'In ClientHello the highest version the client offers (TLS 1.3 keeps 1.2 here and lists 1.3 in supported_versions); in ServerHello the chosen one.', { base: 'hex', values: versionName }),
  random: field('tls.handshake.random', 'Random', FT.Bytes, '32 fresh random bytes from each side; both go into the key derivation, so old sessions cannot be replayed.'),
  randomTime: field('tls.handshake.random_time', 'GMT Unix Time', FT.AbsTime, 'The first 4 random bytes read as a time, as TLS 1.0 suggested; most implementations now send random bytes here.'),
  randomBytes: field('tls.handshake.random_bytes', 'Random Bytes', FT.Bytes, 'The other 28 random bytes.'),
  sessionIdLength: field('tls.handshake.session_id_length', 'Session ID Length', FT.UInt8, 'Length of the session identifier (0 to 32).'),
  sessionId: field('tls.handshake.session_id', 'Session ID', FT.Bytes, 'Names a session to resume (TLS ≤ 1.2); TLS 1.3 clients send random bytes for middlebox compatibility.'),
  cipherSuitesLength: field('tls.handshake.cipher_suites_length', 'Cipher Suites Length', FT.UInt16, 'Bytes of the cipher suite list (two per suite).'),
  cipherSuites: field('tls.handshake.ciphersuites', 'Cipher Suites', FT.None, 'The cipher suites the client offers, most preferred first.'),
  cipherSuite: field('tls.handshake.ciphersuite', 'Cipher Suite', FT.UInt16, 'A combination of key exchange, authentication, encryption and hash; the server picks one of the client\'s.', { base: 'hex', values: cipherSuiteName }),
  compMethodsLength: field('tls.handshake.comp_methods_length', 'Compression Methods Length', FT.UInt8, 'Number of compression methods offered.'),
  compMethods: field('tls.handshake.comp_methods', 'Compression Methods', FT.None, 'The compression methods the client offers (only "null" is safe since the CRIME attack).'),
  compMethod: field('tls.handshake.comp_method', 'Compression Method', FT.UInt8, 'A record compression method; 0 means none.', { values: { 0: 'null', 1: 'DEFLATE', 64: 'LZS' } }),
  extensionsLength: field('tls.handshake.extensions_length', 'Extensions Length', FT.UInt16, 'Bytes of the extension list that follows.'),
  extensionType: field('tls.handshake.extension.type', 'Type', FT.UInt16, 'Which extension this is: server_name (0), supported_groups (10), ALPN (16), supported_versions (43), key_share (51)…', { values: extensionName }),
  extensionLength: field('tls.handshake.extension.len', 'Length', FT.UInt16, 'Bytes of this extension\'s data.'),
  extensionData: field('tls.handshake.extension.data', 'Data', FT.Bytes, 'The extension\'s bytes, not decoded further.'),
  sniListLength: field('tls.handshake.extensions_server_name_list_len', 'Server Name list length', FT.UInt16, 'Bytes of the server name list.'),
  sniType: field('tls.handshake.extensions_server_name_type', 'Server Name Type', FT.UInt8, 'The kind of name; 0 is a DNS host name.', { values: { 0: 'host_name' } }),
  sniLength: field('tls.handshake.extensions_server_name_len', 'Server Name length', FT.UInt16, 'Length of the host name.'),
  sni: field('tls.handshake.extensions_server_name', 'Server Name', FT.String, 'Server Name Indication: the host name the client wants, sent in clear so a server with many sites can pick the certificate.'),
  groupsLength: field('tls.handshake.extensions_supported_groups_length', 'Supported Groups List Length', FT.UInt16, 'Bytes of the supported groups list.'),
  groups: field('tls.handshake.extensions_supported_groups', 'Supported Groups List', FT.None, 'The key-exchange groups (elliptic curves, finite fields) the client supports.'),
  group: field('tls.handshake.extensions_supported_group', 'Supported Group', FT.UInt16, 'One elliptic curve or finite-field group for (EC)DHE key exchange.', { base: 'hex', values: groupName }),
  pointFormatsLength: field('tls.handshake.extensions_ec_point_formats_length', 'EC point formats Length', FT.UInt8, 'Number of point formats listed.'),
  pointFormats: field('tls.handshake.extensions_ec_point_formats', 'EC point formats', FT.None, 'How elliptic curve points may be encoded.'),
  pointFormat: field('tls.handshake.extensions_ec_point_format', 'EC point format', FT.UInt8, 'One encoding of elliptic curve points; uncompressed is the one everybody uses.', { values: { 0: 'uncompressed', 1: 'ansiX962_compressed_prime', 2: 'ansiX962_compressed_char2' } }),
  alpnLength: field('tls.handshake.extensions_alpn_len', 'ALPN Extension Length', FT.UInt16, 'Bytes of the protocol name list.'),
  alpnList: field('tls.handshake.extensions_alpn_list', 'ALPN Protocol', FT.None, 'Application-Layer Protocol Negotiation: the protocols the client can speak inside TLS; the server answers with its choice.'),
  alpnStrLength: field('tls.handshake.extensions_alpn_str_len', 'ALPN string length', FT.UInt8, 'Length of one protocol name.'),
  alpn: field('tls.handshake.extensions_alpn_str', 'ALPN Next Protocol', FT.String, 'One application protocol name, such as "h2" (HTTP/2) or "http/1.1".'),
  supportedVersionsLength: field('tls.handshake.extensions.supported_versions_len', 'Supported Versions length', FT.UInt8, 'Bytes of the version list.'),
  supportedVersion: field('tls.handshake.extensions.supported_version', 'Supported Version', FT.UInt16, 'A TLS version the client supports (ClientHello) or the one chosen (ServerHello); this is how TLS 1.3 is negotiated.', { base: 'hex', values: versionName }),
  keyShareClientLength: field('tls.handshake.extensions_key_share_client_length', 'Client Key Share Length', FT.UInt16, 'Bytes of the client\'s key share list.'),
  keyShareGroup: field('tls.handshake.extensions_key_share_group', 'Group', FT.UInt16, 'The group of a key share: the client guesses which the server will accept and sends a public key for it.', { values: groupName }),
  keyShareLength: field('tls.handshake.extensions_key_share_key_exchange_length', 'Key Exchange Length', FT.UInt16, 'Length of the public key.'),
  keyShareKey: field('tls.handshake.extensions_key_share_key_exchange', 'Key Exchange', FT.Bytes, 'The ephemeral public key for this group (TLS 1.3 does the key exchange inside the hellos).'),
  keyShareSelected: field('tls.handshake.extensions_key_share_selected_group', 'Selected Group', FT.UInt16, 'In a HelloRetryRequest: the group the server wants the client to send a key share for.', { values: groupName }),
  sigHashAlgLength: field('tls.handshake.sig_hash_alg_len', 'Signature Hash Algorithms Length', FT.UInt16, 'Bytes of the signature algorithm list.'),
  sigHashAlgs: field('tls.handshake.sig_hash_algs', 'Signature Algorithms', FT.None, 'The signature schemes the sender accepts in certificates and handshake signatures.'),
  sigHashAlg: field('tls.handshake.sig_hash_alg', 'Signature Algorithm', FT.UInt16, 'A signature scheme: a signature algorithm with a hash (rsa_pss_rsae_sha256, ecdsa_secp256r1_sha256…).', { base: 'hex', values: signatureSchemeName }),
  sigHashHash: field('tls.handshake.sig_hash_hash', 'Signature Hash Algorithm Hash', FT.UInt8, 'The first byte of the scheme, the hash in TLS 1.2 terms.', { values: hashAlgorithms }),
  sigHashSig: field('tls.handshake.sig_hash_sig', 'Signature Hash Algorithm Signature', FT.UInt8, 'The second byte of the scheme, the signature algorithm in TLS 1.2 terms.', { values: signatureAlgorithms }),
  pskModesLength: field('tls.extension.psk_ke_modes_length', 'PSK Key Exchange Modes Length', FT.UInt8, 'Number of PSK modes listed.'),
  pskMode: field('tls.extension.psk_ke_mode', 'PSK Key Exchange Mode', FT.UInt8, 'How a resumed TLS 1.3 session may use its pre-shared key: alone, or with a fresh (EC)DHE exchange for forward secrecy.', { values: { 0: 'PSK-only key establishment (psk_ke)', 1: 'PSK with (EC)DHE key establishment (psk_dhe_ke)' } }),
  renegInfoLength: field('tls.handshake.extensions_reneg_info_len', 'Renegotiation info extension length', FT.UInt8, 'Length of the renegotiation data (0 on a first handshake).'),
  renegInfo: field('tls.handshake.extensions_reneg_info', 'Renegotiation info', FT.Bytes, 'The Finished data of the previous handshake, binding a renegotiation to it (RFC 5746).'),
  paddingData: field('tls.handshake.extensions_padding_data', 'Padding Data', FT.Bytes, 'Zero bytes that make the ClientHello longer, to get past buggy middleboxes.'),
  recordSizeLimit: field('tls.record_size_limit', 'Record Size Limit', FT.UInt16, 'The largest record plaintext the sender is willing to receive.'),
  statusType: field('tls.handshake.extensions_status_request_type', 'Certificate Status Type', FT.UInt8, 'Asks the server to staple a certificate status (1 = OCSP).', { values: { 1: 'OCSP', 2: 'OCSP Multi' } }),
  cookieLength: field('tls.handshake.extensions.cookie_len', 'Cookie length', FT.UInt16, 'Length of the HelloRetryRequest cookie.'),
  cookie: field('tls.handshake.extensions.cookie', 'Cookie', FT.Bytes, 'Server state the client must echo in its second ClientHello.'),
  ja3Full: field('tls.handshake.ja3_full', 'JA3 Fullstring', FT.String, 'The ClientHello summarised as version, ciphers, extensions, groups and point formats (GREASE removed), the input of the JA3 fingerprint.'),
  ja3: field('tls.handshake.ja3', 'JA3', FT.String, 'MD5 of the JA3 string: a fingerprint of the client software\'s TLS library.'),
  ja3sFull: field('tls.handshake.ja3s_full', 'JA3S Fullstring', FT.String, 'The ServerHello summarised as version, cipher and extensions, the input of the JA3S fingerprint.'),
  ja3s: field('tls.handshake.ja3s', 'JA3S', FT.String, 'MD5 of the JA3S string: a fingerprint of the server\'s TLS configuration.'),
  certificatesLength: field('tls.handshake.certificates_length', 'Certificates Length', FT.UInt24, 'Bytes of the certificate chain.'),
  certificates: field('tls.handshake.certificates', 'Certificates', FT.None, 'The certificate chain: the sender\'s own certificate first, then the CAs that vouch for it.'),
  certificateLength: field('tls.handshake.certificate_length', 'Certificate Length', FT.UInt24, 'Bytes of one DER-encoded certificate.'),
  certificate: field('tls.handshake.certificate', 'Certificate', FT.Bytes, 'One X.509 certificate: a public key bound to a name, signed by an issuer.'),
  certRequestContextLength: field('tls.handshake.certificate_request_context_length', 'Certificate Request Context Length', FT.UInt8, 'Length of the TLS 1.3 request context.'),
  certRequestContext: field('tls.handshake.certificate_request_context', 'Certificate Request Context', FT.Bytes, 'Identifies which certificate request a TLS 1.3 Certificate answers.'),
  certTypesCount: field('tls.handshake.cert_types_count', 'Certificate types count', FT.UInt8, 'Number of certificate types the server accepts from the client.'),
  certTypes: field('tls.handshake.cert_types', 'Certificate types', FT.None, 'The kinds of client certificate the server accepts.'),
  certType: field('tls.handshake.cert_type', 'Certificate type', FT.UInt8, 'A kind of client certificate (by key and signature type).', { values: certificateTypes }),
  dnamesLength: field('tls.handshake.dnames_len', 'Distinguished Names Length', FT.UInt16, 'Bytes of the list of accepted certificate authorities.'),
  dnames: field('tls.handshake.dnames', 'Distinguished Names', FT.None, 'The certificate authorities whose certificates the server accepts from the client.'),
  dnameLength: field('tls.handshake.dname_len', 'Distinguished Name Length', FT.UInt16, 'Length of one DER-encoded name.'),
  dname: field('tls.handshake.dname', 'Distinguished Name', FT.None, 'One accepted certificate authority, as an X.500 name.'),
  curveType: field('tls.handshake.server_curve_type', 'Curve Type', FT.UInt8, 'How the curve is named; 3 (named_curve) is the only one in use.', { base: 'hex', values: { 1: 'explicit_prime', 2: 'explicit_char2', 3: 'named_curve' } }),
  namedCurve: field('tls.handshake.server_named_curve', 'Named Curve', FT.UInt16, 'The elliptic curve the server chose for ECDHE.', { base: 'hex', values: groupName }),
  serverPointLength: field('tls.handshake.server_point_len', 'Pubkey Length', FT.UInt8, 'Length of the server\'s ephemeral public key.'),
  serverPoint: field('tls.handshake.server_point', 'Pubkey', FT.Bytes, 'The server\'s ephemeral ECDH public key.'),
  clientPointLength: field('tls.handshake.client_point_len', 'Pubkey Length', FT.UInt8, 'Length of the client\'s ephemeral public key.'),
  clientPoint: field('tls.handshake.client_point', 'Pubkey', FT.Bytes, 'The client\'s ephemeral ECDH public key.'),
  pLength: field('tls.handshake.p_len', 'p Length', FT.UInt16, 'Length of the DH prime.'),
  p: field('tls.handshake.p', 'p', FT.Bytes, 'The prime modulus of the finite-field Diffie-Hellman group.'),
  gLength: field('tls.handshake.g_len', 'g Length', FT.UInt16, 'Length of the DH generator.'),
  g: field('tls.handshake.g', 'g', FT.Bytes, 'The generator of the Diffie-Hellman group.'),
  ysLength: field('tls.handshake.ys_len', 'Pubkey Length', FT.UInt16, 'Length of the server\'s DH public value.'),
  ys: field('tls.handshake.ys', 'Pubkey', FT.Bytes, 'The server\'s ephemeral Diffie-Hellman public value.'),
  ycLength: field('tls.handshake.yc_len', 'Pubkey Length', FT.UInt16, 'Length of the client\'s DH public value.'),
  yc: field('tls.handshake.yc', 'Pubkey', FT.Bytes, 'The client\'s ephemeral Diffie-Hellman public value.'),
  sigLength: field('tls.handshake.sig_len', 'Signature Length', FT.UInt16, 'Length of the signature.'),
  sig: field('tls.handshake.sig', 'Signature', FT.Bytes, 'The server\'s signature over both randoms and its key exchange parameters, made with its certificate\'s key.'),
  epmsLength: field('tls.handshake.epms_len', 'Encrypted PreMaster length', FT.UInt16, 'Length of the encrypted premaster secret.'),
  epms: field('tls.handshake.epms', 'Encrypted PreMaster', FT.Bytes, 'The premaster secret, encrypted with the server certificate\'s RSA key (RSA key exchange: no forward secrecy).'),
  certVerifySigLength: field('tls.handshake.client_cert_vrfy.sig_len', 'Signature length', FT.UInt16, 'Length of the CertificateVerify signature.'),
  certVerifySig: field('tls.handshake.client_cert_vrfy.sig', 'Signature', FT.Bytes, 'A signature over the handshake so far, proving the sender holds its certificate\'s private key.'),
  ticketLifetime: field('tls.handshake.session_ticket_lifetime_hint', 'Session Ticket Lifetime Hint', FT.UInt32, 'How long, in seconds, the client may use the ticket to resume.', { unit: ' seconds' }),
  ticketAgeAdd: field('tls.handshake.session_ticket_age_add', 'Session Ticket Age Add', FT.UInt32, 'A random value added to the ticket age the client reports, so resumptions cannot be linked.'),
  ticketNonceLength: field('tls.handshake.session_ticket_nonce_length', 'Session Ticket Nonce Length', FT.UInt8, 'Length of the ticket nonce.'),
  ticketNonce: field('tls.handshake.session_ticket_nonce', 'Session Ticket Nonce', FT.Bytes, 'Makes each TLS 1.3 ticket\'s resumption secret unique.'),
  ticketLength: field('tls.handshake.session_ticket_length', 'Session Ticket Length', FT.UInt16, 'Length of the ticket.'),
  ticket: field('tls.handshake.session_ticket', 'Session Ticket', FT.Bytes, 'Session state encrypted by the server for itself; the client returns it to resume without a full handshake.'),
  keyUpdate: field('tls.handshake.key_update.request_update', 'Key Update Request', FT.UInt8, 'Whether the peer is asked to update its own sending keys too (1) or not (0).', { values: { 0: 'update_not_requested', 1: 'update_requested' } }),
  verifyData: field('tls.handshake.verify_data', 'Verify Data', FT.None, 'A MAC over the whole handshake, proving neither side\'s messages were altered.'),
  // The decrypted application data as a stream (Wireshark's names).
  segmentData: field('tls.segment.data', 'TLS segment data', FT.Bytes, 'Decrypted bytes of this record that belong to a message completed in a later record; they are shown there.'),
  segments: field('tls.segments', 'Reassembled TLS segments', FT.None, 'Lists the records whose decrypted bytes were joined to make one whole application message, and which frames carried them.'),
  segment: field('tls.segment', 'TLS segment', FT.FrameNum, 'A frame whose record gave part of the reassembled application message, with the byte range it gave.'),
  segmentCount: field('tls.segment.count', 'Segment count', FT.UInt32, 'How many records were joined to make the reassembled application message.'),
  reassembledLength: field('tls.reassembled.length', 'Reassembled PDU length', FT.UInt32, 'Total size in bytes of the application message put back together from several records.'),
  reassembledData: field('tls.reassembled.data', 'Reassembled PDU data', FT.Bytes, 'The decrypted bytes of the whole application message after its pieces were joined in order.'),
  fragments: field('tls.handshake.fragments', 'Reassembled Handshake Fragments', FT.None, 'The records whose pieces were joined to make one handshake message too large for a single record.'),
  fragment: field('tls.handshake.fragment', 'Handshake Fragment', FT.FrameNum, 'A frame that carried a piece of the reassembled handshake message.'),
  fragmentCount: field('tls.handshake.fragment.count', 'Handshake Fragment count', FT.UInt32, 'How many pieces the handshake message was joined from.'),
  unknownRecord: field('tls.ignored_unknown_record', 'Ignored Unknown Record', FT.None, 'Bytes that do not start a valid TLS record; the stream is not followed past them.'),
  trailingData: field('tls.malformed.trailing_data', 'Undecoded trailing data is present', FT.None, 'Bytes left over inside a message after all its fields were read.'),
  vectorLength: field('tls.malformed.vector_length', 'Variable vector length is outside the permitted range', FT.None, 'A length field inside a message points past the end of the message.'),
  certParse: field('tls.handshake.certificate.undecoded', 'Certificate not decoded', FT.None, 'The certificate bytes are not the DER structure X.509 describes, so only the raw bytes are shown.'),
};

// ---------------------------------------------------------------------------------------------
// Per-connection state.

/** The start of a handshake message that continues in a later record, and where its pieces came from. */
interface HandshakeFragment {
  bytes: Uint8Array;
  /** [frame, bytes] per piece. */
  pieces: [number, number][];
}

/** What one TLS session has shown so far, kept on the transport's conversation. */
interface TlsSession {
  /** The negotiated version once a ServerHello was seen (0 before). */
  version: number;
  cipherSuite: number;
  /** Per direction (0: from the conversation's first endpoint, 1: the other): its records are encrypted now. */
  encrypted: [boolean, boolean];
  /** Per direction: the start of a handshake message cut by a record boundary. */
  fragment: [HandshakeFragment | null, HandshakeFragment | null];
  /** The server's ALPN choice, which names the protocol inside. */
  alpn: string | null;
  /** With a key log: what decryption needs and the record protection in force. */
  keys: TlsKeys | null;
}

/** Decryption state of one TLS session (only made when a key log is given). */
interface TlsKeys {
  clientRandom: Uint8Array | null;
  /** The direction the ClientHello came from. */
  clientDir: number;
  /** Per direction: the protection of its records now (null: in clear, or no secret for it). */
  current: [RecordCipher | null, RecordCipher | null];
  /** Per direction: the protection it switches to — TLS ≤ 1.2 at its ChangeCipherSpec, TLS 1.3 after its Finished. */
  next: [RecordCipher | null, RecordCipher | null];
  /** TLS 1.3, per direction: the application traffic secret, for KeyUpdate. */
  trafficSecret: [Uint8Array | null, Uint8Array | null];
  /** Per direction: the decrypted application data, a byte stream of its own. */
  app: [StreamDirection, StreamDirection];
  /** Set by a Finished or KeyUpdate in the record being read: the direction's keys change after it. */
  switchAfterRecord: boolean;
}

/** How decrypted application data spanning records is shown (Wireshark's tls.segment… fields). */
const appReassembly: ReassemblyFields = {
  label: 'TLS', unit: 'segment', pieces: hf.segments, piece: hf.segment, count: hf.segmentCount,
  length: hf.reassembledLength, data: hf.reassembledData, pieceData: hf.segmentData,
};

function newKeys(): TlsKeys {
  return {
    clientRandom: null, clientDir: 0, current: [null, null], next: [null, null], trafficSecret: [null, null],
    app: [new StreamDirection('TLS', undefined, appReassembly, true), new StreamDirection('TLS', undefined, appReassembly, true)], switchAfterRecord: false,
  };
}

function conversationOf(pkt: Packet): Conversation {
  return pkt.conversation('tcp');
}

/** Sessions of streams that share a conversation with others (see StreamData.channel). */
const channelSessions = new WeakMap<object, TlsSession>();

function newSession(): TlsSession {
  return { version: 0, cipherSuite: -1, encrypted: [false, false], fragment: [null, null], alpn: null, keys: null };
}

function sessionOf(conv: Conversation, data: unknown): TlsSession {
  const channel = isStreamData(data) ? data.channel : undefined;
  if (channel) {
    let s = channelSessions.get(channel);
    if (!s) channelSessions.set(channel, (s = newSession()));
    return s;
  }
  return conv.get<TlsSession>('tls') ?? conv.set<TlsSession>('tls', newSession());
}

/** Handshake messages larger than this are not reassembled across records. */
const MAX_HANDSHAKE_REASSEMBLY = 1 << 20;

interface Ctx {
  pkt: Packet;
  /** The transport conversation the records travel on. */
  conv: Conversation;
  parent: Node;
  s: TlsSession;
  dir: number;
  /** The protocol node records are added to, and which byte source it covers. */
  layer: Node | null;
  layerSource: Source | null;
  infoStarted: boolean;
  appProtocol: Protocol | undefined;
  /** The protocol the carrier says the application data is (OpenVPN's control messages). */
  inner: Protocol | undefined;
  /** The carrier's name for this pair of streams (StreamData.channel), passed on to the protocol inside. */
  channel: object | undefined;
  /** TCP's tree for this segment, where the protocol inside puts its PDU sizes. */
  tcpTree: Node | undefined;
  /** What the tap gets at the end. */
  tap: { records: string[]; sni?: string; alpn?: string[]; version?: number; cipherSuite?: number; certificates?: string[] };
}

function addInfo(ctx: Ctx, text: string): void {
  if (ctx.infoStarted) ctx.pkt.appendInfo(`, ${text}`);
  else ctx.pkt.setInfo(text);
  ctx.infoStarted = true;
  ctx.tap.records.push(text);
}

function layerFor(ctx: Ctx, b: Buf): Node {
  if (!ctx.layer || ctx.layerSource !== b.source) {
    ctx.layer = ctx.pkt.addLayer(tls, ctx.parent, b, 0, b.length);
    ctx.layerSource = b.source;
  }
  return ctx.layer;
}

// ---------------------------------------------------------------------------------------------
// Records.

const MAX_RECORD = 16384 + 2048;

function validRecordStart(b: Buf, offset: number): boolean | 'short' {
  const avail = b.length - offset;
  if (avail < 1) return 'short';
  const type = b.u8(offset);
  if (type < 20 || type > 24) return false;
  if (avail < 2) return 'short';
  if (b.u8(offset + 1) !== 3) return false;
  if (avail < 3) return 'short';
  return b.u8(offset + 2) <= 4;
}

function dissectTls(buf: Buf, pkt: Packet, parent: Node, data?: unknown): void {
  const conv = conversationOf(pkt);
  const s = sessionOf(conv, data);
  if (!s.keys && hasKeyLog(pkt.session)) s.keys = newKeys();
  const ctx: Ctx = {
    pkt, conv, parent, s, dir: conv.isFromA(pkt.netSrc, pkt.srcPort) ? 0 : 1, layer: null, layerSource: null, infoStarted: false,
    appProtocol: pkt.session.lookup(appPorts, pkt.srcPort) ?? pkt.session.lookup(appPorts, pkt.dstPort),
    inner: isStreamData(data) ? data.inner : undefined,
    channel: isStreamData(data) ? data.channel : undefined,
    tcpTree: isStreamData(data) && pkt.transport === 'tcp' ? data.tree : undefined,
    tap: { records: [] },
  };
  const stream = isStreamData(data);
  let partialNoted = false;

  const recordLength = (b: Buf, offset: number): number => {
    const ok = validRecordStart(b, offset);
    if (ok === false) return NOT_THIS;
    const length = ok === 'short' || b.length - offset < 5 ? NEED_MORE : 5 + b.u16(offset + 3);
    // A record that starts in this segment and ends in a later one: Wireshark shows an empty TLS layer
    // and, when nothing else was shown yet, only "[TCP segment of a reassembled PDU]" as Info.
    if (stream && !partialNoted && b.source === buf.source && (length === NEED_MORE || offset + length > b.length)) {
      partialNoted = true;
      const column = pkt.protocolColumn;
      layerFor(ctx, b);
      pkt.protocolColumn = column;
      if (!ctx.infoStarted) pkt.setInfo('');
    }
    return length;
  };

  dissectPdus(buf, pkt, parent, data, recordLength, (pdu) => dissectRecord(pdu, ctx), (rest) => ignoredRecord(rest, ctx));

  if (ctx.tap.records.length) pkt.tap('tls', { frame: pkt.number, ...ctx.tap, version: s.version || ctx.tap.version, cipherSuite: s.cipherSuite >= 0 ? s.cipherSuite : undefined });
}

function ignoredRecord(rest: Buf, ctx: Ctx): void {
  const layer = layerFor(ctx, rest);
  layer.setEnd(rest, rest.length);
  const n = layer.add(hf.unknownRecord, rest, 0, rest.length);
  addInfo(ctx, 'Ignored Unknown Record');
  ctx.pkt.addExpert(n, Severity.Warning, 'Protocol', 'Ignored Unknown Record', 'tls');
}

function dissectRecord(pdu: Buf, ctx: Ctx): void {
  const { pkt, s } = ctx;
  const layer = layerFor(ctx, pdu);
  layer.setEnd(pdu, pdu.length);
  const type = pdu.u8(0);
  const version = pdu.u16(1);
  const length = pdu.u16(3);
  const labelVersion = versionShort[s.version] ?? versionShort[version] ?? 'TLS';
  const rec = layer.add(hf.record, pdu, 0, Math.min(pdu.length, 5 + length));
  rec.add(s.version === 0x0304 && type === 23 ? hf.opaqueType : hf.contentType, pdu, 0, 1, type);
  rec.add(hf.recordVersion, pdu, 1, 2, version);
  const lengthNode = rec.add(hf.recordLength, pdu, 3, 2, length);
  ctx.tap.version ??= version;
  // Only application data may be empty (RFC 5246 §6.2.1; OpenSSL sends empty records against BEAST).
  if ((length === 0 && type !== 23) || length > MAX_RECORD) {
    const n = lengthNode.add(hf.recordLengthInvalid, pdu, 3, 2);
    pkt.addExpert(n, Severity.Error, 'Malformed', length === 0 ? 'Record length 0 is too small for this content type' : `Record length ${length} is larger than the ${MAX_RECORD} bytes allowed`, 'tls');
  }
  const body = pdu.sub(5, length);
  if (body.length < body.reportedLength) {
    // The capture cut the record: its header is all there is (tshark stops here too, with the
    // record's version in the Protocol column and no Info of its own).
    if (rec.real) rec.text = 'Record Layer';
    pkt.protocolColumn = labelVersion;
    if (!ctx.infoStarted) pkt.setInfo('');
    body.check(body.length, 1);
  }
  // With keys, an encrypted record is opened: its content is read from the plaintext.
  const opened = s.keys ? openRecord(pdu, body, type, ctx) : null;
  const content = opened ? opened.buf : body;
  const contentType = opened ? opened.type : type;
  if (opened && s.version === 0x0304) rec.addGenerated(hf.contentType, contentType);
  const encrypted = !opened && s.encrypted[ctx.dir];
  let what: string;
  let handedOn = false;

  switch (contentType) {
    case 20: {
      rec.add(hf.changeCipherSpec, content, 0, content.length);
      // TLS 1.3 sends ChangeCipherSpec only to look like 1.2; its keys change with the ServerHello.
      if (s.version !== 0x0304) {
        s.encrypted[ctx.dir] = true;
        if (s.keys) {
          s.keys.current[ctx.dir] = s.keys.next[ctx.dir];
          s.keys.next[ctx.dir] = null;
        }
      }
      addInfo(ctx, 'Change Cipher Spec');
      what = 'Change Cipher Spec Protocol: Change Cipher Spec';
      break;
    }
    case 21: {
      const alert = rec.add(hf.alertMessage, content, 0, content.length);
      if (encrypted || content.length !== 2) {
        alert.text = 'Alert Message: Encrypted Alert';
        addInfo(ctx, 'Encrypted Alert');
        what = 'Encrypted Alert';
      } else {
        const level = content.u8(0);
        const desc = content.u8(1);
        alert.add(hf.alertLevel, content, 0, 1, level);
        alert.add(hf.alertDescription, content, 1, 1, desc);
        const text = `Alert (Level: ${alertLevels[level] ?? `Unknown (${level})`}, Description: ${alertDescriptions[desc] ?? `Unknown (${desc})`})`;
        addInfo(ctx, text);
        what = text;
      }
      break;
    }
    case 22: {
      const names = dissectHandshakeRecord(content, rec, ctx, encrypted);
      what = `Handshake Protocol: ${names.length === 1 ? names[0] : names.length === 0 ? 'Fragment' : 'Multiple Handshake Messages'}`;
      break;
    }
    case 23: {
      rec.add(hf.appData, body, 0, body.length, body.bytesAt(0, body.length));
      if (opened) {
        const proto = insideProtocol(ctx);
        rec.addGenerated(hf.appDataProto, proto.field.name);
        what = `Application Data Protocol: ${proto.field.name}`;
        rec.text = `${labelVersion} Record Layer: ${what}`;
        handOn(content, proto, layer, ctx);
        handedOn = true;
        break;
      }
      const proto = ctx.appProtocol ? ctx.appProtocol.field.name : undefined;
      if (proto) rec.addGenerated(hf.appDataProto, proto);
      addInfo(ctx, 'Application Data');
      what = `Application Data Protocol: ${proto ?? 'Application Data'}`;
      break;
    }
    default: {
      // Heartbeat (RFC 6520): type, payload length, payload, padding — unreadable once encrypted.
      rec.add(hf.extensionData, content, 0, content.length, content.bytesAt(0, content.length)).text = `Heartbeat Message (${content.length} bytes)`;
      const text = encrypted ? 'Encrypted Heartbeat' : content.length > 0 && content.u8(0) === 2 ? 'Heartbeat Response' : 'Heartbeat Request';
      addInfo(ctx, text);
      what = `Heartbeat Protocol: ${text}`;
    }
  }
  rec.text = `${labelVersion} Record Layer: ${what}`;
  if (!handedOn) pkt.protocolColumn = versionShort[s.version] ?? versionShort[version] ?? 'TLS';
  if (s.keys?.switchAfterRecord) {
    // A Finished (TLS 1.3) or KeyUpdate was in this record: the sender's next records use the next keys.
    s.keys.switchAfterRecord = false;
    s.keys.current[ctx.dir] = s.keys.next[ctx.dir];
    s.keys.next[ctx.dir] = null;
  }
  // A record cut short (only possible without stream reassembly): what was there is shown; now say
  // whether the capture or the packet itself is short.
  if (pdu.length < 5 + length) pdu.check(0, 5 + length);
}

// ---------------------------------------------------------------------------------------------
// Decryption.

/**
 * Opens an encrypted record with the sender's current keys: TLS 1.3 protects every application_data
 * record after the ServerHello, TLS ≤ 1.2 every record after the sender's ChangeCipherSpec. Returns
 * the plaintext as a new source with its real content type, or null (in clear, no keys, or it does
 * not verify).
 */
function openRecord(pdu: Buf, body: Buf, type: number, ctx: Ctx): { buf: Buf; type: number } | null {
  const cipher = ctx.s.keys!.current[ctx.dir];
  if (!cipher || body.length < body.reportedLength || pdu.length < 5 + body.length) return null;
  if (cipher.tls13 ? type !== 23 : !ctx.s.encrypted[ctx.dir]) return null;
  const opened = cipher.open(pdu.bytesAt(0, 5), body.bytesAt(0, body.length));
  if (!opened) return null;
  return { buf: ctx.pkt.newSource(opened.plain, `Decrypted TLS (${opened.plain.length} bytes)`), type: opened.type };
}

/**
 * Sets up decryption once the ServerHello fixed version and cipher suite: TLS 1.3 handshake keys
 * now (application keys after each side's Finished), TLS ≤ 1.2 keys from the master secret, used
 * after each side's ChangeCipherSpec. Nothing happens when the key log lacks this session.
 */
function startDecryption(ctx: Ctx, etm: boolean, serverRandom: Uint8Array): void {
  const { s } = ctx;
  const keys = s.keys!;
  keys.current = [null, null];
  keys.next = [null, null];
  keys.trafficSecret = [null, null];
  const params = suiteParams(s.cipherSuite, cipherSuiteNames[s.cipherSuite]);
  if (!params || !keys.clientRandom) return;
  const clientRandom = keys.clientRandom;
  const secret = (label: string): Uint8Array | undefined => findSecret(ctx.pkt.session, label, clientRandom);
  const c = keys.clientDir;
  const sv = 1 - c;
  if (s.version === 0x0304) {
    const ch = secret('CLIENT_HANDSHAKE_TRAFFIC_SECRET');
    const sh = secret('SERVER_HANDSHAKE_TRAFFIC_SECRET');
    const ca = secret('CLIENT_TRAFFIC_SECRET_0');
    const sa = secret('SERVER_TRAFFIC_SECRET_0');
    if (ch) keys.current[c] = tls13Cipher(params, ch);
    if (sh) keys.current[sv] = tls13Cipher(params, sh);
    if (ca) keys.next[c] = tls13Cipher(params, ca);
    if (sa) keys.next[sv] = tls13Cipher(params, sa);
    keys.trafficSecret = c === 0 ? [ca ?? null, sa ?? null] : [sa ?? null, ca ?? null];
    return;
  }
  const master = secret('CLIENT_RANDOM');
  if (!master) return;
  const [client, server] = tls12Ciphers(params, master, clientRandom, serverRandom, etm);
  keys.next[c] = client;
  keys.next[sv] = server;
}

/** A KeyUpdate (TLS 1.3): the sender's next records use the next generation of its traffic secret. */
function updateTrafficKeys(ctx: Ctx): void {
  const keys = ctx.s.keys!;
  const secret = keys.trafficSecret[ctx.dir];
  const params = suiteParams(ctx.s.cipherSuite, cipherSuiteNames[ctx.s.cipherSuite]);
  if (!secret || !params) return;
  const next = nextTrafficSecret(params, secret);
  keys.trafficSecret[ctx.dir] = next;
  keys.next[ctx.dir] = tls13Cipher(params, next);
  keys.switchAfterRecord = true;
}

/** What decrypted application data is: what the carrier says, the ALPN choice, the port — or data. */
function insideProtocol(ctx: Ctx): Protocol {
  return ctx.inner ?? (ctx.s.alpn !== null ? ctx.pkt.session.lookup(alpnProtocols, ctx.s.alpn) : undefined) ?? ctx.appProtocol ?? dataProtocol;
}

/** Hands decrypted application data to the protocol inside, as the next bytes of its direction's stream. */
function handOn(content: Buf, proto: Protocol, layer: Node, ctx: Ctx): void {
  const { pkt } = ctx;
  ctx.tap.records.push('Application Data');
  // The protocol inside writes the Info column; until it does, this record adds nothing to it.
  if (!ctx.infoStarted) {
    pkt.setInfo('');
    ctx.infoStarted = true;
  }
  pkt.protocolColumn = versionShort[ctx.s.version] ?? 'TLS';
  if (pkt.session.taps) pkt.tap('tls.follow', { conv: ctx.conv, fromA: ctx.dir === 0, bytes: content.bytesAt(0, content.length) });
  const data: StreamData = { direction: ctx.s.keys!.app[ctx.dir], tree: layer, tcpTree: ctx.tcpTree, channel: ctx.channel };
  callDissector(proto, content, pkt, ctx.parent, data);
  // The next record of this frame is a new TLS layer, after what the protocol inside added.
  ctx.layer = null;
}

// ---------------------------------------------------------------------------------------------
// Handshake messages.

/** Dissects the handshake messages of one record; returns their names for the record label. */
function dissectHandshakeRecord(body: Buf, rec: Node, ctx: Ctx, encrypted: boolean): string[] {
  const { pkt, s, dir } = ctx;
  if (encrypted) {
    const n = rec.add(hf.handshake, body, 0, body.length);
    n.text = 'Handshake Protocol: Encrypted Handshake Message';
    addInfo(ctx, 'Encrypted Handshake Message');
    return ['Encrypted Handshake Message'];
  }
  // A message started in an earlier record continues here: join the pieces into a new source.
  let data = body;
  const pending = s.fragment[dir];
  if (pending) {
    s.fragment[dir] = null;
    const joined = new Uint8Array(pending.bytes.length + body.length);
    joined.set(pending.bytes, 0);
    joined.set(body.bytesAt(0, body.length), pending.bytes.length);
    data = Buf.of(joined, 'Reassembled Handshake');
  }
  const names: string[] = [];
  let offset = 0;
  for (let guard = 0; offset < data.length && guard < 10000; guard++) {
    const avail = data.length - offset;
    const type = data.u8(offset);
    const name = handshakeTypes[type];
    if (!name || (offset === 0 && !pending && avail >= 4 && data.u24(offset + 1) > MAX_HANDSHAKE_REASSEMBLY)) {
      // Not a message we know: most likely encrypted (the capture missed ChangeCipherSpec).
      const n = rec.add(hf.handshake, body, Math.max(0, offset - (pending ? pending.bytes.length : 0)), avail);
      n.text = 'Handshake Protocol: Encrypted Handshake Message';
      addInfo(ctx, 'Encrypted Handshake Message');
      names.push('Encrypted Handshake Message');
      break;
    }
    const length = avail >= 4 ? data.u24(offset + 1) : -1;
    if (length < 0 || 4 + length > avail) {
      // Cut by the end of the record: keep it and finish it with the next handshake record.
      const inBody = offset === 0 && pending ? body.length : avail;
      const pieces: [number, number][] = offset === 0 && pending ? [...pending.pieces, [pkt.number, body.length]] : [[pkt.number, avail]];
      const rest = data.bytesAt(offset, avail);
      if (rest.length <= MAX_HANDSHAKE_REASSEMBLY) s.fragment[dir] = { bytes: keepCopy(rest), pieces };
      const n = rec.add(hf.handshake, body, body.length - inBody, inBody);
      n.text = `Handshake Protocol: ${name} (fragment)`;
      addInfo(ctx, `[${name} Fragment]`);
      names.push(`${name} (fragment)`);
      break;
    }
    let msgBuf = data;
    let msgOffset = offset;
    if (offset === 0 && pending) {
      // The last piece: show where it is in this record, then the whole message from the joined bytes.
      const lastBytes = 4 + length - pending.bytes.length;
      rec.add(hf.handshake, body, 0, lastBytes).text = `Handshake Protocol: ${name} (last fragment)`;
      const whole = pkt.newSource(data.bytesAt(0, 4 + length), `Reassembled Handshake Message (${4 + length} bytes)`);
      const pieces: [number, number][] = [...pending.pieces, [pkt.number, lastBytes]];
      describeFragments(rec, whole, pieces);
      msgBuf = whole;
      msgOffset = 0;
    } else if (pending) {
      msgBuf = body;
      msgOffset = offset - pending.bytes.length;
    }
    const msg = msgBuf.sub(msgOffset, 4 + length);
    const n = rec.add(hf.handshake, msgBuf, msgOffset, 4 + length);
    n.text = `Handshake Protocol: ${name}`;
    n.add(hf.handshakeType, msgBuf, msgOffset, 1, type);
    n.add(hf.handshakeLength, msgBuf, msgOffset + 1, 3, length);
    const shown = dissectHandshakeMessage(type, msg.sub(4, length), n, ctx) ?? name;
    if (shown !== name) n.text = `Handshake Protocol: ${shown}`;
    addInfo(ctx, shown);
    names.push(shown);
    offset += 4 + length;
  }
  return names;
}

/** "[2 Reassembled Handshake Fragments (260 bytes): #4(40), #5(220)]", as Wireshark draws it. */
function describeFragments(rec: Node, whole: Buf, pieces: [number, number][]): void {
  if (!rec.real) return;
  const n = rec.addGenerated(hf.fragments, undefined, whole, 0, whole.length);
  n.text = `${pieces.length} Reassembled Handshake Fragments (${whole.length} bytes): ${pieces.map(([f, b]) => `#${f}(${b})`).join(', ')}`;
  let start = 0;
  for (const [frame, bytes] of pieces) {
    n.addGenerated(hf.fragment, frame, whole, start, bytes).text = `Frame: ${frame}, payload: ${start}-${start + bytes - 1} (${bytes} bytes)`;
    start += bytes;
  }
  n.addGenerated(hf.fragmentCount, pieces.length);
}

/** Dissects one handshake body; returns a different name when the message turns out to be something else (HelloRetryRequest). */
function dissectHandshakeMessage(type: number, m: Buf, n: Node, ctx: Ctx): string | undefined {
  switch (type) {
    case 1:
      dissectClientHello(m, n, ctx);
      return undefined;
    case 2:
      return dissectServerHello(m, n, ctx);
    case 4:
      dissectNewSessionTicket(m, n, ctx);
      return undefined;
    case 8: {
      const end = dissectExtensions(m, 0, n, ctx, 'encrypted_extensions');
      checkTrailing(m, end, n, ctx);
      return undefined;
    }
    case 11:
      dissectCertificate(m, n, ctx);
      return undefined;
    case 12:
      dissectServerKeyExchange(m, n, ctx);
      return undefined;
    case 13:
      dissectCertificateRequest(m, n, ctx);
      return undefined;
    case 15: {
      let pos = 0;
      if (ctx.s.version >= 0x0303 || ctx.s.version === 0) {
        addSignatureScheme(m, pos, n);
        pos += 2;
      }
      const len = m.u16(pos);
      n.add(hf.certVerifySigLength, m, pos, 2, len);
      n.add(hf.certVerifySig, m, pos + 2, len, m.bytesAt(pos + 2, len));
      checkTrailing(m, pos + 2 + len, n, ctx);
      return undefined;
    }
    case 16:
      dissectClientKeyExchange(m, n, ctx);
      return undefined;
    case 20:
      if (m.length) n.add(hf.verifyData, m, 0, m.length);
      // TLS 1.3: the sender's application keys start after its Finished.
      if (ctx.s.keys && ctx.s.version === 0x0304) ctx.s.keys.switchAfterRecord = true;
      return undefined;
    case 24:
      n.add(hf.keyUpdate, m, 0, 1, m.u8(0));
      if (ctx.s.keys && ctx.s.version === 0x0304) updateTrafficKeys(ctx);
      return undefined;
    default:
      if (m.length) n.add(hf.extensionData, m, 0, m.length, m.bytesAt(0, m.length)).text = `Data (${m.length} bytes)`;
      return undefined;
  }
}

function checkTrailing(m: Buf, end: number, n: Node, ctx: Ctx): void {
  if (end >= m.length) return;
  const t = n.add(hf.trailingData, m, end, m.length - end);
  t.text = `Undecoded trailing data is present (${m.length - end} bytes)`;
  ctx.pkt.addExpert(t, Severity.Warning, 'Malformed', `${m.length - end} bytes of undecoded trailing data`, 'tls');
}

function md5(text: string): string {
  return crypto().createHash('md5').update(text).digest('hex');
}

function addRandom(m: Buf, pos: number, n: Node): Node {
  return n.add(hf.random, m, pos, 32, m.bytesAt(pos, 32));
}

/** TLS ≤ 1.2 randoms may start with the sender's clock; TLS 1.3 randoms are random throughout. */
function addRandomParts(m: Buf, pos: number, r: Node): void {
  if (!r.real) return;
  r.add(hf.randomTime, m, pos, 4, [m.u32(pos), 0]);
  r.add(hf.randomBytes, m, pos + 4, 28, m.bytesAt(pos + 4, 28));
}

function addSessionId(m: Buf, pos: number, n: Node): number {
  const len = m.u8(pos);
  n.add(hf.sessionIdLength, m, pos, 1, len);
  if (len) n.add(hf.sessionId, m, pos + 1, len, m.bytesAt(pos + 1, len));
  return pos + 1 + len;
}

function addSignatureScheme(b: Buf, pos: number, parent: Node): number {
  const v = b.u16(pos);
  const s = parent.add(hf.sigHashAlg, b, pos, 2, v);
  s.add(hf.sigHashHash, b, pos, 1, v >> 8);
  s.add(hf.sigHashSig, b, pos + 1, 1, v & 0xff);
  return v;
}

function plural(n: number, one: string, many: string): string {
  return `${n} ${n === 1 ? one : many}`;
}

function dissectClientHello(m: Buf, n: Node, ctx: Ctx): void {
  const { s } = ctx;
  // A new handshake on this conversation (OpenVPN renegotiates on the same one): start over.
  s.version = 0;
  s.cipherSuite = -1;
  s.encrypted = [false, false];
  s.alpn = null;
  if (s.keys) {
    s.keys.clientRandom = m.bytesAt(2, 32).slice();
    s.keys.clientDir = ctx.dir;
    s.keys.current = [null, null];
    s.keys.next = [null, null];
  }
  const version = m.u16(0);
  n.add(hf.handshakeVersion, m, 0, 2, version);
  addRandomParts(m, 2, addRandom(m, 2, n));
  let pos = addSessionId(m, 34, n);
  const csLen = m.u16(pos);
  n.add(hf.cipherSuitesLength, m, pos, 2, csLen);
  pos += 2;
  const suites = n.add(hf.cipherSuites, m, pos, csLen);
  suites.text = `Cipher Suites (${plural(csLen >> 1, 'suite', 'suites')})`;
  const ja3Ciphers: number[] = [];
  for (let i = 0; i + 1 < csLen; i += 2) {
    const cs = m.u16(pos + i);
    suites.add(hf.cipherSuite, m, pos + i, 2, cs);
    if (!isGrease(cs)) ja3Ciphers.push(cs);
  }
  pos += csLen;
  const cmLen = m.u8(pos);
  n.add(hf.compMethodsLength, m, pos, 1, cmLen);
  const methods = n.add(hf.compMethods, m, pos + 1, cmLen);
  methods.text = `Compression Methods (${plural(cmLen, 'method', 'methods')})`;
  for (let i = 0; i < cmLen; i++) methods.add(hf.compMethod, m, pos + 1 + i, 1, m.u8(pos + 1 + i));
  pos += 1 + cmLen;
  const ja3: Ja3 = { extensions: [], groups: [], pointFormats: [] };
  if (pos < m.length) pos = dissectExtensions(m, pos, n, ctx, 'client_hello', ja3);
  checkTrailing(m, pos, n, ctx);
  // The fingerprints only feed the tree (a filter on them builds the TLS layer whole).
  if (!n.real) return;
  const full = `${version},${ja3Ciphers.join('-')},${ja3.extensions.join('-')},${ja3.groups.join('-')},${ja3.pointFormats.join('-')}`;
  n.addGenerated(hf.ja3Full, full);
  n.addGenerated(hf.ja3, md5(full));
}

function dissectServerHello(m: Buf, n: Node, ctx: Ctx): string | undefined {
  const { s } = ctx;
  const version = m.u16(0);
  n.add(hf.handshakeVersion, m, 0, 2, version);
  const random = addRandom(m, 2, n);
  const hrr = hexOf(m.bytesAt(2, 32)) === helloRetryRandom;
  let pos = addSessionId(m, 34, n);
  const suite = m.u16(pos);
  n.add(hf.cipherSuite, m, pos, 2, suite);
  pos += 2;
  n.add(hf.compMethod, m, pos, 1, m.u8(pos));
  pos += 1;
  const ja3: Ja3 = { extensions: [], groups: [], pointFormats: [], selectedVersion: 0, helloRetry: hrr };
  if (pos < m.length) pos = dissectExtensions(m, pos, n, ctx, hrr ? 'hello_retry_request' : 'server_hello', ja3);
  checkTrailing(m, pos, n, ctx);
  if (n.real) {
    const full = `${version},${suite},${ja3.extensions.join('-')}`;
    n.addGenerated(hf.ja3sFull, full);
    n.addGenerated(hf.ja3s, md5(full));
  }
  s.cipherSuite = suite;
  s.version = ja3.selectedVersion || version;
  if (s.version !== 0x0304) addRandomParts(m, 2, random);
  // TLS 1.3: everything after the ServerHello is encrypted, in both directions.
  if (s.version === 0x0304 && !hrr) s.encrypted = [true, true];
  if (hrr) s.version = 0;
  else if (s.keys) startDecryption(ctx, ja3.extensions.includes(22), m.bytesAt(2, 32).slice());
  return hrr ? 'Hello Retry Request' : undefined;
}

function hexOf(b: Uint8Array): string {
  let s = '';
  for (const x of b) s += x.toString(16).padStart(2, '0');
  return s;
}

function dissectNewSessionTicket(m: Buf, n: Node, ctx: Ctx): void {
  const t = n.addText('TLS Session Ticket', m, 0, m.length);
  const lifetime = m.u32(0);
  t.add(hf.ticketLifetime, m, 0, 4, lifetime).suffix = lifetime ? ` (${durationText(lifetime)})` : null;
  let pos = 4;
  if (ctx.s.version === 0x0304) {
    t.add(hf.ticketAgeAdd, m, pos, 4, m.u32(pos));
    const nonceLen = m.u8(pos + 4);
    t.add(hf.ticketNonceLength, m, pos + 4, 1, nonceLen);
    t.add(hf.ticketNonce, m, pos + 5, nonceLen, m.bytesAt(pos + 5, nonceLen));
    pos += 5 + nonceLen;
  }
  const len = m.u16(pos);
  t.add(hf.ticketLength, m, pos, 2, len);
  t.add(hf.ticket, m, pos + 2, len, m.bytesAt(pos + 2, len));
  pos += 2 + len;
  if (ctx.s.version === 0x0304 && pos < m.length) pos = dissectExtensions(m, pos, t, ctx, 'new_session_ticket');
  checkTrailing(m, pos, n, ctx);
}

/** "2 hours", "1 day, 3 hours", "45 seconds" — how tshark spells the ticket lifetime. */
function durationText(seconds: number): string {
  const parts: string[] = [];
  const units: [number, string][] = [[86400, 'day'], [3600, 'hour'], [60, 'minute'], [1, 'second']];
  let rest = seconds;
  for (const [size, name] of units) {
    const v = Math.floor(rest / size);
    if (v) parts.push(`${v} ${name}${v === 1 ? '' : 's'}`);
    rest -= v * size;
  }
  return parts.join(', ');
}

function dissectCertificate(m: Buf, n: Node, ctx: Ctx): void {
  let pos = 0;
  const tls13 = ctx.s.version === 0x0304;
  if (tls13) {
    const cl = m.u8(0);
    n.add(hf.certRequestContextLength, m, 0, 1, cl);
    if (cl) n.add(hf.certRequestContext, m, 1, cl, m.bytesAt(1, cl));
    pos = 1 + cl;
  }
  const total = m.u24(pos);
  n.add(hf.certificatesLength, m, pos, 3, total);
  pos += 3;
  const end = pos + total;
  const list = n.add(hf.certificates, m, pos, Math.min(total, m.length - pos));
  list.text = `Certificates (${total} bytes)`;
  if (end > m.length) vectorError(m, pos, list, ctx);
  const subjects: string[] = [];
  for (let guard = 0; pos + 3 <= Math.min(end, m.length) && guard < 1000; guard++) {
    const len = m.u24(pos);
    list.add(hf.certificateLength, m, pos, 3, len);
    if (pos + 3 + len > end) {
      vectorError(m, pos, list, ctx);
      break;
    }
    const der = m.sub(pos + 3, len);
    const certNode = list.add(hf.certificate, m, pos + 3, len, der.bytesAt(0, der.length));
    const subject = dissectX509(der, certNode, ctx.pkt);
    if (subject !== null) {
      certNode.suffix = ` (${subject})`;
      subjects.push(subject);
    }
    pos += 3 + len;
    if (tls13) pos = dissectExtensions(m, pos, list, ctx, 'certificate');
  }
  ctx.tap.certificates = [...(ctx.tap.certificates ?? []), ...subjects];
}

function vectorError(m: Buf, pos: number, n: Node, ctx: Ctx): void {
  const e = n.add(hf.vectorLength, m, pos, 0);
  ctx.pkt.addExpert(e, Severity.Error, 'Malformed', 'A length field points past the end of the message', 'tls');
}

function keyExchangeFor(ctx: Ctx): KeyExchange {
  return ctx.s.cipherSuite >= 0 ? keyExchangeOf(ctx.s.cipherSuite) : 'unknown';
}

function dissectServerKeyExchange(m: Buf, n: Node, ctx: Ctx): void {
  let kx = keyExchangeFor(ctx);
  // Without the ServerHello, the shape of the message tells ECDHE (named curve, type 3) from DHE.
  if (kx === 'unknown' || kx === 'rsa') kx = m.length > 3 && m.u8(0) === 3 && m.u16(1) < 0x0200 ? 'ecdhe' : 'dhe';
  let pos: number;
  let params: Node;
  if (kx === 'ecdhe') {
    params = n.addText('EC Diffie-Hellman Server Params', m, 0, m.length);
    params.add(hf.curveType, m, 0, 1, m.u8(0));
    params.add(hf.namedCurve, m, 1, 2, m.u16(1));
    const len = m.u8(3);
    params.add(hf.serverPointLength, m, 3, 1, len);
    params.add(hf.serverPoint, m, 4, len, m.bytesAt(4, len));
    pos = 4 + len;
  } else {
    params = n.addText('Diffie-Hellman Server Params', m, 0, m.length);
    pos = 0;
    for (const [lenField, valueField] of [[hf.pLength, hf.p], [hf.gLength, hf.g], [hf.ysLength, hf.ys]] as [FieldDef, FieldDef][]) {
      const len = m.u16(pos);
      params.add(lenField, m, pos, 2, len);
      params.add(valueField, m, pos + 2, len, m.bytesAt(pos + 2, len));
      pos += 2 + len;
    }
  }
  if (pos >= m.length) return;
  if (ctx.s.version >= 0x0303 || ctx.s.version === 0) {
    addSignatureScheme(m, pos, params);
    pos += 2;
  }
  const sigLen = m.u16(pos);
  params.add(hf.sigLength, m, pos, 2, sigLen);
  params.add(hf.sig, m, pos + 2, sigLen, m.bytesAt(pos + 2, sigLen));
  checkTrailing(m, pos + 2 + sigLen, n, ctx);
}

function dissectClientKeyExchange(m: Buf, n: Node, ctx: Ctx): void {
  let kx = keyExchangeFor(ctx);
  if (kx === 'unknown' || kx === 'psk') {
    if (m.length >= 2 && m.u16(0) === m.length - 2) kx = 'rsa';
    else if (m.length >= 1 && m.u8(0) === m.length - 1) kx = 'ecdhe';
  }
  if (kx === 'ecdhe') {
    const p = n.addText('EC Diffie-Hellman Client Params', m, 0, m.length);
    const len = m.u8(0);
    p.add(hf.clientPointLength, m, 0, 1, len);
    p.add(hf.clientPoint, m, 1, len, m.bytesAt(1, len));
    checkTrailing(m, 1 + len, n, ctx);
  } else if (kx === 'rsa' || kx === 'dhe') {
    const p = n.addText(kx === 'rsa' ? 'RSA Encrypted PreMaster Secret' : 'Diffie-Hellman Client Params', m, 0, m.length);
    const len = m.u16(0);
    p.add(kx === 'rsa' ? hf.epmsLength : hf.ycLength, m, 0, 2, len);
    p.add(kx === 'rsa' ? hf.epms : hf.yc, m, 2, len, m.bytesAt(2, len));
    checkTrailing(m, 2 + len, n, ctx);
  } else if (m.length) {
    n.add(hf.extensionData, m, 0, m.length, m.bytesAt(0, m.length)).text = `Data (${m.length} bytes)`;
  }
}

function dissectCertificateRequest(m: Buf, n: Node, ctx: Ctx): void {
  if (ctx.s.version === 0x0304) {
    const cl = m.u8(0);
    n.add(hf.certRequestContextLength, m, 0, 1, cl);
    if (cl) n.add(hf.certRequestContext, m, 1, cl, m.bytesAt(1, cl));
    const end = dissectExtensions(m, 1 + cl, n, ctx, 'certificate_request');
    checkTrailing(m, end, n, ctx);
    return;
  }
  const count = m.u8(0);
  n.add(hf.certTypesCount, m, 0, 1, count);
  const types = n.add(hf.certTypes, m, 1, count);
  types.text = `Certificate types (${plural(count, 'type', 'types')})`;
  for (let i = 0; i < count; i++) types.add(hf.certType, m, 1 + i, 1, m.u8(1 + i));
  let pos = 1 + count;
  if (ctx.s.version >= 0x0303 || ctx.s.version === 0) pos = addSignatureList(m, pos, n);
  const dnLen = m.u16(pos);
  n.add(hf.dnamesLength, m, pos, 2, dnLen);
  pos += 2;
  const end = pos + dnLen;
  const list = n.add(hf.dnames, m, pos, Math.min(dnLen, m.length - pos));
  list.text = `Distinguished Names (${dnLen} bytes)`;
  for (let guard = 0; pos + 2 <= Math.min(end, m.length) && guard < 1000; guard++) {
    const len = m.u16(pos);
    list.add(hf.dnameLength, m, pos, 2, len);
    const nameBuf = m.sub(pos + 2, len);
    const dn = list.add(hf.dname, m, pos + 2, len);
    const tlv = readTlv(nameBuf, 0, nameBuf.length);
    const summary = tlv && tlv.tag === 0x30 ? dissectRdnSequence(nameBuf, tlv, dn, null, ctx.pkt) : '';
    dn.text = `Distinguished Name: (${summary})`;
    pos += 2 + len;
  }
  checkTrailing(m, end, n, ctx);
}

function addSignatureList(b: Buf, pos: number, n: Node): number {
  const len = b.u16(pos);
  n.add(hf.sigHashAlgLength, b, pos, 2, len);
  const list = n.add(hf.sigHashAlgs, b, pos + 2, len);
  list.text = `Signature Hash Algorithms (${plural(len >> 1, 'algorithm', 'algorithms')})`;
  for (let i = 0; i + 1 < len; i += 2) addSignatureScheme(b, pos + 2 + i, list);
  return pos + 2 + len;
}

// ---------------------------------------------------------------------------------------------
// Extensions.

interface Ja3 {
  extensions: number[];
  groups: number[];
  pointFormats: number[];
  /** From supported_versions in a ServerHello. */
  selectedVersion?: number;
  helloRetry?: boolean;
}

type ExtensionContext = 'client_hello' | 'server_hello' | 'hello_retry_request' | 'encrypted_extensions' | 'certificate' | 'certificate_request' | 'new_session_ticket';

/** Reads the 2-byte extensions length and the extensions; returns the offset after them. */
function dissectExtensions(m: Buf, pos: number, n: Node, ctx: Ctx, where: ExtensionContext, ja3?: Ja3): number {
  const total = m.u16(pos);
  n.add(hf.extensionsLength, m, pos, 2, total);
  pos += 2;
  const end = pos + total;
  if (end > m.length) vectorError(m, pos - 2, n, ctx);
  for (let guard = 0; pos + 4 <= Math.min(end, m.length) && guard < 1000; guard++) {
    const type = m.u16(pos);
    const len = m.u16(pos + 2);
    const e = n.addText(`Extension: ${extensionName(type) ?? `Unknown type ${type}`} (len=${len})`, m, pos, 4 + len);
    e.add(hf.extensionType, m, pos, 2, type);
    e.add(hf.extensionLength, m, pos + 2, 2, len);
    if (ja3 && !isGrease(type)) ja3.extensions.push(type);
    if (pos + 4 + len > end) {
      vectorError(m, pos + 2, e, ctx);
      return end;
    }
    dissectExtension(type, m.sub(pos + 4, len), e, ctx, where, ja3);
    pos += 4 + len;
  }
  return end;
}

function dissectExtension(type: number, x: Buf, e: Node, ctx: Ctx, where: ExtensionContext, ja3?: Ja3): void {
  const len = x.length;
  switch (type) {
    case 0: {
      if (len === 0) return;
      const t = e.addText('Server Name Indication extension', x, 0, len);
      const listLen = x.u16(0);
      t.add(hf.sniListLength, x, 0, 2, listLen);
      let pos = 2;
      for (let guard = 0; pos + 3 <= Math.min(2 + listLen, len) && guard < 100; guard++) {
        t.add(hf.sniType, x, pos, 1, x.u8(pos));
        const nl = x.u16(pos + 1);
        t.add(hf.sniLength, x, pos + 1, 2, nl);
        const name = x.latin1(pos + 3, nl);
        t.add(hf.sni, x, pos + 3, nl, name);
        if (x.u8(pos) === 0) ctx.tap.sni ??= name;
        pos += 3 + nl;
      }
      return;
    }
    case 10: {
      const gl = x.u16(0);
      e.add(hf.groupsLength, x, 0, 2, gl);
      const list = e.add(hf.groups, x, 2, gl);
      list.text = `Supported Groups (${plural(gl >> 1, 'group', 'groups')})`;
      for (let i = 0; i + 1 < gl; i += 2) {
        const g = x.u16(2 + i);
        list.add(hf.group, x, 2 + i, 2, g);
        if (ja3 && !isGrease(g)) ja3.groups.push(g);
      }
      return;
    }
    case 11: {
      const pl = x.u8(0);
      e.add(hf.pointFormatsLength, x, 0, 1, pl);
      const list = e.add(hf.pointFormats, x, 1, pl);
      list.text = `Elliptic curves point formats (${pl})`;
      for (let i = 0; i < pl; i++) {
        const f = x.u8(1 + i);
        list.add(hf.pointFormat, x, 1 + i, 1, f);
        ja3?.pointFormats.push(f);
      }
      return;
    }
    case 13:
    case 50:
      addSignatureList(x, 0, e);
      return;
    case 16: {
      const al = x.u16(0);
      e.add(hf.alpnLength, x, 0, 2, al);
      const list = e.add(hf.alpnList, x, 2, al);
      const protocols: string[] = [];
      let pos = 2;
      for (let guard = 0; pos < Math.min(2 + al, len) && guard < 1000; guard++) {
        const sl = x.u8(pos);
        list.add(hf.alpnStrLength, x, pos, 1, sl);
        const p = x.latin1(pos + 1, sl);
        list.add(hf.alpn, x, pos + 1, sl, p);
        protocols.push(p);
        pos += 1 + sl;
      }
      if (where === 'client_hello' || !ctx.tap.alpn) ctx.tap.alpn = protocols;
      if ((where === 'server_hello' || where === 'encrypted_extensions') && protocols[0] !== undefined) ctx.s.alpn = protocols[0];
      return;
    }
    case 43: {
      if (where === 'client_hello') {
        const vl = x.u8(0);
        e.add(hf.supportedVersionsLength, x, 0, 1, vl);
        for (let i = 0; i + 1 < vl; i += 2) e.add(hf.supportedVersion, x, 1 + i, 2, x.u16(1 + i));
      } else {
        const v = x.u16(0);
        e.add(hf.supportedVersion, x, 0, 2, v);
        if (ja3) ja3.selectedVersion = v;
      }
      return;
    }
    case 51: {
      const t = e.addText('Key Share extension', x, 0, len);
      if (where === 'hello_retry_request') {
        t.add(hf.keyShareSelected, x, 0, 2, x.u16(0));
        return;
      }
      let pos = 0;
      let end = len;
      if (where === 'client_hello') {
        const cl = x.u16(0);
        t.add(hf.keyShareClientLength, x, 0, 2, cl);
        pos = 2;
        end = Math.min(len, 2 + cl);
      }
      for (let guard = 0; pos + 4 <= end && guard < 100; guard++) {
        const g = x.u16(pos);
        const kl = x.u16(pos + 2);
        const entry = t.addText(`Key Share Entry: Group: ${groupName(g) ?? `Unknown (${g})`}, Key Exchange length: ${kl}`, x, pos, 4 + kl);
        entry.add(hf.keyShareGroup, x, pos, 2, g);
        entry.add(hf.keyShareLength, x, pos + 2, 2, kl);
        entry.add(hf.keyShareKey, x, pos + 4, kl, x.bytesAt(pos + 4, kl));
        pos += 4 + kl;
      }
      return;
    }
    case 45: {
      const ml = x.u8(0);
      e.add(hf.pskModesLength, x, 0, 1, ml);
      for (let i = 0; i < ml; i++) e.add(hf.pskMode, x, 1 + i, 1, x.u8(1 + i));
      return;
    }
    case 65281: {
      const t = e.addText('Renegotiation Info extension', x, 0, len);
      const rl = x.u8(0);
      t.add(hf.renegInfoLength, x, 0, 1, rl);
      if (rl) t.add(hf.renegInfo, x, 1, rl, x.bytesAt(1, rl));
      return;
    }
    case 21:
      e.add(hf.paddingData, x, 0, len, x.bytesAt(0, len));
      return;
    case 28:
      e.add(hf.recordSizeLimit, x, 0, 2, x.u16(0));
      return;
    case 5:
      if (len >= 1) e.add(hf.statusType, x, 0, 1, x.u8(0));
      return;
    case 44: {
      const cl = x.u16(0);
      e.add(hf.cookieLength, x, 0, 2, cl);
      e.add(hf.cookie, x, 2, cl, x.bytesAt(2, cl));
      return;
    }
    case 22:
    case 23:
    case 49:
      return;
    default:
      e.add(hf.extensionData, x, 0, len, x.bytesAt(0, len)).text = `Data (${len} bytes)`;
  }
}

// ---------------------------------------------------------------------------------------------
// X.509 certificates (RFC 5280), read from DER just far enough to show who is who.
//
//   Certificate ::= SEQUENCE { tbsCertificate, signatureAlgorithm, signatureValue BIT STRING }
//   TBSCertificate ::= SEQUENCE { [0] version, serialNumber INTEGER, signature AlgorithmIdentifier,
//       issuer Name, validity SEQUENCE { notBefore Time, notAfter Time }, subject Name,
//       subjectPublicKeyInfo SEQUENCE { algorithm, subjectPublicKey BIT STRING }, … [3] extensions }
//   Name ::= SEQUENCE OF SET OF SEQUENCE { type OID, value ANY }

const x509 = {
  signedCertificate: field('x509af.signedCertificate_element', 'signedCertificate', FT.None, 'The part of the certificate the issuer signs: version, serial, names, validity, public key and extensions.'),
  version: field('x509af.version', 'version', FT.Int32, 'Certificate format version; v3 (value 2) is the one with extensions.', { values: { 0: 'v1', 1: 'v2', 2: 'v3' } }),
  serialNumber: field('x509af.serialNumber', 'serialNumber', FT.Bytes, 'A number the issuer gives each certificate it signs, unique per issuer (used for revocation).'),
  signature: field('x509af.signature_element', 'signature', FT.None, 'The signature algorithm the issuer used.'),
  algorithmId: field('x509af.algorithm.id', 'Algorithm Id', FT.String, 'An algorithm identifier (an OID) such as sha256WithRSAEncryption or ecdsa-with-SHA256.'),
  issuer: field('x509af.issuer', 'issuer', FT.UInt32, 'The distinguished name of the authority that signed this certificate.', { values: { 0: 'rdnSequence' } }),
  subject: field('x509af.subject', 'subject', FT.UInt32, 'The distinguished name of the certificate holder (for servers, usually its host name as CN).', { values: { 0: 'rdnSequence' } }),
  rdnSequenceIf: field('x509if.rdnSequence', 'rdnSequence', FT.UInt32, 'The parts of a distinguished name (country, organisation, common name…), most general first.'),
  rdnSequenceAf: field('x509af.rdnSequence', 'rdnSequence', FT.UInt32, 'The parts of the subject\'s distinguished name, most general first.'),
  rdnItem: field('x509if.RDNSequence_item', 'RDNSequence item', FT.UInt32, 'One component of a distinguished name (usually a single attribute).'),
  rdnAttribute: field('x509if.RelativeDistinguishedName_item_element', 'RelativeDistinguishedName item', FT.None, 'One attribute of a name: its type and value.'),
  oid: field('x509if.oid', 'Object Id', FT.String, 'The attribute type as an OID: 2.5.4.3 is commonName, 2.5.4.10 organizationName, 2.5.4.6 countryName.'),
  directoryString: field('x509sat.DirectoryString', 'DirectoryString', FT.UInt32, 'Which string type holds the attribute value.', { values: { 0: 'teletexString', 1: 'printableString', 2: 'universalString', 3: 'bmpString', 4: 'uTF8String' } }),
  printableString: field('x509sat.printableString', 'printableString', FT.String, 'An attribute value in the PrintableString character set.'),
  utf8String: field('x509sat.uTF8String', 'uTF8String', FT.String, 'An attribute value in UTF-8.'),
  teletexString: field('x509sat.teletexString', 'teletexString', FT.String, 'An attribute value in the old Teletex (T.61) character set.'),
  bmpString: field('x509sat.bmpString', 'bmpString', FT.String, 'An attribute value in UCS-2.'),
  universalString: field('x509sat.universalString', 'universalString', FT.String, 'An attribute value in UCS-4.'),
  countryName: field('x509sat.CountryName', 'CountryName', FT.String, 'A two-letter ISO 3166 country code.'),
  ia5String: field('x509sat.IA5String', 'IA5String', FT.String, 'An attribute value in ASCII (e-mail addresses, domain components).'),
  validity: field('x509af.validity_element', 'validity', FT.None, 'The period during which the certificate may be trusted.'),
  notBefore: field('x509af.notBefore', 'notBefore', FT.UInt32, 'The start of the validity period.', { values: { 0: 'utcTime', 1: 'generalizedTime' } }),
  notAfter: field('x509af.notAfter', 'notAfter', FT.UInt32, 'The end of the validity period: after it, the certificate has expired.', { values: { 0: 'utcTime', 1: 'generalizedTime' } }),
  utcTime: field('x509af.utcTime', 'utcTime', FT.String, 'A time with a two-digit year (years before 2050).'),
  generalizedTime: field('x509af.generalizedTime', 'generalizedTime', FT.AbsTime, 'A time with a four-digit year (used from 2050).'),
  spki: field('x509af.subjectPublicKeyInfo_element', 'subjectPublicKeyInfo', FT.None, 'The holder\'s public key and its algorithm.'),
  algorithm: field('x509af.algorithm_element', 'algorithm', FT.None, 'The public key algorithm.'),
  subjectPublicKey: field('x509af.subjectPublicKey', 'subjectPublicKey', FT.Bytes, 'The public key itself.'),
  extensions: field('x509af.extensions', 'extensions', FT.UInt32, 'Version 3 extensions: key usage, alternative names, CA constraints…'),
  extension: field('x509af.Extension_element', 'Extension', FT.None, 'One certificate extension.'),
  extensionId: field('x509af.extension.id', 'Extension Id', FT.String, 'The extension type as an OID.'),
  critical: field('x509af.critical', 'critical', FT.Bool, 'A relying party that does not understand a critical extension must reject the certificate.', { trueFalse: ['True', 'False'] }),
  extensionValue: field('x509af.extension.value', 'Extension value', FT.Bytes, 'The DER bytes of an extension not decoded further.'),
  subjectKeyIdentifier: field('x509ce.SubjectKeyIdentifier', 'SubjectKeyIdentifier', FT.Bytes, 'A short identifier of the certificate\'s public key (usually its SHA-1 hash), used to find chains.'),
  keyIdentifier: field('x509ce.keyIdentifier', 'keyIdentifier', FT.Bytes, 'Identifies the issuer\'s public key: equal to the SubjectKeyIdentifier of the certificate that signed this one.'),
  generalNames: field('x509ce.GeneralNames', 'GeneralNames', FT.UInt32, 'The alternative names of the subject: host names, IP addresses, e-mail addresses.'),
  generalName: field('x509ce.GeneralName', 'GeneralName', FT.UInt32, 'One alternative name, tagged with its kind.', { values: { 0: 'otherName', 1: 'rfc822Name', 2: 'dNSName', 4: 'directoryName', 6: 'uniformResourceIdentifier', 7: 'iPAddress', 8: 'registeredID' } }),
  ecParameters: field('pkcs1.ECParameters', 'ECParameters', FT.UInt32, 'Which elliptic curve an EC public key lives on.', { values: { 0: 'specifiedCurve', 1: 'namedCurve' } }),
  namedCurve: field('pkcs1.namedCurve', 'namedCurve', FT.String, 'The curve of an EC public key, as an OID (1.2.840.10045.3.1.7 is secp256r1/P-256).'),
  dnsName: field('x509ce.dNSName', 'dNSName', FT.String, 'A host name the certificate is valid for (subjectAltName).'),
  ipAddress: field('x509ce.iPAddress', 'iPAddress', FT.Bytes, 'An IP address the certificate is valid for (subjectAltName).'),
  cA: field('x509ce.cA', 'cA', FT.Bool, 'The holder is a certificate authority: it may sign other certificates.', { trueFalse: ['True', 'False'] }),
  authorityKeyIdentifier: field('x509ce.AuthorityKeyIdentifier_element', 'AuthorityKeyIdentifier', FT.None, 'Names the key of the issuer that signed this certificate, to find the next certificate up the chain.'),
  basicConstraints: field('x509ce.BasicConstraintsSyntax_element', 'BasicConstraintsSyntax', FT.None, 'Whether the certificate belongs to a certificate authority that may sign other certificates.'),
  pathLenConstraint: field('x509ce.pathLenConstraint', 'pathLenConstraint', FT.UInt32, 'How many certificate authorities may follow this one down the chain.'),
  authorityCertIssuer: field('x509ce.authorityCertIssuer', 'authorityCertIssuer', FT.UInt32, 'The name of the issuer\'s own issuer, identifying the certificate that signed this one together with its serial number.'),
  directoryName: field('x509ce.directoryName', 'directoryName', FT.UInt32, 'A name given as an X.500 distinguished name.', { values: { 0: 'rdnSequence' } }),
  authorityCertSerialNumber: field('x509ce.authorityCertSerialNumber', 'authorityCertSerialNumber', FT.Bytes, 'The serial number of the certificate that signed this one.', { base: 'hex' }),
  keyUsage: field('x509ce.KeyUsage', 'KeyUsage', FT.Bytes, 'What the certified key may do: sign, encipher keys, agree keys, sign certificates or CRLs (a CA certificate has keyCertSign).'),
  keyPurposeIds: field('x509ce.KeyPurposeIDs', 'KeyPurposeIDs', FT.UInt32, 'Extended key usage: the purposes the certificate is for, such as TLS server or TLS client authentication.'),
  keyPurposeId: field('x509ce.KeyPurposeId', 'KeyPurposeId', FT.String, 'One purpose, as an OID: id-kp-serverAuth for a TLS server (what OpenVPN\'s --remote-cert-tls server checks), id-kp-clientAuth for a client.'),
  nsCertType: field('ns_cert_exts.CertType', 'CertType', FT.Bytes, 'Netscape certificate type: what the certificate is for (Easy-RSA still sets it; OpenVPN\'s old --ns-cert-type checked it).'),
  nsComment: field('ns_cert_exts.Comment', 'Comment', FT.String, 'Netscape comment: free text from the tool that made the certificate.'),
  rsaModulus: field('pkcs1.modulus', 'modulus', FT.Bytes, 'The RSA modulus n, the product of two secret primes; its length in bits is the key size.', { base: 'hex' }),
  rsaExponent: field('pkcs1.publicExponent', 'publicExponent', FT.UInt32, 'The RSA public exponent e, almost always 65537.'),
  padding: field('ber.bitstring.padding', 'Padding', FT.UInt8, 'Unused bits at the end of a BIT STRING (always 0 for keys and signatures).'),
  signatureAlgorithm: field('x509af.algorithmIdentifier_element', 'algorithmIdentifier', FT.None, 'The algorithm of the issuer\'s signature over the certificate.'),
  encrypted: field('x509af.encrypted', 'encrypted', FT.Bytes, 'The issuer\'s signature over signedCertificate.'),
};

const oidNames: Record<string, string> = {
  '2.5.4.3': 'id-at-commonName', '2.5.4.4': 'id-at-surname', '2.5.4.5': 'id-at-serialNumber', '2.5.4.6': 'id-at-countryName',
  '2.5.4.7': 'id-at-localityName', '2.5.4.8': 'id-at-stateOrProvinceName', '2.5.4.9': 'id-at-streetAddress',
  '2.5.4.10': 'id-at-organizationName', '2.5.4.11': 'id-at-organizationalUnitName', '2.5.4.12': 'id-at-title',
  '2.5.4.41': 'id-at-name', '2.5.4.42': 'id-at-givenName', '1.2.840.113549.1.9.1': 'pkcs-9-at-emailAddress',
  '0.9.2342.19200300.100.1.25': 'dc',
  '1.2.840.113549.1.1.1': 'rsaEncryption', '1.2.840.113549.1.1.4': 'md5WithRSAEncryption', '1.2.840.113549.1.1.5': 'sha1WithRSAEncryption',
  '1.2.840.113549.1.1.10': 'id-RSASSA-PSS', '1.2.840.113549.1.1.11': 'sha256WithRSAEncryption',
  '1.2.840.113549.1.1.12': 'sha384WithRSAEncryption', '1.2.840.113549.1.1.13': 'sha512WithRSAEncryption',
  '1.2.840.10045.2.1': 'id-ecPublicKey', '1.2.840.10045.4.3.2': 'ecdsa-with-SHA256', '1.2.840.10045.4.3.3': 'ecdsa-with-SHA384',
  '1.2.840.10045.4.3.4': 'ecdsa-with-SHA512', '1.3.101.112': 'id-Ed25519', '1.3.101.113': 'id-Ed448',
  '2.5.29.14': 'id-ce-subjectKeyIdentifier', '2.5.29.15': 'id-ce-keyUsage', '2.5.29.17': 'id-ce-subjectAltName',
  '2.5.29.18': 'id-ce-issuerAltName', '2.5.29.19': 'id-ce-basicConstraints', '2.5.29.31': 'id-ce-cRLDistributionPoints',
  '2.5.29.32': 'id-ce-certificatePolicies', '2.5.29.35': 'id-ce-authorityKeyIdentifier', '2.5.29.37': 'id-ce-extKeyUsage',
  '1.3.6.1.5.5.7.1.1': 'id-pe-authorityInfoAccess', '1.3.6.1.4.1.11129.2.4.2': 'SignedCertificateTimestampList',
  '1.2.840.10045.3.1.7': 'secp256r1', '1.3.132.0.34': 'secp384r1', '1.3.132.0.35': 'secp521r1',
  '2.16.840.1.113730.1.1': 'ns_cert_exts.cert_type', '2.16.840.1.113730.1.13': 'ns_cert_exts.comment',
  '1.3.6.1.5.5.7.3.1': 'id-kp-serverAuth', '1.3.6.1.5.5.7.3.2': 'id-kp-clientAuth', '1.3.6.1.5.5.7.3.3': 'id-kp-codeSigning',
  '1.3.6.1.5.5.7.3.4': 'id-kp-emailProtection', '1.3.6.1.5.5.7.3.8': 'id-kp-timeStamping', '1.3.6.1.5.5.7.3.9': 'id-kp-OCSPSigning',
  '2.5.29.37.0': 'anyExtendedKeyUsage',
};

interface Tlv {
  tag: number;
  start: number;
  content: number;
  end: number;
}

/** One DER element at `pos`, or null when it does not fit before `limit` (malformed or cut). */
function readTlv(b: Buf, pos: number, limit: number): Tlv | null {
  const lim = Math.min(limit, b.length);
  if (pos + 2 > lim) return null;
  const tag = b.u8(pos);
  if ((tag & 0x1f) === 0x1f) return null;
  let len = b.u8(pos + 1);
  let p = pos + 2;
  if (len & 0x80) {
    const count = len & 0x7f;
    if (count === 0 || count > 4 || p + count > lim) return null;
    len = 0;
    for (let i = 0; i < count; i++) len = len * 256 + b.u8(p++);
  }
  if (p + len > lim) return null;
  return { tag, start: pos, content: p, end: p + len };
}

function decodeOid(b: Buf, t: Tlv): string {
  const parts: number[] = [];
  let v = 0;
  for (let i = t.content; i < t.end; i++) {
    const x = b.u8(i);
    v = v * 128 + (x & 0x7f);
    if (!(x & 0x80)) {
      if (parts.length === 0) parts.push(v < 80 ? Math.floor(v / 40) : 2, v < 80 ? v % 40 : v - 80);
      else parts.push(v);
      v = 0;
    }
  }
  return parts.join('.');
}

function oidLabel(oid: string): string {
  return oidNames[oid] ?? oid;
}

function addOid(b: Buf, t: Tlv, def: FieldDef, parent: Node): string {
  const oid = decodeOid(b, t);
  const n = parent.add(def, b, t.start, t.end - t.start, oid);
  if (oidNames[oid]) n.suffix = ` (${oidNames[oid]})`;
  return oid;
}

/** Reads a DER string of any of the usual types as text. */
function derString(b: Buf, t: Tlv): string {
  const len = t.end - t.content;
  if (t.tag === 0x0c) return b.utf8(t.content, len);
  if (t.tag === 0x1e) {
    let s = '';
    for (let i = t.content; i + 1 < t.end; i += 2) s += String.fromCharCode(b.u16(i));
    return s;
  }
  if (t.tag === 0x1c) {
    let s = '';
    for (let i = t.content; i + 3 < t.end; i += 4) s += String.fromCodePoint(Math.min(b.u32(i), 0x10ffff));
    return s;
  }
  return b.latin1(t.content, len);
}

/** Dissects a whole certificate under `node`; returns the subject summary ("id-at-commonName=…,…") or null. */
function dissectX509(der: Buf, node: Node, pkt: Packet): string | null {
  const cert = readTlv(der, 0, der.length);
  const tbs = cert && cert.tag === 0x30 ? readTlv(der, cert.content, cert.end) : null;
  if (!cert || !tbs || tbs.tag !== 0x30) return notDecoded(der, node, pkt);
  const tbsNode = node.add(x509.signedCertificate, der, tbs.start, tbs.end - tbs.start);
  let subject = '';
  let pos = tbs.content;
  let t = readTlv(der, pos, tbs.end);
  if (t && t.tag === 0xa0) {
    const v = readTlv(der, t.content, t.end);
    if (v && v.tag === 0x02 && v.end - v.content === 1) tbsNode.add(x509.version, der, v.start, v.end - v.start, der.u8(v.content));
    pos = t.end;
    t = readTlv(der, pos, tbs.end);
  }
  if (!t || t.tag !== 0x02) return notDecoded(der, node, pkt);
  const serial = tbsNode.add(x509.serialNumber, der, t.start, t.end - t.start, der.bytesAt(t.content, t.end - t.content));
  serial.text = `serialNumber: 0x${hexOf(der.bytesAt(t.content, t.end - t.content))}`;
  pos = t.end;
  // signature AlgorithmIdentifier
  t = readTlv(der, pos, tbs.end);
  if (!t || t.tag !== 0x30) return notDecoded(der, node, pkt);
  addAlgorithm(der, t, x509.signature, 'signature', tbsNode, pkt);
  pos = t.end;
  // issuer
  t = readTlv(der, pos, tbs.end);
  if (!t || t.tag !== 0x30) return notDecoded(der, node, pkt);
  const issuerNode = tbsNode.add(x509.issuer, der, t.start, t.end - t.start, 0);
  dissectRdnSequence(der, t, issuerNode, x509.rdnSequenceIf, pkt);
  pos = t.end;
  // validity
  t = readTlv(der, pos, tbs.end);
  if (!t || t.tag !== 0x30) return notDecoded(der, node, pkt);
  const validity = tbsNode.add(x509.validity, der, t.start, t.end - t.start);
  let vp = t.content;
  for (const def of [x509.notBefore, x509.notAfter]) {
    const time = readTlv(der, vp, t.end);
    if (!time) break;
    addTime(der, time, def, validity);
    vp = time.end;
  }
  pos = t.end;
  // subject
  t = readTlv(der, pos, tbs.end);
  if (!t || t.tag !== 0x30) return notDecoded(der, node, pkt);
  const subjectNode = tbsNode.add(x509.subject, der, t.start, t.end - t.start, 0);
  subject = dissectRdnSequence(der, t, subjectNode, x509.rdnSequenceAf, pkt);
  pos = t.end;
  // subjectPublicKeyInfo
  t = readTlv(der, pos, tbs.end);
  if (t && t.tag === 0x30) {
    const spki = tbsNode.add(x509.spki, der, t.start, t.end - t.start);
    const alg = readTlv(der, t.content, t.end);
    if (alg && alg.tag === 0x30) {
      const rsa = addAlgorithm(der, alg, x509.algorithm, 'algorithm', spki, pkt) === '1.2.840.113549.1.1.1';
      const key = readTlv(der, alg.end, t.end);
      if (key && key.tag === 0x03 && key.end > key.content) {
        // An RSA key is shown as its modulus and exponent (the BIT STRING's padding byte is not).
        if (!rsa) spki.add(x509.padding, der, key.content, 1, der.u8(key.content));
        const k = spki.add(x509.subjectPublicKey, der, key.content + 1, key.end - key.content - 1, der.bytesAt(key.content + 1, key.end - key.content - 1));
        if (rsa) addRsaPublicKey(der, key.content + 1, key.end, k);
      }
    }
    pos = t.end;
  }
  // optional issuerUniqueID [1], subjectUniqueID [2], extensions [3]
  for (let guard = 0; pos < tbs.end && guard < 4; guard++) {
    t = readTlv(der, pos, tbs.end);
    if (!t) break;
    if (t.tag === 0xa3) dissectX509Extensions(der, t, tbsNode, pkt);
    pos = t.end;
  }
  // signatureAlgorithm, signatureValue
  const sigAlg = readTlv(der, tbs.end, cert.end);
  if (sigAlg && sigAlg.tag === 0x30) {
    addAlgorithm(der, sigAlg, x509.signatureAlgorithm, 'algorithmIdentifier', node, pkt);
    const sig = readTlv(der, sigAlg.end, cert.end);
    if (sig && sig.tag === 0x03 && sig.end > sig.content) node.add(x509.padding, der, sig.content, 1, der.u8(sig.content));
    if (sig && sig.tag === 0x03 && sig.end > sig.content) node.add(x509.encrypted, der, sig.content + 1, sig.end - sig.content - 1, der.bytesAt(sig.content + 1, sig.end - sig.content - 1));
  }
  return subject;
}

function notDecoded(der: Buf, node: Node, pkt: Packet): null {
  const n = node.add(hf.certParse, der, 0, der.length);
  pkt.addExpert(n, Severity.Warning, 'Malformed', 'Certificate is not valid DER X.509', 'tls');
  return null;
}

/**
 * Adds an AlgorithmIdentifier; returns its OID ('' when there is none). Like the certificate's
 * names and extensions, parameters read by a protocol of their own (PKCS #1's elliptic-curve
 * parameters) add that protocol to frame.protocols, as in Wireshark.
 */
function addAlgorithm(der: Buf, seq: Tlv, def: FieldDef, label: string, parent: Node, pkt: Packet): string {
  const n = parent.add(def, der, seq.start, seq.end - seq.start);
  const oidTlv = readTlv(der, seq.content, seq.end);
  if (!oidTlv || oidTlv.tag !== 0x06) return '';
  const oid = addOid(der, oidTlv, x509.algorithmId, n);
  n.text = `${label} (${oidLabel(oid)})`;
  const params = readTlv(der, oidTlv.end, seq.end);
  if (oid === '1.2.840.10045.2.1' && params && params.tag === 0x06) {
    pkt.addNestedProtocolName('pkcs-1');
    const p = n.add(x509.ecParameters, der, params.start, params.end - params.start, 1);
    addOid(der, params, x509.namedCurve, p);
  }
  return oid;
}

/** An RSA public key (RFC 8017 A.1.1): SEQUENCE { modulus INTEGER, publicExponent INTEGER }. */
function addRsaPublicKey(der: Buf, start: number, end: number, key: Node): void {
  const seq = readTlv(der, start, end);
  if (!seq || seq.tag !== 0x30) return;
  const n = readTlv(der, seq.content, seq.end);
  if (!n || n.tag !== 0x02) return;
  key.add(x509.rsaModulus, der, n.content, n.end - n.content, der.bytesAt(n.content, n.end - n.content));
  const e = readTlv(der, n.end, seq.end);
  if (!e || e.tag !== 0x02 || e.end - e.content > 4) return;
  let exponent = 0;
  for (let i = e.content; i < e.end; i++) exponent = exponent * 256 + der.u8(i);
  key.add(x509.rsaExponent, der, e.content, e.end - e.content, exponent);
}

/** Shows a Name; returns its summary with the most specific part first, as tshark prints it. */
function dissectRdnSequence(der: Buf, seq: Tlv, parent: Node, seqField: FieldDef | null, pkt: Packet): string {
  const parts: string[] = [];
  // A CertificateRequest's distinguished names list their items directly under the name.
  const seqNode = seqField ? parent.add(seqField, der, seq.start, seq.end - seq.start, 0) : parent;
  let pos = seq.content;
  for (let guard = 0; pos < seq.end && guard < 64; guard++) {
    const set = readTlv(der, pos, seq.end);
    if (!set || set.tag !== 0x31) break;
    const itemParts: string[] = [];
    const item = seqNode.add(x509.rdnItem, der, set.start, set.end - set.start, 0);
    let ap = set.content;
    let count = 0;
    for (let g2 = 0; ap < set.end && g2 < 16; g2++) {
      const atv = readTlv(der, ap, set.end);
      if (!atv || atv.tag !== 0x30) break;
      const oidTlv = readTlv(der, atv.content, atv.end);
      const valTlv = oidTlv ? readTlv(der, oidTlv.end, atv.end) : null;
      if (!oidTlv || oidTlv.tag !== 0x06 || !valTlv) break;
      const attr = item.add(x509.rdnAttribute, der, atv.start, atv.end - atv.start);
      const oid = addOid(der, oidTlv, x509.oid, attr);
      const value = derString(der, valTlv);
      pkt.addNestedProtocolName('x509sat');
      addAttributeValue(der, valTlv, oid, value, attr);
      const text = `${oidLabel(oid)}=${value}`;
      attr.text = `RelativeDistinguishedName item (${text})`;
      itemParts.push(text);
      count++;
      ap = atv.end;
    }
    if (item.real) {
      item.value = count;
      item.text = `RDNSequence item: ${plural(count, 'item', 'items')} (${itemParts.join(',')})`;
    }
    parts.push(...itemParts);
    pos = set.end;
  }
  const summary = [...parts].reverse().join(',');
  if (seqField && seqNode.real) {
    seqNode.value = parts.length;
    seqNode.text = `rdnSequence: ${plural(parts.length, 'item', 'items')} (${summary})`;
  }
  return summary;
}

function addAttributeValue(der: Buf, v: Tlv, oid: string, value: string, attr: Node): void {
  const len = v.end - v.start;
  if (oid === '2.5.4.6') {
    attr.add(x509.countryName, der, v.start, len, value);
    return;
  }
  if (v.tag === 0x16) {
    attr.add(x509.ia5String, der, v.start, len, value);
    return;
  }
  const choices: Record<number, [number, FieldDef]> = {
    0x14: [0, x509.teletexString], 0x13: [1, x509.printableString], 0x1c: [2, x509.universalString],
    0x1e: [3, x509.bmpString], 0x0c: [4, x509.utf8String],
  };
  const c = choices[v.tag];
  if (!c) {
    attr.add(x509.printableString, der, v.start, len, value);
    return;
  }
  const ds = attr.add(x509.directoryString, der, v.start, len, c[0]);
  ds.add(c[1], der, v.start, len, value);
}

/** AuthorityKeyIdentifier's [1] authorityCertIssuer: GeneralNames, of which directory names are shown. */
function addAuthorityCertIssuer(der: Buf, names: Tlv, aki: Node, pkt: Packet): void {
  const list = aki.add(x509.authorityCertIssuer, der, names.start, names.end - names.start, 0);
  let count = 0;
  for (let pos = names.content, guard = 0; pos < names.end && guard < 16; guard++) {
    const gn = readTlv(der, pos, names.end);
    if (!gn) break;
    const g = list.add(x509.generalName, der, gn.start, gn.end - gn.start, gn.tag & 0x1f);
    const name = gn.tag === 0xa4 ? readTlv(der, gn.content, gn.end) : null;
    if (name && name.tag === 0x30) {
      const dn = g.add(x509.directoryName, der, name.start, name.end - name.start, 0);
      dissectRdnSequence(der, name, dn, x509.rdnSequenceIf, pkt);
    }
    count++;
    pos = gn.end;
  }
  if (list.real) {
    list.value = count;
    list.text = `authorityCertIssuer: ${plural(count, 'item', 'items')}`;
  }
}

function addTime(der: Buf, t: Tlv, def: FieldDef, parent: Node): void {
  const text = der.latin1(t.content, t.end - t.content);
  const n = parent.add(def, der, t.start, t.end - t.start, t.tag === 0x18 ? 1 : 0);
  if (t.tag === 0x17) {
    const m = /^(\d\d)(\d\d)(\d\d)(\d\d)(\d\d)(\d\d)Z$/.exec(text);
    const shown = m ? `${Number(m[1]) < 50 ? '20' : '19'}${m[1]}-${m[2]}-${m[3]} ${m[4]}:${m[5]}:${m[6]} (UTC)` : text;
    n.add(x509.utcTime, der, t.content, t.end - t.content, shown);
  } else if (t.tag === 0x18) {
    const m = /^(\d{4})(\d\d)(\d\d)(\d\d)(\d\d)(\d\d)Z$/.exec(text);
    if (m) {
      const secs = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6])) / 1000;
      n.add(x509.generalizedTime, der, t.content, t.end - t.content, [secs, 0]);
    }
  }
}

function dissectX509Extensions(der: Buf, wrapper: Tlv, parent: Node, pkt: Packet): void {
  const seq = readTlv(der, wrapper.content, wrapper.end);
  if (!seq || seq.tag !== 0x30) return;
  const list = parent.add(x509.extensions, der, seq.start, seq.end - seq.start, 0);
  let count = 0;
  let pos = seq.content;
  for (let guard = 0; pos < seq.end && guard < 64; guard++) {
    const ext = readTlv(der, pos, seq.end);
    if (!ext || ext.tag !== 0x30) break;
    const e = list.add(x509.extension, der, ext.start, ext.end - ext.start);
    const oidTlv = readTlv(der, ext.content, ext.end);
    if (oidTlv && oidTlv.tag === 0x06) {
      const oid = addOid(der, oidTlv, x509.extensionId, e);
      e.text = `Extension (${oidLabel(oid)})`;
      let next = readTlv(der, oidTlv.end, ext.end);
      if (next && next.tag === 0x01) {
        e.add(x509.critical, der, next.start, next.end - next.start, next.end > next.content && der.u8(next.content) !== 0);
        next = readTlv(der, next.end, ext.end);
      }
      if (next && next.tag === 0x04) {
        // Certificate extensions (id-ce, 2.5.29) and Netscape's are protocols of their own in Wireshark.
        if (oid.startsWith('2.5.29.')) pkt.addNestedProtocolName('x509ce');
        else if (oid.startsWith('2.16.840.1.113730.1.')) pkt.addNestedProtocolName('ns_cert_exts');
        dissectExtensionValue(der, oid, next, e, pkt);
      }
    }
    count++;
    pos = ext.end;
  }
  if (list.real) {
    list.value = count;
    list.text = `extensions: ${plural(count, 'item', 'items')}`;
  }
}

/** A named-bit BIT STRING (RFC 5280 KeyUsage, Netscape CertType): padding byte, the bits, one line per name. */
const keyUsageBits = ['digitalSignature', 'contentCommitment', 'keyEncipherment', 'dataEncipherment', 'keyAgreement', 'keyCertSign', 'cRLSign', 'encipherOnly', 'decipherOnly']
  .map((name, i) => field(`x509ce.KeyUsage.${name}`, name, FT.Bool, `KeyUsage bit ${i}: the key may be used for ${name}.`, { bitmask: 0x80 >> (i % 8), bitWidth: 8, trueFalse: ['True', 'False'] }));
const nsCertTypeBits = [['ssl.client', 'ssl-client'], ['ssl.server', 'ssl-server'], ['smime', 'smime'], ['object.signing', 'object-signing'],
  ['reserved.for.future.use', 'reserved-for-future-use'], ['ssl.ca', 'ssl-ca'], ['smime.ca', 'smime-ca'], ['object.signing.ca', 'object-signing-ca']]
  .map(([abbrev, name], i) => field(`ns.cert.exts.CertType.${abbrev}`, name!, FT.Bool, `Netscape CertType bit ${i}: the certificate is for ${name}.`, { bitmask: 0x80 >> i, bitWidth: 8, trueFalse: ['True', 'False'] }));

function addNamedBits(der: Buf, bits: Tlv, def: FieldDef, names: FieldDef[], e: Node): void {
  if (bits.tag !== 0x03 || bits.end <= bits.content) return;
  e.add(x509.padding, der, bits.content, 1, der.u8(bits.content));
  const first = bits.content + 1;
  const n = e.add(def, der, first, bits.end - first, der.bytesAt(first, bits.end - first));
  names.forEach((bit, i) => {
    const at = first + (i >> 3);
    const byte = at < bits.end ? der.u8(at) : 0;
    n.add(bit, der, Math.min(at, bits.end - 1), 1, byte & (0x80 >> (i % 8)) ? 1 : 0);
  });
}

function dissectExtensionValue(der: Buf, oid: string, octets: Tlv, e: Node, pkt: Packet): void {
  const inner = readTlv(der, octets.content, octets.end);
  if (oid === '2.5.29.15' && inner) {
    addNamedBits(der, inner, x509.keyUsage, keyUsageBits, e);
    return;
  }
  if (oid === '2.16.840.1.113730.1.1' && inner) {
    addNamedBits(der, inner, x509.nsCertType, nsCertTypeBits, e);
    return;
  }
  if (oid === '2.16.840.1.113730.1.13' && inner && inner.tag === 0x16) {
    e.add(x509.nsComment, der, inner.content, inner.end - inner.content, der.latin1(inner.content, inner.end - inner.content));
    return;
  }
  if (oid === '2.5.29.37' && inner && inner.tag === 0x30) {
    const list = e.add(x509.keyPurposeIds, der, inner.start, inner.end - inner.start, 0);
    let count = 0;
    for (let pos = inner.content, guard = 0; pos < inner.end && guard < 64; guard++) {
      const id = readTlv(der, pos, inner.end);
      if (!id || id.tag !== 0x06) break;
      addOid(der, id, x509.keyPurposeId, list);
      count++;
      pos = id.end;
    }
    if (list.real) {
      list.value = count;
      list.text = `KeyPurposeIDs: ${plural(count, 'item', 'items')}`;
    }
    return;
  }
  if (oid === '2.5.29.17' && inner && inner.tag === 0x30) {
    // subjectAltName: GeneralNames, of which dNSName [2] and iPAddress [7] matter most.
    const names = e.add(x509.generalNames, der, inner.start, inner.end - inner.start, 0);
    let count = 0;
    let pos = inner.content;
    for (let guard = 0; pos < inner.end && guard < 256; guard++) {
      const gn = readTlv(der, pos, inner.end);
      if (!gn) break;
      const choice = gn.tag & 0x1f;
      const g = names.add(x509.generalName, der, gn.start, gn.end - gn.start, choice);
      if (gn.tag === 0x82) g.add(x509.dnsName, der, gn.content, gn.end - gn.content, der.latin1(gn.content, gn.end - gn.content));
      else if (gn.tag === 0x87) g.add(x509.ipAddress, der, gn.content, gn.end - gn.content, der.bytesAt(gn.content, gn.end - gn.content));
      count++;
      pos = gn.end;
    }
    if (names.real) {
      names.value = count;
      names.text = `GeneralNames: ${plural(count, 'item', 'items')}`;
    }
    return;
  }
  if (oid === '2.5.29.14' && inner && inner.tag === 0x04) {
    e.add(x509.subjectKeyIdentifier, der, inner.content, inner.end - inner.content, der.bytesAt(inner.content, inner.end - inner.content));
    return;
  }
  if (oid === '2.5.29.35' && inner && inner.tag === 0x30) {
    const aki = e.add(x509.authorityKeyIdentifier, der, inner.start, inner.end - inner.start);
    for (let pos = inner.content, guard = 0; pos < inner.end && guard < 3; guard++) {
      const t = readTlv(der, pos, inner.end);
      if (!t) break;
      if (t.tag === 0x80) aki.add(x509.keyIdentifier, der, t.content, t.end - t.content, der.bytesAt(t.content, t.end - t.content));
      else if (t.tag === 0xa1) addAuthorityCertIssuer(der, t, aki, pkt);
      else if (t.tag === 0x82) aki.add(x509.authorityCertSerialNumber, der, t.content, t.end - t.content, der.bytesAt(t.content, t.end - t.content));
      pos = t.end;
    }
    return;
  }
  if (oid === '2.5.29.19' && inner && inner.tag === 0x30) {
    const bc = e.add(x509.basicConstraints, der, inner.start, inner.end - inner.start);
    // An empty SEQUENCE: both fields at their defaults (not a CA).
    if (inner.end === inner.content) {
      if (bc.real) bc.text = 'BasicConstraintsSyntax [0 length]';
      return;
    }
    let t = readTlv(der, inner.content, inner.end);
    if (t && t.tag === 0x01) {
      bc.add(x509.cA, der, t.start, t.end - t.start, t.end > t.content && der.u8(t.content) !== 0);
      t = readTlv(der, t.end, inner.end);
    }
    if (t && t.tag === 0x02 && t.end - t.content <= 4) {
      let v = 0;
      for (let i = t.content; i < t.end; i++) v = v * 256 + der.u8(i);
      bc.add(x509.pathLenConstraint, der, t.content, t.end - t.content, v);
    }
    return;
  }
  e.add(x509.extensionValue, der, octets.content, octets.end - octets.content, der.bytesAt(octets.content, octets.end - octets.content));
}

// ---------------------------------------------------------------------------------------------

/**
 * TLS on a port no table names: the segment must begin with a handshake record holding a ClientHello
 * or ServerHello with a sane version and lengths.
 */
function heuristicTls(buf: Buf, pkt: Packet, parent: Node, data?: unknown): boolean {
  if (buf.length < 11) return false;
  if (buf.u8(0) !== 22 || buf.u8(1) !== 3 || buf.u8(2) > 4) return false;
  const recordLength = buf.u16(3);
  if (recordLength < 42 || recordLength > MAX_RECORD) return false;
  const hsType = buf.u8(5);
  if (hsType !== 1 && hsType !== 2) return false;
  const hsLength = buf.u24(6);
  if (hsLength < 38 || hsLength > MAX_HANDSHAKE_REASSEMBLY) return false;
  if (buf.u8(9) !== 3 || buf.u8(10) > 4) return false;
  dissectTls(buf, pkt, parent, data);
  return true;
}

export const tls = protocol('tls', 'Transport Layer Security', 'TLS',
  'Encrypts and authenticates a byte stream: a handshake agrees on keys and checks certificates, then records carry the protected data.',
  dissectTls);

/**
 * What the application data on a port is (443 → HTTP): only named in the record label and
 * tls.app_data_proto, since the bytes cannot be decrypted here.
 */
export const appPorts = table('tls.port', 'TLS application data by TCP port (names the encrypted protocol)');

/** What the application data is by the ALPN protocol the server chose ("http/1.1" → HTTP). */
export const alpnProtocols = table('tls.alpn', 'TLS application data by ALPN protocol name');

export function register(): void {
  const tcp = table('tcp.port');
  tcp.add(443, tls);
  tcp.addHeuristic(tls, heuristicTls);
}
