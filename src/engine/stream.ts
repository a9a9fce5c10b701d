/**
 * PDUs over byte streams (Wireshark's tcp_dissect_pdus), for any protocol carried by TCP or by another
 * stream (OpenVPN's reliable control channel reuses it).
 *
 * A protocol over a stream says how long the PDU at an offset is — or that it needs more bytes — and
 * receives whole PDUs, however the stream was cut into segments: several PDUs in one segment are all
 * dissected, a PDU spanning segments is put together and dissected in the frame that completes it,
 * in a new data source "Reassembled <stream> (N bytes)". The transport passes bytes in order, once
 * (retransmissions and out-of-order handling are its job) through `StreamDirection`.
 *
 * Memory is bounded: a direction buffers at most `maxPending` bytes; past that it gives up on the PDU,
 * says so with expert info and resynchronises at the next segment.
 */
import { Buf, keepCopy } from './buf.js';
import type { Protocol } from './dispatch.js';
import type { Packet } from './packet.js';
import { type Node, Severity } from './tree.js';
import { FT, type FieldDef, field } from './fields.js';

/** How a protocol wants its PDUs shown. */
export interface PduOptions {
  /** "[PDU Size: N]" for each PDU a segment holds whole, as protocols that use Wireshark's tcp_dissect_pdus show it. */
  pduSizes?: boolean;
}

/** The options of protocols Wireshark cuts with tcp_dissect_pdus (DNS and OpenVPN over TCP, HTTP/2). */
export const TCP_PDUS: PduOptions = { pduSizes: true };

const pduSizeField = field('tcp.pdu.size', 'PDU Size', FT.UInt32, 'The size of one whole message of the protocol above found in this segment.');

/** Returned by a PDU-length function when the header itself is not complete yet. */
export const NEED_MORE = -1;
/** Returned by a PDU-length function when the bytes cannot be this protocol. */
export const NOT_THIS = 0;

export const defaultMaxPending = 4 * 1024 * 1024;

/**
 * The generated fields a transport shows for its reassemblies, named after it the way Wireshark
 * does (`tcp.segments`, `tcp.segment`, `tcp.reassembled.length` …). A transport declares its set once
 * at load time with `reassemblyFields('tcp', 'segment')` so filters and --explain know the names
 * before any stream is seen.
 */
export interface ReassemblyFields {
  /** "TCP": the transport's name as shown in labels. */
  readonly label: string;
  /** "segment" / "fragment": what one piece is called in labels. */
  readonly unit: string;
  readonly pieces: FieldDef;
  readonly piece: FieldDef;
  readonly count: FieldDef;
  readonly length: FieldDef;
  readonly data: FieldDef;
  readonly pieceData: FieldDef;
}

const fieldSets = new Map<string, ReassemblyFields>();

/** The reassembly fields of transport `prefix` ("tcp" → tcp.segments, tcp.segment, …), declared once. */
export function reassemblyFields(prefix: string, unit: 'segment' | 'fragment' = 'segment', label = prefix.toUpperCase()): ReassemblyFields {
  const key = `${prefix}|${unit}`;
  let f = fieldSets.get(key);
  if (f) return f;
  const Unit = unit === 'segment' ? 'Segment' : 'Fragment';
  f = {
    label,
    unit,
    pieces: field(`${prefix}.${unit}s`, `Reassembled ${label} ${Unit}s`, FT.None,
      `Lists the ${unit}s whose bytes were joined to make one whole message, and which frames carried them.`),
    piece: field(`${prefix}.${unit}`, `${label} ${Unit}`, FT.FrameNum,
      `A frame that carried part of the reassembled message, with the byte range it gave.`),
    count: field(`${prefix}.${unit}.count`, `${Unit} count`, FT.UInt32,
      `How many ${unit}s were joined to make the reassembled message.`),
    length: field(`${prefix}.reassembled.length`, `Reassembled ${label} length`, FT.UInt32,
      'Total size in bytes of the message put back together from several pieces.'),
    data: field(`${prefix}.reassembled.data`, `Reassembled ${label} Data`, FT.Bytes,
      'The bytes of the whole message after its pieces were joined in order.'),
    pieceData: field(`${prefix}.${unit}_data`, `${label} ${unit} data`, FT.Bytes,
      `Bytes of this ${unit} that belong to a message completed in a later frame; they are shown there.`),
  };
  fieldSets.set(key, f);
  return f;
}

