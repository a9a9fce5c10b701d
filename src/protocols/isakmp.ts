/**
 * ISAKMP / IKE — how IPsec peers agree on keys: IKEv1 (RFC 2408/2409) and IKEv2 (RFC 7296), on UDP
 * port 500, and on port 4500 after the non-ESP marker once NAT traversal is in use.
 *
 *   0                   1                   2                   3
 *  +---------------------------------------------------------------+
 *  |                    Initiator's SPI (8 bytes)                  |
 *  |                    Responder's SPI (8 bytes, 0 at first)      |
 *  +---------------+---------------+---------------+---------------+
 *  | next payload  | MjVer | MnVer | exchange type |     flags     |
 *  +---------------+---------------+---------------+---------------+
 *  |                          Message ID                           |
 *  |                     Length (whole message)                    |
 *  +---------------------------------------------------------------+
 *  | payloads: each "next payload | C | reserved | length", then its body, chained by type
 *
 * IKEv2 runs in exchanges of a request and a response: IKE_SA_INIT agrees on algorithms (the SA
 * payload's proposals and transforms), swaps Diffie-Hellman values (KE) and nonces, and detects NAT
 * (the NAT_DETECTION notifies); everything after travels in an Encrypted and Authenticated (SK)
 * payload — IKE_AUTH's identities, authentication and traffic selectors, INFORMATIONAL's deletes.
 * vpnscope remembers the algorithms the responder chose for each IKE SA, so it can split an SK
 * payload into its IV, ciphertext and integrity checksum at the sizes those algorithms use.
 */
import { FT, field, valueName, type FieldDef } from '../engine/fields.js';
import { protocol, table } from '../engine/dispatch.js';
import type { Buf } from '../engine/buf.js';
import type { Packet } from '../engine/packet.js';
import { Severity, type Node } from '../engine/tree.js';
import { bytesToHex, escapeText } from '../engine/format.js';

const exchangeNames: Record<number, string> = {
  0: 'NONE', 1: 'Base', 2: 'Identity Protection (Main Mode)', 3: 'Authentication Only', 4: 'Aggressive', 5: 'Informational',
  6: 'Transaction (Config Mode)', 32: 'Quick Mode', 33: 'New Group Mode', 34: 'IKE_SA_INIT', 35: 'IKE_AUTH',
  36: 'CREATE_CHILD_SA', 37: 'INFORMATIONAL', 38: 'IKE_SESSION_RESUME',
};

/** Payload types: IKEv1's below 33 (and the NAT-T drafts' 130/131), IKEv2's from 33. */
const payloadNames: Record<number, string> = {
  0: 'NONE / No Next Payload ', 1: 'Security Association', 2: 'Proposal', 3: 'Transform', 4: 'Key Exchange', 5: 'Identification',
  6: 'Certificate', 7: 'Certificate Request', 8: 'Hash', 9: 'Signature', 10: 'Nonce', 11: 'Notification', 12: 'Delete',
  13: 'Vendor ID', 14: 'Attributes', 20: 'NAT-D (RFC 3947)', 21: 'NAT-OA (RFC 3947)',
  33: 'Security Association', 34: 'Key Exchange', 35: 'Identification - Initiator', 36: 'Identification - Responder',
  37: 'Certificate', 38: 'Certificate Request', 39: 'Authentication', 40: 'Nonce', 41: 'Notify', 42: 'Delete', 43: 'Vendor ID',
  44: 'Traffic Selector - Initiator', 45: 'Traffic Selector - Responder', 46: 'Encrypted and Authenticated', 47: 'Configuration',
  48: 'Extensible Authentication', 53: 'Encrypted and Authenticated Fragment',
  130: 'NAT-D (draft-ietf-ipsec-nat-t-ike-01 to 03)', 131: 'NAT-OA (draft-ietf-ipsec-nat-t-ike-01 to 04)',
};

const v2ProtocolIds: Record<number, string> = { 0: 'RESERVED', 1: 'IKE', 2: 'AH', 3: 'ESP', 4: 'FC_ESP_HEADER', 5: 'FC_CT_AUTHENTICATION' };
const v1ProtocolIds: Record<number, string> = { 0: 'RESERVED', 1: 'ISAKMP', 2: 'IPSEC_AH', 3: 'IPSEC_ESP', 4: 'IPCOMP', 5: 'GIGABEAM_RADIO' };

const transformTypeNames: Record<number, string> = {
  1: 'Encryption Algorithm (ENCR)', 2: 'Pseudo-random Function (PRF)', 3: 'Integrity Algorithm (INTEG)', 4: 'Diffie-Hellman Group (D-H)', 5: 'Extended Sequence Numbers (ESN)',
};

