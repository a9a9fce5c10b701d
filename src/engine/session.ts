/**
 * A dissection session: the state that lives across the frames of one capture — conversations and
 * their per-protocol state, timing references, user preferences and decode-as overrides.
 * One streaming pass: nothing here looks at a frame twice.
 */
import type { Frame } from '../capture/frame.js';
import { type DissectorTable, type Protocol, callDissector, findProtocol } from './dispatch.js';
import { Packet } from './packet.js';

export interface SessionOptions {
  /** Build the protocol tree (needed by -V, JSON, filters). Summary lines alone do not need it. */
  buildTree?: boolean;
  /**
   * With buildTree: build only these fields (a byte per field id, 1 = wanted; see SparseRoot), for
   * consumers that read a few fields, such as a display filter. Undefined: the whole tree.
   */
  wantedFields?: Uint8Array;
  /** Collect statistics tap data in `Packet.taps` (default true); off when no statistic listens. */
  taps?: boolean;
  /** Protocol preferences by name, e.g. { 'openvpn.wrap': 'tls-crypt' }. */
  prefs?: Record<string, string>;
  /** Decode-as: `-d udp.port==1198,openvpn` → [{ table: 'udp.port', key: 1198, protocol: 'openvpn' }]. */
  decodeAs?: { table: string; key: number | string; protocol: string }[];
  /** Protocols whose heuristics are off. */
  disabledHeuristics?: string[];
  /**
   * The caller says which frames are shown (`markShown`), as a display filter decides; otherwise
   * every frame counts as shown. Sets what frame.time_delta_displayed measures from.
   */
  shownByCaller?: boolean;
  /**
   * Conversations silent for this many seconds of capture time are forgotten, so memory stays flat
   * however long the capture (a conversation that resumes later gets a new stream index). Default 600.
   */
  idleSeconds?: number;
}

/** How often (in frames) idle conversations are swept. */
const SWEEP_INTERVAL = 8192;

/** A two-way conversation between two endpoints of one transport (Wireshark's conversation_t). */
export class Conversation {
  /** Protocol bound by a heuristic or by a dissector (e.g. after seeing a handshake). */
  protocol: Protocol | null = null;
  /** Per-protocol state, keyed by protocol abbreviation. */
  private state: Map<string, unknown> | null = null;
  lastFrame = 0;
  lastSeconds = 0;

  constructor(
    /** 0-based index per transport: tcp.stream / udp.stream. */
    readonly index: number,
    readonly transport: string,
    /** The endpoint that sent the first packet seen. */
    readonly addrA: string,
    readonly portA: number,
    readonly addrB: string,
    readonly portB: number,
    readonly firstFrame: number,
    readonly firstSeconds: number,
  ) {}

  /** True when a packet from (addr, port) travels A → B. */
  isFromA(addr: string, port: number): boolean {
    return addr === this.addrA && port === this.portA;
  }

  get<T>(key: string): T | undefined {
    return this.state?.get(key) as T | undefined;
  }

  set<T>(key: string, value: T): T {
    (this.state ??= new Map()).set(key, value);
    return value;
  }
}

/** pcapng Decryption Secrets type of a TLS key log ("TLSK"). */
export const SECRETS_TLS_KEY_LOG = 0x544c534b;

export class Session {
  /** TLS key logs the capture itself carries (pcapng Decryption Secrets Blocks), in the order read. */
  readonly embeddedKeyLogs: string[] = [];
  readonly buildTree: boolean;
  readonly wantedFields: Uint8Array | undefined;
  readonly taps: boolean;
  readonly prefs: Readonly<Record<string, string>>;
  private readonly overrides = new Map<string, Map<number | string, Protocol>>();
  private readonly disabledHeuristics: Set<string>;
  /**
   * Conversations by transport → lower address → higher address → port pair. Nested maps keep the
   * per-packet lookup free of key strings built from the 5-tuple.
   */
  private readonly conversationIndex = new Map<string, Map<string, Map<string, Map<number, Conversation>>>>();
  private readonly conversations = new Set<Conversation>();
  private readonly convCount = new Map<string, number>();
  /** Capture-wide state for protocols that need it (DNS transaction ids, OpenVPN sessions…). */
  private readonly globals = new Map<string, unknown>();
  private firstSeconds = -1;
  private firstNanos = 0;
  private prevSeconds = 0;
  private prevNanos = 0;
  private readonly shownByCaller: boolean;
  /** The previous frame shown (NaN: none yet). */
  private shownSeconds = NaN;
  private shownNanos = 0;
  private readonly root: Protocol;
  private readonly idleSeconds: number;
  private framesSinceSweep = 0;

  constructor(opts: SessionOptions = {}) {
    this.buildTree = opts.buildTree ?? true;
    this.wantedFields = opts.wantedFields;
    this.taps = opts.taps ?? true;
    this.prefs = opts.prefs ?? {};
    this.disabledHeuristics = new Set(opts.disabledHeuristics ?? []);
    this.idleSeconds = opts.idleSeconds ?? 600;
    this.shownByCaller = opts.shownByCaller ?? false;
    for (const d of opts.decodeAs ?? []) {
      const p = findProtocol(d.protocol);
      if (!p) throw new Error(`decode-as: unknown protocol '${d.protocol}'`);
      let m = this.overrides.get(d.table);
      if (!m) this.overrides.set(d.table, (m = new Map()));
      m.set(d.key, p);
    }
    const root = findProtocol('frame');
    if (!root) throw new Error('no frame protocol registered: call registerAll() first');
    this.root = root;
  }

