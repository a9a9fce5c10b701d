#!/usr/bin/env node
/**
 * node bench/live.js — live mode on a TUN device: burst loss and latency. Needs root: it creates a
 * network namespace (all traffic stays inside it), re-runs itself there, and removes it at the end.
 *
 * Burst: `vpnscope live --tun` with the address 10.77.0.1/24; a sender blasts N UDP datagrams
 * (default 20,000, each to its own port) at 10.77.0.2 as fast as it can, with a socket send buffer
 * large enough that the socket never holds it back — only the device's queue and the reader's speed
 * decide what is lost. Reported: what was sent, what the kernel handed to vpnscope and what it dropped
 * because the device's queue was full (its tx counters), and how many distinct datagrams vpnscope
 * dissected. Run once with vpnscope's default queue and once with the kernel's default (500).
 * --compare adds the naive reader (fs.createReadStream on the descriptor) for reference.
 *
 * Latency: one datagram every 3 ms into the device; for each, the time from just before the sender's
 * send() — the kernel routes the packet into the device inside that call — to the moment its summary
 * line arrives on vpnscope's standard output, read by this process (same clock). p50/p90/p99/max.
 *
 *   sudo node bench/live.js [--packets 20000] [--samples 500] [--compare]
 */
import { spawn, spawnSync } from 'node:child_process';
import dgram from 'node:dgram';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const vpnscope = path.join(root, 'bin', 'vpnscope.js');
const args = process.argv.slice(2);
const arg = (name, def) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : def;
};
const packets = Number(arg('--packets', '20000'));
const samples = Number(arg('--samples', '500'));
const compare = args.includes('--compare');
// Every datagram of the burst has its own destination port, from 10000 up.
if (!(packets >= 1 && packets <= 55535)) {
  console.error('live bench: --packets must be between 1 and 55535');
  process.exit(1);
}

// ---- outside: make the namespace, run inside it, clean up ------------------------------------------

async function outer() {
  if (process.getuid?.() !== 0) {
    console.log('live bench: skipped (needs root: it creates a network namespace and TUN devices)');
    return 0;
  }
  if (!fs.existsSync(path.join(root, 'dist', 'cli', 'live.js'))) {
    console.error('live bench: dist/ is missing — run npm run build first');
    return 1;
  }
  const ns = `vpsbench-${process.pid}`;
  const made = spawnSync('ip', ['netns', 'add', ns], { encoding: 'utf8' });
  if (made.status !== 0) {
    console.error(`live bench: cannot create a network namespace: ${made.stderr.trim()}`);
    return 1;
  }
  try {
    spawnSync('ip', ['-n', ns, 'link', 'set', 'lo', 'up']);
    // No IPv6 in the namespace: the kernel's router solicitations would add packets nobody sent.
    spawnSync('ip', ['netns', 'exec', ns, 'sysctl', '-qw', 'net.ipv6.conf.all.disable_ipv6=1', 'net.ipv6.conf.default.disable_ipv6=1']);
    const child = spawn('ip', ['netns', 'exec', ns, process.execPath, fileURLToPath(import.meta.url), '--inside', ...args], { stdio: 'inherit' });
    // Interrupted: pass it on and still remove the namespace.
    for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal));
    return await new Promise((resolve) => child.once('close', (code) => resolve(code ?? 1)));
  } finally {
    for (const pid of spawnSync('ip', ['netns', 'pids', ns], { encoding: 'utf8' }).stdout.split(/\s+/).filter(Boolean)) {
      try {
        process.kill(Number(pid), 'SIGKILL');
      } catch {
        // gone
      }
    }
    spawnSync('ip', ['netns', 'del', ns]);
  }
}

// ---- inside ---------------------------------------------------------------------------------------

function startLive(liveArgs) {
  const child = spawn(process.execPath, [vpnscope, 'live', ...liveArgs], { stdio: ['ignore', 'pipe', 'pipe'] });
  const state = { child, err: '', code: undefined };
  child.stderr.setEncoding('utf8').on('data', (s) => (state.err += s));
  state.exited = new Promise((resolve) => child.once('close', (code) => resolve((state.code = code))));
  return state;
}

