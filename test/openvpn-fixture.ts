/**
 * Per-packet OpenVPN values as the capture tests compare them: one record per OpenVPN packet (TCP
 * segments may carry several), with the fields a reader checks by eye against tshark.
 */
import type { Packet } from '../src/engine/packet.js';
import type { Node } from '../src/engine/tree.js';
import { valueToJson } from '../src/engine/format.js';

export interface OvpnRecord {
  frame: number;
  opcode: string;
  keyId: number;
  /** Sender session id, hex. */
  sid?: string;
  /** tls-auth / tls-crypt replay packet id. */
  replayId?: number;
  acks?: number[];
  remoteSid?: string;
  /** Message packet id. */
  mpid?: number;
  peerId?: number;
  /** AEAD data packet id. */
  dataPid?: number;
  wkcLen?: number;
  retransmissionOf?: number;
}

const opNames: Record<string, string> = {};

function child(n: Node, abbrev: string): Node | undefined {
  for (const k of n.children ?? []) {
    if (k.field.abbrev === abbrev) return k;
    const d = child(k, abbrev);
    if (d) return d;
  }
  return undefined;
}

function all(n: Node, abbrev: string, out: Node[] = []): Node[] {
  for (const k of n.children ?? []) {
    if (k.field.abbrev === abbrev) out.push(k);
    all(k, abbrev, out);
  }
  return out;
}

function hexOf(v: unknown): string {
  return (v as bigint).toString(16).padStart(16, '0');
}

/** The OpenVPN records of one packet, in order. */
export function ovpnRecords(pkt: Packet): OvpnRecord[] {
  const out: OvpnRecord[] = [];
  for (const layer of pkt.root.children ?? []) {
    if (layer.field.abbrev !== 'openvpn') continue;
    const opNode = child(layer, 'openvpn.opcode');
    const r: OvpnRecord = {
      frame: pkt.number,
      opcode: opNode ? (opNames[String(opNode.value)] ??= labelOf(opNode)) : 'static-key',
      keyId: Number(child(layer, 'openvpn.keyid')?.value ?? 0),
    };
    const sid = child(layer, 'openvpn.sessionid');
    if (sid) r.sid = hexOf(sid.value);
    const rp = child(layer, 'openvpn.pid');
    if (rp) r.replayId = Number(rp.value);
    const len = child(layer, 'openvpn.mpidarraylength');
    if (len) r.acks = all(layer, 'openvpn.mpidarrayelement').map((n) => Number(n.value));
    const rs = child(layer, 'openvpn.rsessionid');
    if (rs) r.remoteSid = hexOf(rs.value);
    const mp = child(layer, 'openvpn.mpid');
    if (mp) r.mpid = Number(mp.value);
    const peer = child(layer, 'openvpn.peerid');
    if (peer) r.peerId = Number(peer.value);
    const dp = child(layer, 'openvpn.data.pid');
    if (dp) r.dataPid = Number(dp.value);
    const wl = child(layer, 'openvpn.wkc_len');
    if (wl) r.wkcLen = Number(wl.value);
    const rt = child(layer, 'openvpn.retransmission_of');
    if (rt) r.retransmissionOf = Number(rt.value);
    out.push(r);
  }
  return out;
}

function labelOf(n: Node): string {
  // "P_CONTROL_V1 (0x04)" → "P_CONTROL_V1"; unknown opcodes keep their number.
  const names: Record<number, string> = (n.field.values && typeof n.field.values !== 'function')
    ? Object.fromEntries([...(n.field.values as Map<number, string>).entries()])
    : {};
  return names[Number(n.value)] ?? `opcode ${valueToJson(n.field, n.value)}`;
}

/** One record per line: readable in a diff. */
export function formatFixture(meta: Record<string, unknown>, records: OvpnRecord[]): string {
  const head = JSON.stringify(meta, null, 2).replace(/\n}$/, '');
  return `${head},\n  "packets": [\n${records.map((r) => `    ${JSON.stringify(r)}`).join(',\n')}\n  ]\n}\n`;
}
