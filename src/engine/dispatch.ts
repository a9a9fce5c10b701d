/**
 * Protocols, dissector tables and heuristics: how one layer finds the next without importing it.
 *
 * A protocol registers itself (`protocol(...)`), declares the tables it owns (`table('udp.port')`)
 * and attaches to its parent's table (`table('ip.proto').add(17, udp)`). Choosing the next layer follows
 * Wireshark's order: a conversation already bound to a protocol, then the lower port, then the higher
 * port, then heuristics, then raw data.
 */
import { Buf, CapturedBoundsError, ReportedBoundsError } from './buf.js';
import { FT, type FieldDef, field } from './fields.js';
import { type Node, Severity, malformedExpertField, malformedField, truncatedField } from './tree.js';
import type { Packet } from './packet.js';

/** Dissects `buf` (which starts at this protocol's first byte). `data` carries what a parent wants to pass on. */
export type DissectFn = (buf: Buf, pkt: Packet, parent: Node, data?: unknown) => void;

/** Looks at `buf` and returns false without adding anything if the bytes are not this protocol. */
export type HeuristicFn = (buf: Buf, pkt: Packet, parent: Node, data?: unknown) => boolean;

export interface Protocol {
  /** Filter abbreviation: "udp". */
  readonly abbrev: string;
  /** Protocol column text: "UDP". */
  readonly short: string;
  /** The FT.Protocol field for the tree, named "User Datagram Protocol". */
  readonly field: FieldDef;
  dissect: DissectFn;
}

const protocols = new Map<string, Protocol>();

/** Declares a protocol and its tree field; `label` builds its tree line from the finished node. */
export function protocol(
  abbrev: string,
  name: string,
  short: string,
  description: string,
  dissect: DissectFn,
  label?: (node: Node) => string,
): Protocol {
  const existing = protocols.get(abbrev);
  if (existing) return existing;
  const def = field(abbrev, name, FT.Protocol, description);
  def.label = label ?? null;
  const p: Protocol = { abbrev, short, field: def, dissect };
  protocols.set(abbrev, p);
  return p;
}

export function findProtocol(abbrev: string): Protocol | undefined {
  return protocols.get(abbrev);
}

export function allProtocols(): Protocol[] {
  return [...protocols.values()];
}

interface Heuristic {
  protocol: Protocol;
  test: HeuristicFn;
}

export class DissectorTable {
  private readonly entries = new Map<number | string, Protocol>();
  readonly heuristics: Heuristic[] = [];
  constructor(
    readonly name: string,
    readonly description: string,
  ) {}

  add(key: number | string, proto: Protocol): this {
    this.entries.set(key, proto);
    return this;
  }

  get(key: number | string): Protocol | undefined {
    return this.entries.get(key);
  }

  /** Heuristics are tried in registration order after the key lookups fail. */
  addHeuristic(proto: Protocol, test: HeuristicFn): this {
    this.heuristics.push({ protocol: proto, test });
    return this;
  }

  keys(): (number | string)[] {
    return [...this.entries.keys()];
  }
}

const tables = new Map<string, DissectorTable>();

/** The table named `name`, created on first use ("ethertype", "ip.proto", "udp.port", "tcp.port"…). */
export function table(name: string, description = ''): DissectorTable {
  let t = tables.get(name);
  if (!t) {
    t = new DissectorTable(name, description);
    tables.set(name, t);
  } else if (description && !t.description) {
    (t as { description: string }).description = description;
  }
  return t;
}

export function allTables(): DissectorTable[] {
  return [...tables.values()];
}

const dataProtocolField = field('data', 'Data', FT.Protocol, 'Bytes that no dissector recognised, shown raw.');
const dataDataField = field('data.data', 'Data', FT.Bytes, 'The raw bytes of a payload no dissector recognised.');
const dataLenField = field('data.len', 'Length', FT.UInt32, 'How many bytes of unrecognised payload there are.');
dataProtocolField.label = (n) => `Data (${n.length} bytes)`;

/** Shows bytes nobody claimed as Wireshark's "Data" layer. */
export function dissectData(buf: Buf, pkt: Packet, parent: Node): void {
  // Nothing to show when the capture kept none of it (Wireshark adds no Data layer either).
  if (buf.reportedLength <= 0 || buf.length === 0) return;
  // Raw data never names the Protocol column: it keeps the layer that carried it ("UDP", "ICMP").
  const column = pkt.protocolColumn;
  const node = pkt.addLayer(dataProtocol, parent, buf, 0, buf.length);
  pkt.protocolColumn = column;
  if (node.real) {
    node.add(dataDataField, buf, 0, buf.length, buf.bytesAt(0, buf.length));
    node.addGenerated(dataLenField, buf.reportedLength);
  }
}

