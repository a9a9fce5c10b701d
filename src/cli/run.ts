/**
 * The read → dissect → filter → render loop shared by file and live mode.
 */
import { openCapture } from '../capture/open.js';
import { CaptureFormatError, type FrameSource } from '../capture/frame.js';
import { PcapWriter } from '../capture/writer.js';
import { Session } from '../engine/session.js';
import type { Packet } from '../engine/packet.js';
import { compileFilter, FilterError, partialTree, type DisplayFilter } from '../filter/index.js';
import { createStat, StatError, StatFilterError, type Stat } from '../stats/index.js';
import { summaryLine, writeSummaryLine, writeTree, writeHexDump, type SummaryOptions, type TimeFormat } from '../render/text.js';
import { writePacketJson, writePacketNdjson } from '../render/json.js';
import { fieldsHeader, fieldsLine, parseFieldsOptions, type FieldsOptions } from '../render/fields.js';
import { CliError, ExitCode } from './errors.js';
import { Output, isTerminal } from './output.js';
import { HeapGuard } from './memory.js';
import { Progress } from './progress.js';
import { packetEk } from '../render/ek.js';

export interface RunOptions {
  file: string;
  format: 'text' | 'json' | 'ndjson' | 'ek' | 'fields';
  verbose: boolean;
  hex: boolean;
  fields: string[];
  fieldOptions: string[];
  filter?: string;
  count?: number;
  stats: string[];
  quiet: boolean;
  write?: string;
  prefs: Record<string, string>;
  decodeAs: { table: string; key: number | string; protocol: string }[];
  explain: boolean;
  color: boolean;
  /** tshark's -t: what the Time column shows. */
  timeFormat?: TimeFormat;
  /** tshark's -O: with -V, the protocols shown in full (the other layers show their top line). */
  detailsOf?: ReadonlySet<string>;
  /** tshark's -l: write each packet's output at once (for a pipe that is read as packets arrive). */
  flushEachPacket?: boolean;
}

/** Everything that can be checked before the first packet is read. */
export interface Prepared {
  filter: DisplayFilter | null;
  stats: Stat[];
  session: Session;
  fieldsOptions: FieldsOptions | null;
}

export function prepare(o: RunOptions): Prepared {
  let filter: DisplayFilter | null = null;
  if (o.filter !== undefined) {
    try {
      filter = compileFilter(o.filter);
    } catch (e) {
      if (e instanceof FilterError) throw filterError(e, o.filter, o.filter);
      throw e;
    }
  }
  const stats: Stat[] = [];
  for (const spec of o.stats) {
    try {
      stats.push(createStat(spec));
    } catch (e) {
      if (e instanceof StatError) throw new CliError(e.message, ExitCode.Usage);
      if (e instanceof StatFilterError) throw filterError(e.error, e.filter, spec);
      throw e;
    }
  }
  let fieldsOptions: FieldsOptions | null = null;
  if (o.format === 'fields') {
    try {
      fieldsOptions = parseFieldsOptions(o.fields, o.fieldOptions, 6);
    } catch (e) {
      throw new CliError(e instanceof Error ? e.message : String(e), ExitCode.Usage);
    }
  }
  // -V, JSON and statistics that read the tree need all of it; a filter and -T fields need only the
  // fields they read (a partial tree); summary lines and -x need none.
  const wholeTree = o.verbose || o.format === 'json' || o.format === 'ndjson' || o.format === 'ek' || stats.some((s) => s.needsTree);
  const needsTree = wholeTree || filter !== null || fieldsOptions !== null || stats.some((s) => s.filter);
  const wanted = wholeTree || !needsTree ? undefined : partialTree([filter, ...stats.map((s) => s.filter ?? null)], fieldsOptions?.fields ?? []);
  let session: Session;
  try {
    session = new Session({ buildTree: needsTree, wantedFields: wanted, taps: stats.length > 0, prefs: o.prefs, decodeAs: o.decodeAs, shownByCaller: filter !== null });
  } catch (e) {
    throw new CliError(e instanceof Error ? e.message : String(e), ExitCode.Usage);
  }
  return { filter, stats, session, fieldsOptions };
}

/** The one-line error (plus the filter and a caret under the problem) for a bad display filter. */
function filterError(e: FilterError, filterText: string, given: string): CliError {
  const caret = ' '.repeat(Math.max(0, e.position)) + '^'.repeat(Math.max(1, e.length));
  const where = given === filterText ? 'display filter' : `filter in -z ${given}`;
  return new CliError(`invalid ${where}: ${e.message}\n    ${filterText}\n    ${caret}`, ExitCode.Filter);
}

export async function runFile(o: RunOptions): Promise<number> {
  const prepared = prepare(o);
  const source = openCapture(o.file);
  return runSource(source, o, prepared, o.file === '-' ? 'standard input' : o.file);
}

