/**
 * HTTP/1.0 and HTTP/1.1 — RFC 9112 (message syntax and framing), RFC 9110 (semantics).
 *
 *   request:   method SP request-target SP HTTP-version CRLF      GET /index.html HTTP/1.1
 *   response:  HTTP-version SP status-code SP [reason] CRLF       HTTP/1.1 200 OK
 *              *( field-name ":" OWS field-value OWS CRLF )         Host: example.com
 *              CRLF                                                 (empty line ends the header section)
 *              [ message body ]
 *
 * Where a message ends (RFC 9112 §6.3), in the order the spec checks it:
 *   - responses to HEAD, and 1xx, 204 and 304 responses, never have a body;
 *   - Transfer-Encoding: chunked — the body is a run of chunks, each "hex-size [;ext] CRLF data CRLF",
 *     ended by a zero-size chunk, optional trailer fields and an empty line;
 *   - Content-Length: exactly that many bytes;
 *   - otherwise a request has no body, and a response runs until the server closes the connection.
 *     vpnscope cannot see the close from here, so it takes such a body segment by segment: the bytes
 *     that came with the header, then each later segment of that direction as a continuation.
 *
 * Messages are cut out of the TCP byte stream with dissectPdus (several per segment when pipelined,
 * one over many segments when large). Requests and responses on a connection are paired first-in,
 * first-out, the way HTTP/1.1 answers them.
 *
 * The body goes to the `media_type` table by its Content-Type (without parameters). Text types are
 * shown line by line ("Line-based text data"), HTML form data as key/value pairs, anything else as
 * raw data; other modules (JSON, XML…) can register more types.
 */
import { FT, type FieldDef, field } from '../engine/fields.js';
import { escapeText } from '../engine/format.js';
import { protocol, table, callDissector, dataProtocol, dissectData, type Protocol } from '../engine/dispatch.js';
import { Buf } from '../engine/buf.js';
import type { Packet } from '../engine/packet.js';
import { type Node, Severity, UTF8_OF_BYTES } from '../engine/tree.js';
import { dissectPdus, isStreamData, NEED_MORE, NOT_THIS } from '../engine/stream.js';
import type { Conversation } from '../engine/session.js';

/** Standard reason phrases (RFC 9110 §15), in the older RFC 2616 wording tshark uses where they differ. */
const statusDescriptions: Record<number, string> = {
  100: 'Continue', 101: 'Switching Protocols', 102: 'Processing', 103: 'Early Hints',
  200: 'OK', 201: 'Created', 202: 'Accepted', 203: 'Non-authoritative Information', 204: 'No Content',
  205: 'Reset Content', 206: 'Partial Content', 207: 'Multi-Status', 208: 'Already Reported', 226: 'IM Used',
  300: 'Multiple Choices', 301: 'Moved Permanently', 302: 'Found', 303: 'See Other', 304: 'Not Modified',
  305: 'Use Proxy', 307: 'Temporary Redirect', 308: 'Permanent Redirect',
  400: 'Bad Request', 401: 'Unauthorized', 402: 'Payment Required', 403: 'Forbidden', 404: 'Not Found',
  405: 'Method Not Allowed', 406: 'Not Acceptable', 407: 'Proxy Authentication Required', 408: 'Request Time-out',
  409: 'Conflict', 410: 'Gone', 411: 'Length Required', 412: 'Precondition Failed', 413: 'Request Entity Too Large',
  414: 'Request-URI Too Long', 415: 'Unsupported Media Type', 416: 'Requested Range Not Satisfiable', 417: 'Expectation Failed',
  418: "I'm a teapot", 421: 'Misdirected Request', 422: 'Unprocessable Entity', 423: 'Locked', 424: 'Failed Dependency',
  425: 'Too Early', 426: 'Upgrade Required', 428: 'Precondition Required', 429: 'Too Many Requests',
  431: 'Request Header Fields Too Large', 451: 'Unavailable For Legal Reasons',
  500: 'Internal Server Error', 501: 'Not Implemented', 502: 'Bad Gateway', 503: 'Service Unavailable',
  504: 'Gateway Time-out', 505: 'HTTP Version not supported', 506: 'Variant Also Negotiates', 507: 'Insufficient Storage',
  508: 'Loop Detected', 510: 'Not Extended', 511: 'Network Authentication Required',
};

