/**
 * Text renderers: tshark's one-line summary, the -V tree (with --explain notes from the registry)
 * and the -x hex dump. Pure functions from a dissected packet to text.
 *
 * The renderers encode their text straight into a byte sink (the CLI's output buffer) line by line:
 * at ~4 KB of tree text per packet, building strings, joining them and encoding the result cost
 * more than the dissection itself. `summaryLine` and `treeLines` give the same text as strings.
 */
import type { Packet } from '../engine/packet.js';
import type { Node } from '../engine/tree.js';
import { NodeFlag } from '../engine/tree.js';
import { FT, type FieldDef, hexDigits, isSmallInteger } from '../engine/fields.js';
import { absDateText, clockTimeText, fieldLabelHead, nodeLabel, secondFraction, valueLabel, valueToDisplay } from '../engine/format.js';
import type { Source } from '../engine/buf.js';
import { type ByteSink, GrowingSink } from './sink.js';
import { HEX_CODES, MAX_HEX, MAX_IPV4, MAX_REL_TIME, MAX_UINT32, isNanoseconds, isUint32, uint32Length, writeHex, writeHexBytes, writeIpv4, writeNanoseconds, writeRelTime, writeUint32 } from './digits.js';


export interface SummaryOptions {
  /** Digits after the decimal point in the Time column (6 for µs files, 9 for ns). */
  timeDecimals: number;
  /** What the Time column shows (tshark's -t); relative to the first frame when not given. */
  timeFormat?: TimeFormat;
}

/**
 * tshark's -t formats: r relative to the first frame, d delta from the previous frame, dd from the
 * previous frame shown, e seconds since the epoch, a/ad/adoy local clock time (with the date, with
 * the day of the year), u/ud/udoy the same in UTC.
 */
export const TIME_FORMATS = ['r', 'd', 'dd', 'e', 'a', 'ad', 'adoy', 'u', 'ud', 'udoy'] as const;
export type TimeFormat = (typeof TIME_FORMATS)[number];

/** The clock forms of the Time column: [UTC, which date goes before the time]. */
const CLOCK_FORMS: Partial<Record<TimeFormat, [boolean, 'none' | 'ymd' | 'doy']>> = {
  a: [false, 'none'], ad: [false, 'ymd'], adoy: [false, 'doy'], u: [true, 'none'], ud: [true, 'ymd'], udoy: [true, 'doy'],
};

/** The Time column's text for `pkt`. */
function timeColumn(pkt: Packet, opts: SummaryOptions): string {
  const decimals = opts.timeDecimals;
  const f = pkt.frame;
  const format = opts.timeFormat ?? 'r';
  switch (format) {
    case 'r':
      return pkt.relativeTime.toFixed(decimals);
    case 'd':
      return pkt.deltaTime.toFixed(decimals);
    case 'dd':
      return pkt.deltaShownTime.toFixed(decimals);
    case 'e':
      return `${f.seconds}${secondFraction(f.nanos, decimals)}`;
  }
  const [utc, date] = CLOCK_FORMS[format]!;
  return clockTimeText(f.seconds, f.nanos, decimals, utc, date);
}

/** Collects a packet's text for the string forms below. */
const scratch = new GrowingSink();

/** tshark's default columns: No. Time Source → Destination Protocol Length Info (no newline). */
export function summaryLine(pkt: Packet, opts: SummaryOptions): string {
  writeSummaryLine(pkt, opts, scratch);
  return scratch.take().slice(0, -1);
}

/** The summary line (see `summaryLine`) and a newline, written into `out`. */
export function writeSummaryLine(pkt: Packet, opts: SummaryOptions, out: ByteSink): void {
  const time = timeColumn(pkt, opts);
  const src = pkt.src;
  const dst = pkt.dst;
  spaces(out, 5 - decimalLength(pkt.number));
  putDecimal(out, pkt.number);
  putByte(out, 0x20);
  spaces(out, 10 - time.length);
  putAscii(out, time);
  putByte(out, 0x20);
  spaces(out, 12 - src.length);
  put(out, src);
  if (src || dst) putBytes(out, ARROW);
  else spaces(out, 3);
  put(out, dst);
  spaces(out, 12 - dst.length);
  putByte(out, 0x20);
  put(out, pkt.protocolColumn);
  putByte(out, 0x20);
  putDecimal(out, pkt.frame.originalLength);
  putByte(out, 0x20);
  put(out, pkt.info);
  putByte(out, 0x0a);
}

