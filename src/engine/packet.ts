/**
 * Per-frame dissection state (Wireshark's packet_info): the tree root, the summary columns, the
 * layer path, addresses and ports for conversations, expert infos and tap data for statistics.
 */
import type { Frame } from '../capture/frame.js';
import { Buf } from './buf.js';
import type { Protocol } from './dispatch.js';
import { Node, NULL_ROOT, Severity, SparseRoot, type Expert, expertField } from './tree.js';
import type { Conversation, Session } from './session.js';
import { FT, type FieldDef, field } from './fields.js';

/** The empty list packets share until they have something to record. */
const NONE: readonly never[] = Object.freeze([]);

/** The synthetic root every layer hangs from. */
const rootField = field('_ws.root', 'Packet', FT.None, 'The whole packet: every protocol layer found in this frame hangs from here.');

export class Packet {
  readonly root: Node;
  /** The frame's bytes as the first data source. */
  readonly buf: Buf;
  /** Protocol abbreviations in order of nesting: ["frame","eth","ethertype","ip","udp","dns"]. */
  readonly layers: string[] = [];
  /**
   * Indices in `layers` of the layers added inside another item's subtree instead of at the top of
   * the tree (ICMP's echo data, an IPv6 extension header): Wireshark's protocol hierarchy counts
   * top-level layers only.
   */
  nestedLayers: readonly number[] = NONE;

  /** Summary columns. */
  src = '';
  dst = '';
  protocolColumn = '';
  private infoText = '';
  /** Length of the Info text a fence keeps (Wireshark's col_set_fence); 0 when there is no fence. */
  private infoFence = 0;

  /** Link-layer addresses of the outermost link layer (MAC text), for eth statistics. */
  dlSrc = '';
  dlDst = '';
  /** Network-layer addresses as keys for conversations ("10.0.0.1", "fd00::1", MACs for non-IP). */
  netSrc = '';
  netDst = '';
  /**
   * Raw network addresses of the innermost IP layer, for transport checksums' pseudo-header. The
   * network layer says where they are (`setNetAddressBytes`); the views are made only if read.
   */
  private addrBuf: Buf | null = null;
  private addrLength = 0;
  private srcAt = -1;
  private dstAt = -1;
  private srcBytes: Uint8Array | null = null;
  private dstBytes: Uint8Array | null = null;
  /** Transport ports of the innermost transport layer (0 when none). */
  srcPort = 0;
  dstPort = 0;
  /** Innermost transport: 'tcp' | 'udp' | '' */
  transport = '';
  /**
   * Set while dissecting the packet an ICMP error quotes (Wireshark's pinfo->flags.in_error_pkt): the
   * columns keep what the error message said, and transports keep no per-connection state (sequence
   * analysis, reassembly) for a header that is only a copy of one already seen.
   */
  inErrorPacket = false;

  /** Expert infos raised while dissecting, in order (a shared empty list until the first). */
  experts: readonly Expert[] = NONE;
  /** Seconds since the first frame and since the previous frame. */
  relativeTime = 0;
  deltaTime = 0;
  /** Seconds since the previous frame shown (see Session's `shownByCaller`); 0 for the first. */
  deltaShownTime = 0;
  /** A layer ran off the captured end. */
  truncated = false;
  /** Data for statistics taps, by tap name. */
  taps: { tap: string; data: unknown }[] | null = null;
  /** Bytes sources other than the frame (reassembled, decrypted), for the hex view. */
  extraSources: import('./buf.js').Source[] | null = null;

  constructor(
    readonly frame: Frame,
    readonly session: Session,
    buildTree: boolean,
  ) {
    this.buf = Buf.of(frame.bytes, 'Frame', frame.originalLength);
    const wanted = session.wantedFields;
    this.root = !buildTree ? NULL_ROOT : wanted ? new SparseRoot(rootField, frame.capturedLength, wanted) : new Node(rootField, null, 0, frame.capturedLength, undefined);
  }

  /** The network layer's addresses are `length` bytes at `srcAt` and `dstAt` of `buf`. */
  setNetAddressBytes(buf: Buf, srcAt: number, dstAt: number, length: number): void {
    this.addrBuf = buf;
    this.addrLength = length;
    this.srcAt = srcAt;
    this.dstAt = dstAt;
    this.srcBytes = this.dstBytes = null;
  }

  get netSrcBytes(): Uint8Array | null {
    if (this.srcAt >= 0) {
      this.srcBytes = this.addrBuf!.bytesAt(this.srcAt, this.addrLength);
      this.srcAt = -1;
    }
    return this.srcBytes;
  }