const hf = {
  request: field('http.request', 'Request', FT.Bool, 'Set on every HTTP request, so the filter "http.request" picks out requests.'),
  response: field('http.response', 'Response', FT.Bool, 'Set on every HTTP response, so the filter "http.response" picks out responses.'),
  requestNumber: field('http.request_number', 'Request number', FT.UInt32, 'Counts the requests on this TCP connection, from 1: keep-alive connections carry several.'),
  responseNumber: field('http.response_number', 'Response number', FT.UInt32, 'Counts the responses on this TCP connection, from 1.'),
  requestLine: field('http.request.line', 'Request line', FT.String, 'One header line of a request, exactly as sent, including its CRLF.'),
  responseLine: field('http.response.line', 'Response line', FT.String, 'One header line of a response, exactly as sent, including its CRLF.'),
  method: field('http.request.method', 'Request Method', FT.String, 'What the client asks the server to do with the resource: GET reads it, POST sends data to it, HEAD asks for the headers only.'),
  uri: field('http.request.uri', 'Request URI', FT.String, 'The resource the request is about, usually a path on the server ("/index.html"); proxies receive a full URL.'),
  requestVersion: field('http.request.version', 'Request Version', FT.String, 'The HTTP version the client speaks, HTTP/1.0 or HTTP/1.1.'),
  responseVersion: field('http.response.version', 'Response Version', FT.String, 'The HTTP version the server answers with.'),
  code: field('http.response.code', 'Status Code', FT.UInt16, 'Three digits that say how the request went: 1xx informational, 2xx success, 3xx redirection, 4xx client error, 5xx server error.'),
  codeDesc: field('http.response.code.desc', 'Status Code Description', FT.String, 'The standard meaning of the status code (RFC 9110), whatever phrase the server sent.'),
  phrase: field('http.response.phrase', 'Response Phrase', FT.String, 'The human-readable text after the status code, chosen by the server; programs ignore it.'),
  fullUri: field('http.request.full_uri', 'Full request URI', FT.String, 'The complete URL of the request: scheme, the Host header and the request URI put together.'),
  responseForUri: field('http.response_for.uri', 'Request URI', FT.String, 'The full URL of the request this response answers.'),
  requestIn: field('http.request_in', 'Request in frame', FT.FrameNum, 'The frame holding the request this response answers.'),
  prevRequestIn: field('http.prev_request_in', 'Prev request in frame', FT.FrameNum, 'The frame holding the previous request on the same connection.'),
  prevResponseIn: field('http.prev_response_in', 'Prev response in frame', FT.FrameNum, 'The frame holding the previous response on the same connection.'),
  time: field('http.time', 'Time since request', FT.RelTime, 'Seconds between the request and this response: how long the server (and network) took.', { unit: ' seconds' }),
  host: field('http.host', 'Host', FT.String, 'The Host header: which site the client wants, since one server address can serve many names.'),
  userAgent: field('http.user_agent', 'User-Agent', FT.String, 'The User-Agent header: the client program and version that sent the request.'),
  accept: field('http.accept', 'Accept', FT.String, 'The Accept header: which media types the client can take in the response.'),
  acceptLanguage: field('http.accept_language', 'Accept-Language', FT.String, 'The Accept-Language header: the natural languages the client prefers.'),
  acceptEncoding: field('http.accept_encoding', 'Accept Encoding', FT.String, 'The Accept-Encoding header: the compressions (gzip, br…) the client can undo.'),
  referer: field('http.referer', 'Referer', FT.String, 'The Referer header: the page whose link or resource led to this request.'),
  cookie: field('http.cookie', 'Cookie', FT.String, 'The Cookie header: name=value pairs the server stored in the client earlier, sent back with each request.'),
  cookiePair: field('http.cookie_pair', 'Cookie pair', FT.String, 'One name=value pair of the Cookie header.'),
  setCookie: field('http.set_cookie', 'Set-Cookie', FT.String, 'The Set-Cookie header: the server asks the client to store a cookie and send it back later.'),
  authorization: field('http.authorization', 'Authorization', FT.String, 'The Authorization header: credentials that prove who the client is.'),
  authBasic: field('http.authbasic', 'Credentials', FT.String, 'The user name and password of Basic authentication, which are only base64-encoded, not encrypted.'),
  proxyAuthorization: field('http.proxy_authorization', 'Proxy-Authorization', FT.String, 'The Proxy-Authorization header: credentials for a proxy rather than the origin server.'),
  proxyAuthenticate: field('http.proxy_authenticate', 'Proxy-Authenticate', FT.String, 'The Proxy-Authenticate header: how a proxy wants the client to authenticate.'),
  wwwAuthenticate: field('http.www_authenticate', 'WWW-Authenticate', FT.String, 'The WWW-Authenticate header: how the server wants the client to authenticate (sent with 401).'),
  contentType: field('http.content_type', 'Content-Type', FT.String, 'The Content-Type header: the media type of the body (text/html, application/json…), which decides how it is shown.'),
  contentLengthHeader: field('http.content_length_header', 'Content-Length', FT.String, 'The Content-Length header as sent: the size of the body in bytes.'),
  contentLength: field('http.content_length', 'Content length', FT.UInt64, 'The Content-Length header as a number: how many body bytes follow the empty line.'),
  contentEncoding: field('http.content_encoding', 'Content-Encoding', FT.String, 'The Content-Encoding header: a compression applied to the body (gzip, br…).'),
  transferEncoding: field('http.transfer_encoding', 'Transfer-Encoding', FT.String, 'The Transfer-Encoding header: "chunked" sends the body in pieces, each with its size, when the total is not known in advance.'),
  connection: field('http.connection', 'Connection', FT.String, 'The Connection header: "keep-alive" keeps the TCP connection open for more requests, "close" ends it after this message.'),
  upgrade: field('http.upgrade', 'Upgrade', FT.String, 'The Upgrade header: asks to switch the connection to another protocol (websocket, h2c).'),
  server: field('http.server', 'Server', FT.String, 'The Server header: the server software that answered.'),
  location: field('http.location', 'Location', FT.String, 'The Location header: where a redirect (3xx) sends the client, or the URL of a newly created resource.'),
  date: field('http.date', 'Date', FT.String, 'The Date header: when the message was sent, by the sender\'s clock.'),
  cacheControl: field('http.cache_control', 'Cache-Control', FT.String, 'The Cache-Control header: whether and how long caches may keep the response.'),
  lastModified: field('http.last_modified', 'Last-Modified', FT.String, 'The Last-Modified header: when the resource last changed, used for conditional requests.'),
  xForwardedFor: field('http.x_forwarded_for', 'X-Forwarded-For', FT.String, 'The X-Forwarded-For header: the client addresses a proxy saw before forwarding the request.'),
  chunkSize: field('http.chunk_size', 'Chunk size', FT.UInt32, 'Size in bytes of one piece of a chunked body, sent in hexadecimal before the piece.', { unit: ' octets' }),
  chunkData: field('http.chunk_data', 'Chunk data', FT.Bytes, 'The bytes of one piece of a chunked body.'),
  chunkBoundary: field('http.chunk_boundary', 'Chunk boundary', FT.Bytes, 'The CRLF that ends the data of a chunk.'),
  chunkedTrailer: field('http.chunked_trailer_part', 'trailer-part', FT.String, 'A header field sent after the last chunk of a chunked body (a trailer).'),
  fileData: field('http.file_data', 'File Data', FT.String, 'The message body after any chunked transfer coding is removed: the document itself.'),
  chat: field('http.chat', 'Formatted text', FT.None, 'The first line of a request or response.'),
  badContentLength: field('http.content_length.bad', 'Bad Content-Length', FT.None, 'The Content-Length header is not a plain decimal number, so where the body ends is unknown.'),
  bodyShort: field('http.body_short', 'Body shorter than announced', FT.None, 'Fewer body bytes are present than the header announced: the capture or the message was cut short.'),
  badChunk: field('http.chunk.bad', 'Bad chunk', FT.None, 'A chunk-size line is not a hexadecimal number: the chunked body cannot be followed past it.'),
  headerUnterminated: field('http.header_unterminated', 'Unterminated header section', FT.None, 'The message ends before the empty line that closes its header section.'),
  continuation: field('http.continuation', 'Continuation', FT.None, 'More body bytes of a response whose length is not announced: it runs until the server closes the connection.'),
};

