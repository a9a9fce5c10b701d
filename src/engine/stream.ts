/**
 * PDUs over byte streams (Wireshark's tcp_dissect_pdus), for any protocol carried by TCP or by another
 * stream (OpenVPN's reliable control channel reuses it).
 *
 * A protocol over a stream says how long the PDU at an offset is — or that it needs more bytes — and
 * receives whole PDUs, however the stream was cut into segments: several PDUs in one segment are all
 * dissected, a PDU spanning segments is put together and dissected in the frame that completes it,
 * in a new data source "Reassembled <stream> (N bytes)". The transport passes bytes in order, once
 * (retransmissions and out-of-order handling are its job) through `StreamDirection`.
 *
 * Memory is bounded: a direction buffers at most `maxPending` bytes; past that it gives up on the PDU,
 * says so with expert info and resynchronises at the next segment.
 */
import { Buf } from './buf.js';
import type { Packet } from './packet.js';
import { type Node, Severity } from './tree.js';
import { FT, field } from './fields.js';

/** Returned by a PDU-length function when the header itself is not complete yet. */
export const NEED_MORE = -1;
/** Returned by a PDU-length function when the bytes cannot be this protocol. */
export const NOT_THIS = 0;

export const defaultMaxPending = 4 * 1024 * 1024;

const segmentsField = field('_ws.reassembled.segments', 'Reassembled segments', FT.None,
  'Lists the earlier frames whose bytes were joined with this one to make a whole message.');
const segmentField = field('_ws.reassembled.segment', 'Segment', FT.FrameNum,
  'A frame that carried part of the reassembled message, and how many bytes it gave.');
const reassembledLengthField = field('_ws.reassembled.length', 'Reassembled length', FT.UInt32,
  'Total size in bytes of the message put back together from several segments.');
const segmentOfPduField = field('_ws.segment_of_pdu', 'Segment of a reassembled PDU', FT.None,
  'This segment carries only part of a message; the message is shown in the frame that completes it.');

/** One direction of a stream, owned by the transport (one per TCP direction). */
export class StreamDirection {
  /** Bytes of an incomplete PDU waiting for more (null when none). */
  pending: Uint8Array | null = null;
  /** Frames (and byte counts) that contributed to `pending`. */
  pendingFrames: [number, number][] = [];
  /** Set after a reassembly limit was hit: bytes are shown as data until the stream resynchronises. */
  desynced = false;
  /** Per-protocol scratch state for this direction. */
  scratch: Record<string, unknown> = {};

  constructor(
    /** Shown in source names: "TCP", "OpenVPN control". */
    readonly name: string,
    readonly maxPending = defaultMaxPending,
  ) {}
}

/** What a stream transport passes to its payload dissector as `data`. */
export interface StreamData {
  direction: StreamDirection;
}

export function isStreamData(data: unknown): data is StreamData {
  return typeof data === 'object' && data !== null && (data as StreamData).direction instanceof StreamDirection;
}

/**
 * Splits `buf` (this segment's in-order payload) into PDUs and calls `dissectPdu` for each whole one.
 * `pduLength(b, offset)` returns the PDU's total length starting at `offset`, NEED_MORE, or NOT_THIS.
 * Without stream data (e.g. a datagram) the buffer is taken as complete and nothing is kept.
 * Returns the number of PDUs dissected in this call.
 */