export interface TreeOptions {
  /** Under each field, its one-sentence description from the registry. */
  explain: boolean;
  /** Wraps a layer's top line, e.g. in a colour. */
  paintLayer?: (line: string) => string;
  paintExplain?: (line: string) => string;
  paintExpert?: (line: string, severity: number) => string;
  /** tshark's -O: the protocols (abbreviations) shown in full; any other layer is its top line only. */
  detailsOf?: ReadonlySet<string>;
}

/** The -V tree, four spaces per level, as tshark indents it; one string per line. */
export function treeLines(pkt: Packet, opts: TreeOptions, out: string[]): void {
  writeTree(pkt, opts, scratch);
  if (scratch.used === 0) return;
  const text = scratch.take();
  for (const line of text.slice(0, -1).split('\n')) out.push(line);
}

/** The -V tree written into `out`, each line followed by a newline. */
export function writeTree(pkt: Packet, opts: TreeOptions, out: ByteSink): void {
  const top = pkt.root.children;
  if (!top) return;
  const only = opts.detailsOf;
  for (const layer of top) {
    if (!only || only.has(layer.field.abbrev)) emit(layer, 0, opts, out);
    else if (!(layer.flags & NodeFlag.Hidden)) putLine(out, opts.paintLayer ? opts.paintLayer(nodeLabel(layer)) : nodeLabel(layer));
  }
}

function emit(node: Node, depth: number, opts: TreeOptions, out: ByteSink): void {
  if (node.flags & NodeFlag.Hidden) return;
  const indent = depth * 4;
  const expert = node.expert;
  if (depth === 0 && opts.paintLayer) putLine(out, opts.paintLayer(indentText(indent) + nodeLabel(node)));
  else if (expert && opts.paintExpert) putLine(out, opts.paintExpert(indentText(indent) + nodeLabel(node), expert.severity));
  else {
    spaces(out, indent);
    putLabel(out, node);
    putByte(out, 0x0a);
  }
  if (opts.explain && node.field.description && !expert && node.text === null && !(node.flags & NodeFlag.LineOfBytes)) {
    if (opts.paintExplain) putLine(out, opts.paintExplain(`${indentText(indent)}    ↳ ${node.field.description}`));
    else {
      spaces(out, indent);
      putBytes(out, EXPLAIN_MARK);
      put(out, node.field.description);
      putByte(out, 0x0a);
    }
  }
  if (expert) {
    spaces(out, indent + 4);
    putByte(out, 0x5b); // [
    put(out, expert.message);
    putAscii(out, ']\n');
    spaces(out, indent + 4);
    putAscii(out, '[Severity level: ');
    putAscii(out, SEVERITY_LEVELS[expert.severity] ?? 'undefined');
    putAscii(out, ']\n');
    spaces(out, indent + 4);
    putAscii(out, '[Group: ');
    put(out, expert.group);
    putAscii(out, ']\n');
  }
  const kids = node.children;
  if (kids) for (let i = 0; i < kids.length; i++) emit(kids[i]!, depth + 1, opts, out);
}

/** The tree's own words for expert severities (index = severity; 0 and unknowns print as JS did). */
const SEVERITY_LEVELS = ['', 'Comment', 'Chat', 'Note', 'Warning', 'Error'];

/**
 * `nodeLabel(node)` written into `out`. A field with a value (most lines) is written in pieces from
 * per-field caches, without building the line as a string.
 */
function putLabel(out: ByteSink, node: Node): void {
  const def = node.field;
  if (node.flags & NodeFlag.LineOfBytes) {
    const bytes = node.ownBytes;
    if (bytes === null || !putPlainLine(out, bytes)) put(out, nodeLabel(node));
    return;
  }
  if (node.text !== null || node.expert !== null || def.type === FT.None || def.type === FT.Protocol) {
    put(out, nodeLabel(node));
    return;
  }
  const generated = node.flags & NodeFlag.Generated;
  if (generated) putByte(out, 0x5b); // [
  putValueLabel(out, def, node.value);
  if (node.suffix !== null) put(out, node.suffix);
  if (generated) putByte(out, 0x5d); // ]
}

/**
 * Encoded labels of the fields whose values repeat from packet to packet (named values, the bits of
 * a bitmask, booleans), by field id then value: a flags byte then costs a lookup and a copy instead
 * of a bit pattern, a name lookup and joins. A label depends only on the field and the value (value
 * names are fixed tables). At most LABELS_PER_FIELD values are kept per field.
 */
