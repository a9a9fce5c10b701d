/**
 * Statistics (-z name[,args][,filter]): taps that watch the packets shown and render tables at the end.
 */
import type { Packet } from '../engine/packet.js';
import { compileFilter, FilterError, type DisplayFilter } from '../filter/index.js';

export class StatError extends Error {
  override name = 'StatError';
}

/** A bad filter argument (-z conv,tcp,FILTER): the filter's own text and what is wrong with it. */
export class StatFilterError extends Error {
  override name = 'StatFilterError';
  constructor(
    readonly filter: string,
    readonly error: FilterError,
  ) {
    super(error.message);
  }
}

export interface Stat {
  /** The -z argument it was made from. */
  readonly spec: string;
  /** Whether it needs the full protocol tree (most read tap data, layers and addresses only). */
  readonly needsTree: boolean;
  /** tshark's `-z name,args,FILTER`: a display filter of its own; only packets it matches are counted. */
  readonly filter?: DisplayFilter;
  onPacket(pkt: Packet): void;
  /** Tables for people. */
  text(): string;
  /** The same numbers for -T json. */
  json(): unknown;
}

type StatFactory = (spec: string) => Stat;
/** How many comma-separated arguments follow the name ("conv,ip": 1), or a function of the parts after it. */
type ArgCount = number | ((after: string[]) => number);
interface Registered {
  make: StatFactory;
  /** Anything after the arguments is a filter. */
  args: ArgCount;
}
const factories = new Map<string, Registered>();

/**
 * Registers a statistic under its name: one word ("conv" for "conv,ip") or, as tshark spells some,
 * two ("io,phs", "dns,tree"). `args` is how many arguments it takes after the name.
 */
export function registerStat(name: string, make: StatFactory, args: ArgCount = 0): void {
  factories.set(name, { make, args });
}

export function statNames(): string[] {
  return [...factories.keys()].sort();
}

/** Counts only the packets a filter of its own matches, like tshark's `-z conv,tcp,ip.addr==10.0.0.1`. */
class FilteredStat implements Stat {
  constructor(
    private readonly inner: Stat,
    readonly filter: DisplayFilter,
    readonly spec: string,
  ) {}
  get needsTree(): boolean {
    return this.inner.needsTree;
  }
  onPacket(pkt: Packet): void {
    if (this.filter.matches(pkt)) this.inner.onPacket(pkt);
  }
  text(): string {
    return `${this.inner.text().replace(/\n$/, '')}\nFilter: ${this.filter.text}\n`;
  }
  json(): unknown {
    return this.inner.json();
  }
}

/** Makes the statistic a -z argument names. Throws StatError, or StatFilterError for a bad filter argument. */
export function createStat(spec: string): Stat {
  const parts = spec.split(',');
  let words = 1;
  let reg = factories.get(parts[0]!);
  if (!reg && parts.length > 1) {
    reg = factories.get(`${parts[0]},${parts[1]}`);
    words = 2;
  }
  if (!reg) throw new StatError(`unknown statistic '${spec}' (available: ${statNames().join(', ')})`);
  const fixed = words + (typeof reg.args === 'number' ? reg.args : reg.args(parts.slice(words)));
  const base = parts.slice(0, fixed).join(',');
  const rest = parts.slice(fixed).join(',');
  const stat = reg.make(base);
  if (rest.trim() === '') return stat;
  try {
    return new FilteredStat(stat, compileFilter(rest), spec);
  } catch (e) {
    if (e instanceof FilterError) throw new StatFilterError(rest, e);
    throw e;
  }
}
