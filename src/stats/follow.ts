/**
 * -z follow,tcp|udp|tls,ascii|hex|raw,STREAM[,RANGE] — one conversation's payload, as tshark prints it.
 *
 * TCP gives its bytes in sequence order, each once (retransmissions and out-of-order arrivals are
 * sorted out by TCP before they are passed on: the `tcp.follow` tap); UDP each datagram's payload;
 * TLS the decrypted application data of each record (with a key log). STREAM is the tcp.stream /
 * udp.stream index, or the two endpoints "ADDR:PORT,ADDR:PORT". Node 0 is the endpoint that sent the
 * conversation's first packet; its data is printed flush left, node 1's indented by a tab. RANGE
 * ("3" or "3-5") keeps only those chunks, counted from 1.
 */
import type { Packet } from '../engine/packet.js';
import type { Conversation } from '../engine/session.js';
import { keepCopy } from '../engine/buf.js';
import { type Stat, StatError } from './index.js';

/** What the transports and TLS tap for following: a conversation's next in-order bytes. */
export interface FollowTap {
  conv: Conversation;
  fromA: boolean;
  bytes: Uint8Array;
}

const modes = new Set(['ascii', 'hex', 'raw']);

/** How many comma-separated parts the arguments take: protocol, mode, stream (one part, or two endpoints), an optional range. */
export function followArgs(after: string[]): number {
  const stream = after[2] !== undefined && !/^\d+$/.test(after[2]) && after[3]?.includes(':') ? 2 : 1;
  const n = 2 + stream;
  return after[n] !== undefined && /^\d+(-\d+)?$/.test(after[n]!) ? n + 1 : n;
}
const RULE = '='.repeat(67);

export class FollowStream implements Stat {
  readonly needsTree = false;
  private readonly proto: 'tcp' | 'udp' | 'tls';
  private readonly mode: string;
  private readonly index: number;
  private readonly endpoints: [string, string] | null;
  private readonly range: [number, number] | null;
  private conv: Conversation | null = null;
  private readonly chunks: { fromA: boolean; bytes: Uint8Array }[] = [];

  constructor(readonly spec: string) {
    const [, proto, mode, filter, ...rest] = spec.split(',');
    if (proto !== 'tcp' && proto !== 'udp' && proto !== 'tls') throw new StatError(`-z follow: the protocol must be tcp, udp or tls, not '${proto ?? ''}'`);
    if (!mode || !modes.has(mode)) throw new StatError(`-z follow,${proto}: the mode must be ascii, hex or raw, not '${mode ?? ''}'`);
    this.proto = proto;
    this.mode = mode;
    // "ADDR:PORT,ADDR:PORT" takes two comma-separated parts.
    let rangeText: string | undefined;
    if (filter !== undefined && /^\d+$/.test(filter)) {
      this.index = Number(filter);
      this.endpoints = null;
      rangeText = rest[0];
    } else if (filter !== undefined && rest[0] !== undefined && filter.includes(':') && rest[0].includes(':')) {
      this.index = -1;
      this.endpoints = [filter, rest[0]];
      rangeText = rest[1];
    } else {
      throw new StatError(`-z follow,${proto},${mode}: give a stream index or two endpoints ADDR:PORT,ADDR:PORT, not '${filter ?? ''}'`);
    }
    const range = rangeText === undefined ? null : /^(\d+)(?:-(\d+))?$/.exec(rangeText);
    if (rangeText !== undefined && !range) throw new StatError(`-z follow: the chunk range must be N or N-M, not '${rangeText}'`);
    this.range = range ? [Number(range[1]), Number(range[2] ?? range[1])] : null;
  }

  onPacket(pkt: Packet): void {
    const taps = pkt.taps;
    if (!taps) return;
    const name = this.proto === 'tls' ? 'tls.follow' : `${this.proto}.follow`;
    for (const t of taps) {
      if (t.tap !== name) continue;
      const f = t.data as FollowTap;
      if (f.conv.transport !== (this.proto === 'udp' ? 'udp' : 'tcp') && this.proto !== 'tls') continue;
      if (!this.matches(f.conv)) continue;
      this.conv ??= f.conv;
      if (f.bytes.length) this.chunks.push({ fromA: f.fromA, bytes: keepCopy(f.bytes) });
    }
  }