  set netSrcBytes(bytes: Uint8Array | null) {
    this.srcBytes = bytes;
    this.srcAt = -1;
  }

  get netDstBytes(): Uint8Array | null {
    if (this.dstAt >= 0) {
      this.dstBytes = this.addrBuf!.bytesAt(this.dstAt, this.addrLength);
      this.dstAt = -1;
    }
    return this.dstBytes;
  }

  set netDstBytes(bytes: Uint8Array | null) {
    this.dstBytes = bytes;
    this.dstAt = -1;
  }

  /**
   * Puts back the network addresses and ports a transport segment arrived with: each PDU of a segment
   * is dissected with them, even after an earlier PDU carried a tunnelled packet (a decrypted OpenVPN
   * data packet) whose own layers set the innermost ones.
   */
  restoreEndpoints(netSrc: string, netDst: string, srcPort: number, dstPort: number, transport: string): void {
    this.netSrc = netSrc;
    this.netDst = netDst;
    this.srcPort = srcPort;
    this.dstPort = dstPort;
    this.transport = transport;
  }

  get number(): number {
    return this.frame.number;
  }

  /**
   * The conversation of this packet's endpoints on its transport (`fallback` when no transport layer
   * set one, as for a buffer dissected on its own), created on first sight.
   */
  conversation(fallback: 'tcp' | 'udp'): Conversation {
    return this.session.conversation(this.transport || fallback, this.netSrc, this.srcPort, this.netDst, this.dstPort, this.frame);
  }

  /** Adds a protocol layer node under `parent`, records the layer and sets the Protocol column. */
  addLayer(proto: Protocol, parent: Node, buf: Buf, offset: number, length: number): Node {
    this.layers.push(proto.abbrev);
    if (parent !== this.root) {
      if (this.nestedLayers === NONE) this.nestedLayers = [];
      (this.nestedLayers as number[]).push(this.layers.length - 1);
    }
    if (!this.inErrorPacket) this.protocolColumn = proto.short;
    return parent.add(proto.field, buf, offset, length);
  }

  /**
   * Records a protocol that frame.protocols lists but whose items sit inside another layer's subtree
   * (a certificate's X.509 attribute and extension protocols inside TLS): no Protocol column, no
   * level of its own in the protocol hierarchy.
   */
  addNestedProtocolName(abbrev: string): void {
    this.layers.push(abbrev);
    if (this.nestedLayers === NONE) this.nestedLayers = [];
    (this.nestedLayers as number[]).push(this.layers.length - 1);
  }

  /** Replaces the Info column, or what follows its fence when a lower layer set one. */
  setInfo(text: string): void {
    if (this.inErrorPacket) return;
    this.infoText = this.infoFence ? this.infoText.slice(0, this.infoFence) + text : text;
  }

  /** Appends to the Info column; `separator` adds a space when something is already there. */
  appendInfo(text: string, separator = false): void {
    if (this.inErrorPacket) return;
    this.infoText = separator && this.infoText && !this.infoText.endsWith(' ') ? `${this.infoText} ${text}` : this.infoText + text;
  }

  /**
   * Keeps what the Info column says so far (tunnels: the outer layer's words stay in front); later
   * layers set and append to what follows it.
   */
  fenceInfo(separator = ' '): void {
    if (this.inErrorPacket) return;
    if (this.infoText) this.infoText += separator;
    this.infoFence = this.infoText.length;
  }

  get info(): string {
    return this.infoText;
  }

  /** Records expert info, and shows it under `node` as Wireshark does. */
  addExpert(node: Node, severity: Severity, group: string, message: string, protocol = this.protocolColumn.toLowerCase(), kind: FieldDef = expertField): Node {
    const e: Expert = { severity, group, message, protocol };
    if (this.experts === NONE) this.experts = [];
    (this.experts as Expert[]).push(e);
    if (!node.real) return node;
    // `kind` names this kind of expert info (Wireshark's expert field: tcp.connection.syn, http.chat),
    // so a filter on that name finds it and JSON lists it as tshark does.
    const child = node.addGenerated(kind, undefined);
    child.expert = e;
    return child;
  }

  /** True when statistics listen: dissectors may skip building tap data otherwise. */
  get tapping(): boolean {
    return this.session.taps;
  }

  /** Queues data for a statistics tap. */
  tap(tap: string, data: unknown): void {
    if (this.session.taps) (this.taps ??= []).push({ tap, data });
  }

  /** Registers a new data source (reassembled or decrypted bytes) and returns a Buf over it. */
  newSource(bytes: Uint8Array, name: string): Buf {
    const b = Buf.of(bytes, name);
    (this.extraSources ??= []).push(b.source);
    return b;
  }
}
