/**
 * WireGuard — https://www.wireguard.com/protocol/ (the whitepaper, "WireGuard: Next Generation Kernel
 * Network Tunnel", section 5.4). Four messages over UDP, found by their exact shape on any port.
 *
 *   Handshake Initiation (1), 148 bytes        Handshake Response (2), 92 bytes
 *   type | reserved (3) | sender (4)           type | reserved (3) | sender (4) | receiver (4)
 *   ephemeral public key (32)                  ephemeral public key (32)
 *   encrypted static key (32 + 16 tag)         encrypted nothing (16-byte tag only)
 *   encrypted timestamp (12 + 16 tag)          mac1 (16) | mac2 (16)
 *   mac1 (16) | mac2 (16)
 *
 *   Cookie Reply (3), 64 bytes                 Transport Data (4), 32 bytes and more
 *   type | reserved (3) | receiver (4)         type | reserved (3) | receiver (4)
 *   nonce (24) | encrypted cookie (16 + 16)    counter (8) | encrypted packet (padded to 16, + 16 tag)
 *
 * The sender and receiver fields are the session indices each peer picked (little-endian, as every
 * integer in WireGuard); a transport message carries the index its receiver chose, so vpnscope
 * follows a session from its initiation through the response to its data and numbers it (wg.stream).
 * A transport message whose encrypted packet is the 16-byte tag alone carries nothing: a keepalive.
 * Without the peers' private keys everything else is opaque.
 */
import { FT, field } from '../engine/fields.js';
import { protocol, table } from '../engine/dispatch.js';
import type { Buf } from '../engine/buf.js';
import type { Packet } from '../engine/packet.js';
import { Severity, type Node } from '../engine/tree.js';

const T = { Initiation: 1, Response: 2, CookieReply: 3, TransportData: 4 } as const;

const typeNames: Record<number, string> = {
  1: 'Handshake Initiation',
  2: 'Handshake Response',
  3: 'Cookie Reply',
  4: 'Transport Data',
};

/** The exact sizes of the handshake messages, and the least a transport message can be. */
const sizes: Record<number, number> = { 1: 148, 2: 92, 3: 64 };
const MIN_TRANSPORT = 32;
/** The Poly1305 tag that ends every encrypted part. */
const TAG = 16;

const hf = {
  type: field('wg.type', 'Type', FT.UInt8, 'Which of the four WireGuard messages this is: 1 and 2 are the handshake, 3 a cookie for a peer under load, 4 tunnelled data.', { values: typeNames }),
  reserved: field('wg.reserved', 'Reserved', FT.Bytes, 'Three bytes that are always zero.'),
  sender: field('wg.sender', 'Sender', FT.UInt32, 'The session index the sender picked at random; its peer puts it in the receiver field of every message back.', { base: 'hex' }),
  ephemeral: field('wg.ephemeral', 'Ephemeral', FT.String, 'A Curve25519 public key made for this handshake only (base64); it gives the session its forward secrecy.'),
  ephemeralKnown: field('wg.ephemeral.known_privkey', 'Has Private Key', FT.Bool, 'Whether the private key of this ephemeral key was given to the dissector (vpnscope takes no WireGuard keys yet).', { trueFalse: ['True', 'False'] }),
  encryptedStatic: field('wg.encrypted_static', 'Encrypted Static', FT.None, 'The initiator\'s long-term public key, encrypted so that only the responder learns who is calling (32 bytes and a 16-byte tag).'),
  encryptedTimestamp: field('wg.encrypted_timestamp', 'Encrypted Timestamp', FT.None, 'The initiator\'s clock (TAI64N), encrypted; a responder rejects an initiation not newer than the last, which stops replays.'),
  mac1: field('wg.mac1', 'mac1', FT.Bytes, 'A keyed hash over the message with the receiver\'s public key: a peer drops messages not meant for it without doing any costly work.'),
  mac2: field('wg.mac2', 'mac2', FT.Bytes, 'A keyed hash with a cookie the receiver handed out when under load; all zeros when no cookie is held.'),
  receiver: field('wg.receiver', 'Receiver', FT.UInt32, 'The session index the receiving peer picked: how it finds the keys for this message.', { base: 'hex' }),
  encryptedEmpty: field('wg.encrypted_empty', 'Encrypted Empty', FT.None, 'An encryption of nothing: the 16-byte tag alone, proving the responder derived the same keys.'),
  nonce: field('wg.nonce', 'Nonce', FT.Bytes, 'The random nonce the cookie is encrypted with (24 bytes, XChaCha20-Poly1305).'),
  encryptedCookie: field('wg.encrypted_cookie', 'Encrypted Cookie', FT.Bytes, 'The cookie, encrypted: the peer must put a mac2 made with it on its next handshake message.'),
  counter: field('wg.counter', 'Counter', FT.UInt64, 'Counts the transport messages sent in this direction of the session, from 0; it is the encryption nonce, and the receiver drops repeats.'),
  encryptedPacket: field('wg.encrypted_packet', 'Encrypted Packet', FT.None, 'The tunnelled IP packet, padded to a multiple of 16 bytes and encrypted (ChaCha20-Poly1305), then a 16-byte tag.'),
  keepalive: field('wg.keepalive', 'This is a Keepalive message', FT.None, 'A transport message with nothing inside: sent to keep a NAT mapping open or to confirm a session.'),
  badLength: field('wg.bad_packet_length', 'Packet length is too small', FT.None, 'The message is shorter than its type requires.'),
  stream: field('wg.stream', 'Stream index', FT.UInt32, 'Numbers the WireGuard sessions (handshakes) in this capture, from 0; every message of one session has the same.'),
  responseTo: field('wg.response_to', 'Response to Frame', FT.FrameNum, 'The frame with the handshake initiation this response answers.'),
};