const encrNames: Record<number, string> = {
  0: 'RESERVED', 1: 'ENCR_DES_IV64', 2: 'ENCR_DES', 3: 'ENCR_3DES', 4: 'ENCR_RC5', 5: 'ENCR_IDEA', 6: 'ENCR_CAST', 7: 'ENCR_BLOWFISH',
  8: 'ENCR_3IDEA', 9: 'ENCR_DES_IV32', 10: 'RESERVED', 11: 'ENCR_NULL', 12: 'ENCR_AES_CBC', 13: 'ENCR_AES_CTR', 14: 'ENCR_AES-CCM_8',
  15: 'ENCR-AES-CCM_12', 16: 'ENCR-AES-CCM_16', 17: 'UNASSIGNED', 18: 'AES-GCM with a 8 octet ICV', 19: 'AES-GCM with a 12 octet ICV',
  20: 'AES-GCM with a 16 octet ICV', 21: 'ENCR_NULL_AUTH_AES_GMAC', 22: 'Reserved for IEEE P1619 XTS-AES', 23: 'ENCR_CAMELLIA_CBC',
  24: 'ENCR_CAMELLIA_CTR', 25: 'ENCR_CAMELLIA_CCM with an 8-octet ICV', 26: 'ENCR_CAMELLIA_CCM with a 12-octet ICV',
  27: 'ENCR_CAMELLIA_CCM with a 16-octet ICV', 28: 'ENCR_CHACHA20_POLY1305',
};
const prfNames: Record<number, string> = {
  0: 'RESERVED', 1: 'PRF_HMAC_MD5', 2: 'PRF_HMAC_SHA1', 3: 'PRF_HMAC_TIGER', 4: 'PRF_AES128_CBC', 5: 'PRF_HMAC_SHA2_256', 6: 'PRF_HMAC_SHA2_384',
  7: 'PRF_HMAC_SHA2_512', 8: 'PRF_AES128_CMAC6',
};
const integNames: Record<number, string> = {
  0: 'NONE', 1: 'AUTH_HMAC_MD5_96', 2: 'AUTH_HMAC_SHA1_96', 3: 'AUTH_DES_MAC', 4: 'AUTH_KPDK_MD5', 5: 'AUTH_AES_XCBC_96', 6: 'AUTH_HMAC_MD5_128',
  7: 'AUTH_HMAC_SHA1_160', 8: 'AUTH_AES_CMAC_96', 9: 'AUTH_AES_128_GMAC', 10: 'AUTH_AES_192_GMAC', 11: 'AUTH_AES_256_GMAC',
  12: 'AUTH_HMAC_SHA2_256_128', 13: 'AUTH_HMAC_SHA2_384_192', 14: 'AUTH_HMAC_SHA2_512_256',
};
const dhNames: Record<number, string> = {
  0: 'UNDEFINED - 0', 1: 'Default 768-bit MODP group', 2: 'Alternate 1024-bit MODP group', 5: '1536 bit MODP group', 14: '2048 bit MODP group',
  15: '3072 bit MODP group', 16: '4096 bit MODP group', 17: '6144 bit MODP group', 18: '8192 bit MODP group', 19: '256-bit random ECP group',
  20: '384-bit random ECP group', 21: '521-bit random ECP group', 22: '1024-bit MODP Group with 160-bit Prime Order Subgroup',
  23: '2048-bit MODP Group with 224-bit Prime Order Subgroup', 24: '2048-bit MODP Group with 256-bit Prime Order Subgroup',
  25: '192-bit Random ECP Group', 26: '224-bit Random ECP Group', 27: '224-bit Brainpool ECP group', 28: '256-bit Brainpool ECP group',
  29: '384-bit Brainpool ECP group', 30: '512-bit Brainpool ECP group', 31: 'Curve25519', 32: 'Curve448',
};
const esnNames: Record<number, string> = { 0: 'No Extended Sequence Numbers', 1: 'Extended Sequence Numbers' };

/** IKEv2 notify message types (IANA "IKEv2 Notify Message Types"). */
const notifyNames: Record<number, string> = {
  1: 'UNSUPPORTED_CRITICAL_PAYLOAD', 4: 'INVALID_IKE_SPI', 5: 'INVALID_MAJOR_VERSION', 7: 'INVALID_SYNTAX', 9: 'INVALID_MESSAGE_ID',
  11: 'INVALID_SPI', 14: 'NO_PROPOSAL_CHOSEN', 17: 'INVALID_KE_PAYLOAD', 24: 'AUTHENTICATION_FAILED', 34: 'SINGLE_PAIR_REQUIRED',
  35: 'NO_ADDITIONAL_SAS', 36: 'INTERNAL_ADDRESS_FAILURE', 37: 'FAILED_CP_REQUIRED', 38: 'TS_UNACCEPTABLE', 39: 'INVALID_SELECTORS',
  40: 'UNACCEPTABLE_ADDRESSES', 41: 'UNEXPECTED_NAT_DETECTED', 42: 'USE_ASSIGNED_HoA', 43: 'TEMPORARY_FAILURE', 44: 'CHILD_SA_NOT_FOUND',
  16384: 'INITIAL_CONTACT', 16385: 'SET_WINDOW_SIZE', 16386: 'ADDITIONAL_TS_POSSIBLE', 16387: 'IPCOMP_SUPPORTED',
  16388: 'NAT_DETECTION_SOURCE_IP', 16389: 'NAT_DETECTION_DESTINATION_IP', 16390: 'COOKIE', 16391: 'USE_TRANSPORT_MODE',
  16392: 'HTTP_CERT_LOOKUP_SUPPORTED', 16393: 'REKEY_SA', 16394: 'ESP_TFC_PADDING_NOT_SUPPORTED', 16395: 'NON_FIRST_FRAGMENTS_ALSO',
  16396: 'MOBIKE_SUPPORTED', 16397: 'ADDITIONAL_IP4_ADDRESS', 16398: 'ADDITIONAL_IP6_ADDRESS', 16399: 'NO_ADDITIONAL_ADDRESSES',
  16400: 'UPDATE_SA_ADDRESSES', 16401: 'COOKIE2', 16402: 'NO_NATS_ALLOWED', 16403: 'AUTH_LIFETIME', 16404: 'MULTIPLE_AUTH_SUPPORTED',
  16405: 'ANOTHER_AUTH_FOLLOWS', 16406: 'REDIRECT_SUPPORTED', 16407: 'REDIRECT', 16408: 'REDIRECTED_FROM', 16409: 'TICKET_LT_OPAQUE',
  16410: 'TICKET_REQUEST', 16411: 'TICKET_ACK', 16412: 'TICKET_NACK', 16413: 'TICKET_OPAQUE', 16414: 'LINK_ID', 16415: 'USE_WESP_MODE',
  16416: 'ROHC_SUPPORTED', 16417: 'EAP_ONLY_AUTHENTICATION', 16418: 'CHILDLESS_IKEV2_SUPPORTED', 16419: 'QUICK_CRASH_DETECTION',
  16420: 'IKEV2_MESSAGE_ID_SYNC_SUPPORTED', 16421: 'IPSEC_REPLAY_COUNTER_SYNC_SUPPORTED', 16422: 'IKEV2_MESSAGE_ID_SYNC',
  16423: 'IPSEC_REPLAY_COUNTER_SYNC', 16424: 'SECURE_PASSWORD_METHODS', 16425: 'PSK_PERSIST', 16426: 'PSK_CONFIRM',
  16427: 'ERX_SUPPORTED', 16428: 'IFOM_CAPABILITY', 16429: 'SENDER_REQUEST_ID', 16430: 'IKEV2_FRAGMENTATION_SUPPORTED',
  16431: 'SIGNATURE_HASH_ALGORITHMS', 16432: 'CLONE_IKE_SA_SUPPORTED', 16433: 'CLONE_IKE_SA', 16434: 'PUZZLE',
  16435: 'USE_PPK', 16436: 'PPK_IDENTITY', 16437: 'NO_PPK_AUTH', 16438: 'INTERMEDIATE_EXCHANGE_SUPPORTED',
};

