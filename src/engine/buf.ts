/**
 * Bounds-checked views over packet bytes (Wireshark's tvbuff).
 *
 * A `Source` is one block of bytes a user can look at: the frame itself, or bytes the engine made
 * (a reassembled TCP PDU, a defragmented datagram, decrypted plaintext). A `Buf` is a window into a
 * source; offsets given to a Buf are relative to its start, and tree nodes record them relative to
 * the source so hex views can highlight them.
 *
 * Two ends matter and are told apart on every read:
 *  - the captured end: snaplen cut the frame; reading past it raises `CapturedBoundsError`
 *    ("Packet size limited during capture").
 *  - the reported end: the packet's own length fields; reading past it raises `ReportedBoundsError`
 *    (a "Malformed Packet").
 */

export class Source {
  constructor(
    readonly bytes: Uint8Array,
    /** Shown as the title of the hex view for bytes that are not the frame ("Reassembled TCP (1234 bytes)"). */
    readonly name: string,
  ) {}
}

/** Reading past the captured end of a buffer whose packet was longer on the wire. */
export class CapturedBoundsError extends Error {
  override name = 'CapturedBoundsError';
}

/** Reading past the end that the packet itself reports: the packet lies or is short. */
export class ReportedBoundsError extends Error {
  override name = 'ReportedBoundsError';
}

/**
 * Buffer's UTF-8 decoder, applied to any Uint8Array: the same WHATWG replacement rules as
 * TextDecoder (U+FFFD per maximal invalid subpart) at several times its speed on Node 20.
 */
const utf8Slice = Buffer.prototype.utf8Slice as (this: Uint8Array, start: number, end: number) => string;

/** `bytes[start…end)` decoded as UTF-8 (invalid sequences become U+FFFD). */
export function decodeUtf8(bytes: Uint8Array, start: number, end: number): string {
  return utf8Slice.call(bytes, start, end);
}

/**
 * Copies that must outlive their frame (frames are views into a reused read buffer: reassembly keeps
 * segments, fragments and records) are carved from shared 16 KB slabs. A separate ArrayBuffer per
 * 1,400-byte segment cost about a microsecond each in allocation and collection — a tenth of all the
 * time spent on a TCP stream; a slice of a slab costs one view. A held copy keeps its slab alive, so
 * memory held is at most one slab per piece even when pieces from many streams interleave.
 */
const SLAB_SIZE = 16 * 1024;
let slab = new Uint8Array(SLAB_SIZE);
let slabUsed = 0;

/** A copy of `bytes` that stays valid after the frame is gone. */
export function keepCopy(bytes: Uint8Array): Uint8Array {
  const n = bytes.length;
  if (n > SLAB_SIZE / 4) return bytes.slice();
  if (slabUsed + n > SLAB_SIZE) {
    slab = new Uint8Array(SLAB_SIZE);
    slabUsed = 0;
  }
  const copy = slab.subarray(slabUsed, slabUsed + n);
  copy.set(bytes);
  slabUsed += n;
  return copy;
}

export class Buf {
  /** Bytes present from `start` (what can be read). */
  readonly length: number;
  /** Bytes the protocol says are there (may exceed `length` when the capture was cut). */
  readonly reportedLength: number;
  private readonly bytes: Uint8Array;

  constructor(
    readonly source: Source,
    /** Offset of this window within the source. */
    readonly start: number,
    length: number,
    reportedLength: number,
  ) {
    this.length = length;
    this.reportedLength = reportedLength;
    this.bytes = source.bytes;
  }

  static of(bytes: Uint8Array, name = 'Frame', reportedLength = bytes.length): Buf {
    return new Buf(new Source(bytes, name), 0, bytes.length, reportedLength);
  }

  /**
   * A window from `offset` (relative) of at most `reportedLength` bytes; -1 means "to the end".
   * A reported length beyond this buffer's reported end is clipped: the caller flags that as malformed.
   */
  sub(offset: number, reportedLength = -1): Buf {
    if (offset > this.length) this.fail(offset, 0);
    const maxReported = this.reportedLength - offset;
    const rep = reportedLength < 0 || reportedLength > maxReported ? Math.max(0, maxReported) : reportedLength;
    const cap = Math.min(rep, this.length - offset);
    return new Buf(this.source, this.start + offset, cap, rep);
  }

  /** Throws the right bounds error unless `length` bytes at `offset` are present. */
  check(offset: number, length: number): void {
    if (offset < 0 || length < 0 || offset + length > this.length) this.fail(offset, length);
  }

