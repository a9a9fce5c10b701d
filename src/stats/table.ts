/** cli-table3 with no colour codes (it emits them even into pipes unless told not to). */
import Table from 'cli-table3';

/** Columns from `alignRightFrom` up to (not including) `alignRightTo` are right-aligned (numbers). */
export function renderTable(title: string, head: string[], rows: (string | number)[][], alignRightFrom = 1, alignRightTo = head.length): string {
  const t = new Table({
    head,
    style: { head: [], border: [], compact: true },
    colAligns: head.map((_, i) => (i >= alignRightFrom && i < alignRightTo ? 'right' : 'left')),
  });
  for (const r of rows) t.push(r.map(String));
  return `${title}\n${t.toString()}\n`;
}
