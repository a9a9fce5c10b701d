/**
 * vpnscope's command line: argument parsing and wiring only. tshark's flags where tshark has them.
 *
 * Exit codes (also in the README):
 *   0  success
 *   1  bad command line (unknown flag, bad value)
 *   2  the capture ended in the middle of a packet (every whole packet was shown)
 *   3  the input could not be opened or is not a capture file
 *   4  the display filter (-Y) is invalid
 *   5  live capture could not start (privileges, device, capture program)
 */
import { Command, CommanderError, Option, type OptionValues } from 'commander';
import { registerAll } from '../protocols/index.js';
import { allPreferences, checkPreferenceValue, findPreference } from '../engine/prefs.js';
import { accessSync, constants } from 'node:fs';
import { findProtocol } from '../engine/dispatch.js';
import { registerStats } from '../stats/all.js';
import { runFile, type RunOptions } from './run.js';
import { TIME_FORMATS, type TimeFormat } from '../render/text.js';
import { CliError, ExitCode } from './errors.js';
import { isTerminal } from './output.js';
import { fields as registry, FT } from '../engine/fields.js';

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

function positiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0) throw new CliError(`-c needs a positive whole number, not '${value}'`, ExitCode.Usage);
  return n;
}

export function buildProgram(): Command {
  const program = new Command('vpnscope')
    .description('Dissect capture files layer by layer — Ethernet, IP, TCP/UDP, DNS, HTTP, TLS and every OpenVPN variant.')
    .argument('[file]', 'capture file to read (pcap, pcapng, gzip-compressed; "-" for standard input)')
    .option('-r, --read-file <file>', 'capture file to read (same as the positional argument)')
    .option('-V, --verbose', 'print the full protocol tree of each packet')
    .option('-x, --hex', 'print a hex and ASCII dump of each packet')
    .addOption(new Option('-T, --format <format>', 'output format').choices(['text', 'json', 'ndjson', 'ek', 'fields']))
    .option('-e, --field <field>', 'field to print with -T fields (repeatable)', collect, [])
    .option('-E, --field-option <option>', 'fields output option: header=y, separator=/t, aggregator=, occurrence=f|l|a, quote=d|s|n', collect, [])
    .option('-Y, --display-filter <filter>', 'show only packets matching this display filter')
    .option('-c, --count <n>', 'stop after n packets', positiveInt)
    .addOption(new Option('-t, --time-format <format>', 'Time column: r relative (default), d delta, dd delta shown, e epoch, a/ad/adoy local time (and date, day of year), u/ud/udoy UTC').choices([...TIME_FORMATS]))
    .option('-O, --details-of <protocols>', 'with the tree: show only these protocols in full, e.g. openvpn,tls (implies -V)')
    .option('-l, --flush', 'write each packet out at once (when a pipe is read as packets arrive)')
    .option('-n', 'accepted as in tshark: vpnscope never resolves addresses to names')
    .option('-z, --statistics <stat>', 'statistics to print at the end (repeatable): io,phs  conv,TYPE  endpoints,TYPE  expert  dns,tree  http,tree  openvpn,sessions; add ,FILTER to count only matching packets', collect, [])
    .option('-q, --quiet', 'no per-packet output (with -z)')
    .option('-w, --write <file>', 'write the shown packets to a pcap file')
    .option('-o, --pref <name:value>', 'set a protocol preference, e.g. openvpn.wrap:tls-crypt (repeatable)', collect, [])
    .option('-d, --decode-as <rule>', 'decode a port as a protocol, e.g. udp.port==1198,openvpn (repeatable)', collect, [])
    .option('--explain', 'with -V: print under each field what it means')
    .option('--no-color', 'never colour the output')
    .option('-G, --glossary <report>', 'print a report instead of reading a capture: "fields", "protocols" or "prefs"')
    .configureOutput({
      writeErr: () => {},
      writeOut: (s) => process.stdout.write(s),
    })
    .addHelpText('after', '\nLive capture (TUN devices, running VPNs): vpnscope live --help')
    .exitOverride()
    .showSuggestionAfterError(true);
  return program;
}