/** Header names (lower case) shown with their own field; other headers are shown as plain lines. */
const headerFields = new Map<string, FieldDef>([
  ['host', hf.host], ['user-agent', hf.userAgent], ['accept', hf.accept], ['accept-language', hf.acceptLanguage],
  ['accept-encoding', hf.acceptEncoding], ['referer', hf.referer], ['cookie', hf.cookie], ['set-cookie', hf.setCookie],
  ['authorization', hf.authorization], ['proxy-authorization', hf.proxyAuthorization],
  ['proxy-authenticate', hf.proxyAuthenticate], ['www-authenticate', hf.wwwAuthenticate],
  ['content-type', hf.contentType], ['content-length', hf.contentLengthHeader], ['content-encoding', hf.contentEncoding],
  ['transfer-encoding', hf.transferEncoding], ['connection', hf.connection], ['upgrade', hf.upgrade],
  ['server', hf.server], ['location', hf.location], ['date', hf.date], ['cache-control', hf.cacheControl],
  ['last-modified', hf.lastModified], ['x-forwarded-for', hf.xForwardedFor],
]);

// ---------------------------------------------------------------------------------------------
// Reading lines and the start line.

const LF = 0x0a;
const CR = 0x0d;

/** The line starting at `pos`: where its text ends (before CR LF or LF) and where the next line starts; null when no LF yet. */
function lineAt(b: Buf, pos: number): { end: number; next: number } | null {
  const lf = b.indexOf(LF, pos);
  if (lf < 0) return null;
  return { end: lf > pos && b.u8(lf - 1) === CR ? lf - 1 : lf, next: lf + 1 };
}

type StartLine =
  | { kind: 'request'; method: string; uri: string; version: string }
  | { kind: 'response'; version: string; code: number; phrase: string };

const requestLinePattern = /^([A-Z][A-Z_-]{0,23}) (\S+) (HTTP\/\d\.\d)$/;
const statusLinePattern = /^(HTTP\/\d\.\d) (\d{3})(?: (.*))?$/;

function parseStartLine(text: string): StartLine | null {
  let m = requestLinePattern.exec(text);
  if (m) return { kind: 'request', method: m[1]!, uri: m[2]!, version: m[3]! };
  m = statusLinePattern.exec(text);
  if (m) return { kind: 'response', version: m[1]!, code: Number(m[2]), phrase: m[3] ?? '' };
  return null;
}

/**
 * Whether the bytes at `offset` can still become an HTTP start line, looking only at what is there:
 * "HTTP/" (or a prefix of it), or an upper-case method token followed by a space.
 */
function couldStartHttp(b: Buf, offset: number): boolean {
  const n = Math.min(b.length - offset, 26);
  if (n <= 0) return true;
  const head = b.latin1(offset, n);
  const http = 'HTTP/';
  if (head.startsWith(http) || http.startsWith(head)) return true;
  const m = /^[A-Z][A-Z_-]*/.exec(head);
  if (!m || m[0].length > 24) return false;
  return m[0].length === head.length || head[m[0].length] === ' ';
}

/** Parses "12", rejecting signs, spaces inside, non-digits and values past 2^53. */
function parseContentLength(value: string): number | null {
  const v = value.trim();
  if (!/^\d{1,15}$/.test(v)) return null;
  return Number(v);
}

/** What the header section says about the body. */
interface Framing {
  start: StartLine;
  firstLineEnd: number;
  /** Offset just past the empty line. */
  headerEnd: number;
  contentLength: number | null;
  contentLengthBad: boolean;
  chunked: boolean;
  contentType: string;
}

/**
 * Reads the start line and header section at `offset`. Returns NEED_MORE while the empty line is
 * missing, NOT_THIS when the bytes are not an HTTP message.
 */
function readHeaders(b: Buf, offset: number): Framing | typeof NEED_MORE | typeof NOT_THIS {
  const first = lineAt(b, offset);
  if (!first) return couldStartHttp(b, offset) ? NEED_MORE : NOT_THIS;
  const start = parseStartLine(b.latin1(offset, first.end - offset));
  if (!start) return NOT_THIS;
  const f: Framing = { start, firstLineEnd: first.end, headerEnd: 0, contentLength: null, contentLengthBad: false, chunked: false, contentType: '' };
  let pos = first.next;
  for (;;) {
    const line = lineAt(b, pos);
    if (!line) return NEED_MORE;
    if (line.end === pos) {
      f.headerEnd = line.next;
      return f;
    }
    // Only the framing headers matter here; the tree is built when the message is complete.
    const c = b.u8(pos) | 0x20;
    if (c === 0x63 || c === 0x74) {
      const text = b.latin1(pos, line.end - pos);
      const colon = text.indexOf(':');
      const name = colon > 0 ? text.slice(0, colon).trim().toLowerCase() : '';
      if (name === 'content-length') {
        const n = parseContentLength(text.slice(colon + 1));
        if (n === null) f.contentLengthBad = true;
        else f.contentLength = n;
      } else if (name === 'transfer-encoding') {
        f.chunked = /(^|,)\s*chunked\s*$/i.test(text.slice(colon + 1));
      } else if (name === 'content-type') {
        f.contentType = text.slice(colon + 1).trim();
      }
    }
    pos = line.next;
  }
}

