/**
 * -T ek: the Elasticsearch/OpenSearch bulk format tshark writes, ready for `curl --data-binary
 * @- …/_bulk`. Per packet two lines: an index action, then the document:
 *
 *   {"index":{"_index":"packets-2026-11-25","_type":"doc"}}
 *   {"timestamp":"1795627336033","layers":{"frame":{"frame_frame_number":"1",…},"eth":{…},…}}
 *
 * Each layer is flat (search engines index flat keys best): every field of its subtree is a key
 * "<layer>_<field name with dots as underscores>", values as in -T json except booleans, which are
 * true/false; a key that occurs more than once gets an array; text lines without a field are kept
 * under "text".
 */
import type { Packet } from '../engine/packet.js';
import { FT } from '../engine/fields.js';
import { valueToJson } from '../engine/format.js';
import { type Node, NodeFlag, textField } from '../engine/tree.js';
import { indexName } from './json.js';

/** The two lines (without the final newline) of one packet. */
export function packetEk(pkt: Packet): string {
  const layers: Record<string, Record<string, unknown>> = {};
  for (const layer of pkt.root.children ?? []) {
    if (layer.flags & NodeFlag.Hidden) continue;
    const name = layer.field.abbrev;
    const flat = (layers[name] ??= {});
    collect(layer, name, flat);
  }
  const ms = pkt.frame.seconds * 1000 + Math.floor(pkt.frame.nanos / 1e6);
  return `{"index":{"_index":"${indexName(pkt.frame.seconds)}","_type":"doc"}}\n${JSON.stringify({ timestamp: String(ms), layers })}`;
}

function put(flat: Record<string, unknown>, key: string, value: unknown): void {
  if (!(key in flat)) flat[key] = value;
  else if (Array.isArray(flat[key])) (flat[key] as unknown[]).push(value);
  else flat[key] = [flat[key], value];
}

/** Hidden fields (ip.addr, udp.port …) are kept: they are what searches are written against. */
function collect(node: Node, layer: string, flat: Record<string, unknown>): void {
  for (const n of node.children ?? []) {
    const def = n.field;
    if (n.expert) {
      put(flat, `${layer}__ws_expert_message`, n.expert.message);
    } else if (def === textField) {
      if (n.text !== null) put(flat, 'text', n.text);
    } else if (def.type !== FT.None && def.type !== FT.Protocol && n.value !== undefined) {
      put(flat, `${layer}_${def.abbrev.replace(/\./g, '_')}`, ekValue(n));
    }
    collect(n, layer, flat);
  }
}

/** Booleans as JSON booleans, absolute times in ISO 8601 UTC, everything else as -T json writes it. */
function ekValue(n: Node): unknown {
  const def = n.field;
  if (def.type === FT.Bool) return !!n.value;
  if (def.type === FT.AbsTime && def.base !== 'dec') {
    const [seconds, nanos] = n.value as [number, number];
    return `${new Date(seconds * 1000).toISOString().slice(0, 19)}.${String(nanos).padStart(9, '0')}Z`;
  }
  return valueToJson(def, n.value);
}