/** IKEv1 (phase 1) attribute types, RFC 2409 appendix A. */
const v1AttributeNames: Record<number, string> = {
  1: 'Encryption-Algorithm', 2: 'Hash-Algorithm', 3: 'Authentication-Method', 4: 'Group-Description', 5: 'Group-Type', 6: 'Group-Prime',
  11: 'Life-Type', 12: 'Life-Duration', 13: 'PRF', 14: 'Key-Length', 15: 'Field-Size', 16: 'Group-Order',
};

const v1EncryptionNames: Record<number, string> = {
  1: 'DES-CBC', 2: 'IDEA-CBC', 3: 'Blowfish-CBC', 4: 'RC5-R16-B64-CBC', 5: '3DES-CBC', 6: 'CAST-CBC', 7: 'AES-CBC', 8: 'CAMELLIA-CBC',
};
const v1HashNames: Record<number, string> = { 1: 'MD5', 2: 'SHA', 3: 'Tiger', 4: 'SHA2-256', 5: 'SHA2-384', 6: 'SHA2-512' };
const v1AuthNames: Record<number, string> = {
  1: 'Pre-shared key', 2: 'DSS signatures', 3: 'RSA signatures', 4: 'Encryption with RSA', 5: 'Revised encryption with RSA',
  9: 'ECDSA with SHA-256 on the P-256 curve', 10: 'ECDSA with SHA-384 on the P-384 curve', 11: 'ECDSA with SHA-512 on the P-521 curve',
  65001: 'XAUTHInitPreShared', 65002: 'XAUTHRespPreShared', 65003: 'XAUTHInitDSS', 65004: 'XAUTHRespDSS', 65005: 'XAUTHInitRSA',
  65006: 'XAUTHRespRSA', 65007: 'XAUTHInitRSAEncryption', 65008: 'XAUTHRespRSAEncryption',
};

/** Vendor IDs seen in the wild (each a hash of a name), with tshark's names for them. */
const vendorIds = new Map<string, string>([
  ['4a131c81070358455c5728f20e95452f', 'RFC 3947 Negotiation of NAT-Traversal in the IKE'],
  ['439b59f8ba676c4c7737ae22eab8f582', 'draft-ietf-ipsec-nat-t-ike-07'],
  ['7d9419a65310ca6f2c179d9215529d56', 'draft-ietf-ipsec-nat-t-ike-03'],
  ['90cb80913ebb696e086381b5ec427b1f', 'draft-ietf-ipsec-nat-t-ike-02\n'],
  ['cd60464335df21f87cfdb2fc68b6a448', 'draft-ietf-ipsec-nat-t-ike-02'],
  ['4485152d18b6bbcd0be8a8469579ddcc', 'draft-ietf-ipsec-nat-t-ike-00'],
  ['afcad71368a1f1c96b8696fc77570100', 'RFC 3706 DPD (Dead Peer Detection)'],
  ['12f5f28c457168a9702d9fe274cc0100', 'CISCO-UNITY'],
  ['09002689dfd6b712', 'XAUTH'],
]);

const hashAlgorithmNames: Record<number, string> = { 0: 'Reserved', 1: 'SHA1', 2: 'SHA2-256', 3: 'SHA2-384', 4: 'SHA2-512', 5: 'Identity' };

