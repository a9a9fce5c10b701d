/**
 * SSH (RFC 4253, 4419, 5656, 8731): what travels in clear before the keys change.
 *
 * Each side first sends a version line ("SSH-2.0-OpenSSH_9.2p1\r\n"); then binary packets:
 *
 *   +----------------------+-----------+-----------------------------+------------------+-------+
 *   | packet_length (32)   | padding   | payload: message code, …    | padding          | MAC   |
 *   |                      | length (8)|                             | (padding length) | (opt) |
 *   +----------------------+-----------+-----------------------------+------------------+-------+
 *
 * The key exchange is readable: KEXINIT (a cookie and the ten algorithm lists each side offers,
 * with the HASSH fingerprints of them), then the chosen method's messages — (EC)DH init and reply
 * with the ephemeral public keys, the server's host key and its signature, or the group exchange —
 * and NEWKEYS, after which that side's packets are encrypted (lengths included for most ciphers)
 * and shown as such. The chosen algorithms are the first of the client's lists the server also
 * offers (RFC 4253 §7.1).
 */
import { crypto } from '../engine/builtins.js';
import { protocol, table } from '../engine/dispatch.js';
import type { Buf } from '../engine/buf.js';
import { FT, type FieldDef, field } from '../engine/fields.js';
import type { Packet } from '../engine/packet.js';
import type { Node } from '../engine/tree.js';
import { dissectPdus, isStreamData, NEED_MORE, NOT_THIS } from '../engine/stream.js';

const ssh = protocol('ssh', 'SSH Protocol', 'SSH',
  'The Secure Shell: a version exchange and a key exchange in clear, then encrypted packets carrying logins, shells, file transfers and tunnels.',
  dissectSsh);

/** The ten name-lists of KEXINIT, in wire order (RFC 4253 §7.1). */
const nameLists = ['kex_algorithms', 'server_host_key_algorithms', 'encryption_algorithms_client_to_server', 'encryption_algorithms_server_to_client',
  'mac_algorithms_client_to_server', 'mac_algorithms_server_to_client', 'compression_algorithms_client_to_server',
  'compression_algorithms_server_to_client', 'languages_client_to_server', 'languages_server_to_client'] as const;

const listFields = nameLists.map((name) => ({
  length: field(`ssh.${name}_length`, `${name} length`, FT.UInt32, `Bytes of the ${name.replace(/_/g, ' ')} list.`),
  list: field(`ssh.${name}`, `${name} string`, FT.String, `The ${name.replace(/_/g, ' ')} the sender accepts, most preferred first; the first of the client's that the server also lists is used.`),
}));

