/**
 * Where renderers put encoded text. They write UTF-8 bytes at `buf[used…]` after `reserve(n)` has
 * made room for n of them (which may flush or replace `buf`), then advance `used`. The CLI's Output
 * is one; GrowingSink collects a packet's text in memory for callers that want a string.
 */
export interface ByteSink {
  buf: Buffer;
  used: number;
  reserve(n: number): void;
}

/** A ByteSink that only grows; `take()` returns what it holds as text and empties it. */
export class GrowingSink implements ByteSink {
  buf = Buffer.allocUnsafe(64 * 1024);
  used = 0;

  reserve(n: number): void {
    if (this.used + n <= this.buf.length) return;
    const grown = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.used + n));
    this.buf.copy(grown, 0, 0, this.used);
    this.buf = grown;
  }

  take(): string {
    const s = this.buf.toString('utf8', 0, this.used);
    this.used = 0;
    return s;
  }
}
