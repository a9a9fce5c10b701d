/**
 * Reads a capture and dissects it for the OpenVPN tests. Uses the real pipeline (Ethernet → IP →
 * UDP/TCP → OpenVPN) once IP and TCP are registered; until then a small stand-in decodes Ethernet /
 * Linux cooked / raw IPv4 and UDP or TCP (in-order segments, retransmissions skipped) and calls the
 * OpenVPN dissector the way the transports do.
 */
import { openCapture } from '../src/capture/open.js';
import type { Frame } from '../src/capture/frame.js';
import { Session, type SessionOptions } from '../src/engine/session.js';
import { Packet } from '../src/engine/packet.js';
import { Buf } from '../src/engine/buf.js';
import { callDissector, dispatchPorts, findProtocol, table } from '../src/engine/dispatch.js';
import { StreamDirection } from '../src/engine/stream.js';
import './util.js';

export async function readFrames(path: string): Promise<Frame[]> {
  const frames: Frame[] = [];
  await openCapture(path).run((f) => {
    frames.push({ ...f, bytes: f.bytes.slice() });
  });
  return frames;
}

export function realPipeline(): boolean {
  return findProtocol('ip') !== undefined && findProtocol('tcp') !== undefined && findProtocol('ip')!.dissect !== undefined;
}

export async function dissectCapture(path: string, opts: SessionOptions = {}): Promise<Packet[]> {
  const frames = await readFrames(path);
  const session = new Session({ buildTree: true, ...opts });
  if (realPipeline()) return frames.map((f) => session.dissect(f));
  const streams = new Map<string, { dir: StreamDirection; next: number }>();
  return frames.map((f) => standIn(session, f, streams));
}

function standIn(session: Session, f: Frame, streams: Map<string, { dir: StreamDirection; next: number }>): Packet {
  const pkt = new Packet(f, session, true);
  const b = f.bytes;
  let off: number;
  if (f.linkType === 1) off = 14;
  else if (f.linkType === 113) off = 16;
  else if (f.linkType === 101 || f.linkType === 228) off = 0;
  else return pkt;
  if (f.linkType !== 101 && f.linkType !== 228) {
    const type = (b[off - 2]! << 8) | b[off - 1]!;
    if (type !== 0x0800) return pkt;
  }
  if (b.length < off + 20 || b[off]! >> 4 !== 4) return pkt;
  const ihl = (b[off]! & 15) * 4;
  const total = (b[off + 2]! << 8) | b[off + 3]!;
  const proto = b[off + 9]!;
  pkt.netSrc = `${b[off + 12]}.${b[off + 13]}.${b[off + 14]}.${b[off + 15]}`;
  pkt.netDst = `${b[off + 16]}.${b[off + 17]}.${b[off + 18]}.${b[off + 19]}`;
  const ipEnd = Math.min(off + total, b.length);
  const t = off + ihl;
  const frameBuf = Buf.of(b.subarray(0, ipEnd), 'Frame');
  if (proto === 17) {
    callDissector(findProtocol('udp')!, frameBuf.sub(t), pkt, pkt.root);
    return pkt;
  }
  if (proto !== 6 || ipEnd < t + 20) return pkt;
  const sport = (b[t]! << 8) | b[t + 1]!;
  const dport = (b[t + 2]! << 8) | b[t + 3]!;
  const seq = ((b[t + 4]! << 24) | (b[t + 5]! << 16) | (b[t + 6]! << 8) | b[t + 7]!) >>> 0;
  const flags = b[t + 13]!;
  const dataOff = (b[t + 12]! >> 4) * 4;
  pkt.transport = 'tcp';
  pkt.srcPort = sport;
  pkt.dstPort = dport;
  const conv = session.conversation('tcp', pkt.netSrc, sport, pkt.netDst, dport, f);
  const key = `${pkt.netSrc}:${sport}>${pkt.netDst}:${dport}`;
  let st = streams.get(key);
  if (!st || flags & 2) {
    st = { dir: new StreamDirection('TCP'), next: (seq + (flags & 2 ? 1 : 0)) >>> 0 };
    streams.set(key, st);
  }
  const len = ipEnd - (t + dataOff);
  if (len <= 0) return pkt;
  if (seq !== st.next) {
    // Retransmission or out of order: the stand-in only follows in-order streams.
    pkt.setInfo('[TCP retransmission or out of order]');
    return pkt;
  }
  st.next = (seq + len) >>> 0;
  const payload = frameBuf.sub(t + dataOff);
  const proto7 = conv.protocol ?? session.lookup(table('tcp.port'), Math.min(sport, dport)) ?? session.lookup(table('tcp.port'), Math.max(sport, dport));
  if (proto7) {
    callDissector(proto7, payload, pkt, pkt.root, { direction: st.dir });
    return pkt;
  }
  for (const h of table('tcp.port').heuristics) {
    if (h.test(payload, pkt, pkt.root, { direction: st.dir })) {
      conv.protocol = h.protocol;
      return pkt;
    }
  }
  void dispatchPorts;
  return pkt;
}
