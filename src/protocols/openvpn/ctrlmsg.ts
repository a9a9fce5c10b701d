/**
 * What OpenVPN says inside its TLS session, once TLS is decrypted with a key log (OpenVPN 2.x,
 * ssl.c key_method_2_write / read, push.c): first each side's key method 2 message, then
 * NUL-terminated text commands.
 *
 * Key method 2 message (client; a server sends no pre-master secret):
 *
 *   +----------------+--------+------------------+-------------+-------------+
 *   | 0 (32 bits)    | method | pre-master (48)  | random1 (32)| random2 (32)|
 *   +----------------+--------+------------------+-------------+-------------+
 *   | options string | username | password | peer info    each: u16 length (with the NUL), text, NUL
 *   +----------------+----------+----------+-----------+
 *
 * The options string is what OCC compares ("V4,dev-type tun,link-mtu 1559,…,tls-client"); the peer
 * info lists the client's version and capabilities (IV_VER, IV_PLAT, IV_PROTO, IV_CIPHERS…); the
 * randoms feed the old key derivation (OpenVPN's PRF) that tls-ekm replaced in 2.6. Then come text
 * commands: PUSH_REQUEST, PUSH_REPLY with the options the server pushes (ifconfig, routes, cipher,
 * peer-id, key-derivation tls-ekm), AUTH_FAILED, RESTART, HALT, INFO, EXIT, AUTH_PENDING, CR_RESPONSE.
 */
import { protocol } from '../../engine/dispatch.js';
import type { Buf } from '../../engine/buf.js';
import { FT, type FieldDef, field } from '../../engine/fields.js';
import type { Packet } from '../../engine/packet.js';
import { dissectPdus, NEED_MORE, NOT_THIS } from '../../engine/stream.js';
import { type Node, Severity } from '../../engine/tree.js';
import { isStreamData } from '../../engine/stream.js';
import { KeyChannel } from './control.js';

const hf = {
  keyMethodMessage: field('openvpn-ctrl.key_method_message', 'Key Method 2 Message', FT.None, 'The message each side sends first inside TLS: its random material for the data channel keys, its options string, and (client) its credentials and peer info.'),
  leadingZero: field('openvpn-ctrl.leading_zero', 'Leading zero', FT.UInt32, 'Four zero bytes that start a key method message, left from the retired key method 1.'),
  keyMethod: field('openvpn-ctrl.key_method', 'Key method', FT.UInt8, 'How data channel keys are agreed; 2 is the only method OpenVPN 2.x speaks (its low bits; the high bits are flags).', { values: { 2: 'Key method 2' } }),
  role: field('openvpn-ctrl.role', 'Sent by', FT.String, 'Whether the client or the server sent this message: only the client sends a pre-master secret.'),
  preMaster: field('openvpn-ctrl.pre_master', 'Pre-master secret', FT.Bytes, 'The client\'s 48 random bytes from which, with both sides\' randoms, the old OpenVPN PRF derives the data channel keys (unused when tls-ekm is negotiated).'),
  random1: field('openvpn-ctrl.random1', 'Random 1', FT.Bytes, '32 random bytes mixed into the master secret of the old key derivation.'),
  random2: field('openvpn-ctrl.random2', 'Random 2', FT.Bytes, '32 random bytes mixed into the key expansion of the old key derivation.'),
  optionsLength: field('openvpn-ctrl.options_length', 'Options string length', FT.UInt16, 'Bytes of the options string, with its terminating NUL.'),
  options: field('openvpn-ctrl.options', 'Options string', FT.String, 'The sender\'s settings that must agree with the peer\'s (OCC): version, device type, MTUs, protocol, cipher, auth, key size and role.'),
  option: field('openvpn-ctrl.option', 'Option', FT.String, 'One comma-separated item of an options string or of a pushed option list.'),
  usernameLength: field('openvpn-ctrl.username_length', 'Username length', FT.UInt16, 'Bytes of the username, with its NUL (0: none sent).'),
  username: field('openvpn-ctrl.username', 'Username', FT.String, 'The username of --auth-user-pass, sent inside TLS (or an auth-token\'s username).'),
  passwordLength: field('openvpn-ctrl.password_length', 'Password length', FT.UInt16, 'Bytes of the password, with its NUL (0: none sent).'),
  password: field('openvpn-ctrl.password', 'Password', FT.String, 'The password of --auth-user-pass (or a pushed auth-token), readable here only because the TLS session was decrypted.'),
  peerInfoLength: field('openvpn-ctrl.peer_info_length', 'Peer info length', FT.UInt16, 'Bytes of the peer info, with its NUL (0: none sent).'),
  peerInfo: field('openvpn-ctrl.peer_info', 'Peer info', FT.String, 'What the client tells the server about itself, one NAME=value per line.'),
  peerInfoItem: field('openvpn-ctrl.peer_info.item', 'Peer info item', FT.String, 'One NAME=value line: IV_VER (version), IV_PLAT (platform), IV_PROTO (protocol features, a bit field), IV_CIPHERS (data ciphers it accepts), IV_NCP, IV_MTU …'),
  message: field('openvpn-ctrl.message', 'Control message', FT.String, 'A text command on the control channel, ended by a NUL byte.'),
  command: field('openvpn-ctrl.command', 'Command', FT.String, 'The command word: PUSH_REQUEST, PUSH_REPLY, AUTH_FAILED, RESTART, HALT, INFO, EXIT, AUTH_PENDING, CR_RESPONSE …'),
};