/** How the body of a message is delimited (RFC 9112 §6.3). */
type BodyKind = 'none' | 'length' | 'chunked' | 'close';

function bodyKind(f: Framing, requestMethod: string | undefined): BodyKind {
  const s = f.start;
  if (s.kind === 'response') {
    if (requestMethod === 'HEAD' || s.code < 200 || s.code === 204 || s.code === 304) return 'none';
    if (requestMethod === 'CONNECT' && s.code < 300) return 'none';
  }
  if (f.chunked) return 'chunked';
  if (f.contentLength !== null && !f.contentLengthBad) return 'length';
  if (s.kind === 'request') return f.contentLengthBad ? 'close' : 'none';
  return 'close';
}

/**
 * Walks a chunked body from `pos`: returns the offset just past its final empty line, NEED_MORE when
 * it continues beyond the bytes present, or -2 when a chunk-size line is not hexadecimal.
 */
function chunkedEnd(b: Buf, pos: number): number {
  for (let guard = 0; guard < 1_000_000; guard++) {
    const line = lineAt(b, pos);
    if (!line) return NEED_MORE;
    const size = parseChunkSize(b.latin1(pos, line.end - pos));
    if (size < 0) return -2;
    pos = line.next;
    if (size === 0) {
      // Trailer fields, then the empty line.
      for (;;) {
        const t = lineAt(b, pos);
        if (!t) return NEED_MORE;
        if (t.end === pos) return t.next;
        pos = t.next;
      }
    }
    pos += size;
    if (pos + 1 > b.length) return NEED_MORE;
    if (b.u8(pos) === CR) pos++;
    if (pos + 1 > b.length) return NEED_MORE;
    if (b.u8(pos) === LF) pos++;
  }
  return -2;
}

/** "1a;name=value" → 26; -1 when not a hex number. */
function parseChunkSize(text: string): number {
  const semi = text.indexOf(';');
  const hexText = (semi >= 0 ? text.slice(0, semi) : text).trim();
  if (!/^[0-9a-fA-F]{1,8}$/.test(hexText)) return -1;
  return parseInt(hexText, 16);
}

// ---------------------------------------------------------------------------------------------
// State kept per connection and per direction.

interface PendingRequest {
  frame: number;
  method: string;
  fullUri: string;
  seconds: number;
  nanos: number;
  /** The request before this one on the connection (for http.prev_request_in on its response). */
  prevRequestFrame: number;
}

/** Per TCP connection. */
interface HttpConversation {
  /** Requests waiting for their response, oldest first (HTTP/1.1 answers in order). */
  waiting: PendingRequest[];
  requests: number;
  responses: number;
  lastRequestFrame: number;
  lastResponseFrame: number;
  /** After 101 Switching Protocols or a successful CONNECT: the bytes that follow are not HTTP. */
  switchedAtFrame: number;
  /** What they are instead, when the 101's Upgrade header names a protocol of the `http.upgrade` table. */
  switchedTo: Protocol | null;
}

/** Per direction of a connection. */
interface HttpDirection {
  /** A response without a length is running until the connection closes: later segments are its body. */
  untilClose: { contentType: string } | null;
  /** The length of the message being reassembled is known (no need to look at it again for the Info column). */
  lengthKnown: boolean;
}

/** Bounded so a client that never gets answers cannot grow memory without end. */
const MAX_WAITING = 1000;

function conversationOf(pkt: Packet): Conversation {
  return pkt.conversation('tcp');
}

function httpState(conv: Conversation): HttpConversation {
  return conv.get<HttpConversation>('http') ?? conv.set<HttpConversation>('http', {
    waiting: [], requests: 0, responses: 0, lastRequestFrame: 0, lastResponseFrame: 0, switchedAtFrame: 0, switchedTo: null,
  });
}

function directionState(data: unknown): HttpDirection {
  if (!isStreamData(data)) return { untilClose: null, lengthKnown: false };
  const scratch = data.direction.scratch;
  return (scratch.http as HttpDirection | undefined) ?? (scratch.http = { untilClose: null, lengthKnown: false } as HttpDirection);
}

// ---------------------------------------------------------------------------------------------
// Dissection.

/** The media type without parameters, lower case: "text/html; charset=utf-8" → "text/html". */
function mediaTypeOf(contentType: string): string {
  const semi = contentType.indexOf(';');
  return (semi >= 0 ? contentType.slice(0, semi) : contentType).trim().toLowerCase();
}