/** "TCP" → "tcp", "OpenVPN control" → "openvpn": the default field prefix for a stream name. */
function defaultPrefix(name: string): string {
  return name.toLowerCase().split(/[^a-z0-9_]+/).find((w) => w.length > 0) ?? 'stream';
}

const fieldsByStreamName = new Map<string, ReassemblyFields>();

/** The reassembly fields of a stream named `name`, looked up once per name (directions are made often). */
function fieldsForStream(name: string): ReassemblyFields {
  let f = fieldsByStreamName.get(name);
  if (!f) fieldsByStreamName.set(name, (f = reassemblyFields(defaultPrefix(name), 'segment', name)));
  return f;
}

/** One direction of a stream, owned by the transport (one per TCP direction). */
export class StreamDirection {
  /**
   * Pieces of an incomplete PDU waiting for more, in order. Kept as a list and joined only when the
   * PDU completes (or its length must be measured), so a 1 MB body over 700 segments is copied once,
   * not 700 times. (Measured: growing one buffer by doubling instead costs several times more, in
   * allocating large zeroed buffers, than one small copy per segment.)
   */
  private chunks: Uint8Array[] = [];
  private chunkBytes = 0;
  /** Total length of the pending PDU once the protocol has said it (-1: not known yet). */
  expected = -1;
  /** Frames (and byte counts) that contributed to the pending bytes. */
  pendingFrames: [number, number][] = [];
  /** Set after a reassembly limit was hit: bytes are shown as data until the stream resynchronises. */
  desynced = false;
  /** Per-protocol scratch state for this direction. */
  scratch: Record<string, unknown> = {};
  /**
   * The frame that carried the bytes being passed now, when it is not the current frame (the
   * transport releasing data it held back, e.g. TCP segments that arrived ahead of a gap); 0 otherwise.
   */
  originFrame = 0;
  /** The fields its reassemblies are shown with (tcp.segments …). */
  readonly fields: ReassemblyFields;

  constructor(
    /** Shown in source names and labels: "TCP", "OpenVPN control". */
    readonly name: string,
    readonly maxPending = defaultMaxPending,
    fields?: ReassemblyFields,
    /**
     * The "[… segment of a reassembled PDU]" marker replaces the Info column instead of following
     * it: so Wireshark's TLS shows decrypted application data that continues in a later record.
     */
    readonly markerReplacesInfo = false,
  ) {
    this.fields = fields ?? fieldsForStream(name);
  }

  /** True while part of a PDU is held. */
  get pending(): boolean {
    return this.chunkBytes > 0;
  }

  /** Bytes held for an incomplete PDU, for the transport's memory accounting. */
  get pendingBytes(): number {
    return this.chunkBytes;
  }

  /** Holds a copy of `bytes` as the next piece of the pending PDU. */
  hold(bytes: Uint8Array): void {
    this.chunks.push(keepCopy(bytes));
    this.chunkBytes += bytes.length;
  }

  /**
   * The held bytes followed by `more`, as one new array, which also becomes the only held piece (so
   * the bytes stay held until `resync()`; callers may keep the array as a data source).
   */
  joinWith(more: Uint8Array): Uint8Array {
    const joined = new Uint8Array(this.chunkBytes + more.length);
    let at = 0;
    for (const c of this.chunks) {
      joined.set(c, at);
      at += c.length;
    }
    joined.set(more, at);
    this.chunks = [joined];
    this.chunkBytes = joined.length;
    return joined;
  }

  /**
   * Forgets a half-received PDU: the transport calls this when bytes went missing for good (a segment
   * never captured) or the stream closed, so the next bytes are taken as the start of a new PDU.
   */
  resync(): void {
    this.chunks = [];
    this.chunkBytes = 0;
    this.expected = -1;
    this.pendingFrames = [];
    this.desynced = false;
  }
}

/** What a stream transport passes to its payload dissector as `data`. */
export interface StreamData {
  direction: StreamDirection;
  /**
   * Identifies the pair of directions this byte stream belongs to when one conversation carries
   * several (OpenVPN runs a new TLS session per key id): protocols keep per-session state under it
   * instead of under the conversation.
   */
  channel?: object;
  /** The transport's tree node for this segment: "TCP segment data" lines go there (else at the top). */
  tree?: Node;
  /**
   * The TCP tree under it, when the stream is carried inside another protocol (TLS's decrypted
   * application data): PDU sizes go there, as Wireshark puts them in TCP's tree.
   */
  tcpTree?: Node;
  /**
   * The protocol the stream's protocol carries in turn, when the transport knows it: OpenVPN's
   * control channel says its TLS carries OpenVPN control messages (read when TLS is decrypted).
   */
  inner?: Protocol;
}