const hf = {
  ispi: field('isakmp.ispi', 'Initiator SPI', FT.Bytes, 'The 8 bytes the initiator picked to name this IKE security association.'),
  rspi: field('isakmp.rspi', 'Responder SPI', FT.Bytes, 'The 8 bytes the responder picked; all zeros in the very first message, before it has answered.'),
  nextPayload: field('isakmp.nextpayload', 'Next payload', FT.UInt8, 'The type of the payload that follows (in the header: the first payload); 0 ends the chain.', { values: payloadNames }),
  version: field('isakmp.version', 'Version', FT.UInt8, 'Major and minor version in one byte: 0x10 is IKEv1 (ISAKMP), 0x20 is IKEv2.', { base: 'hex' }),
  mjver: field('isakmp.mjver', 'MjVer', FT.UInt8, 'The major version: 1 for IKEv1, 2 for IKEv2.', { base: 'hex', bitmask: 0xf0 }),
  mnver: field('isakmp.mnver', 'MnVer', FT.UInt8, 'The minor version, 0.', { base: 'hex', bitmask: 0x0f }),
  exchangeType: field('isakmp.exchangetype', 'Exchange type', FT.UInt8, 'Which exchange this message belongs to: IKE_SA_INIT and IKE_AUTH set a VPN up, CREATE_CHILD_SA rekeys, INFORMATIONAL deletes and reports.', { values: exchangeNames }),
  flags: field('isakmp.flags', 'Flags', FT.UInt8, 'IKEv2: who sent the message (original initiator or responder) and whether it is a request or a response. IKEv1: encryption, commit and authentication-only bits.', { base: 'hex' }),
  flagI: field('isakmp.flag_i', 'Initiator', FT.Bool, 'Set in messages from the peer that started this IKE SA (the original initiator).', { bitmask: 0x08, bitWidth: 8, trueFalse: ['Initiator', 'Responder'] }),
  flagV: field('isakmp.flag_v', 'Version', FT.Bool, 'Set when the sender could speak a higher major version than the one used.', { bitmask: 0x10, bitWidth: 8, trueFalse: ['A higher version enabled', 'No higher version'] }),
  flagR: field('isakmp.flag_r', 'Response', FT.Bool, 'Set in a response; clear in a request (every IKEv2 exchange is a request and its response).', { bitmask: 0x20, bitWidth: 8, trueFalse: ['Response', 'Request'] }),
  flagE: field('isakmp.flag_e', 'Encryption', FT.Bool, 'IKEv1: the payloads after the header are encrypted.', { bitmask: 0x01, bitWidth: 8, trueFalse: ['Encrypted', 'Not encrypted'] }),
  flagC: field('isakmp.flag_c', 'Commit', FT.Bool, 'IKEv1: the sender wants to be told when the exchange is complete.', { bitmask: 0x02, bitWidth: 8, trueFalse: ['Commit', 'No commit'] }),
  flagA: field('isakmp.flag_a', 'Authentication', FT.Bool, 'IKEv1: the message is authenticated but not encrypted.', { bitmask: 0x04, bitWidth: 8, trueFalse: ['Authentication', 'No authentication'] }),
  messageId: field('isakmp.messageid', 'Message ID', FT.UInt32, 'Numbers the exchanges of an IKE SA (IKEv2: 0 for IKE_SA_INIT, then 1, 2 …); a response repeats its request\'s.', { base: 'hex' }),
  length: field('isakmp.length', 'Length', FT.UInt32, 'The length of the whole message, header included, in bytes.'),
  payload: field('isakmp.typepayload', 'Payload', FT.UInt8, 'One payload of the message; its type says what its body holds.', { values: payloadNames }),
  critical: field('isakmp.criticalpayload', 'Critical Bit', FT.Bool, 'IKEv2: a receiver that does not understand this payload type must reject the whole message.', { bitmask: 0x80, bitWidth: 8, trueFalse: ['Critical', 'Not critical'] }),
  reserved7: field('isakmp.reserved7', 'Reserved', FT.UInt8, 'Seven bits that must be zero.', { base: 'hex', bitmask: 0x7f }),
  reserved: field('isakmp.reserved', 'Reserved', FT.Bytes, 'Bytes that must be zero.'),
  payloadLength: field('isakmp.payloadlength', 'Payload length', FT.UInt16, 'The length of this payload, its 4-byte generic header included.'),
  propNumber: field('isakmp.prop.number', 'Proposal number', FT.UInt8, 'Numbers the proposals of an SA payload; the responder answers with the number of the one it accepts.'),
  propProtocol: field('isakmp.prop.protoid', 'Protocol ID', FT.UInt8, 'What the proposal is for: the IKE SA itself, or an ESP or AH child SA.', { values: v2ProtocolIds }),
  spiSize: field('isakmp.spisize', 'SPI Size', FT.UInt8, 'Bytes of SPI that follow (4 for ESP and AH, 0 for IKE in IKE_SA_INIT).'),
  propTransforms: field('isakmp.prop.transforms', 'Proposal transforms', FT.UInt8, 'How many transforms (algorithms) the proposal lists.'),
  spi: field('isakmp.spi', 'SPI', FT.Bytes, 'The security parameters index of the SA the payload is about.'),
  tfType: field('isakmp.tf.type', 'Transform Type', FT.UInt8, 'Which kind of algorithm this transform offers: encryption, PRF, integrity, Diffie-Hellman group or ESN.', { values: transformTypeNames }),
  tfEncr: field('isakmp.tf.id.encr', 'Transform ID (ENCR)', FT.UInt16, 'The encryption algorithm offered.', { values: encrNames }),
  tfPrf: field('isakmp.tf.id.prf', 'Transform ID (PRF)', FT.UInt16, 'The pseudo-random function offered, which derives the keys.', { values: prfNames }),
  tfInteg: field('isakmp.tf.id.integ', 'Transform ID (INTEG)', FT.UInt16, 'The integrity (MAC) algorithm offered.', { values: integNames }),
  tfDh: field('isakmp.tf.id.dh', 'Transform ID (D-H)', FT.UInt16, 'The Diffie-Hellman group offered for the key exchange.', { values: dhNames }),
  tfEsn: field('isakmp.tf.id.esn', 'Transform ID (ESN)', FT.UInt16, 'Whether extended (64-bit) sequence numbers are offered for ESP.', { values: esnNames }),
  tfNumber: field('isakmp.trans.number', 'Transform number', FT.UInt8, 'IKEv1: numbers the transforms of a proposal.'),
  transId: field('isakmp.trans.id', 'Transform ID', FT.UInt8, 'IKEv1: the transform offered (KEY_IKE for the ISAKMP SA; an ESP or AH algorithm for an IPsec SA).'),
  tfId: field('isakmp.tf.id', 'Transform ID', FT.UInt16, 'The algorithm offered, numbered in its type\'s registry.'),
  attr: field('isakmp.ike2.attr', 'Transform Attribute', FT.None, 'A parameter of the transform, such as the key length of a cipher that has several.'),
  attrFormat: field('isakmp.ike2.attr.format', 'Format', FT.Bool, 'Whether the attribute is a type and a 2-byte value (TV) or a type, a length and a value (TLV).', { bitmask: 0x8000, bitWidth: 16, trueFalse: ['Type/Value (TV)', 'Type/Length/Value (TLV)'] }),
  attrType: field('isakmp.ike2.attr.type', 'Type', FT.UInt16, 'Which parameter: 14 is the key length.', { values: { 14: 'Key Length' } }),
  attrLength: field('isakmp.ike2.attr.length', 'Length', FT.UInt16, 'The length of a TLV attribute\'s value.'),
  attrValue: field('isakmp.ike2.attr.value', 'Value', FT.Bytes, 'The attribute\'s value as bytes.'),
  keyLength: field('isakmp.ike2.attr.key_length', 'Key Length', FT.UInt16, 'The cipher key length in bits (128, 192 or 256 for AES).'),
  v1Attr: field('isakmp.ike.attr', 'IKE Attribute', FT.None, 'IKEv1: a parameter of the offered phase-1 transform: cipher, hash, authentication method, Diffie-Hellman group, lifetime.'),
  v1AttrFormat: field('isakmp.ike.attr.format', 'Format', FT.Bool, 'Whether the attribute is a type and a 2-byte value (TV) or a type, a length and a value (TLV).', { bitmask: 0x8000, bitWidth: 16, trueFalse: ['Type/Value (TV)', 'Type/Length/Value (TLV)'] }),
  v1AttrType: field('isakmp.ike.attr.type', 'Type', FT.UInt16, 'Which phase-1 parameter the attribute sets.', { values: v1AttributeNames }),
  v1AttrLength: field('isakmp.ike.attr.length', 'Length', FT.UInt16, 'The length of a TLV attribute\'s value.'),
  v1AttrValue: field('isakmp.ike.attr.value', 'Value', FT.Bytes, 'The attribute\'s value as bytes.'),
  v1Encryption: field('isakmp.ike.attr.encryption_algorithm', 'Encryption Algorithm', FT.UInt16, 'The cipher offered for the IKE SA.', { values: v1EncryptionNames }),
  v1Hash: field('isakmp.ike.attr.hash_algorithm', 'HASH Algorithm', FT.UInt16, 'The hash offered for the IKE SA\'s PRF and integrity.', { values: v1HashNames }),
  v1AuthMethod: field('isakmp.ike.attr.authentication_method', 'Authentication Method', FT.UInt16, 'How the peers prove who they are: a pre-shared key, signatures, or encryption with RSA keys.', { values: v1AuthNames }),
  v1Group: field('isakmp.ike.attr.group_description', 'Group Description', FT.UInt16, 'The Diffie-Hellman group offered.', { values: dhNames }),
  v1GroupType: field('isakmp.ike.attr.group_type', 'Group Type', FT.UInt16, 'The kind of Diffie-Hellman group: MODP, ECP or EC2N.', { values: { 1: 'MODP', 2: 'ECP', 3: 'EC2N' } }),
  v1LifeType: field('isakmp.ike.attr.life_type', 'Life Type', FT.UInt16, 'What the life duration counts: seconds or kilobytes.', { values: { 1: 'Seconds', 2: 'Kilobytes' } }),
  v1LifeDuration: field('isakmp.ike.attr.life_duration', 'Life Duration', FT.UInt32, 'How long the IKE SA may live, in the unit the life type gives.'),
  v1KeyLength: field('isakmp.ike.attr.key_length', 'Key Length', FT.UInt16, 'The cipher key length in bits.'),
  dhGroup: field('isakmp.key_exchange.dh_group', 'DH Group #', FT.UInt16, 'The Diffie-Hellman group the key exchange data belongs to.', { values: dhNames }),
  keData: field('isakmp.key_exchange.data', 'Key Exchange Data', FT.Bytes, 'The sender\'s Diffie-Hellman public value; with the peer\'s it yields the shared secret no eavesdropper can compute.'),
  nonce: field('isakmp.nonce', 'Nonce DATA', FT.Bytes, 'Random bytes mixed into the keys, so every SA gets fresh keys.'),
  notifyProtocol: field('isakmp.notify.protoid', 'Protocol ID', FT.UInt8, 'The kind of SA the notification is about (0 when none).', { values: v2ProtocolIds }),
  notifyType: field('isakmp.notify.msgtype', 'Notify Message Type', FT.UInt16, 'What is being notified: an error (below 16384) or a status or capability.', { values: notifyNames }),
  notifyData: field('isakmp.notify.data', 'Notification DATA', FT.Bytes, 'Data that goes with the notification, such as the NAT detection hashes.'),
  hashAlgorithm: field('isakmp.notify.data.signature_hash_algorithms', 'Supported Signature Hash Algorithm', FT.UInt16, 'A hash algorithm the sender accepts in signatures (RFC 7427).', { values: hashAlgorithmNames }),
  deleteCount: field('isakmp.delete.num_spis', 'Number of SPIs', FT.UInt16, 'How many SAs this Delete payload removes.'),
  deleteSpi: field('isakmp.delete.spi', 'Delete SPI', FT.Bytes, 'The SPI of an SA being deleted.'),
  vid: field('isakmp.vid_bytes', 'Vendor ID', FT.Bytes, 'A constant naming the sender\'s software or a feature it supports (often a hash of a string).'),
  vidString: field('isakmp.vid_string', 'Vendor ID', FT.String, 'What the vendor ID is known to stand for: NAT traversal, dead peer detection, a vendor\'s extensions.'),
  doi: field('isakmp.sa.doi', 'Domain of interpretation', FT.UInt32, 'IKEv1: the context the SA is negotiated in; 1 is IPsec.', { values: { 0: 'ISAKMP', 1: 'IPSEC' } }),
  situation: field('isakmp.sa.situation', 'Situation', FT.Bytes, 'IKEv1: the security situation; 0x00000001 is "identity only".'),
  situationIdentity: field('isakmp.sa.situation.identity_only', 'Identity Only', FT.Bool, 'The SA is identified by the identities in the Identification payloads.', { bitmask: 0x1, bitWidth: 32, trueFalse: ['True', 'False'] }),
  situationSecrecy: field('isakmp.sa.situation.secrecy', 'Secrecy', FT.Bool, 'The SA is negotiated where labelled secrecy is required.', { bitmask: 0x2, bitWidth: 32, trueFalse: ['True', 'False'] }),
  situationIntegrity: field('isakmp.sa.situation.integrity', 'Integrity', FT.Bool, 'The SA is negotiated where labelled integrity is required.', { bitmask: 0x4, bitWidth: 32, trueFalse: ['True', 'False'] }),
  encIv: field('isakmp.enc.iv', 'Initialization Vector', FT.Bytes, 'The per-message IV of the cipher the IKE SA uses, as long as that cipher needs.'),
  encData: field('isakmp.enc.data', 'Encrypted Data', FT.None, 'The encrypted inner payloads (identities, authentication, traffic selectors, deletes…), readable only with the IKE SA\'s keys.'),
  encIcd: field('isakmp.enc.icd', 'Integrity Checksum Data', FT.Bytes, 'The MAC (or AEAD tag) over the message, of the length the integrity algorithm makes.'),
  payloadData: field('isakmp.payloaddata', 'Payload data', FT.Bytes, 'The body of a payload vpnscope does not decode further.'),
  badLength: field('isakmp.payloadlength.invalid', 'Invalid payload length', FT.None, 'A payload length shorter than the generic header or past the end of the message.'),
};