const hf = {
  protocol: field('ssh.protocol', 'Protocol', FT.String, 'The version line each side sends first: "SSH-2.0-" and the software (OpenSSH_9.2p1 …).'),
  direction: field('ssh.direction', 'Direction', FT.Bool, 'Whether the client or the server sent this packet.', { trueFalse: ['server-to-client', 'client-to-server'] }),
  packetLength: field('ssh.packet_length', 'Packet Length', FT.UInt32, 'Bytes of the binary packet after this field: padding length, payload and padding (the MAC comes after).'),
  paddingLength: field('ssh.padding_length', 'Padding Length', FT.UInt8, 'Random bytes at the end of the packet, at least 4, so that the packet is a whole number of cipher blocks.'),
  messageCode: field('ssh.message_code', 'Message Code', FT.UInt8, 'What the packet is: 20 KEXINIT, 21 NEWKEYS, 30–34 the key exchange method\'s own messages, 5 service request, 50+ user authentication, 90+ channels.'),
  cookie: field('ssh.cookie', 'Cookie', FT.Bytes, '16 random bytes that make each KEXINIT, and so the exchange hash, unique.'),
  firstKexFollows: field('ssh.first_kex_packet_follows', 'First KEX Packet Follows', FT.UInt8, 'The sender already sent its first key exchange packet, guessing the method the peer will choose.'),
  reserved: field('ssh.kex.reserved', 'Reserved', FT.Bytes, 'Four zero bytes reserved for extensions.'),
  hasshAlgorithms: field('ssh.kex.hassh_algorithms', 'hasshAlgorithms', FT.String, 'The client\'s key exchange, cipher, MAC and compression lists joined by ";": what the HASSH fingerprint hashes.'),
  hassh: field('ssh.kex.hassh', 'hassh', FT.String, 'MD5 of hasshAlgorithms: a fingerprint of the client software.'),
  hasshServerAlgorithms: field('ssh.kex.hasshserver_algorithms', 'hasshServerAlgorithms', FT.String, 'The server\'s key exchange, cipher, MAC and compression lists joined by ";": what the HASSH server fingerprint hashes.'),
  hasshServer: field('ssh.kex.hasshserver', 'hasshServer', FT.String, 'MD5 of hasshServerAlgorithms: a fingerprint of the server software.'),
  paddingString: field('ssh.padding_string', 'Padding String', FT.Bytes, 'The random padding that ends the packet.'),
  seqNum: field('ssh.seq_num', 'Sequence number', FT.UInt32, 'The packet\'s number in its direction, counted from 0; it is never sent, but goes into every MAC.'),
  mpintLength: field('ssh.mpint_length', 'Multi Precision Integer Length', FT.UInt32, 'Bytes of the big integer that follows.'),
  ecdhQcLength: field('ssh.ecdh.q_c_length', 'ECDH client\'s ephemeral public key length', FT.UInt32, 'Bytes of the client\'s ephemeral public key.'),
  ecdhQc: field('ssh.ecdh.q_c', 'ECDH client\'s ephemeral public key (Q_C)', FT.Bytes, 'The client\'s one-time elliptic curve public key (32 bytes for curve25519).'),
  ecdhQsLength: field('ssh.ecdh.q_s_length', 'ECDH server\'s ephemeral public key length', FT.UInt32, 'Bytes of the server\'s ephemeral public key.'),
  ecdhQs: field('ssh.ecdh.q_s', 'ECDH server\'s ephemeral public key (Q_S)', FT.Bytes, 'The server\'s one-time elliptic curve public key; with the client\'s it gives the shared secret.'),
  dhE: field('ssh.dh.e', 'DH client e', FT.Bytes, 'The client\'s Diffie-Hellman public value g^x mod p.'),
  dhF: field('ssh.dh.f', 'DH server f', FT.Bytes, 'The server\'s Diffie-Hellman public value g^y mod p.'),
  gexMin: field('ssh.dh_gex.min', 'DH GEX Min', FT.UInt32, 'The smallest group size, in bits, the client accepts.'),
  gexBits: field('ssh.dh_gex.nbits', 'DH GEX Number of Bits', FT.UInt32, 'The group size, in bits, the client prefers.'),
  gexMax: field('ssh.dh_gex.max', 'DH GEX Max', FT.UInt32, 'The largest group size, in bits, the client accepts.'),
  gexP: field('ssh.dh_gex.p', 'DH GEX modulus (P)', FT.Bytes, 'The safe prime of the group the server chose.'),
  gexG: field('ssh.dh_gex.g', 'DH GEX base (G)', FT.Bytes, 'The generator of the group the server chose.'),
  hostKeyLength: field('ssh.host_key.length', 'Host key length', FT.UInt32, 'Bytes of the server\'s host key blob.'),
  hostKeyTypeLength: field('ssh.host_key.type_length', 'Host key type length', FT.UInt32, 'Bytes of the host key type name.'),
  hostKeyType: field('ssh.host_key.type', 'Host key type', FT.String, 'The host key\'s algorithm: ssh-ed25519, ecdsa-sha2-nistp256, ssh-rsa …; the client checks it against known_hosts.'),
  rsaE: field('ssh.host_key.rsa.e', 'RSA public exponent (e)', FT.Bytes, 'The public exponent of the server\'s RSA host key.'),
  rsaN: field('ssh.host_key.rsa.n', 'RSA modulus (N)', FT.Bytes, 'The modulus of the server\'s RSA host key; its size in bits is the key size.'),
  eddsaKeyLength: field('ssh.host_key.eddsa_key_length', 'EdDSA public key length', FT.UInt32, 'Bytes of the Ed25519 or Ed448 public key.'),
  eddsaKey: field('ssh.host_key.eddsa_key', 'EdDSA public key', FT.Bytes, 'The server\'s Ed25519 (or Ed448) host public key.'),
  ecdsaCurveLength: field('ssh.host_key.ecdsa.id_length', 'ECDSA elliptic curve identifier length', FT.UInt32, 'Bytes of the curve name.'),
  ecdsaCurve: field('ssh.host_key.ecdsa.id', 'ECDSA elliptic curve identifier', FT.String, 'The curve of the ECDSA host key: nistp256, nistp384 or nistp521.'),
  ecdsaQLength: field('ssh.host_key.ecdsa.q_length', 'ECDSA public key length', FT.UInt32, 'Bytes of the ECDSA public point.'),
  ecdsaQ: field('ssh.host_key.ecdsa.q', 'ECDSA public key (Q)', FT.Bytes, 'The server\'s ECDSA host public key, an elliptic curve point.'),
  hostKeyData: field('ssh.host_key.data', 'Host key data', FT.Bytes, 'The rest of a host key blob whose type is not decoded here.'),
  hostSigLength: field('ssh.host_sig.length', 'Host signature length', FT.UInt32, 'Bytes of the signature blob.'),
  hostSigTypeLength: field('ssh.host_sig.type_length', 'Host signature type length', FT.UInt32, 'Bytes of the signature algorithm name.'),
  hostSigType: field('ssh.host_sig.type', 'Host signature type', FT.String, 'The signature algorithm: ssh-ed25519, rsa-sha2-512, ecdsa-sha2-nistp256 …'),
  hostSigData: field('ssh.host_sig.data', 'Host signature data', FT.Bytes, 'The server\'s signature over the exchange hash, proving it holds the host key\'s private key.'),
  payload: field('ssh.payload', 'Payload', FT.Bytes, 'The bytes of a message not decoded further.'),
  encrypted: field('ssh.encrypted_packet', 'Encrypted Packet', FT.Bytes, 'Bytes sent after this side\'s NEWKEYS: encrypted with the negotiated cipher, length included for most ciphers.'),
  encryptedLength: field('ssh.packet_length_encrypted', 'Packet Length (encrypted)', FT.Bytes, 'The packet length, encrypted too (chacha20-poly1305, and CTR or CBC ciphers without an encrypt-then-MAC MAC), so packets cannot be told apart on the wire.'),
  rsaSignature: field('ssh.host_sig.rsa', 'RSA signature', FT.Bytes, 'The RSA signature (ssh-rsa: SHA-1) over the exchange hash.'),
};

