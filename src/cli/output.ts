/**
 * Batched standard output: packets' text is encoded into ~256 KB buffers and written with blocking
 * writes, so a slow reader (a pipe into jq or less) slows vpnscope down instead of making it queue
 * output in memory. A reader that goes away (`vpnscope f.pcap | head`) ends the program quietly.
 */
import fs from 'node:fs';
import { tty } from '../engine/builtins.js';

/**
 * Whether file descriptor `fd` (1: standard output, 2: standard error) is a terminal, asked without
 * touching `process.stdout`/`process.stderr`: creating those streams loads the stream modules and
 * switches a pipe to non-blocking mode, and the blocking writes below would then spin on EAGAIN
 * whenever the reader is slower (`vpnscope -V f.pcap | less` ran at half speed). A file, pipe or
 * socket is told apart by one fstat, without loading node:tty.
 */
export function isTerminal(fd: 1 | 2): boolean {
  try {
    const s = fs.fstatSync(fd);
    // /dev/null is a character device too, and a common place to send output when timing a run.
    if (!s.isCharacterDevice() || s.rdev === fs.statSync('/dev/null').rdev) return false;
  } catch {
    return false;
  }
  return tty().isatty(fd);
}

const FLUSH_AT = 256 * 1024;
const pause = new Int32Array(new SharedArrayBuffer(4));

export class Output {
  /**
   * Encoded text not yet written: strings are encoded straight into this buffer, no joins. Renderers
   * that encode their own bytes write at `buf[used…]` after `reserve(n)` and advance `used`.
   */
  buf = Buffer.allocUnsafe(FLUSH_AT + 65536);
  used = 0;
  private closed = false;
  /** The first packet's text goes out at once, so a user sees output immediately on a long file. */
  private started = false;

  constructor(private readonly fd: number) {}

  write(s: string): void {
    if (this.closed) return;
    // A UTF-8 character takes at most 3 bytes per UTF-16 unit.
    if (this.used + s.length * 3 > this.buf.length) {
      this.flush();
      if (s.length * 3 > this.buf.length) {
        this.writeAll(Buffer.from(s));
        return;
      }
    }
    this.used += this.buf.write(s, this.used);
    if (this.used > FLUSH_AT || !this.started) this.flush();
  }

  /**
   * Makes room for `n` more bytes at `buf[used]`, flushing what is pending first when needed; a
   * request larger than the whole buffer replaces it with a bigger one.
   */
  reserve(n: number): void {
    if (this.used + n <= this.buf.length) return;
    this.flush();
    if (n > this.buf.length) this.buf = Buffer.allocUnsafe(n + FLUSH_AT);
  }

  /** Writes text known to be ASCII (keys, numbers, hex): no UTF-8 encoding step. */
  ascii(s: string): void {
    const n = s.length;
    if (this.used + n > this.buf.length) this.reserve(n);
    const b = this.buf;
    let u = this.used;
    if (n < 32) for (let i = 0; i < n; i++) b[u++] = s.charCodeAt(i);
    else u += b.write(s, u, n, 'latin1');
    this.used = u;
  }

  /** Called after each packet: writes out a full buffer, and the very first packet at once. */
  endPacket(): void {
    if (this.used > FLUSH_AT || !this.started) this.flush();
  }

  flush(): void {
    if (this.used === 0 || this.closed) return;
    this.started = true;
    const used = this.used;
    this.used = 0;
    this.writeAll(this.buf.subarray(0, used));
  }

  /** Kept for callers that await between batches; writes are already blocking. */
  drain(): void {
    this.flush();
  }

  private writeAll(bytes: Uint8Array): void {
    let off = 0;
    while (off < bytes.length && !this.closed) {
      try {
        off += fs.writeSync(this.fd, bytes, off, bytes.length - off);
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        if (code === 'EAGAIN') {
          // A non-blocking pipe is full: wait a moment for the reader instead of queueing in memory.
          Atomics.wait(pause, 0, 0, 1);
          continue;
        }
        if (code === 'EPIPE') {
          this.closed = true;
          process.exit(0);
        }
        throw e;
      }
    }
  }
}
