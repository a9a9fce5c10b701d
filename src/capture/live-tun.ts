/**
 * Live capture from a TUN device vpnscope creates itself (Linux).
 *
 * A TUN device is the kernel's half of a VPN: packets routed into it are handed, as bare IP
 * packets, to whoever holds its file descriptor (the VPN program reads them out to encrypt). vpnscope
 * holds that descriptor, so it sees exactly what a VPN client would (link type RAW: IPv4 or IPv6,
 * told apart by the version nibble).
 *
 *   open("/dev/net/tun", O_RDWR | O_NONBLOCK)
 *   ioctl(fd, TUNSETIFF, struct ifreq { char ifr_name[16]; short ifr_flags = IFF_TUN | IFF_NO_PI; … })
 *   ip link set NAME txqueuelen Q; ip addr add …; ip link set NAME up; ip route replace … dev NAME
 *
 * The device is never made persistent (no TUNSETPERSIST): the kernel removes it, with its addresses
 * and routes, when the last descriptor closes. So whatever way vpnscope ends — done, Ctrl-C, killed,
 * crashed — nothing is left behind, and no privilege is needed to clean up after dropping root.
 *
 * Node has no ioctl, so the two system calls go through koffi (FFI with prebuilt binaries: nothing to
 * compile). Reading is done by a worker thread (live-tun-reader.ts): Node's fs reads go one at a time
 * through the libuv thread pool and cannot keep up with a burst, while a thread of our own that does
 * nothing but read the descriptor empties the kernel's queue as fast as packets arrive.
 */
import fs from 'node:fs';
import { spawnSync } from 'node:child_process';
import { Worker } from 'node:worker_threads';
import koffi, { type LibraryHandle, type TypeObject } from 'koffi';
import type { CaptureInfo, Frame, FrameSource } from './frame.js';
import { BATCH_META_WORDS, Control, type ReaderMessage, type ReaderSetup } from './live-tun-reader.js';

export const LINKTYPE_RAW = 101;

/** Longest interface name Linux accepts (IFNAMSIZ minus the terminating NUL). */
export const MAX_INTERFACE_NAME = 15;

/** Packets the kernel queues for the reader (the device's txqueuelen; the kernel default is 500). */
export const DEFAULT_QUEUE_LENGTH = 8192;

/**
 * Bytes read but not yet dissected before the reader stops reading and lets the kernel queue (then
 * drop) instead: bounds memory when dissection is slower than the traffic.
 */
const MAX_BUFFERED_BYTES = 64 * 1024 * 1024;

/** A live capture could not start or broke off; the message says what is missing and how to get it. */
export class LiveCaptureError extends Error {
  override name = 'LiveCaptureError';
}

// ---- libc through koffi ---------------------------------------------------------------------------

const TUNSETIFF = 0x400454ca; // _IOW('T', 202, int)
const IFF_TUN = 0x0001;
const IFF_NO_PI = 0x1000; // no 4-byte packet-information prefix: the frame is the IP packet
const IFREQ_SIZE = 40;
const EFD_NONBLOCK = 0o4000;
const EFD_CLOEXEC = 0o2000000;

const errno = { EPERM: 1, EACCES: 13, EBUSY: 16, EINVAL: 22 };

interface Libc {
  ioctl: (fd: number, request: number, type: string, arg: Uint8Array) => number;
  ifNameToIndex: (name: string) => number;
  eventfd: (initial: number, flags: number) => number;
  getpwnam: (name: string) => unknown;
  capset: (header: Uint8Array, data: Uint8Array) => number;
  passwd: TypeObject;
}

let loaded: Libc | undefined;

function libc(): Libc {
  if (loaded) return loaded;
  let lib: LibraryHandle;
  try {
    lib = koffi.load('libc.so.6');
  } catch (e) {
    throw new LiveCaptureError(`cannot load the C library for live capture (${(e as Error).message}); live mode needs Linux with glibc`);
  }
  const passwd = koffi.struct('vpnscope_passwd', {
    pw_name: 'str',
    pw_passwd: 'str',
    pw_uid: 'uint32',
    pw_gid: 'uint32',
    pw_gecos: 'str',
    pw_dir: 'str',
    pw_shell: 'str',
  });
  loaded = {
    ioctl: lib.func('int ioctl(int fd, unsigned long request, ...)'),
    ifNameToIndex: lib.func('unsigned int if_nametoindex(const char *name)'),
    eventfd: lib.func('int eventfd(unsigned int initval, int flags)'),
    getpwnam: lib.func('getpwnam', koffi.pointer(passwd), ['const char *']),
    capset: lib.func('int capset(void *header, void *data)'),
    passwd,
  };
  return loaded;
}

