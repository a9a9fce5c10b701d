/**
 * Builds Ethernet / IPv4 / UDP or TCP frames around OpenVPN bytes for the hex tests, and runs them
 * through a session the way a capture would.
 */
import { Session, type SessionOptions } from '../src/engine/session.js';
import type { Packet } from '../src/engine/packet.js';
import { hexBytes, makeFrame } from './util.js';

export const CLIENT = [10, 0, 0, 2];
export const SERVER = [10, 0, 0, 1];
/** The capture clock of every test frame (makeFrame): 2023-11-14 22:13:20 UTC = 0x6553f100. */
export const CAPTURE_SECONDS = 1_700_000_000;

export interface Ends {
  src?: number[];
  dst?: number[];
  sport?: number;
  dport?: number;
}

function ipv4(src: number[], dst: number[], proto: number, payload: Uint8Array): Uint8Array {
  const total = 20 + payload.length;
  const h = [0x45, 0, total >> 8, total & 255, 0, 1, 0x40, 0, 64, proto, 0, 0, ...src, ...dst];
  let sum = 0;
  for (let i = 0; i < 20; i += 2) sum += (h[i]! << 8) | h[i + 1]!;
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  const c = ~sum & 0xffff;
  h[10] = c >> 8;
  h[11] = c & 255;
  const out = new Uint8Array(14 + total);
  out.set([2, 0, 0, 0, 0, 1, 2, 0, 0, 0, 0, 2, 0x08, 0x00], 0);
  out.set(h, 14);
  out.set(payload, 34);
  return out;
}

/** Ethernet + IPv4 + UDP around `ovpn` (hex or bytes); default client 10.0.0.2:40000 → server 10.0.0.1:1194. */
export function udpFrame(ovpn: string | Uint8Array, e: Ends = {}): Uint8Array {
  const data = typeof ovpn === 'string' ? hexBytes(ovpn) : ovpn;
  const sport = e.sport ?? 40000;
  const dport = e.dport ?? 1194;
  const len = 8 + data.length;
  const udp = new Uint8Array(len);
  udp.set([sport >> 8, sport & 255, dport >> 8, dport & 255, len >> 8, len & 255, 0, 0], 0);
  udp.set(data, 8);
  return ipv4(e.src ?? CLIENT, e.dst ?? SERVER, 17, udp);
}

/** The same, server → client. */
export function udpBack(ovpn: string | Uint8Array, e: Ends = {}): Uint8Array {
  return udpFrame(ovpn, { src: SERVER, dst: CLIENT, sport: e.dport ?? 1194, dport: e.sport ?? 40000 });
}

export interface TcpOpts extends Ends {
  seq: number;
  ack?: number;
  /** TCP flags byte; default PSH|ACK. */
  flags?: number;
}

export function tcpFrame(data: string | Uint8Array, o: TcpOpts): Uint8Array {
  const bytes = typeof data === 'string' ? hexBytes(data) : data;
  const sport = o.sport ?? 40000;
  const dport = o.dport ?? 1194;
  const seg = new Uint8Array(20 + bytes.length);
  const ack = o.ack ?? 1;
  seg.set([sport >> 8, sport & 255, dport >> 8, dport & 255,
    (o.seq >>> 24) & 255, (o.seq >>> 16) & 255, (o.seq >>> 8) & 255, o.seq & 255,
    (ack >>> 24) & 255, (ack >>> 16) & 255, (ack >>> 8) & 255, ack & 255,
    0x50, o.flags ?? 0x18, 0xff, 0xff, 0, 0, 0, 0], 0);
  seg.set(bytes, 20);
  return ipv4(o.src ?? CLIENT, o.dst ?? SERVER, 6, seg);
}

/** Dissects frames in order in one session; frame n gets time CAPTURE_SECONDS + n µs. */
export function run(frames: Uint8Array[], opts: SessionOptions = {}): Packet[] {
  const s = new Session({ buildTree: true, ...opts });
  return frames.map((b, i) => s.dissect(makeFrame(b, 1, i + 1)));
}

/** Hex of n bytes counting up from `start` (HMACs, tags: recognisable filler). */
export function filler(start: number, n: number): string {
  let s = '';
  for (let i = 0; i < n; i++) s += ((start + i) & 255).toString(16).padStart(2, '0');
  return s;
}