  /** Bytes readable from `offset` (0 when past the end). */
  remaining(offset: number): number {
    return offset >= this.length ? 0 : this.length - offset;
  }

  /** Bytes reported from `offset` (0 when past the end). */
  reportedRemaining(offset: number): number {
    return offset >= this.reportedLength ? 0 : this.reportedLength - offset;
  }

  has(offset: number, length: number): boolean {
    return offset >= 0 && offset + length <= this.length;
  }

  private fail(offset: number, length: number): never {
    if (offset + length <= this.reportedLength && offset >= 0) {
      throw new CapturedBoundsError(`needs ${length} bytes at offset ${offset}, ${this.length} captured`);
    }
    throw new ReportedBoundsError(`needs ${length} bytes at offset ${offset}, packet has ${this.reportedLength}`);
  }

  u8(offset: number): number {
    if (offset < 0 || offset >= this.length) this.fail(offset, 1);
    return this.bytes[this.start + offset]!;
  }
  u16(offset: number): number {
    if (offset < 0 || offset + 2 > this.length) this.fail(offset, 2);
    const p = this.start + offset;
    return (this.bytes[p]! << 8) | this.bytes[p + 1]!;
  }
  u16le(offset: number): number {
    if (offset < 0 || offset + 2 > this.length) this.fail(offset, 2);
    const p = this.start + offset;
    return this.bytes[p]! | (this.bytes[p + 1]! << 8);
  }
  u24(offset: number): number {
    if (offset < 0 || offset + 3 > this.length) this.fail(offset, 3);
    const p = this.start + offset;
    return (this.bytes[p]! << 16) | (this.bytes[p + 1]! << 8) | this.bytes[p + 2]!;
  }
  u32(offset: number): number {
    if (offset < 0 || offset + 4 > this.length) this.fail(offset, 4);
    const p = this.start + offset;
    const b = this.bytes;
    return ((b[p]! << 24) | (b[p + 1]! << 16) | (b[p + 2]! << 8) | b[p + 3]!) >>> 0;
  }
  u32le(offset: number): number {
    if (offset < 0 || offset + 4 > this.length) this.fail(offset, 4);
    const p = this.start + offset;
    const b = this.bytes;
    return (b[p]! | (b[p + 1]! << 8) | (b[p + 2]! << 16) | (b[p + 3]! << 24)) >>> 0;
  }
  u64(offset: number): bigint {
    if (offset < 0 || offset + 8 > this.length) this.fail(offset, 8);
    return (BigInt(this.u32(offset)) << 32n) | BigInt(this.u32(offset + 4));
  }
  i8(offset: number): number {
    return (this.u8(offset) << 24) >> 24;
  }
  i32(offset: number): number {
    return this.u32(offset) | 0;
  }

  /** A zero-copy view of `length` bytes (-1: to the captured end). */
  bytesAt(offset: number, length = -1): Uint8Array {
    const len = length < 0 ? this.remaining(offset) : length;
    this.check(offset, len);
    return this.bytes.subarray(this.start + offset, this.start + offset + len);
  }

  /** Text decoded as UTF-8 (invalid sequences become U+FFFD). */
  utf8(offset: number, length: number): string {
    const len = length < 0 ? this.remaining(offset) : length;
    this.check(offset, len);
    const from = this.start + offset;
    return decodeUtf8(this.bytes, from, from + len);
  }

  /** Latin-1 text, one char per byte: fast and lossless for protocol tokens. */
  latin1(offset: number, length: number): string {
    const b = this.bytesAt(offset, length);
    let s = '';
    for (let i = 0; i < b.length; i++) s += String.fromCharCode(b[i]!);
    return s;
  }

  /** Index of `byte` at or after `offset` within the captured bytes, or -1. */
  indexOf(byte: number, offset: number, end = this.length): number {
    const e = Math.min(end, this.length);
    if (offset < 0) offset = 0;
    if (offset >= e) return -1;
    // Searching the whole source from the absolute position avoids making a view per call.
    const i = this.bytes.indexOf(byte, this.start + offset) - this.start;
    return i < 0 || i >= e ? -1 : i;
  }

  /** Offset of the end of the line (the CR of CRLF or the LF) at or after `offset`, or -1. */
  findLineEnd(offset: number): number {
    const lf = this.indexOf(0x0a, offset);
    if (lf < 0) return -1;
    return lf > offset && this.bytes[this.start + lf - 1] === 0x0d ? lf - 1 : lf;
  }
}
