/**
 * Turning a field's raw value into text, the two ways users see it: the tree's display form
 * ("Type: IPv4 (0x0800)") and tshark's JSON/fields form ("0x0800"). Driven only by the registry.
 */
import { FT, type FieldDef, hexDigits, isSmallInteger, typeBits, valueName } from './fields.js';
import { NodeFlag, type Node } from './tree.js';
import { decodeUtf8 } from './buf.js';

const controlChar = /[\x00-\x1f\x7f]/;

/** Text as the tree shows it: control characters escaped (CR, LF, tab as \r \n \t; others as \xNN). */
export function escapeText(s: string): string {
  return s.replace(/[\x00-\x1f\x7f]/g, (c) => {
    if (c === '\r') return '\\r';
    if (c === '\n') return '\\n';
    if (c === '\t') return '\\t';
    return `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`;
  });
}

/** escapeText for a line that may end in LF or CRLF: the common line needs no replacing at all. */
export function escapeLine(s: string): string {
  const ending = s.endsWith('\r\n') ? 2 : s.endsWith('\n') ? 1 : 0;
  const body = ending ? s.slice(0, s.length - ending) : s;
  const shown = controlChar.test(body) ? escapeText(body) : body;
  return ending === 2 ? shown + '\\r\\n' : ending === 1 ? shown + '\\n' : shown;
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

export function hex(value: number, digits: number): string {
  return '0x' + value.toString(16).padStart(digits, '0');
}

const hexByte: string[] = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

/** The names of the bits set in `value`, in the table's order, joined: "SYN, ACK", "Critical Options Present". */
export function setBitNames(value: number, names: readonly (readonly [number, string])[]): string {
  return names.filter(([bit]) => value & bit).map(([, name]) => name).join(', ');
}

export function bytesToHex(b: Uint8Array, sep = ':'): string {
  if (b.length === 0) return '';
  let s = hexByte[b[0]!]!;
  for (let i = 1; i < b.length; i++) s += sep + hexByte[b[i]!]!;
  return s;
}

export function ipv4ToString(v: number): string {
  return `${v >>> 24}.${(v >>> 16) & 255}.${(v >>> 8) & 255}.${v & 255}`;
}

/** RFC 5952 text form: lowercase, longest run of zero groups (length ≥ 2) compressed. */
export function ipv6ToString(b: Uint8Array): string {
  const group = (i: number) => (b[2 * i]! << 8) | b[2 * i + 1]!;
  let bestStart = -1;
  let bestLen = 0;
  for (let i = 0; i < 8; ) {
    if (group(i) !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && group(j) === 0) j++;
    if (j - i > bestLen && j - i >= 2) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  // IPv4-mapped addresses keep their dotted tail (::ffff:1.2.3.4), as Wireshark shows them.
  if (bestStart === 0 && bestLen === 5 && group(5) === 0xffff) {
    return `::ffff:${b[12]}.${b[13]}.${b[14]}.${b[15]}`;
  }
  let s = '';
  for (let i = 0; i < 8; i++) {
    if (i === bestStart) {
      s += '::';
      i += bestLen - 1;
      continue;
    }
    if (s !== '' && !s.endsWith(':')) s += ':';
    s += group(i).toString(16);
  }
  return s;
}

export function etherToString(b: Uint8Array): string {
  return bytesToHex(b, ':');
}

/** "Jan 22, 2013 23:52:12.330568000 UTC" */
export function absTimeToString(t: readonly [number, number]): string {
  return `${absDateText(t[0])}.${String(t[1]).padStart(9, '0')} UTC`;
}

/** "Jan 22, 2013 23:52:12": the part of an absolute time before the fraction of a second. */
export function absDateText(seconds: number): string {
  // Frames come in time order, so this usually repeats: made once per second.
  if (seconds !== lastDateSeconds) {
    const d = new Date(seconds * 1000);
    const pad = (n: number) => String(n).padStart(2, '0');
    lastDateText = `${MONTHS[d.getUTCMonth()]} ${String(d.getUTCDate()).padStart(2, ' ')}, ${d.getUTCFullYear()} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}`;
    lastDateSeconds = seconds;
  }
  return lastDateText;
}
let lastDateSeconds = NaN;
let lastDateText = '';

/**
 * The Time column's absolute forms, as tshark -t writes them: "17:22:16.033659" (a, u),
 * "2026-11-25 17:22:16.033659" (ad, ud), "2026/329 17:22:16.033659" (adoy, udoy: day of the year).
 * a/ad/adoy are local time, u/ud/udoy UTC; `decimals` digits of the second are kept (not rounded).
 */
export function clockTimeText(seconds: number, nanos: number, decimals: number, utc: boolean, date: 'none' | 'ymd' | 'doy'): string {
  const d = new Date(seconds * 1000);
  const pad = (n: number, w = 2) => String(n).padStart(w, '0');
  const year = utc ? d.getUTCFullYear() : d.getFullYear();
  const month = utc ? d.getUTCMonth() : d.getMonth();
  const day = utc ? d.getUTCDate() : d.getDate();
  let text = '';
  if (date === 'ymd') text = `${year}-${pad(month + 1)}-${pad(day)} `;
  else if (date === 'doy') {
    const dayOfYear = Math.round((Date.UTC(year, month, day) - Date.UTC(year, 0, 1)) / 86_400_000) + 1;
    text = `${year}/${pad(dayOfYear, 3)} `;
  }
  text += utc ? `${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}` : `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
  return text + secondFraction(nanos, decimals);
}

/** ".033659" for 33659000 ns at 6 decimals: the first `decimals` digits of the second, none for 0. */
export function secondFraction(nanos: number, decimals: number): string {
  return decimals > 0 ? `.${String(nanos).padStart(9, '0').slice(0, decimals)}` : '';
}

/** "1358898732.330568000" */
export function epochToString(t: readonly [number, number]): string {
  return `${t[0]}.${String(t[1]).padStart(9, '0')}`;
}

/** Seconds with nanosecond digits: "0.003189000". */
export function relTimeToString(seconds: number): string {
  const neg = seconds < 0;
  let ns = Math.round(Math.abs(seconds) * 1e9);
  const s = Math.floor(ns / 1e9);
  ns -= s * 1e9;
  return `${neg ? '-' : ''}${s}.${String(ns).padStart(9, '0')}`;
}

/** For a field inside a bitmask: the value placed back at its bit position. */
function integerDigits(def: FieldDef): number {
  const bits = def.bitmask ? def.bitWidth : typeBits(def.type);
  return Math.max(1, Math.ceil(bits / 4));
}

/**
 * tshark's machine form, used by -T json and -T fields: integers in their base ("64", "0x0800"),
 * booleans "1"/"0", addresses in text, bytes as "aa:bb", times as tshark prints them.
 */
export function valueToJson(def: FieldDef, value: unknown): string {
  if (isSmallInteger(def.type)) {
    const v = value as number;
    // tshark pads machine-form hex to the type's width even for fields inside a bitmask ("0x02").
    if (def.base === 'hex' || def.base === 'hex_dec') return hex(v >>> 0, hexDigits(def.type));
    return String(v);
  }
  switch (def.type) {
    case FT.None:
    case FT.Protocol:
      return '';
    case FT.Bool:
      return value ? '1' : '0';
    case FT.UInt64:
      return def.base === 'hex' || def.base === 'hex_dec' ? '0x' + (value as bigint).toString(16).padStart(16, '0') : String(value);
    case FT.IPv4:
      return ipv4ToString(value as number);
    case FT.IPv6:
      return ipv6ToString(value as Uint8Array);
    case FT.Ether:
      return etherToString(value as Uint8Array);
    case FT.Bytes:
      return bytesToHex(value as Uint8Array);
    case FT.String:
      return String(value);
    case FT.AbsTime:
      return def.base === 'dec' ? epochToString(value as [number, number]) : absTimeToString(value as [number, number]);
    case FT.RelTime:
      return relTimeToString(value as number);
    case FT.FrameNum:
    case FT.Double:
      return String(value);
  }
  return String(value);
}

/** The value part of a tree line: "IPv4 (0x0800)", "64", "Set", "example.com". */
export function valueToDisplay(def: FieldDef, value: unknown): string {
  if (isSmallInteger(def.type)) {
    const v = value as number;
    const name = valueName(def, v);
    const digits = def.bitmask ? Math.max(1, Math.ceil((def.bitmask >>> def.shift).toString(2).length / 4)) : integerDigits(def);
    let num: string;
    switch (def.base) {
      case 'hex':
        num = hex(v >>> 0, digits);
        break;
      case 'dec_hex':
        num = `${v} (${hex(v >>> 0, digits)})`;
        break;
      case 'hex_dec':
        num = `${hex(v >>> 0, digits)} (${v})`;
        break;
      case 'oct':
        num = '0' + v.toString(8);
        break;
      default:
        num = String(v);
    }
    if (name !== undefined) return def.base === 'none' ? name : `${name} (${num})`;
    if (def.values) return `Unknown (${num})`;
    return num + def.unit;
  }
  switch (def.type) {
    case FT.None:
    case FT.Protocol:
      return '';
    case FT.Bool: {
      const tf = def.trueFalse!;
      return value ? tf[0] : tf[1];
    }
    case FT.UInt64:
      return (def.base === 'hex' ? '0x' + (value as bigint).toString(16).padStart(16, '0') : String(value)) + def.unit;
    case FT.Bytes: {
      const b = value as Uint8Array;
      // tshark shows the first 36 bytes of a long byte string, then an ellipsis; a big integer
      // (hex base) with 0x in front.
      const text = b.length > 36 ? `${bytesToHex(b.subarray(0, 36), '')}…` : bytesToHex(b, '');
      return def.base === 'hex' ? `0x${text}` : text;
    }
    case FT.String: {
      // The tree shows text on one line: control characters escaped as \t, \n, \xNN.
      const text = String(value);
      return controlChar.test(text) ? escapeText(text) : text;
    }
    case FT.RelTime:
      return relTimeToString(value as number) + def.unit;
    case FT.AbsTime:
      return def.base === 'dec' ? epochToString(value as [number, number]) + def.unit : absTimeToString(value as [number, number]);
    default:
      return valueToJson(def, value) + def.unit;
  }
}

const bitPatternCache = new WeakMap<FieldDef, Map<number, string>>();

/** ".... ..1. " — the bit pattern prefix Wireshark shows for fields inside a bitmask. */
export function bitPattern(def: FieldDef, value: number): string {
  let cache = bitPatternCache.get(def);
  if (!cache) bitPatternCache.set(def, (cache = new Map()));
  const hit = cache.get(value);
  if (hit !== undefined) return hit;
  const width = def.bitWidth;
  // Work in two 16-bit halves so masks of up to 32 bits stay exact with bit operators.
  const placed = value * 2 ** def.shift;
  let s = '';
  for (let i = width - 1; i >= 0; i--) {
    const inMask = Math.floor(def.bitmask / 2 ** i) & 1;
    s += inMask ? (Math.floor(placed / 2 ** i) & 1 ? '1' : '0') : '.';
    if (i % 4 === 0 && i > 0) s += ' ';
  }
  if (cache.size < 1024) cache.set(value, s);
  return s;
}

/** "Time to Live: " by field id; grown densely (never written past its end) so it stays a fast array. */
let labelHeads: (string | undefined)[] = [];

/** "Time to Live: ", the part of a value field's tree line before its value; one string per field. */
export function fieldLabelHead(def: FieldDef): string {
  if (def.id >= labelHeads.length) labelHeads = labelHeads.concat(new Array<undefined>(def.id + 256 - labelHeads.length).fill(undefined));
  return (labelHeads[def.id] ??= def.name + ': ');
}

/** A value field's line without brackets or suffix: "Time to Live: 64", ".... ..1. = LG bit: Set". */
export function valueLabel(def: FieldDef, value: unknown): string {
  const shown = valueToDisplay(def, value);
  return def.bitmask ? `${bitPattern(def, Number(value))} = ${fieldLabelHead(def)}${shown}` : `${fieldLabelHead(def)}${shown}`;
}

/** A LineOfBytes node's label: its bytes decoded as UTF-8, escaped as a line. */
function lineOfBytesLabel(node: Node): string {
  const bytes = node.ownBytes;
  return bytes ? escapeLine(decodeUtf8(bytes, 0, bytes.length)) : '';
}

/** The full tree line for a node, without indentation: "Time to Live: 64", "[Stream index: 0]". */
export function nodeLabel(node: Node): string {
  const def = node.field;
  let text: string;
  if (node.text !== null) {
    text = node.text;
  } else if (def.type === FT.Protocol) {
    text = def.label ? def.label(node) : def.name;
  } else if (node.expert) {
    const e = node.expert;
    return `[Expert Info (${severityLabel(e.severity)}/${e.group}): ${e.message}]`;
  } else if (def.type === FT.None) {
    text = node.flags & NodeFlag.LineOfBytes ? lineOfBytesLabel(node) : def.name;
  } else {
    text = valueLabel(def, node.value);
  }
  if (node.suffix !== null) text += node.suffix;
  return node.flags & NodeFlag.Generated ? `[${text}]` : text;
}

function severityLabel(s: number): string {
  return ['', 'Comment', 'Chat', 'Note', 'Warning', 'Error'][s] ?? 'Unknown';
}
