/**
 * The field registry: every field any protocol can put in a tree, declared once.
 *
 * The abbreviation (Wireshark's `ip.src`, `udp.dstport`, `openvpn.opcode`) is the single name a field
 * has everywhere: tree text, JSON keys, display filters and the teaching views all read these records.
 * Every field carries a one-sentence description written for a student.
 */
import type { Node } from './tree.js';

export const enum FT {
  /** A text-only item: no value, just a label (Wireshark's FT_NONE). */
  None,
  Protocol,
  UInt8,
  UInt16,
  UInt24,
  UInt32,
  UInt64,
  Int8,
  Int16,
  Int32,
  Bool,
  Bytes,
  String,
  IPv4,
  IPv6,
  Ether,
  /** Absolute time: value is [seconds, nanoseconds]. */
  AbsTime,
  /** A duration in seconds (number). */
  RelTime,
  /** A frame number (number); shown like Wireshark's FT_FRAMENUM. */
  FrameNum,
  Double,
}

export type Base = 'dec' | 'hex' | 'dec_hex' | 'hex_dec' | 'oct' | 'none';

/** Value names: a table, or a function for ranges; unknown values fall back to "Unknown (0x..)". */
export type ValueNames = ReadonlyMap<number, string> | ((value: number) => string | undefined);

export interface FieldOptions {
  base?: Base;
  values?: ValueNames | Record<number, string>;
  /** For fields packed into bits of a larger value: the mask within the container. */
  bitmask?: number;
  /** Width in bits of the container a bitmask applies to (defaults to the type's width). */
  bitWidth?: number;
  /** Labels for a boolean's true/false values ("Set"/"Not set" by default). */
  trueFalse?: readonly [string, string];
  /** Appended to the displayed value: " bytes", " seconds". */
  unit?: string;
}

export interface FieldDef {
  readonly id: number;
  readonly abbrev: string;
  readonly name: string;
  readonly type: FT;
  readonly base: Base;
  readonly values: ValueNames | null;
  readonly bitmask: number;
  readonly shift: number;
  readonly bitWidth: number;
  readonly trueFalse: readonly [string, string] | null;
  readonly unit: string;
  readonly description: string;
  /** The protocol abbreviation this field belongs to ("ip" for "ip.src"). */
  readonly protocol: string;
  /** Protocol fields: builds the protocol line from the node's children when rendered. */
  label: ((node: Node) => string) | null;
}

/** Bit widths of the integer types, used for hex padding and bit displays. */
export function typeBits(type: FT): number {
  switch (type) {
    case FT.UInt8:
    case FT.Int8:
    case FT.Bool:
      return 8;
    case FT.UInt16:
    case FT.Int16:
      return 16;
    case FT.UInt24:
      return 24;
    case FT.UInt32:
    case FT.Int32:
    case FT.IPv4:
      return 32;
    case FT.UInt64:
      return 64;
    default:
      return 0;
  }
}

/** Hex digits a value of the type is shown with (its width, at least one): 0x0800 for a UInt16. */
export function hexDigits(type: FT): number {
  return Math.max(1, Math.ceil(typeBits(type) / 4));
}

/** The integer types whose values are JS numbers: every integer type but UInt64 (a bigint). */
export function isSmallInteger(type: FT): boolean {
  return type >= FT.UInt8 && type <= FT.Int32 && type !== FT.UInt64;
}

class FieldRegistry {
  private readonly list: FieldDef[] = [];
  private readonly byAbbrev = new Map<string, FieldDef>();
  /** Length of the longest abbreviation registered. */
  private longest = 0;

  add(abbrev: string, name: string, type: FT, description: string, opts: FieldOptions = noOptions): FieldDef {
    const existing = this.byAbbrev.get(abbrev);
    if (existing) {
      if (existing.type !== type) throw new Error(`field ${abbrev} registered twice with different types`);
      return existing;
    }
    const bitmask = opts.bitmask ?? 0;
    const dot = abbrev.indexOf('.');
    const names = opts.values;
    const values: ValueNames | null = !names
      ? null
      : typeof names === 'function' || names instanceof Map
        ? (names as ValueNames)
        : nameTable(names as Readonly<Record<number, string>>);
    const def: FieldDef = {
      id: this.list.length,
      abbrev,
      name,
      type,
      base: opts.base ?? (type === FT.Bool || type === FT.AbsTime ? 'none' : 'dec'),
      values,
      bitmask,
      shift: bitmask ? ctz(bitmask) : 0,
      bitWidth: opts.bitWidth ?? typeBits(type),
      trueFalse: opts.trueFalse ?? (type === FT.Bool ? ['Set', 'Not set'] : null),
      unit: opts.unit ?? '',
      description,
      protocol: dot < 0 ? abbrev : abbrev.slice(0, dot),
      label: null,
    };
    this.list.push(def);
    this.byAbbrev.set(abbrev, def);
    if (abbrev.length > this.longest) this.longest = abbrev.length;
    return def;
  }

  get(abbrev: string): FieldDef | undefined {
    return this.byAbbrev.get(abbrev);
  }

  /**
   * The field whose abbreviation a tree label is, if any. Most labels ("Host: example.com\r\n", a
   * line of a text body) are told apart by their first character or their length, without hashing
   * them: abbreviations start with a lowercase letter or an underscore.
   */
  named(label: string): FieldDef | undefined {
    if (label.length > this.longest) return undefined;
    const c = label.charCodeAt(0);
    if (c !== 0x5f && (c < 0x61 || c > 0x7a)) return undefined;
    return this.byAbbrev.get(label);
  }

  byId(id: number): FieldDef {
    return this.list[id]!;
  }

  all(): readonly FieldDef[] {
    return this.list;
  }
}

const noOptions: FieldOptions = {};

/**
 * A value-name record as a Map. A plain loop: the whole registry is built at every start, in the
 * interpreter, and entries() with a destructuring map made ~0.5 MB of garbage there.
 */
function nameTable(names: Readonly<Record<number, string>>): Map<number, string> {
  const table = new Map<number, string>();
  for (const key in names) table.set(Number(key), names[key]!);
  return table;
}

function ctz(mask: number): number {
  let n = 0;
  while (n < 32 && ((mask >>> n) & 1) === 0) n++;
  return n;
}

/** The one registry every protocol declares into. */
export const fields = new FieldRegistry();

/** Declares a field. */
export function field(abbrev: string, name: string, type: FT, description: string, opts?: FieldOptions): FieldDef {
  return fields.add(abbrev, name, type, description, opts);
}

/** Looks up a value name; undefined when the field has no names or the value is not in the table. */
export function valueName(def: FieldDef, value: number): string | undefined {
  const v = def.values;
  if (!v) return undefined;
  return typeof v === 'function' ? v(value) : v.get(value);
}