export interface UserEntry {
  name: string;
  uid: number;
  gid: number;
}

/** Looks a user up through the system's user database (NSS, like tcpdump's -Z); undefined if unknown. */
export function lookupUser(name: string): UserEntry | undefined {
  const c = libc();
  const pointer = c.getpwnam(name);
  if (!pointer) return undefined;
  const entry = koffi.decode(pointer, c.passwd) as { pw_name: string; pw_uid: number; pw_gid: number };
  return { name: entry.pw_name, uid: entry.pw_uid, gid: entry.pw_gid };
}

const LINUX_CAPABILITY_VERSION_3 = 0x20080522;

/**
 * Clears every capability of the calling thread — the one that dissects — for a non-root user who was
 * given some (e.g. ambient CAP_NET_ADMIN). Root is dropped with setuid instead, which covers all threads.
 */
export function dropCapabilities(): void {
  const header = new Uint8Array(8);
  new DataView(header.buffer).setUint32(0, LINUX_CAPABILITY_VERSION_3, true); // pid 0: this thread
  const data = new Uint8Array(24); // two { effective, permitted, inheritable } words, all zero
  if (libc().capset(header, data) < 0) throw new LiveCaptureError(`cannot drop capabilities (errno ${koffi.errno()})`);
}

// ---- creating and configuring the device -----------------------------------------------------------

export interface TunOptions {
  /** Interface name; may contain one %d for the kernel to number (vpn%d → vpn0). */
  name: string;
  /** Addresses with prefix length, IPv4 or IPv6 (10.9.0.1/24, fd00::1/64). */
  addresses: string[];
  /** Prefixes to route into the device (10.99.0.0/24, fd99::/64, default). */
  routes: string[];
  /** txqueuelen: packets the kernel holds while the reader catches up. */
  queueLength: number;
}

/** Checks a name the way the kernel does (dev_valid_name); returns what is wrong, or undefined. */
export function invalidInterfaceName(name: string): string | undefined {
  if (name.length === 0) return 'the interface name is empty';
  if (Buffer.byteLength(name) > MAX_INTERFACE_NAME) return `'${name}' is longer than ${MAX_INTERFACE_NAME} bytes`;
  if (name === '.' || name === '..') return `'${name}' is not a valid interface name`;
  if (/[/:\s]/.test(name)) return `'${name}' contains '/', ':' or white space, which interface names cannot`;
  return undefined;
}

/**
 * Creates the device, configures it and starts its reader thread. Throws LiveCaptureError (with
 * nothing left behind) when any step fails.
 */
export function createTun(options: TunOptions): TunCapture {
  const bad = invalidInterfaceName(options.name);
  if (bad) throw new LiveCaptureError(bad);
  const c = libc();
  if (!options.name.includes('%') && c.ifNameToIndex(options.name) !== 0) {
    throw new LiveCaptureError(
      `an interface named '${options.name}' already exists: choose another --tun name, or watch it with: vpnscope live -i ${options.name}`,
    );
  }

  let fd: number;
  try {
    fd = fs.openSync('/dev/net/tun', fs.constants.O_RDWR | fs.constants.O_NONBLOCK);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENXIO' || code === 'ENODEV') {
      throw new LiveCaptureError(
        '/dev/net/tun is missing: load the tun module (sudo modprobe tun); in a container, pass the device in (docker run --device /dev/net/tun --cap-add NET_ADMIN)',
      );
    }
    if (code === 'EACCES' || code === 'EPERM') throw privilegeError();
    throw new LiveCaptureError(`cannot open /dev/net/tun (${code ?? (e as Error).message})`);
  }

  let name: string;
  try {
    name = attach(fd, options.name);
    configure(name, options);
  } catch (e) {
    fs.closeSync(fd); // the device goes with its only descriptor
    throw e;
  }
  return new TunCapture(fd, name);
}

function privilegeError(): LiveCaptureError {
  return new LiveCaptureError('creating a TUN device needs root or CAP_NET_ADMIN: run it with sudo (vpnscope drops root before dissecting)');
}

