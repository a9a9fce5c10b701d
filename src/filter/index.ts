/**
 * Display filters (-Y): Wireshark's filter language compiled to a predicate over a dissected packet.
 * Only the fields the filter names are gathered from each packet's tree, in one walk.
 */
import type { Packet } from '../engine/packet.js';
import type { Node } from '../engine/tree.js';
import { Compiler, type Occurrences, type Predicate } from './compile.js';
import { parse } from './parser.js';

export { FilterError } from './errors.js';

export interface DisplayFilter {
  readonly text: string;
  /** Registry ids of the fields the filter reads. */
  readonly fieldIds: ReadonlySet<number>;
  matches(pkt: Packet): boolean;
}

export function compileFilter(text: string): DisplayFilter {
  const ast = parse(text);
  const compiler = new Compiler();
  const predicate: Predicate = compiler.compile(ast);
  const ids = compiler.fieldIds;
  const wanted = new Uint8Array(Math.max(0, ...ids) + 1);
  for (const id of ids) wanted[id] = 1;
  const occ: Occurrences = new Map();
  const gather = (nodes: readonly Node[] | null) => {
    if (!nodes) return;
    for (const n of nodes) {
      const id = n.field.id;
      if (id < wanted.length && wanted[id]) {
        const list = occ.get(id);
        if (list) list.push(n);
        else occ.set(id, [n]);
      }
      if (n.children) gather(n.children);
    }
  };
  return {
    text,
    fieldIds: ids,
    matches(pkt: Packet): boolean {
      occ.clear();
      gather(pkt.root.children);
      return predicate(occ);
    },
  };
}
