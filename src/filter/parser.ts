/**
 * Parser for display filters, producing a small AST. Precedence, loosest first:
 * or (||), xor (^^), and (&&), not (!), then relations: `field`, `field op value`, `field in {…}`.
 */
import { FT, fields, type FieldDef } from '../engine/fields.js';
import { FilterError } from './errors.js';
import { tokenize, type Token } from './lexer.js';

/** One range of a slice: `[2]`, `[0:3]`, `[1-4]`, `[-2:]`. */
export interface SliceRange {
  /** Start byte; negative counts from the end. */
  start: number;
  /** Length, or -1 for "to the end". */
  length: number;
}

/** `[0:2,4]`: the bytes of every range, concatenated. */
export type Slice = SliceRange[];

export type Entity =
  | { kind: 'field'; def: FieldDef; slice: Slice | null; pos: number; length: number }
  | { kind: 'func'; name: 'len' | 'count' | 'lower' | 'upper'; arg: Entity; pos: number; length: number };

export type Operand =
  | Entity
  | { kind: 'literal'; text: string; pos: number; length: number }
  | { kind: 'string'; value: string; pos: number; length: number };

export type SetItem = { value: Operand; to: Operand | null };

export type Expr =
  | { kind: 'and' | 'or' | 'xor'; left: Expr; right: Expr }
  | { kind: 'not'; expr: Expr }
  | { kind: 'exists'; entity: Entity }
  | { kind: 'compare'; op: string; left: Entity; right: Operand; pos: number }
  | { kind: 'in'; entity: Entity; items: SetItem[] };

const functions = new Set(['len', 'count', 'lower', 'upper']);

