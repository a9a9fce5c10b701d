/**
 * HTTP/2 (RFC 9113) — what HTTPS carries once TLS is decrypted and ALPN said "h2".
 *
 * The client starts with a fixed preface ("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"), then both sides send
 * frames:
 *
 *   +-----------------------------------------------+
 *   |                 Length (24)                   |
 *   +---------------+---------------+---------------+
 *   |   Type (8)    |   Flags (8)   |
 *   +-+-------------+---------------+-------------------------------+
 *   |R|                 Stream Identifier (31)                      |
 *   +-+-------------------------------------------------------------+
 *   |                   Frame Payload (Length)                    ...
 *   +---------------------------------------------------------------+
 *
 * Requests and responses are streams (odd ids from the client): HEADERS carries the header block
 * compressed with HPACK (hpack.ts), DATA the body. SETTINGS, WINDOW_UPDATE, PING, GOAWAY and
 * RST_STREAM manage the connection. Each frame is a layer of its own, as in Wireshark.
 */
import { protocol, table } from '../engine/dispatch.js';
import { Buf } from '../engine/buf.js';
import { FT, type FieldDef, field } from '../engine/fields.js';
import type { Packet } from '../engine/packet.js';
import { type Node, Severity } from '../engine/tree.js';
import { dissectPdus, isStreamData, NEED_MORE, NOT_THIS, TCP_PDUS } from '../engine/stream.js';
import { HpackDecoder, type DecodedHeader } from './hpack.js';
import { dissectMediaBody } from './http.js';

const http2 = protocol('http2', 'HyperText Transfer Protocol 2', 'HTTP2',
  'HTTP/2: requests and responses as numbered streams of binary frames over one connection, headers compressed with HPACK.',
  dissectHttp2);

const PREFACE = 'PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n';

const frameTypes: Record<number, string> = {
  0: 'DATA', 1: 'HEADERS', 2: 'PRIORITY', 3: 'RST_STREAM', 4: 'SETTINGS', 5: 'PUSH_PROMISE', 6: 'PING', 7: 'GOAWAY',
  8: 'WINDOW_UPDATE', 9: 'CONTINUATION', 10: 'ALTSVC', 12: 'ORIGIN', 16: 'PRIORITY_UPDATE',
};

const errorCodes: Record<number, string> = {
  0: 'NO_ERROR', 1: 'PROTOCOL_ERROR', 2: 'INTERNAL_ERROR', 3: 'FLOW_CONTROL_ERROR', 4: 'SETTINGS_TIMEOUT', 5: 'STREAM_CLOSED',
  6: 'FRAME_SIZE_ERROR', 7: 'REFUSED_STREAM', 8: 'CANCEL', 9: 'COMPRESSION_ERROR', 10: 'CONNECT_ERROR', 11: 'ENHANCE_YOUR_CALM',
  12: 'INADEQUATE_SECURITY', 13: 'HTTP_1_1_REQUIRED',
};

/** Settings: identifier → [label in the item, name of the value line, value field suffix]. */
const settings: Record<number, [string, string, string]> = {
  1: ['Header table size', 'Header table size', 'header_table_size'],
  2: ['Enable PUSH', 'Enable PUSH', 'enable_push'],
  3: ['Max concurrent streams', 'Max concurrent streams', 'max_concurrent_streams'],
  4: ['Initial Windows size', 'Initial Windows Size', 'initial_window_size'],
  5: ['Max frame size', 'Max frame size', 'max_frame_size'],
  6: ['Max header list size', 'Max header list size', 'max_header_list_size'],
  8: ['Extended CONNECT', 'Extended CONNECT', 'extended_connect'],
};

const settingValueFields = new Map(Object.entries(settings).map(([id, [, name, suffix]]) =>
  [Number(id), field(`http2.settings.${suffix}`, name, FT.UInt32, `The value of the ${name} setting.`)]));

const TF: [string, string] = ['True', 'False'];

