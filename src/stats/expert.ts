/**
 * -z expert[,error|warn|note|chat|comment] — expert infos grouped by severity (most severe first),
 * then by group, protocol and message, with counts, in order of first appearance, as tshark groups
 * them. A level shows that severity and the more severe ones only.
 */
import { findProtocol } from '../engine/dispatch.js';
import type { Packet } from '../engine/packet.js';
import { severityNames } from '../engine/tree.js';
import type { Stat } from './index.js';
import { renderTable } from './table.js';

/** The protocol's short name, as tshark's expert table shows it ("OpenVPN", "TCP", "Frame"). */
function protocolName(abbrev: string): string {
  return findProtocol(abbrev)?.short ?? abbrev.toUpperCase();
}

const levels: Record<string, number> = { comment: 1, chat: 2, note: 3, warn: 4, error: 5 };

/** The severity a level word stands for (tshark's words), or undefined. */
export function severityLevel(word: string): number | undefined {
  return levels[word];
}

export class ExpertInfos implements Stat {
  readonly needsTree = false;
  private readonly counts = new Map<string, { severity: number; group: string; protocol: string; message: string; count: number }>();
  private readonly minimum: number;
  constructor(readonly spec: string) {
    const word = spec.split(',')[1];
    this.minimum = word === undefined ? 0 : (severityLevel(word) ?? 0);
  }

  onPacket(pkt: Packet): void {
    for (const e of pkt.experts) {
      if (e.severity < this.minimum) continue;
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
        list.map((c) => [c.count, c.group, protocolName(c.protocol), c.message]), 0, 1) + '\n';
    }
    return out || 'No expert infos.\n';
  }

  json(): unknown {
    return [...this.bySeverity()].map(([sev, list]) => ({
      severity: severityNames[sev],
      count: list.reduce((s, c) => s + c.count, 0),
      items: list.map((c) => ({ ...c, protocol: protocolName(c.protocol) })),
    }));
  }
}