export function parse(text: string): Expr {
  const tokens = tokenize(text);
  let i = 0;
  const peek = (): Token => tokens[i]!;
  const next = (): Token => tokens[i++]!;
  const expect = (kind: Token['kind'], what: string): Token => {
    const t = next();
    if (t.kind !== kind) throw new FilterError(`expected ${what}${t.kind === 'eof' ? ' at the end' : `, found "${t.text}"`}`, t.pos, t.length);
    return t;
  };

  function orExpr(): Expr {
    let left = xorExpr();
    while (peek().kind === 'or') {
      next();
      left = { kind: 'or', left, right: xorExpr() };
    }
    return left;
  }
  function xorExpr(): Expr {
    let left = andExpr();
    while (peek().kind === 'xor') {
      next();
      left = { kind: 'xor', left, right: andExpr() };
    }
    return left;
  }
  function andExpr(): Expr {
    let left = notExpr();
    while (peek().kind === 'and') {
      next();
      left = { kind: 'and', left, right: notExpr() };
    }
    return left;
  }
  function notExpr(): Expr {
    if (peek().kind === 'not') {
      next();
      return { kind: 'not', expr: notExpr() };
    }
    return primary();
  }
  function primary(): Expr {
    const t = peek();
    if (t.kind === '(') {
      next();
      const e = orExpr();
      expect(')', '")"');
      return e;
    }
    if (t.kind !== 'literal') {
      throw new FilterError(t.kind === 'eof' ? 'the filter ends where a field name was expected' : `expected a field name, found "${t.text}"`, t.pos, t.length);
    }
    const left = entity();
    const op = peek();
    if (op.kind === 'op') {
      next();
      const right = operand(left);
      return { kind: 'compare', op: op.value, left, right, pos: op.pos };
    }
    if (op.kind === 'in' || (op.kind === 'not' && tokens[i + 1]?.kind === 'in')) {
      const negated = op.kind === 'not';
      if (negated) next();
      next();
      const e: Expr = { kind: 'in', entity: left, items: setItems(left) };
      return negated ? { kind: 'not', expr: e } : e;
    }
    return { kind: 'exists', entity: left };
  }

  function entity(): Entity {
    const t = next();
    if (t.kind !== 'literal') throw new FilterError(`expected a field name, found "${t.text}"`, t.pos, t.length);
    if (functions.has(t.text) && peek().kind === '(') {
      next();
      const arg = entity();
      const close = expect(')', '")"');
      return { kind: 'func', name: t.text as 'len' | 'count' | 'lower' | 'upper', arg, pos: t.pos, length: close.pos + 1 - t.pos };
    }
    const def = fields.get(t.text);
    if (!def || def.abbrev.startsWith('_ws.') && !def.abbrev.startsWith('_ws.malformed') && !def.abbrev.startsWith('_ws.expert')) {
      const hint = suggest(t.text);
      throw new FilterError(`unknown field '${t.text}'${hint ? ` — did you mean ${hint}?` : ''}`, t.pos, t.length);
    }
    let slice: Slice | null = null;
    if (peek().kind === '[') {
      next();
      slice = [];
      for (;;) {
        const s = next();
        if (s.kind !== 'literal') throw new FilterError('expected a slice like [0:3], [2], [1-4], [:2] or [0:2,4]', s.pos, s.length);
        slice.push(parseSlice(s));
        if (peek().kind === ',') {
          next();
          continue;
        }
        expect(']', '"]"');
        break;
      }
    }
    return { kind: 'field', def, slice, pos: t.pos, length: t.length };
  }

  function operand(left: Entity): Operand {
    const t = next();
    if (t.kind === 'string') return { kind: 'string', value: t.value, pos: t.pos, length: t.length };
    if (t.kind === 'literal') {
      // An unquoted word that names a field is a field (ip.src == ip.dst); a leading ':' forces a literal.
      if (t.text.startsWith(':') && !t.text.startsWith('::')) return { kind: 'literal', text: t.text.slice(1), pos: t.pos + 1, length: t.length - 1 };
      const def = fields.get(t.text);
      if (def && def.type !== FT.None && !/^[0-9]/.test(t.text) && (left.kind !== 'field' || left.def.values === null || def.type !== FT.Protocol)) {
        i--;
        return entity();
      }
      return { kind: 'literal', text: t.text, pos: t.pos, length: t.length };
    }
    throw new FilterError(t.kind === 'eof' ? 'the filter ends where a value was expected' : `expected a value, found "${t.text}"`, t.pos, t.length);
  }

  function setItems(left: Entity): SetItem[] {
    expect('{', '"{"');
    const items: SetItem[] = [];
    while (peek().kind !== '}') {
      if (peek().kind === ',') {
        next();
        continue;
      }
      const t = peek();
      if (t.kind === 'eof') throw new FilterError('the set is not closed with "}"', t.pos);
      if (t.kind === 'literal' && t.text.includes('..')) {
        next();
        const [a, b] = t.text.split('..');
        items.push({
          value: { kind: 'literal', text: a!, pos: t.pos, length: a!.length },
          to: { kind: 'literal', text: b!, pos: t.pos + a!.length + 2, length: b!.length },
        });
        continue;
      }
      items.push({ value: operand(left), to: null });
    }
    next();
    if (items.length === 0) throw new FilterError('empty set', peek().pos);
    return items;
  }

  const e = orExpr();
  const end = peek();
  if (end.kind !== 'eof') throw new FilterError(`unexpected "${end.text}" (missing "and"/"or"?)`, end.pos, end.length);
  return e;
}

function parseSlice(t: Token): SliceRange {
  const s = t.text;
  const num = (x: string) => {
    if (!/^-?\d+$/.test(x)) throw new FilterError(`bad slice "${s}"`, t.pos, t.length);
    return Number(x);
  };
  let m: RegExpExecArray | null;
  if ((m = /^(-?\d*):(\d*)$/.exec(s))) return { start: m[1] ? num(m[1]) : 0, length: m[2] ? num(m[2]) : -1 };
  if ((m = /^(-?\d+)-(\d+)$/.exec(s))) {
    const a = num(m[1]!);
    return { start: a, length: num(m[2]!) - a + 1 };
  }
  return { start: num(s), length: 1 };
}

function distance(a: string, b: string): number {
  const prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let diag = prev[0]!;
    prev[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = prev[j]!;
      prev[j] = Math.min(prev[j]! + 1, prev[j - 1]! + 1, diag + (a[i - 1] === b[j - 1] ? 0 : 1));
      diag = tmp;
    }
  }
  return prev[b.length]!;
}

/** The registered field nearest in spelling, when one is close enough to be a likely typo. */
export function suggest(name: string): string | undefined {
  let best: string | undefined;
  let bestD = Math.max(2, Math.floor(name.length / 4)) + 1;
  for (const f of fields.all()) {
    if (f.abbrev.startsWith('_ws.')) continue;
    if (Math.abs(f.abbrev.length - name.length) >= bestD) continue;
    const d = distance(name, f.abbrev);
    if (d < bestD) {
      bestD = d;
      best = f.abbrev;
    }
  }
  return best;
}