/** The field an IKEv2 transform's ID is shown as, by transform type. */
const transformIdFields: Record<number, FieldDef> = { 1: hf.tfEncr, 2: hf.tfPrf, 3: hf.tfInteg, 4: hf.tfDh, 5: hf.tfEsn };

/** The typed field of each IKEv1 phase-1 attribute that carries a number (its value names are the field's). */
const v1Attributes: Record<number, FieldDef> = {
  1: hf.v1Encryption, 2: hf.v1Hash, 3: hf.v1AuthMethod, 4: hf.v1Group, 5: hf.v1GroupType, 11: hf.v1LifeType, 12: hf.v1LifeDuration, 14: hf.v1KeyLength,
};

/** IV and ICV sizes of an encryption transform, or undefined when not known. */
const encrSizes: Record<number, { iv: number; tag: number }> = {
  2: { iv: 8, tag: 0 }, 3: { iv: 8, tag: 0 }, 12: { iv: 16, tag: 0 }, 13: { iv: 8, tag: 0 }, 23: { iv: 16, tag: 0 }, 24: { iv: 8, tag: 0 },
  14: { iv: 8, tag: 8 }, 15: { iv: 8, tag: 12 }, 16: { iv: 8, tag: 16 }, 18: { iv: 8, tag: 8 }, 19: { iv: 8, tag: 12 }, 20: { iv: 8, tag: 16 },
  28: { iv: 8, tag: 16 },
};
/** Truncated MAC length of each integrity transform. */
const integSizes: Record<number, number> = { 1: 12, 2: 12, 5: 12, 6: 16, 7: 20, 8: 12, 9: 16, 10: 16, 11: 16, 12: 16, 13: 24, 14: 32 };