/** Message names by key exchange family: codes 30–34 mean different things per method. */
function messageName(code: number, method: string): string | undefined {
  switch (code) {
    case 1: return 'Disconnect';
    case 2: return 'Ignore';
    case 3: return 'Unimplemented';
    case 4: return 'Debug';
    case 5: return 'Service Request';
    case 6: return 'Service Accept';
    case 7: return 'Extension Info';
    case 20: return 'Key Exchange Init';
    case 21: return 'New Keys';
  }
  if (method.startsWith('diffie-hellman-group-exchange')) {
    return { 30: 'Diffie-Hellman Group Exchange Request (Old)', 31: 'Diffie-Hellman Group Exchange Group', 32: 'Diffie-Hellman Group Exchange Init',
      33: 'Diffie-Hellman Group Exchange Reply', 34: 'Diffie-Hellman Group Exchange Request' }[code];
  }
  if (method.startsWith('diffie-hellman-group')) return { 30: 'Diffie-Hellman Key Exchange Init', 31: 'Diffie-Hellman Key Exchange Reply' }[code];
  if (method.startsWith('ecdh-sha2-') || method.startsWith('curve25519') || method.startsWith('curve448') || method.startsWith('sntrup') || method.startsWith('mlkem')) {
    return { 30: 'Elliptic Curve Diffie-Hellman Key Exchange Init', 31: 'Elliptic Curve Diffie-Hellman Key Exchange Reply' }[code];
  }
  return undefined;
}

