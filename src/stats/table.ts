/** cli-table3 with no colour codes (it emits them even into pipes unless told not to). */
import Table from 'cli-table3';

export function renderTable(title: string, head: string[], rows: (string | number)[][], alignRightFrom = 1): string {
  const t = new Table({
    head,
    style: { head: [], border: [], compact: true },
    colAligns: head.map((_, i) => (i >= alignRightFrom ? 'right' : 'left')),
  });
  for (const r of rows) t.push(r.map(String));
  return `${title}\n${t.toString()}\n`;
}