function dissectHttp(buf: Buf, pkt: Packet, parent: Node, data?: unknown): void {
  const conv = conversationOf(pkt);
  const state = httpState(conv);
  const dir = directionState(data);

  if (state.switchedAtFrame && state.switchedAtFrame < pkt.number) {
    if (state.switchedTo) callDissector(state.switchedTo, buf, pkt, parent, data);
    else dissectData(buf, pkt, parent);
    return;
  }
  if (dir.untilClose && !(isStreamData(data) && data.direction.pending)) {
    dissectContinuation(buf, pkt, parent, dir.untilClose.contentType);
    return;
  }

  const stream = isStreamData(data);
  // The first message found in this segment replaces the Info column; later ones are appended.
  let infoWritten = false;
  const writeInfo = (text: string): void => {
    if (infoWritten) pkt.appendInfo(text);
    else pkt.setInfo(text);
    infoWritten = true;
  };

  const pduLength = (b: Buf, offset: number): number => {
    const f = readHeaders(b, offset);
    if (f === NOT_THIS) return NOT_THIS;
    let length: number;
    let known = true;
    if (f === NEED_MORE) {
      length = NEED_MORE;
      known = false;
    } else {
      const kind = bodyKind(f, f.start.kind === 'response' ? state.waiting[0]?.method : undefined);
      if (kind === 'none') length = f.headerEnd - offset;
      else if (kind === 'length') length = f.headerEnd - offset + f.contentLength!;
      else if (kind === 'chunked') {
        const end = chunkedEnd(b, f.headerEnd);
        // A broken chunk stream cannot be followed: take what is here and let the dissector say so.
        length = end === NEED_MORE ? NEED_MORE : end === -2 ? b.length - offset : end - offset;
        known = end !== NEED_MORE;
      } else {
        length = b.length - offset;
      }
    }
    // A message that does not end in this segment: like Wireshark, name it in the Info column while its
    // end is unknown ("GET /x HTTP/1.1  [TCP segment of a reassembled PDU]").
    if (stream && (length === NEED_MORE || offset + length > b.length)) {
      const startsHere = b.source === buf.source;
      if (startsHere || !dir.lengthKnown) {
        const first = lineAt(b, offset);
        if (first) writeInfo(`${escapeText(b.latin1(offset, first.end - offset))} `);
      }
      dir.lengthKnown = known;
    }
    return length;
  };

  dissectPdus(buf, pkt, parent, data,
    pduLength,
    (pdu) => {
      dir.lengthKnown = false;
      dissectMessage(pdu, pkt, parent, state, dir, writeInfo);
    },
    // Bytes that do not start a message (the rest of a body whose start was lost or cut by the
    // capture): HTTP's all the same, as tshark shows them.
    (rest) => dissectContinuation(rest, pkt, parent, '', false));
}

/**
 * More body: of a response that runs until the connection closes (`untilClose`, marked so in the
 * tree), or bytes that follow no message start this stream showed.
 */
function dissectContinuation(buf: Buf, pkt: Packet, parent: Node, contentType: string, untilClose = true): void {
  const node = pkt.addLayer(http, parent, buf, 0, buf.length);
  pkt.setInfo('Continuation');
  if (untilClose) node.add(hf.continuation, buf, 0, 0);
  showBody(buf, pkt, parent, node, contentType);
}

