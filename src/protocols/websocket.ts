/**
 * WebSocket (RFC 6455), on a connection HTTP upgraded with "101 Switching Protocols" and
 * "Upgrade: websocket" (the `http.upgrade` table names it).
 *
 *    0                   1                   2                   3
 *   +-+-+-+-+-------+-+-------------+-------------------------------+
 *   |F|R|R|R| opcode|M| Payload len |    Extended payload length    |
 *   |I|S|S|S|  (4)  |A|     (7)     |             (16/64)           |
 *   |N|V|V|V|       |S|             |   (if payload len==126/127)   |
 *   +-+-+-+-+-------+-+-------------+ - - - - - - - - - - - - - - - +
 *   |  Masking-key (0 or 4 bytes, when MASK is set: client to server) |
 *   +---------------------------------------------------------------+
 *   |                        Payload data ...                        |
 *
 * Frames are PDUs over the TCP stream (one may span segments, a segment may hold several). A masked
 * payload is unmasked into a data source of its own; text frames are shown as their text and as
 * lines, close frames as their status code and reason.
 */
import { FT, field } from '../engine/fields.js';
import { protocol, table, callDissector, type Protocol } from '../engine/dispatch.js';
import type { Buf } from '../engine/buf.js';
import type { Packet } from '../engine/packet.js';
import type { Node } from '../engine/tree.js';
import { dissectPdus, NEED_MORE } from '../engine/stream.js';
import { textLines } from './http.js';

const opcodeNames = new Map([
  [0, 'Continuation'], [1, 'Text'], [2, 'Binary'], [8, 'Connection Close'], [9, 'Ping'], [10, 'Pong'],
]);

/** Close status codes (RFC 6455 §7.4.1). */
const closeCodes = new Map([
  [1000, 'Normal Closure'], [1001, 'Going Away'], [1002, 'Protocol error'], [1003, 'Unsupported Data'],
  [1005, 'No Status Rcvd'], [1006, 'Abnormal Closure'], [1007, 'Invalid frame payload data'], [1008, 'Policy Violation'],
  [1009, 'Message Too Big'], [1010, 'Mandatory Ext.'], [1011, 'Internal Server'], [1015, 'TLS handshake'],
]);

const hf = {
  fin: field('websocket.fin', 'Fin', FT.Bool, 'Set on the last frame of a message; a message may be split over several frames.', { bitmask: 0x80, bitWidth: 8, trueFalse: ['True', 'False'] }),
  rsv: field('websocket.rsv', 'Reserved', FT.UInt8, 'Three bits for extensions (per-message compression sets the first); zero otherwise.', { bitmask: 0x70, base: 'hex' }),
  opcode: field('websocket.opcode', 'Opcode', FT.UInt8, 'What the frame carries: text, binary data, the continuation of a message, or a control frame (close, ping, pong).', { bitmask: 0x0f, values: opcodeNames }),
  mask: field('websocket.mask', 'Mask', FT.Bool, 'Set when the payload is masked with the key that follows, as every frame from client to server must be.', { bitmask: 0x80, bitWidth: 8, trueFalse: ['True', 'False'] }),
  payloadLength: field('websocket.payload_length', 'Payload length', FT.UInt8, 'The payload size in bytes, or 126/127 to say a 16-bit or 64-bit length follows.', { bitmask: 0x7f }),
  payloadLength16: field('websocket.payload_length_ext_16', 'Extended Payload length (16 bits)', FT.UInt16, 'The payload size, for payloads of 126 to 65535 bytes.'),
  payloadLength64: field('websocket.payload_length_ext_64', 'Extended Payload length (64 bits)', FT.UInt64, 'The payload size, for payloads of 64 KiB and more.'),
  maskingKey: field('websocket.masking_key', 'Masking-Key', FT.Bytes, 'Four bytes XORed over the payload in turn: masking keeps a client from writing chosen bytes on the wire.'),
  maskedPayload: field('websocket.masked_payload', 'Masked payload', FT.None, 'The payload as sent, masked; the unmasked payload follows.'),
  payload: field('websocket.payload', 'Payload', FT.None, 'The application data of the frame, unmasked.'),
  text: field('websocket.payload.text', 'Text', FT.String, 'The payload of a text frame: UTF-8 text.'),
  continuation: field('websocket.payload.continue', 'Continue', FT.Bytes, 'The payload of a continuation frame: the next part of a message begun in an earlier frame.'),
  binary: field('websocket.payload.binary', 'Binary', FT.Bytes, 'The payload of a binary frame, as bytes.'),
  close: field('websocket.payload.close', 'Close', FT.None, 'The payload of a close frame: an optional status code and reason.'),
  closeCode: field('websocket.payload.close.status_code', 'Status code', FT.UInt16, 'Why the connection is closing: 1000 normal closure, 1001 going away, 1002 protocol error …', { values: closeCodes }),
  closeReason: field('websocket.payload.close.reason', 'Reason', FT.String, 'The closing side\'s reason, as UTF-8 text.'),
  ping: field('websocket.payload.ping', 'Ping', FT.Bytes, 'The payload of a ping, which the peer echoes in its pong.'),
  pong: field('websocket.payload.pong', 'Pong', FT.Bytes, 'The payload of a pong: what the ping it answers carried.'),
  unknown: field('websocket.payload.unknown', 'Unknown', FT.Bytes, 'The payload of a frame with an opcode RFC 6455 reserves.'),
};

