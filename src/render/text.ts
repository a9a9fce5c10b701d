/**
 * Text renderers: tshark's one-line summary, the -V tree (with --explain notes from the registry)
 * and the -x hex dump. Pure functions from a dissected packet to text.
 */
import type { Packet } from '../engine/packet.js';
import type { Node } from '../engine/tree.js';
import { NodeFlag } from '../engine/tree.js';
import { nodeLabel } from '../engine/format.js';
import type { Source } from '../engine/buf.js';

export interface SummaryOptions {
  /** Digits after the decimal point in the Time column (6 for µs files, 9 for ns). */
  timeDecimals: number;
}

/** tshark's default columns: No. Time Source → Destination Protocol Length Info. */
export function summaryLine(pkt: Packet, opts: SummaryOptions): string {
  const num = String(pkt.number).padStart(5);
  const time = pkt.relativeTime.toFixed(opts.timeDecimals).padStart(10);
  const src = pkt.src.padStart(12);
  const dst = pkt.dst.padEnd(12);
  const arrow = pkt.src || pkt.dst ? ' → ' : '   ';
  return `${num} ${time} ${src}${arrow}${dst} ${pkt.protocolColumn} ${pkt.frame.originalLength} ${pkt.info}`;
}

export interface TreeOptions {
  /** Under each field, its one-sentence description from the registry. */
  explain: boolean;
  /** Wraps a layer's top line, e.g. in a colour. */
  paintLayer?: (line: string) => string;
  paintExplain?: (line: string) => string;
  paintExpert?: (line: string, severity: number) => string;
}

/** The -V tree, four spaces per level, as tshark indents it. */
export function treeLines(pkt: Packet, opts: TreeOptions, out: string[]): void {
  const top = pkt.root.children;
  if (!top) return;
  for (const layer of top) emit(layer, 0, opts, out);
}

const INDENTS = Array.from({ length: 64 }, (_, i) => '    '.repeat(i));

function emit(node: Node, depth: number, opts: TreeOptions, out: string[]): void {
  if (node.flags & NodeFlag.Hidden) return;
  const indent = INDENTS[depth] ?? '    '.repeat(depth);
  let line = indent + nodeLabel(node);
  if (depth === 0 && opts.paintLayer) line = opts.paintLayer(line);
  else if (node.expert && opts.paintExpert) line = opts.paintExpert(line, node.expert.severity);
  out.push(line);
  if (opts.explain && node.field.description && !node.expert && node.text === null) {
    const note = `${indent}    ↳ ${node.field.description}`;
    out.push(opts.paintExplain ? opts.paintExplain(note) : note);
  }
  if (node.expert) {
    const e = node.expert;
    out.push(`${indent}    [${e.message}]`);
    out.push(`${indent}    [Severity level: ${['', 'Comment', 'Chat', 'Note', 'Warning', 'Error'][e.severity]}]`);
    out.push(`${indent}    [Group: ${e.group}]`);
  }
  const kids = node.children;
  if (kids) for (const k of kids) emit(k, depth + 1, opts, out);
}

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

/** tshark -x: "0000  45 00 00 54 …   E..T" for the frame, then each reassembled/decrypted source. */
export function hexDumpLines(pkt: Packet, out: string[]): void {
  dumpBytes(pkt.frame.bytes, out);
  const extra: Source[] | null = pkt.extraSources;
  if (extra) {
    for (const s of extra) {
      out.push(`${s.name}:`);
      dumpBytes(s.bytes, out);
    }
  }
}

export function dumpBytes(bytes: Uint8Array, out: string[]): void {
  for (let off = 0; off < bytes.length; off += 16) {
    let hex = '';
    let ascii = '';
    const end = Math.min(off + 16, bytes.length);
    for (let i = off; i < off + 16; i++) {
      if (i < end) {
        const b = bytes[i]!;
        hex += (i > off ? ' ' : '') + HEX[b];
        ascii += b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : '.';
      } else {
        hex += '   ';
      }
    }
    out.push(`${off.toString(16).padStart(bytes.length > 0xffff ? 8 : 4, '0')}  ${hex}   ${ascii}`);
  }
}
