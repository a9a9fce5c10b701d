/**
 * A counting tree with tshark's stats_tree columns, for -z dns,tree and -z http,tree.
 *
 * Each node counts ticks; an "average" node also keeps the sum, minimum and maximum of the values
 * it was given. The columns are tshark's:
 * - Rate (ms): count divided by the milliseconds from the first to the latest packet the statistic saw;
 * - Percent: of the parent's count ("100%" at the top, empty under a parent that counted nothing);
 * - Burst Rate and Burst Start: the most ticks within any 100 ms window (kept in 5 ms buckets, as
 *   tshark does by default), per millisecond, and where that window starts (seconds).
 * Children print sorted by count, most first, ties by name in reverse order — tshark's default
 * sort; the top-level nodes keep the order they were created in.
 */
import Table from 'cli-table3';

const BURST_RESOLUTION_MS = 5;
const BURST_WINDOW_MS = 100;

interface Bucket {
  index: number;
  count: number;
  /** Time of the earliest tick in the bucket (ms). */
  start: number;
}

export class StatNode {
  count = 0;
  /** Set for nodes that average values. */
  average = false;
  /** Values are floats (milliseconds); tshark keeps them in single precision. */
  readonly float: boolean;
  total = 0;
  min = Infinity;
  max = -Infinity;
  readonly children: StatNode[] = [];
  private readonly byName = new Map<string, StatNode>();
  // Burst: buckets in the current window, oldest first, with their running sum.
  private buckets: Bucket[] = [{ index: 0, count: 0, start: 0 }];
  private windowCount = 0;
  maxBurst = 0;
  burstTime = 0;

  constructor(
    readonly tree: StatsTree,
    readonly name: string,
    readonly parent: StatNode | null,
    float = false,
  ) {
    this.float = float;
  }

  /** The child called `name`, created (with no count) on first use. */
  child(name: string, float = false): StatNode {
    let c = this.byName.get(name);
    if (!c) {
      c = new StatNode(this.tree, name, this, float);
      this.byName.set(name, c);
      this.children.push(c);
    }
    return c;
  }

  tick(): this {
    this.count++;
    this.burst();
    return this;
  }

  /** Counts one value for an average node. */
  add(value: number): this {
    this.average = true;
    this.count++;
    this.burst();
    const v = this.float ? Math.fround(value) : value;
    this.total = this.float ? Math.fround(this.total + v) : this.total + v;
    if (v < this.min) this.min = v;
    if (v > this.max) this.max = v;
    return this;
  }

  private burst(): void {
    const now = this.tree.now;
    const index = Math.floor(now / BURST_RESOLUTION_MS);
    const width = BURST_WINDOW_MS / BURST_RESOLUTION_MS;
    const b = this.buckets;
    const last = b[b.length - 1]!;
    if (index > last.index) {
      b.push({ index, count: 1, start: now });
      this.windowCount++;
      while (index >= b[0]!.index + width) this.windowCount -= b.shift()!.count;
    } else if (index < b[0]!.index) {
      // An earlier timestamp than the window holds (out-of-order capture): kept if still in range.
      if (index + width > last.index) {
        b.unshift({ index, count: 1, start: now });
        this.windowCount++;
      }
    } else {
      let i = b.length - 1;
      while (index < b[i]!.index) i--;
      if (b[i]!.index === index) {
        b[i]!.count++;
        if (b[i]!.start > now) b[i]!.start = now;
      } else {
        b.splice(i + 1, 0, { index, count: 1, start: now });
      }
      this.windowCount++;
    }
    if (this.windowCount > this.maxBurst) {
      this.maxBurst = this.windowCount;
      this.burstTime = b[0]!.start;
    }
  }

  /** Children in tshark's print order. */
  sorted(): StatNode[] {
    return [...this.children].sort((a, b) => b.count - a.count || (a.name < b.name ? 1 : a.name > b.name ? -1 : 0));
  }
}

export interface StatRow {
  depth: number;
  name: string;
  count: number;
  average: number | null;
  min: number | null;
  max: number | null;
  /** Per millisecond; null before two packets were seen. */
  rate: number | null;
  /** Of the parent's count; null where tshark leaves it empty. */
  percent: number | null;
  burstRate: number | null;
  /** Seconds. */
  burstStart: number | null;
  float: boolean;
}

export class StatsTree {
  readonly root: StatNode;
  /** Time of the packet being counted, ms since the first frame. */
  now = 0;
  private start = -1;
  private elapsed = 0;

  constructor(readonly title: string) {
    this.root = new StatNode(this, '', null);
  }

  /** Call before counting a packet: its time in seconds since the first frame. */
  at(relativeSeconds: number): void {
    this.now = relativeSeconds * 1000;
    if (this.start < 0) this.start = this.now;
    this.elapsed = this.now - this.start;
  }

  rows(): StatRow[] {
    const out: StatRow[] = [];
    const visit = (n: StatNode, depth: number) => {
      const p = n.parent!;
      out.push({
        depth,
        name: n.name,
        count: n.count,
        average: n.average && n.count ? n.total / n.count : null,
        min: n.average && n.count ? n.min : null,
        max: n.average && n.count ? n.max : null,
        rate: this.elapsed ? Math.fround(n.count) / this.elapsed : null,
        percent: p.count ? (n.count * 100) / p.count : p === this.root ? 100 : null,
        burstRate: n.maxBurst ? n.maxBurst / BURST_WINDOW_MS : null,
        burstStart: n.maxBurst ? n.burstTime / 1000 : null,
        float: n.float,
      });
      for (const c of n.sorted()) visit(c, depth + 1);
    };
    for (const c of this.root.children) visit(c, 0);
    return out;
  }

  text(): string {
    const t = new Table({
      head: ['Topic / Item', 'Count', 'Average', 'Min Val', 'Max Val', 'Rate (ms)', 'Percent', 'Burst Rate', 'Burst Start'],
      style: { head: [], border: [], compact: true },
      colAligns: ['left', 'right', 'right', 'right', 'right', 'right', 'right', 'right', 'right'],
    });
    for (const r of this.rows()) {
      const num = (v: number | null) => (v === null ? '' : r.float ? v.toFixed(6) : String(v));
      t.push([
        ' '.repeat(r.depth) + r.name,
        String(r.count),
        r.average === null ? '' : r.average.toFixed(2),
        num(r.min),
        num(r.max),
        r.rate === null ? '' : r.rate.toFixed(4),
        r.percent === null ? '' : r.depth === 0 && r.percent === 100 ? '100%' : `${r.percent.toFixed(2)}%`,
        r.burstRate === null ? '-' : r.burstRate.toFixed(4),
        r.burstStart === null ? '-' : r.burstStart.toFixed(3),
      ]);
    }
    return `${this.title}\n${t.toString()}\n`;
  }

  json(): unknown {
    const toJson = (n: StatNode, rows: Map<StatNode, StatRow>): unknown => {
      const r = rows.get(n)!;
      return {
        name: n.name,
        count: r.count,
        ...(r.average !== null ? { average: r.average, min: r.min, max: r.max } : {}),
        rate: r.rate,
        percent: r.percent,
        burstRate: r.burstRate,
        burstStart: r.burstStart,
        ...(n.children.length ? { children: n.sorted().map((c) => toJson(c, rows)) } : {}),
      };
    };
    const rows = new Map<StatNode, StatRow>();
    const list = this.rows();
    let i = 0;
    const walk = (n: StatNode) => {
      rows.set(n, list[i++]!);
      for (const c of n.sorted()) walk(c);
    };
    for (const c of this.root.children) walk(c);
    return this.root.children.map((c) => toJson(c, rows));
  }
}