/** What the responder chose for an IKE SA: the sizes an SK payload is cut at. */
interface Chosen {
  encr: number;
  integ: number;
}

/** Chosen algorithms per IKE SA, by initiator SPI (hex); bounded. */
const MAX_SAS = 4096;

function chosenAlgorithms(pkt: Packet): Map<string, Chosen> {
  return pkt.session.global('isakmp.chosen', () => new Map<string, Chosen>());
}

interface Ctx {
  pkt: Packet;
  buf: Buf;
  v2: boolean;
  ispi: string;
  /** Set while reading a responder's SA payload in IKE_SA_INIT. */
  chosen: Chosen | null;
  /** The protocol of the proposal being read (1 = the ISAKMP SA itself). */
  proposalProtocol: number;
}

function dissectIsakmp(buf: Buf, pkt: Packet, parent: Node): void {
  const node = pkt.addLayer(isakmp, parent, buf, 0, buf.reportedLength);
  pkt.setInfo('');
  const ispiBytes = buf.bytesAt(0, 8);
  node.add(hf.ispi, buf, 0, 8, ispiBytes);
  node.add(hf.rspi, buf, 8, 8, buf.bytesAt(8, 8));
  const next = buf.u8(16);
  node.add(hf.nextPayload, buf, 16, 1, next);
  const version = buf.u8(17);
  const v2 = version >> 4 === 2;
  const versionNode = node.add(hf.version, buf, 17, 1, version);
  if (versionNode.real) {
    versionNode.text = `Version: ${version >> 4}.${version & 15}`;
    versionNode.add(hf.mjver, buf, 17, 1, version >> 4);
    versionNode.add(hf.mnver, buf, 17, 1, version & 15);
  }
  const exchange = buf.u8(18);
  node.add(hf.exchangeType, buf, 18, 1, exchange);
  const flags = buf.u8(19);
  const flagsNode = node.add(hf.flags, buf, 19, 1, flags);
  const messageId = buf.u32(20);
  const exchangeName = exchangeNames[exchange] ?? `Unknown ${exchange}`;
  if (v2) {
    const initiator = (flags & 0x08) !== 0;
    const response = (flags & 0x20) !== 0;
    if (flagsNode.real) {
      flagsNode.suffix = ` (${initiator ? 'Initiator' : 'Responder'}, ${flags & 0x10 ? 'A higher version enabled' : 'No higher version'}, ${response ? 'Response' : 'Request'})`;
      flagsNode.add(hf.flagI, buf, 19, 1, initiator);
      flagsNode.add(hf.flagV, buf, 19, 1, (flags & 0x10) !== 0);
      flagsNode.add(hf.flagR, buf, 19, 1, response);
    }
    pkt.setInfo(`${exchangeName} MID=${String(messageId).padStart(2, '0')} ${initiator ? 'Initiator' : 'Responder'} ${response ? 'Response' : 'Request'}`);
  } else {
    if (flagsNode.real) {
      flagsNode.add(hf.flagE, buf, 19, 1, (flags & 0x01) !== 0);
      flagsNode.add(hf.flagC, buf, 19, 1, (flags & 0x02) !== 0);
      flagsNode.add(hf.flagA, buf, 19, 1, (flags & 0x04) !== 0);
    }
    pkt.setInfo(exchangeName);
  }
  node.add(hf.messageId, buf, 20, 4, messageId);
  const length = buf.u32(24);
  node.add(hf.length, buf, 24, 4, length);
  const end = Math.min(Math.max(length, 28), buf.reportedLength);

  const ctx: Ctx = { pkt, buf, v2, ispi: bytesToHex(ispiBytes, ''), chosen: null, proposalProtocol: 0 };
  // IKEv1 with the encryption flag: everything after the header is ciphertext.
  if (!v2 && flags & 0x01) {
    if (end > 28) node.add(hf.encData, buf, 28, end - 28);
    return;
  }
  const takeChoice = v2 && exchange === 34 && (flags & 0x20) !== 0;
  payloadChain(ctx, node, next, 28, end, takeChoice);
}

/** Payloads chained from `type` at `offset` up to `end`. */
function payloadChain(ctx: Ctx, parent: Node, type: number, offset: number, end: number, takeChoice = false): void {
  const { pkt, buf } = ctx;
  while (type !== 0 && offset + 4 <= end) {
    const next = buf.u8(offset);
    const length = buf.u16(offset + 2);
    const n = parent.add(hf.payload, buf, offset, Math.max(4, Math.min(length, end - offset)), type);
    n.add(hf.nextPayload, buf, offset, 1, next);
    if (ctx.v2) {
      const b1 = buf.u8(offset + 1);
      n.add(hf.critical, buf, offset + 1, 1, (b1 & 0x80) !== 0);
      n.add(hf.reserved7, buf, offset + 1, 1, b1 & 0x7f);
    } else {
      n.add(hf.reserved, buf, offset + 1, 1, buf.bytesAt(offset + 1, 1));
    }
    const lengthNode = n.add(hf.payloadLength, buf, offset + 2, 2, length);
    if (length < 4 || offset + length > end) {
      const bad = lengthNode.addGenerated(hf.badLength, undefined);
      pkt.addExpert(bad, Severity.Error, 'Malformed', `Payload length ${length} is ${length < 4 ? 'shorter than the payload header' : 'past the end of the message'}`, 'isakmp', hf.badLength);
      return;
    }
    body(ctx, n, type, offset + 4, offset + length, takeChoice);
    offset += length;
    type = next;
  }
}

