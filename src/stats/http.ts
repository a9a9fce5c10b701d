/**
 * -z http,tree — HTTP messages: responses by status class and code, requests by method, as tshark's
 * "HTTP/Packet Counter" lays them out, from the 'http' tap.
 */
import type { Packet } from '../engine/packet.js';
import { type Stat, StatError } from './index.js';
import { type StatNode, StatsTree } from './tree.js';

/** What the HTTP dissector queues with pkt.tap('http', …) (the fields this statistic reads). */
interface HttpTap {
  kind: 'request' | 'response';
  method?: string;
  code?: number;
  /** The standard name of the status code, when the dissector provides it. */
  description?: string;
  /** The reason phrase the server sent. */
  phrase?: string;
}

const classNames = ['???: broken', '1xx: Informational', '2xx: Success', '3xx: Redirection', '4xx: Client Error', '5xx: Server Error'];

export class HttpTree implements Stat {
  readonly needsTree = false;
  private readonly tree = new StatsTree('HTTP/Packet Counter');
  private readonly total: StatNode;
  private readonly requests: StatNode;
  private readonly responses: StatNode;
  private readonly classes: StatNode[];
  private readonly other: StatNode;

  constructor(readonly spec: string) {
    if (spec !== 'http,tree') throw new StatError(`-z http,tree takes no arguments (choose packets with -Y), not '${spec}'`);
    this.total = this.tree.root.child('Total HTTP Packets');
    this.requests = this.total.child('HTTP Request Packets');
    this.responses = this.total.child('HTTP Response Packets');
    this.classes = classNames.map((n) => this.responses.child(n));
    this.other = this.total.child('Other HTTP Packets');
  }

  onPacket(pkt: Packet): void {
    const taps = pkt.taps;
    if (!taps) return;
    for (const t of taps) {
      if (t.tap !== 'http') continue;
      const d = t.data as HttpTap;
      this.tree.at(pkt.relativeTime);
      this.total.tick();
      if (d.kind === 'response' && d.code) {
        this.responses.tick();
        const code = d.code;
        const group = this.classes[code < 100 || code >= 600 ? 0 : Math.floor(code / 100)]!;
        group.tick();
        group.child(`${code} ${d.description ?? (d.phrase || `Unknown (${code})`)}`).tick();
      } else if (d.kind === 'request' && d.method) {
        this.requests.tick();
        this.requests.child(d.method).tick();
      } else {
        this.other.tick();
      }
    }
  }

  text(): string {
    return this.tree.text();
  }

  json(): unknown {
    return this.tree.json();
  }
}