/** One side of an SSH connection. */
interface Side {
  /** Its version line was seen: without it (a capture that starts mid-connection) its packets are taken as encrypted. */
  bannerSeen: boolean;
  /** Binary packets sent so far (the next one's sequence number). */
  seq: number;
  /** The side sent NEWKEYS: what it sends next is encrypted. */
  encrypted: boolean;
  /** Its KEXINIT lists. */
  lists: string[] | null;
}

interface SshConversation {
  /** 0 until the client's version line gives it (1 or 2). */
  version: number;
  /** The direction (0: from the conversation's first endpoint) the client sends in. */
  clientDir: number;
  sides: [Side, Side];
  /** The negotiated key exchange method ('' before both KEXINITs). */
  method: string;
  /** Per direction (client→server, server→client): cipher and compression, known once the exchange reply is seen. */
  cipher: [string, string] | null;
  compression: [string, string] | null;
  mac: [string, string] | null;
  /** What both KEXINITs chose, waiting for the key exchange reply to be shown in labels. */
  chosen: { cipher: [string, string]; compression: [string, string]; mac: [string, string] } | null;
}

function newSide(): Side {
  return { bannerSeen: false, seq: 0, encrypted: false, lists: null };
}

function conversationState(pkt: Packet): { state: SshConversation; dir: number } {
  const conv = pkt.conversation('tcp');
  const dir = conv.isFromA(pkt.netSrc, pkt.srcPort) ? 0 : 1;
  let state = conv.get<SshConversation>('ssh');
  if (!state) {
    // The client is the side talking to port 22, else the first to speak.
    const clientDir = pkt.dstPort === 22 ? dir : pkt.srcPort === 22 ? 1 - dir : dir;
    state = conv.set<SshConversation>('ssh', { version: 0, clientDir, sides: [newSide(), newSide()], method: '', cipher: null, compression: null, mac: null, chosen: null });
  }
  return { state, dir };
}

function dissectSsh(buf: Buf, pkt: Packet, parent: Node, data?: unknown): void {
  const { state, dir } = conversationState(pkt);
  const fromClient = dir === state.clientDir;
  const side = state.sides[dir]!;
  const who = fromClient ? 'Client' : 'Server';
  const layer = pkt.addLayer(ssh, parent, buf, 0, buf.length);
  pkt.protocolColumn = state.version === 2 ? 'SSHv2' : state.version === 1 ? 'SSHv1' : 'SSH';
  const names: string[] = [];

  const startsWithBanner = buf.length >= 4 && buf.latin1(0, 4) === 'SSH-';
  if (side.encrypted || (!side.bannerSeen && !startsWithBanner)) {
    addEncrypted(buf, layer, state, fromClient);
    names.push(`Encrypted packet (len=${buf.length})`);
  } else {
    const stream = isStreamData(data);
    const pduLength = (b: Buf, offset: number): number => {
      if (side.encrypted) return b.length - offset;
      if (b.length - offset >= 4 && b.latin1(offset, 4) === 'SSH-') {
        for (let i = offset; i < b.length; i++) if (b.u8(i) === 0x0a) return i + 1 - offset;
        return b.length - offset > 255 ? NOT_THIS : NEED_MORE;
      }
      if (b.length - offset < 4) return NEED_MORE;
      const len = b.u32(offset);
      return len > 0 && len <= 256 * 1024 ? 4 + len : NOT_THIS;
    };
    dissectPdus(buf, pkt, layer, stream ? data : undefined, pduLength, (pdu) => {
      if (side.encrypted) {
        // Encrypted bytes after this side's NEWKEYS in the same segment: shown, not named in Info.
        addEncrypted(pdu, layer, state, fromClient);
        if (!names.length) names.push(`Encrypted packet (len=${pdu.length})`);
      } else if (pdu.length >= 4 && pdu.latin1(0, 4) === 'SSH-') names.push(dissectBanner(pdu, layer, state, fromClient));
      else names.push(dissectBinaryPacket(pdu, layer, state, side, fromClient));
    }, (rest) => {
      addEncrypted(rest, layer, state, fromClient);
      names.push(`Encrypted packet (len=${rest.length})`);
    });
  }
  layer.addGenerated(hf.direction, !fromClient);
  if (names.length) pkt.setInfo(`${who}: ${names.join(', ')}`);
}