function dissectMessage(buf: Buf, pkt: Packet, parent: Node, state: HttpConversation, dir: HttpDirection, writeInfo: (t: string) => void): void {
  const column = pkt.protocolColumn;
  const node = pkt.addLayer(http, parent, buf, 0, buf.length);
  const first = lineAt(buf, 0);
  if (!first && buf.length < buf.reportedLength) {
    // The capture cut the first line: nothing is known of the message, and the columns stay the
    // transport's, as in tshark.
    pkt.protocolColumn = column;
    buf.check(buf.length, 1);
  }
  const firstEnd = first ? first.end : buf.length;
  const firstText = buf.latin1(0, firstEnd);
  const start = parseStartLine(firstText);
  writeInfo(`${escapeText(firstText)} `);
  const firstNode = node.addText(`${escapeText(firstText)}\\r\\n`, buf, 0, (first ? first.next : firstEnd));
  pkt.addExpert(firstNode, Severity.Chat, 'Sequence', `${escapeText(firstText)}\\r\\n`, 'http', hf.chat);
  if (!start) return;

  if (start.kind === 'request') {
    firstNode.add(hf.method, buf, 0, start.method.length, start.method);
    firstNode.add(hf.uri, buf, start.method.length + 1, start.uri.length, start.uri);
    firstNode.add(hf.requestVersion, buf, firstEnd - start.version.length, start.version.length, start.version);
  } else {
    firstNode.add(hf.responseVersion, buf, 0, start.version.length, start.version);
    firstNode.add(hf.code, buf, start.version.length + 1, 3, start.code);
    const desc = statusDescriptions[start.code];
    if (desc !== undefined) firstNode.addGenerated(hf.codeDesc, desc);
    if (start.phrase) firstNode.add(hf.phrase, buf, start.version.length + 5, start.phrase.length, start.phrase);
  }

  // Header fields.
  const lineField = start.kind === 'request' ? hf.requestLine : hf.responseLine;
  let host = '';
  let contentType = '';
  let contentLength: number | null = null;
  let contentLengthBad = false;
  let chunked = false;
  let upgrade = '';
  let pos = first ? first.next : buf.length;
  let headerEnd = -1;
  while (pos < buf.length) {
    const line = lineAt(buf, pos);
    if (!line) break;
    if (line.end === pos) {
      node.addText('\\r\\n', buf, pos, line.next - pos);
      headerEnd = line.next;
      break;
    }
    const text = buf.latin1(pos, line.end - pos);
    const colon = text.indexOf(':');
    const name = colon > 0 ? text.slice(0, colon).trim().toLowerCase() : '';
    const value = colon > 0 ? text.slice(colon + 1).trim() : '';
    const shown = `${escapeText(text)}\\r\\n`;
    const def = headerFields.get(name);
    const len = line.next - pos;
    if (def) {
      const n = node.add(def, buf, pos, len, value);
      n.text = shown;
      addHeaderDetails(name, value, n, buf, pos, len, pkt);
      node.addHidden(lineField, buf, pos, len, `${text}\r\n`);
    } else {
      node.add(lineField, buf, pos, len, `${text}\r\n`).text = shown;
    }
    if (name === 'host') host = value;
    else if (name === 'content-type') contentType = value;
    else if (name === 'content-length') {
      contentLength = parseContentLength(value);
      contentLengthBad = contentLength === null;
    } else if (name === 'transfer-encoding') chunked = /(^|,)\s*chunked\s*$/i.test(value);
    else if (name === 'upgrade') upgrade = value;
    pos = line.next;
  }
  if (headerEnd < 0) {
    // The capture kept only part of the message (snapshot length): truncated here, not malformed.
    if (buf.length < buf.reportedLength) buf.check(buf.length, 1);
    const n = node.add(hf.headerUnterminated, buf, pos, buf.length - pos);
    pkt.addExpert(n, Severity.Warning, 'Malformed', 'The header section ends before its empty line', 'http');
  }

  // Pairing requests with responses.
  let requestMethod: string | undefined;
  if (start.kind === 'request') {
    const fullUri = /^[a-z][a-z0-9+.-]*:\/\//i.test(start.uri) ? start.uri : `${pkt.layers.includes('tls') ? 'https' : 'http'}://${host || hostFromAddress(pkt)}${start.uri}`;
    state.requests++;
    node.addGenerated(hf.fullUri, fullUri);
    node.addHidden(hf.request, buf, 0, 0, true);
    node.addGenerated(hf.requestNumber, state.requests).text = `HTTP request ${state.requests}/${state.requests}`;
    if (state.lastRequestFrame) node.addGenerated(hf.prevRequestIn, state.lastRequestFrame);
    if (state.waiting.length >= MAX_WAITING) state.waiting.shift();
    state.waiting.push({ frame: pkt.number, method: start.method, fullUri, seconds: pkt.frame.seconds, nanos: pkt.frame.nanos, prevRequestFrame: state.lastRequestFrame });
    state.lastRequestFrame = pkt.number;
    pkt.tap('http', { kind: 'request', frame: pkt.number, method: start.method, uri: start.uri, fullUri, version: start.version, host, contentType, contentLength });
  } else {
    state.responses++;
    node.addHidden(hf.response, buf, 0, 0, true);
    node.addGenerated(hf.responseNumber, state.responses).text = `HTTP response ${state.responses}/${state.responses}`;
    // An interim response (100 Continue, 102, 103) is not the answer: the request stays waiting for its
    // final response. 101 Switching Protocols is final: it answers the upgrade request.
    const request = start.code >= 200 || start.code === 101 ? state.waiting.shift() : undefined;
    if (request) {
      requestMethod = request.method;
      const time = pkt.frame.seconds - request.seconds + (pkt.frame.nanos - request.nanos) / 1e9;
      node.addGenerated(hf.time, time);
      if (request.prevRequestFrame) node.addGenerated(hf.prevRequestIn, request.prevRequestFrame);
      if (state.lastResponseFrame) node.addGenerated(hf.prevResponseIn, state.lastResponseFrame);
      node.addGenerated(hf.requestIn, request.frame);
      node.addGenerated(hf.responseForUri, request.fullUri);
    } else if (state.lastResponseFrame) {
      node.addGenerated(hf.prevResponseIn, state.lastResponseFrame);
    }
    state.lastResponseFrame = pkt.number;
    if (start.code === 101 || (requestMethod === 'CONNECT' && start.code >= 200 && start.code < 300)) {
      state.switchedAtFrame = pkt.number;
      if (start.code === 101 && upgrade) state.switchedTo = pkt.session.lookup(upgrades, upgrade.trim().toLowerCase()) ?? null;
    }
    pkt.tap('http', {
      kind: 'response', frame: pkt.number, code: start.code, phrase: start.phrase, version: start.version, contentType, contentLength,
      requestFrame: request?.frame ?? 0, method: request?.method ?? '', fullUri: request?.fullUri ?? '',
      time: request ? pkt.frame.seconds - request.seconds + (pkt.frame.nanos - request.nanos) / 1e9 : undefined,
      upgrade,
    });
  }
  if (headerEnd < 0) return;

  // The body.
  const framing: Framing = { start, firstLineEnd: firstEnd, headerEnd, contentLength, contentLengthBad, chunked, contentType };
  const kind = bodyKind(framing, requestMethod);
  if (kind === 'none') return;
  let body: Buf;
  if (kind === 'chunked') {
    const dechunked = dissectChunks(buf, headerEnd, pkt, node, start.kind);
    if (!dechunked) return;
    body = dechunked;
  } else if (kind === 'length') {
    body = buf.sub(headerEnd, Math.min(contentLength!, buf.reportedRemaining(headerEnd)));
    // A body the capture cut (snapshot length) is not shown at all, as tshark does: truncated here.
    if (body.length < body.reportedLength) body.check(body.length, 1);
    if (body.reportedLength < contentLength!) {
      const n = node.add(hf.bodyShort, buf, headerEnd, body.length);
      n.text = `[Body has ${body.reportedLength} of the ${contentLength} bytes announced by Content-Length]`;
      pkt.addExpert(n, Severity.Warning, 'Malformed', `Body shorter than Content-Length (${body.reportedLength} of ${contentLength} bytes)`, 'http');
    }
  } else {
    body = buf.sub(headerEnd);
    if (start.kind === 'response') dir.untilClose = { contentType };
  }
  if (contentLengthBad && kind === 'close') {
    const n = node.add(hf.badContentLength, buf, headerEnd, 0);
    pkt.addExpert(n, Severity.Warning, 'Malformed', 'Content-Length is not a decimal number: the body is taken as running to the end of the data', 'http');
  }
  if (body.reportedLength > 0) showBody(body, pkt, parent, node, contentType);
}

/** Without a Host header the request still has a server: its address (and port when not 80). */
function hostFromAddress(pkt: Packet): string {
  const addr = pkt.netDst.includes(':') ? `[${pkt.netDst}]` : pkt.netDst;
  return pkt.dstPort && pkt.dstPort !== 80 ? `${addr}:${pkt.dstPort}` : addr;
}

function addHeaderDetails(name: string, value: string, n: Node, buf: Buf, pos: number, len: number, pkt: Packet): void {
  if (!n.real) {
    if (name !== 'content-length') return;
  }
  if (name === 'content-length') {
    const cl = parseContentLength(value);
    if (cl === null) {
      n.suffix = ' [bogus]';
      pkt.addExpert(n, Severity.Warning, 'Malformed', `Bogus Content-Length: "${value}"`, 'http');
    } else {
      n.addGenerated(hf.contentLength, BigInt(cl), buf, pos, len);
    }
  } else if (name === 'cookie') {
    for (const pair of value.split(';')) {
      const p = pair.trim();
      if (p) n.add(hf.cookiePair, buf, pos, len, p);
    }
  } else if (name === 'authorization' || name === 'proxy-authorization') {
    const m = /^Basic\s+([A-Za-z0-9+/=]+)$/i.exec(value);
    if (m) n.add(hf.authBasic, buf, pos, len, Buffer.from(m[1]!, 'base64').toString('latin1'));
  }
}