const hf = {
  magic: field('http2.magic', 'Magic', FT.String, 'The connection preface the client sends first, so a server that does not speak HTTP/2 fails at once.'),
  stream: field('http2.stream', 'Stream', FT.None, 'One HTTP/2 frame: its 9-byte header (length, type, flags, stream id) and payload.'),
  length: field('http2.length', 'Length', FT.UInt24, 'Bytes of the frame payload after the 9-byte header.'),
  type: field('http2.type', 'Type', FT.UInt8, 'What the frame is: DATA, HEADERS, SETTINGS, WINDOW_UPDATE, RST_STREAM, GOAWAY, PING …', { values: frameTypes }),
  flags: field('http2.flags', 'Flags', FT.UInt8, 'Bits whose meaning depends on the frame type (END_STREAM, END_HEADERS, PADDED, PRIORITY, ACK).', { base: 'hex' }),
  flagsUnusedData: field('http2.flags.unused_data', 'Unused', FT.UInt8, 'Flag bits DATA does not define.', { base: 'hex', bitmask: 0xf6, bitWidth: 8 }),
  flagsUnusedHeaders: field('http2.flags.unused_headers', 'Unused', FT.UInt8, 'Flag bits HEADERS does not define.', { base: 'hex', bitmask: 0xd2, bitWidth: 8 }),
  flagsUnusedSettings: field('http2.flags.unused_settings', 'Unused', FT.UInt8, 'Flag bits SETTINGS does not define.', { base: 'hex', bitmask: 0xfe, bitWidth: 8 }),
  flagsUnusedPing: field('http2.flags.unused_ping', 'Unused', FT.UInt8, 'Flag bits PING does not define.', { base: 'hex', bitmask: 0xfe, bitWidth: 8 }),
  flagsUnused: field('http2.flags.unused', 'Unused', FT.UInt8, 'Flag bits this frame type does not define.', { base: 'hex', bitmask: 0xff, bitWidth: 8 }),
  flagsPriority: field('http2.flags.priority', 'Priority', FT.Bool, 'HEADERS carries stream priority fields.', { bitmask: 0x20, bitWidth: 8, trueFalse: TF }),
  flagsPadded: field('http2.flags.padded', 'Padded', FT.Bool, 'The payload starts with a pad length and ends with that many zero bytes.', { bitmask: 0x08, bitWidth: 8, trueFalse: TF }),
  flagsEndHeaders: field('http2.flags.eh', 'End Headers', FT.Bool, 'The header block ends in this frame (no CONTINUATION follows).', { bitmask: 0x04, bitWidth: 8, trueFalse: TF }),
  flagsEndStream: field('http2.flags.end_stream', 'End Stream', FT.Bool, 'The sender is done with this stream: the request or response is complete.', { bitmask: 0x01, bitWidth: 8, trueFalse: TF }),
  flagsAck: field('http2.flags.ack.settings', 'ACK', FT.Bool, 'Acknowledges the peer\'s SETTINGS (or answers a PING).', { bitmask: 0x01, bitWidth: 8, trueFalse: TF }),
  flagsPingAck: field('http2.flags.ack.ping', 'ACK', FT.Bool, 'This PING answers one from the peer.', { bitmask: 0x01, bitWidth: 8, trueFalse: TF }),
  reserved: field('http2.r', 'Reserved', FT.UInt32, 'A bit that must be zero in front of the stream id.', { base: 'hex', bitmask: 0x80000000, bitWidth: 32 }),
  streamId: field('http2.streamid', 'Stream Identifier', FT.UInt32, 'Which stream (request/response exchange) the frame belongs to; 0 is the connection itself.', { bitmask: 0x7fffffff, bitWidth: 32 }),
  padLength: field('http2.pad_length', 'Pad Length', FT.UInt8, 'Zero bytes at the end of the payload that hide the true size.'),
  padding: field('http2.padding', 'Padding', FT.Bytes, 'The zero bytes that pad the frame, hiding the length of what it carries.'),
  data: field('http2.data.data', 'Data', FT.Bytes, 'Part of the request or response body.'),
  headerBlock: field('http2.headers', 'Header Block Fragment', FT.Bytes, 'The HPACK-compressed headers of the request or response.'),
  headerLength: field('http2.header.length', 'Header Length', FT.UInt32, 'Size of the decoded headers (each name and value with 4-byte lengths).'),
  headerCount: field('http2.header.count', 'Header Count', FT.UInt32, 'How many headers the block decodes to.'),
  header: field('http2.header', 'Header', FT.None, 'One decoded header: a name, a value and how HPACK coded it.'),
  headerNameLength: field('http2.header.name.length', 'Name Length', FT.UInt32, 'Length of the header name.'),
  headerName: field('http2.header.name', 'Name', FT.String, 'The header name; pseudo-headers (:method, :path, :status …) carry what HTTP/1 had in its first line.'),
  headerValueLength: field('http2.header.value.length', 'Value Length', FT.UInt32, 'Length of the header value.'),
  headerValue: field('http2.header.value', 'Value', FT.String, 'The header value, after HPACK decoding (Huffman or plain).'),
  headerUnescaped: field('http2.header.unescaped', 'Unescaped', FT.String, 'The value with percent-escapes undone.'),
  headerRepr: field('http2.header.repr', 'Representation', FT.String, 'How HPACK coded it: an index into its tables, or a literal that is (or is not) added to the dynamic table.'),
  headerIndex: field('http2.header.index', 'Index', FT.UInt32, 'The HPACK table entry used: 1–61 the static table, 62 and up the entries this connection added.'),
  fullUri: field('http2.request.full_uri', 'Full request URI', FT.String, 'The URL of the request: scheme, authority and path put together.'),
  settingsItem: field('http2.settings', 'Settings', FT.None, 'One setting: an identifier and a 32-bit value.'),
  settingsId: field('http2.settings.id', 'Settings Identifier', FT.UInt16, 'Which setting this is.', { values: Object.fromEntries(Object.entries(settings).map(([k, v]) => [k, v[0]])) }),
  windowReserved: field('http2.window_update.r', 'Reserved', FT.UInt32, 'A bit that must be zero.', { base: 'hex', bitmask: 0x80000000, bitWidth: 32 }),
  windowIncrement: field('http2.window_update.window_size_increment', 'Window Size Increment', FT.UInt32, 'How many more bytes the sender may now receive (flow control).', { bitmask: 0x7fffffff, bitWidth: 32 }),
  error: field('http2.rst_stream.error', 'Error', FT.UInt32, 'Why the stream was reset.', { values: errorCodes }),
  goawayLast: field('http2.goaway.last_stream_id', 'Promised-Stream-ID', FT.UInt32, 'The last stream the sender will still process.', { bitmask: 0x7fffffff, bitWidth: 32 }),
  goawayError: field('http2.goaway.error', 'Error', FT.UInt32, 'Why the connection is being closed.', { values: errorCodes }),
  goawayDebug: field('http2.goaway.addata', 'Additional Debug Data', FT.Bytes, 'Free-form diagnostic bytes.'),
  ping: field('http2.ping', 'Ping', FT.Bytes, '8 opaque bytes the peer echoes back in its PING ACK.'),
  payload: field('http2.unknown', 'Payload', FT.Bytes, 'The payload of a frame type not decoded here.'),
};