export function isStreamData(data: unknown): data is StreamData {
  return typeof data === 'object' && data !== null && (data as StreamData).direction instanceof StreamDirection;
}

/**
 * Splits `buf` (this segment's in-order payload) into PDUs and calls `dissectPdu` for each whole one.
 * `pduLength(b, offset)` returns the PDU's total length starting at `offset`, NEED_MORE, or NOT_THIS.
 * Without stream data (e.g. a datagram) the buffer is taken as complete and nothing is kept.
 * Returns the number of PDUs dissected in this call.
 */
export function dissectPdus(
  buf: Buf,
  pkt: Packet,
  parent: Node,
  data: unknown,
  pduLength: (b: Buf, offset: number) => number,
  dissectPdu: (pdu: Buf, pkt: Packet, parent: Node) => void,
  onNotThis?: (rest: Buf, pkt: Packet, parent: Node) => void,
  options?: PduOptions,
): number {
  const dir = isStreamData(data) ? data.direction : null;
  let work = buf;
  let count = 0;

  if (dir && dir.pending) {
    const pendingLength = dir.pendingBytes;
    const here = buf.bytesAt(0, buf.length);
    // While the PDU's length is known and not reached, just keep the segment: no join, no re-measuring.
    if (dir.expected > 0 && pendingLength + here.length < dir.expected) {
      if (pendingLength + here.length > dir.maxPending) return giveUp(dir, buf, pkt, parent);
      dir.hold(here);
      dir.pendingFrames.push([dir.originFrame || pkt.number, here.length]);
      markSegment(pkt, treeOf(data, parent), buf, dir, true);
      return 0;
    }
    const joined = dir.joinWith(here);
    const prior = dir.pendingFrames;
    const firstLen = dir.expected > 0 ? dir.expected : pduLengthSafe(pduLength, Buf.of(joined, dir.name), 0);
    if (firstLen === NEED_MORE || firstLen > joined.length) {
      if (joined.length > dir.maxPending) return giveUp(dir, buf, pkt, parent);
      // Still incomplete: everything stays held, now with the length if the header told it.
      dir.expected = firstLen > 0 ? firstLen : -1;
      dir.desynced = false;
      dir.pendingFrames.push([dir.originFrame || pkt.number, buf.length]);
      markSegment(pkt, treeOf(data, parent), buf, dir, true);
      return 0;
    }
    // The pending PDU completes in this segment: dissect it from a new source that holds every piece.
    dir.resync();
    // A length that ends inside bytes already kept contradicts what the protocol said before.
    if (firstLen === NOT_THIS || firstLen <= pendingLength) {
      onNotThis?.(buf, pkt, parent);
      return 0;
    }
    const used = firstLen - pendingLength;
    if (parent.real) markPiece(treeOf(data, parent), buf.sub(0, used), dir);
    const source = pkt.newSource(joined.subarray(0, firstLen), `Reassembled ${dir.name} (${firstLen} bytes)`);
    describeReassembly(parent, pkt, dir, source, prior, used, firstLen);
    dissectPdu(source, pkt, parent);
    count++;
    if (used >= buf.length) return count;
    work = buf.sub(used);
  }

  // A PDU may carry a tunnelled packet whose layers set the packet's endpoints to the inner ones: the
  // next PDU is dissected with the segment's own.
  const { netSrc, netDst, srcPort, dstPort, transport } = pkt;
  let offset = 0;
  while (offset < work.length) {
    if (count > 0) pkt.restoreEndpoints(netSrc, netDst, srcPort, dstPort, transport);
    const len = pduLengthSafe(pduLength, work, offset);
    if (len === NOT_THIS) {
      onNotThis?.(work.sub(offset), pkt, parent);
      return count;
    }
    if (len === NEED_MORE || offset + len > work.length) {
      if (dir) {
        const rest = work.bytesAt(offset, work.length - offset);
        if (rest.length > dir.maxPending) return count + giveUp(dir, work.sub(offset), pkt, parent);
        dir.resync();
        if (len > 0) dir.expected = len;
        dir.hold(rest);
        dir.pendingFrames = [[dir.originFrame || pkt.number, rest.length]];
        markSegment(pkt, treeOf(data, parent), work.sub(offset), dir, count === 0);
        return count;
      }
      // A datagram cannot continue elsewhere: dissect what is there and let the dissector flag it.
      dissectPdu(work.sub(offset), pkt, parent);
      return count + 1;
    }
    // Wireshark's tcp_dissect_pdus names the size of each PDU a segment holds whole, in TCP's tree.
    if (dir && options?.pduSizes && parent.real) {
      const sd = data as StreamData;
      (sd.tcpTree ?? sd.tree ?? parent).addGenerated(pduSizeField, len, work, offset, len);
    }
    dissectPdu(work.sub(offset, len), pkt, parent);
    count++;
    offset += len;
  }
  return count;
}