/** "openvpn,tls" or "ip udp" as protocol abbreviations, each one known. */
function protocolSet(list: string): Set<string> {
  const names = list.split(/[\s,]+/).filter(Boolean).map((n) => n.toLowerCase());
  if (names.length === 0) throw new CliError('-O needs protocol names, e.g. -O openvpn,tls', ExitCode.Usage);
  for (const n of names) if (!findProtocol(n)) throw new CliError(`-O: unknown protocol '${n}' (vpnscope -G protocols lists them)`, ExitCode.Usage);
  return new Set(names);
}

/**
 * -o name:value, checked against the preferences the protocols declare (as tshark refuses an unknown
 * one). A key file that cannot be read is only warned about: a live capture's key log may appear later.
 */
function parsePrefs(list: string[]): Record<string, string> {
  const prefs: Record<string, string> = {};
  for (const p of list) {
    const i = p.indexOf(':');
    if (i <= 0) throw new CliError(`-o needs name:value, not '${p}'`, ExitCode.Usage);
    const name = p.slice(0, i);
    const value = p.slice(i + 1);
    const pref = findPreference(name);
    if (!pref) throw new CliError(`-o ${name}: no such preference (vpnscope -G prefs lists them)`, ExitCode.Usage);
    const wrong = checkPreferenceValue(pref, value);
    if (wrong) throw new CliError(`-o ${wrong}`, ExitCode.Usage);
    if (pref.kind === 'file' && !readable(value)) process.stderr.write(`vpnscope: warning: -o ${name}: cannot read ${value}; nothing is decrypted with it\n`);
    // Protocols compare booleans as Wireshark writes them: TRUE, FALSE.
    prefs[name] = pref.kind === 'bool' ? value.toUpperCase() : value;
  }
  return prefs;
}

function readable(file: string): boolean {
  try {
    accessSync(file, constants.R_OK);
    return true;
  } catch {
    return false;
  }
}

function parseDecodeAs(list: string[]): { table: string; key: number | string; protocol: string }[] {
  return list.map((d) => {
    const m = /^([a-z0-9_.]+)==([^,]+),([a-z0-9_.-]+)$/i.exec(d.trim());
    if (!m) throw new CliError(`-d needs table==value,protocol (e.g. udp.port==1198,openvpn), not '${d}'`, ExitCode.Usage);
    const key = /^\d+$/.test(m[2]!) ? Number(m[2]) : m[2]!;
    return { table: m[1]!, key, protocol: m[3]!.toLowerCase() };
  });
}

const typeNames: Record<number, string> = {
  [FT.None]: 'FT_NONE', [FT.Protocol]: 'FT_PROTOCOL', [FT.UInt8]: 'FT_UINT8', [FT.UInt16]: 'FT_UINT16', [FT.UInt24]: 'FT_UINT24',
  [FT.UInt32]: 'FT_UINT32', [FT.UInt64]: 'FT_UINT64', [FT.Int8]: 'FT_INT8', [FT.Int16]: 'FT_INT16', [FT.Int32]: 'FT_INT32',
  [FT.Bool]: 'FT_BOOLEAN', [FT.Bytes]: 'FT_BYTES', [FT.String]: 'FT_STRING', [FT.IPv4]: 'FT_IPv4', [FT.IPv6]: 'FT_IPv6',
  [FT.Ether]: 'FT_ETHER', [FT.AbsTime]: 'FT_ABSOLUTE_TIME', [FT.RelTime]: 'FT_RELATIVE_TIME', [FT.FrameNum]: 'FT_FRAMENUM', [FT.Double]: 'FT_DOUBLE',
};

