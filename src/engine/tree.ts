/**
 * The protocol tree. A node records which field it is, where its bytes are (source, offset, length)
 * and its raw value; display text is made only by renderers. When nobody will look at the tree
 * (summary lines only) the packet's root is `NULL_NODE`, whose methods build nothing, so dissectors
 * run one code path either way (Wireshark's `tree == NULL`).
 */
import { type Buf, type Source, decodeUtf8 } from './buf.js';
import { FT, type FieldDef, field } from './fields.js';

export const enum NodeFlag {
  None = 0,
  /** Computed by the dissector, not read from the bytes: shown in [brackets]. */
  Generated = 1,
  /** In JSON and filters but not in the -V tree (ip.addr, udp.port). */
  Hidden = 2,
  /**
   * A text item whose words are its own bytes, one line of text (a line of an HTTP body): the label
   * is decoded and escaped only when rendered, and renderers copy a plain ASCII line byte for byte.
   */
  LineOfBytes = 4,
}

export const enum Severity {
  Comment = 1,
  Chat = 2,
  Note = 3,
  Warning = 4,
  Error = 5,
}

export const severityNames: Record<number, string> = {
  1: 'Comment',
  2: 'Chat',
  3: 'Note',
  4: 'Warning',
  5: 'Error',
};

/** Wireshark's numeric codes for severities (PI_CHAT … PI_ERROR), which tshark's JSON and fields output write. */
const SEVERITY_CODES: Record<number, number> = { 1: 0x00100000, 2: 0x00200000, 3: 0x00400000, 4: 0x00600000, 5: 0x00800000 };
/** Wireshark's numeric codes for expert groups (PI_CHECKSUM, PI_SEQUENCE, PI_MALFORMED …). */
const GROUP_CODES: Record<string, number> = {
  Checksum: 0x01000000, Sequence: 0x02000000, 'Response code': 0x03000000, 'Request code': 0x04000000, Undecoded: 0x05000000,
  Reassemble: 0x06000000, Malformed: 0x07000000, Debug: 0x08000000, Protocol: 0x09000000, Security: 0x0a000000,
  Comment: 0x0b000000, Decryption: 0x0c000000, Assumption: 0x0d000000, Deprecated: 0x0e000000,
};

/** A severity as tshark writes it in JSON and fields output: Wireshark's code (the number itself when unknown). */
export function severityCode(severity: number): number {
  return SEVERITY_CODES[severity] ?? severity;
}

/** A group as tshark writes it in JSON and fields output: Wireshark's code, or undefined for a group it has none for. */
export function groupCode(group: string): number | undefined {
  return GROUP_CODES[group];
}

/** Expert info, as Wireshark groups it. */
export interface Expert {
  severity: Severity;
  /** Wireshark's groups: 'Malformed', 'Sequence', 'Protocol', 'Checksum', 'Reassemble', 'Undecoded', 'Comment'. */
  group: string;
  message: string;
  /** The protocol that raised it. */
  protocol: string;
}

/** The text label of a FT.None item; kept as a field so every node has one. */
export const textField = field('_ws.text', 'Text item', FT.None, 'A line of explanatory text with no value of its own.');
export const expertField = field('_ws.expert', 'Expert Info', FT.None, 'A note the dissector raised about this packet: a problem, a warning or something worth knowing.');
export const malformedField = field('_ws.malformed', 'Malformed Packet', FT.Protocol, 'Marks a packet whose bytes contradict its own length fields or structure; dissection of this layer stopped here.');
/** The kind of the malformed packet's expert info (tshark's key for it in JSON). */
export const malformedExpertField = field('_ws.malformed.expert', 'Malformed Packet (Exception occurred)', FT.None, 'The expert info every malformed packet carries: a field ran past what the packet holds.');
export const truncatedField = field('_ws.short', 'Packet size limited during capture', FT.Protocol, 'The capture kept fewer bytes than the packet had (snapshot length), so the rest of this layer was not recorded.');

/**
 * A node value meaning "my bytes decoded as UTF-8", decoded the first time the value is read: large
 * text values (an HTTP body as http.file_data) cost nothing when only a label is rendered.
 */