function body(ctx: Ctx, n: Node, type: number, start: number, end: number, takeChoice: boolean): void {
  const { buf } = ctx;
  const size = end - start;
  switch (type) {
    case 1: // IKEv1 SA: DOI, situation, then proposals
      n.add(hf.doi, buf, start, 4, buf.u32(start));
      const situation = n.add(hf.situation, buf, start + 4, 4, buf.bytesAt(start + 4, 4));
      const bits = buf.u32(start + 4);
      situation.add(hf.situationIdentity, buf, start + 4, 4, (bits & 1) !== 0);
      situation.add(hf.situationSecrecy, buf, start + 4, 4, (bits & 2) !== 0);
      situation.add(hf.situationIntegrity, buf, start + 4, 4, (bits & 4) !== 0);
      proposals(ctx, n, start + 8, end, false);
      return;
    case 33:
      if (takeChoice) ctx.chosen = { encr: -1, integ: -1 };
      proposals(ctx, n, start, end, true);
      if (ctx.chosen) {
        const sas = chosenAlgorithms(ctx.pkt);
        if (sas.size >= MAX_SAS) sas.delete(sas.keys().next().value!);
        sas.set(ctx.ispi, ctx.chosen);
        ctx.chosen = null;
      }
      return;
    case 4:
      n.add(hf.keData, buf, start, size, buf.bytesAt(start, size));
      return;
    case 34: {
      const group = buf.u16(start);
      n.add(hf.dhGroup, buf, start, 2, group);
      n.add(hf.reserved, buf, start + 2, 2, buf.bytesAt(start + 2, 2));
      n.add(hf.keData, buf, start + 4, size - 4, buf.bytesAt(start + 4, size - 4));
      return;
    }
    case 10:
    case 40:
      n.add(hf.nonce, buf, start, size, buf.bytesAt(start, size));
      return;
    case 41:
      notify(ctx, n, start, end);
      return;
    case 13:
    case 43: {
      const bytes = buf.bytesAt(start, size);
      n.add(hf.vid, buf, start, size, bytes);
      const name = vendorIds.get(bytesToHex(bytes, '')) ?? 'Unknown Vendor ID';
      n.add(hf.vidString, buf, start, size, name);
      if (n.real) n.text = `Payload: Vendor ID (${type}) : ${escapeText(name)}`;
      return;
    }
    case 42: {
      n.add(hf.notifyProtocol, buf, start, 1, buf.u8(start));
      const spiSize = buf.u8(start + 1);
      n.add(hf.spiSize, buf, start + 1, 1, spiSize);
      const count = buf.u16(start + 2);
      n.add(hf.deleteCount, buf, start + 2, 2, count);
      for (let i = 0, at = start + 4; i < count && spiSize > 0 && at + spiSize <= end; i++, at += spiSize) n.add(hf.deleteSpi, buf, at, spiSize, buf.bytesAt(at, spiSize));
      return;
    }
    case 46:
      encrypted(ctx, n, start, end);
      return;
    default:
      if (size > 0) n.add(hf.payloadData, buf, start, size, buf.bytesAt(start, size));
  }
}

/** Proposal payloads (type 2), each with its transforms (type 3). */
function proposals(ctx: Ctx, parent: Node, offset: number, end: number, v2: boolean): void {
  const { buf, pkt } = ctx;
  let type = 2;
  while (type !== 0 && offset + 8 <= end) {
    const next = buf.u8(offset);
    const length = buf.u16(offset + 2);
    const number = buf.u8(offset + 4);
    const n = parent.add(hf.payload, buf, offset, Math.max(8, Math.min(length, end - offset)), 2);
    if (n.real) n.text = `Payload: Proposal (2) # ${number}`;
    n.add(hf.nextPayload, buf, offset, 1, next);
    n.add(hf.reserved, buf, offset + 1, 1, buf.bytesAt(offset + 1, 1));
    n.add(hf.payloadLength, buf, offset + 2, 2, length);
    if (length < 8 || offset + length > end) {
      pkt.addExpert(n, Severity.Error, 'Malformed', `Proposal length ${length} does not fit`, 'isakmp', hf.badLength);
      return;
    }
    n.add(hf.propNumber, buf, offset + 4, 1, number);
    const protocolId = buf.u8(offset + 5);
    ctx.proposalProtocol = protocolId;
    const protoNode = n.add(hf.propProtocol, buf, offset + 5, 1, protocolId);
    if (!v2 && protoNode.real) protoNode.text = `Protocol ID: ${v1ProtocolIds[protocolId] ?? 'Unknown'} (${protocolId})`;
    const spiSize = buf.u8(offset + 6);
    n.add(hf.spiSize, buf, offset + 6, 1, spiSize);
    n.add(hf.propTransforms, buf, offset + 7, 1, buf.u8(offset + 7));
    if (spiSize > 0) n.add(hf.spi, buf, offset + 8, spiSize, buf.bytesAt(offset + 8, spiSize));
    transforms(ctx, n, offset + 8 + spiSize, offset + length, v2);
    offset += length;
    type = next;
  }
}

function transforms(ctx: Ctx, parent: Node, offset: number, end: number, v2: boolean): void {
  const { buf } = ctx;
  let type = 3;
  while (type !== 0 && offset + 8 <= end) {
    const next = buf.u8(offset);
    const length = buf.u16(offset + 2);
    if (length < 8 || offset + length > end) return;
    const n = parent.add(hf.payload, buf, offset, length, 3);
    n.add(hf.nextPayload, buf, offset, 1, next);
    n.add(hf.reserved, buf, offset + 1, 1, buf.bytesAt(offset + 1, 1));
    n.add(hf.payloadLength, buf, offset + 2, 2, length);
    if (v2) {
      const tfType = buf.u8(offset + 4);
      n.add(hf.tfType, buf, offset + 4, 1, tfType);
      n.add(hf.reserved, buf, offset + 5, 1, buf.bytesAt(offset + 5, 1));
      const id = buf.u16(offset + 6);
      n.add(transformIdFields[tfType] ?? hf.tfId, buf, offset + 6, 2, id);
      if (ctx.chosen && tfType === 1) ctx.chosen.encr = id;
      if (ctx.chosen && tfType === 3) ctx.chosen.integ = id;
    } else {
      const number = buf.u8(offset + 4);
      if (n.real) n.text = `Payload: Transform (3) # ${number}`;
      n.add(hf.tfNumber, buf, offset + 4, 1, number);
      const id = buf.u8(offset + 5);
      const idNode = n.add(hf.transId, buf, offset + 5, 1, id);
      // In a proposal for the ISAKMP SA itself, transform 1 is KEY_IKE (the only one defined).
      if (ctx.proposalProtocol === 1 && id === 1 && idNode.real) idNode.text = 'Transform ID: KEY_IKE (1)';
      n.add(hf.reserved, buf, offset + 6, 2, buf.bytesAt(offset + 6, 2));
    }
    attributes(ctx, n, offset + 8, offset + length);
    offset += length;
    type = next;
  }
}