function attach(fd: number, requested: string): string {
  const ifreq = new Uint8Array(IFREQ_SIZE);
  const encoded = Buffer.from(requested, 'utf8');
  ifreq.set(encoded, 0);
  new DataView(ifreq.buffer).setUint16(16, IFF_TUN | IFF_NO_PI, true);
  if (libc().ioctl(fd, TUNSETIFF, 'void *', ifreq) < 0) {
    const error = koffi.errno();
    if (error === errno.EPERM || error === errno.EACCES) throw privilegeError();
    if (error === errno.EBUSY) {
      throw new LiveCaptureError(`TUN device '${requested}' is in use by another program; watch it with: vpnscope live -i ${requested}`);
    }
    if (error === errno.EINVAL) {
      throw new LiveCaptureError(`'${requested}' cannot be used as a TUN device name (an interface of another kind may have it)`);
    }
    throw new LiveCaptureError(`TUNSETIFF failed (errno ${error})`);
  }
  // The kernel writes back the final name (it fills in a %d).
  const end = ifreq.indexOf(0);
  return Buffer.from(ifreq.subarray(0, end < 0 || end > 16 ? 16 : end)).toString('utf8');
}

/** Runs `ip` (iproute2): addresses, especially IPv6 ones, are set through netlink, which ip speaks. */
function configure(name: string, options: TunOptions): void {
  const steps: string[][] = [['link', 'set', 'dev', name, 'txqueuelen', String(options.queueLength)]];
  for (const address of options.addresses) {
    // No duplicate-address detection on IPv6: a TUN has no link layer to find a duplicate on, and
    // the address would stay unusable ("tentative") for a second.
    steps.push(address.includes(':') ? ['-6', 'addr', 'add', address, 'dev', name, 'nodad'] : ['addr', 'add', address, 'dev', name]);
  }
  steps.push(['link', 'set', 'dev', name, 'up']);
  for (const route of options.routes) {
    // replace, not add: the route an address already implies (10.9.0.0/24 for 10.9.0.1/24) is fine.
    steps.push([route.includes(':') ? '-6' : '-4', 'route', 'replace', route, 'dev', name]);
  }
  for (const args of steps) {
    const result = spawnSync('ip', args, { encoding: 'utf8', stdio: ['ignore', 'ignore', 'pipe'], timeout: 10_000 });
    if (result.error) {
      const code = (result.error as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') throw new LiveCaptureError('configuring the TUN device needs the ip command: install iproute2 (apt install iproute2)');
      throw new LiveCaptureError(`ip ${args.join(' ')}: ${result.error.message}`);
    }
    if (result.status !== 0) {
      const said = result.stderr.trim().split('\n').pop() ?? `exit status ${result.status}`;
      throw new LiveCaptureError(`cannot configure ${name}: ip ${args.join(' ')}: ${said}`);
    }
  }
}

// ---- reading -----------------------------------------------------------------------------------------

/**
 * The device and its reader as a FrameSource. The reader thread starts at once, so packets routed
 * into the device are taken off the kernel's queue even before run() is called (e.g. while
 * privileges are being dropped); run() dissects them in order.
 */
export class TunCapture implements FrameSource {
  readonly info: CaptureInfo = { format: 'pcap', linkType: LINKTYPE_RAW, snapLength: 65535, gzip: false, timeDecimals: 6 };
  truncatedAt: number | undefined = undefined;
  /** Packets taken off the device. */
  packetsRead = 0;
  /** Packets the kernel dropped because its queue for the device was full (read when closing). */
  droppedByKernel = 0;

  private readonly worker: Worker;
  private readonly control = new Int32Array(new SharedArrayBuffer(Control.Words * 4));
  private readonly wakeFd: number;
  private readonly queue: ReaderMessage[] = [];
  private notify: (() => void) | undefined;
  private running = false;
  private closed: Promise<void> | undefined;
  private exited = false;
  private readonly started: Promise<void>;

  constructor(
    private readonly fd: number,
    /** The device's name as the kernel has it. */
    readonly name: string,
  ) {
    this.wakeFd = libc().eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (this.wakeFd < 0) {
      fs.closeSync(fd);
      throw new LiveCaptureError(`eventfd failed (errno ${koffi.errno()})`);
    }
    const setup: ReaderSetup = { fd, wakeFd: this.wakeFd, control: this.control.buffer as SharedArrayBuffer, maxBufferedBytes: MAX_BUFFERED_BYTES };
    this.worker = new Worker(new URL('./live-tun-reader.js', import.meta.url), { workerData: setup });
    this.started = new Promise((resolve, reject) => {
      this.worker.on('message', (message: ReaderMessage) => {
        if (message.kind === 'ready') resolve();
        else this.push(message);
      });
      this.worker.on('error', (error) => {
        reject(new LiveCaptureError(`the reader thread for ${this.name} failed: ${error.message}`));
        this.push({ kind: 'error', message: error.message });
      });
      this.worker.on('exit', () => {
        this.exited = true;
        process.off('exit', this.stopOnExit);
        reject(new LiveCaptureError(`the reader thread for ${this.name} ended before it started`));
        this.push({ kind: 'end' });
      });
    });
    this.started.catch(() => {}); // reported through ready() or run()
    // process.exit() (a second Ctrl-C, a closed stdout) waits for worker threads: wake the reader so
    // it can finish instead of sleeping in poll().
    process.on('exit', this.stopOnExit);
  }

  private readonly stopOnExit = (): void => this.stop();

  /**
   * Resolves once the reader thread has loaded everything it needs, so files that only root may
   * read (a checkout under /root) are no longer needed when privileges are dropped.
   */
  ready(): Promise<void> {
    return this.started;
  }

  private push(message: ReaderMessage): void {
    this.queue.push(message);
    const notify = this.notify;
    this.notify = undefined;
    notify?.();
  }

  private next(): Promise<ReaderMessage> | ReaderMessage {
    const message = this.queue.shift();
    if (message) return message;
    return new Promise<void>((resolve) => (this.notify = resolve)).then(() => this.queue.shift()!);
  }

  async run(onFrame: (frame: Frame) => boolean | void, between?: () => Promise<void> | void): Promise<void> {
    if (this.running) throw new Error(`${this.name}: a capture can be read only once`);
    this.running = true;
    try {
      for (;;) {
        const message = await this.next();
        if (message.kind === 'end') return;
        if (message.kind === 'error') throw new LiveCaptureError(`reading ${this.name}: ${message.message}`);
        if (message.kind !== 'batch') continue;
        const keepGoing = this.deliver(message.data, message.meta, onFrame);
        Atomics.sub(this.control, Control.BufferedBytes, message.data.byteLength);
        Atomics.notify(this.control, Control.BufferedBytes);
        if (!keepGoing) return;
        if (between) await between();
      }
    } finally {
      await this.close();
    }
  }

  private deliver(data: ArrayBuffer, meta: Uint32Array, onFrame: (frame: Frame) => boolean | void): boolean {
    const bytes = new Uint8Array(data);
    let offset = 0;
    for (let i = 0; i < meta.length; i += BATCH_META_WORDS) {
      const length = meta[i]!;
      const frame: Frame = {
        number: ++this.packetsRead,
        seconds: meta[i + 1]!,
        nanos: meta[i + 2]!,
        capturedLength: length,
        originalLength: length,
        linkType: LINKTYPE_RAW,
        bytes: bytes.subarray(offset, offset + length),
        interfaceId: 0,
        interfaceName: this.name,
      };
      offset += length;
      if (onFrame(frame) === false) return false;
    }
    return true;
  }

  /**
   * Stops reading new packets; what was already taken off the device is still dissected, then run()
   * resolves. Safe to call from a signal handler, and more than once.
   */
  stop(): void {
    if (Atomics.load(this.control, Control.Stop) !== 0) return;
    Atomics.store(this.control, Control.Stop, 1);
    Atomics.notify(this.control, Control.BufferedBytes);
    try {
      const one = new Uint8Array(8);
      one[0] = 1;
      fs.writeSync(this.wakeFd, one);
    } catch {
      // Already closed: the reader is gone anyway.
    }
  }

  /** Stops the reader and closes the descriptor, which removes the device. Idempotent. */
  close(): Promise<void> {
    this.closed ??= this.shutdown();
    return this.closed;
  }

  private async shutdown(): Promise<void> {
    this.stop();
    if (!this.exited) {
      const exited = new Promise<void>((resolve) => this.worker.once('exit', () => resolve()));
      const timer = setTimeout(() => void this.worker.terminate(), 2000);
      await exited;
      clearTimeout(timer);
    }
    this.droppedByKernel = transmitDrops(this.name);
    fs.closeSync(this.wakeFd);
    fs.closeSync(this.fd);
  }
}

/**
 * The device's tx_dropped counter: packets the kernel could not queue for the reader. Read from
 * /proc/self/net/dev, which shows the caller's own network namespace (unlike /sys without a remount).
 */
function transmitDrops(name: string): number {
  try {
    for (const line of fs.readFileSync('/proc/self/net/dev', 'latin1').split('\n')) {
      const colon = line.indexOf(':');
      if (colon < 0 || line.slice(0, colon).trim() !== name) continue;
      const counters = line.slice(colon + 1).trim().split(/\s+/).map(Number);
      return counters[11] ?? 0; // receive: 8 counters; transmit: bytes, packets, errs, drop …
    }
  } catch {
    // No procfs: nothing to report.
  }
  return 0;
}