export const UTF8_OF_BYTES: unique symbol = Symbol('utf8 of bytes');

export class Node {
  children: Node[] | null = null;
  flags = NodeFlag.None;
  /** Replaces the whole label (text items, or a dissector's own wording). */
  text: string | null = null;
  /** Appended after the value when rendered (" [correct]", " (Standard query)"). */
  suffix: string | null = null;
  expert: Expert | null = null;

  constructor(
    readonly field: FieldDef,
    readonly source: Source | null,
    /** Offset within `source`. */
    public offset: number,
    public length: number,
    private raw: unknown,
  ) {}

  /** The raw value: a number, bytes, text… (see FT in fields.ts). */
  get value(): unknown {
    const v = this.raw;
    if (v !== UTF8_OF_BYTES) return v;
    const bytes = this.undecodedText;
    return (this.raw = bytes ? decodeUtf8(bytes, 0, bytes.length) : '');
  }

  set value(v: unknown) {
    this.raw = v;
  }

  /**
   * While the value is still UTF8_OF_BYTES and not yet read: the bytes it would be decoded from, so
   * a renderer can copy ASCII text straight from them. Null for any other value.
   */
  get undecodedText(): Uint8Array | null {
    return this.raw === UTF8_OF_BYTES ? this.ownBytes : null;
  }

  /** The bytes this node covers, as far as they were captured; null when it covers none. */
  get ownBytes(): Uint8Array | null {
    const bytes = this.source?.bytes;
    if (!bytes || this.offset < 0) return null;
    const end = Math.min(this.offset + this.length, bytes.length);
    return end > this.offset ? bytes.subarray(this.offset, end) : null;
  }

  /** False only for NULL_NODE: lets a dissector skip work that only feeds the tree. */
  get real(): boolean {
    return true;
  }

  add(def: FieldDef, buf: Buf, offset: number, length: number, value?: unknown): Node {
    const n = new Node(def, buf.source, buf.start + offset, length, value);
    (this.children ??= []).push(n);
    return n;
  }

  /** A value the dissector computed: [shown in brackets], optionally pointing at related bytes. */
  addGenerated(def: FieldDef, value: unknown, buf?: Buf, offset = 0, length = 0): Node {
    const n = new Node(def, buf ? buf.source : null, buf ? buf.start + offset : 0, length, value);
    n.flags = NodeFlag.Generated;
    (this.children ??= []).push(n);
    return n;
  }

  /** A field for filters and JSON that the -V tree does not show. */
  addHidden(def: FieldDef, buf: Buf, offset: number, length: number, value: unknown): Node {
    const n = this.add(def, buf, offset, length, value);
    n.flags = NodeFlag.Hidden;
    return n;
  }

  /** A text-only line; its children (if any) group related fields. */
  addText(text: string, buf?: Buf, offset = 0, length = 0): Node {
    const n = new Node(textField, buf ? buf.source : null, buf ? buf.start + offset : 0, length, undefined);
    n.text = text;
    (this.children ??= []).push(n);
    return n;
  }

  /** A text item whose label is its bytes as one line of text (see NodeFlag.LineOfBytes). */
  addLine(buf: Buf, offset: number, length: number): Node {
    const n = this.addText('', buf, offset, length);
    // Null and skipped nodes hand themselves back: only a node really added becomes a line.
    if (n.real) {
      n.text = null;
      n.flags = NodeFlag.LineOfBytes;
    }
    return n;
  }

  /** Adds an existing node (built elsewhere) as a child. */
  adopt(child: Node): void {
    (this.children ??= []).push(child);
  }

  /** First descendant (depth-first) carrying `def`. */
  find(def: FieldDef): Node | undefined {
    const kids = this.children;
    if (!kids) return undefined;
    for (const k of kids) {
      if (k.field === def) return k;
      const d = k.find(def);
      if (d) return d;
    }
    return undefined;
  }

  /** Value of the first direct child carrying `def`. */
  childValue(def: FieldDef): unknown {
    const kids = this.children;
    if (kids) for (const k of kids) if (k.field === def) return k.value;
    return undefined;
  }

  /** Sets the length once a layer's end is known. */
  setEnd(buf: Buf, endOffset: number): void {
    this.length = buf.start + endOffset - this.offset;
  }
}