/**
 * An encrypted packet (or run of them: their boundaries cannot be seen): its length in clear where
 * the cipher leaves it so (AES-GCM, encrypt-then-MAC), else the encrypted length, then the rest.
 */
function addEncrypted(b: Buf, layer: Node, state: SshConversation, fromClient: boolean): void {
  const n = layer.addText(versionLabel(state, fromClient), b, 0, b.length);
  if (!n.real || b.length < 4) return;
  const i = fromClient ? 0 : 1;
  const cipher = state.cipher?.[i] ?? '';
  const clearLength = cipher.includes('gcm') || (state.mac?.[i] ?? '').endsWith('-etm@openssh.com');
  if (clearLength) n.add(hf.packetLength, b, 0, 4, b.u32(0));
  else n.add(hf.encryptedLength, b, 0, 4, b.bytesAt(0, 4));
  if (b.length > 4) n.add(hf.encrypted, b, 4, b.length - 4, b.bytesAt(4, b.length - 4));
}

/** "SSH Version 2", with the negotiated cipher and compression of this direction once known. */
function versionLabel(state: SshConversation, fromClient: boolean): string {
  const v = state.version === 1 ? 1 : 2;
  if (!state.cipher || !state.compression) return `SSH Version ${v}`;
  const i = fromClient ? 0 : 1;
  return `SSH Version ${v} (encryption:${state.cipher[i]} compression:${state.compression[i]})`;
}

function dissectBanner(b: Buf, layer: Node, state: SshConversation, fromClient: boolean): string {
  let end = b.length;
  if (end > 0 && b.u8(end - 1) === 0x0a) end--;
  if (end > 0 && b.u8(end - 1) === 0x0d) end--;
  const line = b.latin1(0, end);
  layer.add(hf.protocol, b, 0, b.length, line);
  state.sides[fromClient ? state.clientDir : 1 - state.clientDir]!.bannerSeen = true;
  // The client's line fixes the version ("SSH-1.99-" servers speak both).
  if (fromClient) state.version = line.startsWith('SSH-2.0-') || line.startsWith('SSH-1.99-') ? 2 : line.startsWith('SSH-1.') ? 1 : 2;
  return `Protocol (${line})`;
}

function dissectBinaryPacket(b: Buf, layer: Node, state: SshConversation, side: Side, fromClient: boolean): string {
  const n = layer.addText(versionLabel(state, fromClient), b, 0, b.length);
  const length = b.u32(0);
  n.add(hf.packetLength, b, 0, 4, length);
  const padding = b.u8(4);
  n.add(hf.paddingLength, b, 4, 1, padding);
  const payloadLength = length - 1 - padding;
  const seq = side.seq++;
  let name = 'Unknown';
  if (payloadLength > 0) {
    const payload = b.sub(5, payloadLength);
    const code = payload.u8(0);
    name = messageName(code, state.method) ?? `Unknown (${code})`;
    const isKex = code >= 20 && code <= 49;
    const group = isKex ? n.addText(state.method ? `Key Exchange (method:${state.method})` : 'Key Exchange', payload, 0, payload.length) : n;
    const c = group.add(hf.messageCode, payload, 0, 1, code);
    if (c.real) c.text = `Message Code: ${name} (${code})`;
    dissectMessage(code, payload, group, state, side, fromClient);
  }
  const padAt = 5 + Math.max(0, payloadLength);
  if (padding > 0 && padAt < b.length) n.add(hf.paddingString, b, padAt, Math.min(padding, b.length - padAt), b.bytesAt(padAt, Math.min(padding, b.length - padAt)));
  n.add(hf.seqNum, b, 0, 0, seq);
  return name;
}