async function until(what, check, timeoutMs, state) {
  const end = Date.now() + timeoutMs;
  while (!check()) {
    if (state?.code !== undefined) throw new Error(`vpnscope exited (${state.code}) while waiting for ${what}: ${state.err}`);
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}${state ? `: ${state.err}` : ''}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** The device's transmit counters: packets handed to the reader, and dropped because its queue was full. */
function txCounters(name) {
  for (const line of fs.readFileSync('/proc/self/net/dev', 'latin1').split('\n')) {
    const colon = line.indexOf(':');
    if (colon < 0 || line.slice(0, colon).trim() !== name) continue;
    const c = line.slice(colon + 1).trim().split(/\s+/).map(Number);
    return { packets: c[9], dropped: c[11] };
  }
  return { packets: NaN, dropped: NaN };
}

const SENDER = `
import socket, sys, time
n, host, base = int(sys.argv[1]), sys.argv[2], int(sys.argv[3])
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.setsockopt(socket.SOL_SOCKET, 32, 256 << 20)  # SO_SNDBUFFORCE: the socket never throttles the burst
payload = b'vpnscope-burst-0123456789abcdef'
start = time.perf_counter()
for i in range(n):
    s.sendto(payload, (host, base + i))
print(time.perf_counter() - start)
`;

/** Sends the burst; returns its duration in seconds. */
function sendBurst(n, host, basePort) {
  const r = spawnSync('python3', ['-c', SENDER, String(n), host, String(basePort)], { encoding: 'utf8' });
  if (r.error || r.status !== 0) throw new Error(`burst sender (python3) failed: ${r.error?.message ?? r.stderr}`);
  return Number(r.stdout.trim());
}

async function burst(device, address, extraArgs, label) {
  const live = startLive(['--tun', device, '--address', `${address}.1/24`, ...extraArgs, '-Y', 'udp', '-T', 'fields', '-e', 'udp.dstport']);
  const ports = new Set();
  let lines = 0;
  let rest = '';
  live.child.stdout.setEncoding('utf8').on('data', (s) => {
    const parts = (rest + s).split('\n');
    rest = parts.pop();
    for (const p of parts) {
      lines++;
      ports.add(Number(p));
    }
  });
  await until('vpnscope to start', () => /dissecting as/.test(live.err), 20_000, live);
  const seconds = sendBurst(packets, `${address}.2`, 10000);
  // Wait until the output stops growing (or everything is in).
  let last = -1;
  let stableSince = Date.now();
  await until('the burst to be dissected', () => {
    if (lines !== last) {
      last = lines;
      stableSince = Date.now();
    }
    return ports.size >= packets || Date.now() - stableSince > 1500;
  }, 120_000, live);
  const kernel = txCounters(device);
  live.child.kill('SIGTERM');
  await live.exited;
  let distinct = 0;
  for (let p = 10000; p < 10000 + packets; p++) if (ports.has(p)) distinct++;
  const lost = packets - distinct;
  console.log(
    `  ${label.padEnd(34)} sent ${packets} in ${(seconds * 1000).toFixed(0)} ms (${fmt(packets / seconds)}/s) · ` +
      `kernel handed over ${kernel.packets}, dropped (queue full) ${kernel.dropped} · dissected ${distinct} distinct · ` +
      `lost ${lost} (${((100 * lost) / packets).toFixed(1)}%), of them after the kernel handed them over: ${kernel.packets - distinct}`,
  );
  if (live.code !== 0) console.log(`    vpnscope exit status ${live.code}: ${live.err.trim()}`);
  return { label, sent: packets, seconds, kernel, distinct, lost };
}

/** The reader DEPENDENCIES.md measured: Node's fs stream on the TUN descriptor. For comparison only. */
const NAIVE = `
import koffi from ${JSON.stringify(path.join(root, 'node_modules', 'koffi', 'index.js'))};
import fs from 'node:fs';
import { execFileSync } from 'node:child_process';
const [name, address] = process.argv.slice(1);
const ioctl = koffi.load('libc.so.6').func('int ioctl(int fd, unsigned long request, ...)');
const fd = fs.openSync('/dev/net/tun', 'r+');
const ifr = Buffer.alloc(40); ifr.write(name); ifr.writeUInt16LE(0x1001, 16);
if (ioctl(fd, 0x400454ca, 'void *', ifr) < 0) throw new Error('TUNSETIFF failed');
execFileSync('ip', ['addr', 'add', address + '.1/24', 'dev', name]);
execFileSync('ip', ['link', 'set', 'dev', name, 'up']);
let count = 0;
fs.createReadStream(null, { fd, highWaterMark: 65536 }).on('data', () => count++);
// process.exit would wait for the thread-pool thread blocked in read(): kill instead.
process.on('SIGTERM', () => { console.log(count); process.kill(process.pid, 'SIGKILL'); });
console.error('ready');
`;

async function naiveBurst(device, address) {
  const child = spawn(process.execPath, ['--input-type=module', '-e', NAIVE, device, address], { stdio: ['ignore', 'pipe', 'pipe'] });
  const state = { err: '', out: '', code: undefined };
  child.stderr.setEncoding('utf8').on('data', (s) => (state.err += s));
  child.stdout.setEncoding('utf8').on('data', (s) => (state.out += s));
  const exited = new Promise((resolve) => child.once('close', (code) => resolve((state.code = code))));
  await until('the naive reader to start', () => state.err.includes('ready'), 20_000, state);
  const seconds = sendBurst(packets, `${address}.2`, 10000);
  await new Promise((r) => setTimeout(r, 2000));
  const kernel = txCounters(device);
  child.kill('SIGTERM');
  await exited;
  const read = parseInt(state.out, 10);
  console.log(
    `  ${'fs.createReadStream reader'.padEnd(34)} sent ${packets} in ${(seconds * 1000).toFixed(0)} ms (${fmt(packets / seconds)}/s) · ` +
      `kernel handed over ${kernel.packets}, dropped (queue full) ${kernel.dropped} · read ${read} (lost ${(100 * (1 - read / packets)).toFixed(1)}%)`,
  );
}

async function latency() {
  const device = 'vsblat0';
  const live = startLive(['--tun', device, '--address', '10.78.0.1/24']);
  const arrived = new Map();
  let rest = '';
  live.child.stdout.setEncoding('utf8').on('data', (s) => {
    const now = process.hrtime.bigint();
    const parts = (rest + s).split('\n');
    rest = parts.pop();
    for (const line of parts) {
      const m = / → (\d+) Len=/.exec(line);
      if (m) arrived.set(Number(m[1]), now);
    }
  });
  await until('vpnscope to start', () => /dissecting as/.test(live.err), 20_000, live);
  const socket = dgram.createSocket('udp4');
  await new Promise((resolve) => socket.bind(0, resolve));
  const sentAt = new Map();
  const payload = Buffer.from('vpnscope-latency');
  for (let i = 0; i < samples; i++) {
    const port = 30000 + i;
    sentAt.set(port, process.hrtime.bigint());
    socket.send(payload, port, '10.78.0.2');
    await new Promise((r) => setTimeout(r, 3));
  }
  await until('the last summary lines', () => arrived.size >= samples, 10_000, live).catch(() => {});
  socket.close();
  live.child.kill('SIGTERM');
  await live.exited;
  const micros = [];
  for (const [port, t] of sentAt) {
    const got = arrived.get(port);
    if (got !== undefined) micros.push(Number(got - t) / 1000);
  }
  micros.sort((a, b) => a - b);
  const q = (p) => micros[Math.min(micros.length - 1, Math.floor(p * micros.length))];
  const ms = (us) => `${(us / 1000).toFixed(2)} ms`;
  console.log(
    `  send() → summary line, ${micros.length}/${samples} packets: p50 ${ms(q(0.5))}  p90 ${ms(q(0.9))}  p99 ${ms(q(0.99))}  max ${ms(micros[micros.length - 1])}` +
      `  (target: p50 under 5 ms)`,
  );
  return { samples: micros.length, p50: q(0.5), p90: q(0.9), p99: q(0.99), max: micros[micros.length - 1] };
}

function fmt(x) {
  return Math.round(x).toLocaleString('en');
}

async function inside() {
  const load = fs.readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
  console.log(`live mode (TUN) — ${packets.toLocaleString('en')}-packet burst, ${samples} latency samples; load average ${load}`);
  const results = { burst: [] };
  results.burst.push(await burst('vsburst0', '10.77.0', [], 'reader thread, default queue'));
  results.burst.push(await burst('vsburst1', '10.77.1', ['--queue', '500'], "reader thread, kernel's 500 queue"));
  if (compare) await naiveBurst('vsburst2', '10.77.2');
  results.latency = await latency();
  fs.mkdirSync(path.join(root, 'bench', 'out'), { recursive: true });
  fs.writeFileSync(path.join(root, 'bench', 'out', 'live-results.json'), JSON.stringify(results, null, 2));
  return 0;
}

const run = args.includes('--inside') ? inside() : outer();
run.then(
  (code) => process.exit(code),
  (e) => {
    console.error(`live bench: ${e.message}`);
    process.exit(1);
  },
);