/** Header-specific fields ("http2.headers.user_agent"), made on first use. */
const headerFields = new Map<string, FieldDef>();
const knownHeaders = [':method', ':path', ':scheme', ':authority', ':status', 'user-agent', 'accept', 'content-type', 'content-length',
  'server', 'date', 'cache-control', 'location', 'cookie', 'set-cookie', 'accept-encoding', 'accept-language', 'referer', 'host'];
for (const name of knownHeaders) {
  const suffix = name.replace(/^:/, '').replace(/-/g, '_');
  headerFields.set(name, field(`http2.headers.${suffix}`, name, FT.String, `The value of the ${name} header, under a name of its own so filters can test it.`));
}

const statusText: Record<string, string> = {
  200: 'OK', 201: 'Created', 204: 'No Content', 206: 'Partial Content', 301: 'Moved Permanently', 302: 'Found', 304: 'Not Modified',
  400: 'Bad Request', 401: 'Unauthorized', 403: 'Forbidden', 404: 'Not Found', 405: 'Method Not Allowed', 500: 'Internal Server Error',
  502: 'Bad Gateway', 503: 'Service Unavailable',
};

/** Per connection: the two HPACK decoders and what each stream's headers said. */
interface Http2Connection {
  decoders: [HpackDecoder, HpackDecoder];
  streams: Map<number, { contentType: string }>;
  /** Per direction: a header block waiting for its CONTINUATION frames. */
  pendingBlock: [{ streamId: number; bytes: Uint8Array[] } | null, { streamId: number; bytes: Uint8Array[] } | null];
}

