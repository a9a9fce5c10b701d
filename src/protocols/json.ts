/**
 * JSON bodies (RFC 8259 syntax; like Wireshark, a document must be an object or an array), found
 * by media type: application/json, application/problem+json, application/json-rpc and
 * application/jsonrequest.
 *
 * Every value becomes a node over its bytes: objects hold members (key, value, and the member's
 * path from the document root, "/items/[]/name"), arrays hold their elements. A scalar also gets
 * its path and member with the value ("/items/[]/name:vpnscope", "name:vpnscope"), so a filter
 * such as `json.member_with_value == "status:404"` finds it. A body that is not valid JSON is
 * shown as lines of text under the JSON layer, with a line saying where it stopped being JSON.
 */
import { FT, type FieldDef, field } from '../engine/fields.js';
import { protocol, callDissector, type Protocol } from '../engine/dispatch.js';
import type { Buf } from '../engine/buf.js';
import type { Packet } from '../engine/packet.js';
import { type Node, textField } from '../engine/tree.js';
import { mediaTypes, textLines, type MediaInfo } from './http.js';

export const hf = {
  object: field('json.object', 'Object', FT.None, 'A JSON object: { "key": value, … }, an unordered set of named members.'),
  array: field('json.array', 'Array', FT.None, 'A JSON array: [ value, … ], an ordered list of values.'),
  member: field('json.member', 'Member', FT.String, 'One "key": value pair of an object; its value is the key.'),
  key: field('json.key', 'Key', FT.String, 'The name of an object member, with its escapes decoded.'),
  path: field('json.path', 'Path', FT.String, 'Where a member sits in the document: the keys from the root joined by /, [] standing for an array element.'),
  pathWithValue: field('json.path_with_value', 'Path with value', FT.String, 'A scalar\'s path and its value joined by a colon: "/user/name:alice", handy for filtering on one exact field.'),
  memberWithValue: field('json.member_with_value', 'Member with value', FT.String, 'A scalar\'s key (or [] in an array) and its value joined by a colon: "name:alice".'),
  string: field('json.value.string', 'String value', FT.String, 'A JSON string, with its escapes (\\n, \\", \\u00e9 …) decoded.'),
  number: field('json.value.number', 'Number value', FT.String, 'A JSON number, kept exactly as written (JSON numbers have no fixed size or precision).'),
  true: field('json.value.true', 'True value', FT.None, 'The literal true: the boolean value yes.'),
  false: field('json.value.false', 'False value', FT.None, 'The literal false: the boolean value no.'),
  null: field('json.value.null', 'Null value', FT.None, 'The literal null: a value that is deliberately absent.'),
};

/** Deeper documents are shown as text: the tree and the parser's recursion stay bounded. */
const MAX_DEPTH = 64;

const QUOTE = 0x22;
const BACKSLASH = 0x5c;

/** Thrown by the parser at the first byte that is not JSON. */
class NotJson {
  constructor(
    readonly at: number,
    readonly why: string,
  ) {}
}

/**
 * One pass over the document. With `tree` null it only checks the syntax; with a node it builds the
 * tree as it goes (run only on a document already known to be valid, so nothing half-built is left).
 */
class Parser {
  private pos = 0;
  private readonly end: number;
  private readonly bytes: Uint8Array;

  constructor(private readonly buf: Buf) {
    this.bytes = buf.bytesAt(0, buf.length);
    this.end = buf.length;
  }

  document(tree: Node | null): void {
    this.pos = 0;
    this.space();
    const c = this.peek();
    if (c !== 0x7b && c !== 0x5b) this.fail('a JSON document starts with { or [');
    this.value(tree, '', null, 0);
    this.space();
    if (this.pos < this.end) this.fail('more bytes follow the end of the document');
  }

  private fail(why: string): never {
    throw new NotJson(this.pos, this.pos >= this.end ? 'the document ends before it is complete' : why);
  }

  private peek(): number {
    return this.pos < this.end ? this.bytes[this.pos]! : -1;
  }

  private space(): void {
    while (this.pos < this.end) {
      const c = this.bytes[this.pos]!;
      if (c !== 0x20 && c !== 0x0a && c !== 0x0d && c !== 0x09) return;
      this.pos++;
    }
  }

