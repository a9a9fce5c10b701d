/**
 * One OpenVPN session as the dissector follows it: who is client and server, the wrapping chosen for
 * it, its key ids (one per TLS handshake), the data-channel shape and packet-id bookkeeping.
 *
 * A session begins with a client's hard reset (or with the first packet seen, when the capture starts
 * mid-session) and is kept in the transport conversation's state; a new hard reset with another
 * session id starts a new session. `SessionRecord` is the plain part statistics read (via the
 * 'openvpn' tap), so the sessions table needs no dissector internals.
 */
import type { DataKeys } from './datacrypt.js';
import type { Wrap } from './wire.js';
import { WrapDetector } from './variant.js';
import { DataShapeDetector, PidTracker } from './data.js';
import { KeyChannel } from './control.js';

/** Per-direction counters kept by the dissector (the statistics count packets and bytes themselves). */
export interface DirectionFacts {
  /** Data packets lost according to packet-id gaps (AEAD shapes only). */
  lost: number;
  /** Data packets whose packet id was seen before. */
  replays: number;
  /** Control packets seen again with a packet id already seen. */
  retransmissions: number;
}

/** The statistics' view of one session; updated in place as the capture goes on. */
export interface SessionRecord {
  /** 0-based, in order of first appearance in the capture. */
  index: number;
  transport: 'udp' | 'tcp';
  /** udp.stream / tcp.stream of the conversation carrying it. */
  stream: number;
  /** "10.94.0.2:40112"; side A is the client when the roles are known. */
  endpointA: string;
  endpointB: string;
  /** True when A is known to be the client (it sent the client's hard reset). */
  rolesKnown: boolean;
  /** openvpn.wrap value ('undetermined' until decided). */
  wrap: string;
  wrapReason: string;
  /** Wrapping of renegotiations (key id > 0) when it differs: 'dynamic-tls-crypt'; '' otherwise. */
  renegWrap: string;
  /** 'AEAD', 'CBC+HMAC(20)', 'AEAD epoch', 'none' (no data yet) … */
  dataShape: string;
  /** With keys given: data packets opened and not opened, and the ciphers that opened them. */
  decrypted: number;
  notDecrypted: number;
  dataCiphers: string[];
  /** Where the keys that opened the last data packet came from (DataKeys.origin); '' before. */
  dataKeyOrigin: string;
  /**
   * What the decrypted control channel told (empty strings when it was not read): the client's
   * OpenVPN version and platform from its peer info, and the address and cipher the server pushed.
   */
  inside: { version: string; platform: string; ifconfig: string; cipher: string };
  firstFrame: number;
  /** Times are seconds since `timeBase` (a whole epoch second: the first OpenVPN packet's). */
  timeBase: number;
  firstTime: number;
  lastTime: number;
  /** Client reset → first data packet of key id 0, in seconds (-1 until both seen). */
  handshakeSeconds: number;
  /** Reset → TLS start → first data, frames and times (0 when not seen). */
  timeline: { resetFrame: number; resetTime: number; tlsFrame: number; tlsTime: number; dataFrame: number; dataTime: number };
  /** Key ids in order of first appearance (0, 1, 2 … 7, 1 …): renegotiations = length − 1. */
  keyIds: number[];
  /** [A→B, B→A]. */
  facts: [DirectionFacts, DirectionFacts];
}

/** What the dissector passes to pkt.tap('openvpn', …) for every OpenVPN packet. */
export interface OpenvpnTap {
  session: SessionRecord;
  /** 0: A→B (client → server when known), 1: B→A. */
  dir: 0 | 1;
  /** Opcode, or -1 for a static-key packet (which has none). */
  opcode: number;
  keyId: number;
  /** Bytes of the OpenVPN packet (with the TCP length prefix when there is one). */
  bytes: number;
  frame: number;
  time: number;
  retransmission: boolean;
}