export async function runSource(source: FrameSource, o: RunOptions, p: Prepared, name: string): Promise<number> {
  const out = new Output(1);
  const heap = new HeapGuard();
  // picocolors probes process.stdout when it loads, which turns a piped stdout non-blocking (see
  // isTerminal): it is loaded only when colour is on, that is, on a terminal.
  const colors = o.color ? (await import('picocolors')).createColors(true) : null;
  const progress = Progress.forStderr(o.quiet || o.format !== 'text' || !isTerminal(1));
  const sink: { writer: PcapWriter | null; skipped: number } = { writer: null, skipped: 0 };
  const summaryOpts: SummaryOptions = { timeDecimals: 6, timeFormat: o.timeFormat };
  let shown = 0;
  let first = true;
  const text = o.format === 'text';
  const summary = text && !o.verbose;
  const treeOpts = {
    explain: o.explain,
    detailsOf: o.detailsOf,
    paintLayer: colors ? (l: string) => colors.bold(l) : undefined,
    paintExplain: colors ? (l: string) => colors.dim(l) : undefined,
    paintExpert: colors ? (l: string, s: number) => (s >= 4 ? colors.red(l) : colors.yellow(l)) : undefined,
  };

  const onPacket = (pkt: Packet): boolean => {
    if (p.filter && !p.filter.matches(pkt)) return true;
    shown++;
    if (p.filter) p.session.markShown(pkt.frame);
    const f = pkt.frame;
    for (const s of p.stats) s.onPacket(pkt);
    if (o.write) {
      sink.writer ??= openWriter(o.write, f.linkType, source.info?.format === 'pcap-nsec');
      if (f.linkType === sink.writer.linkType) sink.writer.write(f);
      else sink.skipped++;
    }
    if (!o.quiet) {
      if (text) {
        if (!summary) writeTree(pkt, treeOpts, out);
        else if (colors && pkt.experts.some((e) => e.severity >= 5)) out.write(colors.red(summaryLine(pkt, summaryOpts)) + '\n');
        else writeSummaryLine(pkt, summaryOpts, out);
        if (o.hex) {
          if (o.verbose) out.ascii('\n');
          writeHexDump(pkt, out);
        }
        if (o.verbose || o.hex) out.ascii('\n');
        out.endPacket();
      } else if (o.format === 'json') {
        out.ascii(first ? '[\n' : ',\n');
        writePacketJson(pkt, out);
        out.endPacket();
      } else if (o.format === 'ndjson') {
        writePacketNdjson(pkt, out);
        out.ascii('\n');
        out.endPacket();
      } else if (o.format === 'ek') {
        out.write(`${packetEk(pkt)}\n`);
        out.endPacket();
      } else if (p.fieldsOptions) {
        if (first && p.fieldsOptions.header) out.write(fieldsHeader(p.fieldsOptions) + '\n');
        out.write(fieldsLine(pkt, p.fieldsOptions) + '\n');
        out.endPacket();
      }
      first = false;
      if (o.flushEachPacket) out.flush();
    }
    return o.count === undefined || shown < o.count;
  };

  try {
    await source.run(
      (frame) => {
        if (source.info) summaryOpts.timeDecimals = source.info.timeDecimals;
        const pkt = p.session.dissect(frame);
        progress.tick(frame.number);
        heap.tick();
        return onPacket(pkt);
      },
      () => out.drain(),
    );
  } catch (e) {
    progress.clear();
    out.flush();
    if (e instanceof CaptureFormatError) throw new CliError(`${name}: ${e.message}`, ExitCode.Input);
    const err = e as NodeJS.ErrnoException;
    if (err && typeof err.code === 'string') {
      const why = err.code === 'ENOENT' ? 'no such file' : err.code === 'EACCES' ? 'permission denied' : err.code === 'EISDIR' ? 'is a directory' : err.message;
      throw new CliError(`${name}: ${why}`, ExitCode.Input);
    }
    throw e;
  }
  progress.clear();
  if (o.format === 'json' && !o.quiet) out.ascii(first ? '[\n]\n' : '\n]\n');
  for (const s of p.stats) {
    if (o.format === 'json') out.write(JSON.stringify({ statistic: s.spec, result: s.json() }, null, 2) + '\n');
    else out.write(s.text());
  }
  out.flush();
  if (o.write) await (sink.writer ?? openWriter(o.write, source.info?.linkType ?? 1, false)).close();
  if (sink.skipped) process.stderr.write(`vpnscope: ${o.write}: ${sink.skipped} frames of another link type were not written (pcap holds one link type per file)\n`);
  if (source.truncatedAt !== undefined) {
    const why = source.stopReason ?? `file ends in the middle of packet ${source.truncatedAt}`;
    process.stderr.write(`vpnscope: ${name}: ${why}\n`);
    return ExitCode.Truncated;
  }
  return ExitCode.Ok;
}

function openWriter(path: string, linkType: number, nanosecond: boolean): PcapWriter {
  try {
    return new PcapWriter(path, { linkType, nanosecond });
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    throw new CliError(`${path}: cannot write (${err.code ?? err.message})`, ExitCode.Input);
  }
}