/** One handshake and the session keys it made, known by both peers' indices. */
interface Session {
  stream: number;
  initiationFrame: number;
  initiator: number;
  responder: number | null;
}

interface Sessions {
  byIndex: Map<number, Session>;
  next: number;
}

/** Indices remembered at most (a long capture makes a new session every two minutes per peer). */
const MAX_INDICES = 1 << 16;

function sessions(pkt: Packet): Sessions {
  return pkt.session.global('wg.sessions', () => ({ byIndex: new Map<number, Session>(), next: 0 }));
}

function remember(s: Sessions, index: number, session: Session): void {
  if (s.byIndex.size >= MAX_INDICES && !s.byIndex.has(index)) s.byIndex.delete(s.byIndex.keys().next().value!);
  s.byIndex.set(index, session);
}

/** "0xB2B0A79D", as tshark writes an index in the Info column. */
function indexText(v: number): string {
  return '0x' + v.toString(16).toUpperCase().padStart(8, '0');
}

/**
 * A message of the right size for its type: what the heuristic demands. The size is the datagram's,
 * so a message the capture cut is still recognised.
 */
function looksLikeWireGuard(buf: Buf): boolean {
  if (buf.length < 4) return false;
  const type = buf.u8(0);
  if (type < 1 || type > 4 || buf.u8(1) !== 0 || buf.u8(2) !== 0 || buf.u8(3) !== 0) return false;
  const size = buf.reportedLength;
  if (type === T.TransportData) return size >= MIN_TRANSPORT && size % 16 === 0;
  return size === sizes[type];
}

