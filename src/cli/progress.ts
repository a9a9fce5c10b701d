import { isTerminal } from './output.js';

/**
 * A progress line on stderr for long files, only when stderr is a terminal and stdout is not
 * showing packets on that same terminal; redrawn at most ten times a second.
 */
export class Progress {
  private last = 0;
  private drawn = false;

  private constructor(private readonly enabled: boolean) {}

  static forStderr(quietOutput: boolean): Progress {
    return new Progress(quietOutput && !process.env.CI && isTerminal(2));
  }

  tick(frames: number): void {
    if (!this.enabled || (frames & 1023) !== 0) return;
    const now = Date.now();
    if (now - this.last < 100) return;
    this.last = now;
    this.drawn = true;
    process.stderr.write(`\r\x1b[K${frames.toLocaleString('en')} packets…`);
  }

  clear(): void {
    if (this.drawn) process.stderr.write('\r\x1b[K');
    this.drawn = false;
  }
}