function dissectMessage(code: number, m: Buf, n: Node, state: SshConversation, side: Side, fromClient: boolean): void {
  const method = state.method;
  if (code === 20) {
    dissectKexInit(m, n, state, side, fromClient);
    return;
  }
  if (code === 21) {
    side.encrypted = true;
    return;
  }
  const gex = method.startsWith('diffie-hellman-group-exchange');
  const ecdh = !gex && !method.startsWith('diffie-hellman-group');
  let pos = 1;
  if (gex && code === 34) {
    n.add(hf.gexMin, m, 1, 4, m.u32(1));
    n.add(hf.gexBits, m, 5, 4, m.u32(5));
    n.add(hf.gexMax, m, 9, 4, m.u32(9));
  } else if (gex && code === 30) {
    n.add(hf.gexBits, m, 1, 4, m.u32(1));
  } else if (gex && code === 31) {
    pos = addMpint(m, pos, hf.gexP, n);
    addMpint(m, pos, hf.gexG, n);
  } else if ((gex && code === 32) || (!gex && !ecdh && code === 30)) {
    addMpint(m, pos, hf.dhE, n);
  } else if (ecdh && code === 30) {
    pos = addString(m, pos, hf.ecdhQcLength, hf.ecdhQc, n);
  } else if ((gex && code === 33) || code === 31) {
    pos = addHostKey(m, pos, n);
    pos = ecdh ? addString(m, pos, hf.ecdhQsLength, hf.ecdhQs, n) : addMpint(m, pos, hf.dhF, n);
    addSignature(m, pos, n);
    // The exchange is done: from here on each direction's labels name its cipher.
    if (state.chosen) {
      state.cipher = state.chosen.cipher;
      state.compression = state.chosen.compression;
      state.mac = state.chosen.mac;
    }
  } else if (m.length > 1) {
    n.add(hf.payload, m, 1, m.length - 1, m.bytesAt(1, m.length - 1));
  }
}

/** A uint32-length string: its length field and its bytes (or text). Returns the offset after it. */
function addString(m: Buf, pos: number, lengthField: FieldDef, valueField: FieldDef, n: Node): number {
  const len = m.u32(pos);
  n.add(lengthField, m, pos, 4, len);
  const value = valueField.type === FT.String ? m.latin1(pos + 4, len) : m.bytesAt(pos + 4, len);
  n.add(valueField, m, pos + 4, len, value);
  return pos + 4 + len;
}

function addMpint(m: Buf, pos: number, valueField: FieldDef, n: Node): number {
  return addString(m, pos, hf.mpintLength, valueField, n);
}

function addHostKey(m: Buf, pos: number, n: Node): number {
  const len = m.u32(pos);
  const blob = m.sub(pos + 4, len);
  const typeLength = blob.u32(0);
  const type = blob.latin1(4, typeLength);
  const k = n.addText(`KEX host key (type: ${type})`, m, pos, 4 + len);
  k.add(hf.hostKeyLength, m, pos, 4, len);
  let at = addString(blob, 0, hf.hostKeyTypeLength, hf.hostKeyType, k);
  if (type === 'ssh-rsa') {
    at = addMpint(blob, at, hf.rsaE, k);
    addMpint(blob, at, hf.rsaN, k);
  } else if (type === 'ssh-ed25519' || type === 'ssh-ed448') {
    addString(blob, at, hf.eddsaKeyLength, hf.eddsaKey, k);
  } else if (type.startsWith('ecdsa-sha2-')) {
    at = addString(blob, at, hf.ecdsaCurveLength, hf.ecdsaCurve, k);
    addString(blob, at, hf.ecdsaQLength, hf.ecdsaQ, k);
  } else if (at < blob.length) {
    k.add(hf.hostKeyData, blob, at, blob.length - at, blob.bytesAt(at, blob.length - at));
  }
  return pos + 4 + len;
}

