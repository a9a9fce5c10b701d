/**
 * Compiles a filter AST into a predicate over a dissected packet.
 *
 * Semantics follow Wireshark 4 (each point checked against tshark 4.0 on the sample captures, see
 * test/filter.test.ts):
 * - A field that occurs several times matches `==`, `>`, `contains`, `matches` and `in` if ANY
 *   occurrence does. `!=` (all_ne) holds when the field is present and ALL occurrences differ, so
 *   `ip.addr != 10.0.0.1` is `ip && !(ip.addr == 10.0.0.1)`; `~=` (any_ne) holds when ANY occurrence
 *   differs. A packet without the field matches neither. Between two fields, `!=` needs every pair
 *   to differ, the other operators one pair.
 * - `matches` is a case-insensitive regular expression unless the pattern starts with (?-i).
 * - Slices work on byte-like fields (bytes, strings, addresses, protocols); a slice that runs past
 *   the end yields an empty byte string (so `x[20:2] != "ab"` holds), not a missing value, and a
 *   bare slice `x[4:]` tests that the slice has bytes.
 *   `[0:2,4]` concatenates ranges. Integers, booleans, times and labels cannot be sliced.
 * - A protocol's value is its own bytes for `==` and slices, but `contains` and `matches` search from
 *   its first byte to the end of the data it was handed (`udp contains "x"` searches the payload).
 * - Literals are read for the field they are compared with (`10.0.0.0/8`, `aa:bb:cc`, `0x1f`, `ACK`,
 *   a boolean's labels), once, at compile time; a literal that does not fit is a compile error.
 */
import { FT, type FieldDef, valueName } from '../engine/fields.js';
import type { Node } from '../engine/tree.js';
import { FilterError } from './errors.js';
import type { Entity, Expr, Operand, Slice } from './parser.js';

/** Per-packet occurrences of the fields a filter uses, filled by one walk of the tree. */
export class Occurrences {
  /** The packet's root, for protocols' extents. */
  root: Node | null = null;
  private readonly lists: Node[][] = [];
  /** Field id → index in `lists` (or -1), for the ids the filter reads. */
  readonly slot: Int32Array;

  constructor(ids: ReadonlySet<number>) {
    this.slot = new Int32Array(Math.max(-1, ...ids) + 1).fill(-1);
    for (const id of ids) {
      this.slot[id] = this.lists.length;
      this.lists.push([]);
    }
  }

  /** Forgets the previous packet. */
  reset(root: Node): void {
    this.root = root;
    for (const l of this.lists) l.length = 0;
  }

  /** Records `n` if the filter reads its field. */
  offer(n: Node): void {
    const id = n.field.id;
    if (id < this.slot.length) {
      const s = this.slot[id]!;
      if (s >= 0) this.lists[s]!.push(n);
    }
  }

  get(id: number): readonly Node[] {
    const s = id < this.slot.length ? this.slot[id]! : -1;
    return s >= 0 ? this.lists[s]! : [];
  }
}

type Value = number | bigint | string | Uint8Array;
export type Predicate = (occ: Occurrences) => boolean;

type Kind = 'num' | 'bool' | 'ipv4' | 'ipv6' | 'ether' | 'bytes' | 'string' | 'protocol' | 'label';

function kindOf(def: FieldDef): Kind {
  switch (def.type) {
    case FT.IPv4:
      return 'ipv4';
    case FT.IPv6:
      return 'ipv6';
    case FT.Ether:
      return 'ether';
    case FT.Bytes:
      return 'bytes';
    case FT.Protocol:
      return 'protocol';
    case FT.None:
      return 'label';
    case FT.String:
      return 'string';
    case FT.Bool:
      return 'bool';
    default:
      return 'num';
  }
}

