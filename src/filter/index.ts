/**
 * Display filters (-Y): Wireshark's filter language compiled to a predicate over a dissected packet.
 * Only the fields the filter names are gathered from each packet's tree, in one walk.
 */
import { FT, fields } from '../engine/fields.js';
import type { Packet } from '../engine/packet.js';
import type { Node } from '../engine/tree.js';
import { Compiler, Occurrences } from './compile.js';
import { parse } from './parser.js';

export { FilterError } from './errors.js';

export interface DisplayFilter {
  readonly text: string;
  /** Registry ids of the fields the filter reads. */
  readonly fieldIds: ReadonlySet<number>;
  /** The partial tree the filter needs (Session's `wantedFields`); undefined: the whole tree. */
  readonly wantedFields: Uint8Array | undefined;
  matches(pkt: Packet): boolean;
}

export function compileFilter(text: string): DisplayFilter {
  const ast = parse(text);
  const compiler = new Compiler();
  const predicate = compiler.compile(ast);
  const ids = compiler.fieldIds;
  const occ = new Occurrences(ids);
  const gather = (nodes: readonly Node[]) => {
    for (let i = 0; i < nodes.length; i++) {
      const n = nodes[i]!;
      occ.offer(n);
      if (n.children) gather(n.children);
    }
  };
  return {
    text,
    fieldIds: ids,
    wantedFields: compiler.spansLayers ? undefined : wantedFields(ids),
    matches(pkt: Packet): boolean {
      occ.reset(pkt.root);
      if (pkt.root.children) gather(pkt.root.children);
      return predicate(occ);
    },
  };
}

/**
 * The fields a partial tree must build so that these fields are found (Session's `wantedFields`):
 * each field, and the protocol it belongs to — a protocol's layer is built whole, because
 * dissectors add some fields only when their layer is built. Undefined (build everything) when a
 * field is one of the engine's own `_ws.*` (expert infos hang from every layer).
 */
export function wantedFields(ids: Iterable<number>): Uint8Array | undefined {
  const all = fields.all();
  const wanted = new Uint8Array(all.length);
  for (const id of ids) {
    const def = fields.byId(id);
    if (def.abbrev.startsWith('_ws.')) return undefined;
    wanted[id] = 1;
    const proto = fields.get(def.protocol);
    if (proto && proto.type === FT.Protocol) wanted[proto.id] = 1;
  }
  return wanted;
}

/**
 * The partial tree that serves several readers at once — display filters and the fields -T fields
 * prints (`_ws.col.*` are columns, not tree fields) — or undefined when one needs the whole tree.
 */
export function partialTree(filters: readonly (DisplayFilter | null)[], fieldNames: readonly string[]): Uint8Array | undefined {
  const parts: (Uint8Array | undefined)[] = [];
  for (const f of filters) if (f) parts.push(f.wantedFields);
  if (fieldNames.length) {
    const ids: number[] = [];
    for (const name of fieldNames) {
      const def = fields.get(name);
      if (def && !name.startsWith('_ws.col.')) ids.push(def.id);
    }
    parts.push(wantedFields(ids));
  }
  if (parts.some((p) => p === undefined)) return undefined;
  const out = new Uint8Array(Math.max(0, ...parts.map((p) => p!.length)));
  for (const p of parts) for (let i = 0; i < p!.length; i++) out[i]! |= p![i]!;
  return out;
}
