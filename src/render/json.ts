/**
 * JSON in tshark's shape, so jq recipes written for `tshark -T json` work unchanged:
 *
 *   {"_index": "packets-2026-11-25", "_type": "doc", "_score": null,
 *    "_source": {"layers": {"frame": {...}, "eth": {...}, "ip": {"ip.src": "10.0.0.1", ...}}}}
 *
 * Values are strings in tshark's forms; a field with children adds a sibling "<abbrev>_tree" object;
 * text items become keys named by their label. One difference on purpose: where a key occurs several
 * times in one object (ip.addr, udp.port, repeated dns.a), tshark writes duplicate keys and JSON
 * parsers keep only the last; vpnscope writes one key whose value is an array of every occurrence in
 * order — what `tshark --no-duplicate-keys` does.
 *
 * A packet's JSON is ~10 KB and a capture's can be gigabytes, so the encoder builds no strings: it
 * writes UTF-8 bytes straight into the output buffer. A member's `"key": ` with its newline and indent
 * is encoded once per field and depth; integers, IPv4 addresses, times and hex bytes are written digit
 * by digit; text is escaped as it is copied. The rarer value types go through `valueToJson`, and text
 * with surrogates through JSON.stringify, so the bytes are those of the string-building renderer.
 */
import type { Packet } from '../engine/packet.js';
import { type Node, textField, expertField, groupCode, severityCode } from '../engine/tree.js';
import { FT, fields, hexDigits, isSmallInteger } from '../engine/fields.js';
import { type ByteSink, GrowingSink } from './sink.js';
import { HEX_CODES, MAX_HEX, MAX_IPV4, MAX_REL_TIME, MAX_UINT32, isNanoseconds, writeHex, writeIpv4, writeNanoseconds, writeRelTime, writeUint32 } from './digits.js';
import { absTimeToString, epochToString, nodeLabel, valueToJson } from '../engine/format.js';