  /** Dissects one frame completely and returns its packet. Never throws for any input bytes. */
  dissect(frame: Frame): Packet {
    if (frame.secrets) for (const s of frame.secrets) if (s.type === SECRETS_TLS_KEY_LOG) this.embeddedKeyLogs.push(new TextDecoder().decode(s.data));
    const pkt = new Packet(frame, this, this.buildTree);
    if (this.firstSeconds < 0) {
      this.firstSeconds = frame.seconds;
      this.firstNanos = frame.nanos;
      this.prevSeconds = frame.seconds;
      this.prevNanos = frame.nanos;
    }
    pkt.relativeTime = frame.seconds - this.firstSeconds + (frame.nanos - this.firstNanos) / 1e9;
    pkt.deltaTime = frame.seconds - this.prevSeconds + (frame.nanos - this.prevNanos) / 1e9;
    this.prevSeconds = frame.seconds;
    this.prevNanos = frame.nanos;
    if (!Number.isNaN(this.shownSeconds)) pkt.deltaShownTime = frame.seconds - this.shownSeconds + (frame.nanos - this.shownNanos) / 1e9;
    if (!this.shownByCaller) this.markShown(frame);
    callDissector(this.root, pkt.buf, pkt, pkt.root);
    if (++this.framesSinceSweep >= SWEEP_INTERVAL) {
      this.framesSinceSweep = 0;
      this.sweep(frame.seconds);
    }
    return pkt;
  }

  /** With `shownByCaller`: `frame` was shown; later frames' frame.time_delta_displayed counts from it. */
  markShown(frame: Frame): void {
    this.shownSeconds = frame.seconds;
    this.shownNanos = frame.nanos;
  }

  /** Table lookup honouring the user's decode-as overrides. */
  lookup(t: DissectorTable, key: number | string): Protocol | undefined {
    const o = this.overrides.get(t.name);
    if (o) {
      const p = o.get(key);
      if (p) return p;
    }
    return t.get(key);
  }

  heuristicEnabled(p: Protocol): boolean {
    return !this.disabledHeuristics.has(p.abbrev);
  }

  /** The conversation for a transport 5-tuple, created on first sight; both directions share it. */
  conversation(transport: string, src: string, srcPort: number, dst: string, dstPort: number, frame: Frame): Conversation {
    const forward = src < dst || (src === dst && srcPort <= dstPort);
    const lo = forward ? src : dst;
    const hi = forward ? dst : src;
    const ports = forward ? srcPort * 65536 + dstPort : dstPort * 65536 + srcPort;
    let byLo = this.conversationIndex.get(transport);
    if (!byLo) this.conversationIndex.set(transport, (byLo = new Map()));
    let byHi = byLo.get(lo);
    if (!byHi) byLo.set(lo, (byHi = new Map()));
    let byPorts = byHi.get(hi);
    if (!byPorts) byHi.set(hi, (byPorts = new Map()));
    let c = byPorts.get(ports);
    if (!c) {
      const index = this.convCount.get(transport) ?? 0;
      this.convCount.set(transport, index + 1);
      c = new Conversation(index, transport, src, srcPort, dst, dstPort, frame.number, frame.seconds);
      byPorts.set(ports, c);
      this.conversations.add(c);
    }
    c.lastFrame = frame.number;
    c.lastSeconds = frame.seconds;
    return c;
  }

  /** Forgets a conversation (e.g. a TCP stream that closed and idled out) so memory stays bounded. */
  dropConversation(c: Conversation): void {
    if (!this.conversations.delete(c)) return;
    const forward = c.addrA < c.addrB || (c.addrA === c.addrB && c.portA <= c.portB);
    const lo = forward ? c.addrA : c.addrB;
    const hi = forward ? c.addrB : c.addrA;
    const ports = forward ? c.portA * 65536 + c.portB : c.portB * 65536 + c.portA;
    const byLo = this.conversationIndex.get(c.transport);
    const byHi = byLo?.get(lo);
    const byPorts = byHi?.get(hi);
    if (!byLo || !byHi || !byPorts || byPorts.get(ports) !== c) return;
    byPorts.delete(ports);
    if (byPorts.size === 0) byHi.delete(hi);
    if (byHi.size === 0) byLo.delete(lo);
  }

  /** Conversations not seen for `idleSeconds`, for protocols that expire state. */
  *idleConversations(nowSeconds: number, idleSeconds: number): Iterable<Conversation> {
    for (const c of this.conversations) if (nowSeconds - c.lastSeconds > idleSeconds) yield c;
  }

  private sweep(nowSeconds: number): void {
    for (const c of this.conversations) if (nowSeconds - c.lastSeconds > this.idleSeconds) this.dropConversation(c);
  }

  get conversationCount(): number {
    return this.conversations.size;
  }

  /** Capture-wide state for one protocol, created by `make` on first use. */
  global<T>(key: string, make: () => T): T {
    let v = this.globals.get(key) as T | undefined;
    if (v === undefined) {
      v = make();
      this.globals.set(key, v);
    }
    return v;
  }
}
