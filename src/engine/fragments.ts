/**
 * Reassembly of fragmented datagrams: IPv4 (RFC 791 §3.2) and IPv6 (RFC 8200 §4.5) both cut a
 * datagram into pieces that carry a byte offset and a "more fragments" flag; the receiver collects
 * pieces with the same key — (source, destination, identification, protocol) — until the piece without
 * "more" has arrived and every byte from 0 to its end is covered.
 *
 * One streaming pass: a fragment is seen once, so only the fragment that completes a datagram can
 * list the others (Wireshark's single-pass behaviour). Memory is bounded three ways: a maximum
 * datagram size, a maximum number of datagrams waiting, and a maximum number of bytes held; datagrams
 * idle for too long are dropped. Problems (overlaps, conflicting overlaps, two different last pieces,
 * data past the end) are reported to the caller, never thrown.
 */
import { keepCopy } from './buf.js';

/** One piece of a reassembled datagram, as listed in the frame that completed it. */
export interface FragmentInfo {
  /** Frame the piece arrived in. */
  frame: number;
  /** Byte offset of the piece within the datagram's payload. */
  offset: number;
  /** Bytes the piece carried. */
  length: number;
}

/** Problem bits, as Wireshark names them (ip.fragment.overlap, .overlap.conflict, .multipletails, .toolongfragment). */
export const enum FragmentProblem {
  None = 0,
  /** The piece covers bytes another piece already covered (a duplicate counts). */
  Overlap = 1,
  /** …and the bytes it covers differ from the earlier ones. */
  OverlapConflict = 2,
  /** Two pieces without "more fragments" ended at different places. */
  MultipleTails = 4,
  /** The piece runs past the datagram's end, or past the largest datagram allowed. */
  TooLong = 8,
  /** The datagram was given up: too many pieces, or too large to hold. */
  Error = 16,
}

export interface FragmentResult {
  /** Problems this piece showed (FragmentProblem bits). */
  problems: number;
  /** The payload, when this piece completed the datagram. */
  datagram: Uint8Array | null;
  /** Every piece in offset order, when this piece completed the datagram. */
  fragments: FragmentInfo[] | null;
  /** Problems seen over the whole datagram, when this piece completed it. */
  datagramProblems: number;
}

export interface ReassemblyLimits {
  /** Largest payload a datagram may reassemble to (IPv4 and IPv6 without jumbograms: 65535). */
  maxDatagram: number;
  /** Datagrams waiting for pieces at once; the least recently touched is dropped beyond this. */
  maxPending: number;
  /** Bytes held in waiting pieces across all datagrams. */
  maxBytes: number;
  /** Pieces per datagram; beyond this the datagram is given up (8-byte fragment floods). */
  maxPieces: number;
  /** Seconds without a new piece after which a waiting datagram is dropped (capture time). */
  idleSeconds: number;
}

const DEFAULT_LIMITS: ReassemblyLimits = {
  maxDatagram: 65535,
  maxPending: 4096,
  maxBytes: 64 * 1024 * 1024,
  maxPieces: 4096,
  idleSeconds: 120,
};

interface Piece {
  frame: number;
  offset: number;
  data: Uint8Array;
}

interface Pending {
  pieces: Piece[];
  /** Payload length once the last piece has been seen, else -1. */
  total: number;
  /** Sum of piece lengths: a cheap lower bound that skips the coverage walk while pieces are missing. */
  held: number;
  lastSeen: number;
  problems: number;
}

const NOT_DONE: FragmentResult = { problems: 0, datagram: null, fragments: null, datagramProblems: 0 };

export class Reassembler {
  private readonly pending = new Map<string, Pending>();
  private bytesHeld = 0;
  readonly limits: ReassemblyLimits;

  constructor(limits: Partial<ReassemblyLimits> = {}) {
    this.limits = { ...DEFAULT_LIMITS, ...limits };
  }

  /** Datagrams waiting for pieces. */
  get pendingCount(): number {
    return this.pending.size;
  }

  /** Bytes of waiting pieces held in memory. */
  get pendingBytes(): number {
    return this.bytesHeld;
  }