function connectionOf(pkt: Packet): { c: Http2Connection; dir: number } {
  const conv = pkt.conversation('tcp');
  const dir = conv.isFromA(pkt.netSrc, pkt.srcPort) ? 0 : 1;
  const c = conv.get<Http2Connection>('http2')
    ?? conv.set<Http2Connection>('http2', { decoders: [new HpackDecoder(), new HpackDecoder()], streams: new Map(), pendingBlock: [null, null] });
  return { c, dir };
}

function frameLength(b: Buf, offset: number): number {
  const avail = b.length - offset;
  if (avail >= 1 && b.u8(offset) === 0x50) {
    // "PRI * …": the preface, or not HTTP/2 at all.
    if (avail < PREFACE.length) return b.latin1(offset, avail) === PREFACE.slice(0, avail) ? NEED_MORE : 9 + (avail >= 3 ? b.u24(offset) : 0);
    if (b.latin1(offset, PREFACE.length) === PREFACE) return PREFACE.length;
  }
  if (avail < 9) return NEED_MORE;
  const len = b.u24(offset);
  return len > 16 * 1024 * 1024 ? NOT_THIS : 9 + len;
}

function dissectHttp2(buf: Buf, pkt: Packet, parent: Node, data?: unknown): void {
  const { c, dir } = connectionOf(pkt);
  const info: InfoLine = { parts: [], takenBy: '' };
  let first = true;
  dissectPdus(buf, pkt, parent, isStreamData(data) ? data : undefined, frameLength, (pdu) => {
    // Each frame is a layer of its own, but one dissector call: frame.protocols names HTTP2 once.
    const layer = first ? pkt.addLayer(http2, parent, pdu, 0, pdu.length) : parent.add(http2.field, pdu, 0, pdu.length);
    first = false;
    if (pdu.length >= PREFACE.length && pdu.latin1(0, PREFACE.length) === PREFACE) {
      const s = layer.add(hf.stream, pdu, 0, pdu.length);
      if (s.real) s.text = 'Stream: Magic';
      s.add(hf.magic, pdu, 0, PREFACE.length, PREFACE);
      info.parts.push('Magic');
      showInfo(pkt, info);
      return;
    }
    dissectFrame(pdu, layer, pkt, c, dir, info);
  }, undefined, TCP_PDUS);
  if (info.parts.length) showInfo(pkt, info);
}

/**
 * The Info column: the frames' words joined ("SETTINGS[0], WINDOW_UPDATE[0]"), until a body's own
 * dissector writes it (DNS over HTTPS: "Standard query …"), which then stands, as in Wireshark.
 */
interface InfoLine {
  parts: string[];
  /** The Info a body's dissector wrote; '' while HTTP/2 writes it. */
  takenBy: string;
}

function showInfo(pkt: Packet, info: InfoLine): void {
  if (!info.takenBy) pkt.setInfo(info.parts.join(', '));
}