let labelCaches: (Map<number, Uint8Array> | null | undefined)[] = [];
const LABELS_PER_FIELD = 256;
/** "Time to Live: " and " bytes" (a field's unit) encoded, by field id. */
let labelHeads: (Uint8Array | undefined)[] = [];
let labelUnits: (Uint8Array | undefined)[] = [];

/** The per-field arrays grow densely (never written past their end), so they stay fast arrays. */
function growFieldCaches(id: number): void {
  const more = id + 256 - labelCaches.length;
  labelCaches = labelCaches.concat(new Array<undefined>(more).fill(undefined));
  labelHeads = labelHeads.concat(new Array<undefined>(more).fill(undefined));
  labelUnits = labelUnits.concat(new Array<undefined>(more).fill(undefined));
}

/** Integer and boolean fields whose values repeat: their labels are worth keeping. */
function valuesRepeat(def: FieldDef): boolean {
  return def.type === FT.Bool || (isSmallInteger(def.type) && (def.values !== null || def.bitmask !== 0));
}

/** `valueLabel(def, value)` written into `out`. */
function putValueLabel(out: ByteSink, def: FieldDef, value: unknown): void {
  if (def.id >= labelCaches.length) growFieldCaches(def.id);
  // Keyed by number: a boolean shares its key with 0/1, which only a boolean field shows the same way.
  if (typeof value === 'number' || (typeof value === 'boolean' && def.type === FT.Bool)) {
    let cache = labelCaches[def.id];
    if (cache === undefined) cache = labelCaches[def.id] = valuesRepeat(def) ? new Map() : null;
    if (cache !== null) {
      const key = Number(value);
      let bytes = cache.get(key);
      if (bytes === undefined) {
        const label = valueLabel(def, value);
        if (cache.size >= LABELS_PER_FIELD) {
          put(out, label);
          return;
        }
        cache.set(key, (bytes = encoder.encode(label)));
      }
      putBytes(out, bytes);
      return;
    }
  }
  if (def.bitmask) {
    put(out, valueLabel(def, value));
    return;
  }
  // valueLabel without a bitmask is "Name: " and the value.
  putBytes(out, (labelHeads[def.id] ??= encoder.encode(fieldLabelHead(def))));
  putValue(out, def, value);
}

/**
 * `valueToDisplay(def, value)` written into `out`. The common types are written digit by digit:
 * their strings, made only to be encoded and dropped, cost more than the writing. Each fast path
 * gives exactly valueToDisplay's text and checks its input first; anything else goes through it.
 */
function putValue(out: ByteSink, def: FieldDef, value: unknown): void {
  // Named values and bitmask fields come from the label caches; these are plain numbers.
  if (isSmallInteger(def.type) && isUint32(value) && def.values === null && def.bitmask === 0 && putInteger(out, def, value)) {
    putUnit(out, def);
    return;
  }
  switch (def.type) {
    case FT.FrameNum:
      if (isUint32(value)) {
        putUint32(out, value);
        putUnit(out, def);
        return;
      }
      break;
    case FT.IPv4:
      if (typeof value === 'number') {
        if (out.used + MAX_IPV4 > out.buf.length) out.reserve(MAX_IPV4);
        out.used = writeIpv4(out.buf, out.used, value);
        putUnit(out, def);
        return;
      }
      break;
    case FT.Ether:
      if (value instanceof Uint8Array) {
        putHexBytes(out, value, value.length, 0x3a); // "aa:bb:…"
        putUnit(out, def);
        return;
      }
      break;
    case FT.Bytes:
      if (value instanceof Uint8Array) {
        // tshark shows the first 36 bytes of a long byte string, then an ellipsis; a big integer
        // (hex base) with 0x in front.
        if (def.base === 'hex') putBytes(out, HEX_PREFIX);
        putHexBytes(out, value, Math.min(value.length, 36), 0);
        if (value.length > 36) putBytes(out, ELLIPSIS);
        return;
      }
      break;
    case FT.RelTime:
      if (typeof value === 'number' && putRelTime(out, value)) {
        putUnit(out, def);
        return;
      }
      break;
    case FT.AbsTime:
      if (Array.isArray(value) && isUint32(value[0]) && isNanoseconds(value[1])) {
        if (def.base === 'dec') {
          putUint32(out, value[0]);
          putByte(out, 0x2e);
          putNanoseconds(out, value[1]);
          putUnit(out, def);
        } else {
          put(out, absDateText(value[0]));
          putByte(out, 0x2e);
          putNanoseconds(out, value[1]);
          putAscii(out, ' UTC');
        }
        return;
      }
      break;
  }
  // String(): for a value of the wrong type valueToDisplay may not return a string; nodeLabel's joins convert it.
  put(out, String(valueToDisplay(def, value)));
}