const commandMeanings: Record<string, string> = {
  PUSH_REQUEST: 'the client asks the server for its configuration',
  PUSH_REPLY: 'the server pushes configuration to the client',
  PUSH_UPDATE: 'the server changes pushed options of a running session',
  AUTH_FAILED: 'the server refuses the client\'s credentials',
  AUTH_PENDING: 'authentication continues out of band; the client waits',
  RESTART: 'the server tells the client to reconnect',
  HALT: 'the server tells the client to stop',
  EXIT: 'the peer is shutting down (explicit-exit-notify over TCP or with TLS)',
  INFO: 'a message for the user',
  INFO_PRE: 'a message for the user before authentication completes',
  CR_RESPONSE: 'the client answers a challenge',
};

const ctrl = protocol('openvpn-ctrl', 'OpenVPN Control Channel Message', 'OpenVPN',
  'What OpenVPN peers say inside their TLS session: the key method 2 exchange (randoms, options, credentials, peer info), then text commands such as PUSH_REQUEST and PUSH_REPLY.',
  dissectCtrl);

/** The protocol inside an OpenVPN control channel's TLS. */
export const openvpnCtrl = ctrl;

/** Offset just past a u16-length string starting at `offset`, or -1 when the bytes end first. */
function stringEnd(b: Buf, offset: number): number {
  if (b.length - offset < 2) return -1;
  const end = offset + 2 + b.u16(offset);
  return end <= b.length ? end : -1;
}

/** Where the options string starts: after the client's 112 or the server's 64 bytes of key source. */
function optionsOffset(b: Buf, offset: number): number | null {
  for (const keySource of [112, 64]) {
    const at = offset + 5 + keySource;
    if (b.length - at < 3) continue;
    const len = b.u16(at);
    // "V4,…" and NUL-terminated: the client layout otherwise cuts in the middle of the randoms.
    if (len >= 2 && at + 2 + len <= b.length && b.u8(at + 2) === 0x56 && b.u8(at + 1 + len) === 0) return at;
  }
  return null;
}

function pduLength(b: Buf, offset: number): number {
  if (b.length - offset < 4) return NEED_MORE;
  if (b.u32(offset) === 0) {
    const at = optionsOffset(b, offset);
    if (at === null) return b.length - offset >= 5 + 112 + 2 + 4096 ? NOT_THIS : NEED_MORE;
    let end = at;
    for (let i = 0; i < 4; i++) {
      end = stringEnd(b, end);
      if (end < 0) return NEED_MORE;
    }
    return end - offset;
  }
  for (let i = offset; i < b.length; i++) if (b.u8(i) === 0) return i + 1 - offset;
  return NEED_MORE;
}

function dissectCtrl(buf: Buf, pkt: Packet, parent: Node, data?: unknown): void {
  let first = true;
  // The key id's control channel, which keeps what the data channel's keys are derived from.
  const channel = isStreamData(data) && data.channel instanceof KeyChannel ? data.channel : null;
  dissectPdus(buf, pkt, parent, data, pduLength, (pdu) => {
    const layer = pkt.addLayer(ctrl, parent, pdu, 0, pdu.length);
    const info = pdu.length >= 4 && pdu.u32(0) === 0 ? dissectKeyMethod(pdu, layer, pkt, channel) : dissectMessage(pdu, layer, pkt, channel);
    if (first) pkt.setInfo(info);
    else pkt.appendInfo(`, ${info}`);
    first = false;
  });
}

/** A u16-length string: its length and text fields; returns where it ends, its text and its node. */
function addString(b: Buf, at: number, lengthField: FieldDef, textField: FieldDef, n: Node): { end: number; text: string; node: Node | null } {
  const len = b.u16(at);
  n.add(lengthField, b, at, 2, len);
  const text = len > 0 ? b.latin1(at + 2, b.u8(at + 1 + len) === 0 ? len - 1 : len) : '';
  const node = len > 0 ? n.add(textField, b, at + 2, len, text) : null;
  return { end: at + 2 + len, text, node };
}