export function dissectPdus(
  buf: Buf,
  pkt: Packet,
  parent: Node,
  data: unknown,
  pduLength: (b: Buf, offset: number) => number,
  dissectPdu: (pdu: Buf, pkt: Packet, parent: Node) => void,
  onNotThis?: (rest: Buf, pkt: Packet, parent: Node) => void,
): number {
  const dir = isStreamData(data) ? data.direction : null;
  let work = buf;
  let count = 0;

  if (dir && dir.pending) {
    const joined = new Uint8Array(dir.pending.length + buf.length);
    joined.set(dir.pending, 0);
    joined.set(buf.bytesAt(0, buf.length), dir.pending.length);
    const prior = dir.pendingFrames;
    const firstLen = pduLengthSafe(pduLength, bufOf(pkt, joined, dir), 0);
    if (firstLen === NEED_MORE || firstLen > joined.length) {
      if (joined.length > dir.maxPending) return giveUp(dir, buf, pkt, parent);
      dir.pending = joined;
      dir.pendingFrames.push([pkt.number, buf.length]);
      markSegment(pkt, parent, buf, dir);
      return 0;
    }
    // The pending PDU completes in this segment: dissect it from a new source that holds every piece.
    dir.pending = null;
    dir.pendingFrames = [];
    if (firstLen === NOT_THIS) {
      onNotThis?.(buf, pkt, parent);
      return 0;
    }
    const source = pkt.newSource(joined.subarray(0, firstLen), `Reassembled ${dir.name} (${firstLen} bytes)`);
    describeReassembly(parent, pkt, source, prior, firstLen - (joined.length - buf.length), firstLen);
    dissectPdu(source, pkt, parent);
    count++;
    const used = firstLen - (joined.length - buf.length);
    if (used >= buf.length) return count;
    work = buf.sub(used);
  }

  let offset = 0;
  while (offset < work.length) {
    const len = pduLengthSafe(pduLength, work, offset);
    if (len === NOT_THIS) {
      onNotThis?.(work.sub(offset), pkt, parent);
      return count;
    }
    if (len === NEED_MORE || offset + len > work.length) {
      if (dir) {
        const rest = work.bytesAt(offset, work.length - offset);
        if (rest.length > dir.maxPending) return count + giveUp(dir, work.sub(offset), pkt, parent);
        dir.pending = rest.slice();
        dir.pendingFrames = [[pkt.number, rest.length]];
        markSegment(pkt, parent, work.sub(offset), dir);
        return count;
      }
      // A datagram cannot continue elsewhere: dissect what is there and let the dissector flag it.
      dissectPdu(work.sub(offset), pkt, parent);
      return count + 1;
    }
    dissectPdu(work.sub(offset, len), pkt, parent);
    count++;
    offset += len;
  }
  return count;
}

function pduLengthSafe(fn: (b: Buf, o: number) => number, b: Buf, offset: number): number {
  try {
    return fn(b, offset);
  } catch {
    return NEED_MORE;
  }
}

/** A throwaway view for measuring; the real source is created only when a PDU completes. */
function bufOf(_pkt: Packet, bytes: Uint8Array, dir: StreamDirection): Buf {
  return Buf.of(bytes, dir.name);
}

function markSegment(pkt: Packet, parent: Node, buf: Buf, dir: StreamDirection): void {
  const text = `[${dir.name} segment of a reassembled PDU]`;
  pkt.appendInfo(text, true);
  parent.addGenerated(segmentOfPduField, undefined, buf, 0, buf.length).text = text;
}

function describeReassembly(parent: Node, pkt: Packet, source: Buf, prior: [number, number][], lastBytes: number, total: number): void {
  if (!parent.real) return;
  const frames = [...prior, [pkt.number, lastBytes] as [number, number]];
  const n = parent.addGenerated(segmentsField, undefined, source, 0, total);
  n.text = `[${frames.length} Reassembled ${source.source.name.split(' (')[0]!.replace('Reassembled ', '')} Segments (${total} bytes): ${frames
    .map(([f, b]) => `#${f}(${b})`)
    .join(', ')}]`;
  for (const [f, b] of frames) n.addGenerated(segmentField, f).suffix = ` (${b} bytes)`;
  n.addGenerated(reassembledLengthField, total);
}

function giveUp(dir: StreamDirection, buf: Buf, pkt: Packet, parent: Node): number {
  dir.pending = null;
  dir.pendingFrames = [];
  const n = parent.addText(`[Reassembly limit of ${dir.maxPending} bytes reached; bytes shown undissected]`, buf, 0, buf.length);
  pkt.addExpert(n, Severity.Warning, 'Reassemble', `Reassembly buffer limit (${dir.maxPending} bytes) exceeded`);
  return 0;
}
