/**
 * OpenVPN's reliability layer seen from the wire (src/openvpn/reliable.c): each side numbers its
 * control packets with a message packet id counting from 0 per key id, resends them until the other
 * side acks them, and the receiver hands their payloads to TLS in packet-id order.
 *
 * Per (key id, direction) this keeps: the next packet id TLS is waiting for, out-of-order payloads
 * (bounded), the frame that first carried each packet id (to name retransmissions), and which frame
 * acked it. Payload bytes are copied when kept: frame bytes may be reused once the frame is done.
 */
import { keepCopy } from '../../engine/buf.js';
import { StreamDirection } from '../../engine/stream.js';
import type { Node } from '../../engine/tree.js';
import type { HelloFacts } from './keylog.js';
import type { SessionRecord } from './session.js';

/** The random material of the key method 2 messages (ssl_common.h struct key_source2). */
export interface KeySource {
  client?: { preMaster: Uint8Array; random1: Uint8Array; random2: Uint8Array };
  server?: { random1: Uint8Array; random2: Uint8Array };
}

/** Out-of-order payloads kept per direction before giving up on a gap. */
const MAX_BUFFERED_PACKETS = 32;
const MAX_BUFFERED_BYTES = 256 * 1024;
/** Packet ids remembered for retransmission and ack bookkeeping. */
const MAX_REMEMBERED = 512;

export interface Chunk {
  mpid: number;
  frame: number;
  bytes: Uint8Array;
}

export type Receipt =
  /** In order: `chunks` are this packet's payload (if any) followed by buffered ones it unblocked. */
  | { kind: 'in-order'; chunks: Chunk[]; midStream: boolean; skipped: [number, number] | null }
  /** Ahead of a gap: kept until the missing packet ids arrive. */
  | { kind: 'buffered'; waitingFor: number }
  /** Seen before (or older than what TLS already has): not passed on again. */
  | { kind: 'retransmission'; firstFrame: number };

interface SentPacket {
  /** Frame that first carried this packet id, and when. */
  frame: number;
  time: number;
  /** Frame of the first ack for it (0 until acked). */
  ackedIn: number;
  /** Tree nodes of the packets that carried it, waiting for the ack (only when a tree is built). */
  nodes: Node[] | null;
}

/** One direction of one key id's control channel. */
export class ControlDirection {
  /** Next message packet id TLS is waiting for. */
  next = 0;
  private synced = false;
  private readonly buffered = new Map<number, Chunk>();
  private bufferedBytes = 0;
  private readonly sent = new Map<number, SentPacket>();
  /** The TLS stream this direction's payloads feed; replaced when the key id is reused. */
  tls: StreamDirection;

  constructor(name = 'OpenVPN control') {
    this.tls = new StreamDirection(name);
  }

  /**
   * Accounts for a packet with message packet id `mpid` carrying `payload` (null for resets, whose
   * bytes are not TLS). Returns what to do with it.
   */
  receive(mpid: number, payload: Uint8Array | null, frame: number, time = 0): Receipt {
    let midStream = false;
    if (!this.synced) {
      this.synced = true;
      if (mpid !== 0) {
        // The capture starts inside the session: begin where it begins.
        this.next = mpid;
        midStream = true;
      }
    }
    const known = this.sent.get(mpid);
    if (mpid < this.next || this.buffered.has(mpid)) {
      return { kind: 'retransmission', firstFrame: known?.frame ?? 0 };
    }
    if (!known) this.remember(mpid, frame, time);
    if (mpid > this.next) {
      this.buffered.set(mpid, { mpid, frame, bytes: payload ? keepCopy(payload) : new Uint8Array(0) });
      this.bufferedBytes += payload?.length ?? 0;
      if (this.buffered.size <= MAX_BUFFERED_PACKETS && this.bufferedBytes <= MAX_BUFFERED_BYTES) {
        return { kind: 'buffered', waitingFor: this.next };
      }
      // The gap is not going to close: skip to the oldest buffered packet and carry on from there.
      const first = Math.min(...this.buffered.keys());
      const skipped: [number, number] = [this.next, first - 1];
      this.next = first;
      return { kind: 'in-order', chunks: this.drain([]), midStream, skipped };
    }
    const chunks: Chunk[] = payload && payload.length ? [{ mpid, frame, bytes: payload }] : [];
    this.next = mpid + 1;
    return { kind: 'in-order', chunks: this.drain(chunks), midStream, skipped: null };
  }

