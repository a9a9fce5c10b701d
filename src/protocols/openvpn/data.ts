/**
 * The data channel's shape, read from lengths and the bytes after the opcode (crypto.h, and the
 * wire-protocol draft's "AEAD encrypted data channel packet" and "CBC/OFB/CTR" sections):
 *
 *   AEAD (AES-GCM, ChaCha20-Poly1305)   [opcode|peer-id] packet_id(4) tag(16) ciphertext
 *   AEAD, epoch format (OpenVPN 2.7)    [opcode|peer-id] epoch(2) counter(6) ciphertext tag(16)
 *   CBC + HMAC                          [opcode|peer-id] hmac(N) iv(16) ciphertext(16·k)
 *   static-key mode (no opcode)         hmac(N) iv(16) ciphertext(16·k)  — packet id and time encrypted
 *
 * An AEAD packet id is in clear and counts up from 1; a CBC packet starts with a random HMAC. So the
 * first packet usually settles the shape (packet id 1 where an HMAC would be random), and the next
 * one confirms it (packet id + 1). CBC lengths also leave the HMAC size as the only residue modulo
 * the 16-byte block.
 */
import type { Buf } from '../../engine/buf.js';

export type DataShapeKind = 'aead' | 'aead-epoch' | 'cbc' | 'unknown';

export const AEAD_TAG = 16;
export const CBC_IV = 16;

export interface DataShape {
  kind: DataShapeKind;
  /** CBC: HMAC size in bytes. */
  hmacSize: number;
  reason: string;
  frame: number;
}

export function shapeLabel(s: DataShape): string {
  switch (s.kind) {
    case 'aead':
      return 'AEAD';
    case 'aead-epoch':
      return 'AEAD epoch';
    case 'cbc':
      return `CBC+HMAC${s.hmacSize ? `(${s.hmacSize})` : ''}`;
    default:
      return 'unknown';
  }
}

/** CBC fits when the bytes after header, HMAC and IV are whole 16-byte blocks. */
function cbcFits(payloadLength: number, hmac: number): boolean {
  const rest = payloadLength - hmac - CBC_IV;
  return rest >= 16 && rest % 16 === 0;
}

/** Replay window in packets, as OpenVPN's default --replay-window. */
const WINDOW = 64;

/** Packet-id bookkeeping for one (direction, key id): highest id, a replay window, gaps. */
export class PidTracker {
  highest = 0;
  private readonly seen = new Uint8Array(WINDOW);
  lost = 0;
  replays = 0;

  /** Returns what this packet id means: 'new', a gap of N before it, a replay, or too old. */
  observe(pid: number): { kind: 'new' | 'gap' | 'replay' | 'old' | 'late'; gap: number } {
    if (this.highest === 0 || pid > this.highest) {
      const gap = this.highest === 0 ? 0 : pid - this.highest - 1;
      // Advance the window, clearing the slots of ids skipped over.
      const steps = this.highest === 0 ? WINDOW : Math.min(WINDOW, pid - this.highest);
      for (let i = 1; i <= steps; i++) this.seen[(pid - i + 1 + WINDOW * 4) % WINDOW] = 0;
      this.seen[pid % WINDOW] = 1;
      this.highest = pid;
      if (gap > 0) {
        this.lost += gap;
        return { kind: 'gap', gap };
      }
      return { kind: 'new', gap: 0 };
    }
    if (this.highest - pid >= WINDOW) return { kind: 'old', gap: 0 };
    if (this.seen[pid % WINDOW]) {
      this.replays++;
      return { kind: 'replay', gap: 0 };
    }
    // A packet that was counted lost arrived late (reordered).
    this.seen[pid % WINDOW] = 1;
    if (this.lost > 0) this.lost--;
    return { kind: 'late', gap: 0 };
  }
}

/**
 * Decides the data-channel shape of one session from its first data packets. `headerLength` is 1
 * (P_DATA_V1) or 4 (P_DATA_V2); `hmacHint` is the tls-auth HMAC size when known (--auth sets both).
 */
export class DataShapeDetector {
  shape: DataShape = { kind: 'unknown', hmacSize: 0, reason: 'no data packet seen yet', frame: 0 };
  /** First word after the header of the previous packet, per direction, while undecided. */
  private readonly previous: [number, number] = [-1, -1];
  private cbcVotes = 0;
  private cbcResidueHmac = 0;

  private seen = 0;

  /**
   * `firstOfKey`: this is the first data packet of its key id and direction after a handshake the
   * capture saw, so an AEAD packet id would be 1.
   */
  observe(buf: Buf, headerLength: number, dir: 0 | 1, frame: number, hmacHint: number, firstOfKey = false): DataShape {
    if (this.shape.kind !== 'unknown') return this.shape;
    this.seen++;
    this.shape.reason = `not settled after ${this.seen} data packet${this.seen > 1 ? 's' : ''}: no packet id counts up and lengths do not yet show a CBC layout`;
    const payload = buf.length - headerLength;
    if (payload < 4 + AEAD_TAG) return this.shape;
    const word = buf.u32(headerLength);
    const epoch = word >>> 16;
    // Epoch format: epoch ≥ 1 in the top 16 bits, the 48-bit counter's top 16 bits still 0.
    if (epoch >= 1 && epoch <= 0x400 && (word & 0xffff) === 0 && payload >= 8 + AEAD_TAG) {
      const counter = buf.u32(headerLength + 4);
      if (counter >= 1 && counter <= 0xffffff) {
        this.shape = {
          kind: 'aead-epoch', hmacSize: 0, frame,
          reason: `epoch ${epoch} and counter ${counter} in clear after the header (OpenVPN 2.7 epoch data format, tag at the end)`,
        };
        return this.shape;
      }
    }
    if (word >= 1 && word <= 0xffff) {
      this.shape = {
        kind: 'aead', hmacSize: 0, frame,
        reason: `packet id ${word} in clear after the header, where a CBC packet has a random HMAC`,
      };
      return this.shape;
    }
    const prev = this.previous[dir];
    this.previous[dir] = word;
    if (prev >= 0 && word > prev && word - prev <= 16) {
      this.shape = { kind: 'aead', hmacSize: 0, frame, reason: `packet ids ${prev} then ${word} count up in clear after the header` };
      return this.shape;
    }
    const hmac = hmacHint || (cbcFits(payload, 20) ? 20 : cbcFits(payload, 28) ? 28 : cbcFits(payload, 32) ? 32 : 0);
    if (hmac && cbcFits(payload, hmac)) {
      if (this.cbcResidueHmac === 0 || this.cbcResidueHmac === hmac) {
        this.cbcResidueHmac = hmac;
        this.cbcVotes++;
      } else this.cbcVotes = 0;
      if (this.cbcVotes >= (hmacHint || firstOfKey ? 1 : 2)) {
        const first = firstOfKey && !hmacHint ? 'a first packet whose AEAD packet id would be 1 but is not, and ' : '';
        const sizeNote = hmacHint
          ? `${hmac}-byte HMAC as the control channel's --auth`
          : hmac === 20
            ? '20-byte HMAC (SHA1, the default --auth)'
            : hmac === 28
              ? '28-byte HMAC'
              : 'HMAC of 16, 32, 48 or 64 bytes (32 assumed)';
        this.shape = {
          kind: 'cbc', hmacSize: hmac, frame,
          reason: `${first}random bytes after the header and lengths of ${sizeNote} + 16-byte IV + whole cipher blocks`,
        };
      }
    } else this.cbcVotes = 0;
    return this.shape;
  }
}