function glossary(report: string): string {
  const all = registry.all().filter((f) => !f.abbrev.startsWith('_ws.') || f.abbrev.startsWith('_ws.malformed'));
  if (report === 'protocols') {
    return all.filter((f) => f.type === FT.Protocol).map((f) => `${f.name}\t${f.abbrev}\t${f.description}`).join('\n') + '\n';
  }
  if (report === 'prefs') return allPreferences().map((p) => `${p.name}\t${p.kind}\t${p.description}`).join('\n') + '\n';
  if (report === 'fields') {
    return all.map((f) => `${f.type === FT.Protocol ? 'P' : 'F'}\t${f.name}\t${f.abbrev}\t${typeNames[f.type]}\t${f.protocol}\t${f.description}`).join('\n') + '\n';
  }
  throw new CliError(`-G takes "fields", "protocols" or "prefs", not '${report}'`, ExitCode.Usage);
}

export async function main(argv: string[]): Promise<void> {
  let code: number;
  try {
    code = await run(argv);
  } catch (e) {
    code = reportError(e);
  }
  process.exitCode = code;
}

function reportError(e: unknown): number {
  if (e instanceof CliError) {
    process.stderr.write(`vpnscope: ${e.message}\n`);
    return e.code;
  }
  if (e instanceof CommanderError) {
    if (e.code === 'commander.helpDisplayed' || e.code === 'commander.version' || e.code === 'commander.help') return 0;
    process.stderr.write(`vpnscope: ${e.message.replace(/^error: /, '')} (see vpnscope --help)\n`);
    return ExitCode.Usage;
  }
  // An internal error: one line, never a stack trace unless asked for.
  const msg = e instanceof Error ? e.message : String(e);
  process.stderr.write(`vpnscope: internal error: ${msg}\n`);
  if (process.env.VPNSCOPE_DEBUG && e instanceof Error) process.stderr.write(`${e.stack}\n`);
  return 70;
}

async function run(argv: string[]): Promise<number> {
  // `vpnscope live …` (live.ts): loaded only when asked for, so file mode never loads the FFI library.
  if (argv[0] === 'live') return (await import('./live.js')).runLive(argv.slice(1));
  const program = buildProgram();
  program.parse(argv, { from: 'user' });
  const o = program.opts();
  registerAll();
  registerStats();
  if (o.glossary) {
    process.stdout.write(glossary(o.glossary));
    return 0;
  }
  const file: string | undefined = o.readFile ?? program.args[0];
  if (!file) throw new CliError('no capture file given (vpnscope FILE, or -r FILE; "-" reads standard input)', ExitCode.Usage);
  if (o.readFile && program.args[0]) throw new CliError(`two capture files given ('${o.readFile}' and '${program.args[0]}')`, ExitCode.Usage);
  return runFile(runOptionsFrom(o, file));
}

/** The output options file and live mode share, checked and converted from the parsed flags. */
export function runOptionsFrom(o: OptionValues, file: string): RunOptions {
  const format = (o.format ?? 'text') as RunOptions['format'];
  if (format === 'fields' && o.field.length === 0) throw new CliError('-T fields needs at least one -e FIELD', ExitCode.Usage);
  if (o.field.length > 0 && format !== 'fields') throw new CliError('-e FIELD needs -T fields', ExitCode.Usage);
  const color = o.color !== false && !process.env.NO_COLOR && isTerminal(1) && process.env.TERM !== 'dumb';
  return {
    file,
    format,
    verbose: !!o.verbose || o.detailsOf !== undefined,
    hex: !!o.hex,
    fields: o.field,
    fieldOptions: o.fieldOption,
    filter: o.displayFilter,
    count: o.count,
    stats: o.statistics,
    quiet: !!o.quiet,
    write: o.write,
    prefs: parsePrefs(o.pref),
    decodeAs: parseDecodeAs(o.decodeAs),
    explain: !!o.explain,
    color,
    timeFormat: o.timeFormat as TimeFormat | undefined,
    flushEachPacket: !!o.flush,
    detailsOf: o.detailsOf === undefined ? undefined : protocolSet(o.detailsOf),
  };
}