function dissectFrame(b: Buf, layer: Node, pkt: Packet, c: Http2Connection, dir: number, out: InfoLine): void {
  const length = b.u24(0);
  const type = b.u8(3);
  const flags = b.u8(4);
  const streamId = b.u32(5) & 0x7fffffff;
  const typeName = frameTypes[type] ?? `Unknown (${type})`;
  const s = layer.add(hf.stream, b, 0, b.length);
  s.add(hf.length, b, 0, 3, length);
  s.add(hf.type, b, 3, 1, type);
  addFlags(b, s, type, flags);
  s.add(hf.reserved, b, 5, 4, b.u32(5) >>> 31);
  s.add(hf.streamId, b, 5, 4, streamId);
  const payload = b.sub(9, length);
  let info = `${typeName}[${streamId}]`;
  let extra = '';

  // DATA and HEADERS may be padded: [pad length] payload [padding].
  let body = payload;
  if (type === 0 || type === 1 || type === 5) {
    const padded = (flags & 0x08) !== 0;
    const padLength = padded ? payload.u8(0) : 0;
    if (padded) s.add(hf.padLength, payload, 0, 1, padLength);
    else s.addGenerated(hf.padLength, 0);
    const start = padded ? 1 : 0;
    body = payload.sub(start, Math.max(0, payload.length - start - padLength));
  }

  switch (type) {
    case 0: {
      if (body.length) s.add(hf.data, body, 0, body.length, body.bytesAt(0, body.length));
      const stream = c.streams.get(streamId);
      if (stream?.contentType && body.length) {
        // The body's dissector adds to the Info column (" (text/html)") or takes it over (DNS over
        // HTTPS: "Standard query …").
        out.parts.push(info);
        showInfo(pkt, out);
        const before = pkt.info;
        dissectMediaBody(body, pkt, layer, s, stream.contentType);
        if (pkt.info !== before && !out.takenBy) {
          if (pkt.info.startsWith(before)) out.parts[out.parts.length - 1] += pkt.info.slice(before.length);
          else out.takenBy = pkt.info;
        }
        info = '';
      }
      break;
    }
    case 1:
    case 9: {
      let block = body;
      if (type === 1 && flags & 0x20) block = body.sub(5);
      s.add(hf.headerBlock, block, 0, block.length, block.bytesAt(0, block.length));
      const pending = c.pendingBlock[dir];
      const parts = pending && pending.streamId === streamId ? [...pending.bytes, block.bytesAt(0, block.length)] : [block.bytesAt(0, block.length)];
      if (!(flags & 0x04)) {
        c.pendingBlock[dir] = { streamId, bytes: parts.map((p) => p.slice()) };
        break;
      }
      c.pendingBlock[dir] = null;
      const whole = parts.length === 1 ? block : Buf.of(Buffer.concat(parts), 'HTTP/2 header block');
      extra = showHeaders(whole, s, pkt, c, dir, streamId);
      break;
    }
    case 3:
      s.add(hf.error, payload, 0, 4, payload.u32(0));
      break;
    case 4:
      for (let at = 0; at + 6 <= payload.length; at += 6) {
        const id = payload.u16(at);
        const value = payload.u32(at + 2);
        const item = s.add(hf.settingsItem, payload, at, 6);
        const label = settings[id]?.[0] ?? `Unknown (${id})`;
        if (item.real) item.text = `Settings - ${label} : ${value}`;
        item.add(hf.settingsId, payload, at, 2, id);
        const valueField = settingValueFields.get(id);
        if (valueField) item.add(valueField, payload, at + 2, 4, value);
      }
      break;
    case 6:
      s.add(hf.ping, payload, 0, 8, payload.bytesAt(0, 8));
      break;
    case 7:
      s.add(hf.goawayLast, payload, 0, 4, payload.u32(0) & 0x7fffffff);
      s.add(hf.goawayError, payload, 4, 4, payload.u32(4));
      if (payload.length > 8) s.add(hf.goawayDebug, payload, 8, payload.length - 8, payload.bytesAt(8, payload.length - 8));
      break;
    case 8:
      s.add(hf.windowReserved, payload, 0, 4, payload.u32(0) >>> 31);
      s.add(hf.windowIncrement, payload, 0, 4, payload.u32(0) & 0x7fffffff);
      break;
    default:
      if (payload.length) s.add(hf.payload, payload, 0, payload.length, payload.bytesAt(0, payload.length));
  }
  if (extra) info += `: ${extra}`;
  if (s.real) s.text = `Stream: ${typeName}, Stream ID: ${streamId}, Length ${length}${extra ? `, ${extra}` : ''}`;
  if (info) {
    out.parts.push(info);
    showInfo(pkt, out);
  }
}

/** The flags byte and its bits, which depend on the frame type. */
function addFlags(b: Buf, s: Node, type: number, flags: number): void {
  const f = s.add(hf.flags, b, 4, 1, flags);
  const set: string[] = [];
  const bit = (def: FieldDef, mask: number, name: string) => {
    f.add(def, b, 4, 1, flags & mask ? 1 : 0);
    if (flags & mask) set.push(name);
  };
  if (type === 0) {
    f.add(hf.flagsUnusedData, b, 4, 1, flags & 0xf6);
    bit(hf.flagsPadded, 0x08, 'Padded');
    bit(hf.flagsEndStream, 0x01, 'End Stream');
  } else if (type === 1) {
    f.add(hf.flagsUnusedHeaders, b, 4, 1, flags & 0xd2);
    bit(hf.flagsPriority, 0x20, 'Priority');
    bit(hf.flagsPadded, 0x08, 'Padded');
    bit(hf.flagsEndHeaders, 0x04, 'End Headers');
    bit(hf.flagsEndStream, 0x01, 'End Stream');
  } else if (type === 4) {
    f.add(hf.flagsUnusedSettings, b, 4, 1, flags & 0xfe);
    bit(hf.flagsAck, 0x01, 'ACK');
  } else if (type === 6) {
    f.add(hf.flagsUnusedPing, b, 4, 1, flags & 0xfe);
    bit(hf.flagsPingAck, 0x01, 'ACK');
  } else if (type === 9) {
    bit(hf.flagsEndHeaders, 0x04, 'End Headers');
  } else {
    f.add(hf.flagsUnused, b, 4, 1, flags);
  }
  if (f.real) f.text = `Flags: 0x${flags.toString(16).padStart(2, '0')}${set.map((n) => `, ${n}`).join('')}`;
}