const needsEscape = /["\\\u0000-\u001f\u2028\u2029]/;
/** Anything but printable ASCII other than `"` and `\`. */
const notPlainAscii = /[^\x20\x21\x23-\x5b\x5d-\x7e]/;
const surrogate = /[\ud800-\udfff]/;

function esc(s: string): string {
  return needsEscape.test(s) ? JSON.stringify(s) : `"${s}"`;
}

const QUOTE = 34;
const COMMA = 44;
const COLON = 58;
const NEWLINE = 10;
const SPACE = 32;
const BACKSLASH = 92;
/** JSON's two-character escapes of control characters (\b \t \n \f \r); 0 means \u00XX. */
const SHORT_ESCAPES = new Uint8Array(32);
SHORT_ESCAPES[8] = 98;
SHORT_ESCAPES[9] = 116;
SHORT_ESCAPES[10] = 110;
SHORT_ESCAPES[12] = 102;
SHORT_ESCAPES[13] = 114;

/** Writes a control character's escape at `b[p]` as JSON.stringify does (`\n`, `\u001b`); returns the new end. */
function escapeControl(b: Uint8Array, p: number, c: number): number {
  b[p++] = BACKSLASH;
  const short = SHORT_ESCAPES[c]!;
  if (short !== 0) {
    b[p++] = short;
    return p;
  }
  b[p++] = 117;
  b[p++] = 48;
  b[p++] = 48;
  b[p++] = HEX_CODES[c >> 4]!;
  b[p++] = HEX_CODES[c & 15]!;
  return p;
}

/** `:hh` and a spare byte, big-endian, for each byte value. */
const COLON_HEX = new Uint32Array(256);
for (let x = 0; x < 256; x++) COLON_HEX[x] = ((COLON << 24) | (HEX_CODES[x >> 4]! << 16) | (HEX_CODES[x & 15]! << 8)) >>> 0;

/** `rows[level]`, made and grown densely so that `[id]` is a valid index (sparse arrays turn into dictionaries). */
function byId<T>(rows: (T | undefined)[][], level: number, id: number): (T | undefined)[] {
  while (rows.length <= level) rows.push([]);
  const row = rows[level]!;
  if (id >= row.length) {
    const size = Math.max(id + 1, fields.all().length + 64);
    for (let i = row.length; i < size; i++) row.push(undefined);
  }
  return row;
}

/**
 * Key identities of the members of the objects being written: a stack shared by nested objects.
 * A field's key is its id (abbreviations are unique); a label that names no field gets a negative id.
 */
let keyIds = new Int32Array(512);
/** At a key's first member: how many members have that key. */
let keyCounts = new Int32Array(512);
let keyLabels: string[] = new Array<string>(512).fill('');
let keyTop = 0;
/** Marks a member already written as part of an earlier repeated key's array. */
const DONE = -0x80000000;

/** Labels compared one by one in an object before a map takes over. */
const LABELS_SCANNED = 16;
/** `seenIn[id] === object` when a key was met in the object being scanned: finds repeats without a map. */
let seenIn = new Int32Array(2048);
/** `firstSlot[id]`: where that key was first met in the object being scanned. */
let firstSlot = new Int32Array(2048);
let objectNumber = 0;


/** Fields that carry a value and children write the children as "<abbrev>_tree". */
function hasTreeSibling(n: Node): boolean {
  return !n.expert && n.field.type !== FT.Protocol && n.field.type !== FT.None;
}

/**
 * Fills `keyIds[base…base+kids.length]` with each child's key identity (and `keyLabels` for labels);
 * returns whether any key repeats.
 */
function scanKeys(kids: readonly Node[], base: number): boolean {
  const n = kids.length;
  if (base + n > keyIds.length) {
    const size = Math.max(keyIds.length * 2, base + n);
    keyIds = grow(keyIds, size);
    keyCounts = grow(keyCounts, size);
    while (keyLabels.length < size) keyLabels.push('');
  }
  if (++objectNumber === 0x7fffffff) {
    seenIn.fill(0);
    objectNumber = 1;
  }
  const mark = objectNumber;
  let repeats = false;
  let labels = 0;
  /** Slot of each label seen in this object, once there are enough to make scanning them slow. */
  let labelSlots: Map<string, number> | null = null;
  for (let i = 0; i < n; i++) {
    const k = kids[i]!;
    const slot = base + i;
    let id: number;
    if (k.expert) id = expertField.id;
    else if (k.field === textField) {
      // tshark keys a text item by its words (a leaf's value is ""), without the brackets a
      // generated one shows.
      const label = k.text ?? nodeLabel(k);
      keyLabels[slot] = label;
      const named = fields.named(label);
      if (named) id = named.id;
      else {
        // Few labels: compare with this object's earlier ones; many (the lines of a text body): a map.
        let j = slot;
        if (labelSlots) j = labelSlots.get(label) ?? slot;
        else {
          j = base;
          while (j < slot && !(keyIds[j]! < 0 && keyLabels[j] === label)) j++;
          if (labels === LABELS_SCANNED) {
            labelSlots = new Map();
            for (let m = slot - 1; m >= base; m--) if (keyIds[m]! < 0) labelSlots.set(keyLabels[m]!, m);
          }
        }
        if (j < slot) {
          keyIds[slot] = keyIds[j]!;
          keyCounts[j]!++;
          repeats = true;
        } else {
          keyIds[slot] = -++labels;
          keyCounts[slot] = 1;
          labelSlots?.set(label, slot);
        }
        continue;
      }
    } else id = k.field.id;
    if (id >= seenIn.length) {
      const size = Math.max(seenIn.length * 2, id + 1);
      seenIn = grow(seenIn, size);
      firstSlot = grow(firstSlot, size);
    }
    keyIds[slot] = id;
    if (seenIn[id] === mark) {
      keyCounts[firstSlot[id]!]!++;
      repeats = true;
    } else {
      seenIn[id] = mark;
      firstSlot[id] = slot;
      keyCounts[slot] = 1;
    }
  }
  return repeats;
}

function grow(a: Int32Array, size: number): Int32Array<ArrayBuffer> {
  const grown = new Int32Array(size);
  grown.set(a);
  return grown;
}

/**
 * An absolute time's text for one second, split where its nanoseconds go: "Nov 24, 2025 16:00:00."
 * and " UTC". Checked against the formatter with sample digits, so a change of format there shows
 * up here as a slower path, not as different text.
 */
class TimeForm {
  seconds = NaN;
  before = '';
  after = '';
  constructor(private readonly format: (t: readonly [number, number]) => string) {}

  load(seconds: number): boolean {
    this.seconds = NaN;
    const zero = this.format([seconds, 0]);
    const at = zero.lastIndexOf('000000000');
    if (at < 0) return false;
    const before = zero.slice(0, at);
    const after = zero.slice(at + 9);
    if (this.format([seconds, 123456789]) !== before + '123456789' + after || notPlainAscii.test(before + after)) return false;
    this.seconds = seconds;
    this.before = before;
    this.after = after;
    return true;
  }
}

/** Encodes one packet's JSON, pretty (two-space indent, tshark's -T json) or compact (-T ndjson). */
class JsonEncoder {
  private sink!: ByteSink;
  private buf!: Buffer;
  /** Over `buf`, for writing four bytes at a time at any offset. */
  private view!: DataView;
  private pos = 0;
  /**
   * A member's opening bytes by indent level and field id: `\n<indent>"abbrev": ` (pretty) or
   * `"abbrev":` (compact), and the same for its `"abbrev_tree"` sibling.
   */
  private readonly heads: (Uint8Array | undefined)[][] = [];
  private readonly treeHeads: (Uint8Array | undefined)[][] = [];
  private readonly separator: string;
  /** frame.time and frame.time_epoch text, around the nanoseconds, for the latest second seen. */
  private readonly dateForm = new TimeForm(absTimeToString);
  private readonly epochForm = new TimeForm(epochToString);
  /** Packet prefix up to the layers object, by UTC day (the index name changes daily). */
  private prefixDay = NaN;
  private prefix: Uint8Array = new Uint8Array(0);

  constructor(private readonly pretty: boolean) {
    this.separator = pretty ? ': ' : ':';
  }

  packet(pkt: Packet, sink: ByteSink): void {
    this.sink = sink;
    this.useBuffer();
    keyTop = 0;
    this.bytes(this.prefixFor(pkt.frame.seconds));
    if (this.pretty) {
      this.object(pkt.root.children, 6);
      this.ascii('\n    }\n  }');
    } else {
      this.object(pkt.root.children, 0);
      this.ascii('}}');
    }
    sink.used = this.pos;
  }

  private useBuffer(): void {
    const b = this.sink.buf;
    if (b !== this.buf) {
      this.buf = b;
      this.view = new DataView(b.buffer, b.byteOffset, b.byteLength);
    }
    this.pos = this.sink.used;
  }

  private prefixFor(seconds: number): Uint8Array {
    const day = Math.floor(seconds / 86400);
    if (day !== this.prefixDay) {
      const name = indexName(seconds);
      this.prefix = Buffer.from(
        this.pretty
          ? `  {\n    "_index": "${name}",\n    "_type": "doc",\n    "_score": null,\n    "_source": {\n      "layers": `
          : `{"_index":"${name}","_type":"doc","_score":null,"_source":{"layers":`,
      );
      this.prefixDay = day;
    }
    return this.prefix;
  }

  /** Makes room for `n` bytes at `pos`; the sink may flush or swap its buffer. */
  private room(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    this.sink.used = this.pos;
    this.sink.reserve(n);
    this.useBuffer();
  }

  private byte(c: number): void {
    this.room(1);
    this.buf[this.pos++] = c;
  }

  private bytes(src: Uint8Array): void {
    const n = src.length;
    this.room(n);
    // A native copy beats a loop from about eight bytes on; keys are mostly 10–40.
    if (n >= 8) this.buf.set(src, this.pos);
    else for (let i = 0; i < n; i++) this.buf[this.pos + i] = src[i]!;
    this.pos += n;
  }

  /** Text known to be ASCII. */
  private ascii(s: string): void {
    const n = s.length;
    this.room(n);
    const b = this.buf;
    let p = this.pos;
    for (let i = 0; i < n; i++) b[p++] = s.charCodeAt(i);
    this.pos = p;
  }

  /** Any text, UTF-8 encoded as is. */
  private utf8(s: string): void {
    this.room(s.length * 3);
    this.pos += this.buf.write(s, this.pos);
  }

  private newline(indent: number): void {
    if (!this.pretty) return;
    this.room(indent + 1);
    const b = this.buf;
    let p = this.pos;
    b[p++] = NEWLINE;
    for (let i = 0; i < indent; i++) b[p++] = SPACE;
    this.pos = p;
  }

  /**
   * A JSON string with the bytes `esc` and UTF-8 encoding would give: `"`, `\` and control
   * characters escaped as JSON.stringify does, anything else (U+2028/2029 too) written as is.
   */
  private string(s: string): void {
    const n = s.length;
    // Native code finds and copies a plain ASCII run several times faster than a loop: all of most
    // strings, the part before the line end of text lines ("...\\n").
    let plain = 0;
    if (n >= 24) {
      plain = s.search(notPlainAscii);
      if (plain < 0) {
        this.room(n + 2);
        this.buf[this.pos++] = QUOTE;
        this.pos += this.buf.write(s, this.pos, n, 'latin1');
        this.buf[this.pos++] = QUOTE;
        return;
      }
      if (n > 1024) {
        this.longString(s);
        return;
      }
      if (plain < 16) plain = 0;
    }
    // With room for the worst case nothing is flushed below, so the general way can start over.
    this.room(n * 6 + 2);
    const start = this.pos;
    this.buf[this.pos++] = QUOTE;
    if (plain > 0) this.pos += this.buf.write(s, this.pos, plain, 'latin1');
    if (!this.escape(s, plain, n)) {
      this.pos = start;
      this.utf8(esc(s));
      return;
    }
    this.buf[this.pos++] = QUOTE;
  }

  /**
   * Text given as ASCII bytes, written as the string they decode to would be; false, having written
   * nothing, when some byte is not ASCII.
   */
  private asciiText(bytes: Uint8Array): boolean {
    const n = bytes.length;
    let high = 0;
    for (let i = 0; i < n; i++) high |= bytes[i]!;
    if (high >= 0x80) return false;
    this.byte(QUOTE);
    for (let from = 0; from < n; from += 4096) {
      const to = Math.min(n, from + 4096);
      this.room((to - from) * 6);
      const b = this.buf;
      let p = this.pos;
      for (let i = from; i < to; i++) {
        const c = bytes[i]!;
        if (c >= 0x20) {
          if (c !== QUOTE && c !== BACKSLASH) b[p++] = c;
          else {
            b[p++] = BACKSLASH;
            b[p++] = c;
          }
          continue;
        }
        p = escapeControl(b, p, c);
      }
      this.pos = p;
    }
    this.byte(QUOTE);
    return true;
  }

  /** Long text that needs escaping (HTTP bodies), in pieces so that it needs no larger buffer. */
  private longString(s: string): void {
    if (surrogate.test(s)) {
      this.utf8(esc(s));
      return;
    }
    const n = s.length;
    this.byte(QUOTE);
    for (let from = 0; from < n; from += 1024) {
      const to = Math.min(n, from + 1024);
      this.room((to - from) * 6);
      this.escape(s, from, to);
    }
    this.byte(QUOTE);
  }

  /**
   * Writes `s[from…to)` escaped and UTF-8 encoded into room already made; returns false, having
   * written nothing for certain, at a surrogate (pairs and lone halves need the general way).
   */
  private escape(s: string, from: number, to: number): boolean {
    const b = this.buf;
    let p = this.pos;
    for (let i = from; i < to; i++) {
      const c = s.charCodeAt(i);
      if (c >= 0x20 && c < 0x80) {
        if (c !== QUOTE && c !== BACKSLASH) b[p++] = c;
        else {
          b[p++] = BACKSLASH;
          b[p++] = c;
        }
      } else if (c < 0x20) p = escapeControl(b, p, c);
      else if (c < 0x800) {
        b[p++] = 0xc0 | (c >> 6);
        b[p++] = 0x80 | (c & 63);
      } else if (c < 0xd800 || c > 0xdfff) {
        b[p++] = 0xe0 | (c >> 12);
        b[p++] = 0x80 | ((c >> 6) & 63);
        b[p++] = 0x80 | (c & 63);
      } else return false;
    }
    this.pos = p;
    return true;
  }

  /** `"text"` for text that needs no escaping (the machine forms of numbers, times, addresses). */
  private quoted(s: string): void {
    const n = s.length;
    this.room(n + 2);
    const b = this.buf;
    let p = this.pos;
    b[p++] = QUOTE;
    for (let i = 0; i < n; i++) {
      const c = s.charCodeAt(i);
      if (c >= 0x80) {
        this.byte(QUOTE);
        this.utf8(s);
        this.byte(QUOTE);
        return;
      }
      b[p++] = c;
    }
    b[p++] = QUOTE;
    this.pos = p;
  }

  /** Starts a member: the newline and indent (when pretty), its key and the colon. */
  private head(id: number, slot: number, inner: number): void {
    if (id < 0) {
      this.newline(inner);
      this.string(keyLabels[slot]!);
      this.ascii(this.separator);
      return;
    }
    const row = byId(this.heads, inner >> 1, id);
    let h = row[id];
    if (h === undefined) row[id] = h = this.encodeHead(fields.byId(id).abbrev, inner);
    this.bytes(h);
  }

  private treeHead(id: number, inner: number): void {
    const row = byId(this.treeHeads, inner >> 1, id);
    let h = row[id];
    if (h === undefined) row[id] = h = this.encodeHead(fields.byId(id).abbrev + '_tree', inner);
    this.bytes(h);
  }

  private encodeHead(key: string, inner: number): Uint8Array {
    return Buffer.from((this.pretty ? '\n' + ' '.repeat(inner) : '') + esc(key) + this.separator);
  }

  /** Writes the object made of `kids` (in tshark's key conventions). */
  private object(kids: readonly Node[] | null, indent: number): void {
    if (!kids || kids.length === 0) {
      this.ascii('{}');
      return;
    }
    const n = kids.length;
    const base = keyTop;
    keyTop += n;
    const repeats = scanKeys(kids, base);
    const inner = this.pretty ? indent + 2 : 0;
    this.byte(123);
    if (!repeats) {
      for (let i = 0; i < n; i++) {
        if (i > 0) this.byte(COMMA);
        this.member(kids[i]!, keyIds[base + i]!, base + i, inner);
      }
    } else this.groupedMembers(kids, base, inner);
    this.newline(indent);
    this.byte(125);
    keyTop = base;
  }

  /** A member whose key occurs once; a field with children also writes a sibling "<field>_tree". */
  private member(k: Node, id: number, slot: number, inner: number): void {
    this.head(id, slot, inner);
    this.value(k, inner);
    if (k.children && hasTreeSibling(k)) {
      this.byte(COMMA);
      this.treeHead(id, inner);
      this.object(k.children, inner);
    }
  }

  /** Members when some key repeats: one key per identity, first-seen order, an array of its values. */
  private groupedMembers(kids: readonly Node[], base: number, inner: number): void {
    const n = kids.length;
    const arrayIndent = this.pretty ? inner + 2 : 0;
    for (let i = 0; i < n; i++) {
      // Read `keyIds` afresh each time: nested objects may grow (replace) it.
      const id = keyIds[base + i]!;
      if (id === DONE) continue;
      if (i > 0) this.byte(COMMA);
      const count = keyCounts[base + i]!;
      if (count === 1) {
        this.member(kids[i]!, id, base + i, inner);
        continue;
      }
      let last = i;
      let trees = 0;
      for (let j = i, found = 0; found < count; j++) {
        if (keyIds[base + j] !== id) continue;
        found++;
        last = j;
        const k = kids[j]!;
        if (k.children && hasTreeSibling(k)) trees++;
      }
      this.head(id, base + i, inner);
      this.byte(91);
      for (let j = i; j <= last; j++) {
        if (keyIds[base + j] !== id) continue;
        if (j > i) this.byte(COMMA);
        this.newline(arrayIndent);
        this.value(kids[j]!, arrayIndent);
      }
      this.newline(inner);
      this.byte(93);
      if (trees > 0) {
        this.byte(COMMA);
        this.treeHead(id, inner);
        if (trees > 1) this.byte(91);
        let m = 0;
        for (let j = i; j <= last; j++) {
          const k = kids[j]!;
          if (keyIds[base + j] !== id || !(k.children && hasTreeSibling(k))) continue;
          if (trees === 1) {
            this.object(k.children, inner);
            break;
          }
          if (m++ > 0) this.byte(COMMA);
          this.newline(arrayIndent);
          this.object(k.children, arrayIndent);
        }
        if (trees > 1) {
          this.newline(inner);
          this.byte(93);
        }
      }
      for (let j = i + 1; j <= last; j++) if (keyIds[base + j] === id) keyIds[base + j] = DONE;
    }
  }

  /** One node's value: an object for protocols and grouping text items, else tshark's string form. */
  private value(n: Node, indent: number): void {
    const def = n.field;
    if (n.expert) {
      this.expert(n, indent);
      return;
    }
    if (def.type === FT.String) {
      const text = n.undecodedText;
      if (text === null || !this.asciiText(text)) this.string(String(n.value));
      return;
    }
    const v = n.value;
    if (isSmallInteger(def.type) && typeof v === 'number') {
      if (def.base === 'hex' || def.base === 'hex_dec') {
        this.hex(v >>> 0, hexDigits(def.type));
        return;
      }
      if (v >>> 0 === v) {
        this.decimal(v);
        return;
      }
    }
    switch (def.type) {
      case FT.Protocol:
      case FT.None:
        // A protocol without fields shows its label; anything else without a value or children
        // (a text item, whose words are its key) is "".
        if (n.children) this.object(n.children, indent);
        else if (def.type === FT.Protocol) this.string(nodeLabel(n));
        else this.ascii('""');
        return;
      case FT.Bool:
        this.room(3);
        this.buf[this.pos++] = QUOTE;
        this.buf[this.pos++] = v ? 49 : 48;
        this.buf[this.pos++] = QUOTE;
        return;
      case FT.IPv4:
        if (typeof v !== 'number') break;
        this.ipv4(v);
        return;
      case FT.Ether:
      case FT.Bytes:
        if (!(v instanceof Uint8Array)) break;
        this.hexBytes(v);
        return;
      case FT.AbsTime:
        if (this.absTime(def.base === 'dec' ? this.epochForm : this.dateForm, v)) return;
        break;
      case FT.RelTime:
        if (typeof v === 'number' && this.relTime(v)) return;
        break;
      case FT.FrameNum:
        if (typeof v === 'number' && v >>> 0 === v) {
          this.decimal(v);
          return;
        }
        break;
    }
    // Every other type's machine form is made of digits, letters and punctuation: no escaping.
    this.quoted(valueToJson(def, v));
  }

  private expert(n: Node, indent: number): void {
    const e = n.expert!;
    const inner = this.pretty ? indent + 2 : 0;
    const sep = this.separator;
    this.byte(123);
    this.newline(inner);
    // tshark names the kind of expert info first, when it has one: "tcp.connection.syn": "".
    if (n.field !== expertField) {
      this.ascii(`"${n.field.abbrev}"${sep}""`);
      this.byte(COMMA);
      this.newline(inner);
    }
    this.ascii(`"_ws.expert.message"${sep}`);
    this.string(e.message);
    this.byte(COMMA);
    this.newline(inner);
    this.ascii(`"_ws.expert.severity"${sep}`);
    this.quoted(String(severityCode(e.severity)));
    this.byte(COMMA);
    this.newline(inner);
    this.ascii(`"_ws.expert.group"${sep}`);
    const group = groupCode(e.group);
    if (group !== undefined) this.quoted(String(group));
    else this.string(e.group);
    this.newline(indent);
    this.byte(125);
  }

  /**
   * An absolute time `[seconds, nanoseconds]`: the text for the second comes from format.ts once per
   * second, split around its nine nanosecond digits. False when the value is not of that shape.
   */
  private absTime(form: TimeForm, v: unknown): boolean {
    if (!Array.isArray(v)) return false;
    const seconds: unknown = v[0];
    const ns: unknown = v[1];
    if (typeof seconds !== 'number' || !isNanoseconds(ns)) return false;
    if (seconds !== form.seconds && !form.load(seconds)) return false;
    this.byte(QUOTE);
    this.ascii(form.before);
    this.nanoseconds(ns);
    this.ascii(form.after);
    this.byte(QUOTE);
    return true;
  }

  /** Seconds with nine decimals, the digits relTimeToString gives (see writeRelTime). */
  private relTime(seconds: number): boolean {
    this.room(MAX_REL_TIME + 2);
    const end = writeRelTime(this.buf, this.pos + 1, seconds);
    if (end < 0) return false;
    this.buf[this.pos] = QUOTE;
    this.buf[end] = QUOTE;
    this.pos = end + 1;
    return true;
  }

  /** Nine digits, zero-padded. */
  private nanoseconds(ns: number): void {
    this.room(9);
    this.pos = writeNanoseconds(this.buf, this.pos, ns);
  }

  /** `"1234"` for an integer 0 ≤ v < 2³². */
  private decimal(v: number): void {
    this.room(12);
    this.buf[this.pos++] = QUOTE;
    this.digits(v);
    this.buf[this.pos++] = QUOTE;
  }

  /** The digits of an integer 0 ≤ v < 2³². */
  private digits(v: number): void {
    this.room(MAX_UINT32);
    this.pos = writeUint32(this.buf, this.pos, v);
  }

  /** `"0x00ff"`: at least `width` hex digits, like `'0x' + v.toString(16).padStart(width, '0')`. */
  private hex(v: number, width: number): void {
    this.room(MAX_HEX + 2);
    this.buf[this.pos] = QUOTE;
    const p = writeHex(this.buf, this.pos + 1, v, width);
    this.buf[p] = QUOTE;
    this.pos = p + 1;
  }

  /** `"10.0.0.1"`, as `ipv4ToString` writes it. */
  private ipv4(v: number): void {
    this.room(MAX_IPV4 + 2);
    this.buf[this.pos] = QUOTE;
    const p = writeIpv4(this.buf, this.pos + 1, v);
    this.buf[p] = QUOTE;
    this.pos = p + 1;
  }

  /** `"aa:bb:cc"`. */
  private hexBytes(bytes: Uint8Array): void {
    const n = bytes.length;
    if (n === 0) {
      this.ascii('""');
      return;
    }
    // Each byte is one four-byte store of ":hh" and a spare byte that the next store overwrites; the
    // first byte's colon becomes the opening quote. Long values go in pieces to fit the buffer.
    for (let from = 0; from < n; from += 16384) {
      const to = Math.min(n, from + 16384);
      this.room((to - from) * 3 + 4);
      const view = this.view;
      const start = this.pos;
      let p = start;
      for (let i = from; i < to; i++) {
        view.setUint32(p, COLON_HEX[bytes[i]!]!);
        p += 3;
      }
      if (from === 0) this.buf[start] = QUOTE;
      this.pos = p;
    }
    this.byte(QUOTE);
  }
}

/** The Elasticsearch-style index tshark names a packet's document after: packets-YYYY-MM-DD (UTC). */
export function indexName(seconds: number): string {
  const d = new Date(seconds * 1000);
  return `packets-${d.getUTCFullYear()}-${String(d.getUTCMonth() + 1).padStart(2, '0')}-${String(d.getUTCDate()).padStart(2, '0')}`;
}

const prettyEncoder = new JsonEncoder(true);
const compactEncoder = new JsonEncoder(false);

/** One packet as pretty JSON (the -T json array element, indented by two like tshark), into `sink`. */
export function writePacketJson(pkt: Packet, sink: ByteSink): void {
  prettyEncoder.packet(pkt, sink);
}

/** One packet on one line (-T ndjson): same document, no whitespace, no newline after it. */
export function writePacketNdjson(pkt: Packet, sink: ByteSink): void {
  compactEncoder.packet(pkt, sink);
}


const scratch = new GrowingSink();

/** One packet as pretty JSON text, pushed onto `out`. */
export function packetJson(pkt: Packet, out: string[]): void {
  writePacketJson(pkt, scratch);
  out.push(scratch.take());
}

/** One packet as one line of compact JSON text (without the newline), pushed onto `out`. */
export function packetNdjson(pkt: Packet, out: string[]): void {
  writePacketNdjson(pkt, scratch);
  out.push(scratch.take());
}
