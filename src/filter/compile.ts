/**
 * Compiles a filter AST into a predicate over a dissected packet.
 *
 * Semantics follow Wireshark 4: a field that occurs several times matches `==`, `>`, `contains`,
 * `matches` and `in` if ANY occurrence does; `!=` holds when ALL occurrences differ (it is
 * `!(a == b)` restricted to packets that have the field); `~=` holds when ANY occurrence differs.
 * `matches` is case-insensitive unless the pattern starts with (?-i).
 * Literals are read according to the field they are compared with (so `10.0.0.0/8`, `aa:bb:cc`,
 * `0x1f` and value names like `ACK` all work), once, at compile time.
 */
import { FT, type FieldDef, valueName } from '../engine/fields.js';
import type { Node } from '../engine/tree.js';
import { FilterError } from './errors.js';
import type { Entity, Expr, Operand } from './parser.js';

/** Per-packet occurrences of the fields a filter uses, filled by one walk of the tree. */
export type Occurrences = Map<number, Node[]>;

type Value = number | string | Uint8Array;
/** What a comparison receives for each occurrence. */
type Getter = (occ: Occurrences) => Value[];
export type Predicate = (occ: Occurrences) => boolean;

type Kind = 'num' | 'ipv4' | 'ipv6' | 'ether' | 'bytes' | 'string';

function kindOf(def: FieldDef): Kind {
  switch (def.type) {
    case FT.IPv4:
      return 'ipv4';
    case FT.IPv6:
      return 'ipv6';
    case FT.Ether:
      return 'ether';
    case FT.Bytes:
    case FT.Protocol:
    case FT.None:
      return 'bytes';
    case FT.String:
      return 'string';
    default:
      return 'num';
  }
}

function nodeBytes(n: Node): Uint8Array {
  const v = n.value;
  if (v instanceof Uint8Array) return v;
  if (typeof v === 'string' && n.field.type === FT.String) return new TextEncoder().encode(v);
  if (!n.source) return new Uint8Array(0);
  return n.source.bytes.subarray(n.offset, n.offset + n.length);
}

function nodeValue(n: Node, kind: Kind): Value {
  const v = n.value;
  switch (kind) {
    case 'num':
      if (typeof v === 'number') return v;
      if (typeof v === 'boolean') return v ? 1 : 0;
      if (typeof v === 'bigint') return Number(v);
      if (Array.isArray(v)) return (v[0] as number) + (v[1] as number) / 1e9;
      return v ? 1 : 0;
    case 'ipv4':
      return v as number;
    case 'string':
      return String(v ?? '');
    default:
      return nodeBytes(n);
  }
}

function sliceBytes(b: Uint8Array, start: number, length: number): Uint8Array | null {
  const s = start < 0 ? b.length + start : start;
  if (s < 0 || s > b.length) return null;
  const e = length < 0 ? b.length : s + length;
  if (e > b.length) return null;
  return b.subarray(s, e);
}

interface Compiled {
  get: Getter;
  kind: Kind;
  /** The field for value-name lookups of literals. */
  def: FieldDef | null;
}

export class Compiler {
  readonly fieldIds = new Set<number>();