export class OvpnSession {
  readonly record: SessionRecord;
  readonly detector: WrapDetector;
  readonly shape = new DataShapeDetector();
  /** Sender session id of each side, when seen. */
  readonly sids: [bigint | null, bigint | null] = [null, null];
  /** Key id → its control channel. */
  readonly keys = new Map<number, KeyChannel>();
  /** Data packet ids per direction and key id: pid[dir][keyId]. */
  readonly pids: [Map<number, PidTracker>, Map<number, PidTracker>] = [new Map(), new Map()];
  /** Highest tls-auth / tls-crypt replay id and net time per direction, to confirm the wrapping. */
  readonly lastReplay: [number, number] = [-1, -1];
  /** Same for renegotiations, whose wrapping keeps its own replay counter. */
  readonly lastReplayReneg: [number, number] = [-1, -1];
  /**
   * The wrapping of key ids > 0. OpenVPN 2.6 peers that both support it ("protocol-flags
   * dyn-tls-crypt") wrap renegotiations with tls-crypt under a key exported from the first TLS
   * session, whatever wrapped key id 0. Undefined until the first renegotiation packet.
   */
  renegWrap: { wrap: Wrap; dynamic: boolean; reason: string; frame: number } | undefined;
  /** tls-crypt-v2: the client key, once unwrapped from the client's WKc with the server key. */
  v2ClientKey: Uint8Array | undefined;
  /** Dynamic tls-crypt key candidates exported with the key log (null: the log has no secret for this session). */
  dynamicKeys: Uint8Array[] | null | undefined;
  /**
   * Data-channel keys per key id (-1: the static key), once looked for; a string says why there are
   * none (shown on each packet they would have opened).
   */
  readonly dataKeys = new Map<number, DataKeys[] | string>();
  /** A's address and port, to tell directions apart. */
  readonly addrA: string;
  readonly portA: number;

  constructor(index: number, transport: 'udp' | 'tcp', stream: number, a: [string, number], b: [string, number], rolesKnown: boolean,
    pref: Wrap | undefined, frame: number, time: number, timeBase: number) {
    this.addrA = a[0];
    this.portA = a[1];
    this.detector = new WrapDetector(pref, frame);
    this.record = {
      index, transport, stream,
      endpointA: endpoint(a[0], a[1]),
      endpointB: endpoint(b[0], b[1]),
      rolesKnown,
      wrap: 'undetermined',
      wrapReason: '',
      renegWrap: '',
      dataShape: 'none',
      decrypted: 0,
      notDecrypted: 0,
      dataCiphers: [],
      dataKeyOrigin: '',
      inside: { version: '', platform: '', ifconfig: '', cipher: '' },
      firstFrame: frame,
      timeBase,
      firstTime: time,
      lastTime: time,
      handshakeSeconds: -1,
      timeline: { resetFrame: 0, resetTime: 0, tlsFrame: 0, tlsTime: 0, dataFrame: 0, dataTime: 0 },
      keyIds: [],
      facts: [{ lost: 0, replays: 0, retransmissions: 0 }, { lost: 0, replays: 0, retransmissions: 0 }],
    };
  }

  dirOf(addr: string, port: number): 0 | 1 {
    return addr === this.addrA && port === this.portA ? 0 : 1;
  }

  /** The control channel of `keyId`, created on first use. */
  key(keyId: number, frame: number, time: number): KeyChannel {
    let k = this.keys.get(keyId);
    if (!k) {
      k = new KeyChannel(keyId, this.record);
      k.startFrame = frame;
      k.startTime = time;
      this.keys.set(keyId, k);
      this.record.keyIds.push(keyId);
    }
    return k;
  }

  /** A soft reset reusing a key id (after 7 wraps to 1) starts that key's channel afresh. */
  restartKey(keyId: number, frame: number, time: number): KeyChannel {
    const k = new KeyChannel(keyId, this.record);
    k.startFrame = frame;
    k.startTime = time;
    this.keys.set(keyId, k);
    this.record.keyIds.push(keyId);
    this.pids[0].delete(keyId);
    this.pids[1].delete(keyId);
    return k;
  }

  pidTracker(dir: 0 | 1, keyId: number): PidTracker {
    let t = this.pids[dir].get(keyId);
    if (!t) this.pids[dir].set(keyId, (t = new PidTracker()));
    return t;
  }
}

function endpoint(addr: string, port: number): string {
  return addr.includes(':') ? `[${addr}]:${port}` : `${addr}:${port}`;
}

/** Per-conversation state: the session being followed and sessions by session id. */
export interface ConvState {
  current: OvpnSession | null;
  bySid: Map<bigint, OvpnSession>;
  /** Every session id seen as a sender in this conversation. */
  knownSids: Set<bigint>;
}
