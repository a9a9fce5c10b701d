/**
 * Display filters (-Y): Wireshark's filter language compiled to a predicate over a dissected packet.
 * Only the fields the filter names are gathered from each packet's tree, in one walk.
 */
import type { Packet } from '../engine/packet.js';
import type { Node } from '../engine/tree.js';
import { Compiler, Occurrences } from './compile.js';
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
    matches(pkt: Packet): boolean {
      occ.reset(pkt.root);
      if (pkt.root.children) gather(pkt.root.children);
      return predicate(occ);
    },
  };
}
