/** Shared helpers for tests: dissect bytes or sample files and query the result. */
import { Session, type SessionOptions } from '../src/engine/session.js';
import { registerAll } from '../src/protocols/index.js';
import type { Packet } from '../src/engine/packet.js';
import type { Frame } from '../src/capture/frame.js';
import { findAll } from '../src/engine/query.js';
import { valueToJson } from '../src/engine/format.js';
import { openCapture } from '../src/capture/open.js';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

registerAll();

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const samplesDir = path.join(repoRoot, 'samples');
export const corpusDir = path.resolve(repoRoot, '../shared/corpus');

/** Parses a hex dump string: whitespace, newlines and `# comments` to end of line are ignored. */
export function hexBytes(dump: string): Uint8Array {
  const clean = dump.replace(/#[^\n]*/g, '').replace(/[^0-9a-fA-F]/g, '');
  const out = new Uint8Array(clean.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(clean.substr(i * 2, 2), 16);
  return out;
}

export function makeFrame(bytes: Uint8Array, linkType = 1, number = 1, originalLength = bytes.length): Frame {
  return { number, seconds: 1_700_000_000, nanos: number * 1000, capturedLength: bytes.length, originalLength, linkType, bytes, interfaceId: 0 };
}

/** Dissects one frame in a fresh session. */
export function dissectBytes(bytes: Uint8Array, linkType = 1, opts: SessionOptions = {}, originalLength = bytes.length): Packet {
  return new Session(opts).dissect(makeFrame(bytes, linkType, 1, originalLength));
}

/** Dissects several frames in one session (conversations, reassembly). */
export function dissectAll(frames: Uint8Array[], linkType = 1, opts: SessionOptions = {}): Packet[] {
  const s = new Session(opts);
  return frames.map((b, i) => s.dissect(makeFrame(b, linkType, i + 1)));
}

/**
 * Every frame of a capture file dissected in one session, in order; `change` may alter each frame
 * first (cut it to a snapshot length, renumber it).
 */
export async function dissectFile(file: string, change: (f: Frame) => Frame = (f) => f): Promise<Packet[]> {
  const s = new Session();
  const out: Packet[] = [];
  await openCapture(file).run((f) => void out.push(s.dissect(change(f))));
  return out;
}

/** tshark-style text of every occurrence of a field in a packet. */
export function fieldValues(pkt: Packet, abbrev: string): string[] {
  return findAll(pkt.root, abbrev).map((n) => valueToJson(n.field, n.value));
}

/** The first occurrence's tshark-style text, or undefined. */
export function fieldValue(pkt: Packet, abbrev: string): string | undefined {
  return fieldValues(pkt, abbrev)[0];
}

/** True when a layer of the packet was marked "[Malformed Packet]". */
export function isMalformed(pkt: Packet): boolean {
  return findAll(pkt.root, '_ws.malformed').length > 0;
}
