/**
 * Live mode end to end: the built program, run as root inside network namespaces this file creates
 * (all traffic stays in them). Needs root, /dev/net/tun, iproute2, ping, dig, tcpdump, tshark and
 * openvpn; elsewhere every test is skipped with the reason — unless VPNSCOPE_REQUIRE_LIVE_TESTS=1
 * (set by .ci/run), which turns the reason into a failure.
 */
import { afterAll, describe, expect, it, type TestContext } from 'vitest';
import { spawn, spawnSync, type ChildProcess, type SpawnSyncReturns } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { repoRoot, samplesDir } from './util.js';

const bin = path.join(repoRoot, 'bin', 'vpnscope.js');
const keys = path.join(samplesDir, 'openvpn', 'keys');
const required = process.env.VPNSCOPE_REQUIRE_LIVE_TESTS === '1';

function which(tool: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${tool}`], { stdio: 'ignore' }).status === 0;
}

function unavailable(): string | undefined {
  if (process.platform !== 'linux') return 'live mode is Linux-only';
  if (process.getuid?.() !== 0) return 'needs root (network namespaces and TUN devices)';
  if (!fs.existsSync('/dev/net/tun')) return '/dev/net/tun is missing (modprobe tun)';
  if (!fs.existsSync(path.join(repoRoot, 'dist', 'cli', 'live.js'))) return 'the program is not built (npm run build; npm test builds first)';
  for (const tool of ['ip', 'ping', 'dig', 'tcpdump', 'tshark', 'openvpn', 'setpriv', 'unshare']) {
    if (!which(tool)) return `${tool} is not installed`;
  }
  const probe = `vpsl-probe-${process.pid}`;
  const made = spawnSync('ip', ['netns', 'add', probe], { encoding: 'utf8' });
  if (made.status !== 0) return `cannot create a network namespace: ${made.stderr.trim()}`;
  spawnSync('ip', ['netns', 'del', probe]);
  return undefined;
}

const reason = unavailable();
if (reason) console.warn(`live tests: ${required ? 'REQUIRED but cannot run' : 'skipped'}: ${reason}`);

/** A test that needs the live environment: skipped with the reason, or failed when required. */
function liveIt(name: string, fn: () => Promise<void>): void {
  it(name, async (ctx: TestContext) => {
    if (reason) {
      if (required) throw new Error(`VPNSCOPE_REQUIRE_LIVE_TESTS=1 but live tests cannot run here: ${reason}`);
      ctx.skip(reason);
    }
    await fn();
  });
}

// ---- helpers -----------------------------------------------------------------------------------------

function sh(command: string, args: string[], allowFailure = false): SpawnSyncReturns<string> {
  const r = spawnSync(command, args, { encoding: 'utf8', timeout: 30_000 });
  if (!allowFailure && r.status !== 0) throw new Error(`${command} ${args.join(' ')} failed (${r.status}): ${r.stderr}`);
  return r;
}

const namespaces: string[] = [];
let nsCounter = 0;

function newNamespace(): string {
  const name = `vpsl-${process.pid}-${++nsCounter}`;
  sh('ip', ['netns', 'add', name]);
  namespaces.push(name);
  sh('ip', ['-n', name, 'link', 'set', 'lo', 'up']);
  return name;
}

function deleteNamespace(name: string): void {
  const pids = sh('ip', ['netns', 'pids', name], true).stdout.split(/\s+/).filter(Boolean);
  for (const pid of pids) {
    try {
      process.kill(Number(pid), 'SIGKILL');
    } catch {
      // already gone
    }
  }
  sh('ip', ['netns', 'del', name], true);
}

const workDirs: string[] = [];

afterAll(() => {
  for (const ns of namespaces) deleteNamespace(ns);
  for (const dir of workDirs) fs.rmSync(dir, { recursive: true, force: true });
});

function workDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vpnscope-live-'));
  workDirs.push(dir);
  fs.chmodSync(dir, 0o777); // the program writes -w files after dropping root
  return dir;
}

async function until<T>(what: string, check: () => T | undefined | false, timeoutMs = 15_000, logs?: () => string): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const value = check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > end) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${logs ? `\n${logs()}` : ''}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** A running program whose output is collected as it comes. */
class Running {
  out = '';
  err = '';
  code: number | null | undefined = undefined;
  signal: NodeJS.Signals | null = null;
  readonly exited: Promise<void>;

  constructor(readonly child: ChildProcess) {
    child.stdout!.setEncoding('utf8').on('data', (s: string) => (this.out += s));
    child.stderr!.setEncoding('utf8').on('data', (s: string) => (this.err += s));
    this.exited = new Promise((resolve) =>
      child.once('close', (code, signal) => {
        this.code = code;
        this.signal = signal;
        resolve();
      }),
    );
  }

  logs = (): string => `--- stdout\n${this.out}\n--- stderr\n${this.err}`;

  waitErr(pattern: RegExp, timeoutMs = 20_000): Promise<true> {
    return until(`${pattern} on stderr`, () => pattern.test(this.err) || (this.code !== undefined ? failNow(this) : false), timeoutMs, this.logs);
  }

  async finish(timeoutMs = 15_000): Promise<void> {
    await until('the program to exit', () => this.code !== undefined, timeoutMs, this.logs);
  }
}

function failNow(r: Running): never {
  throw new Error(`the program exited early (status ${r.code}, signal ${r.signal})\n${r.logs()}`);
}

/** The environment without the sudo variables, so the default user to drop to is nobody. */
function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '1', ...extra };
  for (const k of ['SUDO_UID', 'SUDO_GID', 'SUDO_USER', 'SUDO_COMMAND']) if (!(k in extra)) delete env[k];
  return env;
}

function startLive(ns: string, args: string[], env = cleanEnv()): Running {
  return new Running(spawn('ip', ['netns', 'exec', ns, process.execPath, bin, 'live', ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] }));
}

function runInNs(ns: string, command: string, args: string[]): Promise<number | null> {
  return new Promise((resolve) => {
    const child = spawn('ip', ['netns', 'exec', ns, command, ...args], { stdio: 'ignore' });
    const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve(code);
    });
  });
}

/** uid/gid lines and effective capabilities of every thread of a process. */
function credentials(pid: number): { uids: string[]; gids: string[]; capEff: string[] } {
  const tasks = fs.readdirSync(`/proc/${pid}/task`);
  const uids: string[] = [];
  const gids: string[] = [];
  const capEff: string[] = [];
  for (const task of tasks) {
    const status = fs.readFileSync(`/proc/${pid}/task/${task}/status`, 'utf8');
    uids.push(/^Uid:\s*(.*)$/m.exec(status)![1]!.trim().replace(/\s+/g, ' '));
    gids.push(/^Gid:\s*(.*)$/m.exec(status)![1]!.trim().replace(/\s+/g, ' '));
    capEff.push(/^CapEff:\s*(.*)$/m.exec(status)![1]!.trim());
  }
  return { uids, gids, capEff };
}

function deviceExists(ns: string, name: string): boolean {
  return sh('ip', ['-n', ns, 'link', 'show', 'dev', name], true).status === 0;
}

/** Classic pcap records: link type and each packet's bytes (either byte order). */
function readPcap(file: string): { linkType: number; packets: Buffer[] } {
  const b = fs.readFileSync(file);
  const little = b.readUInt32LE(0) === 0xa1b2c3d4 || b.readUInt32LE(0) === 0xa1b23c4d;
  const u32 = (o: number) => (little ? b.readUInt32LE(o) : b.readUInt32BE(o));
  const packets: Buffer[] = [];
  for (let off = 24; off + 16 <= b.length; ) {
    const len = u32(off + 8);
    packets.push(b.subarray(off + 16, off + 16 + len));
    off += 16 + len;
  }
  return { linkType: u32(20), packets };
}

const FIELDS = [
  'frame.number', 'frame.time_epoch', 'frame.len', 'ip.src', 'ip.dst', 'icmp.type', 'icmp.seq', 'udp.dstport', 'dns.qry.name',
  'ipv6.dst', 'icmpv6.type', 'icmpv6.echo.sequence_number',
];
const fieldArgs = ['-T', 'fields', ...FIELDS.flatMap((f) => ['-e', f])];

function rows(text: string): Record<string, string>[] {
  return text
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => Object.fromEntries(l.split('\t').map((v, i) => [FIELDS[i]!, v])));
}

/** Rows of the packets the tests send (the kernel adds IPv6 router solicitations and MLD reports). */
function ours(lines: string[], prefix: string): string[] {
  return lines.filter((l) => {
    const r = rows(l)[0]!;
    return r['ip.dst']!.startsWith(prefix) || r['ipv6.dst'] === 'fd09::7';
  });
}

// ---- creating a TUN device ------------------------------------------------------------------------

describe('vpnscope live --tun', () => {
  liveIt('dissects a ping, a DNS query and an IPv6 ping routed into the device; -w reads back the same packets', async () => {
    const ns = newNamespace();
    const dir = workDir();
    const pcap = path.join(dir, 'live.pcap');
    const live = startLive(ns, ['--tun', 'vst0', '--address', '10.9.0.1/24', '--address', 'fd09::1/64', '--route', '10.99.0.0/24', '-w', pcap, ...fieldArgs]);
    await live.waitErr(/dissecting as/);

    // The device as the system sees it: up, with the address and the route.
    const addr = sh('ip', ['-n', ns, 'addr', 'show', 'dev', 'vst0']).stdout;
    expect(addr).toMatch(/<POINTOPOINT,MULTICAST,NOARP,UP,LOWER_UP>/);
    expect(addr).toContain('inet 10.9.0.1/24');
    expect(addr).toContain('inet6 fd09::1/64');
    expect(sh('ip', ['-n', ns, 'route', 'show', 'dev', 'vst0']).stdout).toContain('10.99.0.0/24');

    // An independent witness of what the kernel sent into the device.
    const witnessFile = path.join(dir, 'tcpdump.pcap');
    const witness = new Running(spawn('ip', ['netns', 'exec', ns, 'tcpdump', '--immediate-mode', '-i', 'vst0', '-n', '-U', '-Z', 'root', '-w', witnessFile], { stdio: ['ignore', 'pipe', 'pipe'] }));
    await witness.waitErr(/listening on/);

    expect(await runInNs(ns, 'ping', ['-n', '-c', '2', '-i', '0.2', '-W', '0.2', '10.99.0.7'])).not.toBe(0); // nobody answers
    await runInNs(ns, 'dig', ['@10.99.0.53', '+tries=1', '+time=1', 'vpnscope.example', 'A']);
    await runInNs(ns, 'ping', ['-n', '-6', '-c', '1', '-W', '0.2', 'fd09::7']);

    const want = (r: Record<string, string>[]) =>
      r.filter((x) => x['ip.dst'] === '10.99.0.7').length === 2 && r.some((x) => x['dns.qry.name']) && r.some((x) => x['ipv6.dst'] === 'fd09::7');
    await until('the packets to be dissected', () => want(rows(live.out)), 15_000, live.logs);

    live.child.kill('SIGTERM');
    await live.finish();
    witness.child.kill('SIGINT');
    await witness.finish();
    expect(live.code, live.logs()).toBe(0);
    expect(deviceExists(ns, 'vst0')).toBe(false);
    expect(live.err).toMatch(/^vpnscope: capturing on vst0, a new TUN device \(10\.9\.0\.1\/24; fd09::1\/64; routes 10\.99\.0\.0\/24\)$/m);
    expect(live.err).toMatch(/^vpnscope: \d+ packets captured, 0 dropped by the kernel/m);

    const seen = rows(live.out);
    const pings = seen.filter((r) => r['ip.dst'] === '10.99.0.7');
    expect(pings.map((r) => [r['ip.src'], r['icmp.type'], r['icmp.seq']])).toEqual([
      ['10.9.0.1', '8', '1'],
      ['10.9.0.1', '8', '2'],
    ]);
    const dns = seen.filter((r) => r['dns.qry.name'] !== '');
    expect(dns.length).toBeGreaterThanOrEqual(1);
    expect(dns[0]).toMatchObject({ 'ip.src': '10.9.0.1', 'ip.dst': '10.99.0.53', 'udp.dstport': '53', 'dns.qry.name': 'vpnscope.example' });
    const ping6 = seen.filter((r) => r['ipv6.dst'] === 'fd09::7');
    expect(ping6.map((r) => [r['icmpv6.type'], r['icmpv6.echo.sequence_number']])).toEqual([['128', '1']]);
    expect(seen.map((r) => r['frame.number'])).toEqual(seen.map((_, i) => String(i + 1)));

    // The -w file: raw IP, one record per packet shown, read back identically by vpnscope and tshark.
    const written = readPcap(pcap);
    expect(written.linkType).toBe(101);
    expect(written.packets).toHaveLength(seen.length);
    const liveLines = live.out.split('\n').filter(Boolean);
    const fileMode = sh(process.execPath, [bin, pcap, ...fieldArgs]).stdout.split('\n').filter(Boolean);
    expect(fileMode).toEqual(liveLines);
    const tshark = sh('tshark', ['-r', pcap, ...fieldArgs]).stdout.split('\n').filter(Boolean);
    expect(tshark).toHaveLength(liveLines.length);
    expect(ours(tshark, '10.99.0.')).toEqual(ours(liveLines, '10.99.0.'));

    // Byte for byte what tcpdump saw entering the device, for the packets this test sent.
    const sent = (packets: Buffer[]) =>
      packets.filter((p) => (p[0]! >> 4 === 4 && p[16] === 10 && p[17] === 99) || (p[0]! >> 4 === 6 && p[39] === 7 && p[24] === 0xfd)).map((p) => p.toString('hex'));
    const witnessed = sent(readPcap(witnessFile).packets);
    expect(witnessed).toHaveLength(pings.length + dns.length + ping6.length);
    expect(sent(written.packets)).toEqual(witnessed);
  });

  liveIt('-c stops by itself: statistics printed, exit status 0, device removed', async () => {
    const ns = newNamespace();
    const live = startLive(ns, ['--tun', 'vst1', '--address', '10.9.1.1/24', '-Y', 'icmp', '-c', '3', '-q', '-z', 'io,phs']);
    await live.waitErr(/dissecting as/);
    await runInNs(ns, 'ping', ['-n', '-c', '5', '-i', '0.2', '-W', '0.2', '10.9.1.9']);
    await live.finish();
    expect(live.code, live.logs()).toBe(0);
    expect(live.out).toContain('Protocol Hierarchy Statistics');
    expect(live.out).toMatch(/icmp\s*│\s*3\s*│\s*252\s*│/);
    expect(deviceExists(ns, 'vst1')).toBe(false);
  });

  liveIt('Ctrl-C (SIGINT) ends JSON output cleanly with exit status 0', async () => {
    const ns = newNamespace();
    const live = startLive(ns, ['--tun', 'vst2', '--address', '10.9.2.1/24', '-T', 'json', '-Y', 'icmp']);
    await live.waitErr(/dissecting as/);
    await runInNs(ns, 'ping', ['-n', '-c', '1', '-W', '0.2', '10.9.2.9']);
    await until('the ping in the JSON output', () => live.out.includes('"icmp.type"'), 15_000, live.logs);
    live.child.kill('SIGINT');
    await live.finish();
    expect(live.code, live.logs()).toBe(0);
    const packets = JSON.parse(live.out) as { _source: { layers: Record<string, Record<string, unknown>> } }[];
    expect(packets).toHaveLength(1);
    expect(packets[0]!._source.layers.ip!['ip.dst']).toBe('10.9.2.9');
    expect(deviceExists(ns, 'vst2')).toBe(false);
  });
});

// ---- privileges ---------------------------------------------------------------------------------

describe('vpnscope live: dissecting without root', () => {
  async function credentialsWhileRunning(args: string[], env?: NodeJS.ProcessEnv) {
    const ns = newNamespace();
    const live = startLive(ns, ['--tun', 'vsp0', '--address', '10.9.3.1/24', ...args], env);
    await live.waitErr(/dissecting as/);
    expect(fs.readFileSync(`/proc/${live.child.pid}/cmdline`, 'latin1')).toContain('vpnscope.js');
    const creds = credentials(live.child.pid!);
    // It still captures after the switch.
    await runInNs(ns, 'ping', ['-n', '-c', '1', '-W', '0.2', '10.9.3.9']);
    await until('the ping after the switch', () => /10\.9\.3\.1 → 10\.9\.3\.9 .*ICMP|10\.9\.3\.9.*Echo/.test(live.out), 15_000, live.logs);
    live.child.kill('SIGTERM');
    await live.finish();
    expect(live.code, live.logs()).toBe(0);
    return { creds, err: live.err };
  }

  liveIt('drops to nobody by default: every thread, real/effective/saved ids, no capabilities', async () => {
    const { creds, err } = await credentialsWhileRunning([]);
    expect(new Set(creds.uids)).toEqual(new Set(['65534 65534 65534 65534']));
    expect(new Set(creds.gids)).toEqual(new Set(['65534 65534 65534 65534']));
    expect(new Set(creds.capEff)).toEqual(new Set(['0000000000000000']));
    expect(err).toMatch(/^vpnscope: dissecting as nobody \(uid 65534, gid 65534\), not root/m);
  });

  liveIt('drops to the user who ran sudo (SUDO_UID/SUDO_GID)', async () => {
    const { creds, err } = await credentialsWhileRunning([], cleanEnv({ SUDO_UID: '4242', SUDO_GID: '4343' }));
    expect(new Set(creds.uids)).toEqual(new Set(['4242 4242 4242 4242']));
    expect(new Set(creds.gids)).toEqual(new Set(['4343 4343 4343 4343']));
    expect(err).toContain('(uid 4242, gid 4343), not root (the user who ran sudo)');
  });

  liveIt('drops to the user named with -Z', async () => {
    const uid = sh('id', ['-u', 'daemon']).stdout.trim();
    const { creds, err } = await credentialsWhileRunning(['-Z', 'daemon'], cleanEnv({ SUDO_UID: '4242', SUDO_GID: '4343' }));
    expect(new Set(creds.uids)).toEqual(new Set([`${uid} ${uid} ${uid} ${uid}`]));
    expect(err).toMatch(/dissecting as daemon \(uid \d+, gid \d+\), not root \(-Z\)/);
  });
});

// ---- errors ---------------------------------------------------------------------------------------

describe('vpnscope live: errors are one line with a documented exit status', () => {
  function runLive(ns: string, args: string[], prefix: string[] = [], env = cleanEnv()) {
    const r = spawnSync('ip', ['netns', 'exec', ns, ...prefix, process.execPath, bin, 'live', ...args], { encoding: 'utf8', env, timeout: 30_000 });
    return { code: r.status, out: r.stdout, err: r.stderr };
  }
  function expectOneLine(err: string, pattern: RegExp): void {
    const lines = err.trimEnd().split('\n');
    expect(lines, err).toHaveLength(1);
    expect(lines[0]).toMatch(/^vpnscope: /);
    expect(lines[0]).toMatch(pattern);
    expect(err).not.toMatch(/\n\s+at /);
  }

  liveIt('without root: says what is needed, exit 5, nothing created', async () => {
    const ns = newNamespace();
    const r = runLive(ns, ['--tun', 'vse0', '--address', '10.9.4.1/24'], ['setpriv', '--reuid=65534', '--regid=65534', '--clear-groups']);
    expect(r.code).toBe(5);
    expectOneLine(r.err, /needs root or CAP_NET_ADMIN.*sudo/);
    expect(deviceExists(ns, 'vse0')).toBe(false);
  });

  liveIt('capturing (-i) without root: says what is needed, exit 5', async () => {
    const ns = newNamespace();
    const r = runLive(ns, ['-i', 'lo'], ['setpriv', '--reuid=65534', '--regid=65534', '--clear-groups']);
    expect(r.code).toBe(5);
    expectOneLine(r.err, /capturing on lo needs root or CAP_NET_RAW: run it with sudo/);
  });

  liveIt('without /dev/net/tun: says how to get it, exit 5', async () => {
    const ns = newNamespace();
    const r = runLive(ns, ['--tun', 'vse1'], ['unshare', '-m', 'sh', '-c', 'mount -t tmpfs none /dev/net && exec "$0" "$@"']);
    expect(r.code).toBe(5);
    expectOneLine(r.err, /\/dev\/net\/tun is missing: load the tun module \(sudo modprobe tun\)/);
    expect(deviceExists(ns, 'vse1')).toBe(false);
  });

  liveIt('a name already taken: exit 5, and the other interface is untouched', async () => {
    const ns = newNamespace();
    const r = runLive(ns, ['--tun', 'lo']);
    expect(r.code).toBe(5);
    expectOneLine(r.err, /an interface named 'lo' already exists.*vpnscope live -i lo/);
    expect(sh('ip', ['-n', ns, 'link', 'show', 'lo']).stdout).toContain('LOOPBACK,UP');
  });

  liveIt('a configuration the system refuses leaves no half-made device behind', async () => {
    const ns = newNamespace();
    sh('ip', ['netns', 'exec', ns, 'sysctl', '-qw', 'net.ipv6.conf.all.disable_ipv6=1', 'net.ipv6.conf.default.disable_ipv6=1']);
    const r = runLive(ns, ['--tun', 'vse2', '--address', '10.9.5.1/24', '--address', 'fd09::1/64']);
    expect(r.code).toBe(5);
    expectOneLine(r.err, /cannot configure vse2: ip -6 addr add fd09::1\/64 dev vse2 nodad: /);
    expect(deviceExists(ns, 'vse2')).toBe(false);
  });

  liveIt('an interface that does not exist (-i): exit 5', async () => {
    const ns = newNamespace();
    const r = runLive(ns, ['-i', 'nosuch0']);
    expect(r.code).toBe(5);
    expectOneLine(r.err, /no interface named 'nosuch0'/);
  });

  liveIt('no capture program installed (-i): says to install tcpdump, exit 5', async () => {
    const ns = newNamespace();
    // Hide tcpdump and dumpcap wherever they are, in a mount namespace of this command only.
    const hide = ['/usr/bin', '/usr/sbin', '/bin', '/sbin', '/usr/local/bin', '/usr/local/sbin']
      .flatMap((d) => [`${d}/tcpdump`, `${d}/dumpcap`])
      .map((f) => `if [ -e ${f} ]; then mount --bind /dev/null ${f}; fi`)
      .join('; ');
    const r = runLive(ns, ['-i', 'lo'], ['unshare', '-m', 'sh', '-c', `${hide}; exec "$0" "$@"`]);
    expect(r.code).toBe(5);
    expectOneLine(r.err, /neither tcpdump nor dumpcap is installed: install tcpdump/);
  });

  liveIt('command-line mistakes are found before any device exists', async () => {
    const ns = newNamespace();
    const bad = runLive(ns, ['--tun', 'vse3', '--address', '10.9.6.1/33']);
    expect(bad.code).toBe(1);
    expectOneLine(bad.err, /--address needs an IPv4 or IPv6 address/);
    const filter = runLive(ns, ['--tun', 'vse3', '-Y', 'ip.src ==']);
    expect(filter.code).toBe(4);
    const neither = runLive(ns, []);
    expect(neither.code).toBe(1);
    expectOneLine(neither.err, /live needs --tun NAME .* or -i IFACE/);
    expect(deviceExists(ns, 'vse3')).toBe(false);
  });
});

// ---- watching a running OpenVPN's tun device --------------------------------------------------------

describe('vpnscope live -i on a running OpenVPN client', () => {
  liveIt('sees the ICMP packets inside the tunnel (link type RAW), as an unprivileged user', async () => {
    const server = newNamespace();
    const client = newNamespace();
    const vethS = `vpsS${process.pid % 100000}`;
    const vethC = `vpsC${process.pid % 100000}`;
    sh('ip', ['link', 'add', vethS, 'type', 'veth', 'peer', 'name', vethC]);
    sh('ip', ['link', 'set', vethS, 'netns', server]);
    sh('ip', ['link', 'set', vethC, 'netns', client]);
    sh('ip', ['-n', server, 'addr', 'add', '10.95.0.1/24', 'dev', vethS]);
    sh('ip', ['-n', client, 'addr', 'add', '10.95.0.2/24', 'dev', vethC]);
    sh('ip', ['-n', server, 'link', 'set', vethS, 'up']);
    sh('ip', ['-n', client, 'link', 'set', vethC, 'up']);

    const dir = workDir();
    const common = ['--dev', 'tun', '--verb', '3', '--proto', 'udp'];
    const openvpnServer = new Running(
      spawn('ip', ['netns', 'exec', server, 'openvpn', ...common, '--topology', 'subnet', '--server', '10.8.0.0', '255.255.255.0',
        '--local', '10.95.0.1', '--port', '1194', '--ca', `${keys}/ca.crt`, '--cert', `${keys}/server.crt`, '--key', `${keys}/server.key`,
        '--dh', 'none', '--log', path.join(dir, 'server.log')], { stdio: ['ignore', 'pipe', 'pipe'] }),
    );
    const openvpnClient = new Running(
      spawn('ip', ['netns', 'exec', client, 'openvpn', ...common, '--client', '--remote', '10.95.0.1', '1194', '--nobind',
        '--ca', `${keys}/ca.crt`, '--cert', `${keys}/client.crt`, '--key', `${keys}/client.key`, '--remote-cert-tls', 'server',
        '--log', path.join(dir, 'client.log')], { stdio: ['ignore', 'pipe', 'pipe'] }),
    );
    const clientLog = () => (fs.existsSync(path.join(dir, 'client.log')) ? fs.readFileSync(path.join(dir, 'client.log'), 'utf8') : '');
    const serverLog = () => (fs.existsSync(path.join(dir, 'server.log')) ? fs.readFileSync(path.join(dir, 'server.log'), 'utf8') : '');
    try {
      await until('the OpenVPN client to connect', () => clientLog().includes('Initialization Sequence Completed'), 45_000, () => `${clientLog()}\n${serverLog()}`);
      expect(openvpnServer.code).toBeUndefined();

      // tun0 belongs to openvpn: a second TUNSETIFF is refused, and the message says to use -i.
      const busy = spawnSync('ip', ['netns', 'exec', client, process.execPath, bin, 'live', '--tun', 'tun0'], { encoding: 'utf8', env: cleanEnv() });
      expect(busy.status).toBe(5);
      expect(busy.stderr).toMatch(/'tun0' already exists.*vpnscope live -i tun0/);

      const live = startLive(client, ['-i', 'tun0', '-f', 'icmp', '-T', 'fields', '-e', 'frame.encap_type', '-e', 'ip.src', '-e', 'ip.dst', '-e', 'icmp.type', '-e', 'icmp.seq']);
      await live.waitErr(/dissecting as/);
      expect(live.err).toMatch(/^vpnscope: capturing on tun0 through .*(tcpdump|dumpcap)$/m);
      const creds = credentials(live.child.pid!);
      expect(new Set(creds.uids)).toEqual(new Set(['65534 65534 65534 65534']));
      const captureChild = sh('pgrep', ['-P', String(live.child.pid), '-x', 'tcpdump']).stdout.trim();
      expect(fs.readFileSync(`/proc/${captureChild}/status`, 'utf8')).toMatch(/^Uid:\s+65534\s/m);

      expect(await runInNs(client, 'ping', ['-n', '-c', '3', '-i', '0.2', '-W', '2', '10.8.0.1'])).toBe(0);
      await until('three echo replies', () => live.out.split('\n').filter((l) => /\t0\t/.test(l)).length === 3, 15_000, live.logs);
      live.child.kill('SIGTERM');
      await live.finish();
      expect(live.code, live.logs()).toBe(0);
      expect(live.err).toMatch(/tcpdump: 6 packets captured/);
      // tcpdump went with it.
      expect(sh('pgrep', ['-x', 'tcpdump', '-P', String(live.child.pid)], true).stdout.trim()).toBe('');

      const lines = live.out.split('\n').filter(Boolean);
      expect(lines).toEqual([
        '7\t10.8.0.2\t10.8.0.1\t8\t1',
        '7\t10.8.0.1\t10.8.0.2\t0\t1',
        '7\t10.8.0.2\t10.8.0.1\t8\t2',
        '7\t10.8.0.1\t10.8.0.2\t0\t2',
        '7\t10.8.0.2\t10.8.0.1\t8\t3',
        '7\t10.8.0.1\t10.8.0.2\t0\t3',
      ]);
    } finally {
      openvpnClient.child.kill('SIGTERM');
      openvpnServer.child.kill('SIGTERM');
      await Promise.race([Promise.all([openvpnClient.exited, openvpnServer.exited]), new Promise((r) => setTimeout(r, 5000))]);
    }
  });
});