  private drain(chunks: Chunk[]): Chunk[] {
    for (;;) {
      const c = this.buffered.get(this.next);
      if (!c) break;
      this.buffered.delete(this.next);
      this.bufferedBytes -= c.bytes.length;
      if (c.bytes.length) chunks.push(c);
      this.next++;
    }
    return chunks;
  }

  private remember(mpid: number, frame: number, time: number): void {
    if (this.sent.size >= MAX_REMEMBERED) {
      const oldest = this.sent.keys().next().value;
      if (oldest !== undefined) this.sent.delete(oldest);
    }
    this.sent.set(mpid, { frame, time, ackedIn: 0, nodes: null });
  }

  /** Frame that first carried `mpid`, 0 when unknown. */
  frameOf(mpid: number): number {
    return this.sent.get(mpid)?.frame ?? 0;
  }

  /** Frame whose ack first covered `mpid`, 0 when not (yet) acked. */
  ackedIn(mpid: number): number {
    return this.sent.get(mpid)?.ackedIn ?? 0;
  }

  /** Keeps `node` so it can be told later which frame acked `mpid`. */
  awaitAck(mpid: number, node: Node): void {
    const s = this.sent.get(mpid);
    if (!s || s.ackedIn) return;
    (s.nodes ??= []).push(node);
    if (s.nodes.length > 8) s.nodes.shift();
  }

  /**
   * Records an ack for `mpid` seen in `frame`. Returns the frame that carried the packet (0 when
   * unknown) and when, whether this is the first ack for it, and the nodes waiting to hear about it.
   */
  ack(mpid: number, frame: number): { carriedIn: number; sentAt: number; first: boolean; firstAck: number; waiting: Node[] | null } {
    const s = this.sent.get(mpid);
    if (!s) return { carriedIn: 0, sentAt: 0, first: false, firstAck: 0, waiting: null };
    if (s.ackedIn) return { carriedIn: s.frame, sentAt: s.time, first: false, firstAck: s.ackedIn, waiting: null };
    s.ackedIn = frame;
    const waiting = s.nodes;
    s.nodes = null;
    return { carriedIn: s.frame, sentAt: s.time, first: true, firstAck: frame, waiting };
  }
}

/** The two directions of one key id's control channel, plus what the handshake timeline needs. */
export class KeyChannel {
  /** [from client (or side A), from server (or side B)]. */
  readonly dirs: [ControlDirection, ControlDirection] = [new ControlDirection(), new ControlDirection()];
  /** Frame and time the key id first appeared (its reset), and its first data packet. */
  startFrame = 0;
  startTime = 0;
  firstTlsFrame = 0;
  firstTlsTime = 0;
  firstDataFrame = 0;
  firstDataTime = 0;
  /** Randoms and cipher suite of this key id's TLS hellos (for exporting keys with a key log). */
  readonly hello: HelloFacts = {};
  /**
   * What the decrypted control channel said: each side's key method 2 random material (the input of
   * OpenVPN's own key derivation), and how the peers derive the data keys — "tls-ekm" when the
   * server pushed it, "openvpn-prf" when a PUSH_REPLY did not; undefined before any PUSH_REPLY.
   */
  readonly keySource: KeySource = {};
  derivation: 'tls-ekm' | 'openvpn-prf' | undefined;

  constructor(
    readonly keyId: number,
    /** The session's statistics record, where what the decrypted control channel tells is kept. */
    readonly record: SessionRecord,
  ) {}
}
