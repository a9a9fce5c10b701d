/**
 * Data packets in the tree (P_DATA_V1/V2 in their AEAD, epoch or CBC shape; static-key packets) and
 * packets with an opcode nobody defined. Kept cheap: data packets are most of a capture. With keys
 * (a TLS key log, or the static key) a data packet is opened and what it carries — an IP packet, a
 * keepalive ping, an OCC message — is dissected as the next layers.
 */
import type { Buf } from '../../engine/buf.js';
import { type Node, Severity } from '../../engine/tree.js';
import { hf } from './fields.js';
import { type Wrap, Op, opcodeName } from './wire.js';
import { staticKeyHmacFor } from './variant.js';
import { AEAD_TAG, CBC_IV, shapeLabel } from './data.js';
import type { KeyChannel } from './control.js';
import { type PacketContext, addTypeByte, addWrap, say, seconds, tap } from './context.js';
import { type DataKeys, type Opened, type Payload, DATA_KEYS_LABEL, KEY2_SIZE, OCC_MTU_LOAD_REQUEST, OCC_MTU_REPLY, OCC_REPLY,
  dataKeys, occNames, openAead, openCbc, unframe } from './datacrypt.js';
import { exportFromSession, keyLog, openvpnPrfKeys } from './keylog.js';
import { keysFromPref } from './tlscrypt.js';
import { callDissector, findProtocol } from '../../engine/dispatch.js';
import { hasKeyLog, keyLogPref } from '../tlskeys.js';
import { staticKeyPref } from './tlscrypt.js';
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
  /** The plaintext when keys opened the packet, and the bytes in front of the tunnelled packet in it. */
  let opened: Opened | null = null;
  let innerHeader = 0;
  switch (shape.kind) {
    case 'aead':
      if (rest >= 4 + AEAD_TAG) {
        const pid = pb.u32(hdr);
        const pidNode = node.add(hf.dataPid, pb, hdr, 4, pid);
        trackPid(ctx, keyId, pid, pidNode);
        if (node.real) node.add(hf.dataTag, pb, hdr + 4, AEAD_TAG, pb.bytesAt(hdr + 4, AEAD_TAG));
        addCipher(pb, node, hdr + 4 + AEAD_TAG, rest - 4 - AEAD_TAG);
        info += ` pid=${pid} len=${rest - 4 - AEAD_TAG}`;
        const keys = tlsDataKeys(ctx, keyId);
        if (keys !== null) {
          // The associated data runs from the opcode (P_DATA_V2) or the packet id (P_DATA_V1) to the tag.
          const adStart = op === Op.DataV2 ? 0 : hdr;
          opened = openWith(ctx, keys, (k) => openAead(k, dir, pb.bytesAt(adStart, hdr + 4 - adStart), pb.bytesAt(hdr, 4),
            pb.bytesAt(hdr + 4, AEAD_TAG), pb.bytesAt(hdr + 4 + AEAD_TAG, rest - 4 - AEAD_TAG)));
        }
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
        const keys = tlsDataKeys(ctx, keyId);
        if (keys !== null) {
          opened = openWith(ctx, keys, (k) => openCbc(k, dir, pb.bytesAt(hdr, shape.hmacSize), pb.bytesAt(hdr + shape.hmacSize, CBC_IV),
            pb.bytesAt(hdr + shape.hmacSize + CBC_IV, len)));
          innerHeader = 4;
        }
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
  const payload = opened ? unframe(opened.plaintext, Math.min(innerHeader, opened.plaintext.length)) : null;
  if (payload) info += plaintextInfo(payload);
  say(pkt, ctx.first, info);
  tap(ctx, op, keyId, false);
  if (opened && payload) dissectPlaintext(ctx, opened, innerHeader, payload, keyId);
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
  let opened: Opened | null = null;
  const keys = len > 0 ? staticDataKeys(ctx) : null;
  if (keys !== null) opened = openWith(ctx, keys, (k) => openCbc(k, ctx.dir, pb.bytesAt(0, h), pb.bytesAt(h, CBC_IV), pb.bytesAt(h + CBC_IV, len)));
  const payload = opened ? unframe(opened.plaintext, Math.min(8, opened.plaintext.length)) : null;
  say(pkt, ctx.first, `Static-key data len=${Math.max(len, 0)} [static key]${payload ? plaintextInfo(payload) : ''}`);
  tap(ctx, -1, 0, false);
  if (opened && payload) dissectPlaintext(ctx, opened, 8, payload, -1);
}

// ----------------------------------------------------------------------------------- decryption

/**
 * The data-channel keys of `keyId` in a TLS-mode session, with the key log (tls.keylog_file): exported
 * from its TLS session (TLS-EKM, OpenVPN 2.6), or derived with OpenVPN's own PRF from the key method 2
 * randoms read in the decrypted control channel (peers without TLS-EKM). Which one the peers use is
 * what the PUSH_REPLY said; without one both are candidates and the one that verifies is kept. A
 * string says why there are none; null when no key log was given.
 */
function tlsDataKeys(ctx: PacketContext, keyId: number): DataKeys[] | string | null {
  if (!hasKeyLog(ctx.pkt.session) || ctx.pkt.inErrorPacket) return null;
  const s = ctx.session;
  const known = s.dataKeys.get(keyId);
  if (known !== undefined) return known;
  const channel = s.keys.get(keyId);
  const hello = channel?.hello;
  let found: DataKeys[] | string;
  if (!channel || !hello?.clientRandom) found = `the capture does not hold key id ${keyId}'s TLS handshake, whose randoms the keys are exported with`;
  else {
    const candidates: DataKeys[] = [];
    if (channel.derivation !== 'openvpn-prf') {
      const ekm = exportFromSession(ctx.pkt.session, hello, DATA_KEYS_LABEL);
      if (ekm) candidates.push(dataKeys(ekm, `exported from key id ${keyId}'s TLS session with the key log`));
    }
    const { client, server } = channel.keySource;
    const [sidA, sidB] = s.sids;
    if (channel.derivation !== 'tls-ekm' && client && server && sidA !== null && sidB !== null) {
      // Which side is the client is known from the key method messages, not from the session ids: both orders are tried.
      const origin = `derived with OpenVPN's PRF from key id ${keyId}'s key method 2 randoms (no TLS-EKM)`;
      candidates.push(dataKeys(openvpnPrfKeys(client, server, sidA, sidB), origin), dataKeys(openvpnPrfKeys(client, server, sidB, sidA), origin));
    }
    const path = ctx.pkt.session.prefs[keyLogPref];
    found = candidates.length ? candidates
      : path && !keyLog(path) && !ctx.pkt.session.embeddedKeyLogs.length ? `the key log ${path} cannot be read`
      : channel.derivation === 'openvpn-prf' ? 'the peers derive keys with OpenVPN\'s PRF, and the key method 2 messages it needs were not seen'
      : 'the key log has no secret for this TLS session';
  }
  s.dataKeys.set(keyId, found);
  return found;
}

/** The static key of a static-key session (openvpn.static_key); a string says why there is none; null when none was given. */
function staticDataKeys(ctx: PacketContext): DataKeys[] | string | null {
  const pref = ctx.pkt.session.prefs[staticKeyPref];
  if (!pref || ctx.pkt.inErrorPacket) return null;
  const s = ctx.session;
  const known = s.dataKeys.get(-1);
  if (known !== undefined) return known;
  const key = keysFromPref(pref)?.tlsCrypt;
  const found = key?.length === KEY2_SIZE ? [dataKeys(key, 'the static key given')] : 'the openvpn.static_key preference names no readable OpenVPN static key';
  s.dataKeys.set(-1, found);
  return found;
}

/**
 * Runs `open` with each candidate set of keys until one opens the packet (that one is tried first
 * from then on), or notes why the packet stays closed.
 */
function openWith(ctx: PacketContext, keys: DataKeys[] | string, open: (k: DataKeys) => Opened | null): Opened | null {
  let opened: Opened | null = null;
  if (typeof keys !== 'string') {
    for (let i = 0; i < keys.length && !opened; i++) {
      opened = open(keys[i]!);
      if (opened && i > 0) keys.unshift(...keys.splice(i, 1));
    }
  }
  const record = ctx.session.record;
  if (opened) {
    record.decrypted++;
    record.dataKeyOrigin = opened.origin;
    if (!record.dataCiphers.includes(opened.cipher)) record.dataCiphers.push(opened.cipher);
  } else {
    record.notDecrypted++;
    if (ctx.node.real) ctx.node.addGenerated(hf.dataNotDecrypted, typeof keys === 'string' ? keys : 'no cipher verified the tag or HMAC with either half of the keys');
  }
  return opened;
}

/** What the Info column adds for a decrypted packet that is not an IP packet (whose layers speak for it). */
function plaintextInfo(payload: Payload): string {
  const { bytes: p, at } = payload;
  switch (payload.kind) {
    case 'compressed':
      return ` [${payload.compressed} compressed]`;
    case 'ping':
      return ' PING';
    case 'occ':
      return ` ${occNames[p[at + 16]!] ?? `OCC opcode ${p[at + 16]}`}`;
    default:
      return '';
  }
}

/**
 * The decrypted bytes as a new data source: the packet id (and static-key net time) CBC puts in front,
 * compression framing, then a keepalive ping, an OCC message, or the tunnelled IP packet, dissected
 * as the next layers.
 */
function dissectPlaintext(ctx: PacketContext, opened: Opened, innerHeader: number, payload: Payload, keyId: number): void {
  const { pkt, node, parent } = ctx;
  const p = opened.plaintext;
  if (node.real) node.addGenerated(hf.dataDecrypted, `${opened.cipher}, key half ${opened.half}, ${opened.origin}`);
  const plain = pkt.newSource(p, `Decrypted OpenVPN data (${p.length} bytes)`);
  if (innerHeader >= 4 && plain.length >= 4) {
    const pidNode = node.add(hf.dataPid, plain, 0, 4, plain.u32(0));
    trackPid(ctx, keyId < 0 ? 0 : keyId, plain.u32(0), pidNode);
  }
  if (innerHeader === 8 && plain.length >= 8) node.add(hf.dataTime, plain, 4, 4, [plain.u32(4), 0]);
  let b = plain;
  const at = payload.at;
  if (payload.framing) {
    const start = Math.min(innerHeader, p.length);
    const f = node.add(hf.compression, plain, start, payload.framing, p[start]);
    if (payload.framing === 2) f.add(hf.compressionV2, plain, start + 1, 1, p[start + 1]);
    if (payload.bytes !== p) {
      if (node.real) node.addText(`[The packet's first byte (0x${payload.bytes[0]!.toString(16).padStart(2, '0')}) was moved to the end of the payload]`, plain, p.length - 1, 1);
      b = pkt.newSource(payload.bytes, `Unswapped OpenVPN payload (${payload.bytes.length} bytes)`);
    }
  }
  const rest = b.length - at;
  if (rest <= 0) return;
  switch (payload.kind) {
    case 'compressed':
      node.add(hf.compressed, b, at, rest, b.bytesAt(at, rest));
      return;
    case 'ping':
      node.add(hf.ping, b, at, 16, b.bytesAt(at, 16));
      return;
    case 'occ':
      dissectOcc(b, at + 16, node);
      return;
  }
  const version = payload.bytes[at]! >> 4;
  const inner = version === 4 ? findProtocol('ip') : version === 6 ? findProtocol('ipv6') : undefined;
  if (!inner) {
    node.add(hf.data, b, at, rest, b.bytesAt(at, rest));
    return;
  }
  // The tunnelled packet's layers follow OpenVPN's, as a tunnel's do; its columns follow OpenVPN's Info.
  pkt.fenceInfo();
  callDissector(inner, b.sub(at), pkt, parent);
}

/** An options-consistency message: opcode, then the options string or MTU figures. */
function dissectOcc(b: Buf, at: number, node: Node): void {
  const op = b.u8(at);
  node.add(hf.occOpcode, b, at, 1, op);
  const rest = b.length - at - 1;
  if (op === OCC_REPLY && rest > 0) {
    const bytes = b.bytesAt(at + 1, rest);
    const nul = bytes.indexOf(0);
    node.add(hf.occOptions, b, at + 1, rest, Buffer.from(bytes.subarray(0, nul < 0 ? rest : nul)).toString('latin1'));
  } else if (op === OCC_MTU_LOAD_REQUEST && rest >= 2) node.add(hf.occLoadSize, b, at + 1, 2, b.u16(at + 1));
  else if (op === OCC_MTU_REPLY && rest >= 4) {
    node.add(hf.occMaxRecv, b, at + 1, 2, b.u16(at + 1));
    node.add(hf.occMaxSend, b, at + 3, 2, b.u16(at + 3));
  } else if (rest > 0) node.add(hf.data, b, at + 1, rest, b.bytesAt(at + 1, rest));
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