function dissectWireGuard(buf: Buf, pkt: Packet, parent: Node): void {
  const node = pkt.addLayer(wireguard, parent, buf, 0, buf.reportedLength);
  const type = buf.u8(0);
  node.add(hf.type, buf, 0, 1, type);
  node.add(hf.reserved, buf, 1, 3, buf.bytesAt(1, 3));
  const need = type === T.TransportData ? MIN_TRANSPORT : sizes[type];
  if (need === undefined) {
    pkt.setInfo(`Unknown message type ${type}`);
    return;
  }
  if (buf.reportedLength < need) {
    const n = node.addGenerated(hf.badLength, undefined);
    pkt.addExpert(n, Severity.Error, 'Malformed', `Packet length is too small (${buf.reportedLength} bytes, a ${typeNames[type]} has ${type === T.TransportData ? 'at least ' : ''}${need})`, 'wg', hf.badLength);
    pkt.setInfo(typeNames[type]!);
    return;
  }
  const s = sessions(pkt);
  // The Info column grows as fields are read, so a message cut by the capture says what it kept.
  const keepalive = type === T.TransportData && buf.reportedLength - 16 === TAG;
  pkt.setInfo(keepalive ? 'Keepalive' : typeNames[type]!);
  switch (type) {
    case T.Initiation: {
      const sender = buf.u32le(4);
      pkt.appendInfo(`, sender=${indexText(sender)}`);
      node.add(hf.sender, buf, 4, 4, sender);
      const session: Session = { stream: s.next++, initiationFrame: pkt.frame.number, initiator: sender, responder: null };
      remember(s, sender, session);
      addEphemeral(node, buf, 8);
      node.add(hf.encryptedStatic, buf, 40, 48);
      node.add(hf.encryptedTimestamp, buf, 88, 28);
      addMacs(node, buf, 116);
      node.addGenerated(hf.stream, session.stream);
      return;
    }
    case T.Response: {
      const sender = buf.u32le(4);
      pkt.appendInfo(`, sender=${indexText(sender)}`);
      node.add(hf.sender, buf, 4, 4, sender);
      const receiver = buf.u32le(8);
      pkt.appendInfo(`, receiver=${indexText(receiver)}`);
      node.add(hf.receiver, buf, 8, 4, receiver);
      const session = s.byIndex.get(receiver);
      const matched = session !== undefined && session.initiator === receiver && session.responder === null;
      if (matched) {
        session.responder = sender;
        remember(s, sender, session);
      }
      addEphemeral(node, buf, 12);
      node.add(hf.encryptedEmpty, buf, 44, 16);
      addMacs(node, buf, 60);
      if (matched) {
        node.addGenerated(hf.stream, session.stream);
        node.addGenerated(hf.responseTo, session.initiationFrame);
      }
      return;
    }
    case T.CookieReply: {
      const receiver = buf.u32le(4);
      pkt.appendInfo(`, receiver=${indexText(receiver)}`);
      node.add(hf.receiver, buf, 4, 4, receiver);
      node.add(hf.nonce, buf, 8, 24, buf.bytesAt(8, 24));
      node.add(hf.encryptedCookie, buf, 32, 32, buf.bytesAt(32, 32));
      addStream(node, s, receiver);
      return;
    }
    default: {
      const receiver = buf.u32le(4);
      pkt.appendInfo(`, receiver=${indexText(receiver)}`);
      node.add(hf.receiver, buf, 4, 4, receiver);
      const counter = BigInt(buf.u32le(8)) | (BigInt(buf.u32le(12)) << 32n);
      pkt.appendInfo(`, counter=${counter}`);
      node.add(hf.counter, buf, 8, 8, counter);
      const encrypted = buf.reportedLength - 16;
      // The length of the tunnelled packet (padded) as far as the capture kept it, as tshark counts it.
      const captured = buf.length - 16 - TAG;
      if (!keepalive && captured >= 0) pkt.appendInfo(`, datalen=${captured}`);
      const packet = node.add(hf.encryptedPacket, buf, 16, encrypted);
      if (keepalive) pkt.addExpert(packet, Severity.Chat, 'Sequence', 'This is a Keepalive message', 'wg', hf.keepalive);
      addStream(node, s, receiver);
    }
  }
}

function addEphemeral(node: Node, buf: Buf, offset: number): void {
  const key = node.add(hf.ephemeral, buf, offset, 32, Buffer.from(buf.bytesAt(offset, 32)).toString('base64'));
  key.addGenerated(hf.ephemeralKnown, false);
}

function addMacs(node: Node, buf: Buf, offset: number): void {
  node.add(hf.mac1, buf, offset, 16, buf.bytesAt(offset, 16));
  node.add(hf.mac2, buf, offset + 16, 16, buf.bytesAt(offset + 16, 16));
}

/** The stream of the session whose peer chose `receiver`, when its handshake was seen. */
function addStream(node: Node, s: Sessions, receiver: number): void {
  const session = s.byIndex.get(receiver);
  if (session) node.addGenerated(hf.stream, session.stream);
}

function heuristic(buf: Buf, pkt: Packet, parent: Node): boolean {
  if (!looksLikeWireGuard(buf)) return false;
  dissectWireGuard(buf, pkt, parent);
  return true;
}

export const wireguard = protocol('wg', 'WireGuard Protocol', 'WireGuard',
  'A VPN of four fixed-shape UDP messages: a one-round-trip handshake (Noise IK) that makes session keys, then encrypted IP packets with a counter.',
  dissectWireGuard);

export function register(): void {
  table('udp.port').addHeuristic(wireguard, heuristic);
}

