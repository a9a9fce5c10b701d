/**
 * Opening captures: files, stdin and pipes, plain or gzip-compressed, pcap or pcapng.
 *
 * Every input goes through one push parser (CaptureParser): it is fed chunks of whatever size the
 * input delivers and decodes whole records straight out of each chunk. Only a record cut by a chunk
 * boundary is copied, into a small carry buffer, and completed from the next chunk. So a regular file
 * is read through one reused 1 MiB buffer, a pipe in whatever pieces the kernel hands over, and
 * memory stays flat whatever the size of the capture.
 */
import fs from 'node:fs';
import { stream, zlib } from '../engine/builtins.js';
import { CaptureFormatError } from './frame.js';
import type { CaptureInfo, FormatDecoder, FrameCallback, FrameSource } from './frame.js';
import { PcapDecoder, hex32, isPcapMagic } from './pcap.js';
import { PcapngDecoder, isPcapngMagic } from './pcapng.js';

/** Read size for regular files: large enough that per-read costs vanish, small enough to stay in cache. */
export const FILE_CHUNK_SIZE = 1024 * 1024;
const INITIAL_CARRY_SIZE = 64 * 1024;

/**
 * Push parser: feed(chunk) decodes every record the chunk completes; end() says what the end of the
 * input means. Frames handed to onFrame may view into the chunk or the carry buffer and are valid only
 * until onFrame returns.
 */
export class CaptureParser {
  /** Bytes fed so far. */
  bytesFed = 0;
  truncatedAt: number | undefined = undefined;
  stopReason: string | undefined = undefined;
  /** Set by the caller when the bytes fed were decompressed from gzip. */
  gzip = false;

  private decoder: FormatDecoder | undefined = undefined;
  private carry = new Uint8Array(INITIAL_CARRY_SIZE);
  private carryLength = 0;

  get info(): CaptureInfo | undefined {
    const info = this.decoder?.info;
    if (info !== undefined) info.gzip = this.gzip;
    return info;
  }

  /** The number the next frame will get. */
  get nextNumber(): number {
    return this.decoder?.nextNumber ?? 1;
  }

  /**
   * Decodes what this chunk completes. Returns false once no more input is wanted: the consumer
   * stopped, or the rest of the capture is corrupt (then truncatedAt and stopReason are set).
   * Throws CaptureFormatError when the input is not a capture.
   */
  feed(chunk: Uint8Array, onFrame: FrameCallback): boolean {
    if (this.isFinished()) return false;
    this.bytesFed += chunk.length;
    let position = 0;

    // First finish the record left over from earlier chunks, taking from this chunk only as many
    // bytes as that record needs.
    while (this.carryLength > 0) {
      const wanted = this.neededFromCarry();
      const take = Math.min(wanted - this.carryLength, chunk.length - position);
      this.appendToCarry(chunk, position, position + take);
      position += take;
      if (this.carryLength < wanted) return true; // chunk used up, record still incomplete
      const used = this.decode(this.carry, 0, this.carryLength, onFrame);
      if (this.isFinished()) return false;
      if (used === this.carryLength) {
        this.carryLength = 0;
        if (this.carry.length > FILE_CHUNK_SIZE) this.carry = new Uint8Array(INITIAL_CARRY_SIZE);
      } else if (used !== 0) {
        // Only happens if a decoder consumed part of what it asked for; keep the rest in front.
        this.carry.copyWithin(0, used, this.carryLength);
        this.carryLength -= used;
      }
    }

    // Then decode straight out of the chunk, and carry whatever incomplete record ends it.
    const used = this.decode(chunk, position, chunk.length, onFrame);
    if (this.isFinished()) return false;
    this.appendToCarry(chunk, used, chunk.length);
    return true;
  }

  /** Called when the input has ended. Throws CaptureFormatError for empty or header-less input. */
  end(): void {
    if (this.bytesFed === 0) throw new CaptureFormatError('file is empty');
    const decoder = this.decoder;
    if (decoder === undefined) {
      const start = this.carry.subarray(0, this.carryLength);
      if (isPrefixOf(start, PCAPNG_MAGIC_BYTES)) throw new CaptureFormatError('file ends inside the pcapng section header');
      if (PCAP_MAGIC_PREFIXES.some((magic) => isPrefixOf(start, magic))) {
        throw new CaptureFormatError('file ends inside the pcap header');
      }
      throw new CaptureFormatError(`not a capture file (only ${this.bytesFed} bytes long)`);
    }
    if (!decoder.headerComplete) throw new CaptureFormatError(`file ends inside the ${decoder.headerName}`);
    if (this.carryLength > 0 && !this.isFinished()) {
      this.markTruncated(`file ends in the middle of packet ${decoder.nextNumber} (${this.carryLength} bytes of it present)`);
    }
  }

