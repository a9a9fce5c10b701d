/**
 * Batched stdout: packets' text is gathered into ~256 KB writes, and a reader that goes away
 * (`vpnscope f.pcap | head`) ends the program quietly instead of with EPIPE.
 */
export class Output {
  private parts: string[] = [];
  private size = 0;
  private closed = false;

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
    this.parts.push(s);
    this.size += s.length;
    if (this.size > 256 * 1024) this.flush();
  }

  lines(lines: readonly string[]): void {
    for (const l of lines) {
      this.parts.push(l, '\n');
      this.size += l.length + 1;
    }
    if (this.size > 256 * 1024) this.flush();
  }

  flush(): void {
    if (this.parts.length === 0 || this.closed) return;
    const text = this.parts.join('');
    this.parts = [];
    this.size = 0;
    this.stream.write(text);
  }

  /** Resolves once the stream can take more (back-pressure for pipes that are asynchronous). */
  drain(): Promise<void> | void {
    this.flush();
    if (this.stream.writableNeedDrain) return new Promise((resolve) => this.stream.once('drain', () => resolve()));
  }
}