/**
 * Shows the chunks of a chunked body and returns the joined data as a new source ("De-chunked entity
 * body"), or null when there is none.
 */
function dissectChunks(buf: Buf, start: number, pkt: Packet, node: Node, kind: 'request' | 'response'): Buf | null {
  const tree = node.addText(`HTTP chunked ${kind}`, buf, start, buf.length - start);
  const pieces: Uint8Array[] = [];
  let total = 0;
  let pos = start;
  for (let guard = 0; guard < 1_000_000; guard++) {
    const line = lineAt(buf, pos);
    if (!line) break;
    const size = parseChunkSize(buf.latin1(pos, line.end - pos));
    if (size < 0) {
      const n = tree.add(hf.badChunk, buf, pos, line.next - pos);
      pkt.addExpert(n, Severity.Error, 'Malformed', 'Chunk size is not a hexadecimal number', 'http');
      break;
    }
    if (size === 0) {
      const end = tree.addText('End of chunked encoding', buf, pos, line.next - pos);
      end.add(hf.chunkSize, buf, pos, line.end - pos, 0);
      pos = line.next;
      while (pos < buf.length) {
        const t = lineAt(buf, pos);
        if (!t) break;
        if (t.end === pos) {
          tree.addText('\\r\\n', buf, pos, t.next - pos);
          pos = t.next;
          break;
        }
        const text = buf.latin1(pos, t.end - pos);
        tree.add(hf.chunkedTrailer, buf, pos, t.next - pos, `${text}\r\n`).text = `trailer-part: ${escapeText(text)}\\r\\n`;
        pos = t.next;
      }
      break;
    }
    const dataStart = line.next;
    const available = Math.max(0, Math.min(size, buf.length - dataStart));
    const chunk = tree.addText(`Data chunk (${size} octets)`, buf, pos, line.next - pos + available);
    chunk.add(hf.chunkSize, buf, pos, line.end - pos, size);
    const bytes = buf.bytesAt(dataStart, available);
    chunk.add(hf.chunkData, buf, dataStart, available, bytes);
    pieces.push(bytes);
    total += available;
    if (available < size) {
      const n = tree.add(hf.bodyShort, buf, dataStart, available);
      n.text = `[Chunk has ${available} of ${size} bytes]`;
      pkt.addExpert(n, Severity.Warning, 'Malformed', `Chunk shorter than its size (${available} of ${size} bytes)`, 'http');
      break;
    }
    pos = dataStart + size;
    let boundary = 0;
    if (pos < buf.length && buf.u8(pos) === CR) boundary++;
    if (pos + boundary < buf.length && buf.u8(pos + boundary) === LF) boundary++;
    if (boundary) chunk.add(hf.chunkBoundary, buf, pos, boundary, buf.bytesAt(pos, boundary));
    pos += boundary;
  }
  if (total === 0) return null;
  const joined = new Uint8Array(total);
  let at = 0;
  for (const p of pieces) {
    joined.set(p, at);
    at += p.length;
  }
  return pkt.newSource(joined, `De-chunked entity body (${total} bytes)`);
}

/** Registered text types beyond text/*: shown line by line too. */
const textualTypes = new Set([
  'application/javascript', 'application/x-javascript', 'application/ecmascript', 'application/xml',
  'application/xhtml+xml', 'application/x-sh', 'image/svg+xml', 'message/http',
]);

/** Information a body dissector receives as `data` from HTTP. */
export interface MediaInfo {
  /** The media type, lower case, without parameters: "text/html". */
  mediaType: string;
  /** The whole Content-Type value as sent: "text/html; charset=utf-8". */
  contentType: string;
  /** Set by a dissector that hands the body on after naming the media type in Info itself. */
  infoShown?: boolean;
}

/** File Data, then the body handed to the dissector for its media type. */
function showBody(body: Buf, pkt: Packet, parent: Node, node: Node, contentType: string): void {
  if (node.real) {
    // Counted as captured, as tshark counts it.
    const n = node.add(hf.fileData, body, 0, body.length, UTF8_OF_BYTES);
    n.text = `File Data: ${body.length} bytes`;
  }
  dissectMediaBody(body, pkt, parent, node, contentType);
  // What the capture cut off the end: shown as far as it goes, then HTTP is truncated there.
  if (body.length < body.reportedLength) body.check(body.length, 1);
}

/**
 * A message body handed to the dissector of its media type (Content-Type): JSON, form data, text
 * lines …, or the generic media layer; raw data under `node` when there is no type. HTTP/2 uses it too.
 */
export function dissectMediaBody(body: Buf, pkt: Packet, parent: Node, node: Node, contentType: string): void {
  const mediaType = mediaTypeOf(contentType);
  const info: MediaInfo = { mediaType, contentType };
  if (!mediaType) dissectData(body, pkt, node);
  else {
    const byType = pkt.session.lookup(mediaTypes, mediaType)
      ?? (mediaType.startsWith('text/') || textualTypes.has(mediaType) ? textLines : undefined);
    callDissector(byType ?? media, body, pkt, parent, info);
  }
}

// ---------------------------------------------------------------------------------------------
// Bodies: line-based text and HTML form data (the `media_type` table's built-in entries).

