/**
 * `-T fields -e F -e G`: one line per packet, tab-separated, every occurrence of a field joined by
 * the aggregator — as tshark prints it, with its -E options (header, separator, aggregator,
 * occurrence, quote). `_ws.col.*` names give the summary columns.
 */
import type { Packet } from '../engine/packet.js';
import type { Node } from '../engine/tree.js';
import { bytesToHex, escapeText, valueToJson } from '../engine/format.js';
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

function collect(node: Node, abbrev: string, out: string[]): void {
  const kids = node.children;
  if (!kids) return;
  for (const k of kids) {
    if (k.field.abbrev === abbrev) {
      const f = k.field;
      // tshark's fields output writes byte strings without separators (JSON keeps the colons), and
      // text with its control characters escaped, so a tab or line feed cannot break the row.
      out.push(
        f.type <= FT.Protocol ? (k.text ?? f.abbrev)
        : f.type === FT.Bytes ? bytesToHex(k.value as Uint8Array, '')
        : f.type === FT.String ? escapeText(String(k.value))
        : valueToJson(f, k.value),
      );
    }
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
