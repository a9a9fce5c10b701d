/**
 * `-T fields -e F -e G`: one line per packet, tab-separated, every occurrence of a field joined by
 * the aggregator — as tshark prints it, with its -E options (header, separator, aggregator,
 * occurrence, quote). `_ws.col.*` names give the summary columns.
 */
import type { Packet } from '../engine/packet.js';
import { type Expert, type Node, groupCode, severityCode, severityNames } from '../engine/tree.js';
import { bytesToHex, escapeText, nodeLabel, valueToJson } from '../engine/format.js';
import { FT } from '../engine/fields.js';

export interface FieldsOptions {
  fields: string[];
  header: boolean;
  separator: string;
  aggregator: string;
  /** 'f' first, 'l' last, 'a' all. */
  occurrence: 'f' | 'l' | 'a';
  quote: '' | '"' | "'";
  timeDecimals: number;
}

export function parseFieldsOptions(fields: string[], eOpts: string[], timeDecimals: number): FieldsOptions {
  const o: FieldsOptions = { fields, header: false, separator: '\t', aggregator: ',', occurrence: 'a', quote: '', timeDecimals };
  for (const e of eOpts) {
    const eq = e.indexOf('=');
    const key = eq < 0 ? e : e.slice(0, eq);
    const val = eq < 0 ? '' : e.slice(eq + 1);
    switch (key) {
      case 'header':
        o.header = val === 'y';
        break;
      case 'separator':
        o.separator = val === '/t' ? '\t' : val === '/s' ? ' ' : val;
        break;
      case 'aggregator':
        o.aggregator = val === '/t' ? '\t' : val === '/s' ? ' ' : val;
        break;
      case 'occurrence':
        o.occurrence = val === 'f' ? 'f' : val === 'l' ? 'l' : 'a';
        break;
      case 'quote':
        o.quote = val === 'd' ? '"' : val === 's' ? "'" : '';
        break;
      default:
        throw new Error(`invalid -E option '${e}' (header, separator, aggregator, occurrence, quote)`);
    }
  }
  return o;
}

export function fieldsHeader(o: FieldsOptions): string {
  return o.fields.join(o.separator);
}

function column(pkt: Packet, name: string, o: FieldsOptions): string | undefined {
  switch (name) {
    case '_ws.col.No.':
    case '_ws.col.number':
      return String(pkt.number);
    case '_ws.col.Time':
      return pkt.relativeTime.toFixed(o.timeDecimals);
    case '_ws.col.Source':
      return pkt.src;
    case '_ws.col.Destination':
      return pkt.dst;
    case '_ws.col.Protocol':
      return pkt.protocolColumn;
    case '_ws.col.Length':
      return String(pkt.frame.originalLength);
    case '_ws.col.Info':
      return pkt.info;
  }
  return undefined;
}

/** The expert infos' own names: each expert item answers to them as well as to its kind's field. */
const expertParts = new Set(['_ws.expert', '_ws.expert.message', '_ws.expert.severity', '_ws.expert.group']);

/** What tshark writes for a node of the field asked for. */
function nodeText(k: Node): string {
  const f = k.field;
  // tshark's fields output writes "1" for a field without a value (so its presence can be tested),
  // a protocol's summary line for a protocol, byte strings without separators (JSON keeps the
  // colons), and text with its control characters escaped, so a tab or line feed cannot break the row.
  switch (f.type) {
    case FT.None:
      return '1';
    case FT.Protocol:
      return nodeLabel(k);
    case FT.Bytes:
      return bytesToHex(k.value as Uint8Array, '');
    case FT.String:
      return escapeText(String(k.value));
    default:
      return valueToJson(f, k.value);
  }
}

/** What tshark writes for `_ws.expert` and its parts, from an expert item. */
function expertText(e: Expert, abbrev: string): string {
  switch (abbrev) {
    case '_ws.expert.message':
      return escapeText(e.message);
    case '_ws.expert.severity':
      return String(severityCode(e.severity));
    case '_ws.expert.group':
      return String(groupCode(e.group) ?? e.group);
    default:
      return escapeText(`Expert Info (${severityNames[e.severity] ?? 'Unknown'}/${e.group}): ${e.message}`);
  }
}

function collect(node: Node, abbrev: string, out: string[]): void {
  const kids = node.children;
  if (!kids) return;
  for (const k of kids) {
    if (k.expert && expertParts.has(abbrev)) out.push(expertText(k.expert, abbrev));
    else if (k.field.abbrev === abbrev) out.push(nodeText(k));
    collect(k, abbrev, out);
  }
}

export function fieldsLine(pkt: Packet, o: FieldsOptions): string {
  const cells: string[] = [];
  for (const f of o.fields) {
    const col = column(pkt, f, o);
    let text: string;
    if (col !== undefined) text = col;
    else {
      const vals: string[] = [];
      collect(pkt.root, f, vals);
      if (vals.length === 0) text = '';
      else if (o.occurrence === 'f') text = vals[0]!;
      else if (o.occurrence === 'l') text = vals[vals.length - 1]!;
      else text = vals.join(o.aggregator);
    }
    const safe = escapeControl(text);
    cells.push(o.quote ? o.quote + safe + o.quote : safe);
  }
  return cells.join(o.separator);
}

/**
 * tshark writes CR, LF and tab in field values as escapes so each packet stays one line (a backslash
 * stays as it is). Text fields arrive escaped already (escapeText); this catches the columns.
 */
function escapeControl(s: string): string {
  if (!/[\r\n\t]/.test(s)) return s;
  return s.replace(/[\r\n\t]/g, (c) => (c === '\r' ? '\\r' : c === '\n' ? '\\n' : '\\t'));
}
