/**
 * `vpnscope live`: dissect traffic as it happens, with every output option file mode has.
 *
 *   vpnscope live --tun NAME [--address CIDR …] [--route CIDR …]   create a TUN device and read it
 *   vpnscope live -i IFACE [-f 'capture filter']                   watch an interface through tcpdump
 *
 * Privileges: creating the device (CAP_NET_ADMIN) and capturing (CAP_NET_RAW) need root, parsing
 * hostile bytes must not have it. So the order is: open and configure the device, or start the
 * capture program; then switch to an unprivileged user (-Z USER, else the user who ran sudo, else
 * nobody) and only then dissect the first packet. Nothing needs root afterwards: the TUN device is not
 * persistent, so the kernel removes it when vpnscope's descriptor closes, however vpnscope ends.
 *
 * Wiring only: the capture sources live in capture/, the read → dissect → print loop is run.ts's.
 */
import fs from 'node:fs';
import { isIP } from 'node:net';
import { Command, Option } from 'commander';
import { registerAll } from '../protocols/index.js';
import { registerStats } from '../stats/all.js';
import { buildProgram, runOptionsFrom } from './main.js';
import { prepare, runSource, type RunOptions } from './run.js';
import { CliError, ExitCode } from './errors.js';
import {
  createTun,
  DEFAULT_QUEUE_LENGTH,
  dropCapabilities,
  invalidInterfaceName,
  LiveCaptureError,
  lookupUser,
  type TunCapture,
  type UserEntry,
} from '../capture/live-tun.js';
import { startPipeCapture, type PipeCapture } from '../capture/live-pipe.js';

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

function queueLength(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 1_000_000) throw new CliError(`--queue needs a whole number of packets (1 … 1000000), not '${value}'`, ExitCode.Usage);
  return n;
}

/** File-mode options that make no sense live. */
const FILE_ONLY = new Set(['--read-file', '--glossary']);

export function buildLiveCommand(): Command {
  const command = new Command('vpnscope live')
    .usage('(--tun NAME [--address CIDR] [--route CIDR] | -i IFACE [-f FILTER]) [-Z USER] [output options]')
    .description(
      'Dissect live traffic: create a TUN device and dissect what the system routes into it (--tun), or watch an existing ' +
        'interface such as a running OpenVPN\'s tun0 through tcpdump (-i). Needs root to start; dissects as an unprivileged user.',
    )
    .option('--tun <name>', 'create a TUN device of this name (vpn%d lets the kernel number it) and read every packet routed into it')
    .option('--address <cidr>', 'with --tun: give the device this address, e.g. 10.9.0.1/24 or fd09::1/64 (repeatable)', collect, [])
    .option('--route <cidr>', 'with --tun: route this prefix into the device, e.g. 10.99.0.0/24, fd99::/64, default (repeatable)', collect, [])
    .option('--queue <packets>', `with --tun: packets the kernel holds while vpnscope catches up (default ${DEFAULT_QUEUE_LENGTH})`, queueLength)
    .option('-i, --interface <iface>', 'watch an existing interface through tcpdump (or dumpcap), e.g. tun0 of a running VPN')
    .option('-f, --capture-filter <filter>', "with -i: capture filter in tcpdump's syntax, e.g. 'icmp or udp port 53'")
    .option('-Z, --user <user>', 'dissect as this user (default: the user who ran sudo, else nobody)');
  for (const option of buildProgram().options) {
    if (!FILE_ONLY.has(option.long ?? '')) command.addOption(option as Option);
  }
  return command
    .addHelpText(
      'after',
      `
Examples:
  sudo vpnscope live --tun vpn0 --address 10.9.0.1/24 --route 10.99.0.0/24
  sudo vpnscope live --tun vpn0 --address 10.9.0.1/24 -V -Y dns -w dns.pcap
  sudo vpnscope live -i tun0 -f icmp -c 10

Ctrl-C (or SIGTERM) stops cleanly: statistics are printed, the -w file is complete, the TUN device is removed.
Exit status 5: live capture could not start (privileges, /dev/net/tun, interface, capture program).`,
    )
    .configureOutput({ writeErr: () => {}, writeOut: (s) => process.stdout.write(s) })
    .exitOverride()
    .showSuggestionAfterError(true);
}

// ---- checking the command line --------------------------------------------------------------------

/** Checks CIDR text the way ip will read it; returns it normalised, or throws a usage error. */
function checkPrefix(text: string, what: string, allowDefault: boolean): string {
  if (allowDefault && text === 'default') return '0.0.0.0/0';
  const slash = text.indexOf('/');
  const address = slash < 0 ? text : text.slice(0, slash);
  const family = isIP(address);
  const maxLength = family === 4 ? 32 : 128;
  const length = slash < 0 ? maxLength : Number(text.slice(slash + 1));
  if (family === 0 || !/^\d+$/.test(slash < 0 ? '0' : text.slice(slash + 1)) || length > maxLength) {
    throw new CliError(`${what} needs an IPv4 or IPv6 address with an optional prefix length (10.9.0.1/24, fd09::1/64), not '${text}'`, ExitCode.Usage);
  }
  return `${address}/${length}`;
}

