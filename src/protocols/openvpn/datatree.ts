/**
 * Data packets in the tree (P_DATA_V1/V2 in their AEAD, epoch or CBC shape; static-key packets) and
 * packets with an opcode nobody defined. Kept cheap: data packets are most of a capture.
 */
import type { Buf } from '../../engine/buf.js';
import { type Node, Severity } from '../../engine/tree.js';
import { hf } from './fields.js';
import { type Wrap, Op, opcodeName } from './wire.js';
import { staticKeyHmacFor } from './variant.js';
import { AEAD_TAG, CBC_IV, shapeLabel } from './data.js';
import type { KeyChannel } from './control.js';
import { type PacketContext, addTypeByte, addWrap, say, seconds, tap } from './context.js';
// ----------------------------------------------------------------------------------- data packets

export function dissectDataPacket(pb: Buf, ctx: PacketContext, op: number): void {
  const { pkt, node, dir } = ctx;
  const s = ctx.session;
  const b0 = pb.u8(0);
  const keyId = b0 & 7;
  const hdr = op === Op.DataV2 ? 4 : 1;
  if (node.real) addTypeByte(pb, node, b0);
  let info = `${opcodeName(op)} kid=${keyId}`;
  if (op === Op.DataV2) {
    const peer = pb.u24(1);
    const p = node.add(hf.peerid, pb, 1, 3, peer);
    if (peer === 0xffffff) p.suffix = ' (not assigned)';
    info += ` peer=${peer}`;
  }
  const now = seconds(pkt);
  const key = s.keys.get(keyId) ?? s.key(keyId, pkt.number, now);
  const firstData = key.firstDataFrame === 0;
  if (firstData) {
    key.firstDataFrame = pkt.number;
    key.firstDataTime = now;
    const t = s.record.timeline;
    if (keyId === 0 && t.dataFrame === 0) {
      t.dataFrame = pkt.number;
      t.dataTime = now;
      if (t.resetFrame) s.record.handshakeSeconds = now - t.resetTime;
    }
  }
  const firstOfKey = key.startFrame < pkt.number && key.dirs[0].next > 0 && s.pids[dir].get(keyId) === undefined;
  const shape = s.shape.observe(pb, hdr, dir, pkt.number, s.detector.wrap?.kind === 'tls-auth' ? s.detector.wrap.hmacSize : 0, firstOfKey);
  s.record.dataShape = shapeLabel(shape);
  addWrap(ctx, node);
  if (node.real) {
    const sh = node.addGenerated(hf.dataShape, s.record.dataShape);
    sh.addGenerated(hf.dataShapeReason, shape.reason);
  }
  const rest = pb.length - hdr;
  switch (shape.kind) {
    case 'aead':
      if (rest >= 4 + AEAD_TAG) {
        const pid = pb.u32(hdr);
        const pidNode = node.add(hf.dataPid, pb, hdr, 4, pid);
        trackPid(ctx, keyId, pid, pidNode);
        if (node.real) node.add(hf.dataTag, pb, hdr + 4, AEAD_TAG, pb.bytesAt(hdr + 4, AEAD_TAG));
        addCipher(pb, node, hdr + 4 + AEAD_TAG, rest - 4 - AEAD_TAG);
        info += ` pid=${pid} len=${rest - 4 - AEAD_TAG}`;
        break;
      }
      addCipher(pb, node, hdr, rest);
      info += ` len=${rest}`;
      break;
    case 'aead-epoch':
      if (rest >= 8 + AEAD_TAG) {
        const epoch = pb.u16(hdr);
        const counter = (BigInt(pb.u16(hdr + 2)) << 32n) | BigInt(pb.u32(hdr + 4));
        node.add(hf.dataEpoch, pb, hdr, 2, epoch);
        const c = node.add(hf.dataCounter, pb, hdr + 2, 6, counter);
        if (counter <= 0xffffffffn) trackPid(ctx, keyId + 8 * epoch, Number(counter), c);
        addCipher(pb, node, hdr + 8, rest - 8 - AEAD_TAG);
        if (node.real) node.add(hf.dataTag, pb, pb.length - AEAD_TAG, AEAD_TAG, pb.bytesAt(pb.length - AEAD_TAG, AEAD_TAG));
        info += ` epoch=${epoch} pid=${counter} len=${rest - 8 - AEAD_TAG}`;
        break;
      }
      addCipher(pb, node, hdr, rest);
      info += ` len=${rest}`;
      break;
    case 'cbc':
      if (rest >= shape.hmacSize + CBC_IV) {
        if (node.real) {
          node.add(hf.dataHmac, pb, hdr, shape.hmacSize, pb.bytesAt(hdr, shape.hmacSize)).suffix = ` (${shape.hmacSize} bytes)`;
          node.add(hf.dataIv, pb, hdr + shape.hmacSize, CBC_IV, pb.bytesAt(hdr + shape.hmacSize, CBC_IV));
        }
        const len = rest - shape.hmacSize - CBC_IV;
        addCipher(pb, node, hdr + shape.hmacSize + CBC_IV, len);
        info += ` len=${len} [CBC]`;
        break;
      }
      addCipher(pb, node, hdr, rest);
      info += ` len=${rest}`;
      break;
    default:
      addCipher(pb, node, hdr, rest);
      info += ` len=${rest}`;
  }
  if (firstData && node.real) addTimeline(ctx, key);
  say(pkt, ctx.first, info);
  tap(ctx, op, keyId, false);
}