/** Decodes and shows a complete header block; returns the Info words ("GET /", "200 OK"). */
function showHeaders(block: Buf, s: Node, pkt: Packet, c: Http2Connection, dir: number, streamId: number): string {
  let headers: DecodedHeader[];
  try {
    headers = c.decoders[dir]!.decode(block.bytesAt(0, block.length));
  } catch (e) {
    const n = s.addText(`[HPACK decoding failed: ${(e as Error).message}]`);
    pkt.addExpert(n, Severity.Warning, 'Malformed', `HPACK: ${(e as Error).message}`, 'http2');
    return '';
  }
  // The decoded headers as a data source of their own, each name and value after a 4-byte length
  // (as Wireshark lays them out): the header fields point into it.
  const decoded = decompressedHeaders(headers);
  const source = pkt.newSource(decoded, `Decompressed Header (${decoded.length} bytes)`);
  s.addGenerated(hf.headerLength, decoded.length);
  s.addGenerated(hf.headerCount, headers.length);
  const get = (name: string) => headers.find((h) => h.name === name)?.value;
  let at = 0;
  for (const h of headers) {
    const n = s.add(hf.header, block, h.start, h.end - h.start);
    if (n.real) n.text = `Header: ${h.name}: ${h.name === ':status' && statusText[h.value] ? `${h.value} ${statusText[h.value]}` : h.value}`;
    const valueAt = at + 8 + h.name.length;
    n.add(hf.headerNameLength, source, at, 4, h.name.length);
    n.add(hf.headerName, source, at + 4, h.name.length, h.name);
    n.add(hf.headerValueLength, source, valueAt - 4, 4, h.value.length);
    n.add(hf.headerValue, source, valueAt, h.value.length, h.value);
    const specific = headerFields.get(h.name);
    if (specific) n.add(specific, source, valueAt, h.value.length, h.value);
    n.addGenerated(hf.headerUnescaped, unescape(h.value));
    n.add(hf.headerRepr, block, h.start, h.end - h.start, h.representation);
    if (h.index) n.add(hf.headerIndex, block, h.start, 1, h.index);
    at = valueAt + h.value.length;
  }
  const contentType = get('content-type');
  if (contentType) c.streams.set(streamId, { contentType });
  const method = get(':method');
  if (method) {
    const path = get(':path') ?? '';
    const uri = `${get(':scheme') ?? 'https'}://${get(':authority') ?? ''}${path}`;
    s.addGenerated(hf.fullUri, uri);
    pkt.tap('http2', { frame: pkt.number, streamId, method, uri });
    return `${method} ${path}`;
  }
  const status = get(':status');
  if (status) return `${status}${statusText[status] ? ` ${statusText[status]}` : ''}`;
  return '';
}

function decompressedHeaders(headers: DecodedHeader[]): Uint8Array {
  const out = Buffer.alloc(headers.reduce((n, h) => n + 8 + h.name.length + h.value.length, 0));
  let at = 0;
  for (const h of headers) {
    out.writeUInt32BE(h.name.length, at);
    out.write(h.name, at + 4, 'latin1');
    at += 4 + h.name.length;
    out.writeUInt32BE(h.value.length, at);
    out.write(h.value, at + 4, 'latin1');
    at += 4 + h.value.length;
  }
  return new Uint8Array(out.buffer, out.byteOffset, out.length);
}

function unescape(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}

export function register(): void {
  table('tls.alpn').add('h2', http2);
}