  private expect(c: number, what: string): void {
    if (this.peek() !== c) this.fail(`expected ${what}`);
    this.pos++;
  }

  /**
   * A value at `pos`. `path` is its place in the document; `member` is its key (null for an array
   * element); a scalar under `parent` gets its path and member-with-value lines before it.
   */
  private value(parent: Node | null, path: string, member: string | null, depth: number): void {
    if (depth > MAX_DEPTH) this.fail(`nested deeper than ${MAX_DEPTH} levels`);
    const start = this.pos;
    const c = this.peek();
    if (c === 0x7b) return this.object(parent, path, depth);
    if (c === 0x5b) return this.array(parent, path, depth);
    let def: FieldDef;
    let text: string;
    if (c === QUOTE) {
      text = this.string(parent !== null);
      def = hf.string;
    } else if (c === 0x2d || (c >= 0x30 && c <= 0x39)) {
      this.number();
      text = parent ? this.buf.latin1(start, this.pos - start) : '';
      def = hf.number;
    } else {
      text = this.literal();
      def = text === 'true' ? hf.true : text === 'false' ? hf.false : hf.null;
    }
    if (!parent) return;
    parent.addGenerated(hf.pathWithValue, `${path}:${text}`);
    parent.addGenerated(hf.memberWithValue, `${member ?? '[]'}:${text}`);
    // Strings and numbers carry their text as the value; true, false and null are fields without one.
    parent.add(def, this.buf, start, this.pos - start, def === hf.string || def === hf.number ? text : undefined);
  }

  private object(parent: Node | null, path: string, depth: number): void {
    this.container(parent, hf.object, 0x7d, 'a member', (node) => {
      const keyStart = this.pos;
      if (this.peek() !== QUOTE) this.fail('expected a member name in double quotes');
      const key = this.string(node !== null);
      const keyEnd = this.pos;
      this.space();
      this.expect(0x3a, "':' after the member name");
      this.space();
      const memberPath = node ? `${path}/${key}` : '';
      const m = node ? node.add(hf.member, this.buf, keyStart, 0, key) : null;
      this.value(m, memberPath, key, depth + 1);
      if (m) {
        m.setEnd(this.buf, this.pos);
        m.add(hf.key, this.buf, keyStart, keyEnd - keyStart, key);
        m.addGenerated(hf.path, memberPath);
      }
    });
  }

  private array(parent: Node | null, path: string, depth: number): void {
    const elementPath = parent ? `${path}/[]` : '';
    this.container(parent, hf.array, 0x5d, 'an element', (node) => this.value(node, elementPath, null, depth + 1));
  }

  /**
   * An object or array at `pos`: its opening bracket, then `item` (which reads one member or element
   * under the container's node) for each of its comma-separated items, up to the `close` bracket.
   */
  private container(parent: Node | null, def: FieldDef, close: number, what: string, item: (node: Node | null) => void): void {
    const start = this.pos;
    this.pos++;
    const node = parent ? parent.add(def, this.buf, start, 0) : null;
    this.space();
    if (this.peek() === close) this.pos++;
    else {
      for (;;) {
        this.space();
        item(node);
        this.space();
        const c = this.peek();
        if (c === close) break;
        if (c !== 0x2c) this.fail(`expected ',' or '${String.fromCharCode(close)}' after ${what}`);
        this.pos++;
      }
      this.pos++;
    }
    node?.setEnd(this.buf, this.pos);
  }

  /** A string token; its decoded text when `decode`, else '' (checking only). */
  private string(decode: boolean): string {
    const b = this.bytes;
    this.pos++;
    const from = this.pos;
    let escaped = false;
    for (;;) {
      if (this.pos >= this.end) this.fail('the string is not closed');
      const c = b[this.pos]!;
      if (c === QUOTE) break;
      if (c < 0x20) this.fail('a control character must be escaped inside a string');
      if (c === BACKSLASH) {
        escaped = true;
        const e = this.pos + 1 < this.end ? b[this.pos + 1]! : -1;
        if (e === 0x75) {
          for (let i = 2; i < 6; i++) if (this.pos + i >= this.end || !isHexDigit(b[this.pos + i]!)) this.fail('\\u needs four hex digits');
          this.pos += 6;
          continue;
        }
        if (!SIMPLE_ESCAPES.has(e)) this.fail('unknown escape in a string');
        this.pos += 2;
        continue;
      }
      this.pos++;
    }
    const to = this.pos;
    this.pos++;
    if (!decode) return '';
    const raw = this.buf.utf8(from, to - from);
    return escaped ? unescape(raw) : raw;
  }