/** Header length of the frame at `offset` (2 to 14 bytes), or NEED_MORE. */
function headerLength(b: Buf, offset: number): number {
  if (b.length - offset < 2) return NEED_MORE;
  const b1 = b.u8(offset + 1);
  const len7 = b1 & 0x7f;
  return 2 + (len7 === 126 ? 2 : len7 === 127 ? 8 : 0) + (b1 & 0x80 ? 4 : 0);
}

/** The payload length the header at `offset` gives (which needs the whole header). */
function payloadLength(b: Buf, offset: number): number {
  const len7 = b.u8(offset + 1) & 0x7f;
  if (len7 === 126) return b.u16(offset + 2);
  if (len7 === 127) return Number(b.u64(offset + 2));
  return len7;
}

function pduLength(b: Buf, offset: number): number {
  const header = headerLength(b, offset);
  if (header < 0 || b.length - offset < header) return NEED_MORE;
  return header + payloadLength(b, offset);
}

function dissectWebsocket(buf: Buf, pkt: Packet, parent: Node, data?: unknown): void {
  let frames = 0;
  dissectPdus(buf, pkt, parent, data, pduLength, (frame, p, tree) => dissectFrame(frame, p, tree, frames++ === 0));
}

function dissectFrame(buf: Buf, pkt: Packet, parent: Node, first: boolean): void {
  const node = pkt.addLayer(websocket, parent, buf, 0, buf.length);
  const b0 = buf.u8(0);
  const b1 = buf.u8(1);
  const opcode = b0 & 0x0f;
  const masked = (b1 & 0x80) !== 0;
  node.add(hf.fin, buf, 0, 1, (b0 & 0x80) !== 0);
  node.add(hf.rsv, buf, 0, 1, b0 & 0x70);
  node.add(hf.opcode, buf, 0, 1, opcode);
  node.add(hf.mask, buf, 1, 1, masked);
  node.add(hf.payloadLength, buf, 1, 1, b1 & 0x7f);
  let pos = 2;
  if ((b1 & 0x7f) === 126) {
    node.add(hf.payloadLength16, buf, 2, 2, buf.u16(2));
    pos = 4;
  } else if ((b1 & 0x7f) === 127) {
    node.add(hf.payloadLength64, buf, 2, 8, buf.u64(2));
    pos = 10;
  }
  const info = `WebSocket ${opcodeNames.get(opcode) ?? `Unknown ${opcode}`}${b0 & 0x80 ? ' [FIN]' : ''}${masked ? ' [MASKED]' : ''}`;
  if (first) pkt.setInfo(info);
  else pkt.appendInfo(info, true);
  let payload = buf.sub(pos + (masked ? 4 : 0));
  if (masked) {
    const key = buf.bytesAt(pos, 4);
    node.add(hf.maskingKey, buf, pos, 4, key);
    node.add(hf.maskedPayload, payload, 0, payload.length);
    const bytes = payload.bytesAt(0, payload.length);
    const plain = new Uint8Array(bytes.length);
    for (let i = 0; i < bytes.length; i++) plain[i] = bytes[i]! ^ key[i & 3]!;
    payload = pkt.newSource(plain, 'Unmasked data');
  }
  if (payload.length === 0) return;
  const p = node.add(hf.payload, payload, 0, payload.length);
  if (opcode === 1) {
    p.add(hf.text, payload, 0, payload.length, payload.utf8(0, payload.length));
    callDissector(textLines, payload, pkt, parent);
  } else if (opcode === 8) {
    const c = p.add(hf.close, payload, 0, payload.length);
    if (payload.length >= 2) c.add(hf.closeCode, payload, 0, 2, payload.u16(0));
    if (payload.length > 2) c.add(hf.closeReason, payload, 2, payload.length - 2, payload.utf8(2, payload.length - 2));
  } else {
    p.add(bytesFields.get(opcode) ?? hf.unknown, payload, 0, payload.length, payload.bytesAt(0, payload.length));
  }
}

/** The payload field of the frames whose payload is shown as bytes, by opcode. */
const bytesFields = new Map([[0, hf.continuation], [2, hf.binary], [9, hf.ping], [10, hf.pong]]);

export const websocket: Protocol = protocol('websocket', 'WebSocket', 'WebSocket',
  'WebSocket (RFC 6455): two-way messages over a connection that began as HTTP, in frames of text, binary data or control.', dissectWebsocket);

export function register(): void {
  table('http.upgrade').add('websocket', websocket);
}