const typeWords: Partial<Record<FT, string>> = {
  [FT.UInt8]: 'an unsigned integer', [FT.UInt16]: 'an unsigned integer', [FT.UInt24]: 'an unsigned integer', [FT.UInt32]: 'an unsigned integer',
  [FT.UInt64]: 'an unsigned integer', [FT.Int8]: 'a signed integer', [FT.Int16]: 'a signed integer', [FT.Int32]: 'a signed integer',
  [FT.Bool]: 'a boolean', [FT.AbsTime]: 'a date and time', [FT.RelTime]: 'a time offset', [FT.FrameNum]: 'a frame number',
  [FT.Double]: 'a floating-point number', [FT.None]: 'a label with no value',
};

const encoder = new TextEncoder();
const EMPTY = new Uint8Array(0);

function bytesOfIPv4(n: number): Uint8Array {
  return new Uint8Array([(n >>> 24) & 255, (n >>> 16) & 255, (n >>> 8) & 255, n & 255]);
}

/** The node's bytes as a slice sees them: the value for addresses, bytes and strings; the covered bytes otherwise. */
function nodeBytes(n: Node): Uint8Array {
  const v = n.value;
  if (v instanceof Uint8Array) return v;
  if (n.field.type === FT.String) return encoder.encode(typeof v === 'string' ? v : String(v ?? ''));
  if (n.field.type === FT.IPv4 && typeof v === 'number') return bytesOfIPv4(v);
  if (!n.source) return EMPTY;
  return n.source.bytes.subarray(n.offset, n.offset + n.length);
}

/**
 * A protocol's bytes for `contains` and `matches`: from its first byte to the end of the data handed
 * to it. The tree keeps only each layer's header extent, so the end is the furthest byte that the
 * layers after it in the same data source reach; a layer that starts its source owns all of it.
 */
function protocolSpan(n: Node, root: Node | null): Uint8Array {
  const src = n.source;
  if (!src) return EMPTY;
  if (n.offset === 0) return src.bytes;
  let end = n.offset + n.length;
  const top = root?.children;
  const at = top ? top.indexOf(n) : -1;
  if (top && at >= 0) {
    for (let i = at + 1; i < top.length; i++) {
      const k = top[i]!;
      if (k.source !== src) break;
      end = Math.max(end, k.offset + k.length);
    }
  }
  return src.bytes.subarray(n.offset, Math.min(end, src.bytes.length));
}

function nodeValue(n: Node, kind: Kind): Value {
  const v = n.value;
  switch (kind) {
    case 'num':
      if (typeof v === 'number' || typeof v === 'bigint') return v;
      if (typeof v === 'boolean') return v ? 1 : 0;
      if (Array.isArray(v)) return (v[0] as number) + (v[1] as number) / 1e9;
      return v ? 1 : 0;
    case 'bool':
      return v ? 1 : 0;
    case 'ipv4':
      return (v as number) >>> 0;
    case 'string':
      return typeof v === 'string' ? v : String(v ?? '');
    default:
      return nodeBytes(n);
  }
}