function dissectKeyMethod(b: Buf, layer: Node, pkt: Packet, channel: KeyChannel | null): string {
  const m = layer.add(hf.keyMethodMessage, b, 0, b.length);
  m.add(hf.leadingZero, b, 0, 4, 0);
  const method = b.u8(4);
  m.add(hf.keyMethod, b, 4, 1, method & 0x0f);
  const at = optionsOffset(b, 0)!;
  const client = at === 5 + 112;
  m.addGenerated(hf.role, client ? 'client' : 'server');
  let pos = 5;
  if (client) {
    m.add(hf.preMaster, b, pos, 48, b.bytesAt(pos, 48));
    pos += 48;
  }
  m.add(hf.random1, b, pos, 32, b.bytesAt(pos, 32));
  m.add(hf.random2, b, pos + 32, 32, b.bytesAt(pos + 32, 32));
  if (channel) {
    const random1 = b.bytesAt(pos, 32).slice();
    const random2 = b.bytesAt(pos + 32, 32).slice();
    if (client) channel.keySource.client = { preMaster: b.bytesAt(5, 48).slice(), random1, random2 };
    else channel.keySource.server = { random1, random2 };
  }
  const options = addString(b, at, hf.optionsLength, hf.options, m);
  if (options.node?.real) addItems(b, at + 2, options.text, ',', hf.option, options.node);
  const user = addString(b, options.end, hf.usernameLength, hf.username, m);
  const password = addString(b, user.end, hf.passwordLength, hf.password, m);
  const username = user.text;
  if (password.node) pkt.addExpert(password.node, Severity.Warning, 'Security', `Password of user "${username}" readable in the decrypted control channel`, 'openvpn-ctrl');
  const peer = addString(b, password.end, hf.peerInfoLength, hf.peerInfo, m);
  const peerInfo = peer.text;
  if (peer.node?.real) addItems(b, password.end + 2, peerInfo, '\n', hf.peerInfoItem, peer.node);
  const version = /(?:^|\n)IV_VER=([^\n]*)/.exec(peerInfo)?.[1];
  if (channel && client && version) {
    channel.record.inside.version = version;
    channel.record.inside.platform = /(?:^|\n)IV_PLAT=([^\n]*)/.exec(peerInfo)?.[1] ?? '';
  }
  const who = client ? 'client' : 'server';
  return `Key Method 2 (${who}${username ? `, user ${username}` : ''}${version ? `, OpenVPN ${version}` : ''})`;
}

/** IV_PROTO's bits (ssl.h): the protocol features a 2.5+ peer supports. */
const ivProtoBits: [number, string][] = [
  [1, 'DATA_V2'], [2, 'REQUEST_PUSH'], [3, 'TLS_KEY_EXPORT'], [4, 'AUTH_PENDING_KW'], [5, 'NCP_P2P'],
  [6, 'DNS_OPTION'], [7, 'CC_EXIT_NOTIFY'], [8, 'AUTH_FAIL_TEMP'], [9, 'DYN_TLS_CRYPT'],
];

/** "IV_PROTO=990" → " (DATA_V2, REQUEST_PUSH, …)": what the bits say the peer can do. */
function ivProtoText(item: string): string | null {
  const m = /^IV_PROTO=(\d+)$/.exec(item);
  if (!m) return null;
  const v = Number(m[1]);
  const names = ivProtoBits.filter(([bit]) => v & (1 << bit)).map(([, name]) => name);
  return names.length ? ` (${names.join(', ')})` : null;
}

/** Adds each `separator`-separated item of `text` (which starts at `start` in `b`) under `parent`. */
function addItems(b: Buf, start: number, text: string, separator: string, def: FieldDef, parent: Node): void {
  let at = 0;
  for (const item of text.split(separator)) {
    if (item) {
      const n = parent.add(def, b, start + at, item.length, item);
      const features = def === hf.peerInfoItem ? ivProtoText(item) : null;
      if (features) n.suffix = features;
    }
    at += item.length + 1;
  }
}

function dissectMessage(b: Buf, layer: Node, pkt: Packet, channel: KeyChannel | null): string {
  const nul = b.u8(b.length - 1) === 0;
  const text = b.latin1(0, nul ? b.length - 1 : b.length);
  const n = layer.add(hf.message, b, 0, b.length, text);
  const comma = text.indexOf(',');
  const command = comma >= 0 ? text.slice(0, comma) : text;
  const c = n.add(hf.command, b, 0, command.length, command);
  const meaning = commandMeanings[command];
  if (meaning) c.suffix = ` (${meaning})`;
  if (comma >= 0 && n.real) addItems(b, comma + 1, text.slice(comma + 1), ',', hf.option, n);
  if (command === 'AUTH_FAILED' || command === 'HALT' || command === 'RESTART') pkt.addExpert(n, Severity.Warning, 'Response Code', text, 'openvpn-ctrl');
  if (command === 'PUSH_REPLY' && channel) {
    const options = text.split(',');
    // Data keys come from TLS-EKM when the server pushes it, from OpenVPN's PRF otherwise.
    const ekm = options.some((o) => o === 'key-derivation tls-ekm' || (o.startsWith('protocol-flags ') && o.split(' ').includes('tls-ekm')));
    if (ekm) channel.derivation = 'tls-ekm';
    else channel.derivation ??= 'openvpn-prf';
    const inside = channel.record.inside;
    inside.ifconfig = options.find((o) => o.startsWith('ifconfig '))?.slice(9) ?? inside.ifconfig;
    inside.cipher = options.find((o) => o.startsWith('cipher '))?.slice(7) ?? inside.cipher;
  }
  if (command === 'PUSH_REPLY') return `PUSH_REPLY (${text.split(',').length - 1} options)`;
  return text.length > 60 ? `${text.slice(0, 60)}…` : text;
}

