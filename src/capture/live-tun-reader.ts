/**
 * The TUN reader thread: reads packets off the device's descriptor as fast as the kernel queues them
 * and posts them to the main thread in batches.
 *
 * Why a thread: the kernel keeps at most txqueuelen packets for the device and drops the rest. The
 * main thread dissects and prints, and may be busy for milliseconds at a time; this thread does
 * nothing but read, so the queue is emptied while the main thread works. Node's own fs reads cannot
 * do this: each read is a separate trip through the libuv thread pool.
 *
 * The loop: read() the non-blocking descriptor until it says EAGAIN, stamping each packet with the
 * wall clock; then post what was read (one message, its buffers transferred, not copied again) and
 * sleep in poll() on the device and an eventfd the main thread writes to when it wants the reader to
 * stop. Under load a batch grows to ~1 MiB before it is posted; at a trickle each packet is posted
 * the moment it is read, so latency stays at one thread hop.
 *
 * Batch layout: `data` holds the packets back to back; `meta` holds BATCH_META_WORDS words per packet:
 * length, seconds, nanoseconds (whole microseconds).
 */
import { isMainThread, parentPort, workerData } from 'node:worker_threads';
import koffi from 'koffi';

export interface ReaderSetup {
  fd: number;
  wakeFd: number;
  /** Int32 words indexed by Control. */
  control: SharedArrayBuffer;
  /** Stop reading while more than this many bytes are posted but not yet dissected. */
  maxBufferedBytes: number;
}

/** Words of the shared control array. */
export const Control = {
  /** Set to 1 by the main thread: finish up. */
  Stop: 0,
  /** Bytes posted and not yet dissected: added here, subtracted by the main thread. */
  BufferedBytes: 1,
  Words: 2,
} as const;

export const BATCH_META_WORDS = 3;

export type ReaderMessage =
  | { kind: 'ready' }
  | { kind: 'batch'; data: ArrayBuffer; meta: Uint32Array }
  | { kind: 'error'; message: string }
  | { kind: 'end' };

const BATCH_BYTES = 1024 * 1024;
/** Largest packet a TUN device can hand over (its MTU can be raised to 65535). */
const MAX_PACKET = 65535;
const MAX_BATCH_PACKETS = 16384;
const CLOCK_REALTIME = 0;
const POLLIN = 0x1;
const EINTR = 4;
const EAGAIN = 11;

function readLoop(setup: ReaderSetup): void {
  const port = parentPort!;
  const lib = koffi.load('libc.so.6');
  const read = lib.func('long read(int fd, void *buf, unsigned long count)');
  const poll = lib.func('int poll(void *fds, unsigned long nfds, int timeout)');
  const clockGettime = lib.func('int clock_gettime(int clock, void *ts)');
  const control = new Int32Array(setup.control);
  // Everything is loaded: the main thread may now give up root (files it could read, we no longer need).
  port.postMessage({ kind: 'ready' } satisfies ReaderMessage);

  // struct pollfd { int fd; short events; short revents; } × 2
  const pollFds = new Uint8Array(16);
  const pollView = new DataView(pollFds.buffer);
  pollView.setInt32(0, setup.fd, true);
  pollView.setInt16(4, POLLIN, true);
  pollView.setInt32(8, setup.wakeFd, true);
  pollView.setInt16(12, POLLIN, true);

  const timespec = new Uint8Array(16);
  const timeView = new DataView(timespec.buffer);
  const batch = new Uint8Array(BATCH_BYTES);
  const meta = new Uint32Array(MAX_BATCH_PACKETS * BATCH_META_WORDS);
  let used = 0;
  let count = 0;

  const post = (): void => {
    if (count === 0) return;
    const data = batch.slice(0, used).buffer;
    const words = meta.slice(0, count * BATCH_META_WORDS);
    Atomics.add(control, Control.BufferedBytes, used);
    port.postMessage({ kind: 'batch', data, meta: words } satisfies ReaderMessage, [data, words.buffer]);
    used = 0;
    count = 0;
  };

  while (Atomics.load(control, Control.Stop) === 0) {
    // Back-pressure: while the main thread is far behind, leave packets in the kernel's queue.
    const buffered = Atomics.load(control, Control.BufferedBytes);
    if (buffered > setup.maxBufferedBytes) {
      post();
      Atomics.wait(control, Control.BufferedBytes, buffered, 100);
      continue;
    }
    const length = Number(read(setup.fd, batch.subarray(used), MAX_PACKET));
    if (length > 0) {
      clockGettime(CLOCK_REALTIME, timespec);
      const at = count * BATCH_META_WORDS;
      meta[at] = length;
      meta[at + 1] = timeView.getUint32(0, true); // tv_sec, low 32 bits: what pcap stores
      // Microseconds, like tcpdump: the time is when the packet was read, not finer than that, and
      // the -w file (microsecond pcap) then reads back with exactly the times shown live.
      const nanos = timeView.getUint32(8, true);
      meta[at + 2] = nanos - (nanos % 1000);
      used += length;
      count++;
      if (BATCH_BYTES - used < MAX_PACKET || count === MAX_BATCH_PACKETS) post();
      continue;
    }
    const error = koffi.errno();
    if (length < 0 && error === EINTR) continue;
    if (length < 0 && error !== EAGAIN) {
      post();
      port.postMessage({ kind: 'error', message: `read failed (errno ${error})` } satisfies ReaderMessage);
      return;
    }
    // Queue empty: hand over what was read, then sleep until the device or the main thread wakes us.
    post();
    pollView.setInt16(6, 0, true);
    pollView.setInt16(14, 0, true);
    // A finite timeout only as a safety net: the eventfd is what ends the wait.
    poll(pollFds, 2, 1000);
  }
  post();
}

if (!isMainThread && parentPort && workerData) {
  readLoop(workerData as ReaderSetup);
  parentPort.postMessage({ kind: 'end' } satisfies ReaderMessage);
}