function sliceBytes(b: Uint8Array, slice: Slice): Uint8Array {
  const parts: Uint8Array[] = [];
  for (const { start, length } of slice) {
    const s = start < 0 ? b.length + start : start;
    const e = length < 0 ? b.length : s + length;
    // Out of range: nothing (Wireshark gives an empty byte string, not a missing value).
    if (s < 0 || s > b.length || e > b.length) continue;
    parts.push(b.subarray(s, e));
  }
  if (parts.length === 1) return parts[0]!;
  if (parts.length === 0) return EMPTY;
  const out = new Uint8Array(parts.reduce((t, p) => t + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

interface Compiled {
  kind: Kind;
  /** The field for literal reading (value names, booleans' labels); null for slices and functions. */
  def: FieldDef | null;
  /** A plain field (no slice, no function): its id, for presence tests. */
  fieldId: number;
  values(occ: Occurrences): Value[];
  /** For `contains`/`matches`: the searchable form of each occurrence (protocols span their payload). */
  haystacks(occ: Occurrences): (string | Uint8Array)[];
}

interface Constant {
  value: Value;
  /** CIDR / IPv6 prefix length. */
  prefix: number | null;
}

export class Compiler {
  readonly fieldIds = new Set<number>();
  /** A protocol's payload is searched (`udp contains …`): its extent needs every layer's node. */
  spansLayers = false;

  entity(e: Entity): Compiled {
    if (e.kind === 'field') {
      const def = e.def;
      const id = def.id;
      this.fieldIds.add(id);
      const kind = kindOf(def);
      if (e.slice) {
        if (kind !== 'bytes' && kind !== 'string' && kind !== 'ipv4' && kind !== 'ipv6' && kind !== 'ether' && kind !== 'protocol') {
          throw new FilterError(`"${def.abbrev}" is ${typeWords[def.type] ?? 'not a byte string'} and cannot be sliced into bytes`, e.pos, e.length);
        }
        const slice = e.slice;
        const values = (occ: Occurrences): Value[] => occ.get(id).map((n) => sliceBytes(nodeBytes(n), slice));
        return { kind: 'bytes', def: null, fieldId: -1, values, haystacks: values as (o: Occurrences) => Uint8Array[] };
      }
      const values = (occ: Occurrences): Value[] => occ.get(id).map((n) => nodeValue(n, kind));
      const haystacks =
        kind === 'protocol'
          ? (occ: Occurrences) => occ.get(id).map((n) => protocolSpan(n, occ.root))
          : kind === 'string'
            ? (values as (o: Occurrences) => string[])
            : (occ: Occurrences) => occ.get(id).map(nodeBytes);
      return { kind, def, fieldId: id, values, haystacks };
    }
    const arg = this.entity(e.arg);
    if (e.name === 'count' || e.name === 'len') {
      if (e.arg.kind !== 'field') throw new FilterError(`${e.name}() takes a field`, e.arg.pos, e.arg.length);
      const id = e.arg.def.id;
      const slice = e.arg.slice;
      const values: (occ: Occurrences) => Value[] =
        e.name === 'count'
          ? (occ) => [occ.get(id).length]
          : slice
            ? (occ) => arg.values(occ).map((v) => (v as Uint8Array).length)
            : arg.kind === 'string' || arg.kind === 'bytes' || arg.kind === 'ether' || arg.kind === 'ipv6'
              ? (occ) => occ.get(id).map((n) => nodeBytes(n).length)
              : (occ) => occ.get(id).map((n) => n.length);
      return { kind: 'num', def: null, fieldId: -1, values, haystacks: () => [] };
    }
    if (arg.kind !== 'string') throw new FilterError(`${e.name}() takes a text field`, e.pos, e.length);
    const up = e.name === 'upper';
    const values = (occ: Occurrences): Value[] => arg.values(occ).map((v) => (up ? String(v).toUpperCase() : String(v).toLowerCase()));
    return { kind: 'string', def: null, fieldId: -1, values, haystacks: values as (o: Occurrences) => string[] };
  }

  compile(x: Expr): Predicate {
    switch (x.kind) {
      case 'and': {
        const l = this.compile(x.left);
        const r = this.compile(x.right);
        return (o) => l(o) && r(o);
      }
      case 'or': {
        const l = this.compile(x.left);
        const r = this.compile(x.right);
        return (o) => l(o) || r(o);
      }
      case 'xor': {
        const l = this.compile(x.left);
        const r = this.compile(x.right);
        return (o) => l(o) !== r(o);
      }
      case 'not': {
        const p = this.compile(x.expr);
        return (o) => !p(o);
      }
      case 'exists': {
        const c = this.entity(x.entity);
        if (c.fieldId >= 0) {
          const id = c.fieldId;
          return (o) => o.get(id).length > 0;
        }
        // A bare slice holds when it has bytes: `x[8:]` is false both past the end and at it.
        if (x.entity.kind === 'field') return (o) => c.values(o).some((v) => (v as Uint8Array).length > 0);
        return (o) => c.values(o).length > 0;
      }
      case 'in': {
        const c = this.entity(x.entity);
        this.comparable(c, x.entity, 'in');
        const tests = x.items.map((it) => {
          if (it.to) {
            const lo = this.constant(it.value, c).value;
            const hi = this.constant(it.to, c).value;
            return (v: Value) => compareValues(v, lo) >= 0 && compareValues(v, hi) <= 0;
          }
          return this.equalityTest(it.value, c);
        });
        return (o) => c.values(o).some((v) => tests.some((t) => t(v)));
      }
      case 'compare':
        return this.comparison(x.op, x.left, x.right, x.pos);
    }
  }

  /** Labels (FT_NONE) have no value to compare: only presence. */
  private comparable(c: Compiled, e: Entity, op: string): void {
    if (c.kind === 'label') {
      throw new FilterError(`"${(e as { def: FieldDef }).def.abbrev}" is a label with no value: it can be tested for presence, not used with "${op}"`, e.pos, e.length);
    }
  }

  /** A test "occurrence equals this literal" (CIDR prefixes match the network). */
  private equalityTest(op: Operand, c: Compiled): (v: Value) => boolean {
    const k = this.constant(op, c);
    if (k.prefix !== null) {
      const bits = k.prefix;
      if (c.kind === 'ipv4') {
        const mask = bits === 0 ? 0 : (0xffffffff << (32 - bits)) >>> 0;
        const net = ((k.value as number) & mask) >>> 0;
        return (v) => (((v as number) & mask) >>> 0) === net;
      }
      const want = k.value as Uint8Array;
      return (v) => prefixEqual(v as Uint8Array, want, bits);
    }
    const want = k.value;
    if (typeof want === 'number') return (v) => (typeof v === 'number' ? v === want : compareValues(v, want) === 0);
    if (typeof want === 'string') return (v) => v === want;
    return (v) => compareValues(v, want) === 0;
  }

  private comparison(op: string, left: Entity, right: Operand, pos: number): Predicate {
    const l = this.entity(left);
    this.comparable(l, left, op);
    if (right.kind === 'field' || right.kind === 'func') {
      const r = this.entity(right);
      this.comparable(r, right, op);
      if (group(l.kind) !== group(r.kind)) {
        const name = (e: Entity) => (e.kind === 'field' ? e.def.abbrev : `${e.name}()`);
        throw new FilterError(`${name(left)} and ${name(right)} are not of compatible types`, right.pos, right.length);
      }
      const test = relation(op, pos);
      if (op === '!=') {
        // all_ne: every pair differs, and both fields are there.
        return (o) => {
          const a = l.values(o);
          const b = r.values(o);
          return a.length > 0 && b.length > 0 && a.every((v) => b.every((w) => test(v, w)));
        };
      }
      return (o) => {
        const b = r.values(o);
        return l.values(o).some((v) => b.some((w) => test(v, w)));
      };
    }
    if ((op === 'contains' || op === 'matches') && l.kind === 'protocol') this.spansLayers = true;
    if (op === 'contains') {
      const needle = this.containsNeedle(right, l);
      if (typeof needle === 'string') return (o) => l.haystacks(o).some((h) => (h as string).includes(needle));
      return (o) => l.haystacks(o).some((h) => indexOfBytes(h as Uint8Array, needle) >= 0);
    }
    if (op === 'matches') {
      if (right.kind !== 'string') throw new FilterError('"matches" needs a quoted regular expression', right.pos, right.length);
      let src = right.value;
      let flags = 'i';
      if (src.startsWith('(?-i)')) {
        src = src.slice(5);
        flags = '';
      } else if (src.startsWith('(?i)')) src = src.slice(4);
      let re: RegExp;
      try {
        re = new RegExp(src, flags + 's');
      } catch (e) {
        throw new FilterError(`bad regular expression: ${(e as Error).message}`, right.pos, right.length);
      }
      if (l.kind === 'string') return (o) => l.haystacks(o).some((h) => re.test(h as string));
      if (l.kind === 'num' || l.kind === 'bool' || l.kind === 'ipv4') {
        throw new FilterError(`"matches" works on text and bytes, not on ${left.kind === 'field' ? `"${left.def.abbrev}"` : 'numbers'}`, left.pos, left.length);
      }
      return (o) => l.haystacks(o).some((h) => re.test(latin1(h as Uint8Array)));
    }
    if (op === '==' || op === '!=' || op === '~=') {
      const eq = this.equalityTest(right, l);
      if (op === '==') return (o) => l.values(o).some(eq);
      if (op === '~=') return (o) => l.values(o).some((v) => !eq(v));
      return (o) => {
        const vs = l.values(o);
        return vs.length > 0 && !vs.some(eq);
      };
    }
    const k = this.constant(right, l);
    const test = relation(op, pos);
    return (o) => l.values(o).some((v) => test(v, k.value));
  }

  private containsNeedle(op: Operand, c: Compiled): string | Uint8Array {
    if (c.kind === 'string') {
      if (op.kind === 'string') return op.value;
      if (op.kind === 'literal') return op.text;
    } else if (c.kind !== 'num' && c.kind !== 'bool' && c.kind !== 'ipv4') {
      if (op.kind === 'string') return encoder.encode(op.value);
      if (op.kind === 'literal') {
        const b = parseBytes(op.text);
        if (b) return b;
      }
    } else {
      throw new FilterError(`"contains" works on text and bytes, not on numbers`, op.pos, op.length);
    }
    throw new FilterError(`"contains" needs ${c.kind === 'string' ? 'text' : 'bytes (aa:bb:cc) or a quoted string'}`, op.pos, op.length);
  }

  /** Reads a literal for the field it is compared with. */
  constant(op: Operand, c: Compiled): Constant {
    if (op.kind === 'field' || op.kind === 'func') throw new FilterError('a set or range needs literal values', op.pos, op.length);
    const text = op.kind === 'string' ? op.value : op.text;
    const fail = (what: string): never => {
      throw new FilterError(`"${text}" is not ${what}${c.def ? ` for ${c.def.abbrev}` : ''}`, op.pos, op.length);
    };
    switch (c.kind) {
      case 'num': {
        const n = parseNumber(text, c.def);
        if (n === null) fail(c.def?.type === FT.AbsTime ? 'a time (seconds since 1970, or a date like "2026-11-25 10:00:00")' : 'a number');
        return { value: n!, prefix: null };
      }
      case 'bool': {
        const n = parseBool(text, c.def);
        if (n === null) fail(`a boolean (1, 0, true, false${c.def?.trueFalse ? `, "${c.def.trueFalse[0]}", "${c.def.trueFalse[1]}"` : ''})`);
        return { value: n!, prefix: null };
      }
      case 'ipv4': {
        const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})(?:\/(\d{1,2}))?$/.exec(text);
        if (!m || m.slice(1, 5).some((x) => Number(x) > 255) || (m[5] !== undefined && Number(m[5]) > 32)) fail('an IPv4 address (or CIDR like 10.0.0.0/8)');
        const v = ((Number(m![1]) << 24) | (Number(m![2]) << 16) | (Number(m![3]) << 8) | Number(m![4])) >>> 0;
        return { value: v, prefix: m![5] !== undefined ? Number(m![5]) : null };
      }
      case 'ipv6': {
        const [addr, pfx] = text.split('/');
        const b = parseIPv6(addr!);
        if (!b || (pfx !== undefined && !(/^\d{1,3}$/.test(pfx) && Number(pfx) <= 128))) fail('an IPv6 address (or prefix like fd00::/8)');
        return { value: b!, prefix: pfx !== undefined ? Number(pfx) : null };
      }
      case 'ether': {
        const b = parseBytes(text);
        if (!b || b.length !== 6) fail('a MAC address like 00:11:22:33:44:55');
        return { value: b!, prefix: null };
      }
      case 'bytes':
      case 'protocol': {
        if (op.kind === 'string') return { value: encoder.encode(text), prefix: null };
        const b = parseBytes(text);
        if (!b) fail('a byte string like aa:bb:cc');
        return { value: b!, prefix: null };
      }
      case 'string':
        return { value: text, prefix: null };
      case 'label':
        return fail('comparable: the field is a label');
    }
  }
}

/** Kinds that can be compared with each other. */
function group(kind: Kind): string {
  return kind === 'bool' ? 'num' : kind === 'protocol' ? 'bytes' : kind;
}

function relation(op: string, pos: number): (a: Value, b: Value) => boolean {
  switch (op) {
    case '==':
      return (a, b) => compareValues(a, b) === 0;
    case '!=':
    case '~=':
      return (a, b) => compareValues(a, b) !== 0;
    case '>':
      return (a, b) => compareValues(a, b) > 0;
    case '<':
      return (a, b) => compareValues(a, b) < 0;
    case '>=':
      return (a, b) => compareValues(a, b) >= 0;
    case '<=':
      return (a, b) => compareValues(a, b) <= 0;
  }
  throw new FilterError(`"${op}" cannot compare two fields`, pos, op.length);
}

function compareValues(a: Value, b: Value): number {
  if (typeof a === 'number' && typeof b === 'number') return a === b ? 0 : a < b ? -1 : 1;
  if (typeof a === 'string' && typeof b === 'string') return a === b ? 0 : a < b ? -1 : 1;
  if ((typeof a === 'bigint' || typeof a === 'number') && (typeof b === 'bigint' || typeof b === 'number')) {
    // 64-bit values: compare exactly (a float literal against a bigint compares as numbers).
    if (!Number.isInteger(a) && typeof a === 'number') return a < Number(b) ? -1 : a > Number(b) ? 1 : 0;
    if (!Number.isInteger(b) && typeof b === 'number') return Number(a) < b ? -1 : Number(a) > b ? 1 : 0;
    const x = BigInt(a);
    const y = BigInt(b);
    return x === y ? 0 : x < y ? -1 : 1;
  }
  const x = toBytes(a);
  const y = toBytes(b);
  const n = Math.min(x.length, y.length);
  for (let i = 0; i < n; i++) if (x[i] !== y[i]) return x[i]! < y[i]! ? -1 : 1;
  return x.length - y.length;
}

function toBytes(v: Value): Uint8Array {
  if (v instanceof Uint8Array) return v;
  if (typeof v === 'string') return encoder.encode(v);
  return bytesOfIPv4(Number(v));
}

function latin1(v: Uint8Array): string {
  let s = '';
  for (let i = 0; i < v.length; i += 8192) s += String.fromCharCode(...v.subarray(i, i + 8192));
  return s;
}

function prefixEqual(a: Uint8Array, b: Uint8Array, bits: number): boolean {
  if (a.length !== b.length) return false;
  const full = bits >> 3;
  for (let i = 0; i < full; i++) if (a[i] !== b[i]) return false;
  const rest = bits & 7;
  if (rest === 0) return true;
  const mask = (0xff << (8 - rest)) & 0xff;
  return (a[full]! & mask) === (b[full]! & mask);
}

function indexOfBytes(hay: Uint8Array, needle: Uint8Array): number {
  if (needle.length === 0) return 0;
  const first = needle[0]!;
  for (let i = hay.indexOf(first); i >= 0 && i <= hay.length - needle.length; i = hay.indexOf(first, i + 1)) {
    let j = 1;
    while (j < needle.length && hay[i + j] === needle[j]) j++;
    if (j === needle.length) return i;
  }
  return -1;
}

function parseNumber(text: string, def: FieldDef | null): number | bigint | null {
  const t = text.trim();
  const wide = def?.type === FT.UInt64;
  let m: RegExpExecArray | null;
  if ((m = /^([+-]?)0x([0-9a-f]+)$/i.exec(t))) return signed(m[1]!, BigInt('0x' + m[2]), wide);
  if ((m = /^([+-]?)0([0-7]+)$/.exec(t))) return signed(m[1]!, BigInt('0o' + m[2]), wide);
  if ((m = /^([+-]?)(\d+)$/.exec(t))) return signed(m[1]!, BigInt(m[2]!), wide);
  if (/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(t)) return Number(t);
  if (def?.type === FT.AbsTime) {
    // "2026-11-25 10:00:00" or "Nov 25, 2026 10:00:00" in local time, as Wireshark reads them; a trailing Z for UTC.
    const ms = Date.parse(t.replace(/^(\d{4}-\d\d-\d\d) /, '$1T'));
    if (!Number.isNaN(ms)) return ms / 1000;
    return null;
  }
  if (def?.values) {
    const want = t.toLowerCase();
    const v = def.values;
    if (typeof v !== 'function') {
      for (const [k, name] of v) if (name.toLowerCase() === want) return k;
    } else {
      for (let k = 0; k < 65536; k++) if (valueName(def, k)?.toLowerCase() === want) return k;
    }
  }
  return null;
}

/** Integers stay exact: bigint for 64-bit fields or values past 2^53, a number otherwise. */
function signed(sign: string, magnitude: bigint, wide: boolean): number | bigint {
  const v = sign === '-' ? -magnitude : magnitude;
  return wide || v > BigInt(Number.MAX_SAFE_INTEGER) || v < -BigInt(Number.MAX_SAFE_INTEGER) ? v : Number(v);
}

/** 1/0, true/false (any case), or the field's own labels ("Set", "Not set", "Message is a response"). */
function parseBool(text: string, def: FieldDef | null): number | null {
  const t = text.trim().toLowerCase();
  if (t === 'true' || t === '1') return 1;
  if (t === 'false' || t === '0') return 0;
  const tf = def?.trueFalse;
  if (tf) {
    if (tf[0].toLowerCase() === t) return 1;
    if (tf[1].toLowerCase() === t) return 0;
  }
  const n = parseNumber(text, null);
  return n === null ? null : Number(n) !== 0 ? 1 : 0;
}

/**
 * Byte strings as Wireshark reads them: "aa:bb:cc" (or with - or . between bytes), one or two hex
 * digits for a single byte ("2" is 02), "0x53" for a single byte, an even run of hex digits without
 * separators ("504f5354"), or Cisco's "aabb.ccdd.eeff".
 */
export function parseBytes(text: string): Uint8Array | null {
  let hex: string;
  if (/^[0-9a-f]{1,2}([:.-][0-9a-f]{1,2})*$/i.test(text)) hex = text.split(/[:.-]/).map((x) => x.padStart(2, '0')).join('');
  else if (/^0x[0-9a-f]{2}$/i.test(text)) hex = text.slice(2);
  else if (/^([0-9a-f]{2})+$/i.test(text)) hex = text;
  else if (/^[0-9a-f]{4}\.[0-9a-f]{4}\.[0-9a-f]{4}$/i.test(text)) hex = text.replace(/\./g, '');
  else return null;
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(hex.substr(i * 2, 2), 16);
  return out;
}

export function parseIPv6(text: string): Uint8Array | null {
  if (!/^[0-9a-f:.]+$/i.test(text) || !text.includes(':')) return null;
  let tail: number[] = [];
  let t = text;
  const v4 = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(t);
  if (v4) {
    tail = v4.slice(1, 5).map(Number);
    if (tail.some((x) => x > 255)) return null;
    t = t.slice(0, v4.index) + '0:0';
  }
  const halves = t.split('::');
  if (halves.length > 2) return null;
  const parseGroups = (s: string) => (s === '' ? [] : s.split(':'));
  const head = parseGroups(halves[0]!);
  const rest = halves.length === 2 ? parseGroups(halves[1]!) : [];
  const missing = 8 - head.length - rest.length;
  if ((halves.length === 1 && missing !== 0) || missing < 0) return null;
  const groups = [...head, ...Array(halves.length === 2 ? missing : 0).fill('0'), ...rest];
  if (groups.length !== 8 || groups.some((g) => !/^[0-9a-f]{1,4}$/i.test(g))) return null;
  const out = new Uint8Array(16);
  groups.forEach((g, i) => {
    const v = parseInt(g, 16);
    out[i * 2] = v >> 8;
    out[i * 2 + 1] = v & 255;
  });
  if (v4) out.set(tail, 12);
  return out;
}
