/**
 * Hostile input: every capture in ../shared/corpus/tcpdump (830 files from tcpdump's test suite, many
 * deliberately malformed) goes through reading, dissection and every renderer in a child process.
 * Asserts: nothing escapes as an exception, no dissector throws (the engine would catch it and mark
 * the packet "Dissector bug"), no file hangs (each must finish within its time budget), memory stays
 * bounded.
 */
import { describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { corpusDir, repoRoot } from './util.js';

const tcpdumpDir = path.join(corpusDir, 'tcpdump');
const files = fs.existsSync(tcpdumpDir)
  ? fs.readdirSync(tcpdumpDir).filter((f) => /\.(pcap|pcapng|cap)$/i.test(f)).sort().map((f) => path.join(tcpdumpDir, f))
  : [];

interface Result {
  done: Map<string, { frames: number; ms: number; outcome: string }>;
  failures: string[];
  /** Exceptions a dissector threw and the engine caught (shown as "Dissector bug" on the packet). */
  bugs: string[];
  hung: string | null;
  peakMb: number;
}

function runWorker(list: string[], stallMs: number): Promise<Result> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--max-old-space-size=512', path.join(repoRoot, 'test', 'corpus-worker.mjs'), ...list], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const r: Result = { done: new Map(), failures: [], bugs: [], hung: null, peakMb: 0 };
    let current: string | null = null;
    let buf = '';
    let timer = setTimeout(stall, stallMs);
    function stall() {
      r.hung = current ?? '(start-up)';
      child.kill('SIGKILL');
    }
    child.stdout.on('data', (c: Buffer) => {
      buf += c.toString();
      let i: number;
      while ((i = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, i);
        buf = buf.slice(i + 1);
        const [kind, file, a, b, outcome] = line.split('\t');
        clearTimeout(timer);
        timer = setTimeout(stall, stallMs);
        if (kind === 'START') current = file!;
        else if (kind === 'DONE') r.done.set(file!, { frames: Number(a), ms: Number(b), outcome: outcome! });
        else if (kind === 'FAIL') r.failures.push(`${path.basename(file!)}: ${a}`);
        else if (kind === 'BUG') r.bugs.push(`${path.basename(file!)} ${a}`);
        else if (kind === 'PEAK') r.peakMb = Number(file);
      }
    });
    child.on('exit', () => {
      clearTimeout(timer);
      resolve(r);
    });
  });
}

describe('tcpdump test-suite captures', () => {
  it.skipIf(files.length === 0)('are all read to the end or refused cleanly, without exceptions, hangs or runaway memory', async () => {
    const r = await runWorker(files, 20_000);
    expect(r.hung, `no progress for 20 s while reading ${r.hung}`).toBeNull();
    expect(r.failures).toEqual([]);
    expect(r.bugs).toEqual([]);
    expect(r.done.size).toBe(files.length);
    // Every file either dissects or is refused as "not a capture": count both so a reader that refuses
    // everything cannot pass.
    const refused = [...r.done.values()].filter((d) => d.outcome.startsWith('not-a-capture')).length;
    expect(refused).toBeLessThan(20);
    const frames = [...r.done.values()].reduce((s, d) => s + d.frames, 0);
    expect(frames).toBeGreaterThan(10_000);
    expect(r.peakMb).toBeLessThan(600);
  }, 600_000);
});