// ---- privileges -------------------------------------------------------------------------------------

interface DropTarget {
  /** Login name, when the user database has one (initgroups needs it). */
  name: string | undefined;
  uid: number;
  gid: number;
  /** Why this user: shown on stderr. */
  reason: string;
}

function isRoot(): boolean {
  return process.geteuid!() === 0 || process.getuid!() === 0;
}

/** The user to dissect as: -Z USER, else who ran sudo, else nobody. Undefined when not root. */
function chooseUser(requested: string | undefined): DropTarget | undefined {
  if (requested !== undefined) {
    const entry = lookupUser(requested);
    if (!entry) throw new CliError(`-Z: there is no user named '${requested}'`, ExitCode.Usage);
    if (entry.uid === 0) throw new CliError(`-Z ${requested}: that user is root; dissecting hostile packets as root is what -Z avoids`, ExitCode.Usage);
    return { name: entry.name, uid: entry.uid, gid: entry.gid, reason: '-Z' };
  }
  if (!isRoot()) return undefined;
  const sudoUid = Number(process.env.SUDO_UID);
  if (process.env.SUDO_UID && Number.isInteger(sudoUid) && sudoUid > 0) {
    const sudoGid = Number(process.env.SUDO_GID);
    const entry: UserEntry | undefined = process.env.SUDO_USER ? lookupUser(process.env.SUDO_USER) : undefined;
    return {
      name: entry?.uid === sudoUid ? entry.name : undefined,
      uid: sudoUid,
      gid: Number.isInteger(sudoGid) && process.env.SUDO_GID ? sudoGid : (entry?.gid ?? sudoUid),
      reason: 'the user who ran sudo',
    };
  }
  const nobody = lookupUser('nobody');
  return { name: nobody?.name ?? undefined, uid: nobody?.uid ?? 65534, gid: nobody?.gid ?? 65534, reason: 'no -Z and no sudo user' };
}

function describeUser(t: DropTarget): string {
  return `${t.name ?? `uid ${t.uid}`} (uid ${t.uid}, gid ${t.gid})`;
}

/**
 * Gives up root for good: supplementary groups, then the group, then the user (setuid from root also
 * clears every capability). Node's setuid goes through glibc, which applies it to every thread.
 */
function dropPrivileges(target: DropTarget): void {
  try {
    // initgroups is in Node on POSIX but missing from @types/node 20.
    const withGroups = process as unknown as { initgroups(user: string, extraGroup: number): void };
    if (target.name !== undefined) withGroups.initgroups(target.name, target.gid);
    else process.setgroups!([target.gid]);
    process.setgid!(target.gid);
    process.setuid!(target.uid);
  } catch (e) {
    throw new CliError(`cannot switch to ${describeUser(target)}: ${(e as Error).message}`, ExitCode.Live);
  }
  let regained = false;
  try {
    process.setuid!(0);
    regained = true;
  } catch {
    // expected: root is gone
  }
  if (regained || process.getuid!() === 0 || process.geteuid!() === 0) {
    throw new CliError(`switching to ${describeUser(target)} did not take effect; refusing to dissect as root`, ExitCode.Live);
  }
}

/** Capabilities a non-root user may hold (e.g. ambient CAP_NET_ADMIN), as the kernel reports them. */
function effectiveCapabilities(): bigint {
  try {
    const m = /^CapEff:\s*([0-9a-f]+)$/m.exec(fs.readFileSync('/proc/self/status', 'latin1'));
    return m ? BigInt(`0x${m[1]}`) : 0n;
  } catch {
    return 0n;
  }
}

// ---- running --------------------------------------------------------------------------------------

type Live = { kind: 'tun'; capture: TunCapture } | { kind: 'pipe'; capture: PipeCapture };

