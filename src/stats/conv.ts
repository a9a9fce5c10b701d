/**
 * -z conv,TYPE and -z endpoints,TYPE for eth, ip, ipv6, tcp and udp, counted as tshark counts them:
 * every frame (its on-the-wire length) once, in the conversation of its addresses (and ports).
 * A is the endpoint that sent the first frame seen; "A → B" counts the frames A sent. Rows are
 * sorted by total frames, most first, ties in order of first appearance (as tshark prints them).
 */
import type { Packet } from '../engine/packet.js';
import type { Stat } from './index.js';
import { StatError } from './index.js';
import { renderTable } from './table.js';

export type ConvType = 'eth' | 'ip' | 'ipv6' | 'tcp' | 'udp';
const titles: Record<ConvType, string> = { eth: 'Ethernet', ip: 'IPv4', ipv6: 'IPv6', tcp: 'TCP', udp: 'UDP' };

interface Endpoint {
  address: string;
  /** Transport port, or -1 for eth/ip/ipv6. */
  port: number;
}

/** The two endpoints a packet contributes for a conversation type, or null. */
function packetEnds(pkt: Packet, type: ConvType): [Endpoint, Endpoint] | null {
  switch (type) {
    case 'eth':
      // Linux cooked captures carry a link-layer source address too, but no Ethernet header.
      return pkt.dlSrc && pkt.layers.includes('eth') ? [{ address: pkt.dlSrc, port: -1 }, { address: pkt.dlDst, port: -1 }] : null;
    case 'ip':
      return pkt.netSrc && pkt.layers.includes('ip') && pkt.netSrc.indexOf(':') < 0 ? [{ address: pkt.netSrc, port: -1 }, { address: pkt.netDst, port: -1 }] : null;
    case 'ipv6':
      if (!pkt.layers.includes('ipv6') || pkt.netSrc.indexOf(':') < 0) return null;
      // Wireshark reports an IPv6 packet to its statistics only once it is whole: a fragment that
      // does not complete a datagram is not counted (IPv4 fragments are, each one).
      if (pkt.layers.includes('ipv6.fraghdr') && !pkt.extraSources?.some((s) => s.name.startsWith('Reassembled IPv6'))) return null;
      return [{ address: pkt.netSrc, port: -1 }, { address: pkt.netDst, port: -1 }];
    case 'tcp':
    case 'udp':
      if (pkt.transport !== type) return null;
      return [{ address: pkt.netSrc, port: pkt.srcPort }, { address: pkt.netDst, port: pkt.dstPort }];
  }
}

/** tshark's "address:port" text (IPv6 addresses too are written without brackets). */
function endText(e: Endpoint): string {
  return e.port < 0 ? e.address : `${e.address}:${e.port}`;
}

function endKey(e: Endpoint): string {
  return `${e.address}|${e.port}`;
}

interface Conv {
  a: Endpoint;
  b: Endpoint;
  framesAB: number;
  bytesAB: number;
  framesBA: number;
  bytesBA: number;
  start: number;
  end: number;
}

function parseType(spec: string, name: string): ConvType {
  const parts = spec.split(',');
  const t = parts[1] ?? '';
  if (!(t in titles) || parts.length > 2) throw new StatError(`-z ${name} needs one of eth, ip, ipv6, tcp, udp (e.g. -z ${name},ip), not '${spec}'`);
  return t as ConvType;
}

/** Stable sort by a count, largest first. */
function byCountDesc<T>(items: Iterable<T>, count: (x: T) => number): T[] {
  return [...items].map((x, i) => ({ x, i, n: count(x) })).sort((p, q) => q.n - p.n || p.i - q.i).map((p) => p.x);
}

export class Conversations implements Stat {
  readonly needsTree = false;
  readonly type: ConvType;
  private readonly convs = new Map<string, Conv>();
  constructor(readonly spec: string) {
    this.type = parseType(spec, 'conv');
  }