class NullNode extends Node {
  override get real(): boolean {
    return false;
  }
  override add(): Node {
    return this;
  }
  override addGenerated(): Node {
    return this;
  }
  override addHidden(): Node {
    return this;
  }
  override addText(): Node {
    return this;
  }
  override adopt(): void {}
  override setEnd(): void {}
}

/** The root handed to dissectors when no tree is wanted. */
export const NULL_NODE: Node = new NullNode(textField, null, 0, 0, undefined);

/**
 * A packet's root when no tree is wanted. It builds nothing either, but hands out NULL_NODE, so a
 * layer added under another layer (not at the top of the tree) can still be told apart.
 */
class NullRoot extends NullNode {
  override add(): Node {
    return NULL_NODE;
  }
  override addGenerated(): Node {
    return NULL_NODE;
  }
  override addHidden(): Node {
    return NULL_NODE;
  }
  override addText(): Node {
    return NULL_NODE;
  }
}

export const NULL_ROOT: Node = new NullRoot(textField, null, 0, 0, undefined);

/**
 * A partial tree, for consumers that read a few fields (a display filter, -T fields): `wanted[id]`
 * is 1 for the fields to build. A wanted field's node is built with everything beneath it; any other
 * node is not built (it is a SkipNode, `real` false, so dissectors skip its tree-only work), yet a
 * wanted field added under one is still built, hung from the nearest built ancestor.
 */
export class SparseRoot extends Node {
  private readonly skip: SkipNode;

  constructor(def: FieldDef, length: number, readonly wanted: Uint8Array) {
    super(def, null, 0, length, undefined);
    this.skip = new SkipNode(this, wanted);
  }

  override add(def: FieldDef, buf: Buf, offset: number, length: number, value?: unknown): Node {
    return def.id < this.wanted.length && this.wanted[def.id] ? super.add(def, buf, offset, length, value) : this.skip;
  }
  override addGenerated(def: FieldDef, value: unknown, buf?: Buf, offset = 0, length = 0): Node {
    return def.id < this.wanted.length && this.wanted[def.id] ? super.addGenerated(def, value, buf, offset, length) : this.skip;
  }
  override addHidden(def: FieldDef, buf: Buf, offset: number, length: number, value: unknown): Node {
    return def.id < this.wanted.length && this.wanted[def.id] ? super.addHidden(def, buf, offset, length, value) : this.skip;
  }
  override addText(): Node {
    return this.skip;
  }
  override adopt(child: Node): void {
    if (child.field.id < this.wanted.length && this.wanted[child.field.id]) super.adopt(child);
  }
}

/** Stands for every node a partial tree leaves out; passes wanted fields up to the root. */
class SkipNode extends Node {
  constructor(
    private readonly anchor: Node,
    private readonly wanted: Uint8Array,
  ) {
    super(textField, null, 0, 0, undefined);
  }
  override get real(): boolean {
    return false;
  }
  override addText(): Node {
    return this;
  }
  override setEnd(): void {}
  override add(def: FieldDef, buf: Buf, offset: number, length: number, value?: unknown): Node {
    return def.id < this.wanted.length && this.wanted[def.id] ? this.anchor.add(def, buf, offset, length, value) : this;
  }
  override addGenerated(def: FieldDef, value: unknown, buf?: Buf, offset = 0, length = 0): Node {
    return def.id < this.wanted.length && this.wanted[def.id] ? this.anchor.addGenerated(def, value, buf, offset, length) : this;
  }
  override addHidden(def: FieldDef, buf: Buf, offset: number, length: number, value: unknown): Node {
    return def.id < this.wanted.length && this.wanted[def.id] ? this.anchor.addHidden(def, buf, offset, length, value) : this;
  }
  override adopt(child: Node): void {
    this.anchor.adopt(child);
  }
}

/** Walks every node depth-first, children after their parent. */
export function walk(nodes: readonly Node[] | null, visit: (n: Node, depth: number) => void, depth = 0): void {
  if (!nodes) return;
  for (const n of nodes) {
    visit(n, depth);
    walk(n.children, visit, depth + 1);
  }
}