  private matches(conv: Conversation): boolean {
    if (this.conv) return conv === this.conv;
    if (!this.endpoints) return conv.index === this.index;
    const a = `${conv.addrA}:${conv.portA}`;
    const b = `${conv.addrB}:${conv.portB}`;
    const [x, y] = this.endpoints;
    return (a === x && b === y) || (a === y && b === x);
  }

  private shown(): { fromA: boolean; bytes: Uint8Array }[] {
    if (!this.range) return this.chunks;
    const [from, to] = this.range;
    return this.chunks.slice(from - 1, to);
  }

  text(): string {
    const conv = this.conv;
    const transport = conv?.transport ?? (this.proto === 'udp' ? 'udp' : 'tcp');
    const filter = this.endpoints
      ? `((ip.src eq ${hostOf(this.endpoints[0])} and ${transport}.srcport eq ${portOf(this.endpoints[0])}) and (ip.dst eq ${hostOf(this.endpoints[1])} and ${transport}.dstport eq ${portOf(this.endpoints[1])})) or ((ip.src eq ${hostOf(this.endpoints[1])} and ${transport}.srcport eq ${portOf(this.endpoints[1])}) and (ip.dst eq ${hostOf(this.endpoints[0])} and ${transport}.dstport eq ${portOf(this.endpoints[0])}))`
      : `${transport}.stream eq ${this.index}`;
    const lines = ['', RULE, `Follow: ${this.proto},${this.mode}`, `Filter: ${filter}`,
      `Node 0: ${conv ? endpoint(conv.addrA, conv.portA) : ':0'}`, `Node 1: ${conv ? endpoint(conv.addrB, conv.portB) : ':0'}`];
    let out = lines.join('\n') + '\n';
    const offsets = [0, 0];
    for (const c of this.shown()) {
      const tab = c.fromA ? '' : '\t';
      if (this.mode === 'ascii') out += `${tab}${c.bytes.length}\n${asciiText(c.bytes)}\n`;
      else if (this.mode === 'raw') out += `${tab}${Buffer.from(c.bytes.buffer, c.bytes.byteOffset, c.bytes.length).toString('hex')}\n`;
      else {
        const side = c.fromA ? 0 : 1;
        out += hexLines(c.bytes, offsets[side]!, tab);
        offsets[side]! += c.bytes.length;
      }
    }
    return `${out}${RULE}\n`;
  }

  json(): unknown {
    const conv = this.conv;
    return {
      follow: this.proto,
      mode: this.mode,
      stream: conv ? conv.index : this.index,
      nodes: conv ? [endpoint(conv.addrA, conv.portA), endpoint(conv.addrB, conv.portB)] : [],
      chunks: this.shown().map((c) => ({ node: c.fromA ? 0 : 1, length: c.bytes.length, data: Buffer.from(c.bytes).toString('hex') })),
    };
  }
}

function endpoint(addr: string, port: number): string {
  return addr.includes(':') ? `[${addr}]:${port}` : `${addr}:${port}`;
}

function hostOf(endpointText: string): string {
  return endpointText.slice(0, endpointText.lastIndexOf(':')).replace(/^\[|\]$/g, '');
}

function portOf(endpointText: string): string {
  return endpointText.slice(endpointText.lastIndexOf(':') + 1);
}

/** Printable ASCII as itself, CR, LF and tab kept, anything else a dot. */
function asciiText(bytes: Uint8Array): string {
  let s = '';
  for (const b of bytes) s += (b >= 0x20 && b < 0x7f) || b === 0x0a || b === 0x0d || b === 0x09 ? String.fromCharCode(b) : '.';
  return s;
}

/** tshark's hex lines: "00000000  47 45 54 20 2f 69 6e 64  65 78 …  GET /ind ex.html". */
function hexLines(bytes: Uint8Array, start: number, prefix: string): string {
  let out = '';
  for (let at = 0; at < bytes.length; at += 16) {
    const row = bytes.subarray(at, at + 16);
    let hex = '';
    let text = '';
    for (let i = 0; i < 16; i++) {
      if (i === 8) {
        hex += ' ';
        text += ' ';
      }
      if (i < row.length) {
        const b = row[i]!;
        hex += `${b.toString(16).padStart(2, '0')} `;
        text += b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : '.';
      } else {
        hex += '   ';
      }
    }
    out += `${prefix}${(start + at).toString(16).toUpperCase().padStart(8, '0')}  ${hex} ${text.trimEnd()}\n`;
  }
  return out;
}
