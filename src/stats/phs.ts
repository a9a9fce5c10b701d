/**
 * -z io,phs — protocol hierarchy: frames and bytes per protocol path, as tshark counts them (each
 * frame counts once under every protocol in its path; bytes are whole-frame lengths).
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

/** Pseudo-layers tshark leaves out of the hierarchy. */
const skipped = new Set(['frame', 'ethertype', 'data-text-lines']);

export class ProtocolHierarchy implements Stat {
  readonly needsTree = false;
  private readonly root: PhsNode = { name: '', frames: 0, bytes: 0, children: new Map() };
  constructor(readonly spec: string) {}

  onPacket(pkt: Packet): void {
    let node = this.root;
    const bytes = pkt.frame.originalLength;
    const seen = new Set<string>();
    for (const layer of pkt.layers) {
      if (skipped.has(layer)) continue;
      // A protocol repeated back to back (e.g. several TLS records) counts once at that depth.
      if (seen.has(layer) && node.name === layer) continue;
      seen.add(layer);
      let child = node.children.get(layer);
      if (!child) node.children.set(layer, (child = { name: layer, frames: 0, bytes: 0, children: new Map() }));
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