export const dataProtocol: Protocol = {
  abbrev: 'data',
  short: 'Data',
  field: dataProtocolField,
  dissect: dissectData,
};
protocols.set('data', dataProtocol);

/**
 * Runs `proto` on `buf`, catching everything: running off the captured end marks the layer
 * "[Packet size limited during capture]", running off the reported end marks it malformed, and any
 * other exception (a dissector bug) marks this packet only. The next packet is dissected normally.
 */
export function callDissector(proto: Protocol, buf: Buf, pkt: Packet, parent: Node, data?: unknown): void {
  const layers = pkt.layers.length;
  try {
    proto.dissect(buf, pkt, parent, data);
  } catch (e) {
    // A protocol that ran out of bytes before it could add its layer was still there: frame.protocols
    // lists it, as Wireshark's does.
    if (pkt.layers.length === layers && (e instanceof CapturedBoundsError || e instanceof ReportedBoundsError)) pkt.layers.push(proto.abbrev);
    noteException(e, proto, pkt);
  }
}

/** Calls a heuristic under the same protection; a throwing heuristic counts as "not mine" unless it added a layer. */
export function callHeuristic(h: Heuristic, buf: Buf, pkt: Packet, parent: Node, data?: unknown): boolean {
  const layers = pkt.layers.length;
  try {
    return h.test(buf, pkt, parent, data);
  } catch (e) {
    if (pkt.layers.length === layers) return false;
    noteException(e, h.protocol, pkt);
    return true;
  }
}

function noteException(e: unknown, proto: Protocol, pkt: Packet): void {
  // A packet quoted in an ICMP error is cut short by design (RFC 792 keeps the header and 8 bytes):
  // running off its end is expected, not a defect of this packet (Wireshark stays silent too).
  if (pkt.inErrorPacket && (e instanceof CapturedBoundsError || e instanceof ReportedBoundsError)) return;
  const root = pkt.root;
  if (e instanceof CapturedBoundsError) {
    const n = root.addGenerated(truncatedField, undefined);
    n.text = `Packet size limited during capture: ${proto.short} truncated`;
    pkt.appendInfo('[Packet size limited during capture]');
    pkt.truncated = true;
    return;
  }
  const n = root.addGenerated(malformedField, undefined);
  n.text = `Malformed Packet: ${proto.short}`;
  const message =
    e instanceof ReportedBoundsError
      ? 'Malformed Packet (Exception occurred)'
      : `Dissector bug, protocol ${proto.short}: ${e instanceof Error ? e.message : String(e)}`;
  pkt.addExpert(n, Severity.Error, 'Malformed', message, proto.abbrev, e instanceof ReportedBoundsError ? malformedExpertField : undefined);
  pkt.appendInfo('[Malformed Packet]');
}

/**
 * Chooses the next layer for a transport payload in Wireshark's order: conversation binding → lower
 * port → higher port → heuristics → data. A heuristic match binds the conversation, so later packets
 * go straight to the same protocol. `data` is handed to whichever dissector runs (TCP passes its
 * StreamData here). Returns the protocol used (data when none).
 */
export function dispatchPorts(
  t: DissectorTable,
  buf: Buf,
  pkt: Packet,
  parent: Node,
  srcPort: number,
  dstPort: number,
  bound: { protocol: Protocol | null } | null,
  data?: unknown,
): Protocol {
  if (bound?.protocol) {
    callDissector(bound.protocol, buf, pkt, parent, data);
    return bound.protocol;
  }
  const low = srcPort < dstPort ? srcPort : dstPort;
  const high = srcPort < dstPort ? dstPort : srcPort;
  const byPort = pkt.session.lookup(t, low) ?? pkt.session.lookup(t, high);
  if (byPort) {
    callDissector(byPort, buf, pkt, parent, data);
    return byPort;
  }
  for (const h of t.heuristics) {
    if (!pkt.session.heuristicEnabled(h.protocol)) continue;
    if (callHeuristic(h, buf, pkt, parent, data)) {
      if (bound) bound.protocol = h.protocol;
      return h.protocol;
    }
  }
  dissectData(buf, pkt, parent);
  return dataProtocol;
}