function putUnit(out: ByteSink, def: FieldDef): void {
  if (def.unit) putBytes(out, (labelUnits[def.id] ??= encoder.encode(def.unit)));
}

/** A plain number in the field's base: "64", "0x0800", "80 (0x0050)", "0x0050 (80)". False for octal. */
function putInteger(out: ByteSink, def: FieldDef, v: number): boolean {
  switch (def.base) {
    case 'dec':
    case 'none':
      putUint32(out, v);
      return true;
    case 'hex':
      putHex(out, v, hexDigits(def.type));
      return true;
    case 'dec_hex':
      putUint32(out, v);
      putAscii(out, ' (');
      putHex(out, v, hexDigits(def.type));
      putByte(out, 0x29); // )
      return true;
    case 'hex_dec':
      putHex(out, v, hexDigits(def.type));
      putAscii(out, ' (');
      putUint32(out, v);
      putByte(out, 0x29); // )
      return true;
  }
  return false;
}

/** relTimeToString's text (see writeRelTime); false, having written nothing, when it does not apply. */
function putRelTime(out: ByteSink, seconds: number): boolean {
  if (out.used + MAX_REL_TIME > out.buf.length) out.reserve(MAX_REL_TIME);
  const end = writeRelTime(out.buf, out.used, seconds);
  if (end < 0) return false;
  out.used = end;
  return true;
}

const INDENTS = Array.from({ length: 64 }, (_, i) => ' '.repeat(i * 4));

function indentText(width: number): string {
  return width < 256 ? INDENTS[width >> 2]! : ' '.repeat(width);
}

/** tshark -x: "0000  45 00 00 54 …   E..T" for the frame, then each reassembled/decrypted source. */
export function writeHexDump(pkt: Packet, out: ByteSink): void {
  const extra: Source[] | null = pkt.extraSources;
  // With more than one source each dump is named, the frame's too.
  if (extra && extra.length) putAscii(out, `Frame (${pkt.frame.bytes.length} bytes):\n`);
  dumpBytes(pkt.frame.bytes, out);
  if (extra) {
    for (const s of extra) {
      put(out, s.name);
      putAscii(out, ':\n');
      dumpBytes(s.bytes, out);
    }
  }
}

/** Bytes per dump line: offset (≤ 8 digits), 2 spaces, 16 × 3 hex columns, 2 more spaces, 16 characters, newline. */
const DUMP_LINE_MAX = 8 + 2 + 48 + 2 + 16 + 1;
/** The dump's character column: printable ASCII as itself, anything else as a dot. */
const DUMP_CHARS = Uint8Array.from({ length: 256 }, (_, v) => (v >= 0x20 && v < 0x7f ? v : 0x2e));

function dumpBytes(bytes: Uint8Array, out: ByteSink): void {
  const offsetDigits = bytes.length > 0xffff ? 8 : 4;
  for (let off = 0; off < bytes.length; off += 16) {
    out.reserve(DUMP_LINE_MAX);
    const b = out.buf;
    let u = out.used;
    for (let shift = (offsetDigits - 1) * 4; shift >= 0; shift -= 4) b[u++] = HEX_CODES[(off >>> shift) & 15]!;
    b[u++] = 0x20;
    b[u++] = 0x20;
    const end = Math.min(off + 16, bytes.length);
    // "xx " per byte and three spaces per missing byte, then two more spaces: the same as tshark's
    // single-spaced hex columns padded to 47 characters and three spaces before the characters.
    for (let i = off; i < end; i++) {
      const v = bytes[i]!;
      b[u] = HEX_CODES[v >> 4]!;
      b[u + 1] = HEX_CODES[v & 15]!;
      b[u + 2] = 0x20;
      u += 3;
    }
    for (let i = (off + 16 - end) * 3 + 2; i > 0; i--) b[u++] = 0x20;
    for (let i = off; i < end; i++) b[u++] = DUMP_CHARS[bytes[i]!]!;
    b[u++] = 0x0a;
    out.used = u;
  }
}

// ---- encoding into a ByteSink ----

const encoder = new TextEncoder();
const ARROW = encoder.encode(' → ');
const EXPLAIN_MARK = encoder.encode('    ↳ ');
const ELLIPSIS = encoder.encode('…');
const HEX_PREFIX = encoder.encode('0x');
const ESCAPED_LF = encoder.encode('\\n');
const ESCAPED_CRLF = encoder.encode('\\r\\n');