  private number(): void {
    if (this.peek() === 0x2d) this.pos++;
    const first = this.peek();
    if (first === 0x30) this.pos++;
    else if (first >= 0x31 && first <= 0x39) while (isDigit(this.peek())) this.pos++;
    else this.fail('a number needs a digit');
    if (this.peek() === 0x2e) {
      this.pos++;
      if (!isDigit(this.peek())) this.fail('a fraction needs a digit after the point');
      while (isDigit(this.peek())) this.pos++;
    }
    const e = this.peek();
    if (e === 0x65 || e === 0x45) {
      this.pos++;
      if (this.peek() === 0x2b || this.peek() === 0x2d) this.pos++;
      if (!isDigit(this.peek())) this.fail('an exponent needs a digit');
      while (isDigit(this.peek())) this.pos++;
    }
  }

  private literal(): string {
    for (const word of LITERALS) {
      if (this.pos + word.length > this.end) continue;
      let ok = true;
      for (let i = 0; i < word.length && ok; i++) ok = this.bytes[this.pos + i] === word.charCodeAt(i);
      if (ok) {
        this.pos += word.length;
        return word;
      }
    }
    return this.fail('expected a value');
  }
}

const LITERALS = ['true', 'false', 'null'];
/** The escapes after a backslash other than \u: " \ / b f n r t. */
const SIMPLE_ESCAPES = new Set([0x22, 0x5c, 0x2f, 0x62, 0x66, 0x6e, 0x72, 0x74]);
const UNESCAPED: Record<string, string> = { '"': '"', '\\': '\\', '/': '/', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t' };

function isDigit(c: number): boolean {
  return c >= 0x30 && c <= 0x39;
}

function isHexDigit(c: number): boolean {
  return isDigit(c) || (c >= 0x41 && c <= 0x46) || (c >= 0x61 && c <= 0x66);
}

/** A checked string body with its escapes decoded (\u pairs make one character; a lone half stays as it is). */
function unescape(raw: string): string {
  return raw.replace(/\\(u[0-9a-fA-F]{4}|.)/g, (_, e: string) => (e.length === 5 ? String.fromCharCode(parseInt(e.slice(1), 16)) : UNESCAPED[e]!));
}

function dissectJson(buf: Buf, pkt: Packet, parent: Node, data?: unknown): void {
  const media = data as MediaInfo | undefined;
  const column = pkt.protocolColumn;
  const node = pkt.addLayer(json, parent, buf, 0, buf.length);
  pkt.protocolColumn = column ? `${column}/JSON` : 'JSON';
  pkt.appendInfo(', JavaScript Object Notation');
  if (media?.mediaType) pkt.appendInfo(` (${media.mediaType})`);
  node.text = media?.mediaType ? `JavaScript Object Notation: ${media.mediaType}` : 'JavaScript Object Notation';
  const parser = new Parser(buf);
  try {
    parser.document(null);
  } catch (e) {
    if (!(e instanceof NotJson)) throw e;
    // Shown as text, as Wireshark does; the line above it says why.
    node.addGenerated(textField, undefined).text = `Not valid JSON at byte ${e.at}: ${e.why}; the body is shown as text`;
    const asText: MediaInfo = { mediaType: media?.mediaType ?? '', contentType: media?.contentType ?? '', infoShown: true };
    callDissector(textLines, buf, pkt, parent, asText);
    return;
  }
  // A filter on json.* builds the JSON layer whole (a partial tree keeps a wanted field's protocol).
  if (node.real) parser.document(node);
}

export const json: Protocol = protocol('json', 'JavaScript Object Notation', 'JSON',
  'JSON (RFC 8259): text made of objects, arrays, strings, numbers, true, false and null, the usual body of web APIs.', dissectJson);

export function register(): void {
  for (const type of ['application/json', 'application/problem+json', 'application/json-rpc', 'application/jsonrequest']) mediaTypes.add(type, json);
}