  /**
   * Adds one piece. `data` is copied (frame buffers may be reused). `seconds` is the frame's capture
   * time, used for idle expiry.
   */
  add(key: string, offset: number, data: Uint8Array, more: boolean, frame: number, seconds: number): FragmentResult {
    this.expire(seconds);
    const end = offset + data.length;
    if (end > this.limits.maxDatagram) {
      // Larger than any datagram can be (the "ping of death"): keep nothing of it.
      const p = this.pending.get(key);
      if (p) this.drop(key, p);
      return { ...NOT_DONE, problems: FragmentProblem.TooLong | FragmentProblem.Error };
    }

    let p = this.pending.get(key);
    if (p) {
      this.pending.delete(key); // re-inserted below: map order stays least recently touched first
    } else {
      p = { pieces: [], total: -1, held: 0, lastSeen: seconds, problems: 0 };
    }
    let problems = 0;

    if (!more) {
      if (p.total >= 0 && p.total !== end) problems |= FragmentProblem.MultipleTails;
      else p.total = end;
    }
    if (p.total >= 0) {
      if (end > p.total) problems |= FragmentProblem.TooLong;
      else if (!more) for (const q of p.pieces) if (q.offset + q.data.length > p.total) problems |= FragmentProblem.TooLong;
    }

    for (const q of p.pieces) {
      const from = Math.max(offset, q.offset);
      const to = Math.min(end, q.offset + q.data.length);
      if (from >= to) continue;
      problems |= FragmentProblem.Overlap;
      for (let i = from; i < to; i++) {
        if (data[i - offset] !== q.data[i - q.offset]) {
          problems |= FragmentProblem.OverlapConflict;
          break;
        }
      }
    }

    if (p.pieces.length >= this.limits.maxPieces) {
      this.bytesHeld -= p.held;
      return { ...NOT_DONE, problems: problems | FragmentProblem.Error };
    }
    p.pieces.push({ frame, offset, data: keepCopy(data) });
    p.held += data.length;
    this.bytesHeld += data.length;
    p.lastSeen = seconds;
    p.problems |= problems;
    this.pending.set(key, p);
    this.enforceBudget(key);

    if (p.total < 0 || p.held < p.total || !this.pending.has(key)) return problems ? { ...NOT_DONE, problems } : NOT_DONE;
    const done = this.complete(p);
    if (!done) return problems ? { ...NOT_DONE, problems } : NOT_DONE;
    this.drop(key, p);
    return { problems, datagram: done.bytes, fragments: done.list, datagramProblems: p.problems };
  }

  /** Builds the datagram if every byte from 0 to the end is covered; the earliest piece wins an overlap. */
  private complete(p: Pending): { bytes: Uint8Array; list: FragmentInfo[] } | null {
    const sorted = p.pieces.slice().sort((a, b) => a.offset - b.offset || a.frame - b.frame);
    let covered = 0;
    for (const q of sorted) {
      if (q.offset > covered) return null;
      covered = Math.max(covered, q.offset + q.data.length);
      if (covered >= p.total) break;
    }
    if (covered < p.total) return null;
    const bytes = new Uint8Array(p.total);
    for (let i = p.pieces.length - 1; i >= 0; i--) {
      const q = p.pieces[i]!;
      if (q.offset >= p.total) continue;
      bytes.set(q.offset + q.data.length > p.total ? q.data.subarray(0, p.total - q.offset) : q.data, q.offset);
    }
    const list = sorted.map((q) => ({ frame: q.frame, offset: q.offset, length: q.data.length }));
    return { bytes, list };
  }

  private drop(key: string, p: Pending): void {
    this.pending.delete(key);
    this.bytesHeld -= p.held;
  }

  /** Drops datagrams that have waited longer than idleSeconds (oldest first: the map is in touch order). */
  private expire(now: number): void {
    const limit = now - this.limits.idleSeconds;
    for (const [key, p] of this.pending) {
      if (p.lastSeen >= limit) break;
      this.drop(key, p);
    }
  }

  /** Drops the least recently touched datagrams (never `keep`) until within the count and byte budgets. */
  private enforceBudget(keep: string): void {
    if (this.pending.size <= this.limits.maxPending && this.bytesHeld <= this.limits.maxBytes) return;
    for (const [key, p] of this.pending) {
      if (this.pending.size <= this.limits.maxPending && this.bytesHeld <= this.limits.maxBytes) return;
      if (key === keep) continue;
      this.drop(key, p);
    }
    // Only `keep` is left and it alone is over the byte budget: give it up too.
    const p = this.pending.get(keep);
    if (p && this.bytesHeld > this.limits.maxBytes) this.drop(keep, p);
  }
}
