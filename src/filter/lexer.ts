/**
 * Tokens of Wireshark's display-filter language. Unquoted values (10.0.0.0/8, aa:bb:cc, fe80::1,
 * 0x1f, ACK) stay raw "literal" tokens: only the field they are compared with knows how to read them.
 */
import { FilterError } from './errors.js';

export type TokenKind =
  | 'literal' // field name or unquoted value
  | 'string' // "quoted"
  | 'op' // == != > < >= <= ~= contains matches ~
  | 'and'
  | 'or'
  | 'xor'
  | 'not'
  | 'in'
  | '('
  | ')'
  | '{'
  | '}'
  | '['
  | ']'
  | ','
  | 'eof';

export interface Token {
  kind: TokenKind;
  text: string;
  /** Decoded value for strings; the operator in canonical form for ops. */
  value: string;
  pos: number;
  length: number;
}

const wordOps: Record<string, [TokenKind, string]> = {
  eq: ['op', '=='],
  ne: ['op', '!='],
  gt: ['op', '>'],
  lt: ['op', '<'],
  ge: ['op', '>='],
  le: ['op', '<='],
  any_eq: ['op', '=='],
  all_ne: ['op', '!='],
  any_ne: ['op', '~='],
  contains: ['op', 'contains'],
  matches: ['op', 'matches'],
  and: ['and', 'and'],
  or: ['or', 'or'],
  xor: ['xor', 'xor'],
  not: ['not', 'not'],
  in: ['in', 'in'],
};

const literalChar = /[A-Za-z0-9_.:\-/+*$@]/;

export function tokenize(text: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  const push = (kind: TokenKind, t: string, value: string, pos: number) => out.push({ kind, text: t, value, pos, length: t.length });
  while (i < text.length) {
    const c = text[i]!;
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    const two = text.slice(i, i + 2);
    if (['==', '!=', '>=', '<=', '~='].includes(two)) {
      push('op', two, two, i);
      i += 2;
      continue;
    }
    if (two === '&&') {
      push('and', two, 'and', i);
      i += 2;
      continue;
    }
    if (two === '||') {
      push('or', two, 'or', i);
      i += 2;
      continue;
    }
    if (two === '^^') {
      push('xor', two, 'xor', i);
      i += 2;
      continue;
    }
    if (c === '>' || c === '<') {
      push('op', c, c, i);
      i++;
      continue;
    }
    if (c === '~') {
      push('op', c, 'matches', i);
      i++;
      continue;
    }
    if (c === '!') {
      push('not', c, 'not', i);
      i++;
      continue;
    }
    if (c === '=') throw new FilterError(`"=" is not an operator; use "==" to compare`, i);
    if ('(){}[],'.includes(c)) {
      push(c as TokenKind, c, c, i);
      i++;
      continue;
    }
    if (c === '"' || c === "'") {
      const start = i;
      let value = '';
      i++;
      while (i < text.length && text[i] !== c) {
        if (text[i] === '\\' && i + 1 < text.length) {
          const e = text[i + 1]!;
          i += 2;
          if (e === 'n') value += '\n';
          else if (e === 'r') value += '\r';
          else if (e === 't') value += '\t';
          else if (e === 'x' && /^[0-9a-fA-F]{2}$/.test(text.slice(i, i + 2))) {
            value += String.fromCharCode(parseInt(text.slice(i, i + 2), 16));
            i += 2;
          } else if (/[0-7]/.test(e) && /^[0-7]{2}$/.test(text.slice(i, i + 2))) {
            value += String.fromCharCode(parseInt(e + text.slice(i, i + 2), 8));
            i += 2;
          } else if (e === '\\' || e === '"' || e === "'") value += e;
          else if (e === 'a') value += '\x07';
          else if (e === 'b') value += '\b';
          else if (e === 'f') value += '\f';
          else if (e === 'v') value += '\v';
          // As in Wireshark: "\." must be written "\\." (a regular expression's escape needs its own backslash).
          else throw new FilterError(`\\${e} is not a valid escape in a string (write \\\\${e} for a literal backslash)`, i - 2, 2);
          continue;
        }
        value += text[i];
        i++;
      }
      if (i >= text.length) throw new FilterError('unterminated string', start, text.length - start);
      i++;
      push('string', text.slice(start, i), value, start);
      continue;
    }
    if (literalChar.test(c)) {
      const start = i;
      while (i < text.length && literalChar.test(text[i]!)) i++;
      const word = text.slice(start, i);
      const w = wordOps[word];
      if (w) push(w[0], word, w[1], start);
      else push('literal', word, word, start);
      continue;
    }
    throw new FilterError(`unexpected character '${c}'`, i);
  }
  out.push({ kind: 'eof', text: '', value: '', pos: text.length, length: 1 });
  return out;
}