export function addCipher(pb: Buf, node: Node, offset: number, length: number): void {
  if (length <= 0) return;
  if (node.real) {
    const d = node.add(hf.data, pb, offset, length, pb.bytesAt(offset, length));
    d.addGenerated(hf.dataCiphertextLen, length);
  } else pb.check(offset, length);
}

function trackPid(ctx: PacketContext, keyId: number, pid: number, pidNode: Node): void {
  const { pkt, dir } = ctx;
  const s = ctx.session;
  const t = s.pidTracker(dir, keyId);
  const r = t.observe(pid);
  const facts = s.record.facts[dir];
  facts.lost = 0;
  facts.replays = 0;
  for (const tr of s.pids[dir].values()) {
    facts.lost += tr.lost;
    facts.replays += tr.replays;
  }
  if (r.kind === 'gap') {
    const n = pidNode.addGenerated(hf.dataLost, r.gap);
    pkt.addExpert(n, Severity.Note, 'Sequence', `${r.gap} data packet id${r.gap > 1 ? 's' : ''} missing before ${pid}`, 'openvpn');
  } else if (r.kind === 'replay') {
    const n = pidNode.addGenerated(hf.dataReplay, true);
    pkt.addExpert(n, Severity.Warning, 'Sequence', `Data packet id ${pid} seen before in this direction: duplicate or replay`, 'openvpn');
  }
}

function addTimeline(ctx: PacketContext, key: KeyChannel): void {
  const { node, pkt } = ctx;
  const start = key.keyId === 0 && ctx.session.record.timeline.resetFrame ? ctx.session.record.timeline.resetFrame : key.startFrame;
  const startTime = key.keyId === 0 && ctx.session.record.timeline.resetFrame ? ctx.session.record.timeline.resetTime : key.startTime;
  if (!start || start === pkt.number) return;
  const now = seconds(pkt);
  const t = node.addGenerated(hf.timeline, undefined);
  t.text = `Handshake timeline, key id ${key.keyId}: reset #${start}${key.firstTlsFrame ? ` → TLS #${key.firstTlsFrame} (+${(key.firstTlsTime - startTime).toFixed(3)} s)` : ''} → first data #${pkt.number} (+${(now - startTime).toFixed(3)} s)`;
  t.addGenerated(hf.resetFrame, start);
  if (key.firstTlsFrame) {
    t.addGenerated(hf.tlsFrame, key.firstTlsFrame);
    t.addGenerated(hf.tlsDelay, key.firstTlsTime - startTime);
  }
  t.addGenerated(hf.dataFrame, pkt.number);
  t.addGenerated(hf.handshakeTime, now - startTime);
}

// ---------------------------------------------------------------------------- static key, unknown

export function dissectStatic(pb: Buf, ctx: PacketContext, wrap: Wrap): void {
  const { pkt, node } = ctx;
  const s = ctx.session;
  addWrap(ctx, node, true);
  s.record.dataShape = 'CBC+HMAC (static key)';
  const h = wrap.hmacSize || staticKeyHmacFor(pb.length) || 20;
  const len = pb.length - h - CBC_IV;
  if (len >= 0) {
    if (node.real) {
      node.add(hf.dataHmac, pb, 0, h, pb.bytesAt(0, h)).suffix = ` (${h} bytes)`;
      node.add(hf.dataIv, pb, h, CBC_IV, pb.bytesAt(h, CBC_IV));
    }
    addCipher(pb, node, h + CBC_IV, len);
    if (len % 16 !== 0 && s.detector.decision?.source === 'detected') s.detector.contradictions++;
    else if (s.detector.decision?.source === 'detected') s.detector.confirmations++;
  } else addCipher(pb, node, 0, pb.length);
  if (node.real) node.addText('[Static-key mode: no opcode, packet id and time are inside the encryption]');
  say(pkt, ctx.first, `Static-key data len=${Math.max(len, 0)} [static key]`);
  tap(ctx, -1, 0, false);
}

export function dissectUnknown(pb: Buf, ctx: PacketContext, op: number): void {
  const { pkt, node } = ctx;
  const b0 = pb.u8(0);
  addTypeByte(pb, node, b0);
  addWrap(ctx, node);
  if (pb.length > 1) node.add(hf.data, pb, 1, pb.length - 1, pb.bytesAt(1, pb.length - 1));
  pkt.addExpert(node, Severity.Note, 'Undecoded', `Unknown opcode ${op} (0x${op.toString(16).padStart(2, '0')})`, 'openvpn');
  say(pkt, ctx.first, `Unknown opcode ${op} kid=${b0 & 7}`);
  tap(ctx, op, b0 & 7, false);
}

