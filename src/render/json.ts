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

type JsonValue = string | JsonObject | JsonValue[];
type JsonObject = Map<string, JsonValue>;

function put(obj: JsonObject, key: string, value: JsonValue): void {
  const prev = obj.get(key);
  if (prev === undefined) obj.set(key, value);
  else if (Array.isArray(prev) && (prev as unknown as { dup?: boolean }).dup) prev.push(value);
  else {
    const arr = [prev, value] as JsonValue[] & { dup?: boolean };
    arr.dup = true;
    obj.set(key, arr);
  }
}

function childrenObject(kids: readonly Node[] | null): JsonObject {
  const obj: JsonObject = new Map();
  if (kids) for (const k of kids) addNode(obj, k);
  return obj;
}

function addNode(obj: JsonObject, n: Node): void {
  const def = n.field;
  if (n.expert) {
    const e: JsonObject = new Map();
    e.set('_ws.expert.message', n.expert.message);
    e.set('_ws.expert.severity', String(n.expert.severity));
    e.set('_ws.expert.group', n.expert.group);
    put(obj, '_ws.expert', e);
    return;
  }
  if (def.type === FT.Protocol) {
    const key = def.abbrev === '_ws.malformed' || def.abbrev === '_ws.short' ? def.abbrev : def.abbrev;
    if (n.children) put(obj, key, childrenObject(n.children));
    else put(obj, key, n.text ?? '');
    return;
  }
  if (def.type === FT.None) {
    // A registered text field (tls.record, tls.handshake) keeps its name; a plain text line with
    // children ("Queries") is keyed by its text, as tshark does.
    if (def === textField) {
      if (n.children) put(obj, nodeLabel(n), childrenObject(n.children));
      else put(obj, '_ws.text', nodeLabel(n));
    } else {
      put(obj, def.abbrev, n.children ? childrenObject(n.children) : nodeLabel(n));
    }
    return;
  }
  put(obj, def.abbrev, valueToJson(def, n.value));
  if (n.children) put(obj, `${def.abbrev}_tree`, childrenObject(n.children));
}

/** The `layers` object of one packet. */
export function layersObject(pkt: Packet): JsonObject {
  return childrenObject(pkt.root.children);
}

function esc(s: string): string {
  return JSON.stringify(s);
}

function write(value: JsonValue, indent: string, pretty: boolean, out: string[]): void {
  if (typeof value === 'string') {
    out.push(esc(value));
    return;
  }
  if (Array.isArray(value)) {
    const inner = indent + '  ';
    out.push('[');
    value.forEach((v, i) => {
      if (pretty) out.push(i ? ',\n' + inner : '\n' + inner);
      else if (i) out.push(',');
      write(v, inner, pretty, out);
    });
    out.push(pretty && value.length ? `\n${indent}]` : ']');
    return;
  }
  if (value.size === 0) {
    out.push('{}');
    return;
  }
  const inner = indent + '  ';
  out.push('{');
  let first = true;
  for (const [k, v] of value) {
    if (pretty) out.push(first ? '\n' + inner : ',\n' + inner);
    else if (!first) out.push(',');
    first = false;
    out.push(esc(k), pretty ? ': ' : ':');
    write(v, inner, pretty, out);
  }
  out.push(pretty ? `\n${indent}}` : '}');
}

function indexName(pkt: Packet): string {
  const d = new Date(pkt.frame.seconds * 1000);
  return `packets-${d.getUTCFullYear()}-${String(d.getUTCMonth() + 1).padStart(2, '0')}-${String(d.getUTCDate()).padStart(2, '0')}`;
}

/** One packet as pretty JSON (the -T json array element), indented by two like tshark. */
export function packetJson(pkt: Packet, out: string[]): void {
  const i = '  ';
  out.push(`${i}{\n${i}  "_index": "${indexName(pkt)}",\n${i}  "_type": "doc",\n${i}  "_score": null,\n${i}  "_source": {\n${i}    "layers": `);
  write(layersObject(pkt), `${i}    `, true, out);
  out.push(`\n${i}  }\n${i}}`);
}

/** One packet on one line (-T ndjson): same document, no whitespace. */
export function packetNdjson(pkt: Packet, out: string[]): void {
  out.push(`{"_index":"${indexName(pkt)}","_type":"doc","_score":null,"_source":{"layers":`);
  write(layersObject(pkt), '', false, out);
  out.push('}}');
}

/** Serialises any plain value (statistics) with the same writer. */
export function toJsonText(value: unknown): string {
  return JSON.stringify(value, null, 2);
}