/** Where the transport wants its segment lines: its own tree node, or the top of the packet. */
function treeOf(data: unknown, parent: Node): Node {
  return (data as StreamData | undefined)?.tree ?? parent;
}

/** Calls the length function; a throw means "not enough bytes yet", a nonsense answer means "not this protocol". */
function pduLengthSafe(fn: (b: Buf, o: number) => number, b: Buf, offset: number): number {
  let len: number;
  try {
    len = fn(b, offset);
  } catch {
    return NEED_MORE;
  }
  if (len === NEED_MORE) return NEED_MORE;
  // Zero, negative or fractional lengths would stall or reverse the walk over the stream.
  return Number.isInteger(len) && len > 0 ? len : NOT_THIS;
}

/** Marks bytes kept for a PDU that a later segment completes ("[TCP segment of a reassembled PDU]"). */
function markSegment(pkt: Packet, parent: Node, buf: Buf, dir: StreamDirection, noPduHere: boolean): void {
  const f = dir.fields;
  // Held-back bytes released now were already marked so in the frame that carried them. Like
  // Wireshark, always one space before the marker, even after text that ends in a space.
  if (noPduHere && !dir.originFrame) {
    const marker = `[${f.label} ${f.unit} of a reassembled PDU]`;
    if (dir.markerReplacesInfo) pkt.setInfo(marker);
    else pkt.appendInfo(`${pkt.info ? ' ' : ''}${marker}`);
  }
  if (parent.real) markPiece(parent, buf, dir);
}

/** "TCP segment data (N bytes)": the part of this segment that belongs to a reassembled PDU. */
function markPiece(parent: Node, buf: Buf, dir: StreamDirection): void {
  // Bytes a transport held back and releases now were already marked in the frame that carried them.
  if (dir.originFrame) return;
  const f = dir.fields;
  const n = parent.add(f.pieceData, buf, 0, buf.length, buf.bytesAt(0, buf.length));
  n.text = `${f.pieceData.name} (${buf.reportedLength} byte${buf.reportedLength === 1 ? '' : 's'})`;
}

/** The "[N Reassembled TCP Segments (L bytes): #f(b), …]" subtree, as Wireshark draws it. */
function describeReassembly(parent: Node, pkt: Packet, dir: StreamDirection, source: Buf, prior: [number, number][], lastBytes: number, total: number): void {
  if (!parent.real) return;
  const f = dir.fields;
  const pieces = [...prior, [dir.originFrame || pkt.number, lastBytes] as [number, number]];
  const n = parent.addGenerated(f.pieces, undefined, source, 0, total);
  // Under a partial tree's root the list itself may not be wanted (then no label is made for it),
  // while a wanted field inside it still is.
  if (n.real) n.text = `${pieces.length} ${f.pieces.name} (${total} bytes): ${pieces.map(([fr, b]) => `#${fr}(${b})`).join(', ')}`;
  let start = 0;
  for (const [frame, bytes] of pieces) {
    const p = n.addGenerated(f.piece, frame, source, start, bytes);
    if (p.real) p.text = `Frame: ${frame}, payload: ${start}-${start + bytes - 1} (${bytes} byte${bytes === 1 ? '' : 's'})`;
    start += bytes;
  }
  n.addGenerated(f.count, pieces.length);
  n.addGenerated(f.length, total);
  n.addGenerated(f.data, source.bytesAt(0, source.length), source, 0, total);
}

function giveUp(dir: StreamDirection, buf: Buf, pkt: Packet, parent: Node): number {
  dir.resync();
  const n = parent.addText(`[Reassembly limit of ${dir.maxPending} bytes reached; bytes shown undissected]`, buf, 0, buf.length);
  pkt.addExpert(n, Severity.Warning, 'Reassemble', `Reassembly buffer limit (${dir.maxPending} bytes) exceeded`);
  return 0;
}