  entity(e: Entity): Compiled {
    if (e.kind === 'field') {
      const id = e.def.id;
      this.fieldIds.add(id);
      if (e.slice) {
        const { start, length } = e.slice;
        return {
          kind: 'bytes',
          def: null,
          get: (occ) => {
            const out: Value[] = [];
            for (const n of occ.get(id) ?? []) {
              const b = sliceBytes(nodeBytes(n), start, length);
              if (b) out.push(b);
            }
            return out;
          },
        };
      }
      const kind = kindOf(e.def);
      return { kind, def: e.def, get: (occ) => (occ.get(id) ?? []).map((n) => nodeValue(n, kind)) };
    }
    const arg = this.entity(e.arg);
    switch (e.name) {
      case 'count':
        return { kind: 'num', def: null, get: (occ) => [arg.get(occ).length] };
      case 'len':
        return { kind: 'num', def: null, get: (occ) => arg.get(occ).map((v) => (typeof v === 'number' ? 4 : v.length)) };
      case 'lower':
      case 'upper': {
        if (arg.kind !== 'string') throw new FilterError(`${e.name}() takes a text field`, e.pos, e.length);
        const up = e.name === 'upper';
        return { kind: 'string', def: null, get: (occ) => arg.get(occ).map((v) => (up ? String(v).toUpperCase() : String(v).toLowerCase())) };
      }
    }
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
        if (x.entity.kind === 'field' && !x.entity.slice) {
          const id = x.entity.def.id;
          return (o) => (o.get(id)?.length ?? 0) > 0;
        }
        return (o) => c.get(o).length > 0;
      }
      case 'in': {
        const c = this.entity(x.entity);
        const tests = x.items.map((it) => {
          if (it.to) {
            const lo = this.constant(it.value, c);
            const hi = this.constant(it.to, c);
            return (v: Value) => compareValues(v, lo.value) >= 0 && compareValues(v, hi.value) <= 0;
          }
          return this.equalityTest(it.value, c);
        });
        return (o) => c.get(o).some((v) => tests.some((t) => t(v)));
      }
      case 'compare':
        return this.comparison(x.op, x.left, x.right, x.pos);
    }
  }

  /** A test "occurrence equals this operand" (handles CIDR, field-vs-field). */
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
    return (v) => compareValues(v, k.value) === 0;
  }

  private comparison(op: string, left: Entity, right: Operand, pos: number): Predicate {
    const l = this.entity(left);
    if (right.kind === 'field' || right.kind === 'func') {
      const r = this.entity(right);
      const test = relation(op, pos);
      return (o) => {
        const rv = r.get(o);
        return quantify(op, l.get(o), (v) => rv.some((w) => test(v, w)));
      };
    }
    if (op === 'contains') {
      const needle = this.containsNeedle(right, l);
      return (o) => l.get(o).some((v) => (typeof v === 'string' ? v.includes(needle as string) : v instanceof Uint8Array && indexOfBytes(v, needle as Uint8Array) >= 0));
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
      return (o) => l.get(o).some((v) => re.test(typeof v === 'string' ? v : latin1(v as Uint8Array | number)));
    }
    if (op === '==' || op === '!=' || op === '~=') {
      const eq = this.equalityTest(right, l);
      if (op === '==') return (o) => l.get(o).some(eq);
      if (op === '~=') return (o) => l.get(o).some((v) => !eq(v));
      return (o) => {
        const vs = l.get(o);
        return vs.length > 0 && !vs.some(eq);
      };
    }
    const k = this.constant(right, l);
    const test = relation(op, pos);
    return (o) => l.get(o).some((v) => test(v, k.value));
  }

  private containsNeedle(op: Operand, c: Compiled): string | Uint8Array {
    if (c.kind === 'string') {
      if (op.kind === 'string') return op.value;
      if (op.kind === 'literal') return op.text;
    } else {
      if (op.kind === 'string') return new TextEncoder().encode(op.value);
      if (op.kind === 'literal') {
        const b = parseBytes(op.text);
        if (b) return b;
      }
    }
    throw new FilterError(`"contains" needs ${c.kind === 'string' ? 'text' : 'bytes (aa:bb:cc) or a quoted string'}`, op.pos, op.length);
  }

  /** Reads a literal for the field it is compared with. */
  constant(op: Operand, c: Compiled): { value: Value; prefix: number | null } {
    if (op.kind === 'field' || op.kind === 'func') throw new FilterError('a set or range needs literal values', op.pos, op.length);
    const text = op.kind === 'string' ? op.value : op.text;
    const fail = (what: string): never => {
      throw new FilterError(`"${text}" is not ${what}${c.def ? ` for ${c.def.abbrev}` : ''}`, op.pos, op.length);
    };
    switch (c.kind) {
      case 'num': {
        const n = parseNumber(text, c.def);
        if (n === null) fail(c.def?.type === FT.Bool ? 'a boolean (1, 0, true, false)' : 'a number');
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
        if (!b || (pfx !== undefined && !(Number(pfx) >= 0 && Number(pfx) <= 128))) fail('an IPv6 address (or prefix like fd00::/8)');
        return { value: b!, prefix: pfx !== undefined ? Number(pfx) : null };
      }
      case 'ether': {
        const b = parseBytes(text);
        if (!b || b.length !== 6) fail('a MAC address like 00:11:22:33:44:55');
        return { value: b!, prefix: null };
      }
      case 'bytes': {
        if (op.kind === 'string') return { value: new TextEncoder().encode(text), prefix: null };
        const b = parseBytes(text);
        if (!b) fail('a byte string like aa:bb:cc');
        return { value: b!, prefix: null };
      }
      case 'string':
        return { value: text, prefix: null };
    }
  }
}

function quantify(op: string, values: Value[], test: (v: Value) => boolean): boolean {
  if (op === '!=') return values.length > 0 && values.every((v) => test(v));
  return values.some(test);
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
  const x = typeof a === 'string' ? new TextEncoder().encode(a) : typeof a === 'number' ? numBytes(a) : a;
  const y = typeof b === 'string' ? new TextEncoder().encode(b) : typeof b === 'number' ? numBytes(b) : b;
  const n = Math.min(x.length, y.length);
  for (let i = 0; i < n; i++) if (x[i] !== y[i]) return x[i]! < y[i]! ? -1 : 1;
  return x.length - y.length;
}

function numBytes(n: number): Uint8Array {
  return new Uint8Array([(n >>> 24) & 255, (n >>> 16) & 255, (n >>> 8) & 255, n & 255]);
}

function latin1(v: Uint8Array | number): string {
  if (typeof v === 'number') return String(v);
  let s = '';
  for (let i = 0; i < v.length; i++) s += String.fromCharCode(v[i]!);
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

function parseNumber(text: string, def: FieldDef | null): number | null {
  const t = text.trim();
  if (/^[+-]?0x[0-9a-f]+$/i.test(t)) return parseInt(t, 16);
  if (/^[+-]?0[0-7]+$/.test(t)) return parseInt(t, 8);
  if (/^[+-]?\d+(\.\d+)?([eE][+-]?\d+)?$/.test(t)) return Number(t);
  if (/^(true|false)$/i.test(t)) return /^true$/i.test(t) ? 1 : 0;
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

/** "aa:bb:cc", "aa-bb-cc", "aa.bb.cc", "aabb.ccdd.eeff", a single "aa", or "aabbcc" with separators only. */
export function parseBytes(text: string): Uint8Array | null {
  let hex: string;
  if (/^[0-9a-f]{1,2}([:.-][0-9a-f]{1,2})*$/i.test(text)) hex = text.split(/[:.-]/).map((x) => x.padStart(2, '0')).join('');
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