  /** Records that input was lost before packet nextNumber (a cut-off gzip stream, for one). */
  markTruncated(reason: string): void {
    if (this.truncatedAt !== undefined) return;
    this.truncatedAt = this.nextNumber;
    this.stopReason = reason;
  }

  private isFinished(): boolean {
    const decoder = this.decoder;
    if (decoder === undefined) return false;
    if (decoder.corrupt !== undefined) {
      this.markTruncated(decoder.corrupt);
      return true;
    }
    return decoder.stopped;
  }

  private decode(bytes: Uint8Array, start: number, end: number, onFrame: FrameCallback): number {
    if (this.decoder === undefined) {
      if (end - start < 4) return start;
      this.decoder = chooseDecoder(bytes, start);
    }
    return this.decoder.decode(bytes, start, end, onFrame);
  }

  /** Total size of the record the carry buffer starts, as far as it can be known yet. */
  private neededFromCarry(): number {
    const decoder = this.decoder;
    const wanted = decoder === undefined ? 4 : decoder.needed;
    // A decoder that stopped short always asks for more than it had; guard the loop regardless.
    return Math.max(wanted, this.carryLength + 1);
  }

  private appendToCarry(source: Uint8Array, start: number, end: number): void {
    const length = end - start;
    if (length === 0) return;
    const required = this.carryLength + length;
    if (required > this.carry.length) {
      let size = this.carry.length * 2;
      while (size < required) size *= 2;
      const grown = new Uint8Array(size);
      grown.set(this.carry.subarray(0, this.carryLength));
      this.carry = grown;
    }
    this.carry.set(source.subarray(start, end), this.carryLength);
    this.carryLength = required;
  }
}

const PCAPNG_MAGIC_BYTES = Uint8Array.of(0x0a, 0x0d, 0x0d, 0x0a);
const PCAP_MAGIC_PREFIXES = [
  Uint8Array.of(0xa1, 0xb2, 0xc3, 0xd4),
  Uint8Array.of(0xd4, 0xc3, 0xb2, 0xa1),
  Uint8Array.of(0xa1, 0xb2, 0x3c, 0x4d),
  Uint8Array.of(0x4d, 0x3c, 0xb2, 0xa1),
];

function isPrefixOf(start: Uint8Array, magic: Uint8Array): boolean {
  return start.length <= magic.length && start.every((byte, index) => byte === magic[index]);
}

function chooseDecoder(bytes: Uint8Array, offset: number): FormatDecoder {
  if (isPcapngMagic(bytes, offset)) return new PcapngDecoder();
  if (isPcapMagic(bytes, offset)) return new PcapDecoder();
  const magic = new DataView(bytes.buffer, bytes.byteOffset + offset, 4).getUint32(0, false);
  throw new CaptureFormatError(`not a capture file (unknown magic 0x${hex32(magic)})`);
}

/**
 * A frame source over any sequence of chunks. Chunks may be reused by their producer once the next
 * one is asked for: everything that must outlive a chunk is copied into the parser's carry buffer.
 */
class ChunkedSource implements FrameSource {
  truncatedAt: number | undefined = undefined;
  stopReason: string | undefined = undefined;
  private readonly parser = new CaptureParser();
  private started = false;

  constructor(
    /** The path or stream name, as given. */
    readonly name: string,
    private readonly chunks: () => AsyncIterable<Uint8Array>,
  ) {}

  get info(): CaptureInfo | undefined {
    return this.parser.info;
  }

  async run(onFrame: FrameCallback, between?: () => Promise<void> | void): Promise<void> {
    if (this.started) throw new Error(`${this.name}: a capture can be read only once`);
    this.started = true;
    const parser = this.parser;
    try {
      const gzipState: GzipState = { used: false, cutShort: undefined };
      for await (const chunk of gunzipIfCompressed(this.chunks(), gzipState)) {
        parser.gzip = gzipState.used;
        const wantsMore = parser.feed(chunk, onFrame);
        if (between !== undefined) await between();
        if (!wantsMore) return; // leaving the loop closes the input
      }
      if (gzipState.cutShort !== undefined) {
        if (parser.bytesFed === 0) throw new CaptureFormatError(`gzip data unreadable: ${gzipState.cutShort}`);
        parser.markTruncated(`the gzip data ends early or is damaged (${gzipState.cutShort})`);
      }
      parser.end();
    } finally {
      this.truncatedAt = parser.truncatedAt;
      this.stopReason = parser.stopReason;
    }
  }
}

interface GzipState {
  used: boolean;
  /** zlib's complaint when the compressed data ended early or was damaged. */
  cutShort: string | undefined;
}

