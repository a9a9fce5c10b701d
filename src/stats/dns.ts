/**
 * -z dns,tree — DNS messages by rcode, opcode, query/response, query type and class; message
 * sizes; query name lengths and label counts; answer counts of responses; and the service figures:
 * request-response time, unsolicited responses and retransmitted responses. Laid out as tshark 4.0
 * lays it out, from the 'dns' tap (mDNS and LLMNR are left out, as tshark leaves them out).
 *
 * One deliberate difference: tshark 4.0 adds each solicited response's counts to "Response Stats"
 * twice, so its counts there are double the number of responses (averages are unaffected); vpnscope
 * counts each response once.
 */
import { fields, valueName } from '../engine/fields.js';
import type { Packet } from '../engine/packet.js';
import { type Stat, StatError } from './index.js';
import { type StatNode, StatsTree } from './tree.js';

/** What the DNS dissector queues with pkt.tap('dns', …) (the fields this statistic reads). */
interface DnsTap {
  isResponse: boolean;
  opcode: number;
  rcode: number;
  qname: string;
  /** -1 when the message has no question. */
  qtype: number;
  qclass: number;
  questions?: number;
  answers: number;
  authorities: number;
  additionals: number;
  /** Seconds from the query, or -1. */
  time: number;
  unsolicited: boolean;
  retransmission: boolean;
  protocol: string;
  /** The DNS message's length, from the transaction ID on. */
  length: number;
}

/** A value's name from the field registry, or tshark's fallback text. */
function named(abbrev: string, value: number, fallback: string): string {
  const def = fields.get(abbrev);
  return (def && valueName(def, value)) ?? fallback;
}

export class DnsTree implements Stat {
  readonly needsTree = false;
  private readonly tree = new StatsTree('DNS');
  private readonly total: StatNode;
  private readonly rcodes: StatNode;
  private readonly opcodes: StatNode;
  private readonly qr: StatNode;
  private readonly qtypes: StatNode;
  private readonly classes: StatNode;
  private readonly size: StatNode;
  private readonly qnameLen: StatNode;
  private readonly levels: StatNode[];
  private readonly nQuestions: StatNode;
  private readonly nAnswers: StatNode;
  private readonly nAuthorities: StatNode;
  private readonly nAdditionals: StatNode;
  private readonly rrt: StatNode;
  private readonly unsolicited: StatNode;
  private readonly retransmissions: StatNode;

  constructor(readonly spec: string) {
    if (spec !== 'dns,tree') throw new StatError(`-z dns,tree takes no arguments (choose packets with -Y), not '${spec}'`);
    const r = this.tree.root;
    this.total = r.child('Total Packets');
    this.rcodes = this.total.child('rcode');
    this.opcodes = this.total.child('opcodes');
    this.qr = this.total.child('Query/Response');
    this.qtypes = this.total.child('Query Type');
    this.classes = this.total.child('Class');
    this.size = r.child('Payload size');
    const query = r.child('Query Stats');
    this.qnameLen = query.child('Qname Len');
    const labels = query.child('Label Stats');
    this.levels = ['1st Level', '2nd Level', '3rd Level', '4th Level or more'].map((n) => labels.child(n));
    const response = r.child('Response Stats');
    this.nQuestions = response.child('no. of questions');
    this.nAnswers = response.child('no. of answers');
    this.nAuthorities = response.child('no. of authorities');
    this.nAdditionals = response.child('no. of additionals');
    const service = r.child('Service Stats');
    this.rrt = service.child('request-response time (msec)', true);
    this.unsolicited = service.child('no. of unsolicited responses');
    this.retransmissions = service.child('no. of retransmissions');
  }

  onPacket(pkt: Packet): void {
    const taps = pkt.taps;
    if (!taps) return;
    for (const t of taps) {
      if (t.tap !== 'dns') continue;
      const d = t.data as DnsTap;
      if (d.protocol !== 'dns') continue;
      this.tree.at(pkt.relativeTime);
      this.count(d, pkt.transport === 'tcp');
    }
  }

  private count(d: DnsTap, overTcp: boolean): void {
    this.total.tick();
    // A pivot counts in itself and in the child named after the value.
    const pivot = (n: StatNode, name: string) => {
      n.tick();
      n.child(name).tick();
    };
    pivot(this.rcodes, named('dns.flags.rcode', d.rcode, `Unknown rcode (${d.rcode})`));
    pivot(this.opcodes, named('dns.flags.opcode', d.opcode, `Unknown opcode (${d.opcode})`));
    pivot(this.qr, d.isResponse ? 'Response' : 'Query');
    const qtype = Math.max(0, d.qtype);
    pivot(this.qtypes, named('dns.qry.type', qtype, `Unknown packet type (${qtype})`));
    const qclass = Math.max(0, d.qclass);
    pivot(this.classes, named('dns.qry.class', qclass, `Unknown class (${qclass})`));
    // Over TCP the message Wireshark measures includes its two-byte length prefix.
    this.size.add(d.length + (overTcp ? 2 : 0));
    const questions = d.questions ?? (d.qtype >= 0 ? 1 : 0);
    if (!d.isResponse) {
      this.qnameLen.add(questions > 0 ? d.qname.length : 0);
      const labels = questions > 0 && d.qname ? d.qname.split('.').length : 0;
      // tshark's switch: 1, 2 and 3 labels by name, anything else (none included) as "4th Level or more".
      this.levels[labels >= 1 && labels <= 3 ? labels - 1 : 3]!.tick();
      return;
    }
    this.nQuestions.add(questions);
    this.nAnswers.add(d.answers);
    this.nAuthorities.add(d.authorities);
    this.nAdditionals.add(d.additionals);
    if (d.unsolicited) this.unsolicited.tick();
    else if (d.retransmission) this.retransmissions.tick();
    else if (d.time >= 0) this.rrt.add(d.time * 1000);
  }

  text(): string {
    return this.tree.text();
  }

  json(): unknown {
    return this.tree.json();
  }
}