function dissectTextLines(buf: Buf, pkt: Packet, parent: Node, data?: unknown): void {
  const media = data as MediaInfo | undefined;
  const mediaType = media?.mediaType;
  const column = pkt.protocolColumn;
  const node = pkt.addLayer(textLines, parent, buf, 0, buf.length);
  pkt.protocolColumn = column;
  if (mediaType && !media.infoShown) pkt.appendInfo(` (${mediaType})`);
  // The lines only feed the tree: without one there is nothing to count them for.
  if (!node.real) return;
  // Each line is a node over its bytes (cut after each LF: a line feed never belongs to a longer
  // UTF-8 sequence), decoded and escaped only if a renderer shows it.
  let lines = 0;
  for (let pos = 0; pos < buf.length; lines++) {
    const lf = buf.indexOf(LF, pos);
    const end = lf < 0 ? buf.length : lf + 1;
    node.addLine(buf, pos, end - pos);
    pos = end;
  }
  node.text = `Line-based text data${mediaType ? `: ${mediaType}` : ''} (${lines} lines)`;
}

export const textLines: Protocol = protocol('data-text-lines', 'Line-based text data', 'Line-based text data',
  'A body of text (HTML, CSS, plain text…) shown one line per row.', dissectTextLines);

const formHf = {
  key: field('urlencoded-form.key', 'Key', FT.String, 'The name of one field of an HTML form, decoded from %XX and + escapes.'),
  value: field('urlencoded-form.value', 'Value', FT.String, 'The value of one field of an HTML form, decoded from %XX and + escapes.'),
};

function decodeFormComponent(s: string): string {
  const spaced = s.replace(/\+/g, ' ');
  try {
    return decodeURIComponent(spaced);
  } catch {
    return spaced;
  }
}

function dissectForm(buf: Buf, pkt: Packet, parent: Node, data?: unknown): void {
  const mediaType = (data as MediaInfo | undefined)?.mediaType ?? 'application/x-www-form-urlencoded';
  const column = pkt.protocolColumn;
  const node = pkt.addLayer(urlencodedForm, parent, buf, 0, buf.length);
  pkt.protocolColumn = column;
  pkt.appendInfo(` (${mediaType})`);
  node.text = `HTML Form URL Encoded: ${mediaType}`;
  const text = buf.latin1(0, buf.length);
  let pos = 0;
  for (const item of text.split('&')) {
    if (item) {
      const eq = item.indexOf('=');
      const key = decodeFormComponent(eq >= 0 ? item.slice(0, eq) : item);
      const value = decodeFormComponent(eq >= 0 ? item.slice(eq + 1) : '');
      const itemNode = node.addText(`Form item: "${key}" = "${value}"`, buf, pos, item.length);
      const keyLen = eq >= 0 ? eq : item.length;
      itemNode.add(formHf.key, buf, pos, keyLen, key);
      if (eq >= 0) itemNode.add(formHf.value, buf, pos + eq + 1, item.length - eq - 1, value);
    }
    pos += item.length + 1;
  }
}

export const urlencodedForm: Protocol = protocol('urlencoded-form', 'HTML Form URL Encoded', 'URLENCODED-FORM',
  'The body of an HTML form submission: name=value pairs joined by &, with special characters %-escaped.', dissectForm);

const mediaHf = {
  type: field('media.type', 'Media type', FT.Bytes, 'A body of a media type no dissector reads, kept as bytes; the line names the type and the size.'),
};

/** A body of a media type nothing here reads: its type, size and bytes (Wireshark's "Media Type"). */
function dissectMedia(buf: Buf, pkt: Packet, parent: Node, data?: unknown): void {
  const info = data as MediaInfo | undefined;
  const column = pkt.protocolColumn;
  const node = pkt.addLayer(media, parent, buf, 0, buf.length);
  pkt.protocolColumn = column;
  const mediaType = info?.mediaType ?? '';
  pkt.appendInfo(` (${mediaType})`);
  if (!node.real || buf.reportedLength <= 0) return;
  const semicolon = info?.contentType.indexOf(';') ?? -1;
  const parameters = semicolon >= 0 ? info!.contentType.slice(semicolon + 1).trim() : '';
  const size = buf.reportedLength;
  node.add(mediaHf.type, buf, 0, buf.length, buf.bytesAt(0, buf.length)).text =
    `Media type: ${mediaType}${parameters ? `; ${parameters}` : ''} (${size} byte${size === 1 ? '' : 's'})`;
}

export const media: Protocol = protocol('media', 'Media Type', 'Media',
  'A message body whose media type (Content-Type) has no dissector here: shown as its type and raw bytes.', dissectMedia);

/** Protocols a connection may switch to with 101 Switching Protocols, by Upgrade token ("websocket"). */
const upgrades = table('http.upgrade', 'Protocol an HTTP connection switched to (the Upgrade header of a 101 response)');

/** Body dissectors by media type ("text/html"); HTTP looks here first. */
export const mediaTypes = table('media_type', 'Internet media type of a message body (HTTP Content-Type)');

// ---------------------------------------------------------------------------------------------

/** A heuristic for HTTP on ports no table names: the segment must start with a whole request or status line. */
function heuristicHttp(buf: Buf, pkt: Packet, parent: Node, data?: unknown): boolean {
  if (buf.length < 12) return false;
  const line = lineAt(buf, 0);
  if (!line || line.end > 8192) return false;
  if (!parseStartLine(buf.latin1(0, line.end))) return false;
  dissectHttp(buf, pkt, parent, data);
  return true;
}

export const http = protocol('http', 'Hypertext Transfer Protocol', 'HTTP',
  'The web\'s request/response protocol: a client sends a method and a resource, the server answers with a status code, headers and a body.',
  dissectHttp);

export function register(): void {
  const tcp = table('tcp.port');
  for (const port of [80, 8000, 8080]) tcp.add(port, http);
  tcp.addHeuristic(http, heuristicHttp);
  // Over TLS the bytes are encrypted; the entry only names what the application data carries.
  table('tls.port').add(443, http);
  table('tls.alpn').add('http/1.1', http).add('http/1.0', http);
  mediaTypes.add('application/x-www-form-urlencoded', urlencodedForm);
  // Bytes that say they are just bytes are shown as Data, not as an unknown media type.
  mediaTypes.add('application/octet-stream', dataProtocol);
}
