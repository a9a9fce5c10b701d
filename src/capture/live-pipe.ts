/**
 * Live capture from an existing interface through the system's capture program.
 *
 * Capturing needs privileges (CAP_NET_RAW) that the program parsing hostile bytes should not hold,
 * so — as Wireshark does with dumpcap — capturing is left to a separate program: tcpdump (or, when
 * tcpdump is not installed, dumpcap) writes pcap to a pipe and vpnscope reads that stream with its own
 * streaming reader (openStream), a frame at a time as the bytes arrive.
 *
 *   tcpdump --immediate-mode -U -n -s 262144 -w - -i IFACE [-Z USER] [FILTER]
 *   dumpcap -q -P -s 262144 -w - -i IFACE [-f FILTER]
 *
 * --immediate-mode hands each packet over as it arrives (without it libpcap waits to fill a buffer:
 * hundreds of milliseconds at low rates) and -U flushes each record to the pipe. dumpcap 4.0 has no
 * immediate mode, so it adds about 0.1 s of latency: it is the fallback.
 *
 * This is also the only way to watch a TUN device another program holds (OpenVPN's tun0): a TUN
 * device accepts one owner, but packet capture sees its traffic like any interface's, with link
 * type RAW.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { openStream } from './open.js';
import type { FrameSource } from './frame.js';
import { LiveCaptureError } from './live-tun.js';

export interface PipeCaptureOptions {
  iface: string;
  /** Capture filter in libpcap syntax (tcpdump's expression, dumpcap's -f). */
  filter?: string;
  /**
   * User the capture program should switch to once the device is open (tcpdump -Z), so that it runs
   * as the same unprivileged user as vpnscope and vpnscope can still stop it after dropping root.
   */
  user?: string;
}

const SNAP_LENGTH = 262144;
const START_TIMEOUT_MS = 10_000;