/** From this length on, one native encode (≈ 60 ns) beats the loop (≈ 2 ns a character). */
const PUT_NATIVE = 32;

/** A string as UTF-8 (lone surrogates become U+FFFD, as Buffer.write does). */
function put(out: ByteSink, s: string): void {
  const n = s.length;
  // A UTF-16 unit never takes more than 3 UTF-8 bytes.
  if (out.used + n * 3 > out.buf.length) out.reserve(n * 3);
  if (n >= PUT_NATIVE) {
    out.used += out.buf.write(s, out.used);
    return;
  }
  const b = out.buf;
  let u = out.used;
  let i = 0;
  for (; i < n; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0x80) break;
    b[u++] = c;
  }
  out.used = i === n ? u : u + b.write(i === 0 ? s : s.slice(i), u);
}

/** A string known to hold only ASCII (numbers, hex, fixed words). */
function putAscii(out: ByteSink, s: string): void {
  const n = s.length;
  if (out.used + n > out.buf.length) out.reserve(n);
  const b = out.buf;
  let u = out.used;
  for (let i = 0; i < n; i++) b[u++] = s.charCodeAt(i);
  out.used = u;
}

function putBytes(out: ByteSink, bytes: Uint8Array): void {
  const n = bytes.length;
  if (out.used + n > out.buf.length) out.reserve(n);
  const b = out.buf;
  let u = out.used;
  // Past a dozen bytes one native copy beats the loop.
  if (n > 12) {
    b.set(bytes, u);
    out.used = u + n;
    return;
  }
  for (let i = 0; i < n; i++) b[u++] = bytes[i]!;
  out.used = u;
}

/** String(v) for any number, without making the string for the usual 0 … 2^32 − 1. */
function putDecimal(out: ByteSink, v: number): void {
  if (isUint32(v)) putUint32(out, v);
  else putAscii(out, String(v));
}

function decimalLength(v: number): number {
  return isUint32(v) ? uint32Length(v) : String(v).length;
}

function putUint32(out: ByteSink, v: number): void {
  if (out.used + MAX_UINT32 > out.buf.length) out.reserve(MAX_UINT32);
  out.used = writeUint32(out.buf, out.used, v);
}

function putHex(out: ByteSink, v: number, digits: number): void {
  if (out.used + MAX_HEX > out.buf.length) out.reserve(MAX_HEX);
  out.used = writeHex(out.buf, out.used, v, digits);
}

function putHexBytes(out: ByteSink, bytes: Uint8Array, count: number, separator: number): void {
  if (out.used + count * 3 > out.buf.length) out.reserve(count * 3);
  out.used = writeHexBytes(out.buf, out.used, bytes, count, separator);
}

function putNanoseconds(out: ByteSink, ns: number): void {
  if (out.used + 9 > out.buf.length) out.reserve(9);
  out.used = writeNanoseconds(out.buf, out.used, ns);
}

function putByte(out: ByteSink, byte: number): void {
  if (out.used + 1 > out.buf.length) out.reserve(1);
  out.buf[out.used++] = byte;
}

function spaces(out: ByteSink, n: number): void {
  if (n <= 0) return;
  if (out.used + n > out.buf.length) out.reserve(n);
  const b = out.buf;
  let u = out.used;
  for (let i = 0; i < n; i++) b[u++] = 0x20;
  out.used = u;
}

/** Printable ASCII (0x20–0x7e): bytes a text line shows as themselves. */
function isPlain(c: number): boolean {
  return c >= 0x20 && c < 0x7f;
}

/**
 * A line of text given as bytes, written as escapeLine would show it when the line is printable
 * ASCII with an optional LF or CRLF ending (written as \n, \r\n); false, having written nothing,
 * for any other line.
 */
function putPlainLine(out: ByteSink, bytes: Uint8Array): boolean {
  let n = bytes.length;
  let ending: Uint8Array | null = null;
  if (n > 0 && bytes[n - 1] === 0x0a) {
    const crlf = n > 1 && bytes[n - 2] === 0x0d;
    ending = crlf ? ESCAPED_CRLF : ESCAPED_LF;
    n -= crlf ? 2 : 1;
  }
  for (let i = 0; i < n; i++) if (!isPlain(bytes[i]!)) return false;
  putBytes(out, n === bytes.length ? bytes : bytes.subarray(0, n));
  if (ending) putBytes(out, ending);
  return true;
}

function putLine(out: ByteSink, line: string): void {
  put(out, line);
  putByte(out, 0x0a);
}

