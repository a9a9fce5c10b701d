/**
 * -z conv,TYPE and -z endpoints,TYPE for eth, ip, ipv6, tcp and udp: frames and bytes each way,
 * first-seen order, relative start and duration, as tshark's conversation tables count them.
 * A is the endpoint that sent the first frame; "A → B" counts frames A sent.
 */
import type { Packet } from '../engine/packet.js';
import type { Stat } from './index.js';
import { StatError } from './index.js';
import { renderTable } from './table.js';

export type ConvType = 'eth' | 'ip' | 'ipv6' | 'tcp' | 'udp';
const titles: Record<ConvType, string> = { eth: 'Ethernet', ip: 'IPv4', ipv6: 'IPv6', tcp: 'TCP', udp: 'UDP' };

/** The two endpoints a packet contributes for a conversation type, or null. */
function endpoints(pkt: Packet, type: ConvType): [string, string] | null {
  switch (type) {
    case 'eth':
      return pkt.dlSrc ? [pkt.dlSrc, pkt.dlDst] : null;
    case 'ip':
      return pkt.layers.includes('ip') && pkt.netSrc.indexOf(':') < 0 && pkt.netSrc ? [pkt.netSrc, pkt.netDst] : null;
    case 'ipv6':
      return pkt.layers.includes('ipv6') && pkt.netSrc.indexOf(':') >= 0 ? [pkt.netSrc, pkt.netDst] : null;
    case 'tcp':
    case 'udp':
      if (pkt.transport !== type) return null;
      return [join(pkt.netSrc, pkt.srcPort), join(pkt.netDst, pkt.dstPort)];
  }
}

function join(addr: string, port: number): string {
  return `${addr}:${port}`;
}

interface Conv {
  a: string;
  b: string;
  framesAB: number;
  bytesAB: number;
  framesBA: number;
  bytesBA: number;
  start: number;
  end: number;
}

function parseType(spec: string, name: string): ConvType {
  const t = spec.split(',')[1] ?? '';
  if (!(t in titles)) throw new StatError(`-z ${name} needs one of eth, ip, ipv6, tcp, udp (e.g. -z ${name},ip), not '${spec}'`);
  return t as ConvType;
}

export class Conversations implements Stat {
  readonly needsTree = false;
  private readonly type: ConvType;
  private readonly convs = new Map<string, Conv>();
  constructor(readonly spec: string) {
    this.type = parseType(spec, 'conv');
  }

  onPacket(pkt: Packet): void {
    const ep = endpoints(pkt, this.type);
    if (!ep) return;
    const [src, dst] = ep;
    const key = src < dst ? `${src} ${dst}` : `${dst} ${src}`;
    let c = this.convs.get(key);
    const t = pkt.relativeTime;
    if (!c) this.convs.set(key, (c = { a: src, b: dst, framesAB: 0, bytesAB: 0, framesBA: 0, bytesBA: 0, start: t, end: t }));
    const len = pkt.frame.originalLength;
    if (src === c.a) {
      c.framesAB++;
      c.bytesAB += len;
    } else {
      c.framesBA++;
      c.bytesBA += len;
    }
    c.end = t;
  }

  text(): string {
    const rows = [...this.convs.values()].map((c) => [
      c.a, c.b, c.framesAB, c.bytesAB, c.framesBA, c.bytesBA, c.framesAB + c.framesBA, c.bytesAB + c.bytesBA,
      c.start.toFixed(6), (c.end - c.start).toFixed(4),
    ]);
    return renderTable(`${titles[this.type]} Conversations`,
      ['Address A', 'Address B', 'Frames A→B', 'Bytes A→B', 'Frames B→A', 'Bytes B→A', 'Frames', 'Bytes', 'Rel Start', 'Duration'], rows, 2);
  }

  json(): unknown {
    return [...this.convs.values()].map((c) => ({
      a: c.a, b: c.b, framesAtoB: c.framesAB, bytesAtoB: c.bytesAB, framesBtoA: c.framesBA, bytesBtoA: c.bytesBA,
      frames: c.framesAB + c.framesBA, bytes: c.bytesAB + c.bytesBA, relStart: c.start, duration: c.end - c.start,
    }));
  }
}

interface Endpoint {
  addr: string;
  txFrames: number;
  txBytes: number;
  rxFrames: number;
  rxBytes: number;
}

export class Endpoints implements Stat {
  readonly needsTree = false;
  private readonly type: ConvType;
  private readonly eps = new Map<string, Endpoint>();
  constructor(readonly spec: string) {
    this.type = parseType(spec, 'endpoints');
  }

  private get(addr: string): Endpoint {
    let e = this.eps.get(addr);
    if (!e) this.eps.set(addr, (e = { addr, txFrames: 0, txBytes: 0, rxFrames: 0, rxBytes: 0 }));
    return e;
  }

  onPacket(pkt: Packet): void {
    const ep = endpoints(pkt, this.type);
    if (!ep) return;
    const len = pkt.frame.originalLength;
    const s = this.get(ep[0]);
    s.txFrames++;
    s.txBytes += len;
    const d = this.get(ep[1]);
    d.rxFrames++;
    d.rxBytes += len;
  }

  private sorted(): Endpoint[] {
    return [...this.eps.values()].sort((x, y) => y.txFrames + y.rxFrames - (x.txFrames + x.rxFrames));
  }

  text(): string {
    const rows = this.sorted().map((e) => [e.addr, e.txFrames + e.rxFrames, e.txBytes + e.rxBytes, e.txFrames, e.txBytes, e.rxFrames, e.rxBytes]);
    return renderTable(`${titles[this.type]} Endpoints`, ['Address', 'Packets', 'Bytes', 'Tx Packets', 'Tx Bytes', 'Rx Packets', 'Rx Bytes'], rows);
  }

  json(): unknown {
    return this.sorted().map((e) => ({
      address: e.addr, packets: e.txFrames + e.rxFrames, bytes: e.txBytes + e.rxBytes,
      txPackets: e.txFrames, txBytes: e.txBytes, rxPackets: e.rxFrames, rxBytes: e.rxBytes,
    }));
  }
}
