/**
 * Writes classic pcap (see pcap.ts for the layout) in this machine's byte order — what libpcap
 * itself does, and every reader accepts both orders.
 *
 * Records are gathered in a 1 MiB buffer. A file path is written with synchronous writes, so write()
 * never waits; a stream gets each full buffer and a consumer that cares about back-pressure awaits
 * drain() between batches (e.g. in FrameSource.run's `between`).
 */
import { closeSync, openSync, writeSync } from 'node:fs';
import { once } from 'node:events';
import { PCAP_HEADER_LENGTH, PCAP_MAGIC_MICROSECONDS, PCAP_MAGIC_NANOSECONDS, PCAP_RECORD_HEADER_LENGTH } from './pcap.js';

const BUFFER_SIZE = 1024 * 1024;
const LITTLE_ENDIAN = new Uint8Array(Uint16Array.of(1).buffer)[0] === 1;

export interface PcapWriterOptions {
  /**
   * LINKTYPE_* of every frame written. When left out, the first frame's linkType decides (and
   * LINKTYPE_ETHERNET, 1, if the file is closed without any frame).
   */
  linkType?: number;
  /** Frames longer than this are cut to it; written into the header. Default 262144. */
  snapLength?: number;
  /** Nanosecond timestamps (magic a1b23c4d) instead of microseconds. Default false. */
  nanosecond?: boolean;
}

/** What the writer needs of a frame; a Frame from any reader fits. */
export interface WritableFrame {
  seconds: number;
  nanos: number;
  bytes: Uint8Array;
  /** Length on the wire; defaults to bytes.length. */
  originalLength?: number;
  /** Checked against the file's link type when present: classic pcap holds only one. */
  linkType?: number;
  number?: number;
}

export class PcapWriter {
  /** Undefined until given in the options or taken from the first frame. */
  linkType: number | undefined;
  readonly snapLength: number;
  readonly nanosecond: boolean;
  /** Frames written so far. */
  frames = 0;

  private buffer = new Uint8Array(BUFFER_SIZE);
  private view = new DataView(this.buffer.buffer);
  private used = 0;
  private readonly fd: number | undefined;
  private readonly stream: NodeJS.WritableStream | undefined;
  private streamFull = false;
  private closed = false;

  /** Opens (creating or truncating) the file at `target`, or writes into a stream. */
  constructor(target: string | NodeJS.WritableStream, options: PcapWriterOptions = {}) {
    this.linkType = options.linkType;
    this.snapLength = options.snapLength ?? 262144;
    this.nanosecond = options.nanosecond ?? false;
    if (typeof target === 'string') {
      this.fd = openSync(target, 'w');
    } else {
      this.stream = target;
    }
    if (this.linkType !== undefined) this.writeHeader(this.linkType);
  }

  /** Appends one frame. Bytes beyond the snapshot length are dropped, as a capture would. */
  write(frame: WritableFrame): void {
    if (this.closed) throw new Error('PcapWriter: write after close');
    if (this.linkType === undefined) {
      this.linkType = frame.linkType ?? 1;
      this.writeHeader(this.linkType);
    } else if (frame.linkType !== undefined && frame.linkType !== this.linkType) {
      const which = frame.number === undefined ? 'a frame' : `frame ${frame.number}`;
      throw new Error(
        `${which} has link type ${frame.linkType} but the file holds link type ${this.linkType}: ` +
          'a classic pcap file has one link type for all its frames',
      );
    }
    const capturedLength = Math.min(frame.bytes.length, this.snapLength);
    const recordLength = PCAP_RECORD_HEADER_LENGTH + capturedLength;
    if (this.used + recordLength > this.buffer.length) {
      this.flushBuffer();
      if (recordLength > this.buffer.length) this.grow(recordLength);
    }
    const view = this.view;
    const at = this.used;
    view.setUint32(at, frame.seconds >>> 0, LITTLE_ENDIAN);
    view.setUint32(at + 4, this.nanosecond ? frame.nanos : Math.floor(frame.nanos / 1000), LITTLE_ENDIAN);
    view.setUint32(at + 8, capturedLength, LITTLE_ENDIAN);
    view.setUint32(at + 12, frame.originalLength ?? frame.bytes.length, LITTLE_ENDIAN);
    this.buffer.set(
      capturedLength === frame.bytes.length ? frame.bytes : frame.bytes.subarray(0, capturedLength),
      at + PCAP_RECORD_HEADER_LENGTH,
    );
    this.used = at + recordLength;
    this.frames++;
  }

  /** Resolves once a stream target has taken what it was given; at once for files. */
  async drain(): Promise<void> {
    if (this.stream !== undefined && this.streamFull) {
      await once(this.stream, 'drain');
      this.streamFull = false;
    }
  }

  /** Writes out what is buffered and closes the file, or ends the stream. */
  async close(): Promise<void> {
    if (this.closed) return;
    if (this.linkType === undefined) {
      this.linkType = 1;
      this.writeHeader(this.linkType);
    }
    this.flushBuffer();
    this.closed = true;
    if (this.fd !== undefined) {
      closeSync(this.fd);
      return;
    }
    const stream = this.stream!;
    // Standard output must not be ended: other output may follow and Node refuses to close it.
    if (stream === process.stdout || stream === process.stderr) {
      await this.drain();
      return;
    }
    await new Promise<void>((resolve, reject) => {
      stream.once('error', reject);
      stream.end(() => resolve());
    });
  }

  private writeHeader(linkType: number): void {
    const view = this.view;
    view.setUint32(0, this.nanosecond ? PCAP_MAGIC_NANOSECONDS : PCAP_MAGIC_MICROSECONDS, LITTLE_ENDIAN);
    view.setUint16(4, 2, LITTLE_ENDIAN);
    view.setUint16(6, 4, LITTLE_ENDIAN);
    view.setUint32(8, 0, LITTLE_ENDIAN);
    view.setUint32(12, 0, LITTLE_ENDIAN);
    view.setUint32(16, this.snapLength, LITTLE_ENDIAN);
    view.setUint32(20, linkType, LITTLE_ENDIAN);
    this.used = PCAP_HEADER_LENGTH;
  }

  private flushBuffer(): void {
    if (this.used === 0) return;
    if (this.fd !== undefined) {
      let written = 0;
      while (written < this.used) written += writeSync(this.fd, this.buffer, written, this.used - written);
    } else {
      // The stream keeps what it is given until it is written out, so it gets this buffer and the
      // writer starts a fresh one.
      const full = this.buffer.subarray(0, this.used);
      this.buffer = new Uint8Array(this.buffer.length);
      this.view = new DataView(this.buffer.buffer);
      if (!this.stream!.write(full)) this.streamFull = true;
    }
    this.used = 0;
  }

  private grow(size: number): void {
    this.buffer = new Uint8Array(size);
    this.view = new DataView(this.buffer.buffer);
  }
}
