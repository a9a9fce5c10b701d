/**
 * JSON in tshark's shape, so jq recipes written for `tshark -T json` work unchanged:
 *
 *   {"_index": "packets-2026-11-25", "_type": "doc", "_score": null,
 *    "_source": {"layers": {"frame": {...}, "eth": {...}, "ip": {"ip.src": "10.0.0.1", ...}}}}
 *
 * Values are strings in tshark's forms; a field with children adds a sibling "<abbrev>_tree" object;
 * text items become keys named by their label. One difference on purpose: where a key occurs several
 * times in one object (ip.addr, udp.port, repeated dns.a), tshark writes duplicate keys and JSON
 * parsers keep only the last; vpnscope writes one key whose value is an array of every occurrence in
 * order — what `tshark --no-duplicate-keys` does.
 */
import type { Packet } from '../engine/packet.js';
import { type Node, textField } from '../engine/tree.js';
import { FT } from '../engine/fields.js';
import { nodeLabel, valueToJson } from '../engine/format.js';

/** A member of a JSON object before writing: its key and every node that maps to it (several when repeated). */
interface Member {
  key: string;
  nodes: Node[];
}

/** The key a node is written under, and whether it is an object rather than a value. */
function keyOf(n: Node): string {
  const def = n.field;
  if (n.expert) return '_ws.expert';
  if (def === textField) return n.children ? nodeLabel(n) : '_ws.text';
  return def.abbrev;
}

/**
 * Groups children by key in first-seen order. Most objects have no repeated key, so the common case
 * makes one small array and no map.
 */
function members(kids: readonly Node[]): Member[] {
  const out: Member[] = [];
  let index: Map<string, Member> | null = null;
  for (const k of kids) {
    const key = keyOf(k);
    let m: Member | undefined;
    if (index) m = index.get(key);
    else for (const x of out) if (x.key === key) m = x;
    if (m) m.nodes.push(k);
    else {
      m = { key, nodes: [k] };
      out.push(m);
      if (out.length > 12 && !index) index = new Map(out.map((x) => [x.key, x]));
      else index?.set(key, m);
    }
  }
  return out;
}

const needsEscape = /["\\\u0000-\u001f\u2028\u2029]/;

function esc(s: string): string {
  return needsEscape.test(s) ? JSON.stringify(s) : `"${s}"`;
}

/** Streams JSON text for a packet's tree: pretty (two-space indent) or compact. */
class JsonWriter {
  text = '';
  constructor(private readonly pretty: boolean) {}

  private nl(indent: string): void {
    if (this.pretty) this.text += '\n' + indent;
  }

  /** Writes the object made of `kids` (in tshark's key conventions). */
  object(kids: readonly Node[] | null, indent: string): void {
    if (!kids || kids.length === 0) {
      this.text += '{}';
      return;
    }
    const inner = this.pretty ? indent + '  ' : '';
    const sep = this.pretty ? ': ' : ':';
    this.text += '{';
    let first = true;
    // A field with children also writes a sibling "<field>_tree" member, collected in order.
    for (const m of members(kids)) {
      if (!first) this.text += ',';
      first = false;
      this.nl(inner);
      this.text += esc(m.key) + sep;
      if (m.nodes.length === 1) this.value(m.nodes[0]!, inner);
      else {
        this.text += '[';
        m.nodes.forEach((n, i) => {
          if (i) this.text += ',';
          this.nl(inner + '  ');
          this.value(n, inner + '  ');
        });
        this.nl(inner);
        this.text += ']';
      }
      const withTree = m.nodes.filter((n) => n.children && hasTreeSibling(n));
      if (withTree.length > 0) {
        this.text += ',';
        this.nl(inner);
        this.text += esc(m.key + '_tree') + sep;
        if (withTree.length === 1) this.object(withTree[0]!.children, inner);
        else {
          this.text += '[';
          withTree.forEach((n, i) => {
            if (i) this.text += ',';
            this.nl(inner + '  ');
            this.object(n.children, inner + '  ');
          });
          this.nl(inner);
          this.text += ']';
        }
      }
    }
    this.nl(indent);
    this.text += '}';
  }

  /** One node's value: an object for protocols and grouping text items, else tshark's string form. */
  private value(n: Node, indent: string): void {
    const def = n.field;
    if (n.expert) {
      const e = n.expert;
      const inner = this.pretty ? indent + '  ' : '';
      const sep = this.pretty ? ': ' : ':';
      this.text += '{';
      this.nl(inner);
      this.text += `"_ws.expert.message"${sep}${esc(e.message)},`;
      this.nl(inner);
      this.text += `"_ws.expert.severity"${sep}"${e.severity}",`;
      this.nl(inner);
      this.text += `"_ws.expert.group"${sep}${esc(e.group)}`;
      this.nl(indent);
      this.text += '}';
      return;
    }
    if (def.type === FT.Protocol || def.type === FT.None) {
      if (n.children) this.object(n.children, indent);
      else this.text += esc(def.type === FT.Protocol ? (n.text ?? '') : nodeLabel(n));
      return;
    }
    // Only text can hold characters JSON must escape; numbers, addresses and hex bytes never do.
    const v = valueToJson(def, n.value);
    this.text += def.type === FT.String ? esc(v) : `"${v}"`;
  }
}

/** Fields that carry a value and children write the children as "<abbrev>_tree". */
function hasTreeSibling(n: Node): boolean {
  return !n.expert && n.field.type !== FT.Protocol && n.field.type !== FT.None;
}

function indexName(pkt: Packet): string {
  const d = new Date(pkt.frame.seconds * 1000);
  return `packets-${d.getUTCFullYear()}-${String(d.getUTCMonth() + 1).padStart(2, '0')}-${String(d.getUTCDate()).padStart(2, '0')}`;
}

/** One packet as pretty JSON (the -T json array element), indented by two like tshark. */
export function packetJson(pkt: Packet, out: string[]): void {
  const i = '  ';
  const w = new JsonWriter(true);
  w.text = `${i}{\n${i}  "_index": "${indexName(pkt)}",\n${i}  "_type": "doc",\n${i}  "_score": null,\n${i}  "_source": {\n${i}    "layers": `;
  w.object(pkt.root.children, `${i}    `);
  w.text += `\n${i}  }\n${i}}`;
  out.push(w.text);
}

/** One packet on one line (-T ndjson): same document, no whitespace. */
export function packetNdjson(pkt: Packet, out: string[]): void {
  const w = new JsonWriter(false);
  w.text = `{"_index":"${indexName(pkt)}","_type":"doc","_score":null,"_source":{"layers":`;
  w.object(pkt.root.children, '');
  w.text += '}}';
  out.push(w.text);
}
