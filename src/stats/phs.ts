/**
 * -z io,phs — protocol hierarchy: frames and bytes per protocol path, as tshark counts them.
 *
 * tshark walks the top-level items of each packet's tree, each one a level deeper than the one
 * before, and counts the frame (its on-the-wire length) once under every item on that path. So:
 * - only top-level layers count: ICMP's echo data or an IPv6 fragment header sit inside another
 *   layer's subtree and are left out (Packet.nestedLayers);
 * - a protocol that occurs twice (two OpenVPN messages in one TCP segment) nests under itself;
 * - the items Wireshark adds at the top that are not dissector calls are counted too: packet
 *   comments before everything, "[N Reassembled TCP Segments]", "[Malformed Packet]" and
 *   "[Packet size limited during capture]" after the layers.
 * vpnscope reads these from the packet's layer record, so it needs no tree.
 */
import type { Packet } from '../engine/packet.js';
import type { Stat } from './index.js';
import { renderTable } from './table.js';

interface PhsNode {
  name: string;
  frames: number;
  bytes: number;
  children: Map<string, PhsNode>;
}

/** Layer records that are not tree items: the frame itself and the ethertype step. */
const pseudo = new Set(['frame', 'ethertype']);

/** The names tshark's hierarchy shows for one packet, outermost first. */
export function hierarchyPath(pkt: Packet): string[] {
  const path: string[] = [];
  const nested = pkt.nestedLayers;
  let skip = 0;
  for (let i = 0; i < pkt.layers.length; i++) {
    if (skip < nested.length && nested[skip] === i) {
      skip++;
      continue;
    }
    const layer = pkt.layers[i]!;
    if (!pseudo.has(layer)) path.push(layer);
  }
  // Reassemblies, innermost first: decrypted TLS records joined for the protocol inside, then TCP segments.
  if (pkt.extraSources?.some((s) => s.name.startsWith('Reassembled TLS'))) path.push('tls.segments');
  if (pkt.extraSources?.some((s) => s.name.startsWith('Reassembled TCP'))) path.push('tcp.segments');
  if (pkt.experts.some((e) => e.group === 'Malformed' && (e.message === 'Malformed Packet (Exception occurred)' || e.message.startsWith('Dissector bug')))) {
    path.push('_ws.malformed');
  }
  if (pkt.truncated) path.push('_ws.short');
  return path;
}

export class ProtocolHierarchy implements Stat {
  readonly needsTree = false;
  private readonly root: PhsNode = { name: '', frames: 0, bytes: 0, children: new Map() };
  constructor(readonly spec: string) {}

  onPacket(pkt: Packet): void {
    let node = this.root;
    const bytes = pkt.frame.originalLength;
    for (const name of hierarchyPath(pkt)) {
      let child = node.children.get(name);
      if (!child) node.children.set(name, (child = { name, frames: 0, bytes: 0, children: new Map() }));
      child.frames++;
      child.bytes += bytes;
      node = child;
    }
  }

  private rows(): { depth: number; name: string; frames: number; bytes: number }[] {
    const out: { depth: number; name: string; frames: number; bytes: number }[] = [];
    const visit = (n: PhsNode, depth: number) => {
      for (const c of n.children.values()) {
        out.push({ depth, name: c.name, frames: c.frames, bytes: c.bytes });
        visit(c, depth + 1);
      }
    };
    visit(this.root, 0);
    return out;
  }

  text(): string {
    return renderTable('Protocol Hierarchy Statistics', ['Protocol', 'Frames', 'Bytes'],
      this.rows().map((r) => ['  '.repeat(r.depth) + r.name, r.frames, r.bytes]));
  }

  json(): unknown {
    const toJson = (n: PhsNode): unknown => ({
      protocol: n.name, frames: n.frames, bytes: n.bytes,
      ...(n.children.size ? { children: [...n.children.values()].map(toJson) } : {}),
    });
    return [...this.root.children.values()].map(toJson);
  }
}