/**
 * Passes chunks through, or, when the input starts with the gzip magic (1f 8b), through a streaming
 * gunzip. A truncated or damaged gzip stream ends the output where zlib gave up and says why in
 * state.cutShort, so the frames before the damage are still read.
 */
async function* gunzipIfCompressed(source: AsyncIterable<Uint8Array>, state: GzipState): AsyncGenerator<Uint8Array> {
  const iterator = source[Symbol.asyncIterator]();
  let closed = false;
  try {
    let first = await iterator.next();
    if (first.done === true) return;
    let head: Uint8Array = first.value;
    // A pipe may deliver a single byte first; the producer may reuse its buffer, so keep a copy.
    while (head.length < 2) {
      const saved = Uint8Array.from(head);
      const next = await iterator.next();
      if (next.done === true) {
        closed = true;
        yield saved;
        return;
      }
      head = concat(saved, next.value);
    }
    if (head[0] !== 0x1f || head[1] !== 0x8b) {
      yield head;
      for (;;) {
        const next = await iterator.next();
        if (next.done === true) {
          closed = true;
          return;
        }
        yield next.value;
      }
    }

    state.used = true;
    const gunzip = zlib().createGunzip({ chunkSize: 256 * 1024 });
    // zlib keeps hold of what it is given until it has inflated it, so it gets copies.
    async function* copies(): AsyncGenerator<Uint8Array> {
      yield Uint8Array.from(head);
      for (;;) {
        const next = await iterator.next();
        if (next.done === true) {
          closed = true;
          return;
        }
        yield Uint8Array.from(next.value);
      }
    }
    const compressed = stream().Readable.from(copies(), { objectMode: false });
    compressed.on('error', (error) => gunzip.destroy(error));
    compressed.pipe(gunzip);
    try {
      for await (const chunk of gunzip) yield plain(chunk as Buffer);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code !== undefined && code.startsWith('Z_')) {
        state.cutShort = (error as Error).message;
        return;
      }
      throw error;
    } finally {
      compressed.unpipe(gunzip);
      compressed.destroy();
      gunzip.destroy();
    }
  } finally {
    if (!closed) await iterator.return?.();
  }
}

/**
 * Streams deliver Buffers, whose subarray() is several times slower than a plain Uint8Array's; the
 * decoders take one view per frame, so each chunk is looked at as a plain Uint8Array once.
 */
function plain(chunk: Uint8Array): Uint8Array {
  return Object.getPrototypeOf(chunk) === Uint8Array.prototype
    ? chunk
    : new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength);
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const joined = new Uint8Array(a.length + b.length);
  joined.set(a, 0);
  joined.set(b, a.length);
  return joined;
}

/**
 * Reads a file (or FIFO) sequentially through one reused buffer. (node:fs's callback API rather than
 * node:fs/promises, which costs a few milliseconds more to load at start-up.)
 */
async function* fileChunks(path: string): AsyncGenerator<Uint8Array> {
  const fd = await new Promise<number>((resolve, reject) => fs.open(path, 'r', (e, fd) => (e ? reject(e) : resolve(fd))));
  try {
    const buffer = new Uint8Array(FILE_CHUNK_SIZE);
    for (;;) {
      // Position null reads on from the current offset, which also works for a FIFO.
      const bytesRead = await new Promise<number>((resolve, reject) =>
        fs.read(fd, buffer, 0, buffer.length, null, (e, n) => (e ? reject(e) : resolve(n))),
      );
      if (bytesRead === 0) return;
      yield buffer.subarray(0, bytesRead);
    }
  } finally {
    fs.closeSync(fd);
  }
}

async function* streamChunks(readable: NodeJS.ReadableStream, name: string): AsyncGenerator<Uint8Array> {
  for await (const chunk of readable as AsyncIterable<Uint8Array | string>) {
    if (typeof chunk === 'string') throw new TypeError(`${name}: the stream has an encoding set; captures are binary`);
    yield plain(chunk);
  }
}

/**
 * Opens a capture file; '-' reads standard input. Nothing is read until run(): a missing or
 * unreadable file makes run() reject with the fs error (code ENOENT, EACCES …), input that is not
 * a capture with CaptureFormatError.
 */
export function openCapture(path: string): FrameSource {
  if (path === '-') return openStream(process.stdin, '-');
  return new ChunkedSource(path, () => fileChunks(path));
}

/**
 * Reads a capture from a stream as it arrives, e.g. `tcpdump -U -w -` through a pipe: each frame is
 * handed over as soon as its last byte is in. Stopping early (onFrame returning false) destroys the
 * stream.
 */
export function openStream(readable: NodeJS.ReadableStream, name: string): FrameSource {
  return new ChunkedSource(name, () => streamChunks(readable, name));
}