export async function runLive(argv: string[]): Promise<number> {
  const command = buildLiveCommand();
  command.parse(argv, { from: 'user' });
  const o = command.opts();
  if (command.args.length > 0) throw new CliError(`live takes no capture file ('${command.args[0]}'); use --tun NAME or -i IFACE`, ExitCode.Usage);
  if (o.tun === undefined && o.interface === undefined) {
    throw new CliError('live needs --tun NAME (create a TUN device) or -i IFACE (watch an existing interface); see vpnscope live --help', ExitCode.Usage);
  }
  if (o.tun !== undefined && o.interface !== undefined) throw new CliError('--tun and -i do not go together: one capture at a time', ExitCode.Usage);
  if (o.tun === undefined && (o.address.length > 0 || o.route.length > 0 || o.queue !== undefined)) {
    throw new CliError('--address, --route and --queue configure the device --tun creates', ExitCode.Usage);
  }
  if (o.interface === undefined && o.captureFilter !== undefined) {
    throw new CliError("-f (capture filter) goes with -i; to choose packets with --tun use a display filter (-Y)", ExitCode.Usage);
  }
  const deviceName: string = o.tun ?? o.interface;
  const badName = invalidInterfaceName(deviceName);
  if (badName) throw new CliError(badName, ExitCode.Usage);
  const addresses = (o.address as string[]).map((a) => checkPrefix(a, '--address', false));
  const routes = (o.route as string[]).map((r) => checkPrefix(r, '--route', true));

  const runOptions: RunOptions = runOptionsFrom(o, deviceName);
  registerAll();
  registerStats();
  // Everything that can be wrong with the command line is found before a device exists.
  const prepared = prepare(runOptions);
  if (process.platform !== 'linux') throw new CliError('live capture works on Linux only', ExitCode.Live);

  // A signal during start-up is remembered and honoured as soon as the capture exists; a second one
  // ends at once (the kernel still removes the device: its descriptor closes with the process).
  let live: Live | undefined;
  let signalled = false;
  const onSignal = (signal: NodeJS.Signals): void => {
    if (signalled) process.exit(128 + (signal === 'SIGINT' ? 2 : signal === 'SIGHUP' ? 1 : 15));
    signalled = true;
    live?.capture.stop();
  };
  const signals: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];
  for (const s of signals) process.on(s, onSignal);

  try {
    let target: DropTarget | undefined;
    try {
      target = chooseUser(o.user);
      if (o.tun !== undefined) {
        const capture = createTun({ name: o.tun, addresses, routes, queueLength: o.queue ?? DEFAULT_QUEUE_LENGTH });
        live = { kind: 'tun', capture };
        await capture.ready();
        const config = [...addresses, ...(routes.length ? [`routes ${routes.join(', ')}`] : [])];
        process.stderr.write(`vpnscope: capturing on ${capture.name}, a new TUN device${config.length ? ` (${config.join('; ')})` : ''}\n`);
      } else {
        const capture = await startPipeCapture({ iface: o.interface, filter: o.captureFilter, user: isRoot() ? target?.name : undefined });
        live = { kind: 'pipe', capture };
        process.stderr.write(`vpnscope: capturing on ${o.interface} through ${capture.program.path}\n`);
      }
    } catch (e) {
      if (e instanceof LiveCaptureError) throw new CliError(e.message, ExitCode.Live);
      throw e;
    }

    if (target !== undefined && isRoot()) {
      dropPrivileges(target);
      process.stderr.write(`vpnscope: dissecting as ${describeUser(target)}, not root (${target.reason})\n`);
    } else if (effectiveCapabilities() !== 0n) {
      try {
        dropCapabilities();
      } catch (e) {
        throw new CliError(e instanceof Error ? e.message : String(e), ExitCode.Live);
      }
      process.stderr.write(`vpnscope: dissecting as uid ${process.getuid!()} with its capabilities dropped\n`);
    }
    if (o.write !== undefined) checkWritable(o.write, target);
    if (signalled) live.capture.stop();

    const source = live.kind === 'tun' ? live.capture : live.capture.source;
    let code: number;
    try {
      code = await runSource(source, runOptions, prepared, deviceName);
    } catch (e) {
      if (e instanceof LiveCaptureError) throw new CliError(e.message, ExitCode.Live);
      throw e;
    }
    await live.capture.close();
    if (live.kind === 'tun') {
      const c = live.capture;
      process.stderr.write(`vpnscope: ${c.packetsRead} packet${c.packetsRead === 1 ? '' : 's'} captured, ${c.droppedByKernel} dropped by the kernel (queue full)\n`);
    } else {
      const c = live.capture;
      if (c.finalReport.length) process.stderr.write(`vpnscope: ${c.program.kind}: ${c.finalReport.join(', ')}\n`);
      if (c.failure !== undefined) {
        process.stderr.write(`vpnscope: the capture stopped: ${c.failure}\n`);
        if (code === ExitCode.Ok) code = ExitCode.Live;
      }
    }
    return code;
  } finally {
    await live?.capture.close();
    for (const s of signals) process.off(s, onSignal);
  }
}

/**
 * The -w file is written by the unprivileged user: find out now, not at the first packet, when that
 * user cannot write there.
 */
function checkWritable(file: string, target: DropTarget | undefined): void {
  try {
    fs.closeSync(fs.openSync(file, 'a'));
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code ?? (e as Error).message;
    const as = target ? ` as ${describeUser(target)}` : '';
    throw new CliError(`${file}: cannot write${as} (${code}): choose a place that user can write, or another user with -Z`, ExitCode.Live);
  }
}