function addSignature(m: Buf, pos: number, n: Node): number {
  const len = m.u32(pos);
  const blob = m.sub(pos + 4, len);
  const type = blob.latin1(4, blob.u32(0));
  const s = n.addText(`KEX host signature (type: ${type})`, m, pos, 4 + len);
  s.add(hf.hostSigLength, m, pos, 4, len);
  const at = addString(blob, 0, hf.hostSigTypeLength, hf.hostSigType, s);
  // ssh-rsa signatures are an mpint-like string; the others' bytes are shown as they are.
  if (at + 4 <= blob.length) {
    const sigLength = blob.u32(at);
    if (type === 'ssh-rsa') addMpint(blob, at, hf.rsaSignature, s);
    else s.add(hf.hostSigData, blob, at + 4, sigLength, blob.bytesAt(at + 4, sigLength));
  }
  return pos + 4 + len;
}

function dissectKexInit(m: Buf, n: Node, state: SshConversation, side: Side, fromClient: boolean): void {
  const a = n.addText('Algorithms', m, 1, m.length - 1);
  a.add(hf.cookie, m, 1, 16, m.bytesAt(1, 16));
  let pos = 17;
  const lists: string[] = [];
  for (const f of listFields) {
    lists.push(m.latin1(pos + 4, m.u32(pos)));
    pos = addString(m, pos, f.length, f.list, a);
  }
  a.add(hf.firstKexFollows, m, pos, 1, m.u8(pos));
  a.add(hf.reserved, m, pos + 1, 4, m.bytesAt(pos + 1, 4));
  side.lists = lists;
  // HASSH: key exchange, ciphers, MACs and compression of the sender's own direction.
  const own = fromClient ? [0, 2, 4, 6] : [0, 3, 5, 7];
  const fingerprint = own.map((i) => lists[i]).join(';');
  a.addGenerated(fromClient ? hf.hasshAlgorithms : hf.hasshServerAlgorithms, fingerprint);
  a.addGenerated(fromClient ? hf.hassh : hf.hasshServer, crypto().createHash('md5').update(fingerprint).digest('hex'));
  negotiate(state);
}

/** Once both KEXINITs are in: the first of the client's algorithms that the server also offers. */
function negotiate(state: SshConversation): void {
  const client = state.sides[state.clientDir]!.lists;
  const server = state.sides[1 - state.clientDir]!.lists;
  if (!client || !server) return;
  const pick = (i: number): string => {
    const offered = new Set(server[i]!.split(','));
    return client[i]!.split(',').find((x) => offered.has(x)) ?? '';
  };
  state.method = pick(0);
  state.chosen = { cipher: [pick(2), pick(3)], compression: [pick(6), pick(7)], mac: [pick(4), pick(5)] };
}

/** SSH on any port: a version line "SSH-2.0-" or "SSH-1.x-". */
function heuristicSsh(buf: Buf, pkt: Packet, parent: Node, data?: unknown): boolean {
  if (buf.length < 8 || buf.latin1(0, 4) !== 'SSH-') return false;
  const v = buf.latin1(4, 4);
  if (!v.startsWith('2.0-') && !v.startsWith('1.99') && !v.startsWith('1.5-')) return false;
  dissectSsh(buf, pkt, parent, data);
  return true;
}

export function register(): void {
  const tcp = table('tcp.port');
  tcp.add(22, ssh);
  tcp.addHeuristic(ssh, heuristicSsh);
}
