/**
 * Small read-only queries over a finished tree, shared by filters, statistics, renderers and tests.
 */
import type { Node } from './tree.js';

/** Every node (depth-first, in tree order) whose field abbreviation is `abbrev`. */
export function findAll(root: Node, abbrev: string, out: Node[] = []): Node[] {
  const kids = root.children;
  if (!kids) return out;
  for (const k of kids) {
    if (k.field.abbrev === abbrev) out.push(k);
    findAll(k, abbrev, out);
  }
  return out;
}