  onPacket(pkt: Packet): void {
    const ends = packetEnds(pkt, this.type);
    if (!ends) return;
    const [src, dst] = ends;
    const s = endKey(src);
    const d = endKey(dst);
    const key = s < d ? `${s} ${d}` : `${d} ${s}`;
    let c = this.convs.get(key);
    const t = pkt.relativeTime;
    if (!c) this.convs.set(key, (c = { a: src, b: dst, framesAB: 0, bytesAB: 0, framesBA: 0, bytesBA: 0, start: t, end: t }));
    const len = pkt.frame.originalLength;
    if (s === endKey(c.a)) {
      c.framesAB++;
      c.bytesAB += len;
    } else {
      c.framesBA++;
      c.bytesBA += len;
    }
    if (t < c.start) c.start = t;
    if (t > c.end) c.end = t;
  }

  /** Conversations in tshark's order. */
  list(): Conv[] {
    return byCountDesc(this.convs.values(), (c) => c.framesAB + c.framesBA);
  }

  text(): string {
    const rows = this.list().map((c) => [
      endText(c.a), endText(c.b), c.framesAB, c.bytesAB, c.framesBA, c.bytesBA, c.framesAB + c.framesBA, c.bytesAB + c.bytesBA,
      c.start.toFixed(9), (c.end - c.start).toFixed(4),
    ]);
    return renderTable(`${titles[this.type]} Conversations`,
      ['Address A', 'Address B', 'Frames A→B', 'Bytes A→B', 'Frames B→A', 'Bytes B→A', 'Frames', 'Bytes', 'Rel Start', 'Duration'], rows, 2);
  }

  json(): unknown {
    const ports = this.type === 'tcp' || this.type === 'udp';
    return this.list().map((c) => ({
      addressA: c.a.address, ...(ports ? { portA: c.a.port } : {}), addressB: c.b.address, ...(ports ? { portB: c.b.port } : {}),
      framesAtoB: c.framesAB, bytesAtoB: c.bytesAB, framesBtoA: c.framesBA, bytesBtoA: c.bytesBA,
      frames: c.framesAB + c.framesBA, bytes: c.bytesAB + c.bytesBA, relStart: c.start, duration: c.end - c.start,
    }));
  }
}

interface EndpointCounts extends Endpoint {
  txFrames: number;
  txBytes: number;
  rxFrames: number;
  rxBytes: number;
}

export class Endpoints implements Stat {
  readonly needsTree = false;
  readonly type: ConvType;
  private readonly eps = new Map<string, EndpointCounts>();
  constructor(readonly spec: string) {
    this.type = parseType(spec, 'endpoints');
  }

  private get(e: Endpoint): EndpointCounts {
    const key = endKey(e);
    let c = this.eps.get(key);
    if (!c) this.eps.set(key, (c = { address: e.address, port: e.port, txFrames: 0, txBytes: 0, rxFrames: 0, rxBytes: 0 }));
    return c;
  }

  onPacket(pkt: Packet): void {
    const ends = packetEnds(pkt, this.type);
    if (!ends) return;
    const len = pkt.frame.originalLength;
    const s = this.get(ends[0]);
    s.txFrames++;
    s.txBytes += len;
    const d = this.get(ends[1]);
    d.rxFrames++;
    d.rxBytes += len;
  }

  /** Endpoints in tshark's order. */
  list(): EndpointCounts[] {
    return byCountDesc(this.eps.values(), (e) => e.txFrames + e.rxFrames);
  }

  text(): string {
    const ports = this.type === 'tcp' || this.type === 'udp';
    const rows = this.list().map((e) => [
      e.address, ...(ports ? [e.port] : []), e.txFrames + e.rxFrames, e.txBytes + e.rxBytes, e.txFrames, e.txBytes, e.rxFrames, e.rxBytes,
    ]);
    return renderTable(`${titles[this.type]} Endpoints`,
      ['Address', ...(ports ? ['Port'] : []), 'Packets', 'Bytes', 'Tx Packets', 'Tx Bytes', 'Rx Packets', 'Rx Bytes'], rows);
  }

  json(): unknown {
    const ports = this.type === 'tcp' || this.type === 'udp';
    return this.list().map((e) => ({
      address: e.address, ...(ports ? { port: e.port } : {}), packets: e.txFrames + e.rxFrames, bytes: e.txBytes + e.rxBytes,
      txPackets: e.txFrames, txBytes: e.txBytes, rxPackets: e.rxFrames, rxBytes: e.rxBytes,
    }));
  }
}