/** Transform attributes: TV (format bit set, 2-byte value) or TLV. */
function attributes(ctx: Ctx, parent: Node, offset: number, end: number): void {
  const { buf } = ctx;
  while (offset + 4 <= end) {
    const word = buf.u16(offset);
    const tv = (word & 0x8000) !== 0;
    const type = word & 0x7fff;
    const valueLength = tv ? 2 : buf.u16(offset + 2);
    const valueAt = tv ? offset + 2 : offset + 4;
    if (valueAt + valueLength > end) return;
    const value = buf.bytesAt(valueAt, valueLength);
    const number = valueLength === 2 ? buf.u16(valueAt) : valueLength === 4 ? buf.u32(valueAt) : undefined;
    const length = valueAt + valueLength - offset;
    if (ctx.v2) {
      const a = parent.add(hf.attr, buf, offset, length);
      const keyLength = type === 14 ? number : undefined;
      if (a.real) a.text = `Transform Attribute (t=${type},l=${valueLength}): ${keyLength !== undefined ? `Key Length: ${keyLength}` : bytesToHex(value, '')}`;
      a.add(hf.attrFormat, buf, offset, 2, tv);
      a.add(hf.attrType, buf, offset, 2, type);
      if (!tv) a.add(hf.attrLength, buf, offset + 2, 2, valueLength);
      a.add(hf.attrValue, buf, valueAt, valueLength, value);
      if (keyLength !== undefined) a.add(hf.keyLength, buf, valueAt, 2, keyLength);
    } else {
      // IKEv1 phase-1 attributes (RFC 2409 appendix A), each with its typed field as tshark has them.
      const typed = v1Attributes[type];
      const a = parent.add(hf.v1Attr, buf, offset, length);
      const shown = typed && number !== undefined ? (valueName(typed, number) ?? String(number)) : bytesToHex(value, '');
      if (a.real) a.text = `IKE Attribute (t=${type},l=${valueLength}): ${v1AttributeNames[type] ?? 'Unknown'}: ${shown}`;
      a.add(hf.v1AttrFormat, buf, offset, 2, tv);
      a.add(hf.v1AttrType, buf, offset, 2, type);
      if (!tv) a.add(hf.v1AttrLength, buf, offset + 2, 2, valueLength);
      a.add(hf.v1AttrValue, buf, valueAt, valueLength, value);
      if (typed && number !== undefined) a.add(typed, buf, valueAt, valueLength, number);
    }
    offset = valueAt + valueLength;
  }
}

function notify(ctx: Ctx, n: Node, start: number, end: number): void {
  const { buf, v2 } = ctx;
  let at = start;
  if (!v2) at += 4; // IKEv1: a DOI first
  const protocolId = buf.u8(at);
  n.add(hf.notifyProtocol, buf, at, 1, protocolId);
  const spiSize = buf.u8(at + 1);
  n.add(hf.spiSize, buf, at + 1, 1, spiSize);
  const type = buf.u16(at + 2);
  const typeNode = n.add(hf.notifyType, buf, at + 2, 2, type);
  const name = notifyNames[type] ?? `Unknown (${type})`;
  if (n.real && v2) n.text = `Payload: Notify (41) - ${name}`;
  if (!v2 && typeNode.real) typeNode.text = `Notify Message Type: ${type} (${type})`;
  at += 4;
  if (spiSize > 0) {
    n.add(hf.spi, buf, at, spiSize, buf.bytesAt(at, spiSize));
    at += spiSize;
  }
  const dataNode = n.add(hf.notifyData, buf, at, end - at, buf.bytesAt(at, Math.max(0, end - at)));
  if (end <= at && dataNode.real) dataNode.text = 'Notification DATA: <MISSING>';
  if (v2 && type === 16431) for (let p = at; p + 2 <= end; p += 2) n.add(hf.hashAlgorithm, buf, p, 2, buf.u16(p));
}

/**
 * The SK payload: IV, ciphertext, integrity checksum. Their sizes come from the algorithms the
 * responder chose in this IKE SA's IKE_SA_INIT; without that exchange in the capture, all is shown
 * as encrypted data.
 */
function encrypted(ctx: Ctx, n: Node, start: number, end: number): void {
  const { buf } = ctx;
  const chosen = chosenAlgorithms(ctx.pkt).get(ctx.ispi);
  const sizes = chosen ? encrSizes[chosen.encr] : undefined;
  const icv = sizes ? (sizes.tag > 0 ? sizes.tag : (integSizes[chosen!.integ] ?? -1)) : -1;
  if (!sizes || icv < 0 || sizes.iv + icv > end - start) {
    if (end > start) n.add(hf.encData, buf, start, end - start);
    return;
  }
  n.add(hf.encIv, buf, start, sizes.iv, buf.bytesAt(start, sizes.iv));
  n.add(hf.encData, buf, start + sizes.iv, end - start - sizes.iv - icv);
  if (icv > 0) n.add(hf.encIcd, buf, end - icv, icv, buf.bytesAt(end - icv, icv));
}

export const isakmp = protocol('isakmp', 'Internet Security Association and Key Management Protocol', 'ISAKMP',
  'IKE, how IPsec peers authenticate each other and agree on algorithms and keys (UDP 500, or 4500 behind NAT): IKEv1 main/quick mode or IKEv2 exchanges.',
  dissectIsakmp);

export function register(): void {
  table('udp.port').add(500, isakmp);
}

