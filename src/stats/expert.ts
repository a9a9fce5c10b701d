/**
 * -z expert — expert infos grouped by severity, then by group, protocol and message, with counts.
 */
import type { Packet } from '../engine/packet.js';
import { severityNames } from '../engine/tree.js';
import type { Stat } from './index.js';
import { renderTable } from './table.js';

export class ExpertInfos implements Stat {
  readonly needsTree = false;
  private readonly counts = new Map<string, { severity: number; group: string; protocol: string; message: string; count: number }>();
  constructor(readonly spec: string) {}

  onPacket(pkt: Packet): void {
    for (const e of pkt.experts) {
      const key = `${e.severity}|${e.group}|${e.protocol}|${e.message}`;
      const c = this.counts.get(key);
      if (c) c.count++;
      else this.counts.set(key, { severity: e.severity, group: e.group, protocol: e.protocol, message: e.message, count: 1 });
    }
  }

  private bySeverity(): Map<number, { group: string; protocol: string; message: string; count: number }[]> {
    const m = new Map<number, { group: string; protocol: string; message: string; count: number }[]>();
    for (const c of this.counts.values()) {
      let list = m.get(c.severity);
      if (!list) m.set(c.severity, (list = []));
      list.push(c);
    }
    return new Map([...m.entries()].sort((a, b) => b[0] - a[0]));
  }

  text(): string {
    let out = '';
    for (const [sev, list] of this.bySeverity()) {
      const total = list.reduce((s, c) => s + c.count, 0);
      out += renderTable(`${severityNames[sev]}s (${total})`, ['Frequency', 'Group', 'Protocol', 'Summary'],
        list.map((c) => [c.count, c.group, c.protocol.toUpperCase(), c.message]), 0) + '\n';
    }
    return out || 'No expert infos.\n';
  }

  json(): unknown {
    return [...this.bySeverity()].map(([sev, list]) => ({ severity: severityNames[sev], items: list }));
  }
}
