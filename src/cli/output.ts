/**
 * Batched stdout: packets' text is gathered into ~256 KB writes, and a reader that goes away
 * (`vpnscope f.pcap | head`) ends the program quietly instead of with EPIPE.
 */
const FLUSH_AT = 256 * 1024;

export class Output {
  /** Encoded text not yet written: strings are encoded straight into this buffer, no joins. */
  private buf = Buffer.allocUnsafe(FLUSH_AT + 4096);
  private used = 0;
  private closed = false;
  /** The first packet's text goes out at once, so a user sees output immediately on a long file. */
  private started = false;

  constructor(private readonly stream: NodeJS.WriteStream) {
    stream.on('error', (e: NodeJS.ErrnoException) => {
      if (e.code === 'EPIPE') {
        this.closed = true;
        process.exit(0);
      }
      throw e;
    });
  }

  write(s: string): void {
    if (this.closed) return;
    // A UTF-8 character takes at most 3 bytes per UTF-16 unit.
    if (this.used + s.length * 3 > this.buf.length) {
      this.flush();
      if (s.length * 3 > this.buf.length) {
        this.stream.write(s);
        return;
      }
    }
    this.used += this.buf.write(s, this.used);
    if (this.used > FLUSH_AT || !this.started) this.flush();
  }

  /** Writes each line followed by a newline. */
  lines(lines: readonly string[]): void {
    if (lines.length > 0) this.write(lines.length === 1 ? lines[0] + '\n' : lines.join('\n') + '\n');
  }

  flush(): void {
    if (this.used === 0 || this.closed) return;
    this.started = true;
    const out = this.buf.subarray(0, this.used);
    // The stream may keep the chunk until it is written: hand it this buffer and start a new one.
    this.buf = Buffer.allocUnsafe(FLUSH_AT + 4096);
    this.used = 0;
    this.stream.write(out);
  }

  /** Resolves once the stream can take more (back-pressure for pipes that are asynchronous). */
  drain(): Promise<void> | void {
    this.flush();
    if (this.stream.writableNeedDrain) return new Promise((resolve) => this.stream.once('drain', () => resolve()));
  }
}