/** Finds a program on PATH, then in the sbin directories sudo's PATH sometimes lacks. */
function findProgram(name: string): string | undefined {
  const dirs = (process.env.PATH ?? '').split(':').filter(Boolean);
  for (const dir of [...dirs, '/usr/sbin', '/sbin', '/usr/bin', '/usr/local/sbin', '/usr/local/bin']) {
    const candidate = path.join(dir, name);
    try {
      fs.accessSync(candidate, fs.constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return undefined;
}

/** The capture program chosen, or a LiveCaptureError saying how to get one. */
export function findCaptureProgram(search: (name: string) => string | undefined = findProgram): { kind: 'tcpdump' | 'dumpcap'; path: string } {
  const tcpdump = search('tcpdump');
  if (tcpdump) return { kind: 'tcpdump', path: tcpdump };
  const dumpcap = search('dumpcap');
  if (dumpcap) return { kind: 'dumpcap', path: dumpcap };
  throw new LiveCaptureError('live -i needs a capture program and neither tcpdump nor dumpcap is installed: install tcpdump (apt install tcpdump)');
}

/** Reads the capture program's one-line complaint and says what is missing. */
export function explainCaptureFailure(program: string, iface: string, stderr: string, status: string): string {
  const lines = stderr.split('\n').map((l) => l.trim()).filter((l) => l && !/^Capturing on /.test(l));
  const text = lines.join('\n');
  if (/no such device|there is no device named|doesn't exist|does not exist/i.test(text)) {
    return `no interface named '${iface}' (ip link lists the interfaces)`;
  }
  if (/permission|not permitted|don't have the privileges|operation not permitted/i.test(text)) {
    return `capturing on ${iface} needs root or CAP_NET_RAW: run it with sudo (vpnscope drops root before dissecting)`;
  }
  if (/syntax error|can't parse filter|invalid capture filter|illegal|unknown host|parse error/i.test(text)) {
    return `invalid capture filter (-f): ${lines[lines.length - 1] ?? text}`;
  }
  const last = lines[lines.length - 1];
  return `${path.basename(program)} could not capture on ${iface}: ${last ?? status}`;
}

/**
 * A running capture program and the frame source reading its output. stop() asks the program to
 * finish (it flushes what it captured, then closes the pipe, and run() ends); close() makes sure it
 * is gone.
 */
export class PipeCapture {
  /** What the capture program reported on its way out (tcpdump: packets captured / dropped by kernel). */
  finalReport: string[] = [];
  /** Set when the program ended on its own with an error while capturing. */
  failure: string | undefined = undefined;

  private stderr = '';
  private exited = false;
  private stopping = false;
  private readonly exit: Promise<void>;

  constructor(
    readonly program: { kind: 'tcpdump' | 'dumpcap'; path: string },
    readonly iface: string,
    private readonly child: ChildProcess,
    private readonly pipe: PassThrough,
    readonly source: FrameSource,
  ) {
    this.exit = new Promise((resolve) => {
      child.once('exit', (code, signal) => {
        this.exited = true;
        if (!this.stopping && code !== 0 && code !== null) {
          this.failure = explainCaptureFailure(program.path, iface, this.stderr, `exit status ${code}`);
        } else if (!this.stopping && signal) {
          this.failure = `${program.kind} was killed by ${signal}`;
        }
        resolve();
      });
    });
    // Errors (a signal that cannot be delivered) are handled where they matter; never let one crash.
    child.on('error', () => {});
    // If vpnscope exits without close() (process.exit on a closed stdout), do not leave it running.
    process.on('exit', this.killOnExit);
    child.once('exit', () => process.off('exit', this.killOnExit));
    child.stderr!.setEncoding('utf8');
    child.stderr!.on('data', (chunk: string) => {
      this.stderr += chunk;
      if (this.stderr.length > 64 * 1024) this.stderr = this.stderr.slice(-32 * 1024);
    });
  }

  private readonly killOnExit = (): void => {
    this.child.kill('SIGTERM');
  };

  /** Resolves once the program is capturing; rejects with LiveCaptureError when it could not start. */
  async started(): Promise<void> {
    const child = this.child;
    await new Promise<void>((resolve, reject) => {
      let done = false;
      const finish = (error?: LiveCaptureError): void => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        child.stderr!.off('data', onStderr);
        child.off('exit', onExit);
        child.off('error', onError);
        child.stdout!.off('data', onData);
        if (error) reject(error);
        else resolve();
      };
      const onStderr = (): void => {
        // tcpdump: "listening on tun0, link-type RAW (Raw IP), snapshot length 262144 bytes"
        if (this.program.kind === 'tcpdump' && /listening on /.test(this.stderr)) finish();
      };
      // dumpcap writes the file header as soon as it captures. (Listening on the child's stdout, not
      // the PassThrough, leaves every byte to the frame source.)
      const onData = (): void => finish();
      const onExit = (code: number | null, signal: string | null): void => {
        const status = code !== null ? `exit status ${code}` : `signal ${signal}`;
        finish(new LiveCaptureError(explainCaptureFailure(this.program.path, this.iface, this.stderr, status)));
      };
      const onError = (e: NodeJS.ErrnoException): void => {
        finish(new LiveCaptureError(`cannot run ${this.program.path}: ${e.code ?? e.message}`));
      };
      const timer = setTimeout(() => finish(new LiveCaptureError(`${this.program.kind} did not start capturing on ${this.iface} within ${START_TIMEOUT_MS / 1000} s`)), START_TIMEOUT_MS);
      child.stderr!.on('data', onStderr);
      child.once('exit', onExit);
      child.once('error', onError);
      if (this.program.kind === 'dumpcap') child.stdout!.once('data', onData);
      onStderr();
    });
  }

  /** Asks the program to finish; the frame source ends once it has flushed. Safe to call twice. */
  stop(): void {
    if (this.stopping) return;
    this.stopping = true;
    if (this.exited) return;
    if (!this.child.kill('SIGTERM')) {
      // Not ours to signal any more (a capture program running as another user after vpnscope
      // dropped privileges): stop reading instead; it ends at its next write into the closed pipe.
      this.endPipe();
    }
    // A program that ignores SIGTERM must not hold vpnscope: stop reading after a grace period.
    setTimeout(() => this.endPipe(), 2000).unref();
  }

  private endPipe(): void {
    this.child.stdout?.unpipe(this.pipe);
    this.pipe.end();
  }

  /** Stops the program if still running and waits (boundedly) for it to exit. */
  async close(): Promise<void> {
    this.stop();
    this.endPipe();
    this.child.stdout?.destroy();
    if (!this.exited) {
      const timer = setTimeout(() => this.child.kill('SIGKILL'), 3000);
      await Promise.race([this.exit, new Promise((resolve) => setTimeout(resolve, 4000).unref())]);
      clearTimeout(timer);
    }
    this.finalReport = this.stderr
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => /packets? (captured|received by filter|dropped by (kernel|interface))/.test(l));
  }
}

/**
 * Starts the capture program and returns once it is capturing. Throws LiveCaptureError when no
 * program is installed or it cannot capture (no such interface, no permission, bad filter).
 */
export async function startPipeCapture(options: PipeCaptureOptions): Promise<PipeCapture> {
  const program = findCaptureProgram();
  const args =
    program.kind === 'tcpdump'
      ? ['--immediate-mode', '-U', '-n', '-s', String(SNAP_LENGTH), '-w', '-', '-i', options.iface]
      : ['-q', '-P', '-s', String(SNAP_LENGTH), '-w', '-', '-i', options.iface];
  if (program.kind === 'tcpdump' && options.user !== undefined) args.push('-Z', options.user);
  if (options.filter !== undefined && options.filter.trim() !== '') {
    if (program.kind === 'tcpdump') args.push('--', options.filter);
    else args.push('-f', options.filter);
  }
  const child = spawn(program.path, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  // The frame source reads a PassThrough rather than the child's stdout, so that stopping can end
  // the stream cleanly even when the child cannot be signalled.
  const pipe = new PassThrough({ highWaterMark: 1024 * 1024 });
  child.stdout!.pipe(pipe);
  const source = openStream(pipe, options.iface);
  const capture = new PipeCapture(program, options.iface, child, pipe, source);
  try {
    await capture.started();
  } catch (e) {
    await capture.close();
    throw e;
  }
  return capture;
}
