/**
 * Statistics (-z name[,args]): taps that watch the packets shown and render tables at the end.
 */
import type { Packet } from '../engine/packet.js';

export class StatError extends Error {
  override name = 'StatError';
}

export interface Stat {
  /** The -z argument it was made from. */
  readonly spec: string;
  /** Whether it needs the full protocol tree (most read tap data, layers and addresses only). */
  readonly needsTree: boolean;
  onPacket(pkt: Packet): void;
  /** Tables for people. */
  text(): string;
  /** The same numbers for -T json. */
  json(): unknown;
}

type StatFactory = (spec: string) => Stat;
const factories = new Map<string, StatFactory>();

/** Registers a statistic under the name before its first comma ("conv" for "conv,ip"). */
export function registerStat(name: string, make: StatFactory): void {
  factories.set(name, make);
}

export function statNames(): string[] {
  return [...factories.keys()].sort();
}

export function createStat(spec: string): Stat {
  const name = spec.split(',')[0]!;
  // tshark spells some as two words: io,phs and dns,tree.
  const make = factories.get(name) ?? factories.get(spec.split(',').slice(0, 2).join(','));
  if (!make) throw new StatError(`unknown statistic '${spec}' (available: ${statNames().join(', ')})`);
  return make(spec);
}
